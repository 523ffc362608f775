"""Backups of the practice's database and restoring one (``vitosms backup|restore``).

SQLite: the copy is taken with SQLite's online backup API, in one step, so it
is one consistent snapshot of the database while terminals and workers go on
writing (WAL lets them). It is written to a temporary file beside the target,
checked (``integrity_check``, the schema version readable) and only then
renamed into place: a backup that was reported is whole, a failed one leaves
nothing behind. Restoring copies the backup into the live database with the
same API, in one write transaction: a program that has the database open sees
the old or the restored data, never a mixture, and never keeps writing to a
file that was renamed away.

What a backup taken under a running worker holds: every message in the state
it had at that instant. One that was ``sending`` carries a lease; after a
restore the lease runs out and a worker claims the message again, handing it
over with the same idempotency key (the gateway's ``client_ref``, the mail's
``X-Vitosms-Ref``) so that a provider that already has it keeps it once. The
ledger is restored with the messages in the same snapshot, so it balances.

PostgreSQL databases go through ``pg_dump``/``pg_restore`` (:mod:`.backup_pg`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from . import clock
from .db import BUSY_TIMEOUT_MS, database, open_database, resolve_path
from .errors import Refused, UsageError, VitosmsError
from .models import CreditEntry, Message, Person, Setting
from .states import Status

# what a summary counts, by the name it has in the JSON document
COUNTED = {"persons": Person, "messages": Message, "credit_entries": CreditEntry}
# what `vitosms backup` and `restore` print (CONTRACT.md): named values and a count per COUNTED
Report = dict[str, Any]


def is_postgresql_url(url: str) -> bool:
    return url.strip().startswith(("postgres://", "postgresql://"))


def backup(db_url: str, target: str | Path) -> Report:
    """Copy the database at ``db_url`` into the file ``target``; return its summary."""
    target = _target_path(target)
    if is_postgresql_url(db_url):
        from . import backup_pg

        return backup_pg.backup(db_url, target)
    return _sqlite_backup(_live_sqlite_path(db_url), target)


def restore(db_url: str, source: str | Path, force: bool = False) -> Report:
    """Replace the database at ``db_url`` by the backup ``source`` and bring it up to date.

    Refused while a worker holds messages it is sending (unless ``force``): the
    restored database would not know what the worker then reports back.
    """
    source = Path(source).expanduser()
    if not source.exists():
        raise UsageError("usage.backup_found", source=source)
    if not source.is_file():
        raise UsageError("usage.file", source=source)
    if is_postgresql_url(db_url):
        from . import backup_pg

        return backup_pg.restore(db_url, source, force)
    return _sqlite_restore(db_url, source, force)


# -- checks shared by both databases -------------------------------------------


def _target_path(target: str | Path) -> Path:
    text = str(target).strip()
    if not text:
        raise UsageError("usage.backup_file_given")
    path = Path(text).expanduser()
    if path.is_dir():
        raise UsageError("usage.backup_file_folder", path=path)
    if not path.parent.is_dir():
        raise UsageError("usage.folder_found", parent=path.parent)
    return path


def check_version(version: int, source: Path) -> None:
    from .schema import SCHEMA_VERSION

    if version > SCHEMA_VERSION:
        raise UsageError("usage.schema_version_newer", source=source, version=version, SCHEMA_VERSION=SCHEMA_VERSION)


def leased_messages() -> int:
    """Messages of the open database that a worker is sending right now (lease not run out)."""
    if not database.obj.table_exists(Message._meta.table_name):
        return 0
    return Message.select().where((Message.status == Status.SENDING) & (Message.lease_until > clock.now())).count()


def refuse_under_worker(force: bool) -> int:
    """Refuse the restore while a worker holds leases, unless forced; return how many."""
    held = leased_messages()
    if held and not force:
        raise Refused("worker_running", held=held)
    return held


def bring_up_to_date() -> int:
    """Migrate the restored database (an older backup) and return its schema version."""
    from .schema import migrate, schema_version
    from .templates import install_default_templates

    before = schema_version()
    migrate()
    install_default_templates()
    return before


def counts() -> dict[str, int]:
    """The counts a summary reports, read from the open database."""
    return {name: model.select().count() for name, model in COUNTED.items()}


# -- SQLite --------------------------------------------------------------------


def _live_sqlite_path(db_url: str) -> Path:
    path = resolve_path(db_url)
    if path is None:
        raise UsageError("usage.inmemory_database_cannot")
    if not path.is_file():
        raise UsageError("usage.database_name_db", path=path)
    return path


def _uri(path: Path, mode: str) -> str:
    # a URI, so that a missing file is an error instead of a new empty database
    return f"{path.resolve().as_uri()}?mode={mode}"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def inspect_sqlite(path: Path) -> Report:
    """Check that ``path`` is a whole vitosms database and summarise it."""
    try:
        with contextlib.closing(sqlite3.connect(_uri(path, "ro"), uri=True)) as conn:
            check = conn.execute("PRAGMA integrity_check").fetchall()
            if check != [("ok",)]:
                raise UsageError("usage.damaged", path=path, reason=check[0][0])
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            needed = {Setting._meta.table_name} | {m._meta.table_name for m in COUNTED.values()}
            if not needed <= tables:
                raise UsageError("usage.not_vitosms_database", path=path)
            row = conn.execute(
                f'SELECT value FROM "{Setting._meta.table_name}" WHERE key = ?', ("schema_version",)
            ).fetchone()
            try:
                version = int(row[0]) if row else 0
            except ValueError:
                version = 0
            if version < 1:
                raise UsageError("usage.vitosms_database_schema", path=path)
            summary = {
                name: conn.execute(f'SELECT COUNT(*) FROM "{model._meta.table_name}"').fetchone()[0]
                for name, model in COUNTED.items()
            }
    except sqlite3.DatabaseError as exc:
        # "file is not a database", "database disk image is malformed", …
        if _is_pg_dump(path):
            raise UsageError("usage.backup_postgresql_database", path=path) from None
        raise UsageError("usage.not_vitosms_database_reason", path=path, reason=exc) from None
    return {"engine": "sqlite", "schema_version": version, **summary}


def _is_pg_dump(path: Path) -> bool:
    # read only once SQLite has said the file is none of its databases, so that
    # no descriptor of a live SQLite file is ever opened and closed here
    with open(path, "rb") as handle:
        return handle.read(5) == b"PGDMP"


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sqlite_backup(source: Path, target: Path) -> Report:
    if _same_file(source, target) or target.resolve() == source.resolve():
        raise UsageError("usage.backup_file_database")
    # mkstemp creates the file 0600, beside the target so the rename stays on one file system
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    part = Path(name)
    try:
        try:
            with (
                contextlib.closing(
                    sqlite3.connect(_uri(source, "rw"), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
                ) as live,
                contextlib.closing(sqlite3.connect(part)) as copy,
            ):
                # pages=-1: the whole database in one step, one read transaction, one snapshot
                live.backup(copy, pages=-1)
                # the copy is one self-contained file, without -wal and -shm beside it
                copy.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.DatabaseError as exc:
            raise UsageError("usage.cannot_back_up", source=source, reason=exc) from None
        summary = inspect_sqlite(part)
        with open(part, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(part, 0o600)
        os.replace(part, target)
        _fsync_folder(target.parent)
    finally:
        part.unlink(missing_ok=True)
    return {"file": str(target), "size": target.stat().st_size, **summary}


def _sqlite_restore(db_url: str, source: Path, force: bool) -> Report:
    path = resolve_path(db_url)
    if path is None:
        raise UsageError("usage.cannot_restore_into")
    if _same_file(source, path):
        raise UsageError("usage.backup_database_itself")
    found = inspect_sqlite(source)
    check_version(found["schema_version"], source)
    # the practice's database must exist (`vitosms init` makes an empty one): a
    # typo in --db never restores a practice into a file nobody uses
    db = open_database(db_url, create=False)
    try:
        try:
            tables = db.get_tables()
        except Exception as exc:  # noqa: BLE001 - peewee wraps sqlite3's errors
            raise UsageError("usage.not_vitosms_overwriting_reason", path=path, reason=exc) from None
        if tables and Setting._meta.table_name not in tables:
            raise UsageError("usage.not_vitosms_overwriting", path=path)
        held = refuse_under_worker(force)
        db.close()
        try:
            with contextlib.closing(sqlite3.connect(_uri(source, "ro"), uri=True)) as backup_file:
                # one write transaction on the live database: all or nothing
                backup_file.backup(db.connection(), pages=-1)
        except sqlite3.DatabaseError as exc:
            raise VitosmsError("restore_failed", reason=exc) from None
        restored_version = bring_up_to_date()
        summary = counts()
    finally:
        db.close()
    from .schema import SCHEMA_VERSION

    return {
        "file": str(source),
        "database": str(path),
        "engine": "sqlite",
        "backup_schema_version": restored_version,
        "schema_version": SCHEMA_VERSION,
        "forced_over_leases": held,
        **summary,
    }
