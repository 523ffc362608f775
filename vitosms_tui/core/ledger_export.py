"""Periods of a ledger and its export as CSV for a spreadsheet.

A period is a span of whole days on the practice's wall clock (Europe/Zurich):
this month, last month, this year, everything, or a typed date range. The
export is the Mandant's entries of the period, oldest first, with the running
balance, written for Swiss Excel: UTF-8 with a byte order mark, separated by
semicolons. The file is created for its owner only (0600): a ledger names who
did what. It is always a new file with a generated name in the export folder
(:func:`export_to_folder`): the app never writes to a path somebody typed.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import peewee as pw

from . import clock, credits, dates
from .db import resolve_path, tuples_of
from .errors import Refused, UsageError
from .models import CreditEntry, Mandant, Message, Order

# The periods the credits view cycles through, in this order.
PERIODS = ("this_month", "last_month", "this_year", "all")
COLUMNS = ("time", "mandant", "kind", "credits", "balance", "message", "order", "user", "note")
STATE_FOLDER = "vitosms-state"
EXPORT_FOLDER = "exports"
# A cell a spreadsheet would read as a formula (=, +, -, @) is written as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Period:
    """A span of whole days; ``first``/``last`` inclusive, None for "all"."""

    kind: str
    first: date | None = None
    last: date | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """(since, until) as aware UTC instants; ``until`` is exclusive."""
        since = clock.zurich_datetime(self.first, 0) if self.first else None
        until = clock.zurich_datetime(self.last + timedelta(days=1), 0) if self.last else None
        return (clock.to_utc(since) if since else None, clock.to_utc(until) if until else None)

    @property
    def slug(self) -> str:
        """A file-name part: ``2026-11-01_2026-11-30`` or ``all``."""
        if self.first is None or self.last is None:
            return "all"
        return f"{self.first.isoformat()}_{self.last.isoformat()}"


def period(kind: str, today: date | None = None) -> Period:
    """The named period (one of :data:`PERIODS`) around ``today`` (Zurich)."""
    today = today or clock.today()
    if kind == "this_month":
        first = today.replace(day=1)
        return Period(kind, first, _month_end(first))
    if kind == "last_month":
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        return Period(kind, first, _month_end(first))
    if kind == "this_year":
        return Period(kind, date(today.year, 1, 1), date(today.year, 12, 31))
    if kind == "all":
        return Period(kind)
    raise Refused("invalid_period", kind=kind, known=", ".join(PERIODS))


def next_period(kind: str) -> str:
    """The period after ``kind`` in the cycle (a date range goes back to the start)."""
    if kind not in PERIODS:
        return PERIODS[0]
    return PERIODS[(PERIODS.index(kind) + 1) % len(PERIODS)]


def _month_end(first: date) -> date:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def parse_range(text: str) -> Period:
    """A typed date range: ``01.10.2026 - 15.11.2026`` (both days included).

    One date alone means that single day.
    """
    parts = [part for part in re.split(r"\s*(?:-|–|bis|to|\s)\s*", text.strip()) if part]
    if not parts or len(parts) > 2:
        raise Refused("invalid_date.period_form")
    first = dates.parse_date(parts[0])
    last = dates.parse_date(parts[-1])
    if last < first:
        raise Refused("invalid_date.period_reversed")
    return Period("range", first, last)


@dataclass(frozen=True)
class LedgerLine:
    """One entry as the credits view shows it (plain values, safe between threads)."""

    id: int
    at: datetime
    kind: str
    delta: int
    message_id: int | None
    message_channel: str | None
    order_id: int | None
    user: str
    note: str
    note_code: str | None = None  # a note the program wrote, as a code (core.coded) with its values
    note_data: str | None = None


def ledger_lines(mandant: Mandant | int, chosen: Period, limit: int | None = None) -> list[LedgerLine]:
    """The period's entries, newest first (``limit``: only the newest so many)."""
    since, until = chosen.bounds()
    query = (
        CreditEntry.select(
            CreditEntry.id,
            CreditEntry.at,
            CreditEntry.kind,
            CreditEntry.delta,
            CreditEntry.message,
            Message.channel,
            CreditEntry.order,
            CreditEntry.user,
            CreditEntry.note,
            CreditEntry.note_code,
            CreditEntry.note_data,
        )
        .join(Message, pw.JOIN.LEFT_OUTER, on=(CreditEntry.message == Message.id))
        .where(_within(mandant, since, until))
        .order_by(CreditEntry.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [LedgerLine(*row) for row in tuples_of(query)]


@dataclass(frozen=True)
class OrderLine:
    """One order of the order history."""

    id: int
    at: datetime
    package: str
    credits: int
    price_rappen: int
    customer_number: str
    user: str


def order_lines(mandant: Mandant | int, limit: int | None = None) -> list[OrderLine]:
    """The Mandant's orders, newest first; ``package`` is the package's name where known."""
    try:
        names = {str(item.id): item.name for item in credits.packages()}
    except (Refused, UsageError):  # a broken price list must not hide the history
        names = {}
    query = (
        Order.select(
            Order.id, Order.at, Order.package, Order.credits, Order.price_rappen, Order.customer_number, Order.user
        )
        .where(Order.mandant == mandant)
        .order_by(Order.at.desc(), Order.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [OrderLine(row[0], row[1], names.get(row[2], row[2]), *row[3:]) for row in tuples_of(query)]


def count_entries(mandant: Mandant | int, chosen: Period) -> int:
    since, until = chosen.bounds()
    entries: int = CreditEntry.select().where(_within(mandant, since, until)).count()
    return entries


def _within(mandant: Mandant | int, since: datetime | None, until: datetime | None) -> pw.Expression:
    condition = CreditEntry.mandant == mandant
    if since is not None:
        condition &= CreditEntry.at >= since
    if until is not None:
        condition &= CreditEntry.at < until
    return condition


def state_dir_for(db_url: str) -> Path:
    """Where the practice's state files go, as the CLI decides it.

    ``VITOSMS_STATE_DIR`` if set, else a folder next to the SQLite file.
    """
    configured = os.environ.get("VITOSMS_STATE_DIR", "").strip()
    if configured:
        return Path(configured).expanduser()
    path = resolve_path(db_url) if db_url else None
    return (path.parent if path else Path.cwd()) / STATE_FOLDER


@dataclass(frozen=True)
class Export:
    path: Path
    rows: int


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _rows(mandant: Mandant, chosen: Period, kind_names: dict[str, str]) -> Iterator[list[str | int]]:
    since, until = chosen.bounds()
    running = 0
    if since is not None:
        running = int(
            CreditEntry.select(pw.fn.COALESCE(pw.fn.SUM(CreditEntry.delta), 0))
            .where((CreditEntry.mandant == mandant) & (CreditEntry.at < since))
            .scalar()
            or 0
        )
    query = (
        CreditEntry.select(
            CreditEntry.at,
            CreditEntry.kind,
            CreditEntry.delta,
            CreditEntry.message,
            CreditEntry.order,
            CreditEntry.user,
            CreditEntry.note,
        )
        .where(_within(mandant, since, until))
        .order_by(CreditEntry.id)
    )
    for at, kind, delta, message_id, order_id, user, note in query.tuples().iterator():
        running += delta
        yield [
            clock.local(at).strftime("%d.%m.%Y %H:%M"),
            mandant.code,
            _cell(kind_names.get(kind, kind)),
            delta,
            running,
            message_id or "",
            order_id or "",
            _cell(user),
            _cell(note),
        ]


def export_name(mandant: Mandant, chosen: Period, at: datetime | None = None) -> str:
    """``ledger-HAU-2026-11-01_2026-11-30-20261127-090000.csv``: Mandant, period, time made."""
    made = clock.local(at or clock.now()).strftime("%Y%m%d-%H%M%S")
    code = re.sub(r"[^A-Za-z0-9_-]", "_", mandant.code)  # codes are checked, but this names a file
    return f"ledger-{code}-{chosen.slug}-{made}.csv"


def export_to_folder(
    mandant: Mandant,
    state_dir: Path | str,
    chosen: Period,
    headers: Sequence[str] | None = None,
    kind_names: dict[str, str] | None = None,
) -> Export:
    """Write the export as a new file with a generated name in ``STATE/exports``.

    What the interface (over SSH or in a browser) does: nobody there types a
    path, because the app runs as the practice's account and could otherwise
    overwrite its own database, config or someone's ``.ssh``. The file is
    created only inside that folder (never through a symlink, never over an
    existing file).
    """
    folder = Path(state_dir).expanduser() / EXPORT_FOLDER
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        # the folder itself must not be a symlink leading elsewhere
        folder_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | nofollow)
    except OSError as exc:
        raise Refused("invalid_path.not_writable", folder=folder, reason=exc.strerror) from None
    try:
        name = export_name(mandant, chosen)
        for number in range(1, 100):
            candidate = name if number == 1 else name.replace(".csv", f"-{number}.csv")
            try:
                fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | nofollow, 0o600, dir_fd=folder_fd)
            except FileExistsError:
                continue  # two exports in the same second: number the second one
            except OSError as exc:
                raise Refused("invalid_path.not_writable", folder=folder, reason=exc.strerror) from None
            return Export(folder.resolve() / candidate, _write(fd, mandant, chosen, headers, kind_names))
        raise Refused("invalid_path.too_many", folder=folder)
    finally:
        os.close(folder_fd)


def _write(
    fd: int, mandant: Mandant, chosen: Period, headers: Sequence[str] | None, kind_names: dict[str, str] | None
) -> int:
    """The CSV into the open file ``fd`` (closed afterwards); the number of entries."""
    headers = list(headers or COLUMNS)
    if len(headers) != len(COLUMNS):
        os.close(fd)
        raise ValueError("one header per column")
    count = 0
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
        os.fchmod(handle.fileno(), 0o600)  # an existing file keeps no wider mode
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(headers)
        for row in _rows(mandant, chosen, kind_names or {}):
            writer.writerow(row)
            count += 1
    return count
