"""Appointments from another agenda (iCalendar, CSV): matching, and a second import as a sync."""

from __future__ import annotations

import pytest

from tests.calendars import calendar, event
from vitosms_tui.core import agenda, clock, credits, mandanten, persons
from vitosms_tui.core.appointment_feed import parse_csv, parse_ics
from vitosms_tui.core.appointment_sync import apply_feed
from vitosms_tui.core.errors import NotFound, UsageError
from vitosms_tui.core.models import Appointment, CreditEntry, Message

ANNA = 'CN="Muster, Anna":tel:+41791234567'


@pytest.fixture
def practice(mandant):
    clock.set_now("2026-12-01T08:00")  # a Tuesday morning
    mandant.auto_reminders = True
    mandant.save()

    def add(first, last, birth=None, mobile=None):
        return persons.add_person(
            persons.PersonInput(first_name=first, last_name=last, birth_date=birth, mobile=mobile), user="test"
        )

    return {
        "anna": add("Anna", "Muster", "1980-02-01", "079 123 45 67"),
        "max1": add("Max", "Meier", "1950-01-01"),
        "max2": add("Max", "Meier", "1990-06-06"),
        "mia": add("Mia", "Muster", "2015-03-03", "079 123 45 67"),
        "beat": add("Beat", "Keller", None, "078 555 66 77"),
    }


def ics(*events, moved="regenerate", dry_run=False):
    return apply_feed(parse_ics(calendar(*events), "HAU"), "ical", "HAU", moved, "desk", dry_run)


def csv_import(text: str, mandant="HAU", dry_run=False):
    return apply_feed(parse_csv(text.encode("utf-8"), mandant), "csv", mandant, "regenerate", "desk", dry_run)


def booked():
    return list(Appointment.select().where(Appointment.status == "booked").order_by(Appointment.start))


def test_an_ics_export_is_read_with_its_zones_and_recurrences(practice):
    report = ics(
        event("a1", "20261203T090000", "20261203T093000", attendee=ANNA),
        event("utc", "20261204T080000Z", "20261204T081500Z", attendee="CN=Beat Keller:mailto:beat@example.ch"),
        event("holiday", "20261224", "20261225", summary="Praxis zu"),
        event(
            "series",
            "20261207T100000",
            "20261207T102000",
            summary="Physio",
            attendee="CN=Mia Muster:tel:079 123 45 67",
            extra="RRULE:FREQ=WEEKLY;COUNT=3",
        ),
        event("old", "20261101T100000", "20261101T101500", attendee=ANNA),
    )
    assert report["rejected"] == []
    assert (report["added"], report["skipped"]) == (5, 2)  # the all-day and the past event
    first = Appointment.get(Appointment.external_id == "a1")
    assert (first.source, first.person_id, first.minutes, first.reason) == (
        "ical",
        practice["anna"].id,
        30,
        "Kontrolle",
    )
    assert clock.iso(first.start) == "2026-12-03T09:00:00+01:00"
    assert clock.iso(Appointment.get(Appointment.external_id == "utc").start) == "2026-12-04T09:00:00+01:00"
    series = Appointment.select().where(Appointment.external_id.startswith("series@"))
    # one family Natel: the name tells Mia from her mother
    assert [a.person_id for a in series] == [practice["mia"].id] * 3
    assert sorted(a.external_id for a in series)[0] == "series@20261207T090000Z"


def test_importing_the_same_file_again_changes_nothing(practice):
    events = (
        event("a1", "20261203T090000", "20261203T093000", attendee=ANNA),
        event("s", "20261207T100000", "", attendee=ANNA, extra="RRULE:FREQ=DAILY;COUNT=2"),
    )
    assert ics(*events)["added"] == 3
    again = ics(*events)
    assert (again["added"], again["moved"], again["cancelled"], again["unchanged"]) == (0, 0, 0, 3)
    assert Appointment.select().count() == 3


