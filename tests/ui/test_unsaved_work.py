"""Unsaved work is never lost silently: Ctrl+Q and Escape ask first."""

from __future__ import annotations

from vitosms_tui.core.models import Appointment, Person
from vitosms_tui.ui.modals.appointment_form import AppointmentForm
from vitosms_tui.ui.modals.confirm import Confirm
from vitosms_tui.ui.screens.compose import ComposeScreen, MessageEditor

from .pilot_helpers import settle, take_in_picker

SIZE = (120, 40)


async def test_ctrl_q_with_a_message_being_written_asks_and_no_keeps_it(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        compose = app.screen
        assert isinstance(compose, ComposeScreen)
        compose.query_one(MessageEditor).load_text("Ihr Rezept liegt bereit.")
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert "Nachricht" in str(app.screen.message)
        await pilot.press("enter")  # "Zurück" has the focus
        await settle(pilot)
        assert app.is_running
        assert app.screen is compose
        assert compose.query_one(MessageEditor).text == "Ihr Rezept liegt bereit."
        await pilot.press("f2", "ctrl+q")  # from another view: the draft still counts
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("j")
        await settle(pilot)
    assert app.return_code == 0


async def test_ctrl_q_with_the_send_question_open_asks_too(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        app.screen.query_one(MessageEditor).load_text("Text")
        app.push_screen(Confirm("Senden?"))
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert app.is_running
        assert "beenden" in str(app.screen.message)


async def test_ctrl_q_with_nothing_held_quits_at_once(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert not app.is_running


async def test_escape_in_a_new_appointment_with_a_reason_typed_asks_first(make_app):
    person = Person.select().where(Person.deceased == False).order_by(Person.id).offset(10).first()  # noqa: E712
    before = Appointment.select().count()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await take_in_picker(pilot, person)
        form = app.screen
        assert isinstance(form, AppointmentForm)
        form.query_one("#a-reason").value = "Kontrolle"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("escape")  # no: back to the form, as it was
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#a-reason").value == "Kontrolle"
        await pilot.press("escape", "j")
        await settle(pilot)
        assert not isinstance(app.screen, AppointmentForm)
    assert Appointment.select().count() == before
