"""The worker's side of the database: short, batched calls into the outbox.

Everything here is synchronous (peewee) and runs on the worker's one database
thread. A claimed message is a plain :class:`core.sending.Job`, so no database row is
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
from datetime import datetime
from typing import Protocol

import peewee as pw

from ..core import bulk, clock, expiry, sending
from ..core.db import write_transaction
from ..core.models import Message
from ..core.sending import Job
from ..core.states import PENDING, Channel, Fate, Status
from .gateways.base import ACCEPTED, PASSING

log = logging.getLogger("vitosms.delivery")
# what the worker itself decides right before hand-over: the message's moment has passed
EXPIRED = "expired"


class RetryRules(Protocol):
    """What :func:`record` needs of the delivery settings."""

    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:64]


@dataclass
class Tally:
    """What a run did: accepted by gateway/server, delivered, failed, put back for a retry."""

    sent: int = 0
    delivered: int = 0
    failed: int = 0
    retried: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def count(self, fates: list[Fate]) -> None:
        """Count the fates recorded for a batch of answers."""
        for fate in fates:
            if fate == Fate.SENT:
                self.sent += 1
            elif fate == Fate.QUEUED:
                self.retried += 1
            elif fate == Fate.FAILED:
                self.failed += 1


@dataclass(frozen=True)
class Outcome:
    """What the gateway or the SMTP server answered for one job."""

    job: Job
    outcome: str  # ACCEPTED | PASSING | PERMANENT, or EXPIRED (not handed over)
    provider_id: str | None = None
    error: str | None = None


def record(worker_id: str, outcomes: list[Outcome], delivery: RetryRules) -> list[Fate]:
    """Write the answers back in one transaction; what became of each.

    ``LOST`` when this worker no longer held the message (its lease ran out and
    another took it). Acceptances, the bulk, are written together; faults one by one.
    """
    with write_transaction():
        accepted = {item.job.id: item.provider_id for item in outcomes if item.outcome == ACCEPTED}
        held = sending.mark_sent(worker_id, accepted)
        fates = []
        for item in outcomes:
            job = item.job
            try:
                if item.outcome == ACCEPTED:
                    fate = Fate.SENT if job.id in held else Fate.LOST
                elif item.outcome == EXPIRED:
                    fate = Fate.EXPIRED if expiry.mark_expired(job.id, worker_id) else Fate.LOST
                elif item.outcome == PASSING:
                    fate = sending.mark_passing_fault(
                        job.id,
                        worker_id,
                        item.error or "passing fault",
                        delivery.max_attempts,
                        delivery.backoff_seconds,
                        delivery.backoff_max_seconds,
                    )
                else:
                    failed = sending.mark_permanent_failure(job.id, worker_id, item.error or "refused")
                    fate = Fate.FAILED if failed else Fate.LOST
            except pw.IntegrityError:
                log.exception("message %s: could not record the result", job.id)
                fate = Fate.LOST
            fates.append(fate)
            _log_fate(job, fate)
    return fates


def _log_fate(job: Job, fate: Fate) -> None:
    if fate == Fate.LOST:
        log.warning(
            "message %s (%s to %s): no longer held by this worker, result not recorded", job.id, job.channel, job.masked
        )
    elif log.isEnabledFor(logging.INFO):
        log.info("message %s (%s to %s): %s", job.id, job.channel, job.masked, fate)


_AWAITING_REPORT = (
    (Message.status == Status.SENT) & (Message.channel == Channel.SMS) & Message.provider_id.is_null(False)
)


def awaiting_report_ids(limit: int) -> list[str]:
    """Provider ids of SMS that are sent and wait for their delivery report (oldest first)."""
    query = Message.select(Message.provider_id).where(_AWAITING_REPORT).order_by(Message.sent_at, Message.id)
    return [provider_id for (provider_id,) in bulk.tuples(query.limit(limit))]


def remaining_for_drain(started: datetime) -> int:
    """Messages ``--drain`` still waits for: pending ones scheduled by ``started``, SMS awaiting a report."""
    pending = Message.status.in_(PENDING) & (Message.scheduled_at <= started)
    return int(Message.select().where(pending | _AWAITING_REPORT).count())


def next_due(worker_id: str) -> datetime | None:
    """When the next message becomes claimable: a back-off ending or a lease running out."""
    queued = Message.select(pw.fn.MIN(Message.next_attempt_at)).where(Message.status == Status.QUEUED).scalar()
    leased = (
        Message.select(pw.fn.MIN(Message.lease_until))
        .where((Message.status == Status.SENDING) & (Message.claimed_by != worker_id))
        .scalar()
    )
    times = [_as_instant(t) for t in (queued, leased) if t is not None]
    return min(times) if times else None


def _as_instant(value: datetime | str) -> datetime:
    # an aggregate comes back as the stored text, not through the field
    if isinstance(value, datetime):
        return value
    instant = Message.next_attempt_at.python_value(value)
    assert instant is not None  # MIN() of a non-empty set of instants
    return instant


def lease_left(job: Job, until: datetime | None = None) -> float:
    """Seconds until the job's lease (or ``until``, its renewal) runs out (negative: expired)."""
    until = until or job.lease_until
    if until is None:
        return float("inf")
    return (until - clock.now()).total_seconds()
