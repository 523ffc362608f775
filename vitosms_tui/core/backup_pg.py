"""Backups of a PostgreSQL database: ``pg_dump -Fc``, restored with ``pg_restore``.

``pg_dump`` reads in one transaction, so the dump is one consistent snapshot
while workers and terminals go on. The dump is written beside the target,
checked by reading it back (our tables present, the schema version and the
counts from its data) and only then renamed into place. ``pg_restore
--single-transaction`` restores all of it or nothing.

The password never appears on a command line, where any user of the server
could read it (``ps``): the tools get the URL without it and the password in
``PGPASSWORD``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .backup import COUNTED, Report, bring_up_to_date, check_version, counts, refuse_under_worker
from .db import database, open_database, postgresql_parameters, redact
from .errors import UsageError, VitosmsError
from .models import Setting

MAGIC = b"PGDMP"  # how every pg_dump custom-format file begins
# a table's data in a listing of the dump: "3390; 0 16390 TABLE DATA public message owner"
_TABLE_DATA = re.compile(r"^\d+; \d+ \d+ TABLE DATA (\S+) (\S+) ")


def connection(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and the environment that carries the password."""
    params = postgresql_parameters(url)  # refuses a URL without a database, a bad port
    parts = urlsplit(url.strip())
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    bare = urlunsplit(parts._replace(netloc=f"{user}@{hostport}" if user else hostport))
    env = dict(os.environ)
    if "password" in params:
        env["PGPASSWORD"] = str(params["password"])
    return bare, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise UsageError("usage.installed_debian_aptget", name=name)
    return found


def _reason(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return " ".join(lines[-1].split()) if lines else "no reason given"


def _table_name(qualified: str) -> str:
    return qualified.rsplit(".", 1)[-1].strip('"')


def inspect_dump(path: Path) -> Report:
    """Check that ``path`` is a pg_dump of a vitosms database and summarise it."""
    with open(path, "rb") as handle:
        start = handle.read(16)
    if start == b"SQLite format 3\x00":
        raise UsageError("usage.backup_sqlite_database", path=path)
    if not start.startswith(MAGIC):
        raise UsageError("usage.vitosms_backup_postgresql", path=path)
    listing = subprocess.run([_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True)
    if listing.returncode != 0:
        raise UsageError("usage.damaged", path=path, reason=_reason(listing.stderr))
    tables = {_table_name(m.group(2)) for m in map(_TABLE_DATA.match, listing.stdout.splitlines()) if m}
    needed = {Setting._meta.table_name} | {m._meta.table_name for m in COUNTED.values()}
    if not needed <= tables:
        raise UsageError("usage.not_vitosms_dump", path=path)
    rows, settings = _read_data(path, needed)
    try:
        version = int(settings.get("schema_version", "0"))
    except ValueError:
        version = 0
    if version < 1:
        raise UsageError("usage.not_vitosms_dump_version", path=path)
    summary = {name: rows.get(model._meta.table_name, 0) for name, model in COUNTED.items()}
    return {"engine": "postgresql", "schema_version": version, **summary}


def _read_data(path: Path, tables: set[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Rows per table and the settings, read from the dump's data (COPY blocks)."""
    command = [_tool("pg_restore"), "--data-only", "--file=-"]
    command += [f"--table={name}" for name in sorted(tables)]
    rows: dict[str, int] = {}
    settings: dict[str, str] = {}
    with subprocess.Popen(
        [*command, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    ) as reader:
        assert reader.stdout is not None and reader.stderr is not None  # both are pipes
        table = None
        for line in reader.stdout:
            line = line.rstrip("\n")
            if table is None:
                if line.startswith("COPY ") and line.endswith("FROM stdin;"):
                    table = _table_name(line.split()[1])
                    rows[table] = 0
            elif line == "\\.":
                table = None
            else:
                rows[table] += 1
                if table == Setting._meta.table_name:
                    key, _, value = line.partition("\t")
                    settings[key] = value
        stderr = reader.stderr.read()
    if reader.returncode != 0:
        raise UsageError("usage.damaged", path=path, reason=_reason(stderr))
    return rows, settings


def backup(url: str, target: Path) -> Report:
    bare, env = connection(url)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    part = Path(name)
    try:
        dump = subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-password", f"--file={part}", f"--dbname={bare}"],
            env=env,
            capture_output=True,
            text=True,
        )
        if dump.returncode != 0:
            raise UsageError("usage.cannot_back_up_url", url=redact(url), reason=_reason(dump.stderr))
        summary = inspect_dump(part)
        with open(part, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(part, 0o600)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return {"file": str(target), "size": target.stat().st_size, **summary}


def _close_all() -> None:
    db = database.obj
    if db is not None:
        getattr(db, "close_all", db.close)()


def restore(url: str, source: Path, force: bool) -> Report:
    found = inspect_dump(source)
    check_version(found["schema_version"], source)
    bare, env = connection(url)
    db = open_database(url)
    try:
        tables = db.get_tables()
        if tables and Setting._meta.table_name not in tables:
            raise UsageError("usage.not_vitosms_overwriting_url", url=redact(url))
        held = refuse_under_worker(force)
    finally:
        _close_all()
    run = subprocess.run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={bare}",
            str(source),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise VitosmsError("restore_failed", reason=_reason(run.stderr))
    open_database(url)
    try:
        restored_version = bring_up_to_date()
        summary = counts()
    finally:
        _close_all()
    from .schema import SCHEMA_VERSION

    return {
        "file": str(source),
        "database": redact(url),
        "engine": "postgresql",
        "backup_schema_version": restored_version,
        "schema_version": SCHEMA_VERSION,
        "forced_over_leases": held,
        **summary,
    }
