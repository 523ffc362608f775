"""The shell: views on function keys, help, Escape, Mandant switch, palette, language."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from textual.widgets import DataTable

from vitosms_tui.core import mandanten
from vitosms_tui.core.config import load_settings
from vitosms_tui.core.models import Mandant
from vitosms_tui.ui import app as app_module
from vitosms_tui.ui.modals.help import HelpScreen
from vitosms_tui.ui.screens.base import ShellScreen
from vitosms_tui.ui.screens.pending import PendingScreen
from vitosms_tui.ui.screens.persons import PersonsScreen
from vitosms_tui.ui.widgets.footer import KeyBar
from vitosms_tui.ui.widgets.status_line import StatusLine

from .pilot_helpers import settle, wait_until

SIZE = (120, 40)


def status_text(app) -> str:
    return app.screen.query_one(StatusLine).render().plain


def key_bar_text(app) -> str:
    return " ".join(
        f"{key.key_display} {key.description}"
        for bar in app.screen.query(KeyBar)
        for key in bar.children
        if hasattr(key, "key_display")
    )


def help_rows(app) -> list[tuple[str, str]]:
    table = app.screen.query_one(DataTable)
    return [tuple(str(cell).strip() for cell in table.get_row_at(index)) for index in range(table.row_count)]


async def test_function_keys_switch_views(make_app, monkeypatch):
    # a view whose module does not exist yet shows the calm "follows later" screen
    monkeypatch.setitem(
        app_module.MODES, "journal", ("f4", "Journal", "vitosms_tui.ui.screens.not_built_yet:JournalScreen")
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.current_mode == app_module.START_MODE
        for name, (key, _title, _target) in app_module.MODES.items():
            await pilot.press(key)
            await settle(pilot)
            assert app.current_mode == name
            assert isinstance(app.screen, ShellScreen)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, PersonsScreen)
        assert "Personen" in status_text(app)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, PendingScreen)
        assert "«Journal» folgt" in app.screen.query_one("#pending-text").render().plain


async def test_views_are_in_the_key_rows_in_german(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = key_bar_text(app)
        for expected in (
            "F1 Hilfe",
            "F2 Agenda",
            "F3 Nachricht",
            "F4 Journal",
            "F5 Guthaben",
            "F6 Recall",
            "F7 Personen",
            "F8 Mandant",
            "Esc Zurück",
            "^p Befehle",
        ):
            assert expected in text


async def test_f1_lists_every_key_of_the_view(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = dict(reversed(list(help_rows(app))))  # a key of the view before the general ones
        assert rows["F2"] == "Agenda"
        assert rows["F7"] == "Personen"
        assert rows["F8"] == "Mandant"
        assert rows["^n"] == "Neue Person"
        assert rows["⏎"] == "Bearbeiten"
        assert rows["1"] == "Einwilligung für Terminerinnerungen erfassen oder widerrufen"
        assert rows["3"] == "Einwilligung für Geburtstagsgrüsse erfassen oder widerrufen"
        assert rows["Esc"] == "Zurück"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PersonsScreen)


async def test_escape_backs_out_one_step_at_a_time(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5", "f7")
        await settle(pilot)
        await pilot.press(*"wyss")
        await settle(pilot)
        search = app.screen.query_one("#person-search")
        assert search.value == "wyss"
        await pilot.press("f1")
        await settle(pilot)
        await pilot.press("escape")  # closes the help
        await settle(pilot)
        assert app.current_mode == "persons"
        assert search.value == "wyss"
        await pilot.press("escape")  # clears the search
        await settle(pilot)
        assert app.current_mode == "persons"
        assert search.value == ""
        await pilot.press("escape")  # back to the previous view
        await settle(pilot)
        assert app.current_mode == "credits"
        await pilot.press("escape")
        await settle(pilot)
        assert app.current_mode == app_module.START_MODE
        await pilot.press("escape")  # nothing left to back out of: stays
        await settle(pilot)
        assert app.current_mode == app_module.START_MODE
        assert app.is_running


async def test_f8_switches_the_mandant_in_the_status_line(make_app, monkeypatch):
    seen = []
    monkeypatch.setattr(
        PersonsScreen, "mandant_switched", lambda self, mandant: seen.append(mandant.code), raising=False
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await settle(pilot)
        assert app.current_mandant.code == "DUB"  # the first active Mandant by code
        assert "empfang · DUB Dr méd. Claire Dubois · 500 Credits" in status_text(app)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.current_mandant.code == "HAU"
        assert "HAU Dr. med. Anna Hauser · 500 Credits" in status_text(app)
        assert seen == ["HAU"]
        await pilot.press("f8", "escape")  # cancelled: unchanged
        await settle(pilot)
        assert app.current_mandant.code == "HAU"


async def test_low_balance_is_marked(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "(knapp)" not in status_text(app)
        # changed elsewhere (the CLI, another desk): the next refresh shows it
        mandanten.update_settings(Mandant.get(Mandant.code == "DUB"), user="test", low_balance=600)
        app.refresh_status()
        await settle(pilot)
        assert "500 Credits (knapp)" in status_text(app)


async def test_palette_goes_to_a_person(make_app):
    from vitosms_tui.core.models import Person

    wanted = Person.select().where(Person.last_name == "Wyss").order_by(Person.id).first()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*f"{wanted.last_name} {wanted.first_name}")
        # the palette searches in the background; choose the first person offered
        from textual.command import CommandList

        commands = app.screen.query_one(CommandList)
        await wait_until(
            pilot, lambda: commands.option_count > 0 and "Person" in str(commands.get_option_at_index(0).prompt)
        )
        await pilot.press("enter")  # the first line is highlighted; the person's actions follow below
        await settle(pilot)
        assert app.current_mode == "persons"
        table = app.screen.query_one("#persons-table")
        await wait_until(pilot, lambda: table.current_id is not None and table.row_count < 10)
        assert app.screen.query_one("#person-search").value == f"{wanted.last_name} {wanted.first_name}"
        assert Person.get_by_id(table.current_id).full_name == wanted.full_name


async def test_english_is_a_setting(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await settle(pilot)
        text = key_bar_text(app)
        assert "F1 Help" in text
        assert "F7 Persons" in text
        assert "^n New person" in text
        assert "500 credits" in status_text(app)


def test_vitosms_lang_selects_the_language(monkeypatch):
    monkeypatch.setenv("VITOSMS_LANG", "en")
    assert load_settings(None).ui_language == "en"
    monkeypatch.setenv("VITOSMS_LANG", "de")
    assert load_settings(None).ui_language == "de"


def test_ui_without_a_terminal_is_a_usage_error(tmp_path):
    env = {**os.environ, "VITOSMS_DB": str(tmp_path / "x.db")}
    result = subprocess.run(
        [sys.executable, "-m", "vitosms_tui.cli.main", "ui"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "terminal" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("language", ["de", "en"])
def test_catalogue_is_complete_and_compiled(language):
    import importlib.util
    from pathlib import Path

    tool = Path(__file__).resolve().parents[2] / "tools" / "i18n.py"
    spec = importlib.util.spec_from_file_location("i18n_tool", tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert [p for p in module.problems() if p.startswith(language)] == []


async def test_an_empty_practice_still_opens(tmp_path):
    from vitosms_tui.core.config import Settings
    from vitosms_tui.core.db import open_database
    from vitosms_tui.core.schema import migrate
    from vitosms_tui.ui.app import VitoSmsApp

    path = str(tmp_path / "empty.db")
    database = open_database(path)
    migrate()
    app = VitoSmsApp(user="empfang", settings=Settings(), db_url=path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await settle(pilot)
        assert app.current_mandant is None
        assert "kein Mandant" in status_text(app)
        assert "Noch keine Personen" in str(app.screen.query_one("#person-count").render())
    database.close()


async def test_an_embedded_worker_runs_beside_the_interface(make_app):
    import asyncio
    import threading

    started, stopped, in_thread = asyncio.Event(), [], threading.Event()

    async def delivery() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.append(True)

    app = make_app(embedded_worker=delivery)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await wait_until(pilot, started.is_set)
        await pilot.press("f7", "escape")  # views come and go, delivery stays
        await settle(pilot)
        assert not stopped
    assert stopped == [True]  # cancelled when the app ends

    app = make_app(embedded_worker=in_thread.set)  # a plain callable runs in a thread
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, in_thread.is_set)
