"""The worker's SMS over SMPP to the simulator, against a raw loop of aiosmpplib's PDUs.

Both send to the same ``vitosms smsc`` process on loopback with the same window
of outstanding submit_sm; the raw loop is the least a program can do with the
library: pipelined submits, one answer read per submit, no database at all.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

from .writes import BODY, _mandant, _open, _settings

SMS = 2_000
ROUNDS = 3
WINDOW = 20
SYSTEM_ID, PASSWORD = "bench", "bench"


def _start_smsc(folder: Path) -> tuple[subprocess.Popen, int]:
    config = folder / "smsc.toml"
    config.write_text(
        f'[delivery]\nreport_delay_seconds = 3600\n[sms]\nsystem_id = "{SYSTEM_ID}"\npassword = "{PASSWORD}"\n'
    )
    config.chmod(0o600)
    smsc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vitosms_tui.cli.main",
            "--config",
            str(config),
            "--state-dir",
            str(folder / "smsc"),
            "--json",
            "smsc",
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    return smsc, json.loads(smsc.stdout.readline())["listening"]["port"]


async def _raw_loop(port: int, count: int, round_: int) -> float:
    from aiosmpplib import NPI, TON, BindTransceiver, OptionalParam, PhoneNumber, SubmitSm

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = struct.Struct("!IIII")

    async def answer() -> tuple[int, int]:
        length, command, status, sequence = head.unpack(await reader.readexactly(16))
        await reader.readexactly(length - 16)
        return command, status

    bind = BindTransceiver(sequence_num=1, system_id=SYSTEM_ID, password=PASSWORD)
    writer.write(bind.pdu())
    assert (await answer())[1] == 0
    window = asyncio.Semaphore(WINDOW)
    accepted = 0

    async def read_all():
        nonlocal accepted
        while accepted < count:
            command, status = await answer()
            if command == 0x80000004:
                assert status == 0, hex(status)
                accepted += 1
                window.release()

    start = time.perf_counter()
    reading = asyncio.create_task(read_all())
    for i in range(count):
        await window.acquire()
        ref = f"raw{round_}-{i}"
        message = SubmitSm(
            sequence_num=i + 2,
            short_message=BODY,
            source=PhoneNumber("DrHauser", TON.ALPHANUMERIC, NPI.UNKNOWN),
            destination=PhoneNumber(f"4179{1000000 + i:07d}", TON.INTERNATIONAL, NPI.ISDN),
            auto_message_payload=False,
            optional_params=[OptionalParam(0x1501, ref)],
        )
        writer.write(message.pdu())
    await reading
    elapsed = time.perf_counter() - start
    writer.close()
    return elapsed


def smpp_throughput(path: Path, folder: Path) -> tuple[float, float]:
    """(worker SMS/s over SMPP: claim, submit, record; raw aiosmpplib loop SMS/s), medians."""
    from vitosms_tui.core import credits, outbox
    from vitosms_tui.core.drafts import Draft
    from vitosms_tui.core.sms_settings import SmsSettings
    from vitosms_tui.delivery.gateways.smpp import SmppGateway
    from vitosms_tui.delivery.worker import DeliveryWorker

    db = _open(path)
    mandant = _mandant()
    credits.purchase(mandant, SMS * ROUNDS, user="bench")
    smsc, port = _start_smsc(folder)
    raws, workers = [], []
    try:
        settings = _settings()
        settings.delivery.batch_size = 500
        settings.delivery.report_delay_seconds = 3600
        settings.sms = SmsSettings(
            gateway="smpp", host="127.0.0.1", port=port, system_id=SYSTEM_ID, password=PASSWORD, window=WINDOW
        )
        for round_ in range(ROUNDS):  # alternate, so that a busy moment of the machine hits both
            raws.append(asyncio.run(_raw_loop(port, SMS, round_)))
            outbox.enqueue(
                mandant,
                [Draft("sms", f"+4179{2000000 + round_ * SMS + i:07d}", BODY) for i in range(SMS)],
                user="bench",
            )
            worker = DeliveryWorker(settings, SmppGateway(settings.sms, folder / "state"), poll_seconds=0.05)
            start = time.perf_counter()
            tally = asyncio.run(worker.run_once())
            workers.append(time.perf_counter() - start)
            assert tally.sent == SMS, tally
    finally:
        smsc.terminate()
        smsc.wait()
        db.close()
    return SMS / statistics.median(workers), SMS / statistics.median(raws)
