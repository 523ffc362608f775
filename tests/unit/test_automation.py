"""Automation: reminders and birthday greetings once each, consent, quiet hours,
moves and cancellations, short notice, out of credits (visible, retried), warnings."""

from __future__ import annotations

import pytest

from vitosms_tui.core import agenda, automation, clock, credits, journal, mandanten, persons, recall
from vitosms_tui.core.models import Message, MessageEvent
from vitosms_tui.core.quiet_hours import in_quiet_hours


def zh(text: str):
    return clock.parse_instant(text)


def tick(at: str):
    clock.set_now(at)
    return automation.run_tick()


def person(first="Anna", last="Muster", mobile="079 123 45 67", email=None, consents=None, mandant="HAU", **kw):
    data = persons.PersonInput(first_name=first, last_name=last, mobile=mobile, email=email, mandant=mandant, **kw)
    return persons.add_person(data, consents=consents, user="test")


def book(mandant, who, start, minutes=15):
    return agenda.add_appointment(mandant, who, start, minutes, user="desk").appointment


def reminders_of(appointment) -> list[Message]:
    return list(
        Message.select()
        .where((Message.appointment == appointment.id) & (Message.purpose == "reminder"))
        .order_by(Message.id)
    )


def automatic(purpose=None) -> list[Message]:
    query = Message.select().where(Message.auto_key.is_null(False) & ~Message.auto_key.startswith("skipped:"))
    if purpose:
        query = query.where(Message.purpose == purpose)
    return list(query.order_by(Message.id))


@pytest.fixture
def hau(mandant):
    clock.set_now("2026-05-04T10:00")  # a Monday
    return mandanten.update_settings(mandant, auto_reminders=True, auto_birthday=True)


@pytest.fixture
def anna(hau):
    return person(birth_date="1980-05-06", consents={"birthday": True})


# --- reminders ---------------------------------------------------------------------


def test_a_reminder_is_queued_once_for_its_lead_time(hau, anna):
    soon = book(hau, anna, "2026-05-05T14:00")
    later = book(hau, anna, "2026-05-06T14:00")
    report = tick("2026-05-04T10:00")
    assert (report.reminders, report.birthdays, report.skipped) == (1, 0, 0)
    [message] = reminders_of(soon)
    assert message.scheduled_at == zh("2026-05-04T14:00")
    assert message.status == "queued"
    assert message.auto_key == automation.reminder_key(soon)
    assert message.created_by == "automation"
    assert reminders_of(later) == []  # its time is more than the look-ahead away
    assert tick("2026-05-04T10:01").reminders == 0
    assert tick("2026-05-05T08:00").reminders == 1
    assert reminders_of(later)[0].scheduled_at == zh("2026-05-05T14:00")
    assert tick("2026-05-05T09:00").as_dict() == {"reminders": 0, "birthdays": 0, "skipped": 0, "recalls_booked": 0}


def test_a_reminder_due_in_quiet_hours_goes_out_before_them(hau, anna):
    early = book(hau, anna, "2026-05-05T07:30")  # 24 h before is 07:30, quiet 20:00-08:00
    assert tick("2026-05-03T13:00").reminders == 0  # 19:59 is more than 6 hours away
    assert tick("2026-05-03T14:00").reminders == 1
    [message] = reminders_of(early)
    assert message.scheduled_at == zh("2026-05-03T19:59")  # the evening before the quiet night
    assert not in_quiet_hours(message.scheduled_at, hau)


def test_no_reminders_when_the_mandant_has_them_off(hau, anna):
    mandanten.update_settings(hau, auto_reminders=False)
    book(hau, anna, "2026-05-05T14:00")
    assert tick("2026-05-04T10:00").reminders == 0
    assert Message.select().count() == 0


def test_deceased_inactive_without_consent_or_address_get_none(hau):
    dora, ida = person("Dora", "Tot"), person("Ida", "Inaktiv", inactive=True)
    nora = person("Nora", "Nein", consents={"reminder": False})
    udo = person("Udo", "Ohne", mobile=None)
    emil = person("Emil", "Mail", mobile=None, email="emil@example.ch")
    for who in (dora, ida, nora, udo, emil):
        book(hau, who, "2026-05-05T14:00")
    dora.deceased = True  # died after the booking
    dora.save()
    report = tick("2026-05-04T10:00")
    assert report.reminders == 1
    assert [m.person_id for m in automatic()] == [emil.id]
    assert automatic()[0].channel == "email"
    assert {k: report.excluded[k] for k in ("deceased", "inactive", "no_consent", "no_address")} == {
        "deceased": 1,
        "inactive": 1,
        "no_consent": 1,
        "no_address": 1,
    }


