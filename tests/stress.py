"""``make stress``: 10,000 messages through four worker processes, one of them killed.

Not part of ``make test``. It builds a practice in a temporary folder, queues
10,000 messages (SMS and e-mail, three Mandanten, the mock gateway's test
numbers and some e-mail addresses the SMTP server refuses or greylists), then
runs four ``vitosms worker`` processes against an SMTP server in a process of
its own (the Maildir sink) and the mock gateway. One worker is killed with
SIGKILL while it holds messages; a replacement starts; when the outbox is
empty the workers are stopped (SIGTERM) and a last ``vitosms worker --drain``
runs. Then it checks and prints a table:

* every message ended as its recipient says (ordinary numbers and addresses
  delivered/sent, +41799990100 and refused addresses failed, +41799990101 and
  greylisted addresses retried, then delivered/sent, +41799990102 failed by
  its delivery report);
* every message reached the handset log (``STATE/sms-handset.jsonl``) or the
  Maildir exactly as often as it should (once, or never for a refused one),
  matched by its idempotency key (``client_ref`` / ``X-Vitosms-Ref``), with its
  recipient and text intact, and nothing reached them that was never queued;
* nothing is stuck (queued, sending, or an SMS still awaiting its report);
* the ledger is conserved: per Mandant, the sum of the entries equals
  purchases − spends + refunds, equals ``credits.balance``, equals what was
  bought minus what the delivered and sent messages cost; each message has one
  spend, and a refund exactly when it failed; no balance ever went negative.

The exit code is 1 on any violation (the run folder is then kept), else 0.

    python -m tests.stress [--messages N] [--workers N] [--smpp] [--keep]

``--smpp`` (``make stress STRESS_SMPP=1``): the workers speak SMPP 3.4 to
``vitosms smsc`` in a process of its own, instead of the in-process mock
gateway; the checks are the same (the simulator writes the same handset log).

The SMTP server and the workers are real processes; the figures (queueing
time, delivery time, throughput) are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MANDANTEN = (
    ("HAU", "Dr. med. Anna Hauser", "Dr Hauser"),
    ("MUE", "Dr. med. Beat Müller", "Dr Mueller"),
    ("ZIM", "Dr. med. Carla Zimmermann", "Praxis Zim"),
)
BATCH = 500  # drafts per enqueue transaction
KILL_AFTER = 0.25  # share of messages final before the kill
DEADLINE_SECONDS = 900  # give up waiting after this (a stuck run, not a timing check)
CONFIG = """\
[delivery]
lease_seconds = 5
backoff_seconds = 0.2
backoff_max_seconds = 1.0
report_delay_seconds = 0.5
batch_size = 50
max_attempts = 8

