"""The worker over SMPP to ``vitosms smsc``, both real processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter

import pytest

from tests.processes import WAIT, wait_for
from tests.smsc_helpers import SmscProcess, smpp_config
from vitosms_tui.core import credits, outbox
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import Message


@pytest.fixture
def practice(tmp_path, db_path, mandant):
    credits.purchase(mandant, 1000, user="test")
    return {"db": db_path, "state": tmp_path / "state", "tmp": tmp_path, "mandant": mandant}


@pytest.fixture
def smsc(tmp_path):
    process = SmscProcess(tmp_path).start()
    yield process
    process.stop()


def worker(practice, config, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vitosms_tui.cli.main",
            "--db",
            str(practice["db"]),
            "--config",
            config,
            "--state-dir",
            str(practice["state"]),
            "--json",
            "worker",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def queue(practice, numbers, text="Guten Tag, Ihr Termin ist morgen.") -> list[Message]:
    return outbox.enqueue(practice["mandant"], [Draft("sms", n, text) for n in numbers], user="test")


def statuses(messages) -> Counter:
    return Counter(Message.get_by_id(m.id).status for m in messages)


def test_drain_over_smpp_keeps_the_test_numbers_and_records_the_receipts(practice, smsc):
    numbers = ["+41799990100", "+41799990101", "+41799990102", "+41791234567"]
    sms = queue(practice, numbers)
    run = worker(practice, smpp_config(practice["tmp"] / "w.toml", smsc.port), "--drain")
    out, err = run.communicate(timeout=WAIT)
    assert run.returncode == 0, err
    assert json.loads(out) == {"sent": 3, "delivered": 2, "failed": 2, "retried": 2}
    by_number = {m.recipient: Message.get_by_id(m.id) for m in sms}
    assert by_number["+41799990100"].status == "failed"
    assert "0x0000000B ESME_RINVDSTADR" in by_number["+41799990100"].error
    assert by_number["+41799990102"].status == "failed"
    assert "UNDELIV" in by_number["+41799990102"].error
    assert by_number["+41799990101"].status == "delivered"
    assert by_number["+41799990101"].attempts == 3
    assert by_number["+41791234567"].provider_id.startswith("smsc-")
    # each accepted SMS once in the handset log, under its idempotency key
    accepted = [m for m in sms if m.recipient != "+41799990100"]
    assert smsc.handset_refs() == Counter({m.idempotency_key: 1 for m in accepted})
    # the worker unbound when it was done (no link just dropped), and bound once
    assert smsc.count("bind") == 1
    assert smsc.count("unbind") == 1
    assert smsc.count("lost") == 0
    assert Message.get_by_id(sms[0].id).error
    assert "Guten Tag" not in err


def test_a_long_message_goes_in_the_parts_it_was_charged_for(practice, smsc):
    text = "Grüezi 😀 " * 30  # UCS-2 with surrogate pairs: 270 units
    [message] = queue(practice, ["+41791234567"], text)
    assert message.segments == 5
    run = worker(practice, smpp_config(practice["tmp"] / "w.toml", smsc.port), "--drain")
    _, err = run.communicate(timeout=WAIT)
    assert run.returncode == 0, err
    [line] = smsc.handset()
    assert line["text"] == text
    assert line["segments"] == 5
    stored = Message.get_by_id(message.id)
    assert stored.status == "delivered"
    assert len(stored.provider_id.split()) == 5  # one id per part, each with its receipt


def test_a_wrong_password_is_one_clear_error_and_the_messages_wait(practice, smsc):
    sms = queue(practice, ["+41791234567", "+41791234568"])
    config = smpp_config(practice["tmp"] / "w.toml", smsc.port, password="falsch", reconnect_max_seconds=30)
    run = worker(practice, config)
    wait_for(lambda: smsc.count("bind refused") >= 1, "the refused bind")
    wait_for(lambda: all(Message.get_by_id(m.id).attempts >= 1 for m in sms), "the first attempts")
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=WAIT)
    assert run.returncode == 0, err
    assert smsc.count("bind refused") == 1  # no reconnect storm: the next try waits 30 s
    refusals = [line for line in err.splitlines() if "bind refused" in line]
    assert len(refusals) == 1
    assert "0x0000000E ESME_RINVPASWD" in refusals[0]
    assert statuses(sms) == Counter({"queued": 2})
    assert all("bind refused" in Message.get_by_id(m.id).error for m in sms)
    assert smsc.handset() == []


def test_a_link_dropped_with_submissions_outstanding_loses_and_doubles_nothing(practice, tmp_path):
    smsc = SmscProcess(tmp_path, "--drop-after", "7").start()
    try:
        sms = queue(practice, [f"+417912345{i:02d}" for i in range(30)])
        run = worker(practice, smpp_config(practice["tmp"] / "w.toml", smsc.port, window=5), "--drain")
        out, err = run.communicate(timeout=WAIT * 2)
    finally:
        smsc.stop()
    assert run.returncode == 0, err
    assert statuses(sms) == Counter({"delivered": 30})
    assert smsc.handset_refs() == Counter({m.idempotency_key: 1 for m in sms})
    assert smsc.count("dropped") >= 3
    assert smsc.count("bind") >= 4


def test_throttling_slows_the_window_instead_of_burning_attempts(practice, tmp_path):
    smsc = SmscProcess(tmp_path, "--throttle", "10").start()
    try:
        sms = queue(practice, [f"+417912345{i:02d}" for i in range(30)])
        run = worker(practice, smpp_config(practice["tmp"] / "w.toml", smsc.port, window=10), "--drain")
        _, err = run.communicate(timeout=WAIT * 2)
    finally:
        smsc.stop()
    assert run.returncode == 0, err
    assert statuses(sms) == Counter({"delivered": 30})
    assert Counter(Message.get_by_id(m.id).attempts for m in sms) == Counter({1: 30})


def test_the_smsc_down_and_up_again_under_a_running_worker(practice, tmp_path):
    smsc = SmscProcess(tmp_path)
    first = queue(practice, ["+41791234501", "+41791234502"])
    run = worker(practice, smpp_config(practice["tmp"] / "w.toml", smsc.port))
    try:
        wait_for(lambda: all(Message.get_by_id(m.id).attempts >= 1 for m in first), "attempts while down")
        assert set(statuses(first)) <= {"queued", "sending"}  # waiting, none lost
        smsc.start()
        wait_for(lambda: statuses(first) == Counter({"delivered": 2}), "delivery once it is up")
        smsc.kill()  # gone without an unbind
        second = queue(practice, ["+41791234503"])
        smsc.start()
        wait_for(lambda: statuses(second) == Counter({"delivered": 1}), "delivery after the restart")
    finally:
        run.send_signal(signal.SIGTERM)
        _, err = run.communicate(timeout=WAIT)
        smsc.stop()
    assert run.returncode == 0, err
    assert smsc.handset_refs() == Counter({m.idempotency_key: 1 for m in first + second})


def test_a_worker_killed_mid_send_leaves_no_duplicate_and_loses_nothing(practice, smsc):
    before = credits.balance(practice["mandant"])
    sms = queue(practice, [f"+417912345{i:02d}" for i in range(60)])
    config = smpp_config(practice["tmp"] / "w.toml", smsc.port, window=4)
    run = worker(practice, config)
    smsc.wait_for_handset(5)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=WAIT)
    again = worker(practice, config, "--drain")
    _, err = again.communicate(timeout=WAIT * 2)
    assert again.returncode == 0, err
    assert statuses(sms) == Counter({"delivered": 60})
    assert smsc.handset_refs() == Counter({m.idempotency_key: 1 for m in sms})
    assert credits.balance(practice["mandant"]) == before - 60  # each SMS charged once


def test_a_patients_reply_reaches_the_practice_link_and_is_kept(practice, smsc):
    queue(practice, ["+41791234567"])
    config = smpp_config(practice["tmp"] / "w.toml", smsc.port)
    run = worker(practice, config, "--drain")
    assert run.communicate(timeout=WAIT)[0]
    assert run.returncode == 0
    reply = subprocess.run(
        [
            sys.executable,
            "-m",
            "vitosms_tui.cli.main",
            "--config",
            smsc.config,
            "--state-dir",
            str(smsc.state),
            "--json",
            "smsc",
            "reply",
            "--from",
            "+41791234567",
            "--text",
            "JA gerne",
        ],
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert reply.returncode == 0, reply.stderr
    run = worker(practice, config)
    inbound = practice["state"] / "sms-inbound.jsonl"
    try:
        wait_for(lambda: inbound.exists() and inbound.read_text().strip(), "the reply")
        wait_for(lambda: smsc.count("reply delivered") == 1, "the reply to be acknowledged")
    finally:
        run.send_signal(signal.SIGTERM)
        _, err = run.communicate(timeout=WAIT)
    [line] = [json.loads(x) for x in inbound.read_text().splitlines()]
    assert (line["from"], line["text"]) == ("+41791234567", "JA gerne")
    assert "JA gerne" not in err  # never in a log
    assert oct(inbound.stat().st_mode & 0o777) == "0o600"


def test_a_receipt_that_comes_after_the_worker_left_reaches_the_next_one(practice, tmp_path):
    smsc = SmscProcess(tmp_path, report_delay=2.0).start()
    [message] = queue(practice, ["+41791234567"])
    config = smpp_config(practice["tmp"] / "w.toml", smsc.port)
    try:
        once = worker(practice, config, "--once")
        _, err = once.communicate(timeout=WAIT)
        assert once.returncode == 0, err
        assert Message.get_by_id(message.id).status == "sent"  # it left before the receipt came
        wait_for(lambda: smsc.count("unbind") == 1, "the first worker to unbind")
        drain = worker(practice, config, "--drain")
        _, err = drain.communicate(timeout=WAIT)
    finally:
        smsc.stop()
    assert drain.returncode == 0, err
    assert Message.get_by_id(message.id).status == "delivered"


def test_a_receipt_for_an_id_no_message_has_changes_nothing(practice, smsc):
    import asyncio

    from vitosms_tui.core.sms_settings import SmsSettings
    from vitosms_tui.delivery.gateways.base import Sms
    from vitosms_tui.delivery.gateways.smpp import SmppGateway

    async def another_program():  # sends over the same account and leaves before its receipt
        gateway = SmppGateway(
            SmsSettings(gateway="smpp", host="127.0.0.1", port=smsc.port, system_id="praxis", password="geheim"),
            practice["tmp"] / "other",
        )
        try:
            return await gateway.send_many([Sms("not-ours", "+41791234599", "Praxis", "Hallo", 1)])
        finally:
            await gateway.close()

    [foreign] = asyncio.run(another_program())
    [message] = queue(practice, ["+41791234567"])
    drain = worker(practice, smpp_config(practice["tmp"] / "w.toml", smsc.port), "--drain")
    out, err = drain.communicate(timeout=WAIT)
    assert drain.returncode == 0, err
    assert Message.get_by_id(message.id).status == "delivered"
    receipts = (practice["state"] / "smpp-receipts.jsonl").read_text()
    assert foreign.provider_id in receipts  # taken and acknowledged, matched to nothing
    assert not Message.select().where(Message.provider_id == foreign.provider_id).exists()


def test_a_receipt_due_when_the_smsc_restarted_still_comes(practice, tmp_path):
    smsc = SmscProcess(tmp_path, report_delay=2.0).start()
    [message] = queue(practice, ["+41791234567"])
    run = worker(practice, smpp_config(practice["tmp"] / "w.toml", smsc.port))
    try:
        wait_for(lambda: Message.get_by_id(message.id).status == "sent", "the acceptance")
        smsc.kill()  # before its receipt was due
        smsc.start()
        wait_for(lambda: Message.get_by_id(message.id).status == "delivered", "the receipt after the restart")
    finally:
        run.send_signal(signal.SIGTERM)
        _, err = run.communicate(timeout=WAIT)
        smsc.stop()
    assert run.returncode == 0, err
    assert smsc.count("receipt delivered") == 1
