"""`vitosms worker` as a real process: --drain, --once, SIGTERM, and a worker killed mid-run."""

from __future__ import annotations

import asyncio
import json
import mailbox
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from vitosms_tui.core import credits, outbox
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import Message
from vitosms_tui.delivery.gateways.mock import HANDSET_FILE
from vitosms_tui.delivery.sink import MaildirHandler, start_sink

WAIT = 30  # seconds: a generous upper bound for waiting on another process, not a timing assertion


class GatedHandler(MaildirHandler):
    """The sink, but the mail number ``hold`` waits in DATA (before being stored) until released.

    When the client goes away meanwhile, aiosmtpd cancels the handler: that mail was never accepted.
    """

    def __init__(self, maildir, hold: int | None = None, delay: float = 0.0):
        super().__init__(maildir)
        self.hold, self.delay = hold, delay
        self.seen = 0
        self.holding = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.seen == self.hold:
            self.holding.set()
            await asyncio.sleep(WAIT * 2)
        elif self.delay:
            await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def practice(tmp_path, db_path, mandant):
    """The database of the mandant fixture, a state folder and a TOML config with short times."""
    credits.purchase(mandant, 500, user="test")
    return {"db": db_path, "state": tmp_path / "state", "tmp": tmp_path, "mandant": mandant}


def write_config(practice, port=None, **delivery) -> str:
    values = {
        "lease_seconds": 2.0,
        "backoff_seconds": 0.1,
        "backoff_max_seconds": 0.4,
        "report_delay_seconds": 0.2,
        "batch_size": 4,
    }
    values.update(delivery)
    text = "[delivery]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
    if port is not None:
        text += f'[smtp]\nhost = "127.0.0.1"\nport = {port}\npool_size = 1\ntimeout = 10\n'
    path = practice["tmp"] / "vitosms.toml"
    path.write_text(text)
    return str(path)


