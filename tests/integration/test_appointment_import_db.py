"""`vitosms import-appointments` as a subprocess on SQLite and PostgreSQL: a database of
schema version 2 gains the external ids, and a second import duplicates nothing."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.calendars import calendar, event
from vitosms_tui.core import persons
from vitosms_tui.core.db import database, open_database
from vitosms_tui.core.models import Appointment

NOW = "2026-12-01T08:00"


def vitosms(db, *args):
    return subprocess.run(
        [sys.executable, "-m", "vitosms_tui.cli.main", "--db", str(db), "--now", NOW, "--json", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_version_2_database_is_upgraded_and_imports_twice_without_duplicates(mandant, db_path, tmp_path):
    persons.add_person(persons.PersonInput(first_name="Anna", last_name="Muster", mobile="079 123 45 67"), user="t")
    # as version 2 left it: no external ids on appointments, no calendar table
    for statement in (
        "DROP INDEX appointment_mandant_id_source_external_id",
        "ALTER TABLE appointment DROP COLUMN source",
        "ALTER TABLE appointment DROP COLUMN external_id",
        "ALTER TABLE appointment DROP COLUMN external_version",
        "DROP TABLE calendar_sync",
        "UPDATE setting SET value = '2' WHERE key = 'schema_version'",
    ):
        database.obj.execute_sql(statement)
    getattr(database.obj, "close_all", database.obj.close)()
    init = vitosms(db_path, "init")
    assert init.returncode == 0, init.stderr
    result = json.loads(init.stdout)
    assert result["from_version"] == 2
    assert {"appointment.source", "appointment.external_id"} <= set(result["added_columns"])

    export = tmp_path / "woche.ics"
    export.write_bytes(
        calendar(
            event("a1", "20261203T090000", "20261203T093000", attendee="CN=Anna Muster:tel:+41791234567"),
            event("a2", "20261203T100000", "", attendee="CN=Niemand Unbekannt:mailto:n@example.ch"),
        )
    )
    first = vitosms(db_path, "import-appointments", str(export), "--mandant", "HAU")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["added"] == 1
    assert report["rejected"] == [
        {"uid": "a2", "start": "2026-12-03T10:00:00+01:00", "reason": "no person Niemand Unbekannt in the master data"}
    ]
    second = json.loads(vitosms(db_path, "import-appointments", str(export), "--mandant", "HAU").stdout)
    assert (second["added"], second["unchanged"]) == (0, 1)
    open_database(str(db_path))
    [kept] = Appointment.select()
    assert (kept.source, kept.external_id) == ("ical", "a1")
