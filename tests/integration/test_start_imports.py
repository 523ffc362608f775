"""The cold start of `vitosms` / `vitosms ui`: what the start leaves unimported, and that it still works.

Each probe runs in a fresh interpreter, as the desk's start does.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def probe(code: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


PEEWEE_STATE = """
import json
import peewee
db = peewee.PostgresqlDatabase("practice")  # not connected: only the driver choice
adapter = type(db._adapter)
print(json.dumps({"adapter": adapter.__name__, "json": repr(db._adapter.json_type),
                  "jsonb": repr(db._adapter.jsonb_type), "binary": repr(db._adapter.get_binary_type()),
                  "states": [int(adapter.txn_idle), int(adapter.txn_inerror), int(adapter.txn_unknown)],
                  "status": repr(peewee.TransactionStatus)}))
"""


def test_the_package_keeps_psycopg_unimported_until_a_postgresql_database_is_opened():
    loaded = probe(
        "import json, sys, vitosms_tui.core.db, vitosms_tui.core.models\n"
        "print(json.dumps({'psycopg': 'psycopg' in sys.modules}))"
    )
    assert loaded == {"psycopg": False}


def test_peewee_handed_psycopg_later_is_the_same_as_peewee_imported_with_it():
    plain = probe("import psycopg\n" + PEEWEE_STATE)
    handed = probe(
        "import vitosms_tui.core.db as db\nimport peewee\nassert peewee.psycopg is None\n"
        "db._give_peewee_psycopg()\n" + PEEWEE_STATE
    )
    assert plain["adapter"] == "Psycopg3Adapter"
    assert handed == plain


def test_peewee_imported_before_the_package_keeps_its_driver():
    state = probe("import peewee, vitosms_tui.core.db as db\ndb._give_peewee_psycopg()\n" + PEEWEE_STATE)
    assert state["adapter"] == "Psycopg3Adapter"


def test_the_interface_s_start_builds_only_its_own_command_and_loads_no_number_or_address_checks():
    loaded = probe(
        "import json, sys\nfrom vitosms_tui.cli.main import build_parser, modules_for\n"
        "args = build_parser(modules_for(['--db', 'practice.db', '--user', 'empfang'])).parse_args("
        "['--db', 'practice.db', '--user', 'empfang'])\n"
        "print(json.dumps({'command': args.command, 'loaded': sorted(m for m in sys.modules if m in "
        "('psycopg', 'phonenumbers', 'email_validator', 'vitosms_tui.cli.foundation'))}))"
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
