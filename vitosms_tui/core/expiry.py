"""A message's moment: after it, the message is of no use and never goes out.

- A **reminder** or **confirmation** expires when its appointment begins. A
  reminder in the last hour before the appointment still helps (the patient is
  on the way), one after the start only embarrasses the practice.
- A **birthday greeting** expires at the end of its day (midnight, Europe/Zurich).
- A **recall notice** expires when its recall is booked, done or cancelled.
- Free texts have no moment.

The moment is stored with the message when it is queued (``expires_at``; a
moved appointment's queued reminders are withdrawn, so it cannot go stale).
Workers expire what is due at every claim (:func:`expire_due`, in the claim's
transaction) and look again right before handing a claimed message over
(:func:`past_its_moment`, then :func:`mark_expired`). An expired message ends
``expired``, gets the events ``expired`` (with the reason) and ``refunded``,
and its credits come back exactly once: the change of state is guarded, so of
two workers racing for it (or one that took over a lapsed lease) only one
expires it.

**Quiet hours** hold a due reminder, confirmation, birthday greeting or recall
notice until they end (after a worker outage in the night, say): it is not
sent at 3 a.m. When they end only after its moment, it expires instead: quiet
hours never push a reminder past its appointment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import peewee as pw

from . import clock
from .coded import Coded
from .db import rows_locked
from .events import add_event
from .models import Appointment, Mandant, Message, Recall
from .quiet_hours import in_quiet_hours, next_allowed_at_or_after
from .states import PENDING, Purpose, Status

DATED = (Purpose.REMINDER, Purpose.CONFIRMATION)
# what the quiet hours hold back; a free text is the desk's own decision to send now
HELD_IN_QUIET_HOURS = (Purpose.REMINDER, Purpose.CONFIRMATION, Purpose.BIRTHDAY, Purpose.RECALL)
# a recall notice is of no use once its recall is one of these
RECALL_CLOSED = ("booked", "done", "cancelled")
QUIET = "quiet_hours"
# expired per claim at most: a claim stays short even after a long outage
BATCH = 500


def moment_of(purpose: str, appointment: Appointment | None = None, send_at: datetime | None = None) -> datetime | None:
    """When a new message of ``purpose`` expires (None: never), queued to go out at ``send_at``."""
    if purpose in DATED and appointment is not None:
        return clock.to_utc(appointment.start)
    if purpose == Purpose.BIRTHDAY:
        day = clock.local(send_at or clock.now()).date()
        return clock.zurich_datetime(day + timedelta(days=1), 0)
    return None


def _when(instant: datetime) -> str:
    return clock.local(instant).strftime("%d.%m.%Y %H:%M")


def why(purpose: str, expires_at: datetime | None, recall_status: str | None = None, cause: str | None = None) -> Coded:
    """Why the message expired: a code with its moment, and one English line for the timeline."""
    if cause == QUIET and expires_at is not None:
        text = f"the quiet hours last beyond its moment ({_when(expires_at)}): not sent at all"
        return Coded("quiet_hours_beyond", text, {"when": expires_at})
    if purpose == Purpose.RECALL and recall_status:
        text = f"its recall is {recall_status}: the notice is no longer needed"
        return Coded("recall_closed", text, {"state": recall_status})
    if purpose == Purpose.BIRTHDAY and expires_at is not None:
        return Coded("birthday_over", f"its birthday was over at {_when(expires_at)}", {"when": expires_at})
    if purpose in DATED and expires_at is not None:
        return Coded("appointment_began", f"its appointment began at {_when(expires_at)}", {"when": expires_at})
    if expires_at:
        return Coded("moment_passed", f"its moment ({_when(expires_at)}) has passed", {"when": expires_at})
    return Coded("moment_passed", "its moment has passed")


def reason(
    purpose: str, expires_at: datetime | None, recall_status: str | None = None, cause: str | None = None
) -> str:
    """One line for the timeline: why the message expired."""
    return why(purpose, expires_at, recall_status, cause).text


def refuse_if_past(purpose: str, moment: datetime | None, send_at: datetime) -> None:
    """Refuse (``expired``) to queue a message that would go out at or after its moment."""
    from .errors import Refused

    if moment is not None and moment <= send_at:
        raise Refused("expired", purpose=purpose, reason=reason(purpose, moment))


def past_its_moment(expires_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether a message with this moment must no longer be handed over."""
    return expires_at is not None and expires_at <= (now or clock.now())


