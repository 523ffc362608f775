"""When an appointment's reminder or confirmation goes out: one rule for the
agenda and for automation.

Reminder (:func:`plan_reminder`):

1. *Lead time.* The Mandant's ``lead_hours`` (default 24) before the start.
   A lead time of whole days is counted on the wall clock: 24 h before Monday
   09:00 is Sunday 09:00 in Zurich, even when a daylight-saving change lies in
   between (then it is 23 or 25 hours of real time). Other lead times
   (e.g. 3 h) are real hours.
2. *Quiet hours.* If that moment falls in the Mandant's quiet hours it moves
   to the latest allowed moment before them (one minute before they start).
3. *Short notice.* If that moment has already passed (the appointment was
   booked inside the lead time), the reminder goes out at once when the start
   is at least :data:`SHORT_NOTICE` (2 h) away and it is not quiet hours now;
   otherwise no reminder is sent, with reason ``short_notice``.
4. An appointment that has started or is cancelled gets none.

Confirmation (:func:`plan_confirmation`): queued at once; during quiet hours
it is scheduled for their end, unless that is no longer before the start
(then none, reason ``quiet_hours``).

A plan never raises: it says ``send_at`` (None: nothing is sent) and why, so
that the caller decides whether "none" is a refusal (the ``remind`` command)
or a note (a move, a run of automation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from . import clock, mandanten
from .errors import Refused
from .quiet_hours import in_quiet_hours, latest_allowed_before, next_allowed_at_or_after
from .states import Channel, Purpose

if TYPE_CHECKING:  # drafts imports what builds a draft; at run time it is imported where used
    from .drafts import Draft
    from .models import Appointment, Mandant, Person


class Booked(Protocol):
    """What planning a reminder reads of an appointment: an Appointment, or the
    lighter row that automation reads for thousands of them."""

    @property
    def id(self) -> int: ...
    @property
    def start(self) -> datetime: ...
    @property
    def mandant(self) -> Mandant: ...
    @property
    def status(self) -> str: ...


SHORT_NOTICE = timedelta(hours=2)
DEFAULT_LEAD_HOURS = 24

# reasons with a send time
SCHEDULED = "scheduled"  # at the lead time
BEFORE_QUIET_HOURS = "before_quiet_hours"  # moved before the night
AT_ONCE = "at_once"  # short notice, sent now / confirmation now
AFTER_QUIET_HOURS = "after_quiet_hours"  # confirmation waits for the morning
# reasons without one
SHORT_NOTICE_REFUSED = "short_notice"
APPOINTMENT_PAST = "appointment_past"
APPOINTMENT_CANCELLED = "appointment_cancelled"
QUIET_HOURS = "quiet_hours"


@dataclass(frozen=True)
class ReminderPlan:
    """When to send (``send_at`` aware UTC, None: not at all) and why.

    ``reason`` is a stable code (see the module constants); ``detail`` is one
    line for the desk; ``due`` is the plain lead-time moment (reminders only).
    """

    send_at: datetime | None
    reason: str
    detail: str
    due: datetime | None = None

    @property
    def sends(self) -> bool:
        return self.send_at is not None


def lead_time_before(start: datetime, lead_hours: int) -> datetime:
    """The moment ``lead_hours`` before ``start``: whole days on the Zurich wall clock."""
    start = clock.to_utc(start)
    if lead_hours > 0 and lead_hours % 24 == 0:
        local = clock.local(start).replace(tzinfo=None) - timedelta(days=lead_hours // 24)
        return local.replace(tzinfo=clock.ZURICH).astimezone(UTC)
    return start - timedelta(hours=lead_hours)


def _when(instant: datetime) -> str:
    return clock.local(instant).strftime("%d.%m.%Y %H:%M")


def _unsendable(appointment: Booked, now: datetime, what: str) -> ReminderPlan | None:
    if appointment.status == "cancelled":
        return ReminderPlan(None, APPOINTMENT_CANCELLED, f"the appointment is cancelled: no {what}")
    if clock.to_utc(appointment.start) <= now:
        return ReminderPlan(
            None, APPOINTMENT_PAST, f"the appointment of {_when(appointment.start)} is in the past: no {what}"
        )
    return None


KINDS = (Purpose.REMINDER, Purpose.CONFIRMATION)


def plan_reminder(appointment: Booked, now: datetime | None = None) -> ReminderPlan:
    """When the reminder for ``appointment`` goes out (lead time, quiet hours, short notice)."""
    now = clock.to_utc(now or clock.now())
    refused = _unsendable(appointment, now, "reminder")
    if refused:
        return refused
    mandant = appointment.mandant
    start = clock.to_utc(appointment.start)
    lead = getattr(mandant, "lead_hours", None) or DEFAULT_LEAD_HOURS
    due = lead_time_before(start, lead)
    send_at = latest_allowed_before(due, mandant)
    if send_at > now:
        if send_at == due:
            return ReminderPlan(send_at, SCHEDULED, f"reminder scheduled for {_when(send_at)}", due)
        return ReminderPlan(
            send_at, BEFORE_QUIET_HOURS, f"reminder scheduled for {_when(send_at)}, before the quiet hours", due
        )
    # booked inside the lead time: the short-notice rule, in whole minutes as the
    # desk books them (10:00:07 booking a 12:00 appointment is two hours ahead)
    if start - now.replace(second=0, microsecond=0) < SHORT_NOTICE:
        return ReminderPlan(
            None,
            SHORT_NOTICE_REFUSED,
            "short notice: the appointment starts in less than 2 hours, no reminder is sent",
            due,
        )
    if in_quiet_hours(now, mandant):
        return ReminderPlan(None, SHORT_NOTICE_REFUSED, "short notice during quiet hours: no reminder is sent", due)
    return ReminderPlan(now, AT_ONCE, "short notice: reminder sent at once", due)


def plan_confirmation(appointment: Appointment, now: datetime | None = None) -> ReminderPlan:
    """When the confirmation for ``appointment`` goes out: now, or after the quiet hours."""
    now = clock.to_utc(now or clock.now())
    refused = _unsendable(appointment, now, "confirmation")
    if refused:
        return refused
    send_at = next_allowed_at_or_after(now, appointment.mandant)
    if send_at == now:
        return ReminderPlan(now, AT_ONCE, "confirmation sent at once")
    if send_at >= clock.to_utc(appointment.start):
        return ReminderPlan(None, QUIET_HOURS, "quiet hours last until the appointment: no confirmation is sent")
    return ReminderPlan(
        send_at, AFTER_QUIET_HOURS, f"confirmation scheduled for {_when(send_at)}, after the quiet hours"
    )


def plan(kind: str, appointment: Appointment, now: datetime | None = None) -> ReminderPlan:
    """:func:`plan_reminder` or :func:`plan_confirmation` by ``kind``."""
    if kind == Purpose.CONFIRMATION:
        return plan_confirmation(appointment, now)
    return plan_reminder(appointment, now)


def auto_key_for(appointment: Appointment) -> str:
    """Automation's once-per-appointment key: the appointment, not its time, so that a
    reminder the desk withdrew on a move is not created again."""
    return f"reminder:{appointment.id}"


def _address(person: Person, channel: str) -> str | None:
    address: str | None = person.mobile if channel == Channel.SMS else person.email
    return address


def reminder_draft(
    appointment: Appointment,
    kind: str = Purpose.REMINDER,
    channel: str | None = None,
    fallback: bool = False,
    auto_key: str | None = None,
) -> Draft:
    """The message (an outbox Draft) reminding of or confirming ``appointment``.

    The channel defaults to the person's: the preferred one if usable, else the
    first usable of the Mandant's channel order. With ``fallback`` a given
    channel the person can no longer be reached on gives way to that default
    (a reminder regenerated on a move). The text is the template of ``kind`` in
    the person's language, with the appointment's date and time in Zurich.
    Refused (``no_address``) when the person cannot be reached.
    """
    from . import persons, templates
    from .drafts import Draft

    if kind not in KINDS:
        raise Refused("invalid_kind", kind=kind)
    person, mandant = appointment.person, appointment.mandant
    order = mandanten.channel_order(mandant)
    if channel is not None and not _address(person, channel) and fallback:
        channel = None
    if channel is None:
        channel = persons.reachable_channel(person, order)
    recipient = persons.address_for(person, channel)
    subject, body = templates.render_message(kind, channel, person, mandant, appointment=appointment)
    return Draft(
        channel=channel,
        recipient=recipient,
        body=body,
        subject=subject,
        person=person,
        appointment=appointment,
        purpose=kind,
        auto_key=auto_key,
    )
