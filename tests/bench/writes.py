"""What the practice writes: queueing reminders, and the worker delivering them.

Each measure works on its own copy of the large practice (the ledger and the
outbox then have the size of many years), opened in this process.
"""

from __future__ import annotations

import asyncio
import mailbox
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peewee import Database

    from vitosms_tui.core.config import Settings
    from vitosms_tui.core.models import Mandant

REMINDERS = 10_000
MAILS = 500
MAIL_ROUNDS = 3
SMS = 10_000
BODY = "Guten Tag Frau Muster, wir erinnern Sie an Ihren Termin morgen um 09:15 bei Dr. Hauser."


def _open(path: Path) -> Database:
    from vitosms_tui.core import clock
    from vitosms_tui.core.db import open_database

    clock.set_now("2026-11-27T09:00")
    return open_database(str(path))


def _mandant() -> Mandant:
    from vitosms_tui.core.models import Mandant

    return Mandant.get(Mandant.code == "HAU")


def queue_reminders(path: Path) -> float:
    """Seconds to queue 10,000 reminders (one ``outbox.enqueue``: checks, cost, ledger, timeline)."""
    from vitosms_tui.core import clock, credits, outbox
    from vitosms_tui.core.drafts import Draft
    from vitosms_tui.core.models import Appointment, Person
    from vitosms_tui.core.states import Channel, Purpose

    db = _open(path)
    mandant = _mandant()
    credits.purchase(mandant, 2 * REMINDERS, user="bench")
    rows = (
        Appointment.select(Appointment, Person)
        .join(Person)
        .where(
            (Appointment.mandant == mandant)
            & Person.mobile.is_null(False)
            & (Person.deceased == False)
            & (Person.consent_reminder == True)
        )  # noqa: E712
        .order_by(Appointment.start.desc())
        .limit(REMINDERS)
    )
    drafts = [
        Draft(Channel.SMS, str(a.person.mobile), BODY, person=a.person, appointment=a, purpose=Purpose.REMINDER)
        for a in rows
    ]
    assert len(drafts) == REMINDERS, len(drafts)
    # a reminder is refused once its appointment has begun: the clock stands just
    # before the earliest of them, as on the day these reminders would be queued
    clock.set_now(clock.to_utc(min(a.start for a in rows)) - timedelta(minutes=1))
    start = time.perf_counter()
    messages = outbox.enqueue(mandant, drafts, user="bench")
    elapsed = time.perf_counter() - start
    assert len(messages) == REMINDERS
    db.close()
    return elapsed


def database_alone(path: Path) -> float:
    """Seconds the database alone takes to store what queueing 10,000 reminders stores.

    The same practice, the same rows in the message, ledger and timeline tables,
    one transaction, written with sqlite3's executemany and nothing of the app
    in between: the floor that queueing can approach, measured in the same run.
    """
    import sqlite3
    import uuid

    at = "2026-11-27 09:00:00.000000"
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = wal", "foreign_keys = 1", "synchronous = normal", "cache_size = -16000"):
        connection.execute(f"PRAGMA {pragma}")
    pairs = connection.execute(
        "SELECT a.id, a.person_id FROM appointment a WHERE a.mandant_id = 1 ORDER BY a.start DESC LIMIT ?", (REMINDERS,)
    ).fetchall()
    columns = (
        "mandant_id, person_id, appointment_id, channel, recipient, sender, subject, body, purpose, status, "
        "encoding, segments, credits, idempotency_key, scheduled_at, next_attempt_at, attempts, created_at, "
        "created_by, expires_at"
    )
    messages = [
        (1, person, appointment, "sms", "+41791234567", "DrHauser", "", BODY, "reminder", "queued", "gsm7", 1, 1)
        + (uuid.uuid4().hex, at, at, 0, at, "bench", at)
        for appointment, person in pairs
    ]
    start = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    first = connection.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM message").fetchone()[0]
    connection.executemany(f"INSERT INTO message ({columns}) VALUES ({', '.join('?' * 20)})", messages)
    ids = range(first, first + len(messages))
    connection.executemany(
        "INSERT INTO credit_entry (mandant_id, delta, kind, message_id, note, user, at) "
        "VALUES (1, -1, 'spend', ?, '', 'bench', ?)",
        [(i, at) for i in ids],
    )
    connection.executemany(
        "INSERT INTO message_event (message_id, at, kind, detail) VALUES (?, ?, 'queued', 'by bench, 1 credit')",
        [(i, at) for i in ids],
    )
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


_SINK = """
import signal, sys
from pathlib import Path
from vitosms_tui.delivery.sink import start_sink
controller, port = start_sink(Path(sys.argv[1]))
print(port, flush=True)
signal.sigwait([signal.SIGTERM])
controller.stop()
"""


