"""A seeded practice in a real database and a helper to let workers finish.

The database is a SQLite file, or PostgreSQL with VITOSMS_TEST_BACKEND=postgresql
(see tests/conftest.py ``db_path``).
"""

from __future__ import annotations

import os
import shutil

import pytest

from vitosms_tui.core import clock
from vitosms_tui.core.config import Settings
from vitosms_tui.core.db import open_database
from vitosms_tui.core.schema import migrate
from vitosms_tui.core.seed import seed_practice

FIXED_NOW = "2026-11-27T09:00"
# 300 generated persons, three Mandanten (DUB, HAU, ROS)
SEEDED = {"mandanten": 3, "persons": 300, "seed": 1, "user": "seed"}


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory):
    """The seeded practice in a SQLite file, made once per session (once per xdist worker).

    Seeding 300 persons takes seconds on a loaded machine; copying the file takes
    milliseconds. Every test still gets a database of its own (``practice``).
    """
    path = tmp_path_factory.mktemp("seeded") / "practice.db"
    clock.set_now(FIXED_NOW)
    database = open_database(str(path))
    try:
        migrate()
        seed_practice(**SEEDED)
        # move everything from the WAL into the file itself, so that the file alone is the whole practice
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        database.close()
        clock.set_now(None)
    return path


@pytest.fixture
def practice(db_path, request):
    """A fresh copy of the seeded practice, the clock at 27.11.2026 09:00.

    On PostgreSQL (VITOSMS_TEST_BACKEND=postgresql) each test seeds its own database as before.
    """
    if isinstance(db_path, str):
        clock.set_now(FIXED_NOW)
        database = open_database(db_path)
        migrate()
        seed_practice(**SEEDED)
    else:
        # the template is made on the first use, and puts the clock back to real time when done
        template = request.getfixturevalue("seeded_template")
        shutil.copyfile(template, db_path)
        os.chmod(db_path, 0o600)
        clock.set_now(FIXED_NOW)
        database = open_database(str(db_path))
    yield str(db_path)
    database.close()


@pytest.fixture
def make_app(practice):
    from vitosms_tui.ui.app import VitoSmsApp

    def make(language: str = "de", **kwargs):
        settings = Settings()
        settings.ui_language = language
        return VitoSmsApp(user="empfang", settings=settings, db_url=practice, **kwargs)

    return make


@pytest.fixture(autouse=True)
def _answers_stay_while_a_test_reads_them(monkeypatch):
    """An answer line fades after seconds; a loaded machine must not let it go before the
    test reads it (tests/ui/test_message_line.py shortens the time again to see it go)."""
    from vitosms_tui.ui.widgets import message_line

    monkeypatch.setattr(message_line, "DONE_SECONDS", 600.0)
    monkeypatch.setattr(message_line, "ERROR_SECONDS", 600.0)
