"""Careless input of an administrator: endless files, broken settings, odd values.

Each answer is one line with exit code 1 or 2 and changes nothing; none is a
traceback, none fills the memory. (Endless files read by `vitosms` as a process of its
own, under a memory limit, are in tests/integration/test_careless_input_cli.py.)
"""

from __future__ import annotations

import pytest

from vitosms_tui.cli.main import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("vitosms: "), err
    assert "Traceback" not in err, err
    return lines[0]


# --- files that are no file ----------------------------------------------------------------------


def test_import_of_a_folder_or_a_missing_file(capsys, tmp_path):
    db = str(tmp_path / "practice.db")
    assert run(capsys, "--db", db, "init")[0] == 0
    code, _out, err = run(capsys, "--db", db, "import-persons", str(tmp_path))
    assert code == 2
    assert "is a folder" in one_line(err)
    code, _out, err = run(capsys, "--db", db, "import-persons", str(tmp_path / "nope.csv"))
    assert code == 2
    assert "not found" in one_line(err)


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch):
    for name in ("VITOSMS_CONFIG", "VITOSMS_SMTP_HOST", "VITOSMS_SMTP_PORT", "VITOSMS_DB"):
        monkeypatch.delenv(name, raising=False)


# --- settings checked when loaded ------------------------------------------------------------

BAD_SETTINGS = [
    ("[smtp]\nport = 99999\n", "[smtp] port = 99999: is not a port number"),
    ("[smtp]\nport = 0\n", "[smtp] port = 0: is not a port number"),
    ('[smtp]\nsender = "praxis@example.ch\\r\\nBcc: all@example.ch"\n', "[smtp] sender = 'praxis@example.ch\\r\\nBcc"),
    ('[smtp]\nsender = "Praxis <praxis@example.ch>"\n', "is not one e-mail address"),
    ('[smtp]\nhost = "mail example ch"\n', "[smtp] host = 'mail example ch': is not a host name"),
    ("[smtp]\ntimeout = 0\n", "[smtp] timeout = 0.0: must be between 1 and 600"),
    ('[smtp]\npassword = "geheim\\nnoch"\n', "[smtp] password = (hidden): must be one line"),
    ("[delivery]\nlease_seconds = 0\n", "[delivery] lease_seconds = 0.0: must be between 1 and"),
    ("[delivery]\nmax_attempts = 0\n", "[delivery] max_attempts = 0: must be between 1 and 100"),
    ("[delivery]\nmax_sms_parts = 0\n", "[delivery] max_sms_parts = 0: must be between 1 and 10"),
    ("[delivery]\nbatch_size = 0\n", "[delivery] batch_size = 0"),
    ("[delivery]\nbackoff_seconds = 60\nbackoff_max_seconds = 5\n", "backoff_max_seconds = 5.0: must not be below"),
    ('[agenda]\nday_start = "25:00"\n', "[agenda] day_start = '25:00': is not a time of day"),
    ('[agenda]\nday_start = "18:00"\nday_end = "08:00"\n', "[agenda] day_end = '08:00': must be after"),
]


@pytest.mark.parametrize(("text", "reason"), BAD_SETTINGS)
def test_a_bad_setting_is_refused_at_load_naming_key_and_value(capsys, tmp_path, text, reason):
    config = tmp_path / "vitosms.toml"
    config.write_text(text)
    db = str(tmp_path / "practice.db")
    assert run(capsys, "--db", db, "init")[0] == 0
    for command in (["messages"], ["worker", "--once"]):
        code, _out, err = run(capsys, "--db", db, "--config", str(config), *command)
        assert code == 2
        assert reason in one_line(err)
        assert "geheim" not in err


def test_bad_smtp_environment_is_refused(capsys, tmp_path, monkeypatch):
    db = str(tmp_path / "practice.db")
    assert run(capsys, "--db", db, "init")[0] == 0
    monkeypatch.setenv("VITOSMS_SMTP_PORT", "99999")
    code, _out, err = run(capsys, "--db", db, "messages")
    assert code == 2
    assert "VITOSMS_SMTP_PORT = '99999'" in one_line(err)
    monkeypatch.delenv("VITOSMS_SMTP_PORT")
    monkeypatch.setenv("VITOSMS_SMTP_HOST", "mail\r\nhost")
    code, _out, err = run(capsys, "--db", db, "messages")
    assert code == 2
    assert "VITOSMS_SMTP_HOST" in one_line(err)


def test_the_worker_unit_does_not_restart_on_a_configuration_error():
    from pathlib import Path

    unit = (Path(__file__).resolve().parents[2] / "deploy" / "vitosms-worker.service").read_text()
    lines = [line.strip() for line in unit.splitlines()]
    assert "Restart=on-failure" in lines
    assert "RestartPreventExitStatus=2" in lines


# --- what used to be a traceback ---------------------------------------------------------------


def test_a_postgresql_url_with_an_unbalanced_bracket_is_one_line_without_the_password(capsys):
    code, _out, err = run(capsys, "--db", "postgresql://praxis:geheim@[::1/vitosms", "messages")
    assert code == 2
    assert "the PostgreSQL URL is not valid" in one_line(err)
    assert "geheim" not in err
    assert "praxis:***@" in err


