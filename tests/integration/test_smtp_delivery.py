"""E-mail through a real SMTP server on loopback (aiosmtpd), driven by the delivery worker."""

from __future__ import annotations

import asyncio
import mailbox
import os
import socket

import pytest

from vitosms_tui.core import credits, outbox
from vitosms_tui.core.config import Settings
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import Message, MessageEvent
from vitosms_tui.delivery.gateways.mock import MockGateway
from vitosms_tui.delivery.sink import MaildirHandler, SinkController, start_sink
from vitosms_tui.delivery.smtp import NOT_CONFIGURED
from vitosms_tui.delivery.worker import DeliveryWorker


class ScriptedHandler(MaildirHandler):
    """The sink, but answering DATA from a script first, and refusing some recipients."""

    def __init__(self, maildir, data_answers=(), refuse=()):
        super().__init__(maildir)
        self.data_answers = list(data_answers)
        self.refuse = set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_answers:
            return self.data_answers.pop(0)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def sink(tmp_path):
    started = []

    def start(handler=None, port=0):
        handler = handler or MaildirHandler(tmp_path / "mailbox")
        controller, bound = start_sink(tmp_path / "mailbox", port=port, handler=handler)
        started.append(controller)
        return bound

    yield start
    for controller in started:
        controller.stop()


def settings_for(port: int | None) -> Settings:
    settings = Settings()
    if port is not None:
        settings.smtp.host, settings.smtp.port = "127.0.0.1", port
    settings.smtp.sender = "praxis@hauser.example.ch"
    settings.smtp.timeout = 5
    settings.delivery.backoff_seconds = 0.05
    settings.delivery.backoff_max_seconds = 0.2
    settings.delivery.lease_seconds = 10
    settings.delivery.report_delay_seconds = 0
    return settings


def worker(settings, tmp_path) -> DeliveryWorker:
    return DeliveryWorker(settings, MockGateway(tmp_path / "state", 0), poll_seconds=0.05)


def mails(tmp_path) -> list:
    box = tmp_path / "mailbox"
    return list(mailbox.Maildir(str(box), create=False)) if box.exists() else []


def queue_mail(mandant, to="anna.muster@example.ch", body="Ihr Termin morgen um 09:00."):
    return outbox.enqueue(mandant, [Draft("email", to, body, subject="Termin")], user="test")[0]


async def test_a_queued_mail_arrives_with_its_reference(mandant, tmp_path, sink):
    port = sink()
    message = queue_mail(mandant)
    tally = await worker(settings_for(port), tmp_path).run_once()
    assert tally.sent == 1
    message = Message.get_by_id(message.id)
    assert message.status == "sent"
    assert message.sent_at is not None
    [mail] = mails(tmp_path)
    assert mail["X-Vitosms-Ref"] == message.idempotency_key
    assert "Hauser" in mail["From"]
    assert "praxis@hauser.example.ch" in mail["From"]
    assert mail["To"] == "anna.muster@example.ch"
    assert mail["Subject"] == "Termin"
    assert mail["Message-ID"]
    assert mail["Date"]
    assert mail.get_payload(decode=True).decode().strip() == "Ihr Termin morgen um 09:00."
    box = tmp_path / "mailbox"
    assert os.stat(box).st_mode & 0o777 == 0o700
    assert all(os.stat(f).st_mode & 0o777 == 0o600 for f in (box / "new").iterdir())


async def test_a_4xx_answer_is_retried_then_accepted(mandant, tmp_path, sink):
    port = sink(ScriptedHandler(tmp_path / "mailbox", data_answers=["451 4.3.0 try again later"]))
    message = queue_mail(mandant)
    tally = await worker(settings_for(port), tmp_path).drain()
    message = Message.get_by_id(message.id)
    assert message.status == "sent"
    assert message.attempts == 2
    assert tally.retried == 1
    assert tally.sent == 1
    kinds = [e.kind for e in MessageEvent.select().where(MessageEvent.message == message)]
    assert "retry" in kinds
    assert len(mails(tmp_path)) == 1


