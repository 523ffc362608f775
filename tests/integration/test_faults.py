"""Faults on the way out, and what becomes of the messages.

The SMTP server down and back up, slow (timeouts), answering 421/451/452/550/553
at MAIL, RCPT or DATA; the gateway's passing faults until the attempts run out;
the database write-locked by another process. Passing faults are retried with
back-off; permanent ones fail the message with a clear error in the journal
(``Message.error`` and a ``MessageEvent``) and refund it; nothing crashes and
nothing goes out twice. (The plain 451/554 answers at DATA, a 550 recipient, a
server down for one pass and no server at all are in test_smtp_delivery.py.)
"""

from __future__ import annotations

import asyncio
import json
import mailbox
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import UTC, datetime

import pytest

from tests.processes import free_port, vitosms, wait_for
from vitosms_tui.core import credits, outbox
from vitosms_tui.core.config import Settings
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import Message, MessageEvent
from vitosms_tui.delivery.gateways.mock import FLAKY_NUMBER, MockGateway
from vitosms_tui.delivery.sink import MaildirHandler, start_sink
from vitosms_tui.delivery.worker import DeliveryWorker

WAIT = 30  # seconds: an upper bound for waiting on another process, never a timing assertion


class ScriptedServer(MaildirHandler):
    """The Maildir sink, but answering MAIL, RCPT or DATA from a script first, and maybe slowly.

    ``answers`` maps a stage to the replies given to its first calls, one each;
    ``slow`` makes the first ``slow_times`` DATA commands wait ``slow`` seconds
    before the mail is stored (a client that gives up meanwhile gets nothing stored).
    """

    def __init__(
        self, maildir, answers: dict[str, list[str]] | None = None, slow: float = 0.0, slow_times: int = 10**6
    ):
        super().__init__(maildir)
        self.answers = {stage: list(replies) for stage, replies in (answers or {}).items()}
        self.slow, self.slow_times = slow, slow_times
        self.data_calls = 0

    def _scripted(self, stage: str) -> str | None:
        replies = self.answers.get(stage)
        return replies.pop(0) if replies else None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        reply = self._scripted("MAIL")
        if reply:
            return reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self._scripted("RCPT")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_calls += 1
        if self.slow and self.data_calls <= self.slow_times:
            await asyncio.sleep(self.slow)
        reply = self._scripted("DATA")
        if reply:
            return reply
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def servers(tmp_path):
    started = []

    def start(handler=None, port=0) -> int:
        handler = handler or MaildirHandler(tmp_path / "mailbox")
        controller, bound = start_sink(tmp_path / "mailbox", port=port, handler=handler)
        started.append(controller)
        return bound

    yield start
    for controller in started:
        controller.stop()


def settings_for(port: int | None, **delivery) -> Settings:
    settings = Settings()
    if port is not None:
        settings.smtp.host, settings.smtp.port = "127.0.0.1", port
    settings.smtp.sender = "praxis@hauser.example.ch"
    settings.smtp.timeout = 5
    settings.smtp.pool_size = 1
    d = settings.delivery
    d.backoff_seconds, d.backoff_max_seconds, d.lease_seconds, d.report_delay_seconds = 0.05, 0.2, 10, 0
    for key, value in delivery.items():
        setattr(d, key, value)
    return settings


def make_worker(settings, tmp_path) -> DeliveryWorker:
    return DeliveryWorker(
        settings, MockGateway(tmp_path / "state", settings.delivery.report_delay_seconds), poll_seconds=0.05
    )


def refs_in_mailbox(tmp_path) -> Counter:
    box = tmp_path / "mailbox"
    return Counter(m["X-Vitosms-Ref"] for m in mailbox.Maildir(str(box), create=False)) if box.exists() else Counter()


def queue_mails(mandant, count=1, body="Ihr Termin morgen um 09:00."):
    return outbox.enqueue(
        mandant,
        [Draft("email", f"patient{i}@example.ch", body, subject="Termin") for i in range(count)],
        user="desk",
    )


def journal(message) -> list[tuple[str, str]]:
    return [
        (e.kind, e.detail)
        for e in MessageEvent.select().where(MessageEvent.message == message.id).order_by(MessageEvent.id)
    ]


