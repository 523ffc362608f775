"""`vitosms import-appointments` and `vitosms sync caldav` on the command line: answers and refusals."""

from __future__ import annotations

import json

import pytest

from tests.calendars import calendar, event
from vitosms_tui.cli.main import main
from vitosms_tui.core import persons
from vitosms_tui.core.models import Appointment

NOW = "2026-12-01T08:00"


@pytest.fixture
def cli(mandant, db_path, capsys):
    persons.add_person(persons.PersonInput(first_name="Anna", last_name="Muster", mobile="079 123 45 67"), user="t")

    def call(*argv):
        code = main(["--db", str(db_path), "--now", NOW, "--user", "desk", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_human_answer_names_the_counts_and_each_rejection(cli, tmp_path):
    export = tmp_path / "termine.csv"
    export.write_text(
        "ID;Datum;Zeit;Dauer;Name;Vorname\n1;03.12.2026;09:00;20;Muster;Anna\n2;03.12.2026;25:00;20;Muster;Anna\n",
        encoding="utf-8",
    )
    code, out, err = cli("import-appointments", str(export), "--mandant", "HAU", "--dry-run")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith("would be (dry run): added 1, moved 0, cancelled 0")
    assert out.splitlines()[1] == "line 3: time '25:00' is not HH:MM"
    assert Appointment.select().count() == 0
    code, out, _ = cli("import-appointments", str(export), "--mandant", "HAU", "--json")
    report = json.loads(out)
    assert code == 0
    assert report["added"] == 1
    assert report["rejected"][0]["line"] == 3
    assert set(report) >= {"added", "moved", "cancelled", "unchanged", "rejected"}


@pytest.mark.parametrize(
    "name, content, argv, code, needle",
    [
        ("a.ics", calendar(), [], 2, "give --mandant"),
        ("a.txt", b"x", ["--mandant", "HAU"], 2, "give an .ics or a .csv file"),
        ("a.ics", b"not a calendar", ["--mandant", "HAU"], 2, "not iCalendar"),
        ("a.ics", calendar(event("x", "20261203T090000", "")), ["--mandant", "NOPE"], 1, "NOPE"),
        ("a.ics", calendar(), ["--mandant", "HAU", "--moved", "later"], 2, "invalid choice"),
        ("a.csv", b"Datum;Zeit\n", ["--mandant", "HAU"], 2, "lacks the column"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(cli, tmp_path, name, content, argv, code, needle):
    path = tmp_path / name
    path.write_bytes(content)
    got, out, err = cli("import-appointments", str(path), *argv)
    assert got == code, err
    assert needle in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert Appointment.select().count() == 0


def test_a_missing_file_and_a_folder_are_refused(cli, tmp_path):
    assert cli("import-appointments", str(tmp_path / "nah.ics"), "--mandant", "HAU")[0] == 2
    folder = tmp_path / "x.ics"
    folder.mkdir()
    code, _, err = cli("import-appointments", str(folder), "--mandant", "HAU")
    assert code == 2
    assert "is a folder" in err


@pytest.mark.parametrize(
    "url, needle",
    [
        ("ftp://example.ch/cal", "not a CalDAV address"),
        ("http://calendar.example.ch/cal/", "https only"),
        ("https://anna:secret@calendar.example.ch/cal/", "--login"),
    ],
)
def test_sync_caldav_refuses_addresses_before_reaching_out(cli, url, needle):
    code, out, err = cli("sync", "caldav", url, "--mandant", "HAU")
    assert code == 2
    assert needle in err
    assert "secret" not in err


@pytest.mark.parametrize("every", ["-1", "10081", "ten"])
def test_sync_caldav_refuses_an_interval_out_of_range(cli, every):
    code, _, err = cli("sync", "caldav", "https://c.example.ch/", "--mandant", "HAU", "--every", every)
    assert code == 2
    assert "--every" in err


def test_sync_caldav_takes_no_password_on_the_command_line(cli):
    code, _, err = cli("sync", "caldav", "https://c.example.ch/", "--mandant", "HAU", "--password", "x")
    assert code == 2
    assert "unrecognized arguments" in err


def test_human_answer_names_the_visit_of_a_rejected_series(cli, tmp_path):
    export = tmp_path / "serie.ics"
    export.write_bytes(
        calendar(
            event(
                "kg", "20261207T100000", "", attendee="CN=Niemand Da:mailto:n@x.ch", extra="RRULE:FREQ=WEEKLY;COUNT=2"
            )
        )
    )
    code, out, _ = cli("import-appointments", str(export), "--mandant", "HAU")
    assert code == 0
    assert out.splitlines()[1:] == [
        "UID kg (2026-12-07 10:00): no person Niemand Da in the master data",
        "UID kg (2026-12-14 10:00): no person Niemand Da in the master data",
    ]
