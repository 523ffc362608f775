"""Shared fixtures: a real SQLite file per test and a clock that is put back."""

from __future__ import annotations

import pytest

from vitosms_tui.core import clock
from vitosms_tui.core.db import open_database
from vitosms_tui.core.schema import migrate


@pytest.fixture(autouse=True)
def _real_clock_after_test():
    yield
    clock.set_now(None)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "practice.db"


@pytest.fixture
def db(db_path):
    """An empty, migrated practice database in a file."""
    database = open_database(str(db_path))
    migrate()
    yield database
    database.close()


@pytest.fixture
def mandant(db):
    """Mandant HAU with 100 credits."""
    from vitosms_tui.core import credits, mandanten

    m = mandanten.add_mandant("HAU", "Dr. med. Anna Hauser", "Dr Hauser", user="test")
    credits.purchase(m, 100, user="test", note="test credits")
    return m