def kinds(message) -> list[str]:
    return [kind for kind, _ in journal(message)]


# --- answers of the server --------------------------------------------------------

PASSING_ANSWERS = [
    ("DATA", "421 4.3.2 service shutting down"),
    ("RCPT", "451 4.7.1 greylisted, try again later"),
    ("RCPT", "452 4.2.2 mailbox full"),
    ("MAIL", "451 4.3.0 sender check unavailable"),
]
PERMANENT_ANSWERS = [
    ("DATA", "550 5.7.1 message refused as spam"),
    ("RCPT", "553 5.1.3 address not accepted"),
]


@pytest.mark.parametrize("stage,answer", PASSING_ANSWERS, ids=[a for _, a in PASSING_ANSWERS])
async def test_a_4xx_answer_is_retried_and_the_mail_arrives_once(mandant, tmp_path, servers, stage, answer):
    port = servers(ScriptedServer(tmp_path / "mailbox", {stage: [answer]}))
    before = credits.balance(mandant)
    [message] = queue_mails(mandant)
    tally = await make_worker(settings_for(port), tmp_path).drain()
    message = Message.get_by_id(message.id)
    assert (message.status, message.attempts, message.error) == ("sent", 2, None)
    assert tally.retried == 1
    assert tally.sent == 1
    assert tally.failed == 0
    code = answer.split()[0]
    assert any(kind == "error" and code in detail for kind, detail in journal(message))
    assert kinds(message) == ["queued", "claimed", "error", "retry", "claimed", "sent"]
    assert refs_in_mailbox(tmp_path) == Counter({message.idempotency_key: 1})
    assert credits.balance(mandant) == before - message.credits  # paid once, kept


@pytest.mark.parametrize("stage,answer", PERMANENT_ANSWERS, ids=[a for _, a in PERMANENT_ANSWERS])
async def test_a_5xx_answer_fails_with_its_reason_in_the_journal_and_refunds(mandant, tmp_path, servers, stage, answer):
    port = servers(ScriptedServer(tmp_path / "mailbox", {stage: [answer]}))
    before = credits.balance(mandant)
    [message] = queue_mails(mandant)
    tally = await make_worker(settings_for(port), tmp_path).drain()
    message = Message.get_by_id(message.id)
    code = answer.split()[0]
    assert message.status == "failed"
    assert message.attempts == 1
    assert code in message.error
    assert "\n" not in message.error
    assert kinds(message) == ["queued", "claimed", "error", "failed", "refunded"]
    assert code in dict(journal(message))["failed"]
    assert tally.failed == 1
    assert tally.retried == 0
    assert credits.balance(mandant) == before
    assert refs_in_mailbox(tmp_path) == Counter()


# --- a slow server ----------------------------------------------------------------------


async def test_a_server_too_slow_for_the_timeout_is_retried_then_the_mail_arrives_once(mandant, tmp_path, servers):
    server = ScriptedServer(tmp_path / "mailbox", slow=2.0, slow_times=1)
    port = servers(server)
    [message] = queue_mails(mandant)
    settings = settings_for(port)
    settings.smtp.timeout = 0.3
    tally = await make_worker(settings, tmp_path).drain()
    message = Message.get_by_id(message.id)
    assert (message.status, message.attempts) == ("sent", 2)
    assert tally.retried == 1
    [error] = [detail for kind, detail in journal(message) if kind == "error"]
    assert "SMTP connection" in error
    # the server dropped the timed-out transaction: the mail is there once
    assert refs_in_mailbox(tmp_path) == Counter({message.idempotency_key: 1})


async def test_a_server_that_stays_too_slow_fails_after_the_last_attempt_and_refunds(mandant, tmp_path, servers):
    port = servers(ScriptedServer(tmp_path / "mailbox", slow=2.0))
    before = credits.balance(mandant)
    [message] = queue_mails(mandant)
    settings = settings_for(port, max_attempts=2)
    settings.smtp.timeout = 0.3
    tally = await make_worker(settings, tmp_path).drain()
    message = Message.get_by_id(message.id)
    assert message.status == "failed"
    assert message.attempts == 2
    assert "SMTP connection" in message.error
    assert "gave up after 2 attempts" in message.error
    assert kinds(message) == ["queued", "claimed", "error", "retry", "claimed", "error", "failed", "refunded"]
    assert tally.failed == 1
    assert credits.balance(mandant) == before
    assert refs_in_mailbox(tmp_path) == Counter()


