"""Integration tests run on both databases: a SQLite file and PostgreSQL."""

from __future__ import annotations

import subprocess

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


@pytest.fixture
def tmux(tmp_path):
    """A tmux server of the test's own (its socket in the test's folder), killed after."""
    socket_path = tmp_path / "tmux.sock"

    def call(*args, check=True):
        return subprocess.run(["tmux", "-S", str(socket_path), *args], capture_output=True, text=True, check=check)

    yield call
    call("kill-server", check=False)
