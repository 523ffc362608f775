"""No code of the package opens the live SQLite file by any route but SQLite.

On POSIX, closing any descriptor of a file drops all of the process's SQLite
locks on it; other processes then take the WAL away from under it (see
``core/db.py``). Here the database is opened and held, and then every command
of the command line runs in this process with ``open`` and ``os.open``
watched: none of them may touch the database file or its -wal/-shm.
"""

from __future__ import annotations

import builtins
import io
import json
import os

import pytest

from tests.processes import free_port
from vitosms_tui.cli import main as cli_main
from vitosms_tui.cli.main import main
from vitosms_tui.core.db import database, open_database
from vitosms_tui.core.models import Appointment, Person
from vitosms_tui.core.schema import migrate
from vitosms_tui.core.seed import seed_practice

NOW = "2026-11-27T09:00"


@pytest.fixture
def watched(tmp_path, monkeypatch):
    """A seeded practice held open, and the list of every open() of its files that follows."""
    if os.environ.get("VITOSMS_TEST_BACKEND") == "postgresql":
        pytest.skip("about the SQLite file")
    db = tmp_path / "practice.db"
    open_database(str(db))
    migrate()
    seed_practice(mandanten=2, persons=20, appointments=10, user="test")
    database.connect(reuse_if_open=True)
    live = {os.path.realpath(f"{db}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")}
    opened: list[str] = []

    def watch(real):
        def wrapper(file, *args, **kwargs):
            if isinstance(file, (str, bytes, os.PathLike)) and os.path.realpath(file) in live:
                opened.append(os.fspath(file))
            return real(file, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(os, "open", watch(os.open))
    monkeypatch.setattr(builtins, "open", watch(builtins.open))
    monkeypatch.setattr(io, "open", watch(io.open))
    return db, opened


def commands(tmp_path) -> dict[str, list[list[str]]]:
    """Argument lists that reach each command's use of the database."""
    person = Person.select().first().id
    appointment = Appointment.select().where(Appointment.status == "booked").first().id
    csv = tmp_path / "persons.csv"
    csv.write_text("Vorname;Name;Natel\nAnna;Neu;079 123 45 67\n", encoding="utf-8")
    backup = tmp_path / "backup.db"
    booked = Person.get_by_id(person)
    agenda_export = tmp_path / "termine.csv"
    agenda_export.write_text(
        "ID;Datum;Zeit;Dauer;Name;Vorname;Natel\n"
        f"1;07.12.2026;09:00;20;{booked.last_name};{booked.first_name};{booked.mobile}\n",
        encoding="utf-8",
    )
    return {
        "init": [["init"]],
        "seed": [["seed"]],  # refused: the practice is not empty
        "import-persons": [["import-persons", str(csv)]],
        "import-appointments": [["import-appointments", str(agenda_export), "--mandant", "HAU"]],
        # no calendar server listens there: refused after the database was opened
        "sync": [["sync", "caldav", f"http://127.0.0.1:{free_port()}/praxis/", "--mandant", "HAU"]],
        "mandant": [["mandant", "list"], ["mandant", "set", "HAU", "--lead-hours", "24"]],
        "staff": [["staff", "add", "--login", "neu", "--name", "Neu", "--role", "frontdesk"]],
        "person": [
            ["person", "list", "--search", "a"],
            ["person", "add", "--first", "B", "--last", "C", "--mobile", "079 765 43 21"],
        ],
        "send": [["send", "--mandant", "HAU", "--to", "+41791234567", "--text", "Guten Tag"]],
        "messages": [["messages"]],
        "inbox": [["inbox"], ["inbox", "--unread"]],
        "credits": [
            ["credits"],
            ["credits", "ledger", "--mandant", "HAU"],
            ["credits", "prices"],
            ["--user", "servicedesk", "credits", "order", "--mandant", "HAU", "--package", "1"],
        ],
        "appointment": [
            ["appointment", "show", str(appointment)],
            ["appointment", "remind", str(appointment)],
            ["appointment", "copy", str(appointment), "--start", "2026-12-03T10:00"],
            ["appointment", "move", str(appointment), "--start", "2026-12-04T10:00", "--reminder", "regenerate"],
            ["appointment", "cancel", str(appointment)],
            [
                "appointment",
                "add",
                "--mandant",
                "HAU",
                "--person",
                str(person),
                "--start",
                "2026-12-05T10:00",
                "--minutes",
                "30",
            ],
        ],
        "worker": [["worker", "--once"]],
        "recall": [
            [
                "recall",
                "add",
                "--person",
                str(person),
                "--mandant",
                "HAU",
                "--reason",
                "Kontrolle",
                "--due",
                "2026-12-01",
            ],
            ["recall", "due"],
        ],
        "automation": [["automation", "run"]],
        "backup": [["backup", str(backup)]],
        "restore": [["restore", str(backup), "--force"]],
        # the interface and the demo need a terminal: their use of the database is
        # checked below through the same steps they take before the app runs
        "ui": [["ui"]],
        "demo": [["demo"]],
        # serve opens the database as every command does, then serves: not started here
        "serve": [],
        # the SMSC simulator needs no database; its server is not started here
        "smsc": [["smsc", "reply", "--from", "+41791234567", "--text", "JA"]],
    }


def test_no_command_opens_the_live_database_file_by_another_route(watched, tmp_path, capsys):
    db, opened = watched
    argv_of = commands(tmp_path)
    every_command = {name for names in cli_main.COMMANDS_OF_MODULE.values() for name in names}
    assert set(argv_of) == every_command, "name the arguments of a new command here"
    state = tmp_path / "state"
    # refused by a rule or for want of a terminal; every other call must have done its work
    refused = {"seed": 1, "ui": 2, "demo": 2, "sync": 1}
    for name, argv_list in argv_of.items():
        for argv in argv_list:
            code = main(
                ["--db", str(db), "--now", NOW, "--state-dir", str(state), "--user", "empfang", "--json", *argv]
            )
            out, err = capsys.readouterr()
            assert code == refused.get(name, 0), (argv, err)
            assert opened == [], f"{argv} opened {opened}"
            if code == 0 and out.strip():
                json.loads(out)  # a whole answer: the command ran to its end


def test_the_demo_opening_its_practice_twice_opens_the_file_once(watched, tmp_path):
    from vitosms_tui.cli.context import Context
    from vitosms_tui.cli.demo import prepare_demo
    from vitosms_tui.core.config import load_settings

    db, opened = watched
    ctx = Context(db_url=str(db), settings=load_settings(None), user="empfang", state_dir=tmp_path / "s")
    prepare_demo(ctx)  # `vitosms demo` first opens (and seeds) the practice …
    ctx.open()  # … then the interface opens it again
    assert opened == []
    assert database.obj.database == str(db)