async def test_a_slow_server_does_not_let_another_worker_take_over_and_send_again(mandant, tmp_path, servers):
    """Eight mails at 0.3 s each on one connection outlast a 1 s lease: the worker holding
    them renews its leases, so the second worker never claims them and nothing goes out twice."""
    port = servers(ScriptedServer(tmp_path / "mailbox", slow=0.3))
    queued = queue_mails(mandant, 8)
    settings = settings_for(port, lease_seconds=1.0, batch_size=8)
    first, second = make_worker(settings, tmp_path), make_worker(settings, tmp_path)
    await asyncio.gather(first.drain(), second.drain())
    assert refs_in_mailbox(tmp_path) == Counter({m.idempotency_key: 1 for m in queued})
    assert {Message.get_by_id(m.id).status for m in queued} == {"sent"}
    assert {Message.get_by_id(m.id).attempts for m in queued} == {1}
    taken_over = MessageEvent.select().where(MessageEvent.detail.contains("expired")).count()
    assert taken_over == 0


# --- the server down, then back, under a running worker process ------------------------------


def write_config(tmp_path, port: int, **delivery) -> str:
    values = {
        "lease_seconds": 5,
        "backoff_seconds": 0.1,
        "backoff_max_seconds": 0.3,
        "report_delay_seconds": 0.1,
        "max_attempts": 50,
    }
    values.update(delivery)
    text = "[delivery]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
    text += f'[smtp]\nhost = "127.0.0.1"\nport = {port}\npool_size = 1\ntimeout = 5\n'
    path = tmp_path / "vitosms.toml"
    path.write_text(text)
    return str(path)


def test_the_server_down_while_the_worker_runs_then_back_up(mandant, tmp_path, db_path, servers):
    port = free_port()  # nobody listens there yet
    queued = queue_mails(mandant, 3)
    worker = vitosms(db_path, tmp_path, write_config(tmp_path, port), "worker")
    try:
        wait_for(
            lambda: all(Message.get_by_id(m.id).attempts >= 2 for m in queued),
            "two attempts on each mail while the server is down",
        )
        assert {Message.get_by_id(m.id).status for m in queued} <= {"queued", "sending"}
        servers(port=port)
        wait_for(lambda: all(Message.get_by_id(m.id).status == "sent" for m in queued), "the mails to go out")
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=WAIT)
    assert worker.returncode == 0, err
    assert "Traceback" not in err
    assert refs_in_mailbox(tmp_path) == Counter({m.idempotency_key: 1 for m in queued})
    for message in queued:
        events = journal(message)
        assert "retry" in [k for k, _ in events]
        assert any(k == "error" and "SMTP connection" in d for k, d in events)
        assert Message.get_by_id(message.id).error is None  # cleared once sent


# --- the gateway's passing faults ----------------------------------------------------------------


async def test_gateway_faults_that_outlast_the_attempts_fail_the_sms_and_refund_it(mandant, tmp_path):
    before = credits.balance(mandant)
    [sms] = outbox.enqueue(mandant, [Draft("sms", FLAKY_NUMBER, "Ihr Termin")], user="desk")
    tally = await make_worker(settings_for(None, max_attempts=2), tmp_path).drain()
    sms = Message.get_by_id(sms.id)
    assert sms.status == "failed"
    assert sms.attempts == 2
    assert "gateway busy" in sms.error
    assert "gave up after 2 attempts" in sms.error
    assert kinds(sms) == ["queued", "claimed", "error", "retry", "claimed", "error", "failed", "refunded"]
    assert tally.failed == 1
    assert tally.retried == 1
    assert credits.balance(mandant) == before


