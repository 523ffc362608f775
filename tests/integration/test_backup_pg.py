"""`vitosms backup` and `vitosms restore` on PostgreSQL: round trip, refusals, the password kept off argv."""

from __future__ import annotations

import json
import os
import sqlite3
import sys

import pytest

from vitosms_tui.cli.main import main
from vitosms_tui.core import backup_pg, credits, mandanten, outbox, sending
from vitosms_tui.core.db import open_database
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import Message, Setting
from vitosms_tui.core.schema import SCHEMA_VERSION


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def practice(pg_url):
    open_database(pg_url)
    mandant = mandanten.add_mandant("HAU", "Dr. med. Anna Hauser", "Dr Hauser", user="test")
    credits.purchase(mandant, 100, user="test")
    outbox.enqueue(mandant, [Draft("sms", f"+4179123456{i}", "Hallo") for i in range(3)], user="test")
    return pg_url


def test_the_password_goes_to_the_tools_in_the_environment_not_on_the_command_line(tmp_path, monkeypatch):
    # a pg_dump that writes down how it was called
    fake = tmp_path / "pg_dump"
    fake.write_text(
        f"#!{sys.executable}\nimport json, os, sys\n"
        f"open({str(tmp_path / 'call.json')!r}, 'w').write(json.dumps("
        "{'argv': sys.argv, 'password': os.environ.get('PGPASSWORD')}))\nsys.exit(1)\n"
    )
    fake.chmod(0o700)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    url = "postgresql://praxis:s3cr%40t@db.praxis.example:5433/vitosms?sslmode=require"
    code = main(["--db", url, "backup", str(tmp_path / "b.backup")])
    assert code == 2
    call = json.loads((tmp_path / "call.json").read_text())
    assert call["password"] == "s3cr@t"
    assert not any("s3cr" in arg for arg in call["argv"])
    assert "--dbname=postgresql://praxis@db.praxis.example:5433/vitosms?sslmode=require" in call["argv"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_backup_and_restore_round_trip(practice, tmp_path, capsys):
    target = tmp_path / "nightly.backup"
    code, out, err = run(capsys, "--db", practice, "--json", "backup", target)
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["engine"], summary["schema_version"]) == ("postgresql", SCHEMA_VERSION)
    assert (summary["persons"], summary["messages"], summary["credit_entries"]) == (0, 3, 4)
    assert target.stat().st_mode & 0o777 == 0o600
    outbox.enqueue(mandanten.get_mandant("HAU"), [Draft("sms", "+41791230000", "x")], user="test")

    code, out, err = run(capsys, "--db", practice, "restore", target)
    assert code == 0, err
    assert "3 messages, 4 ledger entries" in out
    open_database(practice)
    assert Message.select().count() == 3
    assert credits.balance(mandanten.get_mandant("HAU")) == 100 - 3 * credits.tariff().cost("sms", 1)


def _garbage(path, _good):
    path.write_bytes(os.urandom(4096))


def _damaged(path, good):
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _sqlite_file(path, _good):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE setting (key, value)")


@pytest.mark.parametrize(
    "make,needle",
    [
        (_garbage, "not a vitosms backup"),
        (_damaged, "damaged"),
        (_sqlite_file, "backup of a SQLite database"),
    ],
)
def test_restore_refuses_what_is_no_dump_of_ours_and_changes_nothing(practice, tmp_path, capsys, make, needle):
    good = tmp_path / "good.backup"
    assert run(capsys, "--db", practice, "backup", good)[0] == 0
    bad = tmp_path / "bad.backup"
    make(bad, good)
    code, _, err = run(capsys, "--db", practice, "restore", bad)
    assert code == 2, err
    assert needle in err, err
    assert err.count("\n") == 1, err
    open_database(practice)
    assert Message.select().count() == 3


def test_restore_refuses_a_dump_of_a_newer_version(practice, tmp_path, capsys):
    Setting.update(value=str(SCHEMA_VERSION + 1)).where(Setting.key == "schema_version").execute()
    newer = tmp_path / "newer.backup"
    assert run(capsys, "--db", practice, "backup", newer)[0] == 0
    open_database(practice)
    Setting.update(value=str(SCHEMA_VERSION)).where(Setting.key == "schema_version").execute()
    code, _, err = run(capsys, "--db", practice, "restore", newer)
    assert code == 2
    assert "newer than this program" in err


def test_restore_is_refused_while_a_worker_holds_messages_unless_forced(practice, tmp_path, capsys):
    good = tmp_path / "good.backup"
    assert run(capsys, "--db", practice, "backup", good)[0] == 0
    open_database(practice)
    assert len(sending.claim("worker-1", 1, lease_seconds=600)) == 1
    code, _, err = run(capsys, "--db", practice, "restore", good)
    assert code == 1
    assert "a worker is sending 1 message(s)" in err
    code, out, err = run(capsys, "--db", practice, "--json", "restore", good, "--force")
    assert code == 0, err
    assert json.loads(out)["forced_over_leases"] == 1
    open_database(practice)
    assert Message.select().where(Message.status == "sending").count() == 0


def test_a_url_without_a_password_goes_to_the_tools_as_it_is(monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    bare, env = backup_pg.connection("postgresql://praxis@localhost/vitosms")
    assert bare == "postgresql://praxis@localhost/vitosms"
    assert "PGPASSWORD" not in env
