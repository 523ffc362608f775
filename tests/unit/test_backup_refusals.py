"""`vitosms backup` and `vitosms restore` on SQLite files: the round trip and every refusal."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from vitosms_tui.cli.main import main
from vitosms_tui.core import credits, outbox, sending
from vitosms_tui.core.db import open_database
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import Mandant
from vitosms_tui.core.schema import SCHEMA_VERSION


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def practice(db_path, mandant):
    """The mandant fixture's database with three queued SMS (so a ledger with spends)."""
    outbox.enqueue(mandant, [Draft("sms", f"+4179123456{i}", "Hallo") for i in range(3)], user="test")
    return db_path


def table_count(path, table):
    with sqlite3.connect(path) as conn:
        return conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]


def dump(path):
    """The database's whole content as SQL, read through SQLite."""
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def set_version(path, version):
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE setting SET value = ? WHERE key = 'schema_version'", (str(version),))


def leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


def test_backup_and_restore_into_a_new_file_keep_everything(practice, tmp_path, capsys):
    target = tmp_path / "nightly.db"
    code, out, err = run(capsys, "--db", practice, "--json", "backup", target)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["schema_version"] == SCHEMA_VERSION
    assert (summary["persons"], summary["messages"], summary["credit_entries"]) == (0, 3, 4)
    assert summary["size"] == target.stat().st_size
    assert target.stat().st_mode & 0o777 == 0o600
    assert leftovers(tmp_path) == []

    fresh = tmp_path / "restored.db"
    code, _, err = run(capsys, "--db", fresh, "restore", target)
    # a typo restores nothing
    assert code == 2
    assert "vitosms init" in err
    assert not fresh.exists()
    assert run(capsys, "--db", fresh, "init")[0] == 0
    code, out, err = run(capsys, "--db", fresh, "restore", target)
    assert code == 0, err
    assert (
        out.strip() == f"restored {target} (schema version {SCHEMA_VERSION}): 0 persons, 3 messages, 4 ledger entries"
    )
    assert fresh.stat().st_mode & 0o777 == 0o600
    open_database(str(fresh))
    assert credits.balance(1) == 100 - 3 * credits.tariff().cost("sms", 1)


def test_the_human_summary_of_a_backup_is_one_line(practice, tmp_path, capsys):
    code, out, _ = run(capsys, "--db", practice, "backup", tmp_path / "b.db")
    assert code == 0
    assert out.startswith(f"backup {tmp_path / 'b.db'}: schema version {SCHEMA_VERSION}, 0 persons, 3 messages")
    assert out.count("\n") == 1


def test_a_backup_replaces_an_older_backup_of_the_same_name(practice, tmp_path, capsys):
    target = tmp_path / "b.db"
    target.write_text("yesterday")
    assert run(capsys, "--db", practice, "backup", target)[0] == 0
    assert table_count(target, "message") == 3


@pytest.mark.parametrize(
    "target,needle",
    [
        ("missing-folder/b.db", "folder not found"),
        (".", "is a folder"),
        ("practice.db", "must not be the database itself"),
    ],
)
def test_backup_refusals(practice, tmp_path, capsys, monkeypatch, target, needle):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "--db", practice, "backup", target)
    assert code == 2
    assert needle in err
    assert err.count("\n") == 1
    assert table_count(practice, "message") == 3


def test_a_backup_of_a_database_that_is_not_there_creates_none(tmp_path, capsys):
    code, _, err = run(capsys, "--db", tmp_path / "nope.db", "backup", tmp_path / "b.db")
    assert code == 2
    assert "no database at" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_backup_of_another_sqlite_database_leaves_no_file(tmp_path, capsys):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    code, _, err = run(capsys, "--db", other, "backup", tmp_path / "b.db")
    assert code == 2
    assert "not a vitosms database" in err
    assert not (tmp_path / "b.db").exists()
    assert leftovers(tmp_path) == []


def _garbage(path):
    path.write_bytes(os.urandom(8192))


def _text(path):
    path.write_text("first_name;last_name\nAnna;Muster\n")


def _empty(path):
    path.write_bytes(b"")


