"""SVG snapshots of the Journal: the list in colour, a message's detail, the attention view.

The practice is seeded (seed 1), the clock stands at 27.11.2026 09:00 and the
messages are queued and moved on by a named worker, so the pictures are the
same on every run. After a wanted change of the look:
``pytest tests/ui/test_snapshots_journal.py --snapshot-update`` and look at
the new SVGs before committing them.
"""

from __future__ import annotations

import uuid

from vitosms_tui.core.models import Mandant, Message, MessageEvent

from .pilot_helpers import settle
from .test_journal import calm_start_view, journal_with_states  # noqa: F401 - the fixture is used

SIZE = (120, 40)


def skipped_by_automation(person) -> Message:
    """The automation's journal entry for a reminder the Mandant could not pay."""
    dub = Mandant.get(Mandant.code == "DUB")
    message = Message.create(
        mandant=dub,
        person=person,
        channel="sms",
        recipient=person.mobile,
        body="Erinnerung",
        purpose="reminder",
        status="failed",
        credits=0,
        idempotency_key=uuid.uuid4().hex,
        auto_key="skipped:reminder:1:x",
        error="not enough credits (needs 1, has 0)",
        created_by="automation",
    )
    MessageEvent.create(message=message, kind="skipped", detail=message.error)
    return message


async def _to(pilot, message_id: int) -> None:
    await pilot.press("f4")
    await settle(pilot)
    table = pilot.app.screen.query_one("#journal-table")
    table.move_cursor(row=list(table.rows_by_id).index(message_id))
    await settle(pilot)


def test_journal_list(make_app, snap_compare):
    states = journal_with_states()
    skipped_by_automation(states["people"][2])

    async def run_before(pilot) -> None:
        await _to(pilot, states["failed"].id)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_message_detail_with_its_timeline(make_app, snap_compare):
    states = journal_with_states()

    async def run_before(pilot) -> None:
        await _to(pilot, states["failed"].id)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_attention_view_from_the_status_line(make_app, snap_compare):
    states = journal_with_states()
    skipped_by_automation(states["people"][2])

    async def run_before(pilot) -> None:
        await pilot.press("ctrl+g")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
