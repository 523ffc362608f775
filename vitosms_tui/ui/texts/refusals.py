"""The practice's refusals in the interface's language: one catalogue, key -> sentence.

The core raises ``Refused(key, **values)`` (:mod:`vitosms_tui.core.errors`) and
prints its own English sentence on the command line; the desk reads the
sentence of this catalogue, written for the front desk and translated in the
``.po``, with the values in Swiss form. A key that is not here (a newer core,
a plug-in) shows the core's sentence: nothing is hidden.
"""

from __future__ import annotations

from ...core.errors import VitosmsError
from ..i18n import N_
from ..sanitize import clean
from .usage import USAGE
from .values import render

_PERIOD = N_("Write the period as dd.mm.yyyy - dd.mm.yyyy.")
_PRINTABLE = N_("Printable text, not too long.")
_TIME = N_("Write the time as HH:MM (24 hours), e.g. 08:00.")
_PHONE = N_("Not a valid phone number.")
_WHOLE = N_("Type a whole number of credits greater than zero.")
_EMPTY = N_("The text is empty.")
_TOO_LONG = N_("The text is too long.")
_SUBJECT = N_("The subject must be one line of at most 200 characters.")
_REASON = N_("A reason is needed: one line of at most 200 characters.")
_BRACE = N_("A brace is not closed: write {{ or }} for a literal brace.")
_NO_CONSENT = N_("No consent to this kind of message.")
_DATE = N_("Write the date as dd.mm.yyyy.")
_RECALL = N_("Recall of {name}: ")

