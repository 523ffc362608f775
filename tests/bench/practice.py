"""The large practice of the benchmarks, built once and kept under ``.bench/``.

5 Mandanten, 50,000 persons, 200,000 appointments over four years and the
coming weeks, 100,000 messages of five years with their timeline and ledger.
The file's name carries the schema version and the seed parameters, so a
change of either builds a new one (the old ones are removed). It is built
under a temporary name and renamed when complete: an interrupted build
leaves no half practice behind.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import time
from pathlib import Path

# The clock of every benchmark: the practice is seeded "today" at this instant.
NOW = "2026-11-27T09:00"
PARAMETERS = {"mandanten": 5, "persons": 50_000, "appointments": 200_000, "messages": 100_000, "years": 4, "seed": 1}
ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".bench"


def _key() -> str:
    from vitosms_tui.core import seed
    from vitosms_tui.core.schema import SCHEMA_VERSION

    # the seed's code is part of the key: a change of what it writes builds anew
    source = inspect.getsource(seed)
    blob = json.dumps({"schema": SCHEMA_VERSION, "now": NOW, **PARAMETERS}, sort_keys=True) + source
    return f"v{SCHEMA_VERSION}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"


def large_practice(say=print) -> Path:
    """The path of the cached large practice, built first when missing or outdated."""
    CACHE.mkdir(mode=0o700, exist_ok=True)
    path = CACHE / f"practice-{_key()}.db"
    if path.exists():
        return path
    for old in CACHE.glob("practice-*.db*"):
        old.unlink()
    say(
        f"building the large practice once ({PARAMETERS['persons']:,} persons, "
        f"{PARAMETERS['appointments']:,} appointments, {PARAMETERS['messages']:,} messages) ..."
    )
    start = time.perf_counter()
    building = CACHE / f"building-{os.getpid()}.db"
    _build(building)
    for suffix in ("-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    building.rename(path)
    say(f"built in {time.perf_counter() - start:.0f} s: {path.relative_to(ROOT)}")
    return path


def _build(path: Path) -> None:
    from vitosms_tui.core import clock
    from vitosms_tui.core.db import open_database
    from vitosms_tui.core.schema import migrate
    from vitosms_tui.core.seed import seed_practice

    clock.set_now(NOW)
    db = open_database(str(path))
    migrate()
    seed_practice(**PARAMETERS)
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def copy_of(practice: Path, folder: Path) -> Path:
    """A copy to write into: the cached practice stays as it was built."""
    target = folder / practice.name
    shutil.copyfile(practice, target)
    os.chmod(target, 0o600)
    return target