def test_a_moved_appointment_regenerates_its_prepared_reminder(practice, mandant):
    ics(event("a1", "20261205T090000", "20261205T093000", attendee=ANNA))
    appointment = Appointment.get(Appointment.external_id == "a1")
    old = agenda.remind(appointment, "desk").message
    balance = credits.balance(mandant)
    report = ics(event("a1", "20261208T140000", "20261208T143000", attendee=ANNA))
    assert (report["moved"], report["added"]) == (1, 0)
    moved = Appointment.get_by_id(appointment.id)
    assert clock.iso(moved.start) == "2026-12-08T14:00:00+01:00"
    assert Message.get_by_id(old.id).status == "cancelled"
    new = Message.select().where((Message.appointment == appointment.id) & (Message.status == "queued")).get()
    assert "08.12." in new.body or "8.12." in new.body
    assert credits.balance(mandant) == balance  # old refunded, new paid: same price


def test_withdraw_on_move_leaves_no_reminder(practice, mandant):
    ics(event("a1", "20261205T090000", "20261205T093000", attendee=ANNA))
    appointment = Appointment.get(Appointment.external_id == "a1")
    agenda.remind(appointment, "desk")
    before = credits.balance(mandant)
    report = ics(event("a1", "20261209T090000", "20261209T093000", attendee=ANNA), moved="withdraw")
    assert report["moved"] == 1
    assert not Message.select().where((Message.appointment == appointment.id) & (Message.status == "queued")).exists()
    assert credits.balance(mandant) > before  # the withdrawn reminder was refunded


def test_vanished_and_cancelled_appointments_are_cancelled_and_refunded(practice, mandant):
    ics(
        event("a1", "20261205T090000", "", attendee=ANNA),
        event("b1", "20261206T090000", "", attendee='CN="Keller, Beat":tel:078 555 66 77'),
        event("c1", "20261207T090000", "", attendee=ANNA),
    )
    reminder = agenda.remind(Appointment.get(Appointment.external_id == "a1"), "desk").message
    start_balance = credits.balance(mandant) + reminder.credits
    report = ics(
        event("b1", "20261206T090000", "", attendee='CN="Keller, Beat":tel:078 555 66 77', extra="STATUS:CANCELLED"),
        event("c1", "20261207T090000", "", attendee=ANNA),
    )
    assert (report["cancelled"], report["unchanged"]) == (2, 1)
    assert [a.external_id for a in booked()] == ["c1"]
    assert Message.get_by_id(reminder.id).status == "cancelled"
    assert credits.balance(mandant) == start_balance
    assert (
        CreditEntry.select().where((CreditEntry.message == reminder.id) & (CreditEntry.kind == "refund")).count() == 1
    )
    # appointments booked here, or before now, are never cancelled by an import
    own = agenda.add_appointment(mandant, practice["anna"], "2026-12-10T10:00", 15, user="desk")
    assert ics()["cancelled"] == 1
    assert own.appointment.status == "booked"
    assert Appointment.get_by_id(own.appointment.id).status == "booked"


def test_a_change_made_here_stands_until_the_other_agenda_changes(practice):
    ev = event("a1", "20261205T090000", "", attendee=ANNA)
    ics(ev)
    appointment = Appointment.get(Appointment.external_id == "a1")
    agenda.move_appointment(appointment, "2026-12-05T11:00", "desk")
    assert ics(ev)["unchanged"] == 1
    assert clock.iso(Appointment.get_by_id(appointment.id).start) == "2026-12-05T11:00:00+01:00"
    agenda.cancel_appointment(appointment, "desk")
    report = ics(event("a1", "20261206T090000", "", attendee=ANNA))
    assert report["unchanged"] == 1
    assert report["added"] == 0
    assert Appointment.get_by_id(appointment.id).status == "cancelled"