async def test_gateway_faults_within_the_attempts_are_retried_with_growing_back_off(mandant, tmp_path):
    [sms] = outbox.enqueue(mandant, [Draft("sms", FLAKY_NUMBER, "Ihr Termin")], user="desk")
    await make_worker(settings_for(None, backoff_seconds=0.05, backoff_max_seconds=10), tmp_path).drain()
    sms = Message.get_by_id(sms.id)
    assert sms.status == "delivered"
    assert sms.attempts == 3
    assert sms.error is None
    retries = [detail for kind, detail in journal(sms) if kind == "retry"]
    assert [r.split(",")[0] for r in retries] == ["in 0.05 s", "in 0.1 s"]


# --- the database write-locked by another process ---------------------------------------------------

LOCKER = textwrap.dedent("""
    import sqlite3, sys, time
    connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
    connection.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    released = time.time()
    connection.execute("COMMIT")
    print(released, flush=True)
""")

# PostgreSQL: the tables the outbox writes, and the lock of write_transaction
PG_LOCKER = textwrap.dedent("""
    import sys, time, psycopg
    from vitosms_tui.core.db import WRITE_LOCK_KEY, postgresql_parameters
    connection = psycopg.connect(**postgresql_parameters(sys.argv[1]))
    connection.execute("LOCK TABLE message, credit_entry IN EXCLUSIVE MODE")
    connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    released = time.time()
    connection.commit()
    print(released, flush=True)
""")


def hold_write_lock(db_path, seconds: float = 3.0) -> subprocess.Popen:
    """Another process holds the write lock for ``seconds`` (SQLite: BEGIN IMMEDIATE)."""
    script = PG_LOCKER if str(db_path).startswith("postgresql://") else LOCKER
    locker = subprocess.Popen(
        [sys.executable, "-c", script, str(db_path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert locker.stdout.readline().strip() == "locked"
    return locker


def released_at(locker) -> datetime:
    out, _ = locker.communicate(timeout=WAIT)
    assert locker.returncode == 0
    return datetime.fromtimestamp(float(out.strip()), tz=UTC)


def test_send_and_a_draining_worker_wait_for_a_locked_database_and_succeed(mandant, tmp_path, db_path):
    config = write_config(tmp_path, free_port())
    [waiting] = outbox.enqueue(mandant, [Draft("sms", "+41791234567", "Erste")], user="desk")
    locker = hold_write_lock(db_path)
    send = vitosms(
        db_path,
        tmp_path,
        config,
        "--json",
        "send",
        "--mandant",
        "HAU",
        "--to",
        "079 123 45 68",
        "--text",
        "Bitte rufen Sie uns an.",
    )
    drain = vitosms(db_path, tmp_path, config, "--json", "worker", "--drain")
    out, err = send.communicate(timeout=WAIT)
    drain_out, drain_err = drain.communicate(timeout=WAIT)
    released = released_at(locker)
    assert send.returncode == 0, err
    assert drain.returncode == 0, drain_err
    assert "Traceback" not in err + drain_err
    # both were written once the other process let go of the lock: they waited, they did not fail
    [line] = json.loads(out)["messages"]
    sent = Message.get_by_id(line["id"])
    assert sent.status in ("queued", "delivered")
    assert sent.created_at >= released
    waiting = Message.get_by_id(waiting.id)
    assert waiting.status == "delivered"
    [claimed] = [
        e for e in MessageEvent.select().where((MessageEvent.message == waiting.id) & (MessageEvent.kind == "claimed"))
    ]
    assert claimed.at >= released


def test_a_running_worker_waits_out_a_locked_database_and_goes_on(mandant, tmp_path, db_path):
    config = write_config(tmp_path, free_port())
    worker = vitosms(db_path, tmp_path, config, "worker")
    try:
        [first] = outbox.enqueue(mandant, [Draft("sms", "+41791234567", "Erste")], user="desk")
        wait_for(lambda: Message.get_by_id(first.id).status == "delivered", "the first SMS")
        locker = hold_write_lock(db_path)
        # queued while the lock is held: this waits for it too
        [second] = outbox.enqueue(mandant, [Draft("sms", "+41791234568", "Zweite")], user="desk")
        released = released_at(locker)
        assert Message.get_by_id(second.id).created_at >= released
        wait_for(lambda: Message.get_by_id(second.id).status == "delivered", "the second SMS")
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=WAIT)
    assert worker.returncode == 0, err
    assert "Traceback" not in err
    assert "failed" not in err
