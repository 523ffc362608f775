"""Appointments from another agenda in the TUI: their mark in the agenda, their source in the
detail, that they can be moved and cancelled here, and the calendars in the service settings."""

from __future__ import annotations

from datetime import date

import pytest

from tests.calendars import calendar, event
from tests.radicale_server import LOGIN, PASSWORD, start_radicale, stop_radicale
from vitosms_tui.core import agenda, calendar_syncs, clock
from vitosms_tui.core.models import Appointment, CalendarSync, Mandant, Person
from vitosms_tui.ui.screens.agenda import AgendaScreen
from vitosms_tui.ui.screens.appointment_detail import AppointmentDetailScreen
from vitosms_tui.ui.widgets.agenda_grid import AgendaGrid
from vitosms_tui.ui.widgets.calendar_sync_table import CalendarSyncTable

from .pilot_helpers import settle, shown_text, wait_until
from .test_service_settings import open_settings

SIZE = (120, 40)
TODAY = date(2026, 11, 27)


def imported_one() -> Appointment:
    """A seeded appointment of DUB today, marked as brought in by an .ics import."""
    first = agenda.day_appointments(Mandant.get(Mandant.code == "DUB"), TODAY)[0]
    Appointment.update(source="ical", external_id="praxis-uid-1", external_version="x").where(
        Appointment.id == first.id
    ).execute()
    return Appointment.get_by_id(first.id)


def row_text(grid: AgendaGrid, appointment: Appointment) -> str:
    local = clock.local(appointment.start)
    slot = grid.sheet.slot_of_minute(local.hour * 60 + local.minute)
    return "".join(segment.text for segment in grid.render_line(slot - grid.top + 1))


async def test_an_imported_appointment_shows_its_mark_and_source_and_can_be_cancelled_here(make_app):
    appointment = imported_one()
    app = make_app(language="de")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AgendaScreen)
        screen.go_to_appointment(appointment.id)
        await settle(pilot)
        grid = screen.query_one(AgendaGrid)
        assert grid.cursor_item.id == appointment.id
        assert grid.cursor_item.source == "ical"
        assert "⇄" in row_text(grid, appointment)
        assert "⇄ importiert" in str(screen.query_one("#agenda-legend").render())
        assert "aus der anderen Agenda (iCalendar)" in str(screen.query_one("#agenda-selection").render())
        await pilot.press("enter")
        await settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, AppointmentDetailScreen)
        await wait_until(pilot, lambda: "praxis-uid-1" in shown_text(app))
        await pilot.press("escape")
        await settle(pilot)
        # the desk cancels it here like any other; it keeps its external id, so that the
        # next sync knows it (and leaves the cancellation alone while the other agenda is unchanged)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    cancelled = Appointment.get_by_id(appointment.id)
    assert (cancelled.status, cancelled.source, cancelled.external_id) == ("cancelled", "ical", "praxis-uid-1")


async def test_the_service_settings_show_each_calendar_with_its_last_run_and_error(make_app):
    calendar_syncs.remember_sync("DUB", "https://kalender.praxis.example/dub/", "praxis", "regenerate", 5)
    calendar_syncs.remember_sync("HAU", "https://kalender.praxis.example/hau/", "praxis", "withdraw", 0)
    dub, hau = CalendarSync.select().order_by(CalendarSync.id)
    calendar_syncs.record_run(dub.id, {"added": 3, "moved": 1, "cancelled": 0, "rejected": [{}]}, None)
    calendar_syncs.record_run(
        hau.id, None, "the calendar server kalender.praxis.example cannot be reached: connection refused"
    )
    app = make_app(language="de")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        table = screen.query_one(CalendarSyncTable)
        await wait_until(pilot, lambda: table.row_count == 2)
        first = [str(cell) for cell in table.get_row_at(0)]
        second = [str(cell) for cell in table.get_row_at(1)]
    assert first[0] == "DUB"
    assert "alle 5 Minuten" in first[2]
    assert "neue Erinnerung" in first[3]
    assert "3 neu, 1 verschoben, 0 abgesagt, 1 abgewiesen" in first[5]
    assert second[0] == "HAU"
    assert "von Hand" in second[2]
    assert "keine Erinnerung" in second[3]
    assert "Fehler: " in second[5]
    assert "connection refused" in second[5]


@pytest.fixture
def radicale(tmp_path):
    server = start_radicale(tmp_path / "radicale")
    yield server
    stop_radicale(server)


async def test_ctrl_g_reads_the_calendar_of_the_mandant_now(make_app, radicale):
    person = (
        Person.select()
        .where(
            Person.mobile.is_null(False) & (Person.deceased == False)  # noqa: E712
        )
        .order_by(Person.id)
        .first()
    )
    cal = radicale.make_calendar("dub")
    cal.save_event(
        calendar(
            event(
                "neu-1",
                "20261201T150000",
                "20261201T152000",
                attendee=f'CN="{person.last_name}, {person.first_name}":tel:{person.mobile}',
                birth=f"{person.birth_date:%d.%m.%Y}" if person.birth_date else "",
            )
        ).decode()
    )
    calendar_syncs.remember_sync("DUB", radicale.calendar_url("dub"), LOGIN, "regenerate", 0)
    app = make_app(language="de")
    app.settings.caldav.password = PASSWORD
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        table = screen.query_one(CalendarSyncTable)
        await wait_until(pilot, lambda: table.row_count == 1)
        assert "noch nicht gelaufen" in str(table.get_row_at(0)[5])
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: "1 neu" in str(table.get_row_at(0)[5]), tries=600)
        assert any("Kalender von DUB gelesen: 1 neu" in n.message for n in app._notifications)
    imported = Appointment.get(Appointment.external_id == "neu-1")
    assert (imported.person_id, imported.source, imported.mandant.code) == (person.id, "ical", "DUB")
    assert CalendarSync.get().last_ok_at is not None


async def test_ctrl_g_without_a_calendar_says_how_to_set_one_up(make_app):
    app = make_app(language="de")
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: any("Kein Kalender für DUB" in n.message for n in app._notifications))
    assert CalendarSync.select().count() == 0
