"""Several processes against one SQLite file: the last credit is spent once, a message claimed once."""

import json
import subprocess
import sys
import textwrap
import time

import pytest

from vitosms_tui.core import credits, mandanten, outbox
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import CreditEntry, Message

# Each process waits for the start file, then races the others.
SENDER = textwrap.dedent("""
    import json, os, sys, time
    from vitosms_tui.core import mandanten, outbox
    from vitosms_tui.core.db import open_database
    from vitosms_tui.core.drafts import Draft, quote
    from vitosms_tui.core.errors import Refused

    db, go, tries = sys.argv[1], sys.argv[2], int(sys.argv[3])
    open_database(db)
    mandant = mandanten.get_mandant("HAU")
    draft = Draft("sms", "079 123 45 67", "Nachricht")
    quote(mandant, [draft])  # warm up: number metadata, tariff
    while not os.path.exists(go):
        pass  # spin: all start within microseconds of each other
    queued = refused = 0
    for i in range(tries):
        try:
            outbox.enqueue(mandant, [draft], "race")
            queued += 1
        except Refused as exc:
            assert exc.code == "insufficient_credits", exc
            refused += 1
        # SQLite hands a freed lock to whoever asks first: pause so the others get turns
        time.sleep(0.002)
    print(json.dumps({"queued": queued, "refused": refused}))
""")

CLAIMER = textwrap.dedent("""
    import json, os, sys, time
    from vitosms_tui.core import sending
    from vitosms_tui.core.db import open_database

    db, go, worker = sys.argv[1], sys.argv[2], sys.argv[3]
    open_database(db)
    while not os.path.exists(go):
        pass  # spin: all start within microseconds of each other
    mine = []
    while True:
        batch = sending.claim(worker, 1, 300)
        if not batch:
            break
        mine += [m.id for m in batch]
        time.sleep(0.001)
    print(json.dumps(mine))
""")


def _race(script: str, tmp_path, argv_per_process: list[list[str]]) -> list:
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for argv in argv_per_process
    ]
    time.sleep(0.5)  # let them start and open the database; correctness does not depend on it
    go.touch()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out))
    return results


@pytest.fixture
def few_credits(db, db_path):
    mandant = mandanten.add_mandant("HAU", "Dr. Hauser")
    credits.purchase(mandant, 10, "test")
    return mandant


def test_three_processes_cannot_overspend(tmp_path, db_path, few_credits):
    results = _race(SENDER, tmp_path, [[str(db_path), str(tmp_path / "go"), "10"]] * 3)
    assert sum(r["queued"] for r in results) == 10
    assert sum(r["refused"] for r in results) == 20
    assert Message.select().count() == 10
    assert credits.balance(few_credits) == 0
    # replay the ledger in commit order: the balance never went below zero
    running = 0
    for entry in CreditEntry.select().order_by(CreditEntry.id):
        running += entry.delta
        assert running >= 0
    assert CreditEntry.select().where(CreditEntry.kind == "spend").count() == 10


def test_two_workers_claim_each_message_once(tmp_path, db_path, few_credits):
    credits.purchase(few_credits, 50, "test")
    outbox.enqueue(few_credits, [Draft("sms", "0791234567", f"Nr. {i}") for i in range(60)], "desk")
    go = str(tmp_path / "go")
    claimed = _race(CLAIMER, tmp_path, [[str(db_path), go, "w1"], [str(db_path), go, "w2"]])
    everything = claimed[0] + claimed[1]
    assert len(everything) == len(set(everything)) == 60
    owners = {m.id: m.claimed_by for m in Message.select()}
    assert all(owners[i] == "w1" for i in claimed[0])
    assert all(owners[i] == "w2" for i in claimed[1])
