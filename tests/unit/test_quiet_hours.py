"""Quiet hours: windows across midnight and within a day, DST, the edges."""

from __future__ import annotations

from datetime import datetime

import pytest

from vitosms_tui.core import clock
from vitosms_tui.core.models import Mandant
from vitosms_tui.core.quiet_hours import (
    describe,
    in_quiet_hours,
    latest_allowed_before,
    next_allowed_at_or_after,
)


def zh(text: str) -> datetime:
    """A Zurich wall-clock time as an aware UTC instant."""
    return clock.parse_instant(text)


NIGHT = Mandant(code="A", name="A", sender="A")  # defaults 20:00-08:00
NOON = Mandant(code="B", name="B", sender="B", quiet_start="12:00", quiet_end="13:30")
NONE = Mandant(code="C", name="C", sender="C", quiet_start="00:00", quiet_end="00:00")


@pytest.mark.parametrize(
    "text, quiet",
    [
        ("2026-05-04T19:59", False),
        ("2026-05-04T20:00", True),
        ("2026-05-04T23:59", True),
        ("2026-05-05T00:00", True),
        ("2026-05-05T07:59", True),
        ("2026-05-05T08:00", False),
        ("2026-05-05T12:00", False),
    ],
)
def test_window_across_midnight(text, quiet):
    assert in_quiet_hours(zh(text), NIGHT) is quiet


@pytest.mark.parametrize(
    "text, quiet",
    [
        ("2026-05-04T11:59", False),
        ("2026-05-04T12:00", True),
        ("2026-05-04T13:29", True),
        ("2026-05-04T13:30", False),
        ("2026-05-04T22:00", False),
    ],
)
def test_window_within_a_day(text, quiet):
    assert in_quiet_hours(zh(text), NOON) is quiet


def test_equal_start_and_end_means_no_quiet_hours():
    assert not in_quiet_hours(zh("2026-05-04T00:00"), NONE)
    assert latest_allowed_before(zh("2026-05-04T03:00"), NONE) == zh("2026-05-04T03:00")
    assert describe(NONE) == "none"
    assert describe(NIGHT) == "20:00-08:00"


def test_latest_allowed_before_moves_to_the_evening_before():
    allowed = zh("2026-05-04T19:59")
    assert latest_allowed_before(zh("2026-05-04T21:30"), NIGHT) == allowed
    assert latest_allowed_before(zh("2026-05-05T07:00"), NIGHT) == allowed  # after midnight
    assert latest_allowed_before(zh("2026-05-05T09:00"), NIGHT) == zh("2026-05-05T09:00")
    assert latest_allowed_before(zh("2026-05-04T12:45"), NOON) == zh("2026-05-04T11:59")


def test_next_allowed_is_the_end_of_the_window():
    assert next_allowed_at_or_after(zh("2026-05-04T21:30"), NIGHT) == zh("2026-05-05T08:00")
    assert next_allowed_at_or_after(zh("2026-05-05T06:00"), NIGHT) == zh("2026-05-05T08:00")
    assert next_allowed_at_or_after(zh("2026-05-05T08:00"), NIGHT) == zh("2026-05-05T08:00")
    assert next_allowed_at_or_after(zh("2026-05-04T12:10"), NOON) == zh("2026-05-04T13:30")


def test_windows_keep_wall_clock_times_across_dst():
    # the night the clocks go back (25.10.2026, 03:00 summer time becomes 02:00): 13 hours of real time
    end = next_allowed_at_or_after(zh("2026-10-24T21:00"), NIGHT)
    assert clock.local(end).strftime("%H:%M") == "08:00"
    assert end == datetime(2026, 10, 25, 7, 0, tzinfo=clock.UTC)
    start = latest_allowed_before(zh("2026-10-25T05:00"), NIGHT)
    assert start == datetime(2026, 10, 24, 17, 59, tzinfo=clock.UTC)  # 19:59 CEST
    # the night the clocks go forward (29.03.2026, 02:00 winter time becomes 03:00)
    end = next_allowed_at_or_after(zh("2026-03-28T23:00"), NIGHT)
    assert end == datetime(2026, 3, 29, 6, 0, tzinfo=clock.UTC)  # 08:00 CEST
    assert in_quiet_hours(datetime(2026, 3, 29, 5, 59, tzinfo=clock.UTC), NIGHT)
    assert not in_quiet_hours(datetime(2026, 3, 29, 6, 0, tzinfo=clock.UTC), NIGHT)


def test_naive_instants_are_zurich_time():
    assert in_quiet_hours(datetime(2026, 5, 4, 21, 0), NIGHT)
    assert not in_quiet_hours(datetime(2026, 5, 4, 19, 0), NIGHT)
