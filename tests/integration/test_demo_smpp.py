"""What ``vitosms demo`` starts beside the TUI: the SMSC simulator, and the worker bound to it."""

from __future__ import annotations

import json
from types import SimpleNamespace

from tests.processes import wait_for
from vitosms_tui.cli.demo import BackgroundWorker, start_simulator
from vitosms_tui.core import credits, outbox
from vitosms_tui.core.config import Settings
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.journal import timeline
from vitosms_tui.core.models import Message


def test_the_demo_sends_every_sms_over_smpp_to_the_simulator(tmp_path, mandant):
    credits.purchase(mandant, 100, user="test")
    settings = Settings()
    settings.delivery.report_delay_seconds = 0.2
    ctx = SimpleNamespace(settings=settings, state_dir=tmp_path / "state")
    smsc = start_simulator(ctx)
    worker = BackgroundWorker(settings, ctx.state_dir)
    try:
        assert settings.sms.gateway == "smpp"
        assert settings.sms.port == smsc.port
        worker.start()
        [message] = outbox.enqueue(mandant, [Draft("sms", "+41791234567", "Hallo")], user="test")
        wait_for(lambda: Message.get_by_id(message.id).status == "delivered", "the delivery receipt")
    finally:
        worker.stop()
        smsc.stop()
    stored = Message.get_by_id(message.id)
    assert stored.provider_id.startswith("smsc-")
    [line] = [json.loads(x) for x in (ctx.state_dir / "sms-handset.jsonl").read_text().splitlines()]
    assert line["provider_id"] == stored.provider_id
    assert line["text"] == "Hallo"
    # the journal shows the provider's id and the receipt
    details = " ".join(f"{e.kind} {e.detail}" for e in timeline(message.id))
    assert stored.provider_id in details
    assert "delivered" in details
    events = [json.loads(x)["event"] for x in (ctx.state_dir / "smsc-events.jsonl").read_text().splitlines()]
    assert events == ["bind", "receipt delivered", "unbind"]
