"""Processes side by side against one SQLite file, as terminals and workers are in a practice.

* three ``vitosms send`` processes, let go at one moment, spend a Mandant's last
  credits: no more than it has, the losers refused whole with a one-line reason
  (the in-process race of ``core.outbox`` is in test_credit_race.py);
* two ``vitosms worker`` processes and ``vitosms automation run`` processes at
  once: every automatic reminder exists once, every message arrives once, the
  ledger adds up.
"""

from __future__ import annotations

import json
import mailbox
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import timedelta

import pytest

from tests.processes import vitosms, wait_for
from vitosms_tui.core import agenda, clock, credits, mandanten, outbox, persons
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import CreditEntry, Message
from vitosms_tui.delivery.gateways.mock import HANDSET_FILE
from vitosms_tui.delivery.sink import start_sink

WAIT = 60  # seconds: an upper bound for waiting on other processes, never a timing assertion

# `vitosms …` in a process that has loaded everything, then waits at the barrier (a file)
# so that all of them call main() within microseconds of each other
AT_THE_BARRIER = textwrap.dedent("""
    import os, sys
    from vitosms_tui.cli.main import build_parser, main
    from vitosms_tui.core import phone
    build_parser()                     # imports every command module
    phone.normalize_mobile("0791234567")  # loads the number metadata
    go = sys.argv[1]
    while not os.path.exists(go):
        pass
    sys.exit(main(sys.argv[2:]))
""")


def run_at_once(tmp_path, argvs: list[list[str]]) -> list[tuple[int, str, str]]:
    go = tmp_path / f"go-{time.monotonic_ns()}"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", AT_THE_BARRIER, str(go), *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    time.sleep(1.0)  # let them load; correctness does not depend on it, only the closeness of the race
    go.touch()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=WAIT)
        results.append((process.returncode, out, err))
    return results


def ledger_never_negative(mandant) -> bool:
    running = 0
    for (delta,) in (
        CreditEntry.select(CreditEntry.delta).where(CreditEntry.mandant == mandant).order_by(CreditEntry.id).tuples()
    ):
        running += delta
        if running < 0:
            return False
    return True


@pytest.mark.parametrize("balance,winners", [(5, 2), (2, 1)])
def test_three_send_processes_spend_the_last_credits_once(db, db_path, tmp_path, balance, winners):
    hau = mandanten.add_mandant("HAU", "Dr. med. Anna Hauser", "Dr Hauser", user="test")
    credits.purchase(hau, balance, user="test")
    # each sends two SMS (2 credits): all of them or none
    argvs = [
        [
            "--db",
            str(db_path),
            "--state-dir",
            str(tmp_path / "state"),
            "--user",
            f"desk{i}",
            "--json",
            "send",
            "--mandant",
            "HAU",
            "--to",
            f"079 123 45 6{i}",
            "--to",
            f"079 123 45 7{i}",
            "--text",
            f"Bitte rufen Sie uns an ({i}).",
        ]
        for i in range(3)
    ]
    results = run_at_once(tmp_path, argvs)
    codes = Counter(code for code, _, _ in results)
    assert codes == Counter({0: winners, 1: 3 - winners}), results
    for code, out, err in results:
        assert "Traceback" not in err
        if code == 1:
            assert len(err.strip().splitlines()) == 1
            assert "not enough credits" in err
            assert json.loads(out)["error"]["code"] == "insufficient_credits"
        else:
            assert [m["status"] for m in json.loads(out)["messages"]] == ["queued", "queued"]
    # the refused ones left nothing behind: no message, no ledger entry
    assert Message.select().count() == 2 * winners
    assert CreditEntry.select().where(CreditEntry.kind == "spend").count() == 2 * winners
    assert credits.balance(hau) == balance - 2 * winners >= 0
    assert ledger_never_negative(hau)
    by_user = Counter(m.created_by for m in Message.select())
    assert set(by_user.values()) == {2}  # each winner queued both of its SMS


# --- two workers and the automation ---------------------------------------------------------


def quiet_hours_elsewhere() -> str:
    """Quiet hours that do not include the present (the reminders go out at once)."""
    later = clock.local(clock.now()) + timedelta(hours=8)
    return f"{later:%H}:00-{(later + timedelta(hours=1)):%H}:00"


