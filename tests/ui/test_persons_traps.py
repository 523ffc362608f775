"""F7 Persons: nothing a person types into a search can change data."""

from __future__ import annotations

from textual.widgets import Input

from vitosms_tui.core.models import Person
from vitosms_tui.ui.modals.confirm import Confirm
from vitosms_tui.ui.screens.person_form import PersonFormScreen
from vitosms_tui.ui.screens.persons import PersonsScreen

from .pilot_helpers import settle

SIZE = (120, 40)


def consents(person_id: int) -> tuple:
    person = Person.get_by_id(person_id)
    return person.consent_reminder, person.consent_recall, person.consent_birthday


async def list_focused(pilot) -> PersonsScreen:
    await pilot.press("f7")
    await settle(pilot)
    screen = pilot.app.screen
    await pilot.press("down")  # from the search into the list
    await settle(pilot)
    assert screen.focused is screen.query_one("#persons-table")
    return screen


async def test_the_search_has_the_focus_whenever_persons_opens(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await list_focused(pilot)
        await pilot.press("f2", "f7")  # away and back: the list had the focus
        await settle(pilot)
        assert app.screen is screen
        assert screen.focused is screen.query_one("#person-search", Input)


async def test_a_name_typed_while_the_list_has_the_focus_goes_into_the_search(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await list_focused(pilot)
        await pilot.press(*"keller")
        await settle(pilot)
        assert isinstance(app.screen, PersonsScreen)  # no edit form opened by the "e"
        search = screen.query_one("#person-search", Input)
        assert search.value == "keller"
        assert screen.focused is search


async def test_a_consent_key_asks_first_and_an_enter_says_no(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await list_focused(pilot)
        person_id = screen.query_one("#persons-table").current_id
        before = consents(person_id)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("enter")  # the Enter of a search typed on
        await settle(pilot)
        assert consents(person_id) == before


async def test_enter_in_the_person_form_moves_on_and_only_ctrl_s_saves(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await list_focused(pilot)
        person_id = screen.query_one("#persons-table").current_id
        old_last = Person.get_by_id(person_id).last_name
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, PersonFormScreen)
        field = form.query_one("#f-last_name", Input)
        field.focus()
        field.value = "Umbenannt"
        await pilot.press("enter")
        await settle(pilot)
        # moved on, not saved
        assert app.screen is form
        assert form.focused is not field
        assert Person.get_by_id(person_id).last_name == old_last
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, PersonFormScreen)
        assert Person.get_by_id(person_id).last_name == "Umbenannt"


async def test_a_name_and_enter_in_the_person_picker_take_the_top_hit(make_app):
    from vitosms_tui.ui.widgets.person_picker import PersonPicker

    wyss = [
        p.id
        for p in Person.select()
        .where(Person.last_name == "Wyss", Person.deceased == False)  # noqa: E712
        .order_by(Person.search_name, Person.id)
    ]
    results = []
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(PersonPicker(), results.append)
        await settle(pilot)
        await pilot.press(*"wyss", "enter")  # Enter at once: taken when the search has answered
        await settle(pilot)
        app.push_screen(PersonPicker(multiple=True), results.append)
        await settle(pilot)
        await pilot.press(*"wyss")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
    assert results == [[wyss[0]], [wyss[0]]]
