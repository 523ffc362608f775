"""Quiet hours: the night in which no SMS and no e-mail goes to a patient.

Each Mandant has a window ``quiet_start``–``quiet_end`` in Europe/Zurich wall
time (default 20:00–08:00). The window is half-open: 20:00 is quiet, 08:00 is
allowed again. It may cross midnight (20:00–08:00) or not (12:00–13:30); a
window whose start equals its end means "no quiet hours".

Times are worked out on the Zurich calendar, so the window keeps its wall-clock
times across daylight-saving changes. The latest allowed moment before a
window is one minute before it starts (settings have minute precision).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from . import clock

if TYPE_CHECKING:
    from .models import Mandant

DEFAULT_QUIET = ("20:00", "08:00")
# the last allowed moment before a window: settings are whole minutes
MARGIN = timedelta(minutes=1)


def _parse(text: str | None, fallback: str) -> time:
    try:
        hours, minutes = (text or fallback).split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        hours, minutes = fallback.split(":")
        return time(int(hours), int(minutes))


def window_of(mandant: Mandant | None) -> tuple[time, time]:
    """(start, end) of the Mandant's quiet hours as wall-clock times (defaults 20:00, 08:00)."""
    start = getattr(mandant, "quiet_start", None) if mandant is not None else None
    end = getattr(mandant, "quiet_end", None) if mandant is not None else None
    return _parse(start, DEFAULT_QUIET[0]), _parse(end, DEFAULT_QUIET[1])


def _at(day: date, moment: time) -> datetime:
    """The UTC instant of a Zurich wall-clock time (a time skipped by DST falls after the gap)."""
    return clock.zurich_datetime(day, moment.hour, moment.minute)


def _current_window(instant: datetime, mandant: Mandant | None) -> tuple[datetime, datetime] | None:
    """The quiet window (start, end) as UTC instants that holds ``instant``, or None."""
    start, end = window_of(mandant)
    if start == end:
        return None
    local = clock.local(instant)
    day, now = local.date(), local.time().replace(tzinfo=None)
    if start < end:  # e.g. 12:00-13:30, within one day
        if start <= now < end:
            return _at(day, start), _at(day, end)
        return None
    # crosses midnight, e.g. 20:00-08:00
    if now >= start:
        return _at(day, start), _at(day + timedelta(days=1), end)
    if now < end:
        return _at(day - timedelta(days=1), start), _at(day, end)
    return None


def in_quiet_hours(instant: datetime, mandant: Mandant | None) -> bool:
    """Whether ``instant`` lies in the Mandant's quiet hours (Zurich wall time)."""
    window = _current_window(clock.to_utc(instant), mandant)
    if window is None:
        return False
    # compare instants too: a DST gap can make a wall-clock test disagree with the window
    return window[0] <= clock.to_utc(instant) < window[1]


def latest_allowed_before(instant: datetime, mandant: Mandant | None) -> datetime:
    """``instant`` itself when allowed, else one minute before the quiet window it falls in."""
    instant = clock.to_utc(instant)
    window = _current_window(instant, mandant)
    if window is None or not window[0] <= instant < window[1]:
        return instant
    return window[0] - MARGIN


def next_allowed_at_or_after(instant: datetime, mandant: Mandant | None) -> datetime:
    """``instant`` itself when allowed, else the end of the quiet window it falls in."""
    instant = clock.to_utc(instant)
    window = _current_window(instant, mandant)
    if window is None or not window[0] <= instant < window[1]:
        return instant
    return window[1]


def describe(mandant: Mandant | None) -> str:
    """The window as the desk reads it: ``20:00-08:00`` (or ``none``)."""
    start, end = window_of(mandant)
    if start == end:
        return "none"
    return f"{start:%H:%M}-{end:%H:%M}"