@pytest.fixture
def practice(db, db_path, tmp_path):
    hau = mandanten.add_mandant("HAU", "Dr. med. Anna Hauser", "Dr Hauser", user="test")
    mue = mandanten.add_mandant("MUE", "Dr. med. Beat Müller", "Dr Mueller", user="test")
    for m in (hau, mue):
        credits.purchase(m, 300, user="test")
        mandanten.update_settings(m, auto_reminders=True, quiet=quiet_hours_elsewhere(), user="test")
    # booked inside the lead time, more than two hours ahead: each reminder goes out at once
    start = clock.now().replace(second=0, microsecond=0) + timedelta(hours=3)
    appointments = []
    for i in range(16):
        mandant = hau if i % 2 else mue
        contact = {"mobile": f"079 555 20 {i:02d}"} if i % 4 else {"email": f"patient{i}@example.ch"}
        person = persons.add_person(
            persons.PersonInput(first_name=f"P{i}", last_name="Muster", mandant=mandant.code, **contact), user="test"
        )
        appointments.append(
            agenda.add_appointment(mandant, person, start + timedelta(minutes=15 * i), 15, user="desk").appointment
        )
    # and free texts from the desk, test numbers among them
    numbers = ["+41799990100", "+41799990101", "+41799990102"] + [f"+4179555{3000 + i}" for i in range(17)]
    free = outbox.enqueue(hau, [Draft("sms", n, f"Nachricht {n[-4:]}") for n in numbers], user="desk")
    free += outbox.enqueue(
        mue,
        [Draft("email", f"info{i}@example.ch", f"Mail {i}", subject="Praxis") for i in range(10)],
        user="desk",
    )
    return {"mandanten": (hau, mue), "appointments": appointments, "free": free}


def pending() -> int:
    return (
        Message.select()
        .where(Message.status.in_(("queued", "sending")) | ((Message.status == "sent") & (Message.channel == "sms")))
        .count()
    )


EXPECTED = {"+41799990100": "failed", "+41799990101": "delivered", "+41799990102": "failed"}


def test_two_workers_and_automation_runs_create_and_send_everything_once(practice, tmp_path, db_path):
    controller, port = start_sink(tmp_path / "mailbox")
    config = tmp_path / "vitosms.toml"
    config.write_text(
        "[delivery]\nlease_seconds = 3\nbackoff_seconds = 0.1\nbackoff_max_seconds = 0.3\n"
        "report_delay_seconds = 0.1\nbatch_size = 5\n"
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\npool_size = 2\n'
    )
    appointments = practice["appointments"]
    workers = [vitosms(db_path, tmp_path, str(config), "worker") for _ in range(2)]
    try:
        ticks = [vitosms(db_path, tmp_path, str(config), "--json", "automation", "run") for _ in range(2)]
        reports = []
        for tick in ticks:
            out, err = tick.communicate(timeout=WAIT)
            assert tick.returncode == 0, err
            reports.append(json.loads(out))
        reminders = lambda: Message.select().where(Message.purpose == "reminder")  # noqa: E731
        wait_for(lambda: reminders().count() >= len(appointments), "a reminder for every appointment")
        wait_for(lambda: pending() == 0, "every message to reach its final state")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        outcomes = [worker.communicate(timeout=WAIT) for worker in workers]
        controller.stop()
    for worker, (_, err) in zip(workers, outcomes, strict=True):
        assert worker.returncode == 0, err
        assert "Traceback" not in err

    messages = list(Message.select())
    # automation: one reminder per appointment, whoever made it (the workers tick too)
    reminders = [m for m in messages if m.purpose == "reminder"]
    assert Counter(m.appointment_id for m in reminders) == Counter({a.id: 1 for a in appointments})
    assert all(m.auto_key for m in reminders)
    assert sum(r["reminders"] for r in reports) <= len(appointments)
    # delivery: every message once in the handset log or the Maildir, in the state its recipient dictates
    handset = Counter(
        json.loads(line)["client_ref"] for line in (tmp_path / "state" / HANDSET_FILE).read_text().splitlines()
    )
    mails = Counter(m["X-Vitosms-Ref"] for m in mailbox.Maildir(str(tmp_path / "mailbox"), create=False))
    assert max(handset.values()) == 1
    assert max(mails.values()) == 1
    for m in messages:
        expected = EXPECTED.get(m.recipient, "delivered" if m.channel == "sms" else "sent")
        assert m.status == expected, (m.id, m.recipient, m.status, m.error)
        arrived = (handset if m.channel == "sms" else mails)[m.idempotency_key]
        assert arrived == (0 if m.recipient == "+41799990100" else 1), m.recipient
    assert set(handset) | set(mails) <= {m.idempotency_key for m in messages}
    # the ledger: one spend per message, a refund exactly for the failed ones, balances add up
    for mandant in practice["mandanten"]:
        entries = list(CreditEntry.select().where(CreditEntry.mandant == mandant))
        by_kind = Counter()
        for entry in entries:
            by_kind[entry.kind] += entry.delta
        assert set(by_kind) <= {"purchase", "spend", "refund"}
        assert (
            sum(e.delta for e in entries)
            == by_kind["purchase"] + by_kind["spend"] + by_kind["refund"]
            == credits.balance(mandant)
        )
        kept = sum(m.credits for m in messages if m.mandant_id == mandant.id and m.status != "failed")
        assert credits.balance(mandant) == 300 - kept
        assert ledger_never_negative(mandant)
    for m in messages:
        spends = [e.delta for e in m.ledger if e.kind == "spend"]
        refunds = [e.delta for e in m.ledger if e.kind == "refund"]
        assert spends == [-m.credits]
        assert refunds == ([m.credits] if m.status == "failed" else [])
