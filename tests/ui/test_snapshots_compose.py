"""SVG snapshot of F3 Compose: one recipient, a text with a character outside GSM-7.

The practice is seeded (300 persons, seed 1) and the clock stands at
27.11.2026 09:00. The picture is in English so that it does not change when
the German catalogue is updated. After a wanted change of the look:
``pytest tests/ui/test_snapshots_compose.py --snapshot-update`` and look at
the new SVG before committing it.
"""

from __future__ import annotations

from vitosms_tui.core.models import Mandant, Person
from vitosms_tui.ui import app as app_module

from .pilot_helpers import settle, wait_until

SIZE = (120, 40)
TEXT = "{greeting}, Ihr Rezept liegt bereit.\nBonne journée – à bientôt!\n{practice}"


def test_compose_with_one_recipient_and_a_text(make_app, snap_compare, monkeypatch):
    monkeypatch.setattr(app_module, "START_MODE", "persons")
    person = (
        Person.select()
        .join(Mandant)
        .where(Mandant.code == "DUB", Person.mobile.is_null(False), Person.deceased == False)  # noqa: E712
        .order_by(Person.id)
        .first()
    )

    async def run_before(pilot) -> None:
        await pilot.press("f3")
        await settle(pilot)
        screen = pilot.app.screen
        screen.add_recipients([person.id])
        screen.query_one("#compose-editor").load_text(TEXT)
        await settle(pilot)
        await wait_until(pilot, lambda: screen.cost_is_current)
        screen.query_one("#compose-recipients").focus()  # no blinking cursor in the picture
        await settle(pilot)

    assert snap_compare(make_app(language="en"), terminal_size=SIZE, run_before=run_before)