def test_namesakes_and_strangers_are_rejected_never_guessed(practice):
    report = ics(
        event("m1", "20261205T090000", "", attendee="CN=Max Meier:mailto:max@example.ch"),
        event("m2", "20261205T100000", "", attendee="CN=Max Meier:mailto:max@example.ch", birth="06.06.1990"),
        event("x1", "20261205T110000", "", attendee="CN=Xaver Niemand:mailto:xaver@example.ch"),
        event("n1", "20261205T120000", ""),
    )
    reasons = {r["uid"]: r["reason"] for r in report["rejected"]}
    assert sorted(reasons) == ["m1", "n1", "x1"], reasons
    assert "2 persons named Max Meier" in reasons["m1"]
    assert "Geburtsdatum" in reasons["m1"]
    assert "no person Xaver Niemand" in reasons["x1"]
    assert "no patient" in reasons["n1"]
    assert Appointment.get(Appointment.external_id == "m2").person_id == practice["max2"].id
    # a rejected event is never taken for vanished: nothing of it is cancelled either
    assert report["added"] == 1
    assert report["cancelled"] == 0


def test_dry_run_shows_the_changes_and_keeps_everything(practice):
    ics(event("a1", "20261205T090000", "", attendee=ANNA))
    before = [(a.id, a.start, a.status) for a in Appointment.select()]
    report = ics(
        event("a1", "20261206T090000", "", attendee=ANNA),
        event("b1", "20261206T100000", "", attendee=ANNA),
        dry_run=True,
    )
    assert (report["moved"], report["added"], report["dry_run"]) == (1, 1, True)
    assert [(a.id, a.start, a.status) for a in Appointment.select()] == before


@pytest.mark.parametrize(
    "raw, needle",
    [
        (b"hello world", "not iCalendar"),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna\r\nEND:VCARD\r\n", "not iCalendar"),
        (b"\xff\xfe\x00B", "not UTF-8"),
    ],
)
def test_a_file_that_is_no_calendar_is_refused_whole(practice, raw, needle):
    with pytest.raises(UsageError, match=needle):
        parse_ics(raw, "HAU")
    assert Appointment.select().count() == 0


def test_a_broken_event_is_rejected_and_the_others_taken(practice):
    report = ics(
        event("gap", "20270328T023000", "", attendee=ANNA),
        event("long", "20261205T090000", "20261207T090000", attendee=ANNA),
        event("ok", "20261205T100000", "", attendee=ANNA),
    )
    reasons = {r["uid"]: r["reason"] for r in report["rejected"]}
    assert "does not exist" in reasons["gap"]
    assert "longer than" in reasons["long"]
    assert report["added"] == 1


@pytest.mark.parametrize(
    "broken, needle",
    [
        ("DTSTART:garbage", "unreadable event"),
        ("", "the event has no DTSTART"),
        ("DTSTART;TZID=Europe/Zurich:20261203T090000\nRRULE:FREQ=SOMETIMES", "unreadable event"),
    ],
)
def test_a_broken_event_is_rejected_with_its_uid_and_the_rest_is_read(practice, broken, needle):
    bad = (
        event("bad", "20261203T090000", "", attendee=ANNA)
        .replace("DTSTART;TZID=Europe/Zurich:20261203T090000", broken)
        .replace("\n\n", "\n")
    )
    report = ics(bad, event("ok", "20261204T090000", "", attendee=ANNA))
    assert report["added"] == 1
    [rejected] = report["rejected"]
    assert rejected["uid"] == "bad"
    assert needle in rejected["reason"]


def test_unknown_mandant_is_refused_before_anything_changes(practice):
    with pytest.raises(NotFound):
        apply_feed(parse_ics(calendar(event("a", "20261205T090000", "", attendee=ANNA)), "XYZ"), "ical", "XYZ")
    assert Appointment.select().count() == 0


