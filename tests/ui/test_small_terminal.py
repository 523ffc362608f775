"""At 80×24 every view stays usable, and a terminal that grows again shows everything again."""

from __future__ import annotations

from textual.widgets import DataTable, Input
from textual.widgets._footer import FooterKey

from vitosms_tui.ui.widgets.footer import KeyBar
from vitosms_tui.ui.widgets.journal_table import JournalTable

from .pilot_helpers import settle
from .screen_text import screen_lines
from .view_tour import VIEWS, practice_day

SMALL, LARGE = (80, 24), (140, 42)


def column_keys(table: DataTable) -> list[str]:
    return [column.key.value for column in table.ordered_columns]


def keys_in_rows(app) -> list[FooterKey]:
    return [key for bar in app.screen.query(KeyBar) for key in bar.query(FooterKey)]


async def test_journal_keeps_status_and_error_at_80_and_all_columns_after_growing(make_app):
    state = practice_day()
    async with make_app().run_test(size=SMALL) as pilot:
        await VIEWS["journal"](pilot, state)
        table = pilot.app.screen.query_one(JournalTable)
        small = column_keys(table)
        assert {"status", "error", "person", "at"} <= set(small)
        assert "mandant" not in small
        assert "credits" not in small
        row = [str(cell) for cell in table.get_row(str(state["refused"].id))]
        assert "fehlgeschlagen" in row
        assert any(cell.startswith("Diese Nummer kann keine") for cell in row)
        assert table.current_id == state["refused"].id

        await pilot.resize_terminal(*LARGE)
        await settle(pilot)
        assert column_keys(table) == [
            "at",
            "mandant",
            "channel",
            "recipient",
            "person",
            "purpose",
            "status",
            "credits",
            "error",
        ]
        assert table.current_id == state["refused"].id  # the cursor stays on its message
        assert len(table.rows) == len(table.rows_by_id) == 5

        await pilot.resize_terminal(*SMALL)
        await settle(pilot)
        assert column_keys(table) == small


async def test_no_key_of_the_key_rows_is_cut_at_80_columns(make_app):
    state = practice_day()
    for view in ("agenda_day", "compose", "journal", "credits", "recall"):
        async with make_app().run_test(size=SMALL) as pilot:
            await VIEWS[view](pilot, state)
            keys = keys_in_rows(pilot.app)
            assert keys, view
            for key in keys:
                assert key.region.right <= SMALL[0], (view, key.description)
            if view == "agenda_day":  # the agenda's most used key stays in its row
                assert "Erinnern" in [key.description for key in keys]


async def test_compose_fields_keep_a_label_and_room_at_80_columns(make_app):
    state = practice_day()
    async with make_app().run_test(size=SMALL) as pilot:
        await VIEWS["compose"](pilot, state)
        subject = pilot.app.screen.query_one("#compose-subject", Input)
        when = pilot.app.screen.query_one("#compose-when", Input)
        assert subject.border_title == "Betreff"
        assert when.border_title == "Senden am"
        assert subject.content_region.width >= 15
        assert when.content_region.width >= 15
        await pilot.resize_terminal(*LARGE)
        await settle(pilot)
        assert subject.border_title == "Betreff (nur E-Mail)"


async def test_agenda_titles_keep_whole_words_before_their_count(make_app):
    state = practice_day()
    async with make_app().run_test(size=SMALL) as pilot:
        await VIEWS["agenda_day"](pilot, state)
        head = screen_lines(pilot.app.export_screenshot())[2]
        assert "Dr méd. Claire… " in head
        assert "Claire D" not in head
        await VIEWS["agenda_week"](pilot, state)
        head = screen_lines(pilot.app.export_screenshot())[2]
        assert "Mo 30.11" in head


def test_shortened_by_whole_words_with_a_mark_that_it_goes_on():
    from vitosms_tui.ui.texts.fit import column_head, shorten

    assert shorten("DUB Dr méd. Claire Dubois", 19) == "DUB Dr méd. Claire…"
    assert shorten(" Huber Daniel · Besprechung", 22) == " Huber Daniel…"
    assert shorten(" 08:15 Keller M.", 12) == " 08:15 Kell…"  # whole words would leave it nearly empty
    assert shorten("kurz", 10) == "kurz"
    assert column_head("DUB Dr méd. Claire Dubois", "", "8 ", 23) == (" DUB Dr méd. Claire… ", "8 ")
    # a week's day: the short title, and the count gives way before the date
    assert column_head("Mo. 30.11.", "Mo 30.11", "8 ", 9) == (" Mo 30.11", "")
    assert column_head("Mo. 30.11.", "Mo 30.11", "8 ", 18) == (" Mo. 30.11.     ", "8 ")


async def test_at_80_columns_the_balance_stays_beside_failures_replies_and_quiet_hours(make_app):
    from datetime import timedelta

    from vitosms_tui.core import clock
    from vitosms_tui.ui.widgets.status_line import Status, StatusLine

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        now = clock.now()
        app.status = Status(
            user="empfang",
            mandant_code="DUB",
            mandant_name="Dr méd. Claire Dubois",
            balance=998,
            now=now,
            attention=2,
            unread=7,
            quiet_until=now + timedelta(hours=1),
        )
        line = str(app.screen.query_one(StatusLine).render())
        assert "998 Credits" in line  # what the desk may spend stays in sight
        assert "⚠ 2" in line
        assert "✉ 7 F10" in line
        assert len(line) <= SMALL[0]
