"""Dates and times as the desk types them: one parser for every field that takes one.

Swiss style first (``31.12.2026``, ``31.12.26``, ``9:05``, ``9.05``, ``9h05``,
a bare hour ``13``), ISO dates too (``2026-12-31``, what scripts write). A
time alone is taken on a given day, so that moving an appointment within its
day is the new time and nothing else.

Every mistake is a :class:`DateRefused` with the code ``invalid_date`` (what
the command line has always answered) and a ``problem`` naming the mistake:
the interface says each problem in the same words in every field
(``ui/modals/date_time.py``); 31.02.2027 is the same "no such date" wherever
it is typed.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from . import clock
from .errors import Refused

FORMAT = "format"  # not a date (and time) at all
NO_SUCH_DATE = "no_such_date"  # 31.02.2027
NO_SUCH_TIME = "no_such_time"  # 25:00
NEEDS_TIME = "needs_time"  # a date where a date and time is wanted
FUTURE = "future"  # a birth date after today
TOO_EARLY = "too_early"  # a birth date before 1900

_DATE = r"(?:(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2})|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))"
_TIME = r"(?P<hh>\d{1,2})(?:[:.h](?P<mm>\d{2}))?"
_DATE_ONLY = re.compile(rf"^\s*{_DATE}\s*$")
_TIME_ONLY = re.compile(rf"^\s*{_TIME}\s*$")
_DATE_TIME = re.compile(rf"^\s*{_DATE}\s*[ ,T]\s*{_TIME}\s*$")


class DateRefused(Refused):
    """A typed date or time that is none; ``problem`` names the mistake, ``form`` the expected form."""

    def __init__(self, problem: str, text: str, what: str = "date", form: str = "dd.mm.yyyy") -> None:
        super().__init__(f"invalid_date.{problem}", what=what, text=text, form=form)
        self.problem = problem
        self.text = text
        self.form = form


def _date_of(found: re.Match[str], text: str, what: str) -> date:
    if found.group("d") is not None:
        day, month, year = int(found.group("d")), int(found.group("m")), int(found.group("y"))
        if year < 100:
            year += 2000
    else:
        year, month, day = int(found.group("iy")), int(found.group("im")), int(found.group("id"))
    try:
        return date(year, month, day)
    except ValueError:
        raise DateRefused(NO_SUCH_DATE, text, what) from None


def _time_of(found: re.Match[str], text: str, what: str) -> tuple[int, int]:
    hour, minute = int(found.group("hh")), int(found.group("mm") or 0)
    if hour > 23 or minute > 59:
        raise DateRefused(NO_SUCH_TIME, text, what, "HH:MM")
    return hour, minute


def parse_date(text: str, what: str = "date") -> date:
    """``31.12.2026``, ``31.12.26`` or ``2026-12-31``."""
    raw = (text or "").strip()
    found = _DATE_ONLY.match(raw)
    if not found:
        raise DateRefused(FORMAT, raw, what)
    return _date_of(found, raw, what)


def parse_date_time(text: str, day: date | None = None, what: str = "date and time") -> datetime:
    """The UTC instant of a Zurich wall time typed as ``dd.mm.yyyy HH:MM``.

    With ``day`` a time alone (``11:00``, ``11``) is taken on that day.
    """
    raw = (text or "").strip()
    form = "HH:MM or dd.mm.yyyy HH:MM" if day is not None else "dd.mm.yyyy HH:MM"
    found = _DATE_TIME.match(raw)
    if found:
        wanted = _date_of(found, raw, what)
    elif day is not None and (found := _TIME_ONLY.match(raw)):
        wanted = day
    else:
        if _DATE_ONLY.match(raw):
            parse_date(raw, what)  # 31.02.2027 is "no such date" here too
            raise DateRefused(NEEDS_TIME, raw, what, form)
        raise DateRefused(FORMAT, raw, what, form)
    hour, minute = _time_of(found, raw, what)
    return clock.zurich_datetime(wanted, hour, minute)


def parse_day_or_time(text: str, day: date) -> date | datetime:
    """A date (``15.12.2026``), a time on ``day`` (``13``, ``13:00``) or both: where to go."""
    raw = (text or "").strip()
    if _DATE_ONLY.match(raw):
        return parse_date(raw)
    if _DATE_TIME.match(raw) or _TIME_ONLY.match(raw):
        return parse_date_time(raw, day)
    raise DateRefused(FORMAT, raw, "date or time", "dd.mm.yyyy or HH:MM")


def parse_birth_date(text: str) -> date:
    """A birth date: a date, not in the future, not before 1900."""
    value = parse_date(text, "birth date")
    return check_birth_date(value, text)


def check_birth_date(value: date, text: str | None = None) -> date:
    shown = text if text is not None else value.isoformat()
    if value > clock.today():
        raise DateRefused(FUTURE, shown, "birth date")
    if value.year < 1900:
        raise DateRefused(TOO_EARLY, shown, "birth date")
    return value
