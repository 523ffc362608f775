import os
import sqlite3
import stat

from vitosms_tui.core import clock
from vitosms_tui.core.db import open_database
from vitosms_tui.core.models import Mandant, Person
from vitosms_tui.core.schema import SCHEMA_VERSION, migrate, schema_version


def test_database_file_is_private_and_in_wal_mode(db, db_path):
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000
    Mandant.create(code="A", name="A", sender="A")  # creates the -wal file
    wal = db_path.with_name(db_path.name + "-wal")
    assert stat.S_IMODE(os.stat(wal).st_mode) == 0o600


def test_database_folder_created_owner_only(tmp_path):
    path = tmp_path / "new" / "practice.db"
    open_database(str(path))
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_init_is_idempotent(db):
    assert schema_version() == SCHEMA_VERSION
    again = migrate()
    assert again["from_version"] == SCHEMA_VERSION
    assert again["added_columns"] == []


def test_older_schema_is_upgraded_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.db"
    open_database(str(path))
    migrate()
    Mandant.create(code="A", name="Dr A", sender="DrA")
    Person.create(first_name="Anna", last_name="Müller")
    # make it look like version 1: no search column, no channel order yet
    raw = sqlite3.connect(path)
    raw.execute("DROP INDEX person_search_name")
    raw.execute("ALTER TABLE person DROP COLUMN search_name")
    raw.execute("ALTER TABLE mandant DROP COLUMN channel_order")
    raw.execute("UPDATE setting SET value = '1' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    open_database(str(path))
    assert schema_version() == 1
    result = migrate()
    assert result["from_version"] == 1
    assert "person.search_name" in result["added_columns"]
    person = Person.get()
    assert person.search_name == "muller anna"
    assert Mandant.get().channel_order == "sms,email"


def test_instants_stored_in_utc_compare_in_time_order(db):
    clock.set_now("2026-03-29T01:30")  # shortly before the spring change in Zurich
    Mandant.create(code="A", name="A", sender="A")
    stored = Mandant.get().created_at
    assert stored.utcoffset().total_seconds() == 0
    assert clock.local(stored).hour == 1