async def test_a_5xx_answer_fails_and_refunds(mandant, tmp_path, sink):
    port = sink(ScriptedHandler(tmp_path / "mailbox", data_answers=["554 5.6.0 content rejected"]))
    before = credits.balance(mandant)
    message = queue_mail(mandant)
    tally = await worker(settings_for(port), tmp_path).drain()
    message = Message.get_by_id(message.id)
    assert message.status == "failed"
    assert "554" in message.error
    assert message.attempts == 1
    assert tally.failed == 1
    assert credits.balance(mandant) == before
    assert mails(tmp_path) == []


async def test_a_refused_recipient_fails_that_mail_only(mandant, tmp_path, sink):
    port = sink(ScriptedHandler(tmp_path / "mailbox", refuse={"nobody@example.ch"}))
    before = credits.balance(mandant)
    refused = queue_mail(mandant, to="nobody@example.ch")
    good = queue_mail(mandant, to="anna.muster@example.ch")
    settings = settings_for(port)
    settings.smtp.pool_size = 1  # one connection carries both: it must survive the refusal
    await worker(settings, tmp_path).drain()
    refused, good = Message.get_by_id(refused.id), Message.get_by_id(good.id)
    assert refused.status == "failed"
    assert "recipient refused" in refused.error
    assert good.status == "sent"
    assert credits.balance(mandant) == before - good.credits
    assert [m["X-Vitosms-Ref"] for m in mails(tmp_path)] == [good.idempotency_key]


async def test_server_down_then_up(mandant, tmp_path, sink):
    # a port bound but not listening: connections are refused, and no other test's
    # server can get it while the server is "down"
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    try:
        message = queue_mail(mandant)
        first = await worker(settings_for(port), tmp_path).run_once()
    finally:
        probe.close()
    message = Message.get_by_id(message.id)
    assert first.retried == 1
    assert message.status == "queued"
    assert "connection" in message.error
    sink(port=port)
    second = await worker(settings_for(port), tmp_path).drain()
    message = Message.get_by_id(message.id)
    assert second.sent == 1
    assert message.status == "sent"
    assert message.attempts == 2
    assert len(mails(tmp_path)) == 1


async def test_without_smtp_server_mails_wait_as_passing_faults(mandant, tmp_path):
    message = queue_mail(mandant)
    tally = await worker(settings_for(None), tmp_path).run_once()
    message = Message.get_by_id(message.id)
    assert tally.retried == 1
    assert message.status == "queued"
    assert message.error == NOT_CONFIGURED


async def test_many_mails_over_the_pool_each_once(mandant, tmp_path, sink):
    port = sink()
    credits.purchase(mandant, 200, user="test")
    queued = outbox.enqueue(
        mandant, [Draft("email", f"p{i}@example.ch", f"Text {i}", subject="S") for i in range(60)], user="test"
    )
    settings = settings_for(port)
    settings.delivery.batch_size = 8
    tally = await worker(settings, tmp_path).drain()
    assert tally.sent == 60
    refs = sorted(m["X-Vitosms-Ref"] for m in mails(tmp_path))
    assert refs == sorted(m.idempotency_key for m in queued)


class SlowHandler(MaildirHandler):
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(5)
        return await super().handle_DATA(server, session, envelope)


async def test_a_server_that_does_not_answer_in_time_is_a_passing_fault(mandant, tmp_path, sink):
    port = sink(SlowHandler(tmp_path / "mailbox"))
    message = queue_mail(mandant)
    settings = settings_for(port)
    settings.smtp.timeout = 0.5
    tally = await worker(settings, tmp_path).run_once()
    message = Message.get_by_id(message.id)
    assert tally.retried == 1
    assert message.status == "queued"
    assert "connection" in message.error


def _authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult

    ok = auth_data.login == b"praxis" and auth_data.password == b"geheim"
    return AuthResult(success=ok, handled=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("password, status", [("geheim", "sent"), ("falsch", "queued")])
async def test_login_with_username_and_password(mandant, tmp_path, password, status):
    controller = SinkController(
        MaildirHandler(tmp_path / "mailbox"),
        hostname="127.0.0.1",
        port=0,
        authenticator=_authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        message = queue_mail(mandant)
        settings = settings_for(controller.port)
        settings.smtp.username, settings.smtp.password = "praxis", password
        await worker(settings, tmp_path).run_once()
    finally:
        controller.stop()
    message = Message.get_by_id(message.id)
    assert message.status == status
    if status == "queued":  # a refused login is the practice's configuration: retried, not failed
        assert "login refused" in message.error
