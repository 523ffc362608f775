"""Every view of the app with the states a front desk meets, for pictures at any size.

:func:`practice_day` puts what the views show into the seeded practice:
messages that failed at the SMS provider and at the mail server (their
answers stored as the gateways store them), one delivered, one withdrawn
because its appointment moved, a package ordered, a reminder prepared,
recalls due. :data:`VIEWS` opens each view from a fresh start as a person
would, with keys.
"""

from __future__ import annotations

from datetime import date

from vitosms_tui.core import agenda, credits, mandanten, outbox, sending
from vitosms_tui.core.models import Mandant, Order, Setting
from vitosms_tui.core.sending import DeliveryReport

from .pilot_helpers import settle, wait_until
from .test_journal import WORKER, deliver, queue, reachable_persons
from .test_recall import seed_recalls

SMSC_REFUSAL = "SMSC: 0x0000000B ESME_RINVDSTADR"
MAIL_REFUSAL = "recipient refused: 550 5.1.1 <lea@example.org>: Recipient address rejected"


def practice_day() -> dict:
    """The states of a working day in the seeded practice (clock at 27.11.2026 09:00)."""
    dub, hau, _ros = Mandant.select().order_by(Mandant.code)
    people = reachable_persons(5)
    refused = queue(people[0], dub)
    assert any(m.id == refused.id for m in sending.claim(WORKER, 50, 60))
    assert sending.mark_permanent_failure(refused.id, WORKER, SMSC_REFUSAL)
    bounced = queue(people[1], dub, channel="email")
    assert any(m.id == bounced.id for m in sending.claim(WORKER, 50, 60))
    assert sending.mark_permanent_failure(bounced.id, WORKER, MAIL_REFUSAL)
    delivered = queue(people[2], dub)
    deliver(delivered)
    sending.record_reports([DeliveryReport(f"gw-{delivered.id}", True, delivered.created_at)])
    withdrawn = queue(people[3], dub)
    outbox.withdraw(withdrawn.id, "empfang", reason="appointment moved")
    credits.order(dub, 1, "servicedesk")
    Setting.update(value="VS-20261127090000").where(Setting.key == "customer_number").execute()
    Order.update(customer_number="VS-20261127090000").execute()
    mandanten.update_settings(hau, user="test", low_balance=600)
    reminded = next(
        a
        for a in agenda.day_appointments(dub, date(2026, 11, 30))
        if a.person.mobile and a.person.consent_reminder and a.person.preferred_channel != "email"
    )
    agenda.remind(reminded, "empfang")
    seed_recalls()
    return {"refused": refused, "bounced": bounced, "reminded": reminded.id}


async def _agenda_day(pilot, state) -> None:
    await settle(pilot)


async def _agenda_week(pilot, state) -> None:
    await settle(pilot)
    pilot.app.screen.go_to_appointment(state["reminded"])
    await settle(pilot)
    await pilot.press("w")
    await settle(pilot)


async def _compose(pilot, state) -> None:
    await pilot.press("f3")
    await settle(pilot)
    screen = pilot.app.screen
    screen.add_recipients([state["refused"].person_id])
    screen.query_one("#compose-editor").load_text("{greeting}, Ihr Rezept liegt bereit.\n{practice}")
    await settle(pilot)
    await wait_until(pilot, lambda: screen.cost_is_current)
    screen.query_one("#compose-recipients").focus()  # no blinking cursor in the picture
    await settle(pilot)


async def _journal(pilot, state) -> None:
    await pilot.press("f4")
    await settle(pilot)
    table = pilot.app.screen.query_one("#journal-table")
    table.move_cursor(row=list(table.rows_by_id).index(state["refused"].id))
    await settle(pilot)


async def _message_detail(pilot, state) -> None:
    await _journal(pilot, state)
    await pilot.press("enter")
    await settle(pilot)


async def _credits(pilot, state) -> None:
    await pilot.press("f5")
    await settle(pilot)


async def _recall(pilot, state) -> None:
    await pilot.press("f6")
    await settle(pilot)
    await wait_until(pilot, lambda: bool(pilot.app.screen.lines))


async def _persons(pilot, state) -> None:
    await pilot.press("f7")
    await settle(pilot)
    pilot.app.screen.query_one("#person-search").cursor_blink = False  # the same picture every time


async def _service_settings(pilot, state) -> None:
    await _recall(pilot, state)
    await pilot.press("s")
    await settle(pilot)
    await wait_until(pilot, lambda: bool(pilot.app.screen.template_keys))
    await settle(pilot)


VIEWS = {
    "agenda_day": _agenda_day,
    "agenda_week": _agenda_week,
    "compose": _compose,
    "journal": _journal,
    "message_detail": _message_detail,
    "credits": _credits,
    "recall": _recall,
    "persons": _persons,
    "service_settings": _service_settings,
}
