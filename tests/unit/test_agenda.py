"""The agenda's rules: overlaps, copy, move with its reminder decision, cancel,
reminders and confirmations, the timeline, local time across DST."""

from __future__ import annotations

import json

import pytest

from vitosms_tui.core import agenda, clock, credits, persons, reminders, sending
from vitosms_tui.core.errors import Refused
from vitosms_tui.core.models import AuditEntry, CreditEntry, Message


def zh(text: str):
    return clock.parse_instant(text)


@pytest.fixture
def person(mandant):
    data = persons.PersonInput(
        first_name="Anna",
        last_name="Muster",
        salutation="Frau",
        mobile="079 123 45 67",
        email="anna@example.ch",
        mandant="HAU",
    )
    return persons.add_person(data, user="test")


@pytest.fixture
def now():
    clock.set_now("2026-05-04T10:00")  # a Monday morning
    return zh("2026-05-04T10:00")


def book(mandant, person, start="2026-05-08T10:00", minutes=20, reason="Kontrolle"):
    return agenda.add_appointment(mandant, person, start, minutes, reason, user="desk").appointment


def refunds_of(message):
    return list(CreditEntry.select().where((CreditEntry.message == message.id) & (CreditEntry.kind == "refund")))


def claim_now():
    return sending.claim("test-worker", 10, 60)


# --- booking and overlaps ---------------------------------------------------


def test_overlap_is_allowed_and_returned(mandant, person, now):
    first = book(mandant, person, "2026-05-08T10:00", 30)
    book(mandant, person, "2026-05-08T10:30", 15)  # touches, does not overlap
    result = agenda.add_appointment(mandant, person, "2026-05-08T10:15", 15, user="desk")
    assert [a.id for a in result.overlaps] == [first.id]
    assert result.appointment.id
    assert result.appointment.status == "booked"
    # a cancelled appointment and another Mandant's appointment are no overlap
    agenda.cancel_appointment(first, "desk")
    from vitosms_tui.core import mandanten

    other = mandanten.add_mandant("BER", "Dr. Berger", user="test")
    book(other, person, "2026-05-08T10:00", 60)
    assert agenda.add_appointment(mandant, person, "2026-05-08T10:00", 15, user="desk").overlaps == []


def test_booking_checks_its_input(mandant, person, now):
    with pytest.raises(Refused) as no:
        agenda.add_appointment(mandant, person, "2026-05-08T10:00", 0)
    assert no.value.code == "invalid_duration"
    with pytest.raises(Refused) as no:
        agenda.add_appointment("NOPE", person, "2026-05-08T10:00", 15)
    assert no.value.code == "not_found"
    with pytest.raises(Refused) as no:
        agenda.add_appointment(mandant, person, "2026-05-08T10:00", 15, reason="x\x07")
    assert no.value.code == "invalid_reason"
    appt = book(mandant, person, "2026-05-08T10:00:42")
    assert clock.local(appt.start).strftime("%H:%M:%S") == "10:00:00"


def test_edit_changes_duration_and_reason(mandant, person, now):
    appt = book(mandant, person, "2026-05-08T10:00", 15)
    later = book(mandant, person, "2026-05-08T10:30", 15)
    result = agenda.edit_appointment(appt, "desk", minutes=45, reason="Nachkontrolle")
    assert result.appointment.minutes == 45
    assert result.appointment.reason == "Nachkontrolle"
    assert [a.id for a in result.overlaps] == [later.id]


def test_day_view_lists_the_zurich_day(mandant, person, now):
    early = book(mandant, person, "2026-05-08T00:10")
    late = book(mandant, person, "2026-05-08T23:50")
    book(mandant, person, "2026-05-09T00:00")
    day = agenda.day_appointments("HAU", zh("2026-05-08T12:00").date())
    assert [a.id for a in day] == [early.id, late.id]


# --- copy ----------------------------------------------------------------------


def test_copy_carries_no_reminder(mandant, person, now):
    original = book(mandant, person)
    reminder = agenda.remind(original, "desk").message
    copy = agenda.copy_appointment(original, "2026-05-15T10:00", "desk").appointment
    assert copy.copied_from_id == original.id
    assert copy.id != original.id
    assert copy.minutes == original.minutes
    assert copy.person_id == person.id
    assert agenda.appointment_timeline(copy) == []
    assert not agenda.needs_reminder_decision(copy)
    assert Message.get_by_id(reminder.id).status == "queued"  # the original keeps its own


