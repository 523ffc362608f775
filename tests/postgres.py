"""A fresh PostgreSQL database per test, on the server named by VITOSMS_TEST_PG.

CI (``.ci/run``) installs PostgreSQL from Debian, starts it on loopback and sets
``VITOSMS_TEST_PG`` (a URL whose database is only used to create others) and
``VITOSMS_REQUIRE_PG=1``: there a missing server fails the run. Elsewhere the
PostgreSQL half of the suite is skipped with the reason.

Each test gets a database of its own, copied from a template that holds the
migrated schema (``CREATE DATABASE … TEMPLATE`` is faster than migrating), and
dropped after the test.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

SERVER_ENV = "VITOSMS_TEST_PG"
REQUIRED_ENV = "VITOSMS_REQUIRE_PG"


def server_url() -> str | None:
    return os.environ.get(SERVER_ENV) or None


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def _admin(url: str):
    import psycopg

    from vitosms_tui.core.db import postgresql_parameters

    return psycopg.connect(**postgresql_parameters(url), autocommit=True)


def unavailable(reason: str) -> None:
    if os.environ.get(REQUIRED_ENV) == "1":
        pytest.fail(f"PostgreSQL is required here ({REQUIRED_ENV}=1) but {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL: {reason}")


class Server:
    """Creates and drops the test databases of one pytest process."""

    def __init__(self, url: str):
        self.url = url
        self.prefix = f"vt_{uuid.uuid4().hex[:10]}"
        self.template: str | None = None
        self.made: list[str] = []

    def _template(self) -> str:
        if self.template is None:
            from vitosms_tui.core.db import open_database
            from vitosms_tui.core.schema import migrate

            name = f"{self.prefix}_template"
            with _admin(self.url) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            self.made.append(name)
            db = open_database(with_database(self.url, name))
            migrate()
            db.close_all()  # a template must have no connections left
            self.template = name
        return self.template

    def new_database(self, empty: bool = False) -> str:
        """A new database: migrated, or ``empty`` (as a practice's IT person creates it)."""
        template = "template0" if empty else self._template()
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        with _admin(self.url) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        if empty:
            self.made.append(name)
        return name

    def drop(self, name: str) -> None:
        import psycopg

        with _admin(self.url) as conn:
            try:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except psycopg.errors.InsufficientPrivilege:
                # a server process of another role (autovacuum) is on it: a test
                # database left behind costs nothing on a throwaway server
                pass

    def drop_all(self) -> None:
        for name in reversed(self.made):
            self.drop(name)


_server: Server | None = None


def server() -> Server:
    global _server
    url = server_url()
    if url is None:
        unavailable(f"{SERVER_ENV} names no server")
    if _server is None:
        try:
            with _admin(url):
                pass
        except Exception as exc:  # noqa: BLE001 - any reason to not reach it is the same for the tests
            unavailable(f"the server of {SERVER_ENV} cannot be reached: {' '.join(str(exc).split())}")
        _server = Server(url)
    return _server


def drop_all() -> None:
    if _server is not None:
        _server.drop_all()
