"""Patients answer through the SMSC simulator; a real worker process stores and acts on it.

`vitosms smsc` and `vitosms worker` run as processes, as in the practice; the
handset's answers come from `vitosms smsc reply`. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import timedelta

import pytest

from tests.processes import WAIT, wait_for
from tests.smsc_helpers import SmscProcess, smpp_config
from vitosms_tui.core import agenda, clock, credits, persons
from vitosms_tui.core.db import database
from vitosms_tui.core.models import Appointment, Message, Person, Reply
from vitosms_tui.delivery.reply_intake import ReplyIntake

LUCA = "+41795551234"
NOW = "2026-05-04T10:00"  # a Monday morning: no quiet hours in the way


@pytest.fixture
def practice(tmp_path, db_path, mandant):
    clock.set_now(NOW)
    credits.purchase(mandant, 1000, user="test")
    luca = persons.add_person(
        persons.PersonInput(first_name="Luca", last_name="Rossi", mobile=LUCA, mandant="HAU"), user="test"
    )
    start = clock.now() + timedelta(days=3)
    appointment = agenda.add_appointment(
        "HAU", luca, start.replace(hour=9, minute=0, second=0, microsecond=0), 20, user="test", confirm="sms"
    ).appointment
    return {"db": db_path, "state": tmp_path / "state", "tmp": tmp_path, "appointment": appointment, "luca": luca}


@pytest.fixture
def smsc(tmp_path):
    process = SmscProcess(tmp_path).start()
    yield process
    process.stop()


def _cli(practice, config, *args) -> subprocess.Popen:
    # each process's clock starts where the test's clock is now (it runs on from NOW)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vitosms_tui.cli.main",
            "--db",
            str(practice["db"]),
            "--config",
            config,
            "--state-dir",
            str(practice["state"]),
            "--now",
            clock.iso(clock.now()),
            "--json",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _answer(smsc, text: str, number: str = LUCA) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "vitosms_tui.cli.main",
            "--config",
            smsc.config,
            "--state-dir",
            str(smsc.state),
            "--json",
            "smsc",
            "reply",
            "--from",
            number,
            "--text",
            text,
        ],
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert run.returncode == 0, run.stderr


def _fresh(model, ident):
    database.obj.close()  # see what the worker process wrote, not a cached snapshot
    return model.get_by_id(ident)


def test_ja_nein_stop_through_the_smsc_reach_the_agenda_and_the_consents(practice, smsc):
    config = smpp_config(practice["tmp"] / "w.toml", smsc.port)
    drain = _cli(practice, config, "worker", "--drain")
    _, err = drain.communicate(timeout=WAIT)
    assert drain.returncode == 0, err
    [confirmation] = Message.select().where(Message.purpose == "confirmation")
    assert _fresh(Message, confirmation.id).status == "delivered"
    appointment = practice["appointment"]
    worker = _cli(practice, config, "worker")
    try:
        _answer(smsc, "Ja, gerne!")
        wait_for(lambda: _fresh(Appointment, appointment.id).answer == "confirmed", "JA to confirm")
        _answer(smsc, "NEIN")
        wait_for(lambda: _fresh(Appointment, appointment.id).answer == "declined", "NEIN to decline")
        _answer(smsc, "Stop")
        wait_for(lambda: not _fresh(Person, practice["luca"].id).consent_sms, "STOP to withdraw")
        _answer(smsc, "Hallo?", number="+41790000001")
        wait_for(lambda: Reply.select().count() == 4, "the stranger's reply")
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=WAIT)
    assert worker.returncode == 0, err
    for text in ("Ja, gerne", "NEIN", "Hallo?"):
        assert text not in err  # never in a log
    assert _fresh(Person, practice["luca"].id).consent_sms_source == "reply"
    # a second worker reads the whole file of replies again: nothing is stored twice
    again = _cli(practice, config, "worker", "--drain")
    again.communicate(timeout=WAIT)
    inbox = _cli(practice, config, "inbox")
    out, err = inbox.communicate(timeout=WAIT)
    assert inbox.returncode == 0, err
    rows = json.loads(out)
    assert [(r["text"], r["action"], r["person_id"]) for r in rows] == [
        ("Hallo?", "none", None),
        ("Stop", "stop", practice["luca"].id),
        ("NEIN", "declined", practice["luca"].id),
        ("Ja, gerne!", "confirmed", practice["luca"].id),
    ]
    assert {r["message_id"] for r in rows[1:]} == {confirmation.id}
    assert smsc.count("reply delivered") == 4
    # no more SMS to Luca: the command line refuses with the reason
    send = _cli(
        practice,
        config,
        "send",
        "--mandant",
        "HAU",
        "--person",
        str(practice["luca"].id),
        "--text",
        "Hallo",
        "--channel",
        "sms",
    )
    out, err = send.communicate(timeout=WAIT)
    assert send.returncode == 1
    assert "STOP" in err
    assert json.loads(out)["error"]["code"] == "sms_stopped"


def test_a_reply_the_link_kept_twice_is_stored_once(practice):
    """The SMSC delivers again what the worker stored but could not acknowledge (it died)."""
    state = practice["state"]
    state.mkdir(mode=0o700, exist_ok=True)
    line = (
        json.dumps({"from": LUCA, "to": "Dr Hauser", "text": "JA", "at": clock.iso(clock.now()), "ref": "smsc-reply-1"})
        + "\n"
    )
    (state / "sms-inbound.jsonl").write_text(line + line + '{"from": "broken"\n')
    assert ReplyIntake(state).take() == 1
    assert ReplyIntake(state).take() == 0  # a restarted worker reads it all again
    assert Reply.select().count() == 1
