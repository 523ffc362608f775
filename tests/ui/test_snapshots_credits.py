"""SVG snapshots of F5 Credits and its windows (in English, so the pictures do not follow the catalogue).

The practice is seeded (seed 1) and the clock stands at 27.11.2026 09:00.
After a wanted change of the look:
``pytest tests/ui/test_snapshots_credits.py --snapshot-update``, then look
at the new SVGs before committing them.
"""

from __future__ import annotations

import pytest

from vitosms_tui.core import credits, mandanten
from vitosms_tui.core.config import Settings
from vitosms_tui.core.models import Order, Setting

from .pilot_helpers import settle

SIZE = (120, 40)


@pytest.fixture
def credits_app(practice):
    """A low Mandant (HAU) and one order for DUB with a fixed customer number."""
    from vitosms_tui.ui.app import VitoSmsApp

    mandanten.update_settings(mandanten.get_mandant("HAU"), user="test", low_balance=600)
    credits.order(mandanten.get_mandant("DUB"), 1, "servicedesk")
    Setting.update(value="VS-20261127090000").where(Setting.key == "customer_number").execute()
    Order.update(customer_number="VS-20261127090000").execute()

    def make(user: str = "empfang"):
        settings = Settings()
        settings.ui_language = "en"
        return VitoSmsApp(user=user, settings=settings, db_url=practice)

    return make


async def _credits(pilot) -> None:
    await pilot.press("f5")
    await settle(pilot)


def test_credits_view_as_front_desk_after_pressing_transfer(credits_app, snap_compare):
    async def run_before(pilot) -> None:
        await _credits(pilot)
        await pilot.press("t")
        await settle(pilot)

    assert snap_compare(credits_app(), terminal_size=SIZE, run_before=run_before)


def test_order_window(credits_app, snap_compare):
    async def run_before(pilot) -> None:
        await _credits(pilot)
        await pilot.press("down", "o")
        await settle(pilot)

    assert snap_compare(credits_app("servicedesk"), terminal_size=SIZE, run_before=run_before)


def test_transfer_window_with_a_refusal(credits_app, snap_compare):
    async def run_before(pilot) -> None:
        await _credits(pilot)
        await pilot.press("t")
        await settle(pilot)
        pilot.app.screen.query_one("#transfer-amount").cursor_blink = False  # the same picture every time
        await pilot.press("9", "9", "9", "9", "enter")
        await settle(pilot)

    assert snap_compare(credits_app("servicedesk"), terminal_size=SIZE, run_before=run_before)


def test_legacy_balance_window_with_its_split(credits_app, snap_compare):
    async def run_before(pilot) -> None:
        await _credits(pilot)
        await pilot.press("m")
        await settle(pilot)
        pilot.app.screen.query_one("#migrate-total").cursor_blink = False
        await pilot.press("1", "0", "0")
        await settle(pilot)

    assert snap_compare(credits_app("servicedesk"), terminal_size=SIZE, run_before=run_before)
