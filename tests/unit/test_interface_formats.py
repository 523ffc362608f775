"""The interface's dates and numbers, written out without babel, are what babel (CLDR) gives."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_decimal

from vitosms_tui.core import clock
from vitosms_tui.ui import i18n

PATTERNS = {"wide": "EEEE", "abbreviated": "EEE", "short": "EEEEEE"}


@pytest.fixture(params=i18n.LANGUAGES)
def language(request):
    before = i18n.language()
    i18n.set_language(request.param)
    yield request.param
    i18n.set_language(before)


def test_weekday_names_are_cldr_s(language):
    monday = date(2026, 11, 23)
    for width, pattern in PATTERNS.items():
        for offset in range(7):
            day = monday + timedelta(days=offset)
            assert i18n.weekday(day, width) == babel_date(day, pattern, locale=i18n.babel_locale())


def test_dates_days_and_numbers_are_cldr_s(language):
    locale = i18n.babel_locale()
    for day in (date(1900, 1, 1), date(1980, 3, 12), date(2026, 11, 27)):
        assert i18n.format_date(day) == babel_date(day, "dd.MM.yyyy", locale=locale)
    # a summer and a winter instant: shown in Zurich time either side of the change
    for instant in (
        datetime(2026, 7, 1, 6, 5, tzinfo=UTC),
        datetime(2026, 11, 27, 23, 30, tzinfo=UTC),
    ):
        local = clock.local(instant)
        assert i18n.format_datetime(instant) == babel_datetime(local, "dd.MM.yyyy HH:mm", locale=locale)
        assert i18n.format_day(instant) == babel_datetime(local, "EEE dd.MM.yyyy HH:mm", locale=locale)
        assert i18n.format_day(instant, year=False) == babel_datetime(local, "EEE dd.MM. HH:mm", locale=locale)
    for number in (0, 7, 999, 1000, 2556, -12556, 999999):
        assert i18n.format_number(number) == format_decimal(number, locale=locale)
    # babel leaves numbers of a million and more ungrouped (1234567); the Swiss way groups them all
    assert i18n.format_number(1234567) == "1'234'567"
    assert i18n.format_date(None) == i18n.format_datetime(None) == ""
