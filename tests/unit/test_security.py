"""Who may do what, which files others can read, what the logs hold, what the audit trail keeps.

* Service-desk actions are refused in core for front-desk and unknown logins,
  and leave nothing behind.
* The database (and its WAL), the state folder, the handset log, the Maildir,
  exports and the worker log are the owner's only (0600 files, 0700 folders),
  whatever the umask.
* A config file holding a password that others can read draws a warning.
* A worker logging at DEBUG writes no message text, no full number, no full address.
* Orders, transfers, migrations, consent changes, cancellations and
  withdrawals each leave an audit entry.

(Person-supplied text on screen is covered by tests/unit/test_sanitize.py.)
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import timedelta

import pytest

from vitosms_tui.cli.main import main
from vitosms_tui.core import agenda, audit, clock, credits, mandanten, outbox, persons
from vitosms_tui.core.db import open_database
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.errors import Refused
from vitosms_tui.core.models import ALL_MODELS, AuditEntry, CreditEntry, Message, Staff
from vitosms_tui.core.schema import migrate
from vitosms_tui.delivery.gateways.base import Sms
from vitosms_tui.delivery.gateways.mock import MockGateway

WAIT = 60


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def counts() -> dict[str, int]:
    return {model.__name__: model.select().count() for model in ALL_MODELS}


@pytest.fixture
def practice(db):
    hau = mandanten.add_mandant("HAU", "Dr. med. Anna Hauser", "Dr Hauser", user="setup")
    mue = mandanten.add_mandant("MUE", "Dr. med. Beat Müller", "Dr Mueller", user="setup")
    credits.purchase(hau, 100, user="setup")
    mandanten.add_staff("empfang", "Empfang", "frontdesk", user="setup")
    mandanten.add_staff("sd", "Service Desk", "servicedesk", user="setup")
    return hau, mue


# --- roles -------------------------------------------------------------------------------------------

SERVICE_DESK_ACTIONS = {
    "transfer credits": lambda hau, mue, user: credits.transfer(hau, mue, 10, user, note="Ausgleich"),
    "migrate the legacy balance": lambda hau, mue, user: credits.migrate_legacy(100, user),
    "add a service-desk login": lambda hau, mue, user: mandanten.add_staff("boss", "Boss", "servicedesk", user=user),
}


@pytest.mark.parametrize("login", ["empfang", "someone-unknown"])
@pytest.mark.parametrize("action", list(SERVICE_DESK_ACTIONS))
def test_a_service_desk_action_is_refused_for_the_front_desk_and_leaves_nothing(practice, action, login):
    hau, mue = practice
    before = counts()
    with pytest.raises(Refused) as refused:
        SERVICE_DESK_ACTIONS[action](hau, mue, login)
    assert refused.value.code == "forbidden" and "service desk" in refused.value.message
    assert counts() == before


@pytest.mark.parametrize("action", list(SERVICE_DESK_ACTIONS))
def test_the_service_desk_may(practice, action):
    hau, mue = practice
    before = counts()
    SERVICE_DESK_ACTIONS[action](hau, mue, "sd")
    assert counts() != before  # the action took place
    assert AuditEntry.select().where(AuditEntry.user == "sd").exists()  # and says who did it


def test_the_first_service_desk_login_can_be_set_up_without_one(db):
    # a new practice has no service desk yet: someone must be able to name it
    mandanten.add_staff("sd", "Service Desk", "servicedesk", user="installer")
    assert Staff.get(Staff.login == "sd").role == "servicedesk"
    with pytest.raises(Refused):
        mandanten.add_staff("second", "Zweite", "servicedesk", user="installer")
    mandanten.add_staff("empfang2", "Empfang", "frontdesk", user="installer")  # front desk: anyone


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
    assert len(run.stderr.strip().splitlines()) == 1 and "service desk" in run.stderr
    assert CreditEntry.select().where(CreditEntry.kind.in_(("transfer_in", "transfer_out"))).count() == 0


# --- files for the owner only ---------------------------------------------------------------------


@pytest.fixture
def loose_umask():
    """A umask that would let the group and others read what is created."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_database_and_wal_are_private_whatever_the_umask(tmp_path, loose_umask):
    path = tmp_path / "sub" / "practice.db"
    database = open_database(str(path))
    migrate()
    mandanten.add_mandant("HAU", "Dr. Hauser", user="test")  # a write: the WAL exists now
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            assert mode(side) & 0o077 == 0, suffix
    assert path.with_name(path.name + "-wal").exists()
    database.close()


def test_state_files_of_the_gateway_and_the_sink_are_private(tmp_path, loose_umask):
    from vitosms_tui.delivery.sink import deliver, prepare_maildir

    state = tmp_path / "state"
    gateway = MockGateway(state, report_delay_seconds=0)
    gateway.submit(
        [Sms("r1", "+41791234567", "Dr Hauser", "Hallo", 1), Sms("r2", "+41799990101", "Dr Hauser", "Hallo", 1)]
    )
    assert mode(state) == 0o700
    files = [p for p in state.iterdir() if p.is_file()]
    assert {p.name for p in files} >= {"sms-handset.jsonl", "sms-gateway-faults.jsonl"}
    assert all(mode(p) == 0o600 for p in files), {p.name: oct(mode(p)) for p in files}
    box = prepare_maildir(state / "mailbox")
    name = deliver(box, b"Subject: x\r\n\r\nHallo\r\n")
    assert mode(box / "new" / name) == 0o600
    assert all(mode(box / sub) == 0o700 for sub in ("", "tmp", "new", "cur"))


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


