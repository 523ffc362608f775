"""SVG snapshots of the Recall view (two recalls selected, their cost) and the service settings.

The practice is seeded (300 persons, seed 1), the recalls are those of
``test_recall.seed_recalls`` and the clock stands at 27.11.2026 09:00, so the
pictures are the same on every run. After a wanted change of the look:
``pytest tests/ui/test_snapshots_recall.py --snapshot-update`` and look at the
new SVGs before committing them.
"""

from __future__ import annotations

from .pilot_helpers import settle, wait_until
from .test_recall import seed_recalls

SIZE = (120, 40)


def test_recall_view_with_two_selected(make_app, snap_compare):
    made = seed_recalls()

    async def run_before(pilot) -> None:
        await pilot.press("f6")
        await settle(pilot)
        screen = pilot.app.screen
        ids = [line.id for line in screen.lines]
        table = screen.query_one("#recall-table")
        for name in ("overdue", "month_end"):
            table.move_cursor(row=ids.index(made[name].id))
            await pilot.press("space")
            await settle(pilot)
        await wait_until(pilot, lambda: screen.cost is not None)
        table.move_cursor(row=ids.index(made["deceased"].id))
        await settle(pilot)

    assert snap_compare(make_app(language="en"), terminal_size=SIZE, run_before=run_before)


def test_service_settings(make_app, snap_compare):
    async def run_before(pilot) -> None:
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await wait_until(pilot, lambda: bool(pilot.app.screen.template_keys))
        await settle(pilot)

    assert snap_compare(make_app(language="en"), terminal_size=SIZE, run_before=run_before)
