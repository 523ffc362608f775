"""The cold start of `vitosms` / `vitosms ui`: what the start leaves unimported, and that it still works.

Each probe runs in a fresh interpreter, as the desk's start does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def probe(code: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


# first on PYTHONPATH: an interpreter without PostgreSQL's driver, as a SQLite practice installs the package
WITHOUT_DRIVER = ROOT / "tests" / "without_postgresql_driver"


def without_driver(args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(WITHOUT_DRIVER)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)


def test_a_sqlite_practice_runs_without_postgresql_s_driver(tmp_path):
    db = tmp_path / "practice.db"
    result = without_driver(
        [
            "-c",
            "import json, sys\nfrom vitosms_tui.core.db import open_database\n"
            "from vitosms_tui.core.schema import migrate\n"
            f"open_database({str(db)!r})\nmigrate()\n"
            "print(json.dumps({'psycopg': 'psycopg' in sys.modules}))",
        ]
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"psycopg": False}


def test_a_postgresql_url_without_the_driver_is_refused_in_one_line_naming_the_extra():
    result = without_driver(
        ["-m", "vitosms_tui.cli.main", "--db", "postgresql://vitosms@127.0.0.1:9/practice", "mandant", "list"]
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "pip install 'vitosms-tui[postgresql]'" in result.stderr


def test_with_the_driver_installed_peewee_uses_psycopg_3():
    state = probe(
        "import json, peewee\n"
        "print(json.dumps({'adapter': type(peewee.PostgresqlDatabase('practice')._adapter).__name__}))"
    )
    assert state == {"adapter": "Psycopg3Adapter"}


def test_the_interface_s_start_builds_only_its_own_command_and_loads_no_number_or_address_checks():
    loaded = probe(
        "import json, sys\nfrom vitosms_tui.cli.main import build_parser, modules_for\n"
        "args = build_parser(modules_for(['--db', 'practice.db', '--user', 'empfang'])).parse_args("
        "['--db', 'practice.db', '--user', 'empfang'])\n"
        "print(json.dumps({'command': args.command, 'loaded': sorted(m for m in sys.modules if m in "
        "('phonenumbers', 'email_validator', 'vitosms_tui.cli.foundation'))}))"
    )
    assert loaded == {"command": None, "loaded": []}


def test_each_module_adds_the_commands_listed_for_it():
    import argparse
    import importlib

    from vitosms_tui.cli import main

    for module, commands in main.COMMANDS_OF_MODULE.items():
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"vitosms_tui.cli.{module}").register(sub, main._common_options())
        assert tuple(sub.choices) == commands, module


def test_the_command_is_found_behind_the_global_options_as_argparse_reads_them():
    from vitosms_tui.cli.main import modules_for

    assert modules_for([]) == ("ui_command",)
    assert modules_for(["--db", "x.db", "--json"]) == ("ui_command",)
    assert modules_for(["--now", "send"]) == ("ui_command",)  # "send" is the time given, as argparse takes it
    assert modules_for(["--db=x.db", "--us", "sd", "ui"]) == ("ui_command",)
    assert modules_for(["--db", "x.db", "send", "--to", "+41791234567"]) == ("messaging",)
    assert modules_for(["mandant", "list", "--json"]) == ("foundation",)
    for unsure in (["--help"], ["-h"], ["bogus"], ["--bogus", "ui"], ["--db"], ["--", "ui"]):
        assert modules_for(unsure) is None, unsure


def test_help_still_lists_every_command():
    from vitosms_tui.cli import main

    result = subprocess.run(
        [sys.executable, "-m", "vitosms_tui.cli.main", "--help"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    for commands in main.COMMANDS_OF_MODULE.values():
        for command in commands:
            # a long name gets its help on the next line
            assert re.search(rf"\n    {command}[ \n]", result.stdout), command


def test_the_agenda_s_start_leaves_its_dialogs_the_person_picker_babel_and_automation_unimported():
    loaded = probe(
        "import json, sys\nfrom vitosms_tui.ui.app import VitoSmsApp\nimport vitosms_tui.ui.screens.agenda\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('babel', 'vitosms_tui.ui.modals')) "
        "or m in ('vitosms_tui.ui.widgets.person_picker', 'vitosms_tui.core.automation'))))"
    )
    assert loaded == []