def test_a_schema_version_that_is_not_a_number(capsys, tmp_path):
    import sqlite3

    db = str(tmp_path / "practice.db")
    assert run(capsys, "--db", db, "init")[0] == 0
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE setting SET value = 'zwei' WHERE key = 'schema_version'")
    for command in (["messages"], ["init"]):
        code, _out, err = run(capsys, "--db", db, *command)
        assert code == 2
        assert "schema version 'zwei' is not a number" in one_line(err)


def test_a_state_folder_the_worker_cannot_write(capsys, tmp_path):
    db = str(tmp_path / "practice.db")
    assert run(capsys, "--db", db, "init")[0] == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for state in (blocker, blocker / "state"):
        code, _out, err = run(capsys, "--db", db, "--state-dir", str(state), "worker", "--once")
        assert code == 2
        assert f"the state folder {state}" in one_line(err)


# --- small ones --------------------------------------------------------------------------------


@pytest.fixture
def desk(capsys, tmp_path):
    """A practice on the command line: Mandant HAU with credits, one person with a mobile."""
    db = str(tmp_path / "practice.db")

    def call(*argv: str) -> tuple[int, str, str]:
        return run(capsys, "--db", db, "--now", "2026-11-27T09:00", "--user", "empfang", *argv)

    assert call("init")[0] == 0
    assert call("mandant", "add", "--code", "HAU", "--name", "Dr. Hauser")[0] == 0
    assert call("staff", "add", "--login", "sd", "--name", "Service", "--role", "servicedesk")[0] == 0
    assert run(capsys, "--db", db, "--user", "sd", "credits", "order", "--mandant", "HAU", "--package", "1")[0] == 0
    return call


def test_an_empty_send_time_is_not_now(desk):
    code, _out, err = desk("send", "--mandant", "HAU", "--to", "+41791234567", "--text", "Hallo", "--at", "")
    assert code == 2
    assert "--at is empty" in one_line(err)
    code, out, _err = desk("--json", "messages")
    assert code == 0
    assert out.strip() == "[]"


@pytest.mark.parametrize("number", ["079 123 45 67 ext 5", "+41 79 123 45 67 x5", "079 123 45 67 #5"])
def test_a_number_with_an_extension_is_refused_not_shortened(desk, number):
    code, _out, err = desk("send", "--mandant", "HAU", "--to", number, "--text", "Hallo")
    assert code == 1
    assert "extension" in one_line(err)
    code, _out, err = desk("person", "add", "--first", "Anna", "--last", "Muster", "--mobile", number)
    assert code == 1
    assert "extension" in one_line(err)
    assert desk("--json", "person", "list")[1].strip() == "[]"


def test_a_subject_with_an_invisible_override_is_refused_for_what_it_is(desk):
    code, _out, err = desk(
        "send", "--mandant", "HAU", "--to", "anna@example.ch", "--text", "Hallo", "--subject", "Termin \u202egnuhcsteR"
    )
    assert code == 1
    line = one_line(err)
    assert "U+202E" in line
    assert "RIGHT-TO-LEFT OVERRIDE" in line
    assert "one line" not in line


# --- ordering costs money: only with the right -----------------------------------------------------


def test_credits_order_needs_the_service_desk_or_the_right_to_order(desk):
    from vitosms_tui.core.models import AuditEntry, CreditEntry, Order

    before = (Order.select().count(), CreditEntry.select().count())
    code, out, err = desk("--json", "credits", "order", "--mandant", "HAU", "--package", "4")
    assert code == 1
    assert "--may-order" in one_line(err)
    assert '"code": "forbidden"' in out
    assert (Order.select().count(), CreditEntry.select().count()) == before
    # granting the right is a service-desk action once the practice has a service desk
    code, _out, err = desk("staff", "add", "--login", "mia", "--name", "Mia", "--role", "frontdesk", "--may-order")
    assert code == 1
    assert "only the service desk" in one_line(err)
    code, out, _err = desk(
        "--json",
        "--user",
        "sd",
        "staff",
        "add",
        "--login",
        "mia",
        "--name",
        "Mia",
        "--role",
        "frontdesk",
        "--may-order",
    )
    assert code == 0
    assert '"may_order": true' in out
    code, _out, _err = desk("--user", "mia", "credits", "order", "--mandant", "HAU", "--package", "1")
    assert code == 0
    assert Order.select().count() == before[0] + 1
    # audited like transfers: who, which Mandant, what it cost
    entry = AuditEntry.select().where(AuditEntry.action == "order").order_by(AuditEntry.id.desc()).get()
    assert entry.user == "mia"
    assert '"price_rappen"' in entry.detail
    granted = AuditEntry.select().where(AuditEntry.action == "staff_add").order_by(AuditEntry.id.desc()).get()
    assert granted.user == "sd"
    assert '"may_order": true' in granted.detail


def test_staff_add_takes_the_own_email_address_and_refuses_a_bad_one(desk):
    code, _out, err = desk(
        "--user",
        "sd",
        "staff",
        "add",
        "--login",
        "eva",
        "--name",
        "Eva",
        "--role",
        "frontdesk",
        "--email",
        "eva@praxis\r\nBcc: x",
    )
    assert code == 1
    assert "not a valid e-mail address" in one_line(err)
    code, out, _err = desk(
        "--json",
        "--user",
        "sd",
        "staff",
        "add",
        "--login",
        "eva",
        "--name",
        "Eva",
        "--role",
        "frontdesk",
        "--email",
        " Eva@Praxis.example ",
    )
    assert code == 0
    assert '"email": "Eva@praxis.example"' in out
