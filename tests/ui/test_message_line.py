"""The answer to an action fades: it is never read later as news about another selection."""

from __future__ import annotations

from vitosms_tui.ui.widgets import message_line
from vitosms_tui.ui.widgets.message_line import MessageLine

from .pilot_helpers import settle, wait_until


async def test_an_answer_in_the_agenda_goes_after_a_while_and_a_new_one_starts_its_own_time(make_app, monkeypatch):
    monkeypatch.setattr(message_line, "DONE_SECONDS", 0.3)
    monkeypatch.setattr(message_line, "ERROR_SECONDS", 0.6)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        line = app.screen.query_one("#agenda-message", MessageLine)
        app.screen.say("Nicht verschoben.", error=True)
        await pilot.pause()
        assert line.text == "Nicht verschoben."
        assert line.has_class("-error")
        await wait_until(pilot, lambda: line.text == "", tries=400)
        assert not line.has_class("-error")
        app.screen.say("Gebucht.")
        app.screen.say("Verschoben.")  # the newer answer replaces the older and its timer
        await pilot.pause()
        assert line.text == "Verschoben."
        await wait_until(pilot, lambda: line.text == "", tries=400)