CSV = (
    "\ufeffID;Datum;Beginn;Dauer;Ende;Mandant;Name;Vorname;Geburtsdatum;Natel;Grund;Raum\r\n"
    "T1;03.12.2026;09:00;30;;HAU;Muster;Anna;01.02.1980;079 123 45 67;Kontrolle;2\r\n"
    "T2;2026-12-04;10:15;;10:45;;Meier;Max;06.06.1990;;Röntgen;1\r\n"
    "T3;04.12.2026;11:00;20;;HAU;Meier;Max;;;;1\r\n"
    "T4;31.02.2026;11:00;20;;HAU;Muster;Anna;;;;1\r\n"
    "T5;28.03.2027;02:30;20;;HAU;Muster;Anna;;;;1\r\n"
    "T6;05.12.2026;08:00;20;;ZZZ;Muster;Anna;;;;1\r\n"
    ";05.12.2026;08:00;20;;HAU;Muster;Anna;;;;1\r\n"
    "T8;05.12.2026;8 Uhr;20;;HAU;Muster;Anna;;;;1\r\n"
)


def test_a_csv_export_with_german_columns(practice):
    report = csv_import(CSV)  # T2 names no Mandant: it is the one given
    assert report["added"] == 2
    lines = {r["line"]: r["reason"] for r in report["rejected"]}
    assert sorted(lines) == [4, 5, 6, 7, 8, 9]
    assert "2 persons named Max Meier" in lines[4]
    assert "31.02.2026" in lines[5]
    assert "does not exist" in lines[6]
    assert "unknown Mandant 'ZZZ'" in lines[7]
    assert "ID is empty" in lines[8]
    assert "HH:MM" in lines[9]
    t2 = Appointment.get(Appointment.external_id == "T2")
    assert (t2.minutes, t2.reason, t2.person_id, t2.source) == (30, "Röntgen", practice["max2"].id, "csv")


def test_csv_again_moves_and_cancels(practice):
    csv_import(
        "ID,Datum,Zeit,Dauer,Natel,Name,Vorname\n"
        "1,03.12.2026,09:00,20,079 123 45 67,Muster,Anna\n"
        "2,03.12.2026,10:00,20,078 555 66 77,,\n"
    )
    report = csv_import("ID,Datum,Zeit,Dauer,Natel,Name,Vorname\n1,03.12.2026,09:30,45,079 123 45 67,Muster,Anna\n")
    assert (report["moved"], report["cancelled"]) == (1, 1), report
    one = Appointment.get(Appointment.external_id == "1")
    assert (clock.iso(one.start), one.minutes) == ("2026-12-03T09:30:00+01:00", 45)


