"""Shared fixtures: a real database per test and a clock that is put back.

``db`` is a SQLite file; in tests/integration it is also a PostgreSQL database
(the ``backend`` parameter, see tests/postgres.py).
"""

from __future__ import annotations

import os

import pytest

from vitosms_tui.core import clock
from vitosms_tui.core.db import open_database
from vitosms_tui.core.schema import migrate


@pytest.fixture(autouse=True)
def _real_clock_after_test():
    yield
    clock.set_now(None)


@pytest.fixture(autouse=True)
def _umask_put_back():
    """``vitosms`` run in-process sets the owner-only umask of the program for
    good; later tests of the same worker (the SSH login's install tree, built
    as an administrator would) must start from the worker's own umask again."""
    umask = os.umask(0o022)
    os.umask(umask)
    yield
    os.umask(umask)


@pytest.fixture
def db_path(tmp_path, request):
    """The practice database: a SQLite file, or with VITOSMS_TEST_BACKEND=postgresql
    a PostgreSQL database for every test that does not need a file."""
    if os.environ.get("VITOSMS_TEST_BACKEND") == "postgresql":
        return request.getfixturevalue("pg_url")
    return tmp_path / "practice.db"


@pytest.fixture
def pg_url():
    """The URL of a new, migrated, empty PostgreSQL database (dropped after the test)."""
    from tests import postgres

    server = postgres.server()
    name = server.new_database()
    yield postgres.with_database(server.url, name)
    from vitosms_tui.core.db import database

    if database.obj is not None and hasattr(database.obj, "close_all"):
        database.obj.close_all()
    server.drop(name)


def pytest_sessionfinish(session, exitstatus):
    from tests import postgres

    postgres.drop_all()


@pytest.fixture
def db(db_path):
    """An empty, migrated practice database in a file."""
    database = open_database(str(db_path))
    migrate()
    yield database
    getattr(database, "close_all", database.close)()


@pytest.fixture
def mandant(db):
    """Mandant HAU with 100 credits."""
    from vitosms_tui.core import credits, mandanten

    m = mandanten.add_mandant("HAU", "Dr. med. Anna Hauser", "Dr Hauser", user="test")
    credits.purchase(m, 100, user="test", note="test credits")
    return m