def test_short_notice_rule_for_late_bookings(hau, anna):
    in_three_hours = book(hau, anna, "2026-05-04T13:00")
    in_one_hour = book(hau, anna, "2026-05-04T11:00")
    report = tick("2026-05-04T10:00")
    assert report.reminders == 1
    assert report.excluded["short_notice"] == 1
    [message] = reminders_of(in_three_hours)
    assert message.scheduled_at <= clock.now()  # at once
    assert reminders_of(in_one_hour) == []


def test_cancelled_appointment_gets_none_and_its_reminder_is_withdrawn(hau, anna):
    appt = book(hau, anna, "2026-05-05T14:00")
    other = book(hau, anna, "2026-05-05T15:00")
    agenda.cancel_appointment(other, "desk")
    tick("2026-05-04T10:00")
    [message] = reminders_of(appt)
    agenda.cancel_appointment(appt, "desk")
    assert Message.get_by_id(message.id).status == "cancelled"
    assert tick("2026-05-04T10:05").reminders == 0
    assert reminders_of(other) == []


def test_a_moved_appointment_answered_no_gets_no_reminder_from_automation(hau, anna):
    appt = book(hau, anna, "2026-05-05T14:00")
    tick("2026-05-04T10:00")
    [old] = reminders_of(appt)
    agenda.move_appointment(appt, "2026-05-05T16:00", "desk", reminder="withdraw")
    assert Message.get_by_id(old.id).status == "cancelled"
    assert agenda.get_appointment(appt.id).no_reminder
    # the desk said no: every later tick leaves the appointment alone
    assert tick("2026-05-04T10:05").reminders == 0
    assert tick("2026-05-04T16:00").reminders == 0
    assert [m.status for m in reminders_of(appt)] == ["cancelled"]


def test_a_reminder_by_hand_lifts_the_no_and_a_moved_appointment_without_answer_is_planned(hau, anna):
    appt = book(hau, anna, "2026-05-05T14:00")
    agenda.move_appointment(appt, "2026-05-05T15:00", "desk", reminder="withdraw")
    agenda.remind(appt, "desk")  # someone asked for one again
    assert not agenda.get_appointment(appt.id).no_reminder
    fresh = book(hau, anna, "2026-05-05T17:00")
    agenda.move_appointment(fresh, "2026-05-05T18:00", "desk")  # nothing prepared, no question
    assert tick("2026-05-04T12:00").reminders == 1
    [made] = reminders_of(fresh)
    assert made.auto_key == automation.reminder_key(agenda.get_appointment(fresh.id))
    assert made.scheduled_at == zh("2026-05-04T18:00")


def test_a_reminder_made_by_hand_counts(hau, anna):
    regenerated = book(hau, anna, "2026-05-05T14:00")
    by_hand = book(hau, anna, "2026-05-05T17:30")
    tick("2026-05-04T10:00")
    agenda.move_appointment(regenerated, "2026-05-05T16:00", "desk", reminder="regenerate")
    agenda.remind(by_hand, "desk")  # before automation's look-ahead reached it
    assert tick("2026-05-04T12:00").reminders == 0
    assert [m.status for m in reminders_of(regenerated)] == ["cancelled", "queued"]
    assert len(reminders_of(by_hand)) == 1


# --- birthdays -----------------------------------------------------------------------------


def test_a_birthday_is_greeted_once_at_the_birthday_time(hau, anna):
    nora = person("Nora", "Nein", birth_date="1975-05-06")  # no consent: greetings are opt-in
    dora = person("Dora", "Tot", birth_date="1950-05-06", consents={"birthday": True}, deceased=True)
    ida = person("Ida", "Inaktiv", birth_date="1960-05-06", consents={"birthday": True}, inactive=True)
    nobody = person("Olga", "Ohne", birth_date="1990-05-06", consents={"birthday": True}, mandant=None)
    assert tick("2026-05-06T02:59").birthdays == 0  # 09:00 is more than 6 hours away
    report = tick("2026-05-06T03:00")
    assert report.birthdays == 1
    [greeting] = automatic("birthday")
    assert (greeting.person_id, greeting.scheduled_at) == (anna.id, zh("2026-05-06T09:00"))
    assert greeting.auto_key == automation.birthday_key(anna, 2026)
    assert {k: report.excluded[k] for k in ("no_consent", "deceased", "inactive")} == {
        "no_consent": 1,
        "deceased": 1,
        "inactive": 1,
    }
    for at in ("2026-05-06T09:00", "2026-05-06T19:00"):
        assert tick(at).birthdays == 0
    assert {nora.id, dora.id, ida.id, nobody.id}.isdisjoint({m.person_id for m in Message.select()})


