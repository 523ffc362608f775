"""F7 Persons: search among generated persons, edit with inline messages, consents, literal names."""

from __future__ import annotations

import html
import re

from textual.widgets import Input

from vitosms_tui.core import clock, persons
from vitosms_tui.core.models import AuditEntry, Person
from vitosms_tui.core.phone import format_phone
from vitosms_tui.ui.modals.confirm import Confirm
from vitosms_tui.ui.screens.person_form import PersonFormScreen
from vitosms_tui.ui.screens.persons import PersonsScreen

from .pilot_helpers import settle, wait_until

SIZE = (120, 40)


async def open_persons(pilot) -> PersonsScreen:
    await pilot.press("f7")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PersonsScreen)
    return pilot.app.screen


async def search(pilot, text: str):
    screen = pilot.app.screen
    screen.query_one("#person-search", Input).value = text
    await settle(pilot)
    return screen.query_one("#persons-table")


async def open_form_for(pilot, person: Person) -> PersonFormScreen:
    table = await search(pilot, f"{person.last_name} {person.first_name}")
    await pilot.press("down")  # from the search to the list
    await settle(pilot)
    while table.current_id != person.id:
        await pilot.press("down")
        await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PersonFormScreen)
    return pilot.app.screen


async def type_into(pilot, selector: str, text: str) -> None:
    """Fill a field as a paste would (key by key is tested with the search)."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = text
    await settle(pilot)


def a_person_with_mobile() -> Person:
    return (
        Person.select()
        .where(Person.mobile.is_null(False), Person.deceased == False)  # noqa: E712
        .order_by(Person.id)
        .offset(40)
        .first()
    )


async def test_search_finds_a_person_by_name_birth_date_and_mobile(make_app):
    wanted = a_person_with_mobile()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_persons(pilot)
        table = screen.query_one("#persons-table")
        assert table.row_count == 100  # the first 100 of 300, with a note to narrow the search
        for text in (
            f"{wanted.last_name} {wanted.first_name}",
            f"{wanted.last_name.lower()[:4]}",
            wanted.birth_date.strftime("%d.%m.%Y"),
            format_phone(wanted.mobile),
        ):
            table = await search(pilot, text)
            assert wanted.id in table.rows_by_id, text
        table = await search(pilot, "zzzz")
        assert table.row_count == 0
        assert "Keine Person gefunden" in str(screen.query_one("#person-count").render())


async def test_typing_keeps_the_latest_search(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_persons(pilot)
        await pilot.press(*"wyss sar")
        await settle(pilot)
        table = screen.query_one("#persons-table")
        names = {row.plain_name for row in table.rows_by_id.values()}
        assert names == {"Wyss Sarah"}


async def test_invalid_number_is_shown_at_the_field_and_nothing_changes(make_app):
    person = a_person_with_mobile()
    before = Person.get_by_id(person.id).mobile
    audits = AuditEntry.select().count()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_persons(pilot)
        form = await open_form_for(pilot, person)
        await type_into(pilot, "#f-mobile", "044 123 45 67")  # a landline
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form
        assert "Keine Natelnummer" in str(form.query_one("#e-mobile").render())
        assert "markierten Felder" in str(form.query_one("#form-error").render())
        assert form.query_one("#f-mobile").has_class("-invalid-field")
        await type_into(pilot, "#f-mobile", "12")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Keine gültige Telefonnummer" in str(form.query_one("#e-mobile").render())
        await type_into(pilot, "#f-birth_date", "31.02.1980")
        await pilot.press("tab")  # leaving the field checks it
        await settle(pilot)
        assert str(form.query_one("#e-birth_date").render()) == "Dieses Datum gibt es nicht."  # as in every date field
    assert Person.get_by_id(person.id).mobile == before
    assert AuditEntry.select().count() == audits


async def test_edit_stores_the_number_in_e164(make_app):
    person = a_person_with_mobile()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_persons(pilot)
        await open_form_for(pilot, person)
        await type_into(pilot, "#f-mobile", "+41 (0)79 555 12 34")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PersonsScreen)
        detail = str(pilot.app.screen.query_one("#person-detail").render())
        assert "079 555 12 34" in detail
    assert Person.get_by_id(person.id).mobile == "+41795551234"


async def test_leaving_a_changed_form_asks_first(make_app):
    person = a_person_with_mobile()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_persons(pilot)
        form = await open_form_for(pilot, person)
        await type_into(pilot, "#f-email", "neu@example.ch")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, Confirm)
        await pilot.press("escape")  # no: stay in the form
        await settle(pilot)
        assert pilot.app.screen is form
        await pilot.press("escape", "j")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PersonsScreen)
    assert Person.get_by_id(person.id).email == person.email


async def test_consent_toggle_records_date_user_and_source(make_app):
    person = a_person_with_mobile()
    given = person.consent_birthday
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_persons(pilot)
        table = await search(pilot, f"{person.last_name} {person.first_name}")
        await pilot.press("down")
        await settle(pilot)
        while table.current_id != person.id:
            await pilot.press("down")
            await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(pilot.app.screen, Confirm)
        await pilot.press("j")
        await settle(pilot)
        detail = str(screen.query_one("#person-detail").render())
        assert "tui" in detail
    fresh = Person.get_by_id(person.id)
    assert fresh.consent_birthday is (not given)
    assert fresh.consent_birthday_source == "tui"
    assert clock.local(fresh.consent_birthday_at).strftime("%d.%m.%Y %H") == "27.11.2026 09"
    entry = AuditEntry.select().where(AuditEntry.action == "consent").order_by(AuditEntry.id.desc()).first()
    assert entry.user == "empfang"
    assert entry.person_id == person.id


async def test_new_person_with_ctrl_n(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_persons(pilot)
        await search(pilot, "Neuhaus Greta")
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, PersonFormScreen)
        # the search text is the start of the name
        assert form.query_one("#f-last_name", Input).value == "Neuhaus"
        assert form.query_one("#f-first_name", Input).value == "Greta"
        await type_into(pilot, "#f-birth_date", "03.04.1961")
        await type_into(pilot, "#f-mobile", "079 444 55 66")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PersonsScreen)
        table = pilot.app.screen.query_one("#persons-table")
        await wait_until(pilot, lambda: table.current_id is not None)
        created = Person.get_by_id(table.current_id)
    assert created.full_name == "Greta Neuhaus"
    assert created.mobile == "+41794445566"
    assert created.mandant.code == "DUB"  # the Mandant in the status line
    assert created.consent_reminder
    assert created.consent_recall
    assert not created.consent_birthday
    assert created.consent_reminder_source == "tui"


async def test_markup_and_escape_sequences_in_names_are_shown_literally(make_app):
    evil = Person.create(
        first_name="[bold]x[/]",
        last_name="Evil\x1b[2JName\x07",
        search_name=persons.search_name_of("[bold]x[/]", "EvilName"),
        email="[red]mail@example.ch",
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_persons(pilot)
        table = await search(pilot, "evilname")
        assert list(table.rows_by_id) == [evil.id]
        cell = table.cell_texts(table.rows_by_id[evil.id])["name"]
        assert cell == "EvilName [bold]x[/]"  # no escape byte, no bell
        await settle(pilot)
        detail = screen.query_one("#person-detail").render()
        assert "EvilName [bold]x[/]" in str(detail)
        assert "[red]mail@example.ch" in str(detail)
        # what reaches the screen: the brackets, literally, and no escape byte
        svg = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        text = re.sub(r"<[^>]+>", "", svg)
        assert "EvilName [bold]x[/]" in text
        assert "\x1b" not in svg


async def test_person_picker_returns_the_marked_persons(make_app):
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
        app.push_screen(PersonPicker(multiple=True), results.append)
        await settle(pilot)
        await pilot.press(*"wyss")
        await settle(pilot)
        await pilot.press("down", "space", "down", "space", "enter")
        await settle(pilot)
        app.push_screen(PersonPicker(), results.append)
        await settle(pilot)
        await pilot.press(*"wyss", "down", "down", "enter")
        await settle(pilot)
        app.push_screen(PersonPicker(), results.append)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
    assert results == [sorted(wyss[:2]), [wyss[1]], None]


def screen_text(app) -> list[str]:
    svg = html.unescape(app.export_screenshot()).replace("\xa0", " ")
    return [re.sub(r"<[^>]+>", "", line) for line in svg.split("\n")]


async def test_at_80_columns_the_list_keeps_name_and_full_birth_date(make_app):
    wanted = Person.select().where(Person.birth_date.is_null(False)).order_by(Person.search_name, Person.id).first()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_persons(pilot)
        table = await search(pilot, wanted.last_name)
        shown = [column.key for column, _ in table.layout_columns(table.size.width - table.HEAD_WIDTH)]
        assert shown[:2] == ["name", "birth"]
        assert "mandant" not in shown  # the least needed column went first
        born = wanted.birth_date.strftime("%d.%m.%Y")
        assert any(wanted.last_name in line and born in line for line in screen_text(app))


def test_narrow_widths_drop_the_mandant_then_the_state_then_the_mobile():
    from vitosms_tui.ui.widgets.person_table import PersonTable

    table = PersonTable()

    def keys(width):
        return [column.key for column, _ in table.layout_columns(width)]

    assert keys(120) == ["name", "birth", "mobile", "mandant", "state"]
    assert keys(60) == ["name", "birth", "mobile", "state"]
    assert keys(50) == ["name", "birth", "mobile"]
    assert keys(33) == ["name", "birth"]
    widths = dict((column.key, width) for column, width in table.layout_columns(33))
    assert widths == {"name": 33 - 12 - 2, "birth": 10}  # the name takes the room left


async def test_the_list_moves_by_key_and_click_and_the_detail_follows(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_persons(pilot)
        table = screen.query_one("#persons-table")
        await pilot.press("down")  # from the search into the list
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        last = table.rows[-1]
        assert table.current_id == last.id
        assert table.top == table.row_count - table.visible_rows  # scrolled so the last row shows
        assert last.first_name in str(screen.query_one("#person-detail").render())
        await pilot.press("home", "pagedown")
        await settle(pilot)
        assert table.cursor_row == table.visible_rows
        await pilot.click("#persons-table", offset=(2, 3))  # the third row on screen
        await settle(pilot)
        assert table.current_id == table.rows[table.top + 2].id
        assert table.rows[table.top + 2].first_name in str(screen.query_one("#person-detail").render())
