"""A backup taken while a worker delivers, restored: nothing lost, nothing sent twice.

A real `vitosms worker` delivers a few hundred SMS (mock gateway) and some
e-mails (SMTP sink on loopback) while `vitosms backup` runs as a process of its
own. One e-mail is held by the server during the backup, so the snapshot
certainly holds a message that was being sent. The backup is restored into a
fresh database and a draining worker runs on it, with the gateway's and the
sink's memory of what they already have (the same state folder and mailbox).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import mailbox
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from tests.processes import vitosms, wait_for
from vitosms_tui.core import credits, mandanten, outbox
from vitosms_tui.core.db import database, open_database
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import CreditEntry, Message, Person
from vitosms_tui.delivery.gateways.mock import HANDSET_FILE
from vitosms_tui.delivery.sink import MaildirHandler, start_sink

WAIT = 60  # seconds: an upper bound for waiting on another process, not a timing assertion
SMS_COUNT = 300
MAIL_COUNT = 5


class HoldingHandler(MaildirHandler):
    """The sink, but the first mail waits in DATA until the test releases it."""

    def __init__(self, maildir):
        super().__init__(maildir)
        self.seen = 0
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.seen == 1:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def is_url(db) -> bool:
    return "://" in str(db)


@pytest.fixture
def fresh_db(db_path, tmp_path):
    """Where the backup is restored: a new empty database, a SQLite file or on PostgreSQL."""
    if not is_url(db_path):
        path = str(tmp_path / "restored.db")
        # a restore goes into a database that exists; made by another process, so that
        # this one stays bound to the practice's database
        subprocess.run(
            [sys.executable, "-m", "vitosms_tui.cli.main", "--db", path, "init"], check=True, capture_output=True
        )
        yield path
        return
    from tests import postgres

    server = postgres.server()
    name = server.new_database()
    yield postgres.with_database(server.url, name)
    if hasattr(database.obj, "close_all"):
        database.obj.close_all()
    server.drop(name)


def use(db: str) -> None:
    """Point the models at ``db`` (closing what they pointed at)."""
    if database.obj is not None:
        getattr(database.obj, "close_all", database.obj.close)()
    open_database(db)


def write_config(tmp_path: Path, port: int, report_delay: float = 0.2) -> str:
    path = tmp_path / f"vitosms-{report_delay}.toml"
    path.write_text(
        "[delivery]\nlease_seconds = 2.0\nbackoff_seconds = 0.1\nbackoff_max_seconds = 0.4\n"
        f"report_delay_seconds = {report_delay}\nbatch_size = 10\n"
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\npool_size = 1\ntimeout = {WAIT}\n'
    )
    return str(path)


def finished(run, what):
    out, err = run.communicate(timeout=WAIT)
    assert run.returncode == 0, f"{what}: {err}"
    return out


def count(status: str, channel: str | None = None) -> int:
    query = Message.select().where(Message.status == status)
    return (query.where(Message.channel == channel) if channel else query).count()


def enqueue_sms(payers, indexes) -> None:
    for index in indexes:
        payer = payers[index % 2]
        outbox.enqueue(payer, [Draft("sms", f"+417912{index:05d}", f"Termin {index}")], user="test")


def messages() -> dict[str, tuple]:
    return {
        m.idempotency_key: (m.id, m.channel, m.status, m.provider_id) for m in Message.select().order_by(Message.id)
    }


def ledger() -> list[tuple]:
    return list(
        CreditEntry.select(
            CreditEntry.id, CreditEntry.mandant, CreditEntry.delta, CreditEntry.kind, CreditEntry.message
        )
        .order_by(CreditEntry.id)
        .tuples()
    )


def sums_by_kind() -> dict[int, Counter]:
    sums: dict[int, Counter] = {}
    for _id, mandant, delta, kind, _message in ledger():
        sums.setdefault(mandant, Counter())[kind] += delta
    return sums


def handset(tmp_path) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for line in (tmp_path / "state" / HANDSET_FILE).read_text().splitlines():
        record = json.loads(line)
        seen.setdefault(record["client_ref"], []).append(record["provider_id"])
    return seen


def test_a_backup_under_a_running_worker_restores_to_a_database_that_loses_and_repeats_nothing(
    db_path, mandant, fresh_db, tmp_path
):
    live = str(db_path)
    second = mandanten.add_mandant("MUE", "Dr. med. Peter Müller", "Dr Mueller", user="test")
    credits.purchase(mandant, 2000, user="test")
    credits.purchase(second, 2000, user="test")
    payers = (second, mandant)
    Person.create(first_name="Anna", last_name="Muster")
    half = SMS_COUNT // 2
    enqueue_sms(payers, range(half))
    outbox.enqueue(
        mandant,
        [Draft("email", f"p{i}@example.ch", "Termin", subject="Termin") for i in range(MAIL_COUNT)],
        user="test",
    )

    handler = HoldingHandler(tmp_path / "mailbox")
    controller, port = start_sink(tmp_path / "mailbox", handler=handler)
    # until the backup is taken, delivery reports are far off: an SMS sent before the
    # snapshot is certainly still waiting for its report in it
    waiting_config = write_config(tmp_path, port, report_delay=3600)
    config = write_config(tmp_path, port)
    backup_file = tmp_path / "backups" / "nightly.vitosms"
    backup_file.parent.mkdir()
    worker = vitosms(live, tmp_path, waiting_config, "worker")
    try:
        # the worker is in the middle of its work: a mail held by the server, SMS going out
        assert handler.holding.wait(WAIT), "the first mail never reached the server"
        wait_for(lambda: count("sent", "sms") >= 30, "the first SMS to be sent")
        taken = vitosms(live, tmp_path, config, "--json", "backup", str(backup_file))
        # more messages are queued while the backup runs, in batches, as the desk would
        pending = iter(range(half, SMS_COUNT))
        while taken.poll() is None:
            batch = list(itertools.islice(pending, 10))
            if not batch:
                break
            enqueue_sms(payers, batch)
        enqueue_sms(payers, pending)
        summary = json.loads(finished(taken, "backup"))
        handler.release.set()
        wait_for(lambda: count("queued") + count("sending") == 0, "the worker to send everything")
        worker.send_signal(signal.SIGTERM)
        finished(worker, "worker")
        finished(vitosms(live, tmp_path, config, "worker", "--drain"), "the delivery reports")
        assert count("delivered") == SMS_COUNT
        assert count("sent") == MAIL_COUNT
        assert backup_file.stat().st_mode & 0o777 == 0o600
        assert summary["persons"] == 1
        assert half + MAIL_COUNT <= summary["messages"] <= SMS_COUNT + MAIL_COUNT

        live_messages, live_ledger = messages(), ledger()
        restore = vitosms(fresh_db, tmp_path, config, "--json", "restore", str(backup_file))
        restored = json.loads(finished(restore, "restore"))
        assert {k: restored[k] for k in ("persons", "messages", "credit_entries")} == {
            k: summary[k] for k in ("persons", "messages", "credit_entries")
        }

        use(fresh_db)
        if not is_url(fresh_db):
            assert database.obj.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
        snapshot, snapshot_ledger = messages(), ledger()
        # the snapshot was taken in the middle: the held mail was being sent
        held = [
            key for key, (_id, channel, status, _pid) in snapshot.items() if channel == "email" and status == "sending"
        ]
        assert held
        states = Counter((channel, status) for _id, channel, status, _pid in snapshot.values())
        assert states[("sms", "sent")] >= 30
        assert states[("sms", "delivered")] == 0
        # nothing of the snapshot is lost: ledger and messages are the live ones up to that
        # moment (a ledger is never changed, only added to; messages in the order they came)
        assert snapshot_ledger == live_ledger[: len(snapshot_ledger)]
        assert list(snapshot) == list(live_messages)[: len(snapshot)]
        # and it balances per Mandant, as a ledger of that moment must
        for mandant_id, kinds in sums_by_kind().items():
            assert credits.balance(mandant_id) == sum(kinds.values()) >= 0
            spent = -kinds["spend"]
            price = sum(m.credits for m in Message.select().where(Message.mandant == mandant_id))
            assert spent == price
            assert kinds["refund"] == 0
        balances_before_drain = credits.balances()

        # a worker on the restored database finishes what the snapshot left open
        drain = vitosms(fresh_db, tmp_path, config, "--json", "worker", "--drain")
        finished(drain, "drain on the restored database")
        use(fresh_db)
        after = messages()
        assert after.keys() == snapshot.keys()
        assert Counter(status for _id, _ch, status, _pid in after.values()) == Counter(
            {"delivered": len(snapshot) - MAIL_COUNT, "sent": MAIL_COUNT}
        )
        # sent once: the gateway holds each SMS once, with the provider id the database has
        sms_refs = handset(tmp_path)
        assert all(len(ids) == 1 for ids in sms_refs.values())
        restored_sms = {key: pid for key, (_id, channel, _status, pid) in after.items() if channel == "sms"}
        assert {key: sms_refs[key][0] for key in restored_sms} == restored_sms
        assert len(sms_refs) == SMS_COUNT  # those queued after the snapshot went out once, from the live one
        # and the sink each mail once, the held one too (handed over again by the drain)
        mails = Counter(m["X-Vitosms-Ref"] for m in mailbox.Maildir(str(tmp_path / "mailbox")))
        assert mails == Counter({key: 1 for key, (_i, channel, _s, _p) in after.items() if channel == "email"})
        assert handler.seen > MAIL_COUNT  # the held mail reached the server twice, kept once
        # nothing failed, so the drain changed no balance
        assert credits.balances() == balances_before_drain
    finally:
        handler.release.set()
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
        controller.stop()


def test_the_nightly_backup_script_keeps_the_days_it_is_told(db_path, mandant, tmp_path):
    """deploy/vitosms-backup-nightly: a dated backup, older ones beyond the kept days removed."""
    script = Path(__file__).resolve().parents[2] / "deploy" / "vitosms-backup-nightly"
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o700)
    old = folder / "vitosms-2020-01-01.backup"
    old.write_text("old")
    recent = folder / "vitosms-recent.backup"
    recent.write_text("recent")
    unrelated = folder / "notes.txt"
    unrelated.write_text("keep me")
    subprocess.run(["touch", "-d", "30 days ago", str(old), str(unrelated)], check=True)
    subprocess.run(["touch", "-d", "2 days ago", str(recent)], check=True)
    bin_dir = Path(sys.executable).parent
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "VITOSMS_DB": str(db_path),
        "VITOSMS_BACKUP_DIR": str(folder),
        "VITOSMS_BACKUP_KEEP_DAYS": "14",
    }
    run = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=WAIT)
    assert run.returncode == 0, run.stderr
    names = sorted(p.name for p in folder.iterdir())
    assert not old.exists()
    assert recent.exists()
    assert unrelated.exists()
    [new] = [n for n in names if n not in (recent.name, unrelated.name)]
    assert new.startswith("vitosms-")
    assert new.endswith(".backup")
    assert (folder / new).stat().st_mode & 0o777 == 0o600
    assert run.stdout.startswith(f"backup {folder / new}: schema version")