@pytest.mark.parametrize(
    "header, needle",
    [
        ("Datum;Zeit;Name", "lacks the column(s) id (Id)"),
        ("ID;Datum;Zeit;Grund", "names no patient"),
    ],
)
def test_csv_without_the_columns_it_needs_is_refused(practice, header, needle):
    with pytest.raises(UsageError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        parse_csv(f"{header}\n1;2;3;4\n".encode(), "HAU")


def test_csv_without_mandant_anywhere_is_refused(practice):
    with pytest.raises(UsageError, match="--mandant"):
        parse_csv(b"ID;Datum;Zeit;Name\n1;03.12.2026;09:00;Muster\n", "")


def test_another_mandant_keeps_its_appointments(practice, mandant):
    other = mandanten.add_mandant("BER", "Dr. Berger", user="test")
    ics(event("a1", "20261205T090000", "", attendee=ANNA))
    apply_feed(parse_ics(calendar(event("a1", "20261205T090000", "", attendee=ANNA)), "BER"), "ical", "BER")
    assert ics()["cancelled"] == 1  # HAU's file is empty now: only HAU's appointment goes
    left = booked()
    assert [a.mandant_id for a in left] == [other.id]


def test_an_id_twice_in_one_file_is_rejected_not_booked_twice(practice):
    report = csv_import(
        "ID;Datum;Zeit;Natel;Name;Vorname\n"
        "7;03.12.2026;09:00;079 123 45 67;Muster;Anna\n"
        "7;03.12.2026;11:00;079 123 45 67;Muster;Anna\n"
    )
    assert report["added"] == 1
    assert report["rejected"] == [{"line": 3, "reason": "the id 7 appears twice"}]
    assert Appointment.select().count() == 1


def test_a_series_that_cannot_be_read_any_more_keeps_its_appointments(practice):
    series = event("kg@praxis.example", "20261207T100000", "", attendee=ANNA, extra="RRULE:FREQ=WEEKLY;COUNT=3")
    assert ics(series)["added"] == 3
    broken = series.replace("RRULE:FREQ=WEEKLY;COUNT=3", "RRULE:FREQ=SOMETIMES")
    report = ics(broken)
    assert report["cancelled"] == 0
    assert report["rejected"][0]["uid"] == "kg@praxis.example"
    assert len(booked()) == 3
    # one visit fewer there: only that occurrence is cancelled
    fewer = ics(series.replace("COUNT=3", "COUNT=2"))
    assert (fewer["cancelled"], fewer["unchanged"]) == (1, 2)
    assert [a.external_id for a in booked()] == [
        "kg@praxis.example@20261207T090000Z",
        "kg@praxis.example@20261214T090000Z",
    ]


OUTLOOK = """BEGIN:VCALENDAR
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
VERSION:2.0
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:040000008200E00074C5B7101A82E00800000000
DTSTART;TZID=W. Europe Standard Time:20261203T090000
DTEND;TZID=W. Europe Standard Time:20261203T093000
SUMMARY:Kontrolle
ATTENDEE;CN=Anna Muster;RSVP=TRUE:mailto:anna@example.ch
END:VEVENT
BEGIN:VEVENT
UID:gap
DTSTART;TZID=W. Europe Standard Time:20270328T023000
DTEND;TZID=W. Europe Standard Time:20270328T030000
SUMMARY:x
END:VEVENT
BEGIN:VEVENT
UID:series
DTSTART;TZID=W. Europe Standard Time:20261207T100000
DURATION:PT30M
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:KG
END:VEVENT
BEGIN:VEVENT
UID:series
RECURRENCE-ID;TZID=W. Europe Standard Time:20261214T100000
DTSTART;TZID=W. Europe Standard Time:20261215T140000
DURATION:PT30M
SUMMARY:KG verschoben
END:VEVENT
END:VCALENDAR
"""


def test_an_outlook_export_with_its_windows_zone_and_a_moved_visit_of_a_series(practice):
    raw = OUTLOOK.replace("SUMMARY:KG", "ATTENDEE;CN=Mia Muster:tel:079 123 45 67\nSUMMARY:KG")
    feed = parse_ics(raw.replace("\n", "\r\n").encode(), "HAU")
    starts = {a.external_id: clock.iso(a.start) for a in feed.appointments}
    assert starts == {
        "040000008200E00074C5B7101A82E00800000000": "2026-12-03T09:00:00+01:00",
        "series@20261207T090000Z": "2026-12-07T10:00:00+01:00",
        "series@20261214T090000Z": "2026-12-15T14:00:00+01:00",  # moved there
        "series@20261221T090000Z": "2026-12-21T10:00:00+01:00",
    }
    assert feed.rejected == [
        {"uid": "gap", "reason": "28.03.2027 02:30 does not exist in its time zone (clocks go forward)"}
    ]
    report = apply_feed(feed, "ical", "HAU", user="desk")
    assert report["added"] == 4


def test_a_whole_name_in_either_order_and_two_readings_are_rejected(practice):
    persons.add_person(persons.PersonInput(first_name="Keller", last_name="Beat"), user="test")
    report = csv_import(
        "ID;Datum;Zeit;Patient\n"
        "1;03.12.2026;09:00;Muster Anna\n"
        "2;03.12.2026;10:00;Anna Muster\n"
        "3;03.12.2026;11:00;Keller Beat\n"
    )
    assert report["added"] == 2
    assert report["rejected"] == [
        {"line": 4, "reason": "2 persons named Keller Beat: add the birth date (Geburtsdatum)"}
    ]
