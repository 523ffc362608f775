"""The worker's side of the database: short, batched calls into the outbox.

Everything here is synchronous (peewee) and runs on the worker's one database
thread. A claimed message becomes a plain :class:`Job`, so no database row is
touched while the network is busy; results are written back many at a time in
one transaction (each outbox call nests as a savepoint), never across network
I/O.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import peewee as pw

from ..core import clock, expiry, outbox, sending
from ..core.db import write_transaction
from ..core.models import Message
from ..core.phone import mask_recipient
from .gateways.base import ACCEPTED, PASSING, DeliveryReport

log = logging.getLogger("vitosms.delivery")
# what the worker itself decides right before hand-over: the message's moment has passed
EXPIRED = "expired"


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:64]


@dataclass
class Tally:
    """What a run did: accepted by gateway/server, delivered, failed, put back for a retry."""

    sent: int = 0
    delivered: int = 0
    failed: int = 0
    retried: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    def count(self, states: list[str]) -> None:
        """Count the states recorded for a batch of answers."""
        for state in states:
            if state == "sent":
                self.sent += 1
            elif state == "queued":
                self.retried += 1
            elif state == "failed":
                self.failed += 1


@dataclass(frozen=True)
class Job:
    """A claimed message, detached from the database."""

    id: int
    channel: str
    recipient: str
    sender: str  # SMS: the Mandant's sender id; e-mail: the Mandant's name
    subject: str
    body: str
    ref: str  # idempotency key: client_ref / X-Vitosms-Ref
    segments: int
    attempts: int
    lease_until: datetime | None
    expires_at: datetime | None = None

    def past_its_moment(self) -> bool:
        """Whether it must no longer be handed over (see core.expiry)."""
        return expiry.past_its_moment(self.expires_at)

    @property
    def masked(self) -> str:
        return mask_recipient(self.recipient)


@dataclass(frozen=True)
class Outcome:
    """What the gateway or the SMTP server answered for one job."""

    job: Job
    outcome: str  # ACCEPTED | PASSING | PERMANENT, or EXPIRED (not handed over)
    provider_id: str | None = None
    error: str | None = None


# the columns of a Job, and the due time to keep the claimed order (plain tuples: see outbox.claim_due_rows)
CLAIMED = (
    Message.id,
    Message.channel,
    Message.recipient,
    Message.sender,
    Message.subject,
    Message.body,
    Message.idempotency_key,
    Message.segments,
    Message.attempts,
    Message.lease_until,
    Message.expires_at,
    Message.next_attempt_at,
)


def claim(worker_id: str, limit: int, lease_seconds: float, max_attempts: int | None = None) -> list[Job]:
    """Claim up to ``limit`` due messages; they come back as jobs."""
    rows = outbox.claim_due_rows(worker_id, limit, lease_seconds, max_attempts, CLAIMED)
    rows.sort(key=lambda row: (row[-1], row[0]))  # oldest due first, as claimed
    return [
        Job(mid, channel, recipient, sender or "", subject or "", body, ref, segments or 1, attempts, lease, expires)
        for mid, channel, recipient, sender, subject, body, ref, segments, attempts, lease, expires, _due in rows
    ]


def record(worker_id: str, outcomes: list[Outcome], delivery) -> list[str]:
    """Write the answers back in one transaction; the resulting state per outcome.

    States: ``sent``, ``queued`` (retried), ``failed``, ``expired``, or ``lost`` when this
    worker no longer held the message (its lease ran out and another took it).
    Acceptances, the bulk, are written together; faults one by one.
    """
    with write_transaction():
        accepted = [item for item in outcomes if item.outcome == ACCEPTED]
        held = outbox.mark_sent_many(worker_id, [(item.job.id, item.provider_id) for item in accepted])
        states = []
        for item in outcomes:
            job = item.job
            try:
                if item.outcome == ACCEPTED:
                    state = "sent" if job.id in held else "lost"
                elif item.outcome == EXPIRED:
                    state = EXPIRED if outbox.mark_expired(job.id, worker_id) else "lost"
                elif item.outcome == PASSING:
                    state = outbox.mark_passing_fault(
                        job.id,
                        worker_id,
                        item.error or "passing fault",
                        delivery.max_attempts,
                        delivery.backoff_seconds,
                        delivery.backoff_max_seconds,
                    )
                    if state not in ("queued", "failed"):
                        state = "lost"
                else:
                    state = (
                        "failed"
                        if outbox.mark_permanent_failure(job.id, worker_id, item.error or "refused")
                        else "lost"
                    )
            except pw.IntegrityError:
                log.exception("message %s: could not record the result", job.id)
                state = "lost"
            states.append(state)
            _log_state(job, state, item)
    return states


def _log_state(job: Job, state: str, item: Outcome) -> None:
    if state == "lost":
        log.warning(
            "message %s (%s to %s): no longer held by this worker, result not recorded", job.id, job.channel, job.masked
        )
    elif log.isEnabledFor(logging.INFO):
        log.info("message %s (%s to %s): %s", job.id, job.channel, job.masked, state)


def awaiting_report_ids(limit: int) -> list[str]:
    """Provider ids of SMS that are sent and wait for their delivery report (oldest first)."""
    return [
        row[0]
        for row in (
            Message.select(Message.provider_id)
            .where((Message.status == "sent") & (Message.channel == "sms") & Message.provider_id.is_null(False))
            .order_by(Message.sent_at, Message.id)
            .limit(limit)
            .tuples()
        )
    ]


def record_reports(reports: list[DeliveryReport]) -> tuple[int, int]:
    """Record delivery reports in one transaction; (delivered, failed) newly recorded."""
    return outbox.record_reports([(r.provider_id, r.delivered, r.at, r.error) for r in reports])


def remaining_for_drain(started: datetime) -> int:
    """Messages ``--drain`` still waits for: pending ones scheduled by ``started``, SMS awaiting a report."""
    pending = (Message.status.in_(("queued", "sending"))) & (Message.scheduled_at <= started)
    awaiting = (Message.status == "sent") & (Message.channel == "sms") & Message.provider_id.is_null(False)
    return Message.select().where(pending | awaiting).count()


def next_due(worker_id: str) -> datetime | None:
    """When the next message becomes claimable: a back-off ending or a lease running out."""
    queued = Message.select(pw.fn.MIN(Message.next_attempt_at)).where(Message.status == "queued").scalar()
    leased = (
        Message.select(pw.fn.MIN(Message.lease_until))
        .where((Message.status == "sending") & (Message.claimed_by != worker_id))
        .scalar()
    )
    times = [_as_instant(t) for t in (queued, leased) if t is not None]
    return min(times) if times else None


def _as_instant(value) -> datetime:
    # an aggregate comes back as the stored text, not through the field
    if isinstance(value, datetime):
        return value
    return Message.next_attempt_at.python_value(value)


def lease_left(job: Job, until: datetime | None = None) -> float:
    """Seconds until the job's lease (or ``until``, its renewal) runs out (negative: expired)."""
    until = until or job.lease_until
    if until is None:
        return float("inf")
    return (until - clock.now()).total_seconds()


def renew_leases(worker_id: str, ids: list[int], lease_seconds: float) -> tuple[datetime, set[int]]:
    """Extend the leases of the messages ``worker_id`` still holds; (new end, the ids renewed).

    A message another worker took over, or one already recorded, is left alone.
    """
    until = clock.now() + timedelta(seconds=lease_seconds)
    renewed: set[int] = set()
    with write_transaction():
        for start in range(0, len(ids), 500):
            renewed.update(
                m.id
                for m in Message.update(lease_until=until)
                .where(
                    Message.id.in_(ids[start : start + 500])
                    & (Message.claimed_by == worker_id)
                    & (Message.status == "sending")
                )
                .returning(Message.id)
                .execute()
            )
    return until, renewed


def release(worker_id: str, ids: list[int]) -> list[int]:
    """Give back claimed messages not begun (the worker stops); see ``sending.release_claims``."""
    released = sending.release_claims(worker_id, ids)
    if released:
        log.info("%d claimed message(s) given back on stopping", len(released))
    return released
