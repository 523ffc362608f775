"""SVG snapshots of the Persons view, the person form and the key help.

The practice is seeded (300 persons, seed 1) and the clock stands at
27.11.2026 09:00, so the pictures are the same on every run. After a wanted
change of the look: ``pytest tests/ui/test_snapshots_shell.py --snapshot-update``
and look at the new SVGs before committing them.
"""

from __future__ import annotations

from .calm_view import CALM_VIEW
from .pilot_helpers import settle

SIZE = (120, 40)


async def _persons(pilot) -> None:
    await pilot.press("f7")
    await settle(pilot)
    await pilot.press("down", "down")  # into the list: no blinking cursor in the picture
    await settle(pilot)


def test_persons_view(make_app, snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_persons)


def test_persons_search_narrowed(make_app, snap_compare):
    async def run_before(pilot) -> None:
        await pilot.press("f7")
        await settle(pilot)
        pilot.app.screen.query_one("#person-search").value = "wyss"
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_help_of_the_persons_view(make_app, snap_compare):
    async def run_before(pilot) -> None:
        await _persons(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_help_of_the_agenda_at_80_by_24_wraps_its_lines(make_app, snap_compare):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_person_form_with_an_inline_message(make_app, snap_compare):
    async def run_before(pilot) -> None:
        await _persons(pilot)
        await pilot.press("enter")
        await settle(pilot)
        pilot.app.screen.query_one("#f-mobile").value = "044 123 45 67"
        await pilot.press("ctrl+s")
        await settle(pilot)
        pilot.app.screen.query_one("#f-salutation").focus()  # no blinking cursor in the picture
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_key_rows_in_english(make_app, snap_compare, monkeypatch):
    from vitosms_tui.ui import app as app_module

    # a start view without keys of its own: the shell's keys and the view keys alone
    monkeypatch.setitem(app_module.MODES, app_module.START_MODE, app_module.View("f2", "Agenda", CALM_VIEW))

    async def run_before(pilot) -> None:
        await settle(pilot)

    assert snap_compare(make_app(language="en"), terminal_size=SIZE, run_before=run_before)
