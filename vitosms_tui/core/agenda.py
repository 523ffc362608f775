"""The agenda: appointments per Mandant, and what booking, copying, moving and
cancelling do to their reminders.

- An overlap with another booked appointment of the same Mandant is allowed;
  the overlapping appointments are returned so that the screen and the CLI can
  warn.
- A copy never carries a reminder (``copied_from`` names the original).
- A move of an appointment with a *prepared* reminder or confirmation (queued,
  sending, sent or delivered) needs the desk's decision: ``regenerate`` or
  ``withdraw``. Both withdraw (and refund) what is still queued, so a text with
  the old date never goes out; ``regenerate`` then plans a new one for the new
  time on the same channel. Without a decision the move is refused
  (``reminder_decision_needed``). While such a message is being handed to the
  provider (``sending``) it can neither be withdrawn nor ignored: the move is
  refused (``message_in_flight``) until it has gone, and the decision is then
  taken knowing that the old date went out.
- Cancelling withdraws and refunds every queued message of the appointment. A
  message already being sent cannot be called back; the cancellation still
  happens and the result names it (``in_flight``).
- ``remind`` queues a reminder or confirmation by :mod:`core.reminders`; when
  the rule sends none (short notice, past, quiet hours) it is refused with the
  rule's code and reason.

Every change runs in one write transaction: nothing is half done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from . import audit, clock, desk_answers, outbox, reminders
from .db import write_transaction
from .errors import NotFound, Refused, UsageError
from .journal import list_messages
from .mandanten import get_mandant
from .models import Appointment, Mandant, Message, Person, id_of
from .quiet_hours import in_quiet_hours
from .reminders import KINDS, ReminderPlan
from .states import PENDING, Purpose, Status

REGENERATE = "regenerate"
WITHDRAW = "withdraw"
DECISIONS = (REGENERATE, WITHDRAW)
MAX_MINUTES = 24 * 60
# messages that carry the appointment's date and time
DATED_PURPOSES = (Purpose.REMINDER, Purpose.CONFIRMATION)
# a reminder counts as prepared from queueing on, until it failed or was withdrawn
PREPARED_STATUSES = (Status.QUEUED, Status.SENDING, Status.SENT, Status.DELIVERED)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass
class ReminderResult:
    message: Message
    plan: ReminderPlan


@dataclass
class Booking:
    """An appointment as stored, and the booked appointments it overlaps."""

    appointment: Appointment
    overlaps: list[Appointment] = field(default_factory=list)
    confirmation: ReminderResult | None = None  # queued in the same step (``confirm``)


@dataclass
class MoveResult(Booking):
    """A move: what was withdrawn, what was newly queued, and why nothing was (notes)."""

    old_start: datetime | None = None
    withdrawn: list[Message] = field(default_factory=list)
    created: list[Message] = field(default_factory=list)
    notes: list[ReminderPlan] = field(default_factory=list)


@dataclass
class CancelResult:
    appointment: Appointment
    withdrawn: list[Message] = field(default_factory=list)
    refunded: int = 0
    in_flight: list[Message] = field(default_factory=list)  # being sent, could not be called back


# --- reading -----------------------------------------------------------------


def get_appointment(appointment_id: int) -> Appointment:
    """The appointment with this id (NotFound otherwise)."""
    found = Appointment.get_or_none(Appointment.id == appointment_id)
    if found is None:
        raise NotFound("not_found.appointment", appointment_id=appointment_id)
    return found


def list_appointments(
    mandant: Mandant | str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    person: Person | int | None = None,
    include_cancelled: bool = False,
) -> list[Appointment]:
    """Appointments starting in [since, until), by start; Mandant and person loaded with each."""
    query = Appointment.select(Appointment, Mandant, Person).join(Mandant).switch(Appointment).join(Person)
    if mandant is not None:
        query = query.where(Appointment.mandant == _mandant(mandant))
    if person is not None:
        query = query.where(Appointment.person == person)
    if since is not None:
        query = query.where(Appointment.start >= clock.to_utc(since))
    if until is not None:
        query = query.where(Appointment.start < clock.to_utc(until))
    if not include_cancelled:
        query = query.where(Appointment.status == "booked")
    return list(query.order_by(Appointment.start, Appointment.id))


def day_appointments(mandant: Mandant | str, day: date) -> list[Appointment]:
    """The booked appointments of one Zurich calendar day (the agenda's day view)."""
    since = clock.zurich_datetime(day, 0)
    return list_appointments(mandant, since, clock.zurich_datetime(day + timedelta(days=1), 0))


def find_overlaps(
    mandant: Mandant | int, start: datetime, minutes: int, exclude: Appointment | int | None = None
) -> list[Appointment]:
    """Booked appointments of the Mandant that share time with [start, start + minutes)."""
    start = clock.to_utc(start)
    end = start + timedelta(minutes=minutes)
    # no appointment is longer than a day: the window keeps the index on (mandant, start)
    query = Appointment.select().where(
        (Appointment.mandant == mandant)
        & (Appointment.status == "booked")
        & (Appointment.start < end)
        & (Appointment.start > start - timedelta(minutes=MAX_MINUTES))
    )
    if exclude is not None:
        query = query.where(Appointment.id != getattr(exclude, "id", exclude))
    return [a for a in query.order_by(Appointment.start, Appointment.id) if a.end > start]


def appointment_timeline(appointment: Appointment | int) -> list[Message]:
    """Every message of the appointment, oldest first, each with its status."""
    # ids follow the order of queueing, even when clocks of terminals disagree
    return sorted(list_messages(appointment=appointment), key=lambda m: m.id)


def prepared_messages(appointment: Appointment | int) -> list[Message]:
    """Reminders and confirmations that are queued, being sent, sent or delivered."""
    return list(
        Message.select()
        .where(
            (Message.appointment == getattr(appointment, "id", appointment))
            & Message.purpose.in_(DATED_PURPOSES)
            & Message.status.in_(PREPARED_STATUSES)
        )
        .order_by(Message.id)
    )


def needs_reminder_decision(appointment: Appointment | int) -> bool:
    """Whether moving the appointment needs the regenerate/withdraw question."""
    return bool(prepared_messages(appointment))


# --- checks ------------------------------------------------------------------


def _mandant(value: Mandant | int | str) -> Mandant:
    if isinstance(value, Mandant):
        return value
    if isinstance(value, int):
        found = Mandant.get_or_none(Mandant.id == value)
        if found is None:
            raise NotFound("not_found.mandant_id", value=value)
        return found
    return get_mandant(value)


def _person(value: Person | int) -> Person:
    person_id = getattr(value, "id", value)
    found = Person.get_or_none(Person.id == person_id)
    if found is None:
        raise NotFound("not_found.person", person_id=person_id)
    if found.deceased:
        raise Refused("deceased.person", name=found.full_name, person_id=found.id)
    return found


def _start(value: datetime | str) -> datetime:
    """An aware UTC start on a whole minute (text: ISO-8601, Zurich when no offset)."""
    if isinstance(value, str):
        value = clock.parse_instant(value)
    if not isinstance(value, datetime):
        raise UsageError("usage.start_date_time")
    return clock.to_utc(value).replace(second=0, microsecond=0)


def _minutes(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MINUTES:
        raise Refused("invalid_duration.out_of_range", limit=MAX_MINUTES, value=value)
    return value


def _reason(value: str | None) -> str:
    text = (value or "").strip()
    if _CONTROL.search(text):
        raise Refused("invalid_reason.control")
    if len(text) > 200:
        raise Refused("invalid_reason.too_long")
    return text


def _plan_refusal(plan: reminders.ReminderPlan, kind: str, appt: Appointment) -> Refused:
    """Why a reminder or confirmation plan sends nothing, as a refusal of the catalogue."""
    if plan.reason == reminders.SHORT_NOTICE_REFUSED:
        quiet = in_quiet_hours(clock.now(), appt.mandant)
        return Refused("short_notice.quiet_hours" if quiet else "short_notice.soon")
    if plan.reason == reminders.APPOINTMENT_CANCELLED:
        return Refused("appointment_cancelled.nothing_sent", kind=kind)
    if plan.reason == reminders.APPOINTMENT_PAST:
        return Refused("appointment_past", start=appt.start, kind=kind)
    return Refused("quiet_hours")


def _fresh(appointment: Appointment | int) -> Appointment:
    """Read the appointment again inside the transaction: another terminal may have changed it."""
    return get_appointment(id_of(appointment))


def _booked(appointment: Appointment) -> Appointment:
    if appointment.status != "booked":
        raise Refused("appointment_cancelled", appointment_id=appointment.id)
    return appointment


# --- changes -----------------------------------------------------------------


def add_appointment(
    mandant: Mandant | str,
    person: Person | int,
    start: datetime | str,
    minutes: int,
    reason: str = "",
    user: str = "",
    confirm: str | None = None,
) -> Booking:
    """Book an appointment; overlaps are allowed and returned.

    ``confirm`` (``sms``, ``email`` or ``auto``: the person's channel) queues the
    confirmation in the same transaction: booked and confirmed, or (Refused,
    with the reason of :func:`remind`) neither.
    """
    mandant, person = _mandant(mandant), _person(person)
    start, minutes, reason = _start(start), _minutes(minutes), _reason(reason)
    if not mandant.active:
        raise Refused("inactive_mandant", mandant=mandant.code)
    if confirm not in (None, "auto", "sms", "email"):
        raise UsageError("usage.confirmation_channel_sms", confirm=confirm)
    with write_transaction():
        appointment = Appointment.create(
            mandant=mandant, person=person, start=start, minutes=minutes, reason=reason, created_by=user
        )
        overlaps = find_overlaps(mandant, start, minutes, exclude=appointment)
        audit.record(
            user,
            "appointment_add",
            mandant=mandant,
            person=person,
            appointment=appointment.id,
            start=clock.iso(start),
            minutes=minutes,
        )
        confirmation = (
            remind(appointment, user, "confirmation", None if confirm == "auto" else confirm) if confirm else None
        )
    return Booking(appointment, overlaps, confirmation)


def edit_appointment(
    appointment: Appointment | int, user: str, minutes: int | None = None, reason: str | None = None
) -> Booking:
    """Change duration and/or reason (the time is changed by :func:`move_appointment`)."""
    with write_transaction():
        appt = _booked(_fresh(appointment))
        if minutes is not None:
            appt.minutes = _minutes(minutes)
        if reason is not None:
            appt.reason = _reason(reason)
        appt.save()
        audit.record(
            user,
            "appointment_edit",
            mandant=appt.mandant_id,
            person=appt.person_id,
            appointment=appt.id,
            minutes=appt.minutes,
        )
        overlaps = find_overlaps(appt.mandant_id, appt.start, appt.minutes, exclude=appt)
    return Booking(appt, overlaps)


def copy_appointment(appointment: Appointment | int, start: datetime | str, user: str) -> Booking:
    """A new appointment like this one at ``start``, without any reminder."""
    start = _start(start)
    with write_transaction():
        original = _fresh(appointment)
        _person(original.person_id)
        copy = Appointment.create(
            mandant=original.mandant_id,
            person=original.person_id,
            start=start,
            minutes=original.minutes,
            reason=original.reason,
            copied_from=original.id,
            created_by=user,
        )
        overlaps = find_overlaps(original.mandant_id, start, original.minutes, exclude=copy)
        audit.record(
            user,
            "appointment_copy",
            mandant=original.mandant_id,
            person=original.person_id,
            appointment=copy.id,
            copied_from=original.id,
            start=clock.iso(start),
        )
    return Booking(copy, overlaps)


def _queued_dated(appointment: Appointment) -> list[Message]:
    return [m for m in prepared_messages(appointment) if m.status == Status.QUEUED]


def move_appointment(
    appointment: Appointment | int, start: datetime | str, user: str, reminder: str | None = None
) -> MoveResult:
    """Move to ``start``; ``reminder`` is the desk's decision when one is prepared.

    Refused: ``reminder_decision_needed`` (a decision is needed and missing),
    ``message_in_flight`` (a reminder with the old date is being sent right
    now: try again in a moment), ``appointment_cancelled``. A regenerated
    reminder that the rule does not send (short notice, …) is no refusal: the
    move is done and :attr:`MoveResult.notes` says why there is none.
    """
    start = _start(start)
    if reminder is not None and reminder not in DECISIONS:
        raise UsageError("usage.reminder_decision_regenerate", reminder=reminder)
    with write_transaction():
        appt = _booked(_fresh(appointment))
        prepared = prepared_messages(appt)
        sending = [m for m in prepared if m.status == Status.SENDING]
        if sending:
            raise Refused("message_in_flight", purpose=sending[0].purpose, message_id=sending[0].id)
        if prepared and reminder is None:
            raise Refused("reminder_decision_needed", appointment_id=appt.id)
        old_start = appt.start
        withdrawn = [outbox.withdraw(m.id, user, reason="appointment moved") for m in _queued_dated(appt)]
        appt.start = start
        appt.answer = None  # the patient's JA or NEIN was about the old date
        if reminder is not None:  # "no" keeps automation away too; "yes" lifts an earlier "no"
            appt.no_reminder = reminder == WITHDRAW
        appt.save()
        result = MoveResult(appt, old_start=old_start, withdrawn=withdrawn)
        if reminder == REGENERATE:
            _regenerate(appt, prepared, user, result)
        result.overlaps = find_overlaps(appt.mandant_id, start, appt.minutes, exclude=appt)
        audit.record(
            user,
            "appointment_move",
            mandant=appt.mandant_id,
            person=appt.person_id,
            appointment=appt.id,
            old=clock.iso(old_start),
            new=clock.iso(start),
            decision=reminder if prepared else None,
            withdrawn=[m.id for m in withdrawn],
            created=[m.id for m in result.created],
        )
    return result


def _regenerate(appt: Appointment, prepared: list[Message], user: str, result: MoveResult) -> None:
    """A new reminder/confirmation for each kind that was prepared, on its latest channel."""
    latest = {m.purpose: m for m in prepared}  # oldest first: the last one of a kind wins
    for kind in KINDS:
        if kind not in latest:
            continue
        plan = reminders.plan(kind, appt)
        if not plan.sends:
            result.notes.append(plan)
            continue
        if not appt.person.consents(kind):
            result.notes.append(
                ReminderPlan(None, "no_consent", f"{appt.person.full_name} no longer consents to {kind}s")
            )
            continue
        draft = reminders.reminder_draft(appt, kind, channel=latest[kind].channel, fallback=True)
        at_once = plan.reason == reminders.AT_ONCE
        result.created += outbox.enqueue(appt.mandant, [draft], user, scheduled_at=None if at_once else plan.send_at)


def cancel_appointment(appointment: Appointment | int, user: str) -> CancelResult:
    """Cancel: every queued message of the appointment is withdrawn and refunded."""
    with write_transaction():
        appt = _booked(_fresh(appointment))
        pending = list(
            Message.select().where((Message.appointment == appt.id) & Message.status.in_(PENDING)).order_by(Message.id)
        )
        withdrawn = [
            outbox.withdraw(m.id, user, reason="appointment cancelled") for m in pending if m.status == Status.QUEUED
        ]
        appt.status = "cancelled"
        appt.save()
        in_flight = [m for m in pending if m.status == Status.SENDING]
        refunded = sum(m.credits for m in withdrawn)
        audit.record(
            user,
            "appointment_cancel",
            mandant=appt.mandant_id,
            person=appt.person_id,
            appointment=appt.id,
            withdrawn=[m.id for m in withdrawn],
            refunded=refunded,
            in_flight=[m.id for m in in_flight],
        )
    return CancelResult(appt, withdrawn, refunded, in_flight)


def remind(
    appointment: Appointment | int, user: str, kind: str = "reminder", channel: str | None = None, again: bool = False
) -> ReminderResult:
    """Queue a reminder or confirmation, scheduled by the rule of :mod:`core.reminders`.

    Refused with the rule's code when it sends none (``short_notice``,
    ``appointment_past``, ``appointment_cancelled``, ``quiet_hours``), with
    ``already_reminded`` when one of this kind is queued, being sent, sent or
    delivered and ``again`` does not say that a second one is meant, and with the outbox's codes
    (``no_consent``, ``insufficient_credits``, …). A reminder made by hand
    lifts the appointment's "no reminder" mark.
    """
    if kind not in KINDS:
        raise UsageError("usage.unknown_kind_reminder", kind=kind)
    with write_transaction():
        appt = _fresh(appointment)
        plan = reminders.plan(kind, appt)
        if not plan.sends:
            raise _plan_refusal(plan, kind, appt)
        desk_answers.refuse_second(appt, kind, again)
        draft = reminders.reminder_draft(appt, kind, channel)
        at_once = plan.reason == reminders.AT_ONCE
        [message] = outbox.enqueue(appt.mandant, [draft], user, scheduled_at=None if at_once else plan.send_at)
        if kind == "reminder":
            desk_answers.lift_no_reminder(appt)
    return ReminderResult(message, plan)
