"""Security as the programs show it: `vitosms` and its worker run as processes of their own.

* The command line refuses a service-desk action by the front desk in one line.
* Everything a practice made through `vitosms` creates is the owner's only, whatever the umask.
* A config file holding a password that others can read draws a warning.
* A worker logging at DEBUG writes no message text, no full number, no full address.

The same rules checked inside one process are in tests/unit/test_security.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from tests.unit import test_security as in_process
from vitosms_tui.cli.main import main
from vitosms_tui.core import agenda, clock, mandanten, outbox, persons
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import CreditEntry, Message

WAIT = 60
SECRET_TEXT = in_process.SECRET_TEXT
mode = in_process.mode
practice = in_process.practice  # the fixture: two Mandanten, a front desk and a service desk


def test_the_command_line_refuses_a_transfer_by_the_front_desk_in_one_line(practice, db_path, tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "vitosms_tui.cli.main",
            "--db",
            str(db_path),
            "--user",
            "empfang",
            "--json",
            "credits",
            "transfer",
            "--from",
            "HAU",
            "--to",
            "MUE",
            "--amount",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert run.returncode == 1
    assert json.loads(run.stdout)["error"]["code"] == "forbidden"
    assert len(run.stderr.strip().splitlines()) == 1
    assert "service desk" in run.stderr
    assert CreditEntry.select().where(CreditEntry.kind.in_(("transfer_in", "transfer_out"))).count() == 0


def test_everything_the_command_line_creates_is_private(tmp_path):
    """A whole practice made through `vitosms` under umask 022: no file is readable by others."""
    db = tmp_path / "praxis" / "practice.db"
    env = dict(os.environ, VITOSMS_DB=str(db), VITOSMS_USER="sd")
    env.pop("VITOSMS_STATE_DIR", None)

    def vitosms(*args):
        run = subprocess.run(
            [sys.executable, "-m", "vitosms_tui.cli.main", *args],
            env=env,
            text=True,
            capture_output=True,
            timeout=WAIT,
            preexec_fn=lambda: os.umask(0o022),
        )
        assert run.returncode == 0, run.stderr
        return run

    vitosms("init")
    vitosms("staff", "add", "--login", "sd", "--name", "Service", "--role", "servicedesk")
    vitosms("mandant", "add", "--code", "HAU", "--name", "Dr. Hauser")
    vitosms("credits", "order", "--mandant", "HAU", "--package", "1")
    vitosms("send", "--mandant", "HAU", "--to", "079 123 45 67", "--text", "Hallo")
    vitosms("worker", "--drain")
    created = [p for p in (tmp_path / "praxis").rglob("*")]
    assert any(p.name == "sms-handset.jsonl" for p in created)
    loose = {str(p.relative_to(tmp_path)): oct(mode(p)) for p in created if mode(p) & 0o077}
    assert loose == {}


@pytest.mark.parametrize("permissions,warned", [(0o644, True), (0o640, True), (0o600, False)])
def test_a_config_with_a_password_others_can_read_draws_a_warning(tmp_path, db_path, permissions, warned):
    config = tmp_path / "vitosms.toml"
    config.write_text('[smtp]\nhost = "mail.praxis.ch"\nusername = "praxis"\npassword = "Geheim-4711"\n')
    os.chmod(config, permissions)
    assert main(["--db", str(db_path), "init"]) == 0
    run = subprocess.run(
        [sys.executable, "-m", "vitosms_tui.cli.main", "--db", str(db_path), "--config", str(config), "credits"],
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert run.returncode == 0, run.stderr
    assert ("readable by others" in run.stderr and "chmod 600" in run.stderr) == warned
    assert "Geheim-4711" not in run.stdout + run.stderr


NUMBERS = ["+41791234567", "+41799990100", "+41799990101", "+41799990102"]


ADDRESSES = ["anna.geheim@example.ch", "bert.geheim@example.ch"]


def test_a_worker_logging_at_debug_writes_no_text_number_or_address(practice, db_path, tmp_path):
    from vitosms_tui.delivery.sink import MaildirHandler, start_sink

    class Refusing(MaildirHandler):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("bert"):
                return f"550 5.1.1 <{address}>: no such user"  # the server quotes the address
            envelope.rcpt_tos.append(address)
            return "250 OK"

    hau, _ = practice
    mandanten.update_settings(
        hau,
        auto_reminders=True,
        user="setup",
        quiet=f"{(clock.local(clock.now()) + timedelta(hours=8)):%H}:00-"
        f"{(clock.local(clock.now()) + timedelta(hours=9)):%H}:00",
    )
    # an appointment the worker's automation reminds of at once (short notice): it queues a text too
    carla = persons.add_person(
        persons.PersonInput(first_name="Carla", last_name="Geheim", mobile="079 765 43 21"), user="setup"
    )
    agenda.add_appointment(
        hau,
        carla,
        clock.now().replace(second=0, microsecond=0) + timedelta(hours=3),
        15,
        reason="Diabetes-Kontrolle",
        user="desk",
    )
    outbox.enqueue(
        hau,
        [Draft("sms", n, SECRET_TEXT) for n in NUMBERS]
        + [Draft("email", a, SECRET_TEXT, subject="Ihr Befund XYZZY") for a in ADDRESSES],
        user="desk",
    )
    controller, port = start_sink(tmp_path / "mailbox", handler=Refusing(tmp_path / "mailbox"))
    config = tmp_path / "vitosms.toml"
    config.write_text(
        f'[delivery]\nbackoff_seconds = 0.05\nreport_delay_seconds = 0.05\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n'
    )
    try:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "vitosms_tui.cli.main",
                "--db",
                str(db_path),
                "--config",
                str(config),
                "--state-dir",
                str(tmp_path / "state"),
                "worker",
                "--drain",
            ],
            capture_output=True,
            text=True,
            timeout=WAIT,
            env=dict(os.environ, VITOSMS_LOG_LEVEL="DEBUG"),
        )
    finally:
        controller.stop()
    assert run.returncode == 0, run.stderr
    log = run.stderr
    # it did log, and in detail
    assert "DEBUG" in log
    assert "INFO" in log
    assert Message.select().where(Message.purpose == "reminder").count() == 1  # automation queued
    for secret in ["XYZZY", "Diabetes", "Geheim", "Carla"]:
        assert secret not in log, secret
    for number in NUMBERS + ["+41797654321"]:
        assert number not in log, number
        assert number[3:] not in log, number
        assert "0" + number[3:] not in log, number
    for address in ADDRESSES:
        assert address.split("@")[0] not in log, address
    # masked, still useful
    assert "+4179*****67" in log
    assert "a***@example.ch" in log
