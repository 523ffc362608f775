"""F2 Agenda: every slot of an appointment selects it; J/K jump from appointment to appointment."""

from __future__ import annotations

from vitosms_tui.core import agenda, clock
from vitosms_tui.ui.modals.remind_chooser import RemindChooser

from .pilot_helpers import settle
from .test_agenda import SIZE, TODAY, booked, go_to, open_agenda


def long_appointment():
    """An appointment of today that runs through more than one slot of 15 minutes."""
    for appointment in booked("DUB", TODAY):
        if appointment.minutes > 15:
            return appointment
    appointment = booked("DUB", TODAY)[0]
    agenda.edit_appointment(appointment.id, "test", minutes=30, reason=appointment.reason)
    return agenda.get_appointment(appointment.id)


async def test_the_second_slot_of_an_appointment_selects_it(make_app):
    appointment = long_appointment()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await go_to(pilot, screen, appointment)
        start_slot = grid.slot
        await pilot.press("shift+down")  # the next slot: the appointment runs on through it
        await settle(pilot)
        assert grid.slot == start_slot + 1
        assert grid.cursor_item is not None
        assert grid.cursor_item.id == appointment.id
        line = str(screen.query_one("#agenda-selection").render())
        assert "frei" not in line
        assert clock.local(appointment.start).strftime("%H:%M") in line
        await pilot.press("r")  # the reminder menu opens for it instead of "no appointment"
        await settle(pilot)
        assert isinstance(app.screen, RemindChooser)


async def test_shift_j_and_k_go_to_the_next_and_previous_appointment(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        day = [a for a in booked("DUB", TODAY)]
        assert len(day) >= 3
        await go_to(pilot, screen, day[0])
        await pilot.press("J")
        await settle(pilot)
        assert grid.cursor_item.id == day[1].id
        await pilot.press("J")
        await settle(pilot)
        assert grid.cursor_item.id == day[2].id
        await pilot.press("K", "K")
        await settle(pilot)
        assert grid.cursor_item.id == day[0].id
        await pilot.press("K")  # nothing before the first: the cursor stays
        await settle(pilot)
        assert grid.cursor_item.id == day[0].id


async def test_the_status_line_says_so_during_the_quiet_hours(make_app):
    from .test_shell import status_text

    clock.set_now("2026-11-27T22:30")  # the evening: quiet hours 20:00-08:00 by default
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_agenda(pilot)  # the first screen says it, before anything is refused for it
        assert "Versand ab 08:00" in status_text(app)
        clock.set_now("2026-11-28T08:05")
        app.refresh_status()
        await settle(pilot)
        assert "Versand ab" not in status_text(app)
