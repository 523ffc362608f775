"""How appointments, reminder plans and refusals of the agenda read at the desk.

The core speaks English with stable codes (``ReminderPlan.reason``,
``Refused.code``); here they become sentences in the interface language.
An unknown code shows the core's own sentence, so nothing is ever hidden.
"""

from __future__ import annotations

from ...core import clock, mandanten, reminders
from ...core.errors import VitosmsError
from ...core.phone import format_phone
from ...core.reminders import ReminderPlan
from ..i18n import CHANNEL_NAMES, N_, _, format_date, format_datetime, ngettext, weekday
from ..sanitize import clean
from ..texts.refusals import refusal_text

KIND_NAMES = {
    "reminder": N_("Reminder"),
    "confirmation": N_("Confirmation"),
    "free": N_("Free text"),
    "recall": N_("Recall"),
    "birthday": N_("Birthday"),
}
STATUS_NAMES = {
    "queued": N_("queued"),
    "sending": N_("being sent"),
    "sent": N_("sent"),
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "cancelled": N_("withdrawn"),
    "expired": N_("expired"),
}


def kind_name(kind: str) -> str:
    return _(KIND_NAMES.get(kind, kind))


def status_name(status: str) -> str:
    return _(STATUS_NAMES.get(status, status))


def gone_line(message) -> str:
    """``● zugestellt 02.12. 10:02``: a reminder or confirmation that went out, and when."""
    at = message.delivered_at or message.sent_at or message.scheduled_at
    return f"● {status_name(message.status)} {clock.local(at):%d.%m. %H:%M}"


def weekday_date(day) -> str:
    """``Fr. 27.11.2026``."""
    return f"{weekday(day)} {format_date(day)}"


def when(instant) -> str:
    """``Fr. 27.11.2026 09:00`` in Zurich."""
    local = clock.local(instant)
    return f"{weekday_date(local.date())} {local:%H:%M}"


def appointment_line(appointment) -> str:
    """``Fr. 27.11.2026 09:00, 30 min · Müller Anna · DUB`` (cleaned, for a one-line message)."""
    person = appointment.person
    return (
        f"{when(appointment.start)}, {appointment.minutes} min · "
        f"{clean(person.last_name)} {clean(person.first_name)} · {clean(appointment.mandant.code)}"
    )


def describe_plan(kind: str, plan: ReminderPlan) -> str:
    """When a reminder/confirmation goes out, or why none is sent."""
    at = format_datetime(plan.send_at) if plan.send_at else ""
    texts = {
        reminders.SCHEDULED: _("scheduled for {when}"),
        reminders.BEFORE_QUIET_HOURS: _("scheduled for {when}, before the quiet hours"),
        reminders.AFTER_QUIET_HOURS: _("scheduled for {when}, after the quiet hours"),
        reminders.AT_ONCE: (_("goes out now (short notice)") if kind == "reminder" else _("goes out now")),
        reminders.APPOINTMENT_PAST: _("none: the appointment is in the past"),
        reminders.APPOINTMENT_CANCELLED: _("none: the appointment is cancelled"),
        reminders.QUIET_HOURS: _("none: the quiet hours last until the appointment"),
    }
    if plan.reason == reminders.SHORT_NOTICE_REFUSED:
        if "quiet" in plan.detail:
            return _("none: short notice during the quiet hours")
        return _("none: short notice, the appointment starts in less than 2 hours")
    text = texts.get(plan.reason)
    return text.format(when=at) if text else plan.detail


def credits_back(amount: int) -> str:
    return ngettext("{count} credit came back.", "{count} credits came back.", amount).format(count=amount)


def overlap_warning(overlaps) -> str:
    """``Overlaps with 09:00 Müller Anna, 09:15 …`` (empty when there is none)."""
    if not overlaps:
        return ""
    names = ", ".join(
        f"{clock.local(a.start):%H:%M} {clean(a.person.last_name)} {clean(a.person.first_name)}" for a in overlaps[:3]
    )
    more = len(overlaps) - 3
    if more > 0:
        names += " " + _("and {count} more").format(count=more)
    return _("Note: overlaps with {names} (allowed).").format(names=names)


# -- the booking form's confirmation ------------------------------------------------


def address_of(person, channel: str) -> str | None:
    return person.mobile if channel == "sms" else person.email


def default_channel(mandant, person) -> str | None:
    """The confirmation's preselected channel: the person's own, when the person agreed to
    appointment messages (None: not preselected; ^t still offers it)."""
    from ...core import persons

    if not person.consent_reminder:
        return None
    order = mandanten.channel_order(mandant)
    return persons.channel_for(person, order)


def confirmation_offer(mandant, person, start, channel: str) -> str:
    """``Bestätigung per SMS an 079 …, 1 Credit`` for the booking form, or why it cannot go."""
    from ...core import drafts
    from ...core.models import Appointment

    # not stored: only to render and cost the text the confirmation would carry
    draft_appointment = Appointment(mandant=mandant, person=person, start=clock.to_utc(start), minutes=15)
    try:
        draft = reminders.reminder_draft(draft_appointment, "confirmation", channel)
        cost = drafts.quote(mandant, [draft]).total_credits
    except VitosmsError as error:
        return refusal_text(error)
    recipient = format_phone(draft.recipient) if channel == "sms" else draft.recipient
    return _("by {channel} to {recipient}, {cost}").format(
        channel=_(CHANNEL_NAMES.get(channel, channel)),
        recipient=clean(recipient),
        cost=ngettext("{count} credit", "{count} credits", cost).format(count=cost),
    )


def booked_text(booking) -> str:
    """What the agenda says after booking: when, the confirmation, overlaps."""
    parts = [_("Booked: {when}.").format(when=when(booking.appointment.start))]
    if booking.confirmation is not None:
        message = booking.confirmation.message
        parts.append(
            _("Confirmation by {channel}: {plan}.").format(
                channel=_(CHANNEL_NAMES.get(message.channel, message.channel)),
                plan=describe_plan("confirmation", booking.confirmation.plan),
            )
        )
    parts.append(overlap_warning(booking.overlaps))
    return " ".join(part for part in parts if part)