# --- move ----------------------------------------------------------------------


def test_move_without_a_prepared_reminder_needs_no_decision(mandant, person, now):
    appt = book(mandant, person)
    result = agenda.move_appointment(appt, "2026-05-11T14:00", "desk")
    assert result.appointment.start == zh("2026-05-11T14:00")
    assert result.withdrawn == []
    assert result.created == []


def test_move_with_a_prepared_reminder_needs_a_decision(mandant, person, now):
    appt = book(mandant, person)
    agenda.remind(appt, "desk")
    with pytest.raises(Refused) as no:
        agenda.move_appointment(appt, "2026-05-11T14:00", "desk")
    assert no.value.code == "reminder_decision_needed"
    assert agenda.get_appointment(appt.id).start == zh("2026-05-08T10:00")


def test_move_regenerate_withdraws_refunds_and_plans_anew(mandant, person, now):
    appt = book(mandant, person)
    old = agenda.remind(appt, "desk").message
    assert "08.05.2026" in old.body
    assert credits.balance(mandant) == 99
    result = agenda.move_appointment(appt, "2026-05-11T14:00", "desk", reminder="regenerate")
    assert [m.id for m in result.withdrawn] == [old.id]
    assert Message.get_by_id(old.id).status == "cancelled"
    assert len(refunds_of(old)) == 1
    [new] = result.created
    assert new.purpose == "reminder"
    assert new.channel == old.channel
    assert new.status == "queued"
    assert "11.05.2026" in new.body
    assert "14:00" in new.body
    assert "08.05.2026" not in new.body
    assert new.scheduled_at == zh("2026-05-10T14:00")
    assert credits.balance(mandant) == 99  # one refunded, one spent
    audit = AuditEntry.select().where(AuditEntry.action == "appointment_move").get()
    assert json.loads(audit.detail)["decision"] == "regenerate"


def test_move_withdraw_withdraws_refunds_and_creates_none(mandant, person, now):
    appt = book(mandant, person)
    old = agenda.remind(appt, "desk").message
    result = agenda.move_appointment(appt, "2026-05-11T14:00", "desk", reminder="withdraw")
    assert [m.id for m in result.withdrawn] == [old.id]
    assert result.created == []
    assert Message.get_by_id(old.id).status == "cancelled"
    assert len(refunds_of(old)) == 1
    assert credits.balance(mandant) == 100
    assert [m.status for m in agenda.appointment_timeline(appt)] == ["cancelled"]


def test_move_after_the_reminder_went_out(mandant, person, now):
    appt = book(mandant, person, "2026-05-04T14:00")  # short notice: sent at once
    old = agenda.remind(appt, "desk").message
    [claimed] = claim_now()
    sending.mark_sent("test-worker", {claimed.id: "p-1"})
    assert agenda.needs_reminder_decision(appt)
    with pytest.raises(Refused):
        agenda.move_appointment(appt, "2026-05-06T09:00", "desk")
    result = agenda.move_appointment(appt, "2026-05-06T09:00", "desk", reminder="regenerate")
    assert result.withdrawn == []
    assert Message.get_by_id(old.id).status == "sent"
    [new] = result.created
    assert "06.05.2026" in new.body
    assert new.scheduled_at == zh("2026-05-05T09:00")
    # the second move asks again, for the new reminder
    withdrawn = agenda.move_appointment(appt, "2026-05-07T09:00", "desk", reminder="withdraw")
    assert [m.id for m in withdrawn.withdrawn] == [new.id]
    assert withdrawn.created == []


def test_move_is_refused_while_the_old_reminder_is_being_sent(mandant, person, now):
    appt = book(mandant, person, "2026-05-04T14:00")
    old = agenda.remind(appt, "desk").message
    claim_now()
    for decision in ("regenerate", "withdraw"):
        with pytest.raises(Refused) as no:
            agenda.move_appointment(appt, "2026-05-06T09:00", "desk", reminder=decision)
        assert no.value.code == "message_in_flight"
    assert agenda.get_appointment(appt.id).start == zh("2026-05-04T14:00")
    assert Message.get_by_id(old.id).status == "sending"


