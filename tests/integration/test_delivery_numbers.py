"""The mock gateway's test numbers through the worker: final states, retries and refunds."""

from __future__ import annotations

import json
from datetime import timedelta

from vitosms_tui.core import clock, credits, outbox
from vitosms_tui.core.config import Settings
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import Message
from vitosms_tui.delivery.gateways.mock import HANDSET_FILE, MockGateway
from vitosms_tui.delivery.worker import DeliveryWorker

NUMBERS = {
    "+41799990100": ("failed", 1, True),  # rejected at once
    "+41799990101": ("delivered", 3, False),  # two passing faults, then accepted
    "+41799990102": ("failed", 1, True),  # accepted, report: undelivered
    "+41791234567": ("delivered", 1, False),  # an ordinary mobile
}


def settings(report_delay=0.05) -> Settings:
    s = Settings()
    s.delivery.backoff_seconds = 0.05
    s.delivery.backoff_max_seconds = 0.2
    s.delivery.report_delay_seconds = report_delay
    s.delivery.lease_seconds = 10
    return s


def make_worker(tmp_path, s=None, **kwargs) -> DeliveryWorker:
    s = s or settings()
    return DeliveryWorker(
        s, MockGateway(tmp_path / "state", s.delivery.report_delay_seconds), poll_seconds=0.05, **kwargs
    )


async def test_the_four_test_numbers_end_as_the_contract_says(mandant, tmp_path):
    before = credits.balance(mandant)
    queued = outbox.enqueue(mandant, [Draft("sms", n, "Ihr Termin morgen 09:00") for n in NUMBERS], user="test")
    spent = sum(m.credits for m in queued)
    tally = await make_worker(tmp_path).drain()
    refunded = 0
    for message in queued:
        message = Message.get_by_id(message.id)
        status, attempts, refund = NUMBERS[message.recipient]
        assert (message.status, message.attempts) == (status, attempts), message.recipient
        if refund:
            refunded += message.credits
            assert message.error
        if status == "delivered":
            assert message.delivered_at is not None
            assert message.provider_id
    assert credits.balance(mandant) == before - spent + refunded
    assert tally.as_dict() == {"sent": 3, "delivered": 2, "failed": 2, "retried": 2}
    lines = [json.loads(x) for x in (tmp_path / "state" / HANDSET_FILE).read_text().splitlines()]
    assert sorted(line["to"] for line in lines) == ["+41791234567", "+41799990101", "+41799990102"]
    assert all(line["sender"] == mandant.sender for line in lines)


async def test_once_sends_what_is_due_and_leaves_reports_for_later(mandant, tmp_path):
    [message] = outbox.enqueue(mandant, [Draft("sms", "+41791234567", "Hallo")], user="test")
    s = settings(report_delay=3600)
    tally = await make_worker(tmp_path, s).run_once()
    assert tally.sent == 1
    assert tally.delivered == 0
    assert Message.get_by_id(message.id).status == "sent"
    # a later worker (a new process, a new gateway instance) picks the report up
    clock.set_now(clock.now() + timedelta(hours=2))
    tally = await make_worker(tmp_path, s).run_once()
    assert tally.delivered == 1
    assert Message.get_by_id(message.id).status == "delivered"


async def test_drain_leaves_messages_scheduled_later_queued(mandant, tmp_path):
    later = clock.now() + timedelta(hours=3)
    [scheduled] = outbox.enqueue(mandant, [Draft("sms", "+41791234568", "Später")], user="test", scheduled_at=later)
    [now] = outbox.enqueue(mandant, [Draft("sms", "+41791234569", "Jetzt")], user="test")
    await make_worker(tmp_path).drain()
    assert Message.get_by_id(scheduled.id).status == "queued"
    assert Message.get_by_id(now.id).status == "delivered"


async def test_automation_tick_runs_once_per_pass_at_most_once_a_minute(mandant, tmp_path):
    calls = []
    worker = make_worker(tmp_path, automation_tick=lambda: calls.append(clock.now()))
    await worker.run_once()
    await worker.run_once()  # the same worker within the minute: no second tick
    assert len(calls) == 1


async def test_a_failing_automation_tick_does_not_stop_delivery(mandant, tmp_path):
    def broken():
        raise RuntimeError("automation bug")

    [message] = outbox.enqueue(mandant, [Draft("sms", "+41791234567", "Hallo")], user="test")
    await make_worker(tmp_path, automation_tick=broken).drain()
    assert Message.get_by_id(message.id).status == "delivered"


async def test_logs_hold_neither_bodies_nor_numbers(mandant, tmp_path, caplog):
    caplog.set_level("DEBUG", logger="vitosms")  # our loggers (peewee echoes SQL at DEBUG)
    outbox.enqueue(mandant, [Draft("sms", n, "Geheimer Befund XYZ") for n in NUMBERS], user="test")
    await make_worker(tmp_path).drain()
    text = caplog.text
    assert "Geheimer" not in text
    assert not any(number in text for number in NUMBERS)
    assert "+4179*****67" in text  # masked, still useful


class _SlowPool:
    """Stands in for an SMTP pool that has been managing two mails a second."""

    size = 2

    @staticmethod
    def mails_per_second():
        return 2.0

    async def close(self):
        pass


def test_claims_stay_within_what_a_slow_smtp_pool_sends_in_half_a_lease(tmp_path):
    s = settings()
    s.delivery.batch_size, s.delivery.lease_seconds = 50, 10
    assert make_worker(tmp_path, s)._capacity() == 100  # nothing known yet: two batches
    slow = DeliveryWorker(s, MockGateway(tmp_path / "state", 0), _SlowPool())
    assert slow._capacity() == 10  # 2 mails/s * 5 s
