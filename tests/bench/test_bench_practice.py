"""Large practices: seeding 50,000 persons / 200,000 appointments and searching them.

Not part of `make test` (timings on a shared machine flake); run `make bench`.
Search cost is reported as a ratio against a plain indexed page read of the
same table measured in the same run.
"""

import time

from vitosms_tui.core import clock, persons
from vitosms_tui.core.db import open_database
from vitosms_tui.core.models import Person
from vitosms_tui.core.schema import migrate
from vitosms_tui.core.seed import seed_practice

QUERIES = ["m", "mü", "mül", "müller", "müller a", "079 1", "0791", "12.03.1980", "rossi ma", "dub"]


def _best_of(function, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def test_large_practice_seed_and_search(tmp_path):
    clock.set_now("2026-11-27T09:00")
    open_database(str(tmp_path / "large.db"))
    migrate()
    start = time.perf_counter()
    seed_practice(persons=50_000, appointments=200_000)
    seeded = time.perf_counter() - start
    print(f"\nseed 50,000 persons + 200,000 appointments: {seeded:.1f} s (goal < 30 s)")

    baseline = _best_of(lambda: list(Person.select().order_by(Person.id).limit(50)))
    print(f"baseline: first page of 50 persons by id: {baseline * 1000:.2f} ms")
    for query in QUERIES:
        took = _best_of(lambda: persons.search(query, limit=50))
        print(f"search {query!r:>14}: {took * 1000:6.2f} ms = {took / baseline:5.1f}x baseline")