def _other_database(path):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE person (x)")


def _cut_in_half(path, backup):
    data = backup.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _newer(path, backup):
    path.write_bytes(backup.read_bytes())
    set_version(path, SCHEMA_VERSION + 1)


@pytest.mark.parametrize(
    "make,needle",
    [
        (None, "backup not found"),
        (_garbage, "not a vitosms database"),
        (_text, "not a vitosms database"),
        (_empty, "not a vitosms database"),
        (_other_database, "not a vitosms database"),
        (_cut_in_half, "not a vitosms database"),
        (_newer, "newer than this program"),
    ],
)
def test_restore_refuses_what_is_no_backup_of_ours_and_changes_nothing(practice, tmp_path, capsys, make, needle):
    good = tmp_path / "good.db"
    assert run(capsys, "--db", practice, "backup", good)[0] == 0
    bad = tmp_path / "bad.db"
    if make in (_cut_in_half, _newer):
        make(bad, good)
    elif make is not None:
        make(bad)
    live = tmp_path / "live.db"
    assert run(capsys, "--db", live, "init")[0] == 0
    assert run(capsys, "--db", live, "restore", good)[0] == 0
    outbox.enqueue(Mandant.get_by_id(1), [Draft("sms", "+41791230000", "x")], user="test")
    # read through SQLite: opening and closing the live file by another route drops this process's locks
    before = dump(live)

    code, out, err = run(capsys, "--db", live, "--json", "restore", bad)
    assert code == 2, err
    assert needle in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert json.loads(out)["error"]["code"] == "usage"
    assert table_count(live, "message") == 4
    assert dump(live) == before


def test_restore_refuses_to_overwrite_a_database_that_is_not_ours(practice, tmp_path, capsys):
    good = tmp_path / "good.db"
    assert run(capsys, "--db", practice, "backup", good)[0] == 0
    foreign = tmp_path / "foreign.db"
    _other_database(foreign)
    code, _, err = run(capsys, "--db", foreign, "restore", good)
    assert code == 2
    assert "not overwriting" in err
    with sqlite3.connect(foreign) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("person",)]


def test_restore_is_refused_while_a_worker_holds_messages_unless_forced(practice, tmp_path, capsys):
    good = tmp_path / "good.db"
    assert run(capsys, "--db", practice, "backup", good)[0] == 0
    open_database(str(practice))
    outbox.enqueue(Mandant.get_by_id(1), [Draft("sms", "+41791230000", "x")], user="test")
    claimed = sending.claim("worker-1", 2, lease_seconds=600)
    assert len(claimed) == 2

    code, out, err = run(capsys, "--db", practice, "restore", good)
    assert code == 1
    assert "a worker is sending 2 message(s)" in err
    assert err.count("\n") == 1
    assert table_count(practice, "message") == 4

    code, out, err = run(capsys, "--db", practice, "--json", "restore", good, "--force")
    assert code == 0, err
    assert json.loads(out)["forced_over_leases"] == 2
    assert table_count(practice, "message") == 3


def test_an_expired_lease_does_not_stop_a_restore(practice, tmp_path, capsys):
    good = tmp_path / "good.db"
    assert run(capsys, "--db", practice, "backup", good)[0] == 0
    open_database(str(practice))
    assert sending.claim("worker-1", 1, lease_seconds=0.0)
    assert run(capsys, "--db", practice, "restore", good)[0] == 0


def test_an_older_backup_is_brought_up_to_date(practice, tmp_path, capsys):
    old = tmp_path / "old.db"
    assert run(capsys, "--db", practice, "backup", old)[0] == 0
    set_version(old, 1)
    assert run(capsys, "--db", tmp_path / "new.db", "init")[0] == 0
    code, out, err = run(capsys, "--db", tmp_path / "new.db", "--json", "restore", old)
    assert code == 0, err
    result = json.loads(out)
    assert (result["backup_schema_version"], result["schema_version"]) == (1, SCHEMA_VERSION)
    with sqlite3.connect(tmp_path / "new.db") as conn:
        assert conn.execute("SELECT value FROM setting WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )
