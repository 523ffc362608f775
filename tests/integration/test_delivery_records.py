"""The worker's batched writes: many acceptances and reports in one transaction, same rules as one."""

from __future__ import annotations

from vitosms_tui.core import clock, credits, outbox, sending
from vitosms_tui.core.config import DeliverySettings
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import Message, MessageEvent
from vitosms_tui.delivery import records
from vitosms_tui.delivery.gateways.base import ACCEPTED, PASSING, PERMANENT, DeliveryReport
from vitosms_tui.delivery.records import Outcome


def queue(mandant, count):
    return outbox.enqueue(
        mandant, [Draft("sms", f"+4179123{4500 + i:04d}", "Hallo") for i in range(count)], user="test"
    )


def kinds(message_id):
    return [e.kind for e in MessageEvent.select().where(MessageEvent.message == message_id).order_by(MessageEvent.id)]


def test_mark_sent_marks_only_what_the_worker_still_holds(mandant):
    a, b, c = queue(mandant, 3)
    sending.claim("w1", 2, 30)  # a and b for w1
    sending.claim("w2", 5, 30)  # c for w2
    held = sending.mark_sent("w1", {a.id: "p-a", b.id: "p-b", c.id: "p-c"})
    assert held == {a.id, b.id}
    a, b, c = (Message.get_by_id(m.id) for m in (a, b, c))
    assert (a.status, a.provider_id, a.lease_until) == ("sent", "p-a", None)
    assert a.sent_at
    assert b.status == "sent"
    assert c.status == "sending"
    assert c.provider_id is None
    assert kinds(a.id) == ["queued", "claimed", "sent"]
    assert sending.mark_sent("w1", {a.id: "again"}) == set()  # not sending any more


def test_record_writes_a_mixed_batch(mandant):
    ok, retry, refused = queue(mandant, 3)
    before = credits.balance(mandant)
    jobs = {job.id: job for job in sending.claim("w", 10, 30)}
    states = records.record(
        "w",
        [
            Outcome(jobs[ok.id], ACCEPTED, "p-ok"),
            Outcome(jobs[retry.id], PASSING, error="busy"),
            Outcome(jobs[refused.id], PERMANENT, error="no"),
        ],
        DeliverySettings(),
    )
    assert states == ["sent", "queued", "failed"]
    assert credits.balance(mandant) == before + refused.credits
    assert Message.get_by_id(retry.id).next_attempt_at > clock.now()


def test_record_reports_in_a_batch_is_idempotent(mandant):
    good, bad = queue(mandant, 2)
    sending.claim("w", 5, 30)
    sending.mark_sent("w", {good.id: "p-good", bad.id: "p-bad"})
    before = credits.balance(mandant)
    at = clock.now()
    reports = [
        DeliveryReport("p-good", True, at),
        DeliveryReport("p-bad", False, at, "undelivered"),
        DeliveryReport("p-unknown", True, at),
    ]
    assert sending.record_reports(reports) == (1, 1)
    assert sending.record_reports(reports) == (0, 0)
    good, bad = Message.get_by_id(good.id), Message.get_by_id(bad.id)
    assert good.status == "delivered"
    assert good.delivered_at == at
    assert bad.status == "failed"
    assert bad.error == "undelivered"
    assert credits.balance(mandant) == before + bad.credits
    assert kinds(good.id)[-1] == "delivered"
    assert kinds(bad.id)[-2:] == ["failed", "refunded"]
    assert records.awaiting_report_ids(10) == []


def test_remaining_for_drain_ignores_what_is_scheduled_later(mandant):
    from datetime import timedelta

    started = clock.now()
    outbox.enqueue(mandant, [Draft("sms", "+41791234567", "x")], user="test", scheduled_at=started + timedelta(hours=1))
    assert records.remaining_for_drain(started) == 0
    queue(mandant, 1)
    assert records.remaining_for_drain(clock.now()) == 1