def test_a_ledger_export_is_private(practice, tmp_path, loose_umask):
    ledger_export = pytest.importorskip("vitosms_tui.core.ledger_export")
    hau, _ = practice
    done = ledger_export.export_to_folder(hau, tmp_path / "state", ledger_export.period("all"))
    assert mode(done.path) == 0o600 and mode(done.path.parent) == 0o700


def test_the_demo_worker_log_is_private(tmp_path, loose_umask):
    import logging

    from vitosms_tui.cli.demo import _log_to_file

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        _log_to_file(tmp_path / "state")
        logging.getLogger("vitosms.test").info("a line")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    assert mode(tmp_path / "state") == 0o700
    assert mode(tmp_path / "state" / "worker.log") == 0o600


# --- the config file ------------------------------------------------------------------------------------


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


# --- logs --------------------------------------------------------------------------------------------------

SECRET_TEXT = "Befund Diabetes XYZZY"
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
    assert "DEBUG" in log and "INFO" in log  # it did log, and in detail
    assert Message.select().where(Message.purpose == "reminder").count() == 1  # automation queued
    for secret in ["XYZZY", "Diabetes", "Geheim", "Carla"]:
        assert secret not in log, secret
    for number in NUMBERS + ["+41797654321"]:
        assert number not in log and number[3:] not in log and "0" + number[3:] not in log, number
    for address in ADDRESSES:
        assert address.split("@")[0] not in log, address
    assert "+4179*****67" in log and "a***@example.ch" in log  # masked, still useful


# --- the audit trail ------------------------------------------------------------------------------------------


def audited(action: str, **detail) -> list[AuditEntry]:
    found = []
    for entry in AuditEntry.select().where(AuditEntry.action == action):
        values = json.loads(entry.detail or "{}")
        if all(values.get(key) == value for key, value in detail.items()):
            found.append(entry)
    return found


def test_orders_transfers_and_migrations_are_audited(practice):
    hau, mue = practice
    mandanten.add_staff("leitung", "Praxisleitung", "frontdesk", user="sd", may_order=True)
    placed = credits.order(hau, 1, user="leitung")
    credits.transfer(hau, mue, 7, "sd", note="Ausgleich")
    credits.migrate_legacy(11, "sd")
    [order] = audited("order", package=1, credits=placed.credits)
    assert (order.user, order.mandant_id) == ("leitung", hau.id)
    [transfer] = audited("transfer", amount=7, to="MUE")
    assert (transfer.user, transfer.mandant_id) == ("sd", hau.id)
    [migration] = audited("migrate_legacy", total=11)
    assert migration.user == "sd" and json.loads(migration.detail)["shares"] == {"HAU": 6, "MUE": 5}


def test_consent_changes_are_audited_with_who_and_what(practice):
    anna = persons.add_person(
        persons.PersonInput(first_name="Anna", last_name="Muster", mobile="079 123 45 67"), user="empfang"
    )
    persons.set_consent(anna, "birthday", True, user="empfang", source="phone")
    persons.set_consent(anna, "reminder", False, user="empfang2", source="letter")
    given = audited("consent", purpose="birthday", given=True, source="phone")
    taken = audited("consent", purpose="reminder", given=False, source="letter")
    assert [(e.user, e.person_id) for e in given] == [("empfang", anna.id)]
    assert [(e.user, e.person_id) for e in taken] == [("empfang2", anna.id)]
    [added] = audited("person_add")
    assert json.loads(added.detail)["consents"] == {"reminder": True, "recall": True, "birthday": False}


def test_cancellations_and_withdrawals_are_audited(practice):
    hau, _ = practice
    anna = persons.add_person(
        persons.PersonInput(first_name="Anna", last_name="Muster", mobile="079 123 45 67"), user="empfang"
    )
    start = clock.now().replace(second=0, microsecond=0) + timedelta(days=3)
    appointment = agenda.add_appointment(hau, anna, start, 15, user="empfang").appointment
    reminder = agenda.remind(appointment, user="empfang").message
    [free] = outbox.enqueue(hau, [Draft("sms", "079 123 45 68", "Hallo")], user="empfang", scheduled_at=start)
    outbox.withdraw(free.id, "empfang2")
    agenda.cancel_appointment(appointment, user="empfang3")
    [withdrawn] = audited("withdraw", message=free.id)
    assert (withdrawn.user, withdrawn.mandant_id) == ("empfang2", hau.id)
    [cancelled] = audited("appointment_cancel", appointment=appointment.id)
    assert cancelled.user == "empfang3" and json.loads(cancelled.detail)["withdrawn"] == [reminder.id]
    # the reminder the cancellation withdrew is audited as a withdrawal of its own
    [by_cancel] = audited("withdraw", message=reminder.id)
    assert by_cancel.user == "empfang3" and Message.get_by_id(reminder.id).status == "cancelled"


def test_audit_entries_carry_no_message_text(practice):
    hau, _ = practice
    [message] = outbox.enqueue(
        hau,
        [Draft("sms", "079 123 45 67", SECRET_TEXT)],
        user="empfang",
        scheduled_at=clock.now() + timedelta(days=1),
    )
    outbox.withdraw(message.id, "empfang")
    audit.record("empfang", "test")  # the helper itself takes ids and amounts only
    assert not any("XYZZY" in (e.detail or "") for e in AuditEntry.select())
