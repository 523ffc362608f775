"""The desk's answers about an appointment's reminder are the rule.

- "No reminder": a move answered ``withdraw`` (the move question's "Nein",
  ``appointment move --reminder withdraw``) or a reminder withdrawn in the
  journal marks the appointment ``no_reminder``. Automation then leaves it
  alone; a reminder made by hand (``remind``, a move answered ``regenerate``)
  lifts the mark, because someone asked for one again.
- One reminder per appointment unless asked: a second reminder (or
  confirmation) while one is queued, being sent, sent or delivered is refused
  (``already_reminded``) unless the desk says it means a second one (``again``,
  ``appointment remind --again``), as CONTRACT.md has it.
"""

from __future__ import annotations

from . import audit, outbox
from .db import write_transaction
from .errors import Refused
from .models import Appointment, Message
from .states import Status

# a reminder counts as existing from queueing on, until it failed, was withdrawn or expired
EXISTING = (Status.QUEUED, Status.SENDING, Status.SENT, Status.DELIVERED)


def existing(appointment: Appointment | int, kind: str) -> list[Message]:
    """The appointment's reminders (or confirmations) that exist, oldest first."""
    return list(
        Message.select()
        .where(
            (Message.appointment == getattr(appointment, "id", appointment))
            & (Message.purpose == kind)
            & Message.status.in_(EXISTING)
        )
        .order_by(Message.id)
    )


def refuse_second(appointment: Appointment, kind: str, again: bool) -> None:
    """Refuse (``already_reminded``) a second message of ``kind`` the desk did not ask for."""
    found = existing(appointment, kind)
    if found and not again:
        last = found[-1]
        raise Refused("already_reminded", appointment_id=appointment.id, kind=kind, status=last.status, last_id=last.id)


def mark_no_reminder(appointment: Appointment | int, user: str, why: str) -> None:
    """Automation leaves this appointment alone (the desk said no reminder)."""
    appointment_id = getattr(appointment, "id", appointment)
    changed = (
        Appointment.update(no_reminder=True)
        .where((Appointment.id == appointment_id) & (Appointment.no_reminder == False))  # noqa: E712
        .execute()
    )
    if changed:
        row = Appointment.get_by_id(appointment_id)
        audit.record(
            user, "no_reminder", mandant=row.mandant_id, person=row.person_id, appointment=appointment_id, why=why
        )


def lift_no_reminder(appointment: Appointment) -> None:
    """Someone made a reminder by hand: the earlier "no" no longer holds."""
    if appointment.no_reminder:
        Appointment.update(no_reminder=False).where(Appointment.id == appointment.id).execute()
        appointment.no_reminder = False


def withdraw_at_desk(message_id: int, user: str) -> Message:
    """Withdraw a queued message from the journal; a reminder's appointment gets no other one."""
    with write_transaction():
        message = outbox.withdraw(message_id, user, reason="withdrawn at the desk")
        if message.purpose == "reminder" and message.appointment_id is not None:
            mark_no_reminder(message.appointment_id, user, f"reminder {message.id} withdrawn")
    return message