def vitosms(practice, config, *args, **popen):
    command = [
        sys.executable,
        "-m",
        "vitosms_tui.cli.main",
        "--db",
        str(practice["db"]),
        "--config",
        config,
        "--state-dir",
        str(practice["state"]),
        *args,
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def refs_in_mailbox(practice) -> Counter:
    return Counter(m["X-Vitosms-Ref"] for m in mailbox.Maildir(str(practice["tmp"] / "mailbox")))


def refs_in_handset(practice) -> Counter:
    path = practice["state"] / HANDSET_FILE
    return Counter(json.loads(line)["client_ref"] for line in path.read_text().splitlines())


def statuses(messages) -> Counter:
    return Counter(Message.get_by_id(m.id).status for m in messages)


def test_drain_exits_when_everything_is_final_and_prints_the_tally(practice):
    mandant = practice["mandant"]
    numbers = ["+41799990100", "+41799990101", "+41799990102", "+41791234567"]
    sms = outbox.enqueue(mandant, [Draft("sms", n, "Hallo") for n in numbers], user="test")
    controller, port = start_sink(practice["tmp"] / "mailbox")
    try:
        mail = outbox.enqueue(mandant, [Draft("email", "anna@example.ch", "Hallo", subject="S")], user="test")
        run = vitosms(practice, write_config(practice, port), "--json", "worker", "--drain")
        out, err = run.communicate(timeout=WAIT)
    finally:
        controller.stop()
    assert run.returncode == 0, err
    assert json.loads(out) == {"sent": 4, "delivered": 2, "failed": 2, "retried": 2}
    assert statuses(sms) == Counter({"delivered": 2, "failed": 2})
    assert statuses(mail) == Counter({"sent": 1})


def test_once_makes_one_pass_and_exits(practice):
    sms = outbox.enqueue(practice["mandant"], [Draft("sms", "+41791234567", "Hallo")], user="test")
    run = vitosms(practice, write_config(practice, report_delay_seconds=3600), "worker", "--once")
    out, err = run.communicate(timeout=WAIT)
    assert run.returncode == 0, err
    assert out.strip() == "sent 1, delivered 0, failed 0, retried 0"
    assert statuses(sms) == Counter({"sent": 1})  # its report comes later


def test_sigterm_finishes_the_mail_in_hand_gives_back_the_rest_then_exits_0(practice):
    # one connection and a slow server: one mail is in hand, the other claimed ones wait for it
    handler = GatedHandler(practice["tmp"] / "mailbox", delay=1.0)
    controller, port = start_sink(practice["tmp"] / "mailbox", handler=handler)
    try:
        mails = outbox.enqueue(
            practice["mandant"],
            [Draft("email", f"p{i}@example.ch", "T", subject="S") for i in range(4)],
            user="test",
        )
        config = write_config(practice, port)
        run = vitosms(practice, config, "worker")
        wait_for(lambda: handler.seen >= 1, "the first mail to reach the server")
        run.send_signal(signal.SIGTERM)
        out, err = run.communicate(timeout=WAIT)
        assert run.returncode == 0, err
        # what reached the server was finished and recorded; the rest is queued again, unclaimed,
        # its claim not counted as an attempt, and due at once for the next worker
        sent = handler.seen
        assert sent < 4
        assert out.strip() == f"sent {sent}, delivered 0, failed 0, retried 0"
        rows = [Message.get_by_id(m.id) for m in mails]
        assert Counter(m.status for m in rows) == Counter({"sent": sent, "queued": 4 - sent})
        for waiting in (m for m in rows if m.status == "queued"):
            assert waiting.claimed_by is None
            assert waiting.lease_until is None
            assert waiting.attempts == 0
            assert "released" in [e.kind for e in waiting.events]
        # the next worker sends them, each mail arrives once
        again = vitosms(practice, config, "worker", "--drain")
        again.communicate(timeout=WAIT)
    finally:
        controller.stop()
    assert statuses(mails) == Counter({"sent": 4})
    assert sorted(refs_in_mailbox(practice).values()) == [1, 1, 1, 1]


def test_a_killed_worker_leaves_its_messages_to_the_next_one_each_sent_once(practice):
    mandant = practice["mandant"]
    handler = GatedHandler(practice["tmp"] / "mailbox", hold=4)
    controller, port = start_sink(practice["tmp"] / "mailbox", handler=handler)
    try:
        sms = outbox.enqueue(mandant, [Draft("sms", f"+4179123450{i}", "Hallo") for i in range(6)], user="test")
        mails = outbox.enqueue(
            mandant, [Draft("email", f"p{i}@example.ch", "Text", subject="S") for i in range(8)], user="test"
        )
        config = write_config(practice, port)
        first = vitosms(practice, config, "worker", start_new_session=True)
        assert handler.holding.wait(WAIT), "the fourth mail never reached the server"
        # the three accepted mails are recorded: the kill hits only the one in DATA
        wait_for(
            lambda: Message.select().where((Message.channel == "email") & (Message.status == "sent")).count() == 3,
            "three mails recorded as sent",
        )
        os.kill(first.pid, signal.SIGKILL)
        first.communicate(timeout=WAIT)
        held = Message.select().where(Message.status == "sending").count()
        assert held >= 1  # still claimed by the dead worker, its lease running
        second = vitosms(practice, config, "--json", "worker", "--drain")
        out, err = second.communicate(timeout=WAIT)
    finally:
        controller.stop()
    assert second.returncode == 0, err
    assert statuses(mails) == Counter({"sent": 8})
    assert statuses(sms) == Counter({"delivered": 6})
    assert refs_in_mailbox(practice) == Counter({m.idempotency_key: 1 for m in mails})
    assert refs_in_handset(practice) == Counter({m.idempotency_key: 1 for m in sms})
    taken_over = [m for m in mails if Message.get_by_id(m.id).attempts == 2]
    assert taken_over  # at least the held mail was claimed again after the lease
