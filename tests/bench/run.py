"""``make bench``: measure the app on a large practice and print one table.

    python -m tests.bench [--only NAME ...] [--profile FOLDER]

Every figure stands next to its goal and, where it has one, a baseline
measured in the same run on the same machine. Nothing here asserts a time:
the table says met or missed. Exit code 0 when it ran (missed goals too),
1 when a measure itself failed.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from . import interactive, practice, smpp, terminal, writes

COLD_STARTS = 5
MEASURES = ("start", "memory", "keys", "reminders", "email", "sms", "smpp")


@dataclass
class Row:
    measure: str
    figure: str
    goal: str
    baseline: str = ""
    ratio: str = ""
    met: bool | None = None  # None: no goal to judge


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure_start(db: Path) -> list[Row]:
    apps, bares = [], []
    for _ in range(COLD_STARTS):  # alternate, so that a busy moment of the machine hits both
        bare = terminal.cold_start(terminal.bare_argv())
        app = terminal.cold_start(terminal.vitosms_argv(str(db)))
        if app.first_paint is None or bare.first_paint is None:
            raise RuntimeError("no painted agenda (or bare table) within 30 s")
        apps.append(app.first_paint)
        bares.append(bare.first_paint)
    app, bare = statistics.median(apps), statistics.median(bares)
    return [
        Row(
            f"cold start to painted agenda (median of {COLD_STARTS})",
            _ms(app),
            "<= 1.5x baseline",
            f"{_ms(bare)} bare Textual app",
            f"{app / bare:.2f}x",
            app / bare <= 1.5,
        )
    ]


def measure_memory(db: Path) -> list[Row]:
    run = terminal.tour(str(db))
    mb = run.max_rss_kb / 1024
    bare = terminal.cold_start(terminal.bare_argv()).max_rss_kb / 1024
    return [
        Row(
            "peak memory, TUI through 6 views",
            f"{mb:.0f} MB",
            "<= 120 MB",
            f"{bare:.0f} MB bare Textual app",
            f"{mb / bare:.1f}x",
            mb <= 120,
        )
    ]


def measure_keys(db: Path) -> list[Row]:
    found = interactive.measure(str(db))
    queries = interactive.search_queries(str(db))
    rows = []
    for name, label, goal in (
        ("search", "person search, keystroke to results", 0.015),
        ("day", "agenda day switch (, .), key to painted", 0.030),
        ("week", "agenda week switch (w [ ]), key to painted", 0.030),
    ):
        values = found[name]
        median, p95 = statistics.median(values), _percentile(values, 0.95)
        baseline = ratio = ""
        if name == "search":
            query = statistics.median(queries)
            baseline, ratio = f"{_ms(query)} the query alone", f"{median / query:.1f}x"
        rows.append(
            Row(
                f"{label} (n={len(values)})",
                f"{_ms(median)} median, p95 {_ms(p95)}",
                f"median <= {goal * 1000:.0f} ms",
                baseline,
                ratio,
                median <= goal,
            )
        )
    return rows


def measure_reminders(db: Path, folder: Path) -> list[Row]:
    # the database's own share first, on a copy of its own: the ratio tells the app's overhead on a loaded machine
    (folder / "alone").mkdir(exist_ok=True)
    alone = writes.database_alone(practice.copy_of(db, folder / "alone"))
    elapsed = writes.queue_reminders(practice.copy_of(db, folder))
    return [
        Row(
            f"queue {writes.REMINDERS:,} reminders with ledger entries",
            f"{elapsed:.2f} s",
            "<= 0.5 s",
            f"{alone:.2f} s the same rows by sqlite3 alone",
            f"{elapsed / alone:.2f}x",
            met=elapsed <= 0.5,
        )
    ]


def measure_email(db: Path, folder: Path) -> list[Row]:
    worker, raw = writes.email_throughput(practice.copy_of(db, folder), folder)
    return [
        Row(
            f"worker e-mail ({writes.MAILS} mails, median of {writes.MAIL_ROUNDS})",
            f"{worker:,.0f}/s",
            ">= 0.85x baseline",
            f"{raw:,.0f}/s raw aiosmtplib loop",
            f"{worker / raw:.2f}x",
            worker / raw >= 0.85,
        )
    ]


def measure_sms(db: Path, folder: Path) -> list[Row]:
    worker, alone = writes.sms_throughput(practice.copy_of(db, folder), folder)
    return [
        Row(
            f"worker SMS to the mock gateway ({writes.SMS:,}: claim, submit, record)",
            f"{worker:,.0f}/s",
            ">= 5,000/s",
            f"{alone:,.0f}/s mock gateway alone",
            f"{worker / alone:.2f}x",
            worker >= 5000,
        )
    ]


def measure_smpp(db: Path, folder: Path) -> list[Row]:
    worker, raw = smpp.smpp_throughput(practice.copy_of(db, folder), folder)
    return [
        Row(
            f"worker SMS over SMPP to the simulator ({smpp.SMS:,}, window {smpp.WINDOW}, median of {smpp.ROUNDS})",
            f"{worker:,.0f}/s",
            ">= 0.85x baseline",
            f"{raw:,.0f}/s raw aiosmpplib loop",
            f"{worker / raw:.2f}x",
            worker / raw >= 0.85,
        )
    ]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {time.strftime('%Y-%m-%d')}"
    )


def table(rows: list[Row]) -> str:
    head = ("measure", "figure", "goal", "baseline (same run)", "ratio", "")
    lines = [
        (r.measure, r.figure, r.goal, r.baseline, r.ratio, "" if r.met is None else ("met" if r.met else "MISSED"))
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in [head, *lines]) for i in range(len(head))]
    out = [
        " | ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [head, ["-" * w for w in widths], *lines]
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=MEASURES, help="run only these measures")
    parser.add_argument(
        "--profile", metavar="FOLDER", help="also write a pyinstrument report per measure there (needs the bench extra)"
    )
    args = parser.parse_args(argv)
    chosen = args.only or MEASURES
    db = practice.large_practice()
    rows: list[Row] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="vitosms-bench-") as temp:
        for name in chosen:
            folder = Path(temp) / name
            folder.mkdir()
            function = globals()[f"measure_{name}"]
            arguments = (db,) if name in ("start", "memory", "keys") else (db, folder)
            call = functools.partial(function, *arguments)
            print(f"measuring {name} ...", flush=True)
            try:
                rows += _profiled(call, name, args.profile) if args.profile else call()
            except Exception:  # one broken measure must not hide the others
                traceback.print_exc()
                rows.append(Row(name, "FAILED", "", met=False))
                failed = True
    print()
    print(f"vitosms benchmarks on {machine()}")
    print(
        f"practice: {practice.PARAMETERS['mandanten']} Mandanten, {practice.PARAMETERS['persons']:,} persons, "
        f"{practice.PARAMETERS['appointments']:,} appointments, {practice.PARAMETERS['messages']:,} messages"
    )
    print()
    print(table(rows))
    return 1 if failed else 0


def _profiled(call, name: str, folder: str):
    from pyinstrument import Profiler

    profiler = Profiler(async_mode="disabled")
    profiler.start()
    try:
        return call()
    finally:
        profiler.stop()
        Path(folder).mkdir(parents=True, exist_ok=True)
        Path(folder, f"{name}.txt").write_text(profiler.output_text(color=False))


if __name__ == "__main__":
    sys.exit(main())
