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

(Person-supplied text on screen is covered by tests/unit/test_sanitize.py; what the command line
and the worker do as programs of their own is in tests/integration/test_security_cli.py.)
"""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta

import pytest

from vitosms_tui.core import agenda, audit, clock, credits, mandanten, outbox, persons
from vitosms_tui.core.db import open_database
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.errors import Refused
from vitosms_tui.core.models import ALL_MODELS, AuditEntry, Message, Staff
from vitosms_tui.core.schema import migrate
from vitosms_tui.delivery.gateways.base import Sms
from vitosms_tui.delivery.gateways.mock import MockGateway


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
AUDITED_AS = {
    "transfer credits": "transfer",
    "migrate the legacy balance": "migrate_legacy",
    "add a service-desk login": "staff_add",
}


@pytest.mark.parametrize("login", ["empfang", "someone-unknown"])
@pytest.mark.parametrize("action", list(SERVICE_DESK_ACTIONS))
def test_a_service_desk_action_is_refused_for_the_front_desk_and_leaves_nothing(practice, action, login):
    hau, mue = practice
    before = counts()
    with pytest.raises(Refused) as refused:
        SERVICE_DESK_ACTIONS[action](hau, mue, login)
    assert refused.value.code == "forbidden"
    assert "service desk" in refused.value.message
    assert counts() == before


@pytest.mark.parametrize("action", list(SERVICE_DESK_ACTIONS))
def test_the_service_desk_may(practice, action):
    hau, mue = practice
    before = counts()
    SERVICE_DESK_ACTIONS[action](hau, mue, "sd")
    assert counts() != before  # the action took place
    # and the audit trail says what was done and by whom
    done = AuditEntry.select().where((AuditEntry.user == "sd") & (AuditEntry.action == AUDITED_AS[action]))
    assert done.count() == 1


def test_the_first_service_desk_login_can_be_set_up_without_one(db):
    # a new practice has no service desk yet: someone must be able to name it
    mandanten.add_staff("sd", "Service Desk", "servicedesk", user="installer")
    assert Staff.get(Staff.login == "sd").role == "servicedesk"
    with pytest.raises(Refused):
        mandanten.add_staff("second", "Zweite", "servicedesk", user="installer")
    mandanten.add_staff("empfang2", "Empfang", "frontdesk", user="installer")  # front desk: anyone


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


def test_a_ledger_export_is_private(practice, tmp_path, loose_umask):
    ledger_export = pytest.importorskip("vitosms_tui.core.ledger_export")
    hau, _ = practice
    done = ledger_export.export_to_folder(hau, tmp_path / "state", ledger_export.period("all"))
    assert mode(done.path) == 0o600
    assert mode(done.path.parent) == 0o700


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


# --- logs --------------------------------------------------------------------------------------------------

SECRET_TEXT = "Befund Diabetes XYZZY"

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
    assert migration.user == "sd"
    assert json.loads(migration.detail)["shares"] == {"HAU": 6, "MUE": 5}


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
    assert cancelled.user == "empfang3"
    assert json.loads(cancelled.detail)["withdrawn"] == [reminder.id]
    # the reminder the cancellation withdrew is audited as a withdrawal of its own
    [by_cancel] = audited("withdraw", message=reminder.id)
    assert by_cancel.user == "empfang3"
    assert Message.get_by_id(reminder.id).status == "cancelled"


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
