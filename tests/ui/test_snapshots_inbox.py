"""SVG snapshots of patients' answers: the Inbox and a declined appointment in the agenda.

The practice is seeded (seed 1), the clock stands at 27.11.2026 09:00, and the
answers come through ``core.replies`` (tests/ui/test_inbox.py), so the
pictures are the same on every run. After a wanted change of the look:
``pytest tests/ui/test_snapshots_inbox.py --snapshot-update`` and read them.
"""

from __future__ import annotations

from vitosms_tui.core.models import Mandant

from .pilot_helpers import settle
from .test_inbox import _answers

SIZE = (120, 40)


def test_inbox_unread_first_with_the_highlighted_reply(make_app, snap_compare):
    _answers()

    async def run_before(pilot) -> None:
        await pilot.press("f10")
        await settle(pilot)
        pilot.app.screen.query_one("#inbox-table").move_cursor(row=2)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_declined_appointment_in_the_agenda(make_app, snap_compare):
    found = _answers()

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.set_mandant(Mandant.get(Mandant.code == "HAU"))
        await settle(pilot)
        pilot.app.screen.go_to_appointment(found["declined"].id)
        await settle(pilot, rounds=3)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