def _settings(port: int | None = None) -> Settings:
    from vitosms_tui.core.config import Settings

    settings = Settings()
    if port:
        settings.smtp.host, settings.smtp.port = "127.0.0.1", port
    settings.delivery.lease_seconds = 600
    settings.delivery.report_delay_seconds = 0
    return settings


async def _raw_loop(port: int, count: int, round_: int) -> float:
    import aiosmtplib

    from vitosms_tui.delivery.smtp import Mail, build_message

    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await smtp.connect()
    start = time.perf_counter()
    for i in range(count):
        message = build_message(
            Mail(f"raw{round_}-{i}", f"p{i}@example.ch", "Termin", BODY, "Dr. Hauser"), "praxis@example.ch"
        )
        await smtp.send_message(message)
    elapsed = time.perf_counter() - start
    await smtp.quit()
    return elapsed


def email_throughput(path: Path, folder: Path) -> tuple[float, float]:
    """(worker mails/s, raw aiosmtplib loop mails/s), medians of alternating rounds.

    The SMTP server (the Maildir sink) runs in a process of its own, as a real
    one would; the raw loop sends over one connection, one mail after the other.
    """
    from vitosms_tui.core import credits, outbox
    from vitosms_tui.core.drafts import Draft
    from vitosms_tui.delivery.gateways.mock import MockGateway
    from vitosms_tui.delivery.worker import DeliveryWorker

    db = _open(path)
    mandant = _mandant()
    credits.purchase(mandant, MAILS * MAIL_ROUNDS, user="bench")
    sink = subprocess.Popen([sys.executable, "-c", _SINK, str(folder / "mailbox")], stdout=subprocess.PIPE, text=True)
    raws, workers = [], []
    try:
        assert sink.stdout is not None
        port = int(sink.stdout.readline())
        settings = _settings(port)
        for round_ in range(MAIL_ROUNDS):  # alternate, so that a busy moment of the machine hits both
            raws.append(asyncio.run(_raw_loop(port, MAILS, round_)))
            outbox.enqueue(
                mandant,
                [Draft("email", f"p{i}@example.ch", BODY, subject="Termin") for i in range(MAILS)],
                user="bench",
            )
            worker = DeliveryWorker(settings, MockGateway(folder / "state", 0), poll_seconds=0.05)
            start = time.perf_counter()
            tally = asyncio.run(worker.run_once())
            workers.append(time.perf_counter() - start)
            assert tally.sent == MAILS, tally
    finally:
        sink.terminate()
        sink.wait()
        db.close()
    arrived = len(mailbox.Maildir(str(folder / "mailbox")))  # the sink keeps one mail per reference
    assert arrived == 2 * MAILS * MAIL_ROUNDS, arrived
    return MAILS / statistics.median(workers), MAILS / statistics.median(raws)


def sms_throughput(path: Path, folder: Path) -> tuple[float, float]:
    """(worker SMS/s end to end: claim, submit, record; mock gateway alone SMS/s)."""
    from vitosms_tui.core import credits, outbox
    from vitosms_tui.core.drafts import Draft
    from vitosms_tui.core.models import Message
    from vitosms_tui.delivery.gateways.base import Sms
    from vitosms_tui.delivery.gateways.mock import MockGateway
    from vitosms_tui.delivery.worker import DeliveryWorker

    gateway = MockGateway(folder / "alone", 0)
    batches = [
        [Sms(f"ref{i}", f"+4179{1000000 + i:07d}", "DrHauser", BODY, 1) for i in range(start, min(start + 500, SMS))]
        for start in range(0, SMS, 500)
    ]
    start = time.perf_counter()
    for batch in batches:
        gateway.submit(batch)
    alone = SMS / (time.perf_counter() - start)

    db = _open(path)
    mandant = _mandant()
    credits.purchase(mandant, 2 * SMS, user="bench")
    for first in range(0, SMS, 2000):
        outbox.enqueue(
            mandant,
            [Draft("sms", f"+4179{1000000 + i:07d}", BODY) for i in range(first, min(first + 2000, SMS))],
            user="bench",
        )
    settings = _settings()
    settings.delivery.batch_size = 500
    # the gateway answers at once; its delivery reports come later (not part of sending)
    settings.delivery.report_delay_seconds = 3600
    worker = DeliveryWorker(settings, MockGateway(folder / "state", 3600), poll_seconds=0.05)
    start = time.perf_counter()
    tally = asyncio.run(worker.run_once())
    elapsed = time.perf_counter() - start
    assert tally.sent == SMS, tally
    assert Message.select().where((Message.status == "sent") & (Message.created_by == "bench")).count() == SMS
    db.close()
    return SMS / elapsed, alone
