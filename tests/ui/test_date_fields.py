"""One date parser and one set of messages for every field that takes a date.

31.02.2027 is "Dieses Datum gibt es nicht." wherever it is typed: the birth
date of the person form, a recall's due date, the credits' date range, the
agenda's ``g``, the appointment form, the move dialog, Compose's send time.
The parser is core's (``core/dates.py``, English, with a code); the words
are the interface's.
"""

from __future__ import annotations

from datetime import date

import pytest

from vitosms_tui.core import clock, dates, ledger_export, persons, recall
from vitosms_tui.core.dates import DateRefused
from vitosms_tui.ui import i18n
from vitosms_tui.ui.modals.date_time import AskDateTime, DateTimeError, date_problem, parse_date_time
from vitosms_tui.ui.screens.person_form import check_field
from vitosms_tui.ui.texts.refusals import refusal_text
from vitosms_tui.ui.widgets.send_time import SendTimeError, parse_when

from .pilot_helpers import settle
from .test_agenda import SIZE, TODAY, open_agenda, reachable_appointment

NO_SUCH_DATE = "Dieses Datum gibt es nicht."


@pytest.fixture
def german():
    before = i18n.language()
    i18n.set_language("de")
    yield
    i18n.set_language(before)


def refusal(call, *args) -> DateRefused:
    with pytest.raises(DateRefused) as refused:
        call(*args)
    assert refused.value.code == "invalid_date"  # what the command line has always answered
    return refused.value


def test_core_names_the_same_mistake_in_every_date_field():
    for call, text in (
        (dates.parse_date, "31.02.2027"),
        (persons.parse_birth_date, "31.02.2020"),
        (recall.parse_due, "31.02.2027"),
        (ledger_export.parse_range, "01.02.2027 - 31.02.2027"),
        (dates.parse_date_time, "31.02.2027 10:00"),
    ):
        assert refusal(call, text).problem == dates.NO_SUCH_DATE, call


def test_the_forms_core_accepts():
    clock.set_now("2026-11-27T09:00")
    day = date(2026, 11, 27)
    at_eleven = clock.zurich_datetime(day, 11, 0)
    assert dates.parse_date("27.11.2026") == dates.parse_date("27.11.26") == dates.parse_date("2026-11-27") == day
    assert dates.parse_date_time("27.11.2026 11:00") == at_eleven
    for time_alone in ("11:00", "11", "11.00", "11h00", " 11:00 "):
        assert dates.parse_date_time(time_alone, day) == at_eleven, time_alone
    assert dates.parse_day_or_time("13", day) == clock.zurich_datetime(day, 13, 0)
    assert dates.parse_day_or_time("15.12.2026", day) == date(2026, 12, 15)
    assert refusal(dates.parse_date_time, "11:00").problem == dates.FORMAT  # no day to keep
    assert refusal(dates.parse_date_time, "27.11.2026").problem == dates.NEEDS_TIME
    assert refusal(dates.parse_date_time, "24:00", day).problem == dates.NO_SUCH_TIME
    assert refusal(dates.parse_day_or_time, "morgen", day).problem == dates.FORMAT
    assert refusal(persons.parse_birth_date, "01.01.2030").problem == dates.FUTURE
    assert refusal(persons.parse_birth_date, "01.01.1899").problem == dates.TOO_EARLY


def test_the_interface_says_it_in_the_same_words_everywhere(german, practice):
    assert check_field("birth_date", "31.02.2020") == NO_SUCH_DATE
    with pytest.raises(DateRefused) as due:
        recall.parse_due("31.02.2027")
    assert refusal_text(due.value) == NO_SUCH_DATE
    with pytest.raises(DateRefused) as period:
        ledger_export.parse_range("31.02.2027")
    assert date_problem(period.value) == NO_SUCH_DATE
    with pytest.raises(DateTimeError) as typed:  # the appointment form, the move and copy dialogs
        parse_date_time("31.02.2027 10:00")
    assert str(typed.value) == NO_SUCH_DATE
    with pytest.raises(SendTimeError) as send_at:
        parse_when("31.02.2027 10:00")
    assert send_at.value.message == NO_SUCH_DATE
    assert check_field("birth_date", "1.1.2099") == "Das Geburtsdatum liegt in der Zukunft."


async def test_goto_and_move_say_it_below_their_field(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await pilot.press("g", *"31.02.2027", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AskDateTime)  # the dialog stays open and says why
        assert str(app.screen.query_one("#date-time-error").render()) == NO_SUCH_DATE
        await pilot.press("escape")
        await settle(pilot)
        appointment = reachable_appointment("DUB", TODAY)
        screen.go_to_appointment(appointment.id)
        await settle(pilot)
        await pilot.press("m", *"31.02.2027 11:00", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AskDateTime)
        assert str(app.screen.query_one("#date-time-error").render()) == NO_SUCH_DATE
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
