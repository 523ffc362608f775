"""The one source of "now".

Everything that needs the current time asks :func:`now`. With ``--now`` or
``VITOSMS_NOW`` the clock starts at that instant and runs on from there, so
tests and replays see time pass as usual. Times are stored in UTC and shown in
Europe/Zurich.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from .errors import UsageError

ZURICH = ZoneInfo("Europe/Zurich")
UTC = UTC
MIN_YEAR, MAX_YEAR = 1900, 2999

# (the instant the clock was set to, the monotonic reading at that moment)
_anchor: tuple[datetime, float] | None = None


def parse_instant(text: str) -> datetime:
    """Parse ISO-8601; a time without offset is read as Europe/Zurich."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError("usage.iso_date_time", text=text) from None
    # far-off years cannot be real times of the practice (and year 1 or 9999 overflow
    # as soon as a time zone or an appointment's length is added)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise UsageError("usage.year_out_range", year=value.year, min_year=MIN_YEAR, max_year=MAX_YEAR, text=text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZURICH)
    return value.astimezone(UTC)


def set_now(instant: datetime | str | None) -> None:
    """Start the clock at ``instant`` (None: the real time)."""
    global _anchor
    if instant is None:
        _anchor = None
        return
    if isinstance(instant, str):
        instant = parse_instant(instant)
    elif instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZURICH)
    _anchor = (instant.astimezone(UTC), time.monotonic())


@contextmanager
def as_of(instant: datetime) -> Iterator[None]:
    """Run a block as if it were ``instant``, then let the clock go on as before.

    The demo practice writes its past days through the same functions the desk
    and the worker use (queue, send, report), each at its own moment.
    """
    global _anchor
    before = _anchor
    set_now(instant)
    try:
        yield
    finally:
        _anchor = before


def set_from_environment() -> None:
    """Honour ``VITOSMS_NOW`` when set (the CLI's ``--now`` overrides it)."""
    value = os.environ.get("VITOSMS_NOW")
    if value:
        set_now(value)


def now() -> datetime:
    """The current instant, aware, in UTC."""
    if _anchor is None:
        return datetime.now(UTC)
    start, mono = _anchor
    return start + timedelta(seconds=time.monotonic() - mono)


def local(instant: datetime) -> datetime:
    """The instant in Europe/Zurich (naive values are taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(ZURICH)


def to_utc(instant: datetime) -> datetime:
    """An aware UTC instant (naive values are taken as Europe/Zurich)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZURICH)
    return instant.astimezone(UTC)


def today() -> date:
    """Today's date in Europe/Zurich."""
    return local(now()).date()


def iso(instant: datetime | None) -> str | None:
    """ISO-8601 with offset in Europe/Zurich, as the JSON contract wants."""
    if instant is None:
        return None
    return local(instant).isoformat()


def zurich_datetime(day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC instant of a wall-clock time in Zurich on ``day``."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZURICH).astimezone(UTC)