def test_move_regenerate_into_short_notice_moves_and_tells_why(mandant, person, now):
    appt = book(mandant, person)
    old = agenda.remind(appt, "desk").message
    result = agenda.move_appointment(appt, "2026-05-04T11:00", "desk", reminder="regenerate")
    assert result.appointment.start == zh("2026-05-04T11:00")
    assert result.created == []
    assert [m.id for m in result.withdrawn] == [old.id]
    assert [n.reason for n in result.notes] == [reminders.SHORT_NOTICE_REFUSED]


def test_move_regenerates_a_pending_confirmation_too(mandant, person, now):
    appt = book(mandant, person)
    agenda.remind(appt, "desk", kind="confirmation")
    agenda.remind(appt, "desk", kind="reminder", channel="email")
    result = agenda.move_appointment(appt, "2026-05-12T15:30", "desk", reminder="regenerate")
    assert len(result.withdrawn) == 2
    made = {m.purpose: m for m in result.created}
    assert made["reminder"].channel == "email"
    assert "15:30" in made["reminder"].body
    assert made["confirmation"].channel == "sms"
    assert "12.05.2026" in made["confirmation"].body


def test_a_cancelled_appointment_cannot_be_moved(mandant, person, now):
    appt = book(mandant, person)
    agenda.cancel_appointment(appt, "desk")
    with pytest.raises(Refused) as no:
        agenda.move_appointment(appt, "2026-05-12T10:00", "desk", reminder="withdraw")
    assert no.value.code == "appointment_cancelled"


# --- cancel --------------------------------------------------------------------


def test_cancel_withdraws_and_refunds_pending_messages(mandant, person, now):
    appt = book(mandant, person)
    reminder = agenda.remind(appt, "desk").message
    confirmation = agenda.remind(appt, "desk", kind="confirmation").message
    assert credits.balance(mandant) == 98
    result = agenda.cancel_appointment(appt, "desk")
    assert result.appointment.status == "cancelled"
    assert result.refunded == 2
    assert {m.id for m in result.withdrawn} == {reminder.id, confirmation.id}
    assert all(len(refunds_of(m)) == 1 for m in (reminder, confirmation))
    assert credits.balance(mandant) == 100
    entry = AuditEntry.select().where(AuditEntry.action == "appointment_cancel").get()
    assert json.loads(entry.detail)["refunded"] == 2
    assert entry.user == "desk"
    with pytest.raises(Refused) as no:
        agenda.remind(appt, "desk")
    assert no.value.code == "appointment_cancelled"


def test_cancel_names_a_message_already_being_sent(mandant, person, now):
    appt = book(mandant, person, "2026-05-04T14:00")
    sending = agenda.remind(appt, "desk").message
    claim_now()
    result = agenda.cancel_appointment(appt, "desk")
    assert result.withdrawn == []
    assert [m.id for m in result.in_flight] == [sending.id]
    assert result.appointment.status == "cancelled"


# --- remind --------------------------------------------------------------------


def test_reminder_is_scheduled_at_the_lead_time_in_the_persons_language(mandant, person, now):
    appt = book(mandant, person, "2026-05-08T10:00")
    result = agenda.remind(appt, "desk")
    message = result.message
    assert result.plan.reason == reminders.SCHEDULED
    assert message.scheduled_at == zh("2026-05-07T10:00")
    assert message.channel == "sms"
    assert message.recipient == "+41791234567"
    assert message.purpose == "reminder"
    assert "Frau Muster" in message.body
    assert "10:00" in message.body
    assert "Kontrolle" not in message.body  # the reason is never in a text
    with pytest.raises(Refused) as no:
        agenda.remind(appt, "desk")
    assert no.value.code == "already_reminded"


def test_reminder_shifted_out_of_quiet_hours(mandant, person, now):
    appt = book(mandant, person, "2026-05-08T07:30")
    message = agenda.remind(appt, "desk").message
    assert message.scheduled_at == zh("2026-05-06T19:59")