def _expire(message: Message, cause: Coded, who: str, condition: pw.Expression) -> bool:
    """Expired and refunded; False when ``condition`` no longer holds (another was first)."""
    from .sending import end_with_refund  # sending calls expire_due: imported when needed

    return end_with_refund(message, Status.EXPIRED, cause.text[:500], who, condition, cause)


def mark_expired(message_id: int, worker_id: str) -> bool:
    """A claimed message found past its moment right before hand-over (only if still held)."""
    from .db import write_transaction

    with write_transaction():
        held = (Message.id == message_id) & (Message.claimed_by == worker_id) & (Message.status == Status.SENDING)
        message = Message.get_or_none(held)
        if message is None:
            return False
        return _expire(message, why(message.purpose, message.expires_at), worker_id, held)


def expire_due(due: pw.Expression, now: datetime, who: str) -> int:
    """Expire the due messages past their moment, hold those in quiet hours; how many expired.

    ``due`` is the claim's condition of a claimable message; call it in the
    claim's transaction, before claiming.
    """
    closed = Recall.select(Recall.id).where(Recall.status.in_(RECALL_CLOSED))
    past = (Message.expires_at <= now) | ((Message.purpose == Purpose.RECALL) & Message.recall.in_(closed))
    stale = list(
        rows_locked(
            Message.select(
                Message.id, Message.mandant, Message.purpose, Message.recipient, Message.expires_at, Message.recall
            )
            .where(due & past)
            .order_by(Message.id)
            .limit(BATCH),
            skip_locked=True,
        )
    )
    expired = 0
    for message in stale:
        status = None
        if message.purpose == Purpose.RECALL and message.recall_id is not None:
            status = Recall.select(Recall.status).where(Recall.id == message.recall_id).scalar()
            status = status if status in RECALL_CLOSED else None
        cause = why(message.purpose, message.expires_at, status)
        expired += _expire(message, cause, who, (Message.id == message.id) & due)
    _hold_in_quiet_hours(due, now, who)
    return expired


def _hold_in_quiet_hours(due: pw.Expression, now: datetime, who: str) -> None:
    quiet = {
        m.id: m for m in Mandant.select(Mandant.id, Mandant.quiet_start, Mandant.quiet_end) if in_quiet_hours(now, m)
    }
    if not quiet:
        return  # the usual case by day: nothing more to read
    held = list(
        rows_locked(
            Message.select(Message.id, Message.mandant, Message.purpose, Message.recipient, Message.expires_at)
            .where(due & Message.mandant.in_(list(quiet)) & Message.purpose.in_(HELD_IN_QUIET_HOURS))
            .order_by(Message.id)
            .limit(BATCH),
            skip_locked=True,
        )
    )
    for message in held:
        until = next_allowed_at_or_after(now, quiet[message.mandant_id])
        condition = (Message.id == message.id) & due
        if past_its_moment(message.expires_at, until):
            _expire(message, why(message.purpose, message.expires_at, cause=QUIET), who, condition)
            continue
        # scheduled anew for the morning: ``worker --drain`` need not wait the night for it
        changed = (
            Message.update(
                status=Status.QUEUED, next_attempt_at=until, scheduled_at=until, claimed_by=None, lease_until=None
            )
            .where(condition)
            .execute()
        )
        if changed:
            add_event(message, "held", f"quiet hours: waits until {_when(until)}", {"until": until})


def fill_moments() -> int:
    """Schema version 3: the moment of every message still pending from before it existed."""
    from .models import Appointment

    filled = 0
    pending = Message.status.in_(PENDING) & Message.expires_at.is_null()
    dated = Message.purpose.in_((*DATED, Purpose.BIRTHDAY))
    for message in Message.select(Message.id, Message.purpose, Message.appointment, Message.scheduled_at).where(
        pending & dated
    ):
        appointment = (
            Appointment.get_or_none(Appointment.id == message.appointment_id) if message.appointment_id else None
        )
        moment = moment_of(message.purpose, appointment, message.scheduled_at)
        if moment is not None:
            filled += Message.update(expires_at=moment).where(Message.id == message.id).execute()
    return filled
