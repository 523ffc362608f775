"""The database: opened from a URL or a path, with the settings the outbox needs.

SQLite (a path, or ``sqlite:///path``) serves one practice server: it runs in WAL
mode so that terminals can read while a worker writes, with foreign keys on and
a busy timeout so that a short write lock waits instead of failing. Files are
created readable by their owner only: they hold patient data.

PostgreSQL (``postgresql://user[:password]@host[:port]/dbname``) serves several
sites or terminals that run the program on machines of their own. The code is
the same on both; the few places where they differ are here and in the claim of
due messages (:func:`is_postgresql`). Its driver, psycopg, is the package's
``postgresql`` extra: a SQLite practice goes without it (peewee imports it at
its own import whenever it is installed, which slows every start).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import peewee
from playhouse.pool import PooledPostgresqlDatabase

from .errors import UsageError

_Query = TypeVar("_Query", bound=peewee.Select)

# Every model binds to this proxy; open_database() points it at a database.
database = peewee.DatabaseProxy()

BUSY_TIMEOUT_MS = 30_000
# Any fixed number: the key of the PostgreSQL lock that write_transaction takes.
WRITE_LOCK_KEY = 0x7715_0515


def _create_private_file(path: Path) -> None:
    """Create a new, empty database file (and its folder) for the owner only.

    Only ever for a file that does not exist yet: on POSIX, closing *any*
    descriptor of a file drops *all* of this process's SQLite locks on it, so
    the live database is never opened here by any route but SQLite. Another
    process winning the race to create it is fine (``O_EXCL`` leaves its file).
    """
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _keep_private(path: Path) -> None:
    """Take group and other rights off an existing database file, by its path.

    SQLite gives its -wal and -shm files the mode of the database file. chmod
    works on the path and opens nothing, so SQLite's locks are safe.
    """
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    except PermissionError:
        pass  # another account's file: its owner decides; SQLite still opens it


def resolve_path(url_or_path: str) -> Path | None:
    """The SQLite file behind a URL or path; None for an in-memory database."""
    text = url_or_path.strip()
    if text in (":memory:", "sqlite://", "sqlite:///:memory:"):
        return None
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    elif "://" in text:
        return None
    return Path(text).expanduser()


def is_postgresql(db: peewee.Database | None = None) -> bool:
    return isinstance(db if db is not None else database.obj, peewee.PostgresqlDatabase)


def postgresql_parameters(url: str) -> dict[str, str | int]:
    """Connection parameters of a ``postgresql://`` URL (psycopg's names)."""
    try:
        parts = urlsplit(url)
    except ValueError as error:  # e.g. "Invalid IPv6 URL" for an unbalanced [
        raise UsageError("usage.postgresql_url_valid", error=error, url=redact(url)) from None
    name = unquote(parts.path.lstrip("/"))
    if not name or "/" in name:
        raise UsageError("usage.postgresql_url_names", url=redact(url))
    try:
        port = parts.port
    except ValueError:
        raise UsageError("usage.postgresql_url_bad", url=redact(url)) from None
    params: dict[str, str | int] = {"dbname": name}
    for key, value in (
        ("user", parts.username),
        ("password", parts.password),
        ("host", parts.hostname),
        ("port", port),
    ):
        if value:
            params[key] = unquote(value) if isinstance(value, str) else value
    for pair in filter(None, parts.query.split("&")):
        key, _, value = pair.partition("=")
        params[unquote(key)] = unquote(value)  # sslmode=require, connect_timeout=5, …
    return params


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not parseable: hide whatever stands between "user:" and "@"
        return re.sub(r"(://[^/@:]*:)[^@]*@", r"\1***@", url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _check_driver() -> None:
    """Refuse a PostgreSQL URL in one line when the ``postgresql`` extra is not installed."""
    try:
        import psycopg  # noqa: F401  (peewee imported it already when it is installed)
    except ImportError:
        raise UsageError("usage.postgresql_driver_missing") from None


def _open_postgresql(url: str) -> peewee.Database:
    params = postgresql_parameters(url)
    _check_driver()
    params.setdefault("connect_timeout", 10)
    params.setdefault("application_name", "vitosms")
    name = str(params.pop("dbname"))
    # a pool: the screens open and close a connection for each read, which would
    # otherwise cost a log-in to the server every time
    db: peewee.Database = PooledPostgresqlDatabase(name, max_connections=16, stale_timeout=300, **params)
    database.initialize(db)
    try:
        db.connect(reuse_if_open=True)
    except peewee.OperationalError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise UsageError("usage.cannot_connect_postgresql", url=redact(url), reason=reason) from None
    db.close()
    return db


def open_database(url_or_path: str, create: bool = True) -> peewee.Database:
    """Open the database and bind the models to it.

    ``create=False`` refuses a SQLite file that does not exist yet, so that a
    typo in a path never opens an empty practice. Opening the SQLite file that
    is open already is a no-op: a second handle on the live file would be
    another way to lose SQLite's locks (see :func:`_create_private_file`).
    """
    text = url_or_path.strip()
    if not text:
        raise UsageError("usage.database_given_db")
    if text.startswith(("postgres://", "postgresql://")):
        return _open_postgresql(text)
    if "://" in text and not text.startswith("sqlite://"):
        raise UsageError("usage.unknown_database_url", text=text)
    path = resolve_path(text)
    if path is None:
        name = ":memory:"
    else:
        path = path.absolute()
        if path.is_dir():
            raise UsageError("usage.database_path_folder", path=path)
        current = database.obj
        if isinstance(current, peewee.SqliteDatabase) and current.database == str(path):
            return current
        if not path.exists():
            if not create:
                raise UsageError("usage.database_check_db", path=path)
            try:
                _create_private_file(path)
            except OSError as exc:
                raise UsageError("usage.cannot_create_database", path=path, reason=exc.strerror) from None
        else:
            _keep_private(path)
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


def write_transaction() -> contextlib.AbstractContextManager[object]:
    """A transaction that takes the write lock at once.

    Read-check-write sequences (spend credits, book an order) must hold the
    lock from the first read, or two processes could both see the same last
    credit. SQLite: ``BEGIN IMMEDIATE``. PostgreSQL: one advisory lock for the
    transaction, so both databases keep the same rules with the same code.
    Claiming due messages does not take it on PostgreSQL: row locks that skip
    locked rows let workers claim side by side (see sending.claim).
    """
    db = database.obj
    if db.transaction_depth() > 0:
        return database.atomic()
    if isinstance(db, peewee.SqliteDatabase):
        return db.atomic("IMMEDIATE")
    return _locked_transaction(db)


def claim_transaction() -> contextlib.AbstractContextManager[object]:
    """The transaction in which workers claim due messages.

    SQLite has one writer at a time anyway. On PostgreSQL the rows themselves
    are locked (``FOR UPDATE SKIP LOCKED`` in :func:`rows_locked`), so that
    several workers claim different messages at the same time.
    """
    db = database.obj
    return database.atomic() if is_postgresql(db) else write_transaction()


def rows_locked(query: _Query, skip_locked: bool = False) -> _Query:
    """``query`` locking the rows it reads until the transaction ends (PostgreSQL).

    SQLite needs no row locks: the whole database is locked for writing.
    """
    if not is_postgresql():
        return query
    return query.for_update(skip_locked=skip_locked)  # FOR UPDATE [SKIP LOCKED]


def tuples_of(query: peewee.BaseQuery) -> Iterator[tuple[Any, ...]]:
    """The rows of ``query`` as tuples of its columns' values.

    The same as iterating ``query.tuples()``, which peewee's type stubs take for
    an iteration over model instances.
    """
    return iter(query.tuples())


@contextlib.contextmanager
def _locked_transaction(db: peewee.Database) -> Iterator[object]:
    with db.atomic() as transaction:
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
        yield transaction


@contextlib.contextmanager
def connection() -> Iterator[peewee.Database]:
    """Hold a connection for the block (and close it after, for threads)."""
    db = database.obj
    opened = db.connect(reuse_if_open=True)
    try:
        yield db
    finally:
        if opened and not db.in_transaction():
            db.close()
