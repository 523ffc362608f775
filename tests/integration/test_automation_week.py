"""A simulated week of automation: the clock steps every 15 minutes over seven days
(across the change to summer time) and every step runs a tick, as the workers do.

Exactly one reminder per eligible appointment and one greeting per eligible
birthday, none for the ineligible, none scheduled in quiet hours; late
bookings, a cancellation and a move on the way; a two-day outage caught up;
and the same through the command line (``automation run`` and ``worker
--drain`` with ``--now``), counted in the SMS handset log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from vitosms_tui.cli.main import main
from vitosms_tui.core import agenda, automation, clock, credits, mandanten, persons, reminders
from vitosms_tui.core.models import Appointment, Message
from vitosms_tui.core.quiet_hours import in_quiet_hours

STEP = timedelta(minutes=15)


def zh(text: str):
    return clock.parse_instant(text)


def person(first, mobile="079 123 45 67", email=None, consents=None, mandant="HAU", **kw):
    data = persons.PersonInput(first_name=first, last_name="Test", mobile=mobile, email=email, mandant=mandant, **kw)
    return persons.add_person(data, consents=consents, user="test")


def book(mandant, who, start, minutes=15):
    return agenda.add_appointment(mandant, who, start, minutes, user="desk").appointment


def simulate(start: str, end: str, actions=None, skip=None) -> list:
    """Tick every 15 minutes from ``start`` to ``end``; ``actions`` run at their instant
    before the tick; ticks inside ``skip`` (from, to) do not happen (the practice is down)."""
    actions = {zh(k): v for k, v in (actions or {}).items()}
    reports = []
    at, stop = zh(start), zh(end)
    while at < stop:
        clock.set_now(at)
        if at in actions:
            actions[at]()
        if not (skip and zh(skip[0]) <= at < zh(skip[1])):
            reports.append(automation.run_tick(at))
        at += STEP
    return reports


def live_reminders(appointment) -> list[Message]:
    return list(
        Message.select().where(
            (Message.appointment == appointment.id) & (Message.purpose == "reminder") & (Message.status == "queued")
        )
    )


def greetings() -> dict[int, int]:
    counts: dict[int, int] = {}
    for message in Message.select().where((Message.purpose == "birthday") & (Message.status == "queued")):
        counts[message.person_id] = counts.get(message.person_id, 0) + 1
    return counts


@pytest.fixture
def practice(db):
    clock.set_now("2026-03-20T10:00")
    hau = mandanten.add_mandant("HAU", "Dr. Hauser", "DrHauser", user="test")
    ber = mandanten.add_mandant("BER", "Dr. Berger", "DrBerger", user="test")
    for m in (hau, ber):
        credits.purchase(m, 1000, "test")
    hau = mandanten.update_settings(hau, auto_reminders=True, auto_birthday=True)
    return hau, ber


def test_a_week_of_ticks(practice):
    hau, ber = practice
    anna = person("Anna", birth_date="1980-03-28", consents={"birthday": True})
    emil = person("Emil", mobile=None, email="emil@example.ch", birth_date="1970-03-30", consents={"birthday": True})
    nora = person("Nora", mobile="079 555 12 34", birth_date="1975-03-28", consents={"reminder": False})
    dora = person("Dora", birth_date="1950-03-29", consents={"birthday": True})
    ida = person("Ida", inactive=True, birth_date="1961-03-27", consents={"birthday": True})
    udo = person("Udo", mobile=None)
    bert = person("Bert", mandant="BER", birth_date="1966-03-31", consents={"birthday": True})
    slots, ineligible = {}, []
    past = book(hau, anna, "2026-03-24T15:00")  # before the week: none
    for day in range(26, 32):  # Thursday 26 March to Tuesday 31 March (summer time from the 29th)
        for hour in ("07:30", "08:00", "12:00", "19:45"):
            slots[day, hour] = book(hau, anna if day % 2 else emil, f"2026-03-{day}T{hour}")
        for who in (nora, dora, ida, udo):
            ineligible.append(book(hau, who, f"2026-03-{day}T10:00"))
        ineligible.append(book(ber, bert, f"2026-03-{day}T10:00"))  # automation off at BER
    dora.deceased = True
    dora.save()
    cancelled = slots.pop((28, "07:30"))  # cancelled before its reminder is made
    moved = slots[29, "12:00"]  # moved after its reminder was queued
    late = {}

    def book_late():
        late["soon"] = book(hau, anna, "2026-03-27T14:00")  # 3.5 h ahead: at once
        late["too_soon"] = book(hau, anna, "2026-03-27T11:30")  # 1 h ahead: none

    actions = {
        "2026-03-26T09:00": lambda: agenda.cancel_appointment(cancelled, "desk"),
        "2026-03-27T10:30": book_late,
        "2026-03-28T10:00": lambda: agenda.move_appointment(moved, "2026-03-29T16:00", "desk", reminder="withdraw"),
    }
    reports = simulate("2026-03-25T00:00", "2026-04-01T00:00", actions)
    assert len(reports) == (7 * 24 - 1) * 4  # one hour less: summer time
    slots.pop((29, "12:00"))
    eligible = list(slots.values()) + [late["soon"]]
    for appointment in eligible:
        [message] = live_reminders(appointment)
        assert message.auto_key == automation.reminder_key(Appointment.get_by_id(appointment.id))
    for appointment in ineligible + [past, cancelled, late["too_soon"], moved]:
        assert live_reminders(appointment) == [], clock.iso(appointment.start)
    moved_messages = list(Message.select().where(Message.appointment == moved.id).order_by(Message.id))
    # the desk answered "no new reminder" when it moved the appointment: automation keeps to it
    assert [m.status for m in moved_messages] == ["cancelled"]
    assert moved_messages[0].scheduled_at == zh("2026-03-28T12:00")
    for message in Message.select().where(Message.status == "queued"):
        assert not in_quiet_hours(message.scheduled_at, hau), clock.iso(message.scheduled_at)
    expected = {
        (26, "07:30"): "2026-03-25T08:00",  # its time passed before the week: at once in the morning
        (27, "07:30"): "2026-03-25T19:59",  # the evening before the quiet night
        (30, "08:00"): "2026-03-29T08:00",  # 24 h on the wall clock across the change of time
        (30, "07:30"): "2026-03-28T19:59",
        (31, "19:45"): "2026-03-30T19:45",
    }
    for slot, when in expected.items():
        assert live_reminders(slots[slot])[0].scheduled_at == zh(when), slot
    assert live_reminders(late["soon"])[0].scheduled_at == zh("2026-03-27T10:30")
    assert greetings() == {anna.id: 1, emil.id: 1}
    greeting = Message.get((Message.purpose == "birthday") & (Message.person == emil.id))
    assert (greeting.channel, greeting.scheduled_at) == ("email", zh("2026-03-30T09:00"))
    totals = {key: sum(getattr(r, key) for r in reports) for key in ("reminders", "birthdays", "skipped")}
    assert totals == {"reminders": len(eligible) + 1, "birthdays": 2, "skipped": 0}  # + the moved one's first


def test_a_two_day_outage_is_caught_up(practice):
    hau, _ = practice
    anna = person("Anna", birth_date="1980-03-28", consents={"birthday": True})
    emil = person("Emil", mobile="079 555 12 34", birth_date="1970-03-30", consents={"birthday": True})
    sunday_10 = book(hau, anna, "2026-03-29T10:00")  # due and past during the outage
    sunday_18 = book(hau, anna, "2026-03-29T18:00")  # due and past during the outage
    monday_9 = book(hau, anna, "2026-03-30T09:00")  # 1 h after the quiet hours: short notice
    monday_11 = book(hau, anna, "2026-03-30T11:00")  # short notice, at the end of the quiet hours
    tuesday = book(hau, anna, "2026-03-31T10:00")  # planned as usual
    friday = book(hau, anna, "2026-03-27T18:00")  # before the outage
    simulate("2026-03-26T12:00", "2026-04-01T00:00", skip=("2026-03-28T00:00", "2026-03-30T00:00"))
    assert len(live_reminders(friday)) == 1
    assert live_reminders(sunday_10) == live_reminders(sunday_18) == live_reminders(monday_9) == []
    [caught_up] = live_reminders(monday_11)
    assert caught_up.scheduled_at == zh("2026-03-30T08:00")  # at once, as the quiet hours end
    [planned] = live_reminders(tuesday)
    assert planned.scheduled_at == zh("2026-03-30T10:00")
    assert plan_reason(monday_9) == reminders.SHORT_NOTICE_REFUSED
    # Saturday's birthday is not greeted after the outage; Monday's is, at 09:00
    assert greetings() == {emil.id: 1}
    assert Message.get(Message.purpose == "birthday").scheduled_at == zh("2026-03-30T09:00")


def plan_reason(appointment):
    return reminders.plan_reminder(Appointment.get_by_id(appointment.id), zh("2026-03-30T00:00")).reason


# --- through the command line ------------------------------------------------------------


def test_stepping_the_command_line_through_days(tmp_path, capsys):
    db, state = tmp_path / "cli.db", tmp_path / "state"
    config = tmp_path / "vitosms.toml"
    config.write_text("[delivery]\nreport_delay_seconds = 0.05\nbackoff_seconds = 0.05\n", "utf-8")
    env = dict(
        os.environ, VITOSMS_DB=str(db), VITOSMS_STATE_DIR=str(state), VITOSMS_CONFIG=str(config), VITOSMS_USER="desk"
    )
    env.pop("VITOSMS_NOW", None)

    def here(*argv):  # the practice is set up in this process, the steps run as processes
        assert main(["--db", str(db), "--now", "2026-05-03T05:00", "--json", *argv]) == 0
        return json.loads(capsys.readouterr().out)

    def vitosms(now, *argv):
        done = subprocess.run(
            [sys.executable, "-m", "vitosms_tui.cli.main", "--now", now, "--json", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    here("init")
    here("mandant", "add", "--code", "HAU", "--name", "Dr. Hauser", "--sender", "DrHauser")
    here("staff", "add", "--login", "sd", "--name", "Service", "--role", "servicedesk")
    here("--user", "sd", "credits", "order", "--mandant", "HAU", "--package", "1")
    here("mandant", "set", "HAU", "--auto-reminders", "on", "--auto-birthday", "on")
    anna = here(
        "person",
        "add",
        "--first",
        "Anna",
        "--last",
        "Muster",
        "--mobile",
        "079 123 45 67",
        "--mandant",
        "HAU",
        "--birth",
        "1980-05-05",
        "--birthday-greetings",
    )
    nora = here(
        "person",
        "add",
        "--first",
        "Nora",
        "--last",
        "Nein",
        "--mobile",
        "079 555 12 34",
        "--mandant",
        "HAU",
        "--birth",
        "1980-05-05",
        "--no-reminders",
    )
    for who in (anna, nora):
        for when in ("2026-05-04T10:00", "2026-05-05T07:30", "2026-05-05T16:00"):
            here(
                "appointment", "add", "--mandant", "HAU", "--person", str(who["id"]), "--start", when, "--minutes", "15"
            )
    # Sunday 06:00 queues Monday 10:00's reminder (for 10:00), 14:00 Tuesday 07:30's (for 19:59,
    # before the quiet night); Monday 14:00 Tuesday 16:00's; Tuesday 06:00 the greeting (09:00)
    # the first step leaves the tick to the worker (its automation hook)
    assert vitosms("2026-05-03T06:00", "worker", "--drain")["sent"] == 0
    [first] = Message.select()
    assert (first.purpose, first.created_by, first.status) == ("reminder", "automation", "queued")
    created, sent = 1, []
    for now in ("2026-05-03T14:00", "2026-05-03T20:30", "2026-05-04T14:00", "2026-05-05T06:00", "2026-05-05T09:30"):
        report = vitosms(now, "automation", "run")
        created += report["reminders"] + report["birthdays"]
        assert report["skipped"] == 0
        sent.append(vitosms(now, "worker", "--drain")["sent"])
    # no worker ran when they fell due: the reminder due Sunday 19:59 is found at 20:30, Monday 16:00's
    # on Tuesday at 06:00, both in the quiet hours. Each waits for the morning (its appointment is
    # still ahead) and goes out with the next run by day instead of at night.
    assert sent == [1, 0, 1, 0, 2]
    handset = [json.loads(line) for line in (state / "sms-handset.jsonl").read_text("utf-8").splitlines()]
    # Anna: three reminders and one greeting; Nora: nothing (no consent to either)
    assert created == 4
    assert len(handset) == 4
    assert {line["to"] for line in handset} == {"+41791234567"}
    assert len({line["client_ref"] for line in handset}) == 4
    assert sum("Geburtstag" in line["text"] for line in handset) == 1
    assert Message.select().where(Message.status == "delivered").count() == 4
    assert Message.select().count() == 4
