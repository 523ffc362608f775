"""A seeded practice in a real database and a helper to let workers finish.

The database is a SQLite file, or PostgreSQL with VITOSMS_TEST_BACKEND=postgresql
(see tests/conftest.py ``db_path``).
"""

from __future__ import annotations

import pytest

from vitosms_tui.core import clock
from vitosms_tui.core.config import Settings
from vitosms_tui.core.db import open_database
from vitosms_tui.core.schema import migrate
from vitosms_tui.core.seed import seed_practice

FIXED_NOW = "2026-11-27T09:00"


@pytest.fixture
def practice(db_path):
    """300 generated persons, three Mandanten (DUB, HAU, ROS), the clock at 27.11.2026 09:00."""
    clock.set_now(FIXED_NOW)
    path = db_path
    database = open_database(str(path))
    migrate()
    seed_practice(mandanten=3, persons=300, seed=1, user="seed")
    yield str(path)
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
