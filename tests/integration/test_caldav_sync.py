"""CalDAV sync against a real Radicale server on loopback, on SQLite and PostgreSQL:
create, move, cancel on the server -> the agenda follows, reminders stay honest."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.calendars import calendar, event
from tests.radicale_server import LOGIN, PASSWORD, start_radicale, stop_radicale
from vitosms_tui.core import agenda, clock, credits, persons
from vitosms_tui.core.calendar_syncs import last_counts, list_syncs, remember_sync
from vitosms_tui.core.config import Settings
from vitosms_tui.core.models import Appointment, CalendarSync, Message

NOW = "2026-12-01T08:00"
ANNA = 'CN="Muster, Anna":tel:+41791234567'
BEAT = "CN=Beat Keller:tel:078 555 66 77"


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    server = start_radicale(tmp_path_factory.mktemp("radicale"))
    yield server
    stop_radicale(server)


@pytest.fixture
def practice(mandant):
    clock.set_now(NOW)
    for first, last, mobile in (("Anna", "Muster", "079 123 45 67"), ("Beat", "Keller", "078 555 66 77")):
        persons.add_person(persons.PersonInput(first_name=first, last_name=last, mobile=mobile), user="t")
    return mandant


@pytest.fixture
def hau_calendar(radicale, request):
    # a calendar per test (and per backend): the tests never see each other's events
    name = "hau-" + request.node.name.replace("[", "-").replace("]", "").replace("_", "-")[-40:]
    return radicale.make_calendar(name), radicale.calendar_url(name)


def settings(password=PASSWORD) -> Settings:
    result = Settings()
    result.caldav.login, result.caldav.password = LOGIN, password
    return result


def put(cal, *events: str) -> None:
    for ev in events:
        cal.save_event(calendar(ev).decode())


def sync(url, **kw):
    from vitosms_tui.delivery.caldav_sync import sync_calendar

    return sync_calendar(settings(), "HAU", url, user="desk", **kw)


def test_create_move_cancel_on_the_server_and_the_agenda_follows(practice, hau_calendar):
    cal, url = hau_calendar
    put(
        cal,
        event("a1", "20261203T090000", "20261203T093000", attendee=ANNA),
        event("b1", "20261204T100000", "20261204T101500", attendee=BEAT),
    )
    first = sync(url)
    assert (first["added"], first["rejected"]) == (2, [])
    a1 = Appointment.get(Appointment.external_id == "a1")
    reminder = agenda.remind(a1, "desk").message
    balance = credits.balance(practice)

    # on the server: a1 moved, b1 deleted, c1 new
    cal.event_by_uid("a1").delete()
    cal.event_by_uid("b1").delete()
    put(
        cal,
        event("a1", "20261207T140000", "20261207T143000", attendee=ANNA),
        event("c1", "20261208T080000", "", attendee=BEAT),
    )
    second = sync(url)
    assert (second["moved"], second["cancelled"], second["added"]) == (1, 1, 1), second
    assert clock.iso(Appointment.get_by_id(a1.id).start) == "2026-12-07T14:00:00+01:00"
    assert Message.get_by_id(reminder.id).status == "cancelled"  # the old date never goes out
    fresh = Message.get((Message.appointment == a1.id) & (Message.status == "queued"))
    assert "07.12." in fresh.body or "7.12." in fresh.body
    assert Appointment.get(Appointment.external_id == "b1").status == "cancelled"
    assert credits.balance(practice) == balance

    # cancelled there (STATUS), and a third sync changes nothing more
    cal.event_by_uid("c1").delete()
    put(cal, event("c1", "20261208T080000", "", attendee=BEAT, extra="STATUS:CANCELLED"))
    third = sync(url)
    assert (third["cancelled"], third["unchanged"]) == (1, 1), third
    fourth = sync(url)
    assert (fourth["unchanged"], fourth["added"], fourth["moved"], fourth["cancelled"]) == (2, 0, 0, 0)
    assert Appointment.select().count() == 3  # nothing duplicated


def test_refused_login_and_a_server_that_is_down_change_nothing(practice, hau_calendar, caplog):
    from vitosms_tui.core.errors import UsageError
    from vitosms_tui.delivery.caldav_sync import CalendarUnreachable, run_due_syncs, sync_calendar

    cal, url = hau_calendar
    put(cal, event("a1", "20261203T090000", "", attendee=ANNA))
    with pytest.raises(UsageError, match="refused the login") as refused:
        sync_calendar(settings("falsch"), "HAU", url)
    assert "falsch" not in refused.value.message
    with pytest.raises(CalendarUnreachable, match="connection refused"):
        sync_calendar(settings(), "HAU", "http://127.0.0.1:9/praxis/hau/")
    assert Appointment.select().count() == 0
    # the worker's run records the error for the service settings, the password in no log
    remember_sync("HAU", "http://127.0.0.1:9/praxis/hau/", LOGIN, "regenerate", 5)
    with caplog.at_level("DEBUG"):
        assert run_due_syncs(settings()) == 1
    [kept] = list_syncs()
    assert "connection refused" in kept.last_error
    assert kept.last_ok_at is None
    assert PASSWORD not in caplog.text


def test_the_worker_runs_a_remembered_calendar_when_its_interval_has_passed(practice, hau_calendar):
    from vitosms_tui.delivery.caldav_sync import CalendarTicker, run_due_syncs

    cal, url = hau_calendar
    put(cal, event("a1", "20261203T090000", "", attendee=ANNA))
    remember_sync("HAU", url, LOGIN, "regenerate", 5)
    ticker = CalendarTicker(settings())
    ticker()
    ticker._thread.join(60)
    [kept] = list_syncs()
    assert kept.last_error is None
    assert last_counts(kept)["added"] == 1
    assert run_due_syncs(settings()) == 0  # not due again before five minutes
    clock.set_now("2026-12-01T08:06")
    assert run_due_syncs(settings()) == 1
    assert Appointment.select().count() == 1


def test_the_command_reads_the_password_from_the_config_and_remembers_the_calendar(
    practice, hau_calendar, db_path, tmp_path
):
    cal, url = hau_calendar
    put(cal, event("a1", "20261203T090000", "", attendee=ANNA))
    config = tmp_path / "vitosms.toml"
    config.write_text(f'[caldav]\nlogin = "{LOGIN}"\npassword = "{PASSWORD}"\n')
    config.chmod(0o600)

    def vitosms(*args, env=None):
        return subprocess.run(
            [sys.executable, "-m", "vitosms_tui.cli.main", "--db", str(db_path), "--now", NOW, "--json", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **(env or {})},
        )

    dry = vitosms("--config", str(config), "sync", "caldav", url, "--mandant", "HAU", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["added"] == 1
    assert CalendarSync.select().count() == 0
    run = vitosms("--config", str(config), "sync", "caldav", url, "--mandant", "HAU", "--every", "10")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["added"] == 1
    assert CalendarSync.get().every_minutes == 10
    # without the config: the password from the environment; a wrong one is exit 2, one line
    wrong = vitosms(
        "sync", "caldav", url, "--mandant", "HAU", "--login", LOGIN, env={"VITOSMS_CALDAV_PASSWORD": "nein-nein"}
    )
    assert wrong.returncode == 2
    assert len(wrong.stderr.strip().splitlines()) == 1
    assert "refused the login" in wrong.stderr
    assert "nein-nein" not in wrong.stderr + wrong.stdout
    assert json.loads(wrong.stdout)["error"]["message"].startswith("the calendar server")
    assert Appointment.select().count() == 1


def test_the_worker_process_syncs_a_due_calendar_and_logs_no_patient_data(practice, hau_calendar, db_path, tmp_path):
    cal, url = hau_calendar
    put(cal, event("a1", "20261203T090000", "", attendee=ANNA))
    remember_sync("HAU", url, LOGIN, "regenerate", 5)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "vitosms_tui.cli.main",
            "--db",
            str(db_path),
            "--now",
            NOW,
            "--state-dir",
            str(tmp_path / "state"),
            "worker",
            "--once",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "VITOSMS_CALDAV_PASSWORD": PASSWORD, "VITOSMS_LOG_LEVEL": "DEBUG"},
    )
    assert run.returncode == 0, run.stderr
    assert "Muster" not in run.stderr
    assert PASSWORD not in run.stderr
    assert "BEGIN:VEVENT" not in run.stderr
    [kept] = list_syncs()
    assert kept.last_error is None
    assert last_counts(kept)["added"] == 1
    assert Appointment.get(Appointment.external_id == "a1").status == "booked"
