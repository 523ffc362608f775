"""``vitosms appointment …``: JSON, warnings on stderr, exit codes."""

from __future__ import annotations

import json

import pytest

from vitosms_tui.cli.main import main
from vitosms_tui.core import credits, persons
from vitosms_tui.core.models import CreditEntry

NOW = "2026-05-04T10:00"  # Monday, 10:00 in Zurich


@pytest.fixture
def person_id(mandant):
    data = persons.PersonInput(
        first_name="Luca",
        last_name="Rossi",
        salutation="Herr",
        mobile="+41 79 555 12 34",
        email="luca@example.ch",
        language="it",
    )
    return persons.add_person(data, user="test").id


@pytest.fixture
def cli(db_path, person_id, capsys):
    def call(*argv, now=NOW):
        code = main(["--db", str(db_path), "--now", now, "--user", "desk", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def add(cli, person_id, start="2026-05-08T10:00", minutes="20", *extra):
    code, out, err = cli(
        "appointment",
        "add",
        "--mandant",
        "HAU",
        "--person",
        str(person_id),
        "--start",
        start,
        "--minutes",
        minutes,
        "--json",
        *extra,
    )
    assert code == 0, err
    return json.loads(out), err


def test_add_answers_the_appointment_and_its_overlaps(cli, person_id):
    first, err = add(cli, person_id, "2026-05-08T10:00", "30", "--reason", "Kontrolle")
    assert err == ""
    assert first == {
        "id": first["id"],
        "mandant": "HAU",
        "person_id": person_id,
        "person": "Luca Rossi",
        "start": "2026-05-08T10:00:00+02:00",
        "end": "2026-05-08T10:30:00+02:00",
        "minutes": 30,
        "reason": "Kontrolle",
        "status": "booked",
        "copied_from": None,
        "source": "",
        "external_id": None,
        "no_reminder": False,
        "answer": None,
        "overlaps": [],
    }
    second, err = add(cli, person_id, "2026-05-08T10:15", "15")
    assert second["overlaps"] == [first["id"]]
    assert "warning" in err
    assert "overlaps" in err
    assert str(first["id"]) in err
    # an offset in the input is honoured; the answer is in Zurich time
    third, _ = add(cli, person_id, "2026-12-01T08:00:00Z", "15")
    assert third["start"] == "2026-12-01T09:00:00+01:00"


def test_add_without_json_prints_one_line(cli, person_id):
    code, out, _ = cli(
        "appointment",
        "add",
        "--mandant",
        "HAU",
        "--person",
        str(person_id),
        "--start",
        "2026-05-08T10:00",
        "--minutes",
        "20",
    )
    assert code == 0
    assert out.startswith("appointment ")
    assert "08.05.2026 10:00" in out


@pytest.mark.parametrize(
    "argv, code, needle",
    [
        (["--start", "tomorrow", "--minutes", "20"], 2, "ISO-8601"),
        (["--start", "2026-05-08T10:00", "--minutes", "twenty"], 2, "minutes"),
        (["--start", "2026-05-08T10:00"], 2, "--minutes"),
        (["--start", "2026-05-08T10:00", "--minutes", "0"], 1, "duration"),
    ],
)
def test_add_refuses_bad_input(cli, person_id, argv, code, needle):
    result, out, err = cli("appointment", "add", "--mandant", "HAU", "--person", str(person_id), *argv)
    assert result == code
    assert needle in err
    assert "Traceback" not in err


def test_unknown_ids_and_mandanten_are_refused(cli, person_id):
    code, out, err = cli(
        "appointment",
        "add",
        "--mandant",
        "NOPE",
        "--person",
        str(person_id),
        "--start",
        "2026-05-08T10:00",
        "--minutes",
        "20",
        "--json",
    )
    assert code == 1
    assert json.loads(out)["error"]["code"] == "not_found"
    code, out, _ = cli("appointment", "show", "999", "--json")
    assert code == 1
    assert json.loads(out)["error"]["code"] == "not_found"
    code, _, err = cli("appointment", "show", "abc")
    assert code == 2


def test_move_requires_a_reminder_decision(cli, person_id):
    appt, _ = add(cli, person_id)
    code, _, err = cli("appointment", "move", str(appt["id"]), "--start", "2026-05-11T14:00")
    assert code == 2
    assert "--reminder" in err
    code, _, err = cli("appointment", "move", str(appt["id"]), "--start", "2026-05-11T14:00", "--reminder", "maybe")
    assert code == 2


def test_remind_then_move_regenerate(cli, person_id, mandant):
    appt, _ = add(cli, person_id)
    code, out, err = cli("appointment", "remind", str(appt["id"]), "--json")
    assert code == 0, err
    old = json.loads(out)
    assert old["purpose"] == "reminder"
    assert old["channel"] == "sms"
    assert old["status"] == "queued"
    assert old["scheduled_at"] == "2026-05-07T10:00:00+02:00"
    assert old["plan"] == "scheduled"
    assert old["appointment_id"] == appt["id"]
    assert credits.balance(mandant) == 99
    code, out, err = cli(
        "appointment", "move", str(appt["id"]), "--start", "2026-05-11T14:00", "--reminder", "regenerate", "--json"
    )
    assert code == 0, err
    moved = json.loads(out)
    assert moved["start"] == "2026-05-11T14:00:00+02:00"
    assert moved["old_start"] == "2026-05-08T10:00:00+02:00"
    assert moved["withdrawn"] == [old["id"]]
    assert moved["notes"] == []
    [new] = moved["new_messages"]
    assert new["scheduled_at"] == "2026-05-10T14:00:00+02:00"
    assert new["channel"] == "sms"
    refund = CreditEntry.get((CreditEntry.message == old["id"]) & (CreditEntry.kind == "refund"))
    assert refund.delta == 1
    assert refund.user == "desk"
    code, out, _ = cli("appointment", "show", str(appt["id"]), "--json")
    shown = json.loads(out)
    assert [(m["id"], m["status"]) for m in shown["messages"]] == [(old["id"], "cancelled"), (new["id"], "queued")]
    assert credits.balance(mandant) == 99


def test_move_withdraw_creates_no_reminder(cli, person_id, mandant):
    appt, _ = add(cli, person_id)
    cli("appointment", "remind", str(appt["id"]), "--channel", "email")
    code, out, _ = cli(
        "appointment", "move", str(appt["id"]), "--start", "2026-05-11T14:00", "--reminder", "withdraw", "--json"
    )
    moved = json.loads(out)
    assert code == 0
    assert len(moved["withdrawn"]) == 1
    assert moved["new_messages"] == []
    assert credits.balance(mandant) == 100


def test_move_regenerate_into_short_notice_warns(cli, person_id):
    appt, _ = add(cli, person_id)
    cli("appointment", "remind", str(appt["id"]))
    code, out, err = cli(
        "appointment", "move", str(appt["id"]), "--start", "2026-05-04T11:00", "--reminder", "regenerate", "--json"
    )
    moved = json.loads(out)
    assert code == 0
    assert moved["new_messages"] == []
    assert [n["code"] for n in moved["notes"]] == ["short_notice"]
    assert "short notice" in err


def test_remind_refusals_exit_1_with_a_code(cli, person_id):
    soon, _ = add(cli, person_id, "2026-05-04T11:00")
    code, out, err = cli("appointment", "remind", str(soon["id"]), "--json")
    assert code == 1
    assert json.loads(out)["error"]["code"] == "short_notice"
    assert "2 hours" in err
    past, _ = add(cli, person_id, "2026-05-01T11:00")
    code, out, _ = cli("appointment", "remind", str(past["id"]), "--json")
    assert code == 1
    assert json.loads(out)["error"]["code"] == "appointment_past"
    code, _, err = cli("appointment", "remind", str(soon["id"]), "--kind", "nudge")
    assert code == 2


def test_confirmation_in_quiet_hours_waits_for_the_morning(cli, person_id):
    appt, _ = add(cli, person_id, "2026-05-08T10:00")
    code, out, _ = cli(
        "appointment",
        "remind",
        str(appt["id"]),
        "--kind",
        "confirmation",
        "--channel",
        "email",
        "--json",
        now="2026-05-04T23:10",
    )
    message = json.loads(out)
    assert code == 0
    assert message["purpose"] == "confirmation"
    assert message["channel"] == "email"
    assert message["scheduled_at"] == "2026-05-05T08:00:00+02:00"
    assert message["plan"] == "after_quiet_hours"


def test_copy_has_no_messages(cli, person_id):
    appt, _ = add(cli, person_id)
    cli("appointment", "remind", str(appt["id"]))
    code, out, _ = cli("appointment", "copy", str(appt["id"]), "--start", "2026-06-01T08:30", "--json")
    copy = json.loads(out)
    assert code == 0
    assert copy["copied_from"] == appt["id"]
    assert copy["messages"] == []
    assert copy["start"] == "2026-06-01T08:30:00+02:00"
    assert copy["minutes"] == 20
    code, out, _ = cli("appointment", "show", str(copy["id"]), "--json")
    assert json.loads(out)["messages"] == []


def test_cancel_withdraws_and_refunds(cli, person_id, mandant):
    appt, _ = add(cli, person_id)
    cli("appointment", "remind", str(appt["id"]))
    cli("appointment", "remind", str(appt["id"]), "--kind", "confirmation")
    assert credits.balance(mandant) == 98
    code, out, _ = cli("appointment", "cancel", str(appt["id"]), "--json")
    cancelled = json.loads(out)
    assert code == 0
    assert cancelled["status"] == "cancelled"
    assert len(cancelled["withdrawn"]) == 2
    assert cancelled["refunded"] == 2
    assert cancelled["in_flight"] == []
    assert credits.balance(mandant) == 100
    code, out, _ = cli("appointment", "cancel", str(appt["id"]), "--json")
    assert code == 1
    assert json.loads(out)["error"]["code"] == "appointment_cancelled"


def test_show_without_json_lists_the_timeline(cli, person_id):
    appt, _ = add(cli, person_id)
    code, out, _ = cli("appointment", "show", str(appt["id"]))
    assert code == 0
    assert "no messages" in out
    cli("appointment", "remind", str(appt["id"]))
    code, out, _ = cli("appointment", "show", str(appt["id"]))
    assert "reminder" in out
    assert "queued" in out
