"""Integration tests run on both databases: a SQLite file and PostgreSQL."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def db_path(backend, tmp_path, request):
    """Where the practice lives: a SQLite file, or a PostgreSQL URL (a str)."""
    if backend == "sqlite":
        return tmp_path / "practice.db"
    return request.getfixturevalue("pg_url")