def test_birthday_greetings_off_and_a_missed_birthday(hau, anna):
    mandanten.update_settings(hau, auto_birthday=False)
    assert tick("2026-05-06T10:00").birthdays == 0
    mandanten.update_settings(hau, auto_birthday=True)
    assert tick("2026-05-07T10:00").birthdays == 0  # yesterday's birthday is not greeted today


@pytest.mark.parametrize(
    "birthday_time,now,expected",
    [
        ("09:00", "2026-05-06T15:00", "2026-05-06T15:00"),  # later the same day: at once
        ("06:00", "2026-05-06T01:00", "2026-05-06T08:00"),  # in the morning's quiet hours: at their end
        ("21:00", "2026-05-06T15:00", "2026-05-06T19:59"),  # in the evening's: just before them
        ("21:00", "2026-05-06T20:30", None),  # no allowed moment left that day
    ],
)
def test_birthday_send_time(hau, birthday_time, now, expected):
    hau = mandanten.update_settings(hau, birthday_time=birthday_time)
    at = automation.birthday_send_time(hau, clock.local(zh(now)).date(), zh(now))
    assert at == (zh(expected) if expected else None)


@pytest.mark.parametrize(
    "now,greeted",
    [
        ("2027-02-28T10:00", True),  # not a leap year: on 28 February
        ("2027-03-01T10:00", False),
        ("2028-02-28T10:00", False),  # a leap year: on the day itself
        ("2028-02-29T10:00", True),
    ],
)
def test_29_february(hau, now, greeted):
    leap = person("Lea", "Schalt", birth_date="2000-02-29", consents={"birthday": True})
    assert tick(now).birthdays == int(greeted)
    assert [m.person_id for m in automatic("birthday")] == ([leap.id] if greeted else [])


# --- out of credits ---------------------------------------------------------------------------


def test_out_of_credits_is_visible_once_and_retried_when_credits_arrive(db):
    clock.set_now("2026-05-04T10:00")
    poor = mandanten.add_mandant("HAU", "Dr. Hauser", user="test")
    credits.purchase(poor, 1, "test")
    poor = mandanten.update_settings(poor, auto_reminders=True)
    who = person()
    first = book(poor, who, "2026-05-05T12:00")
    second = book(poor, who, "2026-05-05T14:00")
    third = book(poor, who, "2026-05-05T15:00")
    report = tick("2026-05-04T10:00")
    assert (report.reminders, report.skipped) == (1, 2)
    assert reminders_of(first)[0].status == "queued"  # the earliest is paid
    skipped = [m for m in Message.select().where(Message.status == "failed").order_by(Message.id)]
    assert [m.appointment_id for m in skipped] == [second.id, third.id]
    for message in skipped:
        assert (message.credits, message.error) == (0, "not enough credits (needs 1, has 0)")
        assert message.auto_key.startswith("skipped:reminder:")
        assert [e.kind for e in journal.timeline(message.id)] == ["skipped"]
    assert automation.automation_warnings() == ["Mandant HAU: 2 automatic messages skipped, not enough credits"]
    rows = Message.select().count(), MessageEvent.select().count()
    again = tick("2026-05-04T10:01")
    # no new entry, not even tried
    assert again.skipped == 0
    assert again.excluded["no_credits"] == 2
    assert (Message.select().count(), MessageEvent.select().count()) == rows
    credits.purchase(poor, 10, "test")
    assert tick("2026-05-04T10:02").reminders == 2
    assert [m.status for m in reminders_of(second)] == ["failed", "queued"]
    assert "resent" in [e.kind for e in journal.timeline(skipped[0].id)]
    assert automation.automation_warnings() == []
    assert credits.balance(poor) == 8


def test_recalls_booked_in_the_tick(hau, anna):
    r = recall.add_recall(anna, "HAU", "Kontrolle", "2026-05-20", 12)
    recall.notify_recalls([r.id], "desk")
    clock.set_now("2026-05-04T11:00")
    book(hau, anna, "2026-06-01T10:00")
    assert tick("2026-05-04T11:01").recalls_booked == 1
    assert recall.get_recall(r.id).status == "booked"


def test_a_tick_makes_at_most_so_many_and_leaves_the_rest_for_the_next(hau, anna, monkeypatch):
    monkeypatch.setattr(automation, "MAX_PER_TICK", 2)
    for hour in ("15:00", "13:00", "14:00"):
        book(hau, anna, f"2026-05-05T{hour}")
    report = tick("2026-05-04T10:00")
    assert (report.reminders, report.deferred) == (2, 1)
    assert sorted(clock.local(m.scheduled_at).hour for m in automatic()) == [13, 14]  # soonest first
    assert tick("2026-05-04T10:01").reminders == 1
