"""The cold start of `vitosms` / `vitosms ui`: what the start leaves unimported, and that it still works.

Each probe runs in a fresh interpreter, as the desk's start does.
"""

from __future__ import annotations

import json
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
    loaded = probe("import json, sys, vitosms_tui.core.db, vitosms_tui.core.models\n"
                   "print(json.dumps({'psycopg': 'psycopg' in sys.modules}))")
    assert loaded == {"psycopg": False}


def test_peewee_handed_psycopg_later_is_the_same_as_peewee_imported_with_it():
    plain = probe("import psycopg\n" + PEEWEE_STATE)
    handed = probe("import vitosms_tui.core.db as db\nimport peewee\nassert peewee.psycopg is None\n"
                   "db._give_peewee_psycopg()\n" + PEEWEE_STATE)
    assert plain["adapter"] == "Psycopg3Adapter"
    assert handed == plain


def test_peewee_imported_before_the_package_keeps_its_driver():
    state = probe("import peewee, vitosms_tui.core.db as db\ndb._give_peewee_psycopg()\n" + PEEWEE_STATE)
    assert state["adapter"] == "Psycopg3Adapter"