def test_short_notice_sent_at_once_or_refused(mandant, person, now):
    soon = book(mandant, person, "2026-05-04T12:00")
    result = agenda.remind(soon, "desk")
    assert result.plan.reason == reminders.AT_ONCE
    assert result.message.scheduled_at <= clock.now()
    too_soon = book(mandant, person, "2026-05-04T11:30")
    with pytest.raises(Refused) as no:
        agenda.remind(too_soon, "desk")
    assert no.value.code == "short_notice"
    assert "2 hours" in no.value.message
    clock.set_now("2026-05-04T21:00")
    tomorrow = book(mandant, person, "2026-05-05T10:00")
    with pytest.raises(Refused) as no:
        agenda.remind(tomorrow, "desk")
    assert no.value.code == "short_notice"
    assert "quiet hours" in no.value.message


def test_reminder_for_a_past_appointment_is_refused(mandant, person, now):
    appt = book(mandant, person, "2026-05-01T10:00")
    with pytest.raises(Refused) as no:
        agenda.remind(appt, "desk")
    assert no.value.code == "appointment_past"
    assert Message.select().count() == 0
    assert credits.balance(mandant) == 100


def test_confirmation_at_once_or_after_quiet_hours(mandant, person, now):
    appt = book(mandant, person, "2026-05-08T10:00")
    message = agenda.remind(appt, "desk", kind="confirmation", channel="email").message
    assert message.purpose == "confirmation"
    assert message.channel == "email"
    assert message.subject
    assert "08.05.2026" in message.body
    assert message.scheduled_at <= clock.now()
    clock.set_now("2026-05-04T22:30")
    late = book(mandant, person, "2026-05-09T10:00")
    result = agenda.remind(late, "desk", kind="confirmation")
    assert result.plan.reason == reminders.AFTER_QUIET_HOURS
    assert result.message.scheduled_at == zh("2026-05-05T08:00")


def test_reminder_channel_follows_the_person_and_consent(mandant, person, now):
    persons.update_person(
        person,
        persons.PersonInput(first_name="Anna", last_name="Muster", email="anna@example.ch", preferred_channel="email"),
        user="test",
    )
    appt = book(mandant, person)
    assert agenda.remind(appt, "desk").message.channel == "email"
    with pytest.raises(Refused) as no:
        agenda.remind(book(mandant, person, "2026-05-09T10:00"), "desk", channel="sms")
    assert no.value.code == "no_address"
    persons.set_consent(person, "reminder", False, "test")
    with pytest.raises(Refused) as no:
        agenda.remind(book(mandant, person, "2026-05-10T10:00"), "desk")
    assert no.value.code == "no_consent"
    # a confirmation needs no consent
    assert (
        agenda.remind(book(mandant, person, "2026-05-11T10:00"), "desk", kind="confirmation").message.status == "queued"
    )


def test_timeline_lists_every_message_with_its_status(mandant, person, now):
    appt = book(mandant, person)
    first = agenda.remind(appt, "desk").message
    agenda.move_appointment(appt, "2026-05-12T10:00", "desk", reminder="regenerate")
    timeline = agenda.appointment_timeline(appt)
    assert [(m.id, m.status) for m in timeline][0] == (first.id, "cancelled")
    assert [m.status for m in timeline] == ["cancelled", "queued"]


# --- local time across DST -----------------------------------------------------


@pytest.mark.parametrize(
    "start, sunday_utc",
    [
        ("2026-10-26T09:00", "2026-10-25T08:00:00+00:00"),  # Monday after the autumn change
        ("2026-03-30T09:00", "2026-03-29T07:00:00+00:00"),  # Monday after the spring change
    ],
)
def test_reminder_text_and_time_in_zurich_across_dst(mandant, person, start, sunday_utc):
    clock.set_now("2026-01-05T10:00")
    appt = book(mandant, person, start)
    message = agenda.remind(appt, "desk").message
    assert message.scheduled_at.isoformat() == sunday_utc
    local = clock.local(message.scheduled_at)
    assert local.strftime("%A %H:%M") == "Sunday 09:00"
    assert "09:00" in message.body
    assert clock.local(appt.start).strftime("%d.%m.%Y") in message.body