[smtp]
host = "127.0.0.1"
port = {port}
pool_size = 2
timeout = 10
sender = "praxis@stress.example.ch"
"""
SMPP_CONFIG = """
[sms]
gateway = "smpp"
host = "127.0.0.1"
port = {port}
system_id = "stress"
password = "stress"
window = 20
reconnect_max_seconds = 2
"""

# what becomes of a message, by the kind of its recipient:
# (final status, copies expected in the handset log / Maildir, refunded, at least this many attempts)
EXPECTED = {
    "sms": ("delivered", 1, False, 1),
    "sms +41799990100": ("failed", 0, True, 1),  # rejected at once
    "sms +41799990101": ("delivered", 1, False, 3),  # two passing faults, then accepted
    "sms +41799990102": ("failed", 1, True, 1),  # accepted, report: undelivered
    "email": ("sent", 1, False, 1),
    "email refused (550)": ("failed", 0, True, 1),  # the server refuses the recipient
    "email greylisted (451)": ("sent", 1, False, 2),  # refused once for a while, then taken
}
TEST_NUMBERS = {
    "+41799990100": "sms +41799990100",
    "+41799990101": "sms +41799990101",
    "+41799990102": "sms +41799990102",
}

TEXTS = (
    "Guten Tag, wir erinnern Sie an Ihren Termin morgen um 09:15. Praxis Dr. Hauser",
    "Bonjour, nous vous rappelons votre rendez-vous de demain à 10h00. Merci de prévenir en cas d'empêchement.",
    "Ihr Termin ist bestätigt. Kosten für Nichterscheinen: 50 € / CHF 50 {Praxis} [Hinweis]",
    "Grüezi! " + "Bitte bringen Sie Ihre Versichertenkarte und die Medikamentenliste mit. " * 4,
    "Recall: Ihre Kontrolle ist fällig. Bitte rufen Sie uns an: 044 123 45 67.",
)


# --- the SMTP server (its own process) -------------------------------------


def run_sink(maildir: str) -> None:
    """The SMTP server: a Maildir sink that refuses ``refused*`` and greylists ``grey*`` recipients once."""
    from vitosms_tui.delivery.sink import MaildirHandler, start_sink

    # blocked before the server thread starts, so that sigwait below receives them
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})

    class Handler(MaildirHandler):
        def __init__(self, path):
            super().__init__(path)
            self.greylisted: set[str] = set()

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            local = address.partition("@")[0]
            if local.startswith("refused"):
                return "550 5.1.1 mailbox unavailable"
            if local.startswith("grey") and address not in self.greylisted:
                self.greylisted.add(address)
                return "451 4.7.1 greylisted, please try again later"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    controller, port = start_sink(Path(maildir), host="127.0.0.1", port=0, handler=Handler(Path(maildir)))
    print(port, flush=True)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    controller.stop()


# --- the run -----------------------------------------------------------------


@dataclass
class Run:
    folder: Path
    db: Path | str  # a SQLite file, or the URL of an empty PostgreSQL database
    state: Path
    config: Path
    workers: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    figures: dict = field(default_factory=dict)


def vitosms_command(run: Run, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "vitosms_tui.cli.main",
        "--db",
        str(run.db),
        "--config",
        str(run.config),
        "--state-dir",
        str(run.state),
        "--user",
        "worker",
        *args,
    ]


def start_smsc(run: Run) -> subprocess.Popen:
    """``vitosms smsc`` on a free port, writing the handset log into the workers' state folder."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with open(run.config, "a") as config:
        config.write(SMPP_CONFIG.format(port=port))
    smsc = subprocess.Popen(
        vitosms_command(run, "--json", "smsc", "--port", str(port)),
        stdout=subprocess.PIPE,
        stderr=open(run.folder / "smsc.log", "wb"),
        text=True,
        cwd=ROOT,
    )
    json.loads(smsc.stdout.readline())  # it listens
    print(f"SMS over SMPP to vitosms smsc on port {port}", flush=True)
    return smsc


def start_worker(run: Run, name: str) -> subprocess.Popen:
    log = run.folder / f"{name}.log"
    run.logs.append(log)
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            vitosms_command(run, "worker"), stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
    run.workers.append(process)
    return process


def kind_of(channel: str, recipient: str) -> str:
    if channel == "sms":
        return TEST_NUMBERS.get(recipient, "sms")
    local = recipient.partition("@")[0]
    if local.startswith("refused"):
        return "email refused (550)"
    if local.startswith("grey"):
        return "email greylisted (451)"
    return "email"


def draft_for(n: int):
    """The n-th message: 60 % SMS (2 % each to a test number), 40 % e-mail (2 % refused, 2 % greylisted)."""
    from vitosms_tui.core.drafts import Draft

    text = f"{TEXTS[n % len(TEXTS)]} Nr. {n}"
    if n % 5 < 3:
        slot = n % 150
        if slot < 3:
            number = ("+41799990100", "+41799990101", "+41799990102")[slot]
        else:
            number = f"+4179{2_000_000 + n:07d}"
        return Draft("sms", number, text)
    slot = n % 100  # 3 and 53: refused, 4 and 54: greylisted (n % 5 is 3 or 4 for e-mails)
    local = "refused" if slot in (3, 53) else "grey" if slot in (4, 54) else "patient"
    return Draft("email", f"{local}.{n}@example.ch", text, subject=f"Ihre Praxis ({n})")