REFUSALS: dict[str, str] = {
    "already_migrated": N_("The legacy balance was carried over already; this is possible only once."),
    "already_prepared": N_("A notice for this recall is waiting to be sent already."),
    "already_reminded": N_("One of this kind was already sent for this appointment: choose send again."),
    "already_resent": N_("This message was sent again already."),
    "ambiguous.name": N_("Several persons have this name: add the birth date."),
    "ambiguous.mobile": N_("Several persons share this mobile number: add the birth date."),
    "appointment_cancelled": N_("The appointment is cancelled."),
    "appointment_cancelled.nothing_sent": N_("The appointment is cancelled."),
    "appointment_past": N_("Nothing is sent: the appointment is in the past."),
    "calendar_unreachable.error": N_("The calendar server {host} answered with an error; try again later."),
    "calendar_unreachable.no_calendar": N_("There is no calendar at this address: check it in the settings."),
    "calendar_unreachable.not_icalendar": N_("The calendar server sent something that is not a calendar."),
    "calendar_unreachable.unreachable": N_("The calendar server {host} cannot be reached; try again later."),
    "deceased.person": N_("The person is marked as deceased."),
    "deceased.no_messages": N_("Deceased: no messages."),
    "deceased.recall": N_("The person is deceased."),
    "dst_fold": N_("{stamp} happens twice (clocks go back): give the time in UTC."),
    "dst_gap.zone": N_("{stamp} does not exist (clocks go forward)."),
    "dst_gap.zurich": N_("{stamp} does not exist (clocks go forward)."),
    "duplicate.automatic": N_("This automatic message exists already."),
    "duplicate.automatic_key": N_("This automatic message exists already."),
    "duplicate.mandant": N_("A Mandant with the code {code} exists already."),
    "duplicate.login": N_("The login {login} exists already."),
    "duplicate_id": N_("The ID {external_id} appears twice."),
    "empty_text.message": _EMPTY,
    "empty_text.template": _EMPTY,
    "expired": N_("Too late: its moment has passed (the appointment has begun or the day is over)."),
    "fixed_channel": N_("A typed number or address keeps its own channel."),
    "forbidden.order": N_("Only the service desk or staff allowed to order may order credits."),
    "forbidden.service_desk": N_("Only the service desk may do this; {login} works at the front desk."),
    "inactive.recall": N_("The person is inactive."),
    "inactive_mandant": N_("The Mandant is not active."),
    "inactive_mandant.recall": N_("The Mandant is not active."),
    "insufficient_credits.needs": N_("Not enough credits: {amount} needed, {available} available."),
    "insufficient_credits.transfer": N_("More than the balance: {source} has {available} credits."),
    "invalid_amount.transfer": _WHOLE,
    "invalid_amount.purchase": _WHOLE,
    "invalid_amount.demo_mandanten": N_("The demo practice has 1 to {count} Mandanten."),
    "invalid_amount.demo_persons": N_("The demo practice needs at least one person."),
    "invalid_amount.legacy": N_("Type a whole number of credits, 0 or more."),
    "invalid_amount.low_balance": N_("A whole number of credits, 0 or more."),
    "invalid_appointment": N_("The appointment is not one of this person."),
    "invalid_channel.order": N_("Choose the channel order."),
    "invalid_channel.person": N_("Choose SMS or e-mail."),
    "invalid_channel.draft": N_("Choose SMS or e-mail."),
    "invalid_code": N_("The code has 1 to 16 letters, digits, - or _."),
    "invalid_date.import": N_("The date {text} is not dd.mm.yyyy."),
    "invalid_date.format": N_("Please write it as {form}."),
    "invalid_date.future": N_("The birth date lies in the future."),
    "invalid_date.needs_time": N_("A time is missing: please write it as {form}."),
    "invalid_date.no_such_date": N_("There is no such date."),
    "invalid_date.no_such_time": N_("There is no such time."),
    "invalid_date.too_early": N_("The birth date lies before 1900."),
    "invalid_date.period_reversed": N_("The period ends before it begins."),
    "invalid_date.period_form": _PERIOD,
    "invalid_duration.ends_before": N_("The appointment ends before it begins."),
    "invalid_duration.too_long": N_("The appointment lasts longer than {limit} minutes."),
    "invalid_duration.out_of_range": N_("The duration must be 1 to 1440 minutes."),
    "invalid_duration.not_a_number": N_("The duration {minutes} is not a number of minutes."),
    "invalid_email.empty": N_("No e-mail address given."),
    "invalid_email.invalid": N_("Not a valid e-mail address."),
    "invalid_kind": N_("Choose reminder or confirmation."),
    "invalid_language": N_("Choose one of the languages."),
    "invalid_lead_time": N_("Lead time: 1 to 336 hours."),
    "invalid_login": N_("The login has 1 to 64 letters, digits or . _ @ -."),
    "invalid_name.control": N_("Contains control characters."),
    "invalid_name.too_long": N_("At most 80 characters."),
    "invalid_name.mandant": N_("The Mandant needs a name (at most 120 characters)."),
    "invalid_name.mandant_required": N_("The Mandant needs a name (at most 120 characters)."),
    "invalid_name.required": N_("Required."),
    "invalid_name.staff": N_("Required."),
    "invalid_number.extension": N_("A number with an extension cannot receive an SMS."),
    "invalid_number.empty": N_("No phone number given."),
    "invalid_number.too_long": _PHONE,
    "invalid_number.invalid": _PHONE,
    "invalid_number.not_phone": _PHONE,
    "invalid_path.not_writable": N_("The export folder {folder} cannot be written: ask the service desk."),
    "invalid_path.too_many": N_("Too many exports at once; try again in a moment."),
    "invalid_period": N_("Choose one of the periods."),
    "invalid_practice_address.not_printable": _PRINTABLE,
    "invalid_practice_address.too_long": _PRINTABLE,
    "invalid_practice_phone": N_("A phone number, e.g. 044 123 45 67."),
    "invalid_practice_phone.not_printable": _PRINTABLE,
    "invalid_practice_phone.too_long": _PRINTABLE,
    "invalid_purpose.consent": N_("Choose one of the kinds of message."),
    "invalid_purpose.draft": N_("Choose one of the kinds of message."),
    "invalid_reason.control": N_("The reason must be at most 200 characters, without control characters."),
    "invalid_reason.too_long": N_("The reason must be at most 200 characters, without control characters."),
    "invalid_reason.recall": _REASON,
    "invalid_reason.recall_empty": _REASON,
    "invalid_repeat": N_("Repeat every 1 to 120 months, or leave it empty."),
    "invalid_role": N_("Choose front desk or service desk."),
    "invalid_salutation": N_("Choose Herr, Frau or nothing."),
    "invalid_sender": N_("The SMS sender has 1 to 11 letters, digits, spaces, . or -, or is a number (+41…)."),
    "invalid_setting": N_("This setting does not exist."),
    "invalid_signature.not_printable": _PRINTABLE,
    "invalid_signature.too_long": _PRINTABLE,
    "invalid_status": N_("The recall is {status}."),
    "invalid_subject.email_needs": N_("An e-mail needs a subject."),
    "invalid_subject.invisible": _SUBJECT,
    "invalid_subject.one_line": _SUBJECT,
    "invalid_subject.sms_has_none": N_("An SMS has no subject."),
    "invalid_subject.too_long": _SUBJECT,
    "invalid_template": N_("A template is text."),
    "invalid_time.as_typed": "{problem}",  # said by the interface already
    "invalid_time.import": N_("The time {text} is not HH:MM."),
    "invalid_time.setting": _TIME,
    "invalid_time.quiet_hours": _TIME,
    "invalid_transfer": N_("Choose two different Mandanten."),
    "landline": N_("Not a mobile number: it cannot receive an SMS."),
    "message_in_flight": N_("A message with the old date is being sent right now; try again in a moment."),
    "missing_value": N_("{{{value}}} cannot be filled here: replace it by hand."),
    "no_address.email": N_("No e-mail address."),
    "no_address.sms": N_("No mobile number."),
    "no_address.none": N_("Neither a mobile number nor an e-mail address."),
    "no_address.recall": N_("Neither a mobile number nor an e-mail address."),
    "no_address.recall_email": N_("No e-mail address."),
    "no_address.recall_sms": N_("No mobile number."),
    "no_consent.no_person": _NO_CONSENT,
    "no_consent.person": _NO_CONSENT,
    "no_consent.recall": _NO_CONSENT,
    "no_id": N_("The ID is empty: without it a later import cannot find the appointment."),
    "no_mandant": N_("There is no active Mandant to receive the balance."),
    "no_match.name": N_("No person of this name in the master data."),
    "no_match.mobile": N_("No person has this mobile number."),
    "no_patient.event": N_("The appointment names no patient."),
    "no_patient.row": N_("The appointment names no patient."),
    "no_person": N_("The message has no person: it can only be sent again on the same channel."),
    "no_recipient": N_("No recipient yet."),
    "no_uid": N_("An appointment without ID cannot be synchronised."),
    "not_empty": N_("The database already holds a practice."),
    "not_failed": N_("Only a failed message needs attention."),
    "not_found.appointment": N_("The appointment no longer exists."),
    "not_found.credit_package": N_("This credit package does not exist."),
    "not_found.mandant": N_("Unknown Mandant."),
    "not_found.mandant_code": N_("Unknown Mandant."),
    "not_found.mandant_id": N_("Unknown Mandant."),
    "not_found.message": N_("The message no longer exists."),
    "not_found.person": N_("The person no longer exists."),
    "not_found.recall": N_("The recall no longer exists."),
    "not_found.reply": N_("The reply no longer exists."),
    "not_found.template": N_("There is no template for this."),
    "not_resendable": N_("Only failed or withdrawn messages can be sent again."),
    "not_withdrawable": N_("The message is already on its way and can no longer be withdrawn."),
    "other_number": N_("The person does not have this number."),
    "placeholder_not_available": N_("The placeholder {{{name}}} cannot be used here."),
    "quiet_hours": N_("No confirmation: the quiet hours last until the appointment."),
    "reminder_decision_needed": N_("There is a prepared reminder: choose a new one or none."),
    "several_mandanten": N_("The recalls belong to several Mandanten: notify one Mandant at a time."),
    "short_notice.quiet_hours": N_("No reminder: short notice during the quiet hours."),
    "short_notice.soon": N_("No reminder: short notice, the appointment starts in less than 2 hours."),
    "sms_stopped": N_("Answered STOP: no more SMS (e-mail is possible)."),
    "status.recall": N_("The recall is {status}."),
    "text_too_long.message": _TOO_LONG,
    "text_too_long.template": _TOO_LONG,
    "time_in_past": N_("The send time lies in the past."),
    "too_long": N_("The text needs {segments} SMS parts: too long."),
    "unbalanced_braces.close": _BRACE,
    "unbalanced_braces.open": _BRACE,
    "unknown_channel": N_("Choose SMS or e-mail."),
    "unknown_language": N_("Choose one of the languages."),
    "unknown_mandant": N_("Unknown Mandant."),
    "unknown_placeholder": N_("The placeholder {{{shown}}} cannot be used here."),
    "unknown_purpose": N_("Choose one of the kinds of message."),
    "worker_running": N_("Messages are being sent right now: stop the workers first."),
    "smtp.not_configured": N_("No mail server is set up: tell the service desk."),
    "smtp.not_sent": N_("The e-mail could not be sent ({reason}): try again later, or tell the service desk."),
    "database": N_("The database answered with an error: try again; if it stays, tell the service desk."),
    "restore_failed": N_("The backup could not be restored; the database is unchanged ({reason})."),
}
# the rows of a recall's refusals name the recall's person first
_NAMED = frozenset(key for key in REFUSALS if key.endswith((".recall", ".recall_sms", ".recall_email")))

# a rule named by its code alone (why an action is not offered, before it is tried)
CODES: dict[str, str] = {
    "no_address": N_("The person has no mobile number or e-mail address for this channel."),
    "no_person": REFUSALS["no_person"],
    "not_resendable": REFUSALS["not_resendable"],
    "already_resent": REFUSALS["already_resent"],
    "insufficient_credits": N_("Not enough credits."),
    "no_consent": N_("The person did not consent to this kind of message."),
    "deceased": N_("The person is deceased: no messages."),
    "expired": REFUSALS["expired"],
    "sms_stopped": REFUSALS["sms_stopped"],
}


def refusal_text(error: VitosmsError) -> str:
    """The refusal as the desk reads it; the core's sentence for a key not in the catalogue."""
    template = REFUSALS.get(error.key) or USAGE.get(error.key)
    if template is None:
        return clean(error.message)
    text = render(template, error.values)
    if error.key in _NAMED:
        text = render(_RECALL, error.values) + text
    return text


def code_text(code: str) -> str:
    """The rule of ``code`` in one sentence (the code itself when it is not known)."""
    return render(CODES[code], {}) if code in CODES else clean(code)
