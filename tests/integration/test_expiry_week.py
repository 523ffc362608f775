"""A week of automation and delivery, the clock stepped hour by hour, with the delivery worker
down for a day and a half: nothing is handed over after its moment or in the quiet hours, every
expired message is refunded once, the ledger adds up, and the desk's "no reminder" holds.

Automation keeps running through the outage (the practice's cron job, ``automation run``), so
reminders and a birthday greeting are queued that no worker hands over in time.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest

from vitosms_tui.core import agenda, automation, clock, credits, mandanten, persons
from vitosms_tui.core.config import Settings
from vitosms_tui.core.models import CreditEntry, Message
from vitosms_tui.core.quiet_hours import in_quiet_hours
from vitosms_tui.delivery.gateways.mock import HANDSET_FILE, MockGateway
from vitosms_tui.delivery.worker import DeliveryWorker

STEP = timedelta(hours=1)
WEEK = ("2026-12-07T00:00", "2026-12-14T00:00")  # Monday to Monday
OUTAGE = ("2026-12-09T18:00", "2026-12-11T12:00")  # Wednesday evening to Friday noon


def zh(text):
    return clock.parse_instant(text)


@pytest.fixture
def practice(mandant):
    clock.set_now("2026-12-06T12:00")
    credits.purchase(mandant, 400, "test")
    hau = mandanten.update_settings(mandant, auto_reminders=True, auto_birthday=True)
    people = [
        persons.add_person(
            persons.PersonInput(first_name=name, last_name="Test", mobile=mobile, mandant="HAU", birth_date=born),
            consents={"birthday": True},
            user="test",
        )
        for name, mobile, born in (
            ("Anna", "079 123 45 67", "1980-12-08"),
            ("Bea", "079 555 12 34", "1975-12-10"),  # in the outage
            ("Carl", "079 555 98 76", "1990-01-01"),
        )
    ]
    return hau, people


async def test_a_week_with_a_worker_outage_hands_nothing_over_late(practice, tmp_path):
    hau, people = practice
    booked = []
    for day in range(7, 14):
        for i, hour in enumerate(("07:30", "09:00", "11:00", "16:00")):
            who = people[(day + i) % 3]
            booked.append(agenda.add_appointment(hau, who, f"2026-12-{day:02d}T{hour}", 15, user="desk").appointment)
    # Thursday 09:00: moved on Wednesday while its reminder waits in the outbox, and the desk
    # answers "no new reminder"
    moved = booked[13]
    assert clock.local(moved.start).strftime("%a %H:%M") == "Thu 09:00"
    state = tmp_path / "state"
    settings = Settings()
    settings.delivery.report_delay_seconds = 0
    at, end = zh(WEEK[0]), zh(WEEK[1])
    down = zh(OUTAGE[0]), zh(OUTAGE[1])
    move_at = zh("2026-12-09T05:00")
    while at < end:
        clock.set_now(at)
        if at == move_at:
            assert [m.status for m in Message.select().where(Message.appointment == moved.id)] == ["queued"]
            agenda.move_appointment(moved, "2026-12-10T15:00", "desk", reminder="withdraw")
        automation.run_tick(at)
        if not down[0] <= at < down[1]:
            await DeliveryWorker(settings, MockGateway(state, 0), poll_seconds=0.01).run_once()
        at += STEP
    handed = {
        json.loads(line)["client_ref"]: json.loads(line)
        for line in (state / HANDSET_FILE).read_text("utf-8").splitlines()
    }
    messages = {m.idempotency_key: m for m in Message.select()}
    assert len(handed) >= 20
    for ref, line in handed.items():
        message = messages[ref]
        handed_at = clock.parse_instant(line["at"])
        if message.expires_at is not None:
            assert handed_at < message.expires_at, (message.purpose, line["at"])
        assert not in_quiet_hours(handed_at, hau), line["at"]
    expired = [m for m in messages.values() if m.status == "expired"]
    # Friday's reminders fell due in the outage: those of 07:30, 09:00 and 11:00 had lost their use
    # by noon (16:00's still went out at noon); Bea's greeting of Thursday was over at midnight
    assert Counter(m.purpose for m in expired) == {"reminder": 3, "birthday": 1}
    assert sorted(clock.local(m.expires_at).strftime("%a %H:%M") for m in expired if m.purpose == "reminder") == [
        "Fri 07:30",
        "Fri 09:00",
        "Fri 11:00",
    ]
    for message in expired:
        assert message.idempotency_key not in handed
        refunds = [
            e.delta
            for e in CreditEntry.select().where((CreditEntry.message == message.id) & (CreditEntry.kind == "refund"))
        ]
        assert refunds == [message.credits]
    # the queued reminder with the old date was withdrawn, and automation made no new one all week
    assert [m.status for m in Message.select().where(Message.appointment == moved.id)] == ["cancelled"]
    # one reminder at most per appointment went out; none is left waiting past its moment
    out = Counter(
        m.appointment_id for m in messages.values() if m.purpose == "reminder" and m.status in ("sent", "delivered")
    )
    assert max(out.values()) == 1
    assert not [
        m
        for m in messages.values()
        if m.status in ("queued", "sending") and m.expires_at is not None and m.expires_at <= end
    ]
    # the ledger: what was bought, less what messages that went out (or still wait) hold
    held = sum(m.credits for m in messages.values() if m.status not in ("cancelled", "failed", "expired"))
    assert credits.balance(hau) == 100 + 400 - held
