"""The database: opened from a URL or a path, with the pragmas the outbox needs.

SQLite runs in WAL mode so that terminals can read while a worker writes, with
foreign keys on and a busy timeout so that a short write lock waits instead of
failing. Files are created readable by their owner only: they hold patient
data.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import peewee

from .errors import UsageError

# Every model binds to this proxy; open_database() points it at a database.
database = peewee.DatabaseProxy()

BUSY_TIMEOUT_MS = 30_000


def _create_private_file(path: Path) -> None:
    """Create the file (and its folder) for the owner only, before SQLite does."""
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    # SQLite gives its -wal and -shm files the mode of the database file.
    os.chmod(path, 0o600)


def resolve_path(url_or_path: str) -> Path | None:
    """The SQLite file behind a URL or path; None for an in-memory database."""
    text = url_or_path.strip()
    if text in (":memory:", "sqlite://", "sqlite:///:memory:"):
        return None
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///"):]
    elif "://" in text:
        return None
    return Path(text).expanduser()


def open_database(url_or_path: str) -> peewee.Database:
    """Open the database and bind the models to it."""
    text = url_or_path.strip()
    if not text:
        raise UsageError("no database given: use --db or VITOSMS_DB")
    if text.startswith(("postgres://", "postgresql://")):
        raise UsageError("PostgreSQL is not supported yet: use a SQLite file")
    if "://" in text and not text.startswith("sqlite://"):
        raise UsageError(f"unknown database URL: {text!r}")
    path = resolve_path(text)
    if path is None:
        name = ":memory:"
    else:
        if path.is_dir():
            raise UsageError(f"database path is a folder: {path}")
        try:
            _create_private_file(path)
        except OSError as exc:
            raise UsageError(f"cannot create the database {path}: {exc.strerror}") from None
        name = str(path)
    db = peewee.SqliteDatabase(
        name,
        pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": BUSY_TIMEOUT_MS,
            "synchronous": "normal",
            "cache_size": -16_000,
        },
        timeout=BUSY_TIMEOUT_MS / 1000,
        returning_clause=True,
    )
    database.initialize(db)
    return db


def write_transaction():
    """A transaction that takes the write lock at once (``BEGIN IMMEDIATE``).

    Read-check-write sequences (spend credits, claim messages) must hold the
    lock from the first read, or two processes could both see the same last
    credit.
    """
    db = database.obj
    if isinstance(db, peewee.SqliteDatabase) and db.transaction_depth() == 0:
        return db.atomic("IMMEDIATE")
    return database.atomic()


@contextlib.contextmanager
def connection():
    """Hold a connection for the block (and close it after, for threads)."""
    db = database.obj
    opened = db.connect(reuse_if_open=True)
    try:
        yield db
    finally:
        if opened and not db.in_transaction():
            db.close()