def prepare(run: Run, count: int) -> dict[int, int]:
    """Mandanten with credits, and ``count`` queued messages; returns credits bought per Mandant id."""
    from vitosms_tui.core import credits, mandanten, outbox
    from vitosms_tui.core.db import open_database
    from vitosms_tui.core.schema import migrate
    from vitosms_tui.core.templates import install_default_templates

    open_database(str(run.db))
    migrate()
    install_default_templates()
    mandants = [mandanten.add_mandant(code, name, sender, user="stress") for code, name, sender in MANDANTEN]
    mandanten.add_staff("stress", "Stress", "servicedesk", user="stress")  # orders need the right
    # enough for every message at three segments, bought as packages plus a top-up
    per_mandant = count * 3 // len(mandants) + 100
    bought = {}
    for m in mandants:
        placed = credits.order(m, 4, user="stress")  # the 20,000-credit package
        extra = max(0, per_mandant - placed.credits)
        if extra:
            credits.purchase(m, extra, user="stress", note="stress top-up")
        bought[m.id] = placed.credits + extra
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        mandant = mandants[(start // BATCH) % len(mandants)]
        outbox.enqueue(mandant, [draft_for(n) for n in range(start, min(count, start + BATCH))], "stress")
    run.figures["queue_seconds"] = time.perf_counter() - started
    return bought


def progress() -> tuple[int, int]:
    """(messages in a final state, messages still to wait for)."""
    from vitosms_tui.core.models import Message

    waiting = (Message.status.in_(("queued", "sending"))) | ((Message.status == "sent") & (Message.channel == "sms"))
    total = Message.select().count()
    left = Message.select().where(waiting).count()
    return total - left, left


def held_by(pid: int) -> int:
    from vitosms_tui.core.models import Message

    return Message.select().where((Message.status == "sending") & Message.claimed_by.contains(f":{pid}:")).count()


def wait_until(condition, what: str, deadline: float) -> None:
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.05)


def deliver(run: Run, workers: int, count: int) -> None:
    """Four workers, one killed while it holds messages, a replacement, then SIGTERM and --drain."""
    started = time.perf_counter()
    deadline = time.monotonic() + DEADLINE_SECONDS
    for index in range(workers):
        start_worker(run, f"worker-{index + 1}")
    victim = run.workers[0]
    # kill it mid-run, while it holds claimed messages (so their leases must run out)
    wait_until(
        lambda: progress()[0] >= count * KILL_AFTER and held_by(victim.pid) > 0 or progress()[0] >= count * 0.6,
        "the run to get going",
        deadline,
    )
    run.figures["held_at_kill"] = held_by(victim.pid)
    run.figures["final_at_kill"] = progress()[0]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    run.figures["killed"] = (victim.pid, victim.returncode)
    start_worker(run, "worker-replacement")
    wait_until(lambda: progress()[1] == 0, "the outbox to empty", deadline)
    run.figures["deliver_seconds"] = time.perf_counter() - started
    codes = []
    for process in run.workers[1:]:
        process.send_signal(signal.SIGTERM)
    for process in run.workers[1:]:
        codes.append(process.wait(timeout=60))
    run.figures["stopped_exit_codes"] = codes
    drain = subprocess.run(
        vitosms_command(run, "--json", "worker", "--drain"), capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    run.figures["drain"] = (drain.returncode, drain.stdout.strip(), drain.stderr.strip()[-500:])
    run.figures["total_seconds"] = time.perf_counter() - started


# --- the checks ---------------------------------------------------------------


def read_handset(state: Path) -> list[dict]:
    path = state / "sms-handset.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def read_maildir(path: Path) -> list[tuple[str, str, str, str]]:
    """(X-Vitosms-Ref, Message-ID, To, text) of every mail in the Maildir."""
    found = []
    for mail in mailbox.Maildir(str(path), create=False):
        body = mail.get_payload(decode=True)
        found.append(
            (mail["X-Vitosms-Ref"], mail["Message-ID"], mail["To"], body.decode("utf-8").strip() if body else "")
        )
    return found


def check(run: Run, bought: dict[int, int]) -> tuple[list[str], list[str]]:
    """The table (lines) and the violations."""
    import peewee as pw

    from vitosms_tui.core import credits
    from vitosms_tui.core.models import CreditEntry, Mandant, Message, MessageEvent

    violations: list[str] = []
    handset = read_handset(run.state)
    mails = read_maildir(run.state / "mailbox")
    sms_copies = Counter(line["client_ref"] for line in handset)
    sms_line = {line["client_ref"]: line for line in handset}
    mail_copies = Counter(ref for ref, _, _, _ in mails)
    mail_line = {ref: (to, text) for ref, _, to, text in mails}

    messages = list(
        Message.select(
            Message.id,
            Message.mandant,
            Message.channel,
            Message.recipient,
            Message.body,
            Message.status,
            Message.attempts,
            Message.credits,
            Message.idempotency_key,
            Message.error,
        )
    )
    spends = defaultdict(list)
    refunds = defaultdict(list)
    for message_id, kind, delta in (
        CreditEntry.select(CreditEntry.message, CreditEntry.kind, CreditEntry.delta)
        .where(CreditEntry.message.is_null(False))
        .tuples()
    ):
        (spends if kind == "spend" else refunds)[message_id].append(delta)
    sent_events = Counter(
        mid for (mid,) in MessageEvent.select(MessageEvent.message).where(MessageEvent.kind == "sent").tuples()
    )
    # messages the killed worker held, claimed again once its lease had run out
    victim = f":{run.figures['killed'][0]}:"
    resent_after_kill = {
        mid
        for (mid,) in MessageEvent.select(MessageEvent.message)
        .where(
            (MessageEvent.kind == "claimed")
            & MessageEvent.detail.contains("lease of ")
            & MessageEvent.detail.contains(victim)
        )
        .tuples()
    }
    takeovers = (
        MessageEvent.select().where((MessageEvent.kind == "claimed") & MessageEvent.detail.contains("expired")).count()
    )

    rows: dict[str, Counter] = defaultdict(Counter)
    samples: list[str] = []

    def violation(text: str) -> None:
        violations.append(text)
        if len(samples) < 15:
            samples.append(text)

    for m in messages:
        kind = kind_of(m.channel, m.recipient)
        status, copies_expected, refunded, min_attempts = EXPECTED[kind]
        row = rows[kind]
        row["messages"] += 1
        row[f"status {m.status}"] += 1
        copies = (sms_copies if m.channel == "sms" else mail_copies).get(m.idempotency_key, 0)
        row["copies"] += copies
        if m.status in ("queued", "sending") or (m.channel == "sms" and m.status == "sent"):
            row["stuck"] += 1
            violation(f"message {m.id} ({kind}) is stuck in {m.status}")
        elif m.status != status:
            row["wrong state"] += 1
            violation(f"message {m.id} ({kind}) ended {m.status}, expected {status} ({m.error})")
        if m.id in resent_after_kill:
            row["taken over"] += 1
        if copies > 1:
            row["duplicates"] += copies - 1
            violation(f"message {m.id} ({kind}) reached its recipient {copies} times")
        elif copies < copies_expected:
            row["lost"] += 1
            violation(f"message {m.id} ({kind}) never reached its recipient (status {m.status})")
        elif copies > copies_expected:
            row["unexpected"] += 1
            violation(f"message {m.id} ({kind}) reached its recipient though it should have been refused")
        if copies:  # recipient and text arrived as queued
            if m.channel == "sms":
                line = sms_line[m.idempotency_key]
                intact = line["to"] == m.recipient and line["text"] == m.body
            else:
                to, text = mail_line[m.idempotency_key]
                intact = to == m.recipient and text == m.body.strip()
            if not intact:
                violation(f"message {m.id} ({kind}) arrived altered")
        if m.attempts < min_attempts and m.status == status:
            violation(f"message {m.id} ({kind}) took {m.attempts} attempts, expected at least {min_attempts}")
        if sent_events[m.id] > 1:
            violation(f"message {m.id} was recorded as sent {sent_events[m.id]} times")
        row["retries"] += max(0, m.attempts - 1)
        # its money: one spend of its price; a refund of it exactly when it failed
        if spends.get(m.id) != [-m.credits]:
            violation(f"message {m.id}: spends {spends.get(m.id)} for a price of {m.credits}")
        got_back = refunds.get(m.id, [])
        if got_back != ([m.credits] if refunded and m.status == "failed" else []):
            violation(f"message {m.id} ({m.status}): refunds {got_back}, price {m.credits}")
        row["refunded"] += sum(got_back)

    known = {m.idempotency_key for m in messages}
    for name, copies in (("handset log", sms_copies), ("Maildir", mail_copies)):
        strangers = set(copies) - known
        if strangers:
            violation(f"{len(strangers)} entries in the {name} belong to no queued message")

    lines = [
        f"{'recipients':<24}{'messages':>9}  {'expected':<10}{'final states':<24}{'arrived':>8}"
        f"{'dupl.':>6}{'lost':>6}{'stuck':>6}{'retries':>8}{'refunded':>9}{'taken':>7}"
    ]
    totals = Counter()
    for kind in EXPECTED:
        row = rows.get(kind)
        if not row:
            continue
        states = ", ".join(f"{key[7:]} {value}" for key, value in sorted(row.items()) if key.startswith("status "))
        lines.append(
            f"{kind:<24}{row['messages']:>9}  {EXPECTED[kind][0]:<10}{states:<24}"
            f"{row['copies'] - row['duplicates']:>8}"
            f"{row['duplicates']:>6}{row['lost']:>6}{row['stuck']:>6}{row['retries']:>8}"
            f"{row['refunded']:>9}{row['taken over']:>7}"
        )
        totals.update(row)
    lines.append(
        f"{'all':<24}{totals['messages']:>9}  {'':<10}{'':<24}"
        f"{totals['copies'] - totals['duplicates']:>8}"
        f"{totals['duplicates']:>6}{totals['lost']:>6}{totals['stuck']:>6}{totals['retries']:>8}"
        f"{totals['refunded']:>9}{totals['taken over']:>7}"
    )
    lines.append("arrived: distinct messages in the handset log / Maildir; dupl.: second copies (none allowed);")
    lines.append("taken: messages the killed worker held, delivered by another worker after its lease ran out")

    # the ledger, per Mandant
    lines.append("")
    lines.append(
        f"{'Mandant':<8}{'bought':>9}{'purchases':>11}{'spends':>9}{'refunds':>9}{'sum':>9}"
        f"{'balance':>9}{'kept':>9}  conserved"
    )
    kept_by = defaultdict(int)
    for m in messages:
        if m.status != "failed":
            kept_by[m.mandant_id] += m.credits
    for mandant in Mandant.select().order_by(Mandant.code):
        by_kind = dict(
            CreditEntry.select(CreditEntry.kind, pw.fn.SUM(CreditEntry.delta))
            .where(CreditEntry.mandant == mandant)
            .group_by(CreditEntry.kind)
            .tuples()
        )
        purchases, spent, back = (int(by_kind.pop(k, 0) or 0) for k in ("purchase", "spend", "refund"))
        total = int(
            CreditEntry.select(pw.fn.SUM(CreditEntry.delta)).where(CreditEntry.mandant == mandant).scalar() or 0
        )
        balance = credits.balance(mandant)
        ok = (
            not by_kind
            and total == purchases + spent + back == balance
            and purchases == bought[mandant.id]
            and balance == bought[mandant.id] - kept_by[mandant.id]
        )
        running = 0
        for (delta,) in (
            CreditEntry.select(CreditEntry.delta)
            .where(CreditEntry.mandant == mandant)
            .order_by(CreditEntry.id)
            .tuples()
        ):
            running += delta
            if running < 0:
                ok = False
                violation(f"Mandant {mandant.code}: the ledger went below zero")
                break
        if by_kind:
            violation(f"Mandant {mandant.code}: unexpected ledger kinds {sorted(by_kind)}")
        if not ok:
            violation(
                f"Mandant {mandant.code}: ledger not conserved (bought {bought[mandant.id]}, "
                f"purchases {purchases}, spends {spent}, refunds {back}, sum {total}, "
                f"balance {balance}, kept by messages {kept_by[mandant.id]})"
            )
        lines.append(
            f"{mandant.code:<8}{bought[mandant.id]:>9}{purchases:>11}{-spent:>9}{back:>9}{total:>9}"
            f"{balance:>9}{kept_by[mandant.id]:>9}  {'yes' if ok else 'NO'}"
        )

    f = run.figures
    code, out, err = f["drain"]
    if code != 0:
        violation(f"the final worker --drain exited {code}: {err}")
    if any(c != 0 for c in f["stopped_exit_codes"]):
        violation(f"workers stopped with SIGTERM exited {f['stopped_exit_codes']} (expected 0)")
    if f["killed"][1] != -signal.SIGKILL:
        violation(f"the killed worker ended with {f['killed'][1]}, not by SIGKILL")
    lines.append("")
    lines.append(
        f"killed worker (pid {f['killed'][0]}) held {f['held_at_kill']} claimed messages; "
        f"{f['final_at_kill']} of {len(messages)} were final then; "
        f"claims taken over after an expired lease: {takeovers}"
    )
    lines.append(f"final worker --drain: exit {code}, {out or '-'}")
    lines.append(f"handset log: {len(handset)} SMS; Maildir: {len(mails)} mails")
    if samples:
        lines.append("")
        lines.append("violations (first ones):")
        lines += [f"  {text}" for text in samples]
    return lines, violations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.stress", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the run folder also when all is well")
    parser.add_argument(
        "--smpp",
        action="store_true",
        help="SMS over SMPP to `vitosms smsc` (a process of its own) instead of the mock gateway",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="an empty PostgreSQL database instead of a SQLite file (postgresql://…; make stress STRESS_DB=…)",
    )
    args = parser.parse_args(argv)
    if args.workers < 2:
        parser.error("--workers: at least 2 (one of them is killed)")

    os.umask(0o077)
    folder = Path(tempfile.mkdtemp(prefix="vitosms-stress-"))
    run = Run(folder, args.db or folder / "stress.db", folder / "state", folder / "stress.toml")
    run.state.mkdir(mode=0o700)
    sink = subprocess.Popen(
        [sys.executable, "-m", "tests.stress", "sink", str(run.state / "mailbox")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    violations: list[str] = ["the run did not finish"]
    smsc = None
    try:
        port = int(sink.stdout.readline())
        run.config.write_text(CONFIG.format(port=port))
        if args.smpp:
            smsc = start_smsc(run)
        print(
            f"vitosms stress: {args.messages} messages, {args.workers} workers, SMTP sink on port {port}, "
            f"folder {folder}",
            flush=True,
        )
        bought = prepare(run, args.messages)
        print(
            f"queued {args.messages} messages in {run.figures['queue_seconds']:.1f} s "
            f"({args.messages / run.figures['queue_seconds']:.0f}/s, {BATCH} per transaction)",
            flush=True,
        )
        deliver(run, args.workers, args.messages)
        lines, violations = check(run, bought)
        f = run.figures
        print(
            f"delivered in {f['deliver_seconds']:.1f} s: {args.messages / f['deliver_seconds']:.0f} messages/s "
            f"with {args.workers} workers, one killed (SIGKILL) and replaced; "
            f"{f['total_seconds']:.1f} s with stopping and the final --drain"
        )
        print()
        print("\n".join(lines))
    except Exception as error:  # a crash of the harness is a failed run, with its reason
        print(f"stress run failed: {type(error).__name__}: {error}", file=sys.stderr)
    finally:
        for process in run.workers:
            if process.poll() is None:
                process.kill()
                process.wait()
        for server in (sink, smsc):
            if server is None:
                continue
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    print()
    if violations:
        print(f"FAILED: {len(violations)} violation(s); run folder kept: {folder} (worker logs *.log)")
        return 1
    print("OK: every message delivered once or refused and refunded; none lost, none stuck; ledger conserved")
    if args.keep:
        print(f"run folder kept: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["sink"]:
        run_sink(sys.argv[2])
    else:
        sys.exit(main())
