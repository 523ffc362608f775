"""Delivery throughput (``make bench``; not part of ``make test``). Prints figures, asserts no times.

* e-mail: the worker against a plain aiosmtplib loop (one connection, one mail after
  the other) to the same embedded sink in the same run; goal: at least 0.85x;
* SMS: the mock gateway alone, and the worker end to end (claim, submit, record),
  goal: at least 5,000 SMS/s.
"""

from __future__ import annotations

import asyncio
import mailbox
import os
import statistics
import subprocess
import sys
import time

import aiosmtplib

from vitosms_tui.core import credits, outbox
from vitosms_tui.core.config import Settings
from vitosms_tui.core.models import Message
from vitosms_tui.delivery.gateways.base import Sms
from vitosms_tui.delivery.gateways.mock import MockGateway
from vitosms_tui.delivery.smtp import Mail, build_message
from vitosms_tui.delivery.worker import DeliveryWorker

MAILS = int(os.environ.get("BENCH_MAILS", "500"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SMS_COUNT = int(os.environ.get("BENCH_SMS", "20000"))
BODY = "Guten Tag Frau Muster, wir erinnern Sie an Ihren Termin morgen um 09:15 bei Dr. Hauser."


def _settings(port: int | None = None) -> Settings:
    settings = Settings()
    if port:
        settings.smtp.host, settings.smtp.port = "127.0.0.1", port
    settings.delivery.lease_seconds = 600
    settings.delivery.report_delay_seconds = 0
    return settings


async def _raw_loop(port: int, count: int) -> float:
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await smtp.connect()
    start = time.perf_counter()
    for i in range(count):
        message = build_message(Mail(f"raw{i}", f"p{i}@example.ch", "Termin", BODY, "Dr. Hauser"),
                                "praxis@example.ch")
        await smtp.send_message(message)
    elapsed = time.perf_counter() - start
    await smtp.quit()
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


def test_bench_email_worker_vs_raw_aiosmtplib(mandant, tmp_path):
    credits.purchase(mandant, MAILS * ROUNDS, user="bench")
    # the sink in its own process, as a real SMTP server would be (no shared GIL)
    sink = subprocess.Popen([sys.executable, "-c", _SINK, str(tmp_path / "mailbox")],
                            stdout=subprocess.PIPE, text=True)
    raws, workers = [], []
    try:
        port = int(sink.stdout.readline())
        settings = _settings(port)
        for _ in range(ROUNDS):  # alternate, so that a busy moment of the machine hits both
            raws.append(asyncio.run(_raw_loop(port, MAILS)))
            outbox.enqueue(mandant, [outbox.Draft("email", f"p{i}@example.ch", BODY, subject="Termin")
                                     for i in range(MAILS)], user="bench")
            worker = DeliveryWorker(settings, MockGateway(tmp_path / "state", 0), poll_seconds=0.05)
            start = time.perf_counter()
            tally = asyncio.run(worker.drain())
            workers.append(time.perf_counter() - start)
            assert tally.sent == MAILS
    finally:
        sink.terminate()
        sink.wait()
    assert len(mailbox.Maildir(str(tmp_path / "mailbox"))) == 2 * MAILS * ROUNDS
    raw, elapsed = statistics.median(raws), statistics.median(workers)
    print(f"\ne-mail ({MAILS} mails, median of {ROUNDS} rounds): raw aiosmtplib loop {MAILS / raw:,.0f}/s; "
          f"worker (pool {settings.smtp.pool_size}, batch {settings.delivery.batch_size}) "
          f"{MAILS / elapsed:,.0f}/s; ratio {raw / elapsed:.2f}x (goal >= 0.85x)")


def test_bench_sms_mock_gateway(tmp_path):
    gateway = MockGateway(tmp_path / "state", 0)
    batch_size = 500
    batches = [[Sms(f"ref{i}", f"+4179{1000000 + i:07d}", "DrHauser", BODY, 1)
                for i in range(start, min(start + batch_size, SMS_COUNT))]
               for start in range(0, SMS_COUNT, batch_size)]
    start = time.perf_counter()
    for batch in batches:
        gateway.submit(batch)
    elapsed = time.perf_counter() - start
    print(f"\nSMS: mock gateway alone {SMS_COUNT / elapsed:,.0f}/s (batches of {batch_size}, goal >= 5,000/s)")


def test_bench_sms_through_the_worker(mandant, tmp_path):
    count = SMS_COUNT // 2
    credits.purchase(mandant, count * 2, user="bench")
    for start in range(0, count, 2000):
        outbox.enqueue(mandant, [outbox.Draft("sms", f"+4179{1000000 + i:07d}", BODY)
                                 for i in range(start, min(start + 2000, count))], user="bench")
    settings = _settings()
    settings.delivery.batch_size = 500
    settings.delivery.report_delay_seconds = 3600  # first: submitting only
    gateway = MockGateway(tmp_path / "state", settings.delivery.report_delay_seconds)
    start = time.perf_counter()
    tally = asyncio.run(DeliveryWorker(settings, gateway, poll_seconds=0.05).run_once())
    sent_seconds = time.perf_counter() - start
    assert tally.sent == count
    settings.delivery.report_delay_seconds = 0  # then: all reports due at once
    start = time.perf_counter()
    tally = asyncio.run(DeliveryWorker(settings, MockGateway(tmp_path / "state", 0), poll_seconds=0.05).drain())
    report_seconds = time.perf_counter() - start
    assert tally.delivered == count
    assert Message.select().where(Message.status == "delivered").count() == count
    print(f"\nSMS: worker end to end {count / sent_seconds:,.0f} sent/s (claim, submit, record; batch 500); "
          f"delivery reports {count / report_seconds:,.0f}/s")
