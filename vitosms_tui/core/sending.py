"""The workers' side of the outbox: claiming due messages and recording their fate.

A worker claims due messages atomically with a lease and renews it while it
works; one that dies leaves its claim to be taken over when the lease runs out.
A worker may only change a message it still holds (``claimed_by`` and
``status == 'sending'``), so a late worker never overwrites a newer state.
Failing a message refunds its credits, exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw

from . import bulk, clock, credits, expiry
from .coded import Coded
from .db import claim_transaction, rows_locked, tuples_of, write_transaction
from .events import EventRow, add_event, add_events
from .faults import fault
from .models import Message
from .phone import mask_recipient
from .states import Channel, Fate, Status

log = logging.getLogger("vitosms.outbox")
MAX_ERROR = 500


@dataclass(frozen=True)
class Job:
    """A claimed message, detached from the database: what a worker needs to send it."""

    id: int
    channel: Channel
    recipient: str
    sender: str  # SMS: the Mandant's sender id; e-mail: the Mandant's name
    subject: str
    body: str
    ref: str  # idempotency key: client_ref / X-Vitosms-Ref
    segments: int
    attempts: int  # counting this claim
    lease_until: datetime | None
    expires_at: datetime | None = None

    def past_its_moment(self) -> bool:
        """Whether it must no longer be handed over (see core.expiry)."""
        return expiry.past_its_moment(self.expires_at)

    @property
    def masked(self) -> str:
        return mask_recipient(self.recipient)


@dataclass(frozen=True)
class DeliveryReport:
    """The handset's answer for one accepted SMS, as the gateway passes it on."""

    provider_id: str
    delivered: bool
    at: datetime
    error: str | None = None


# what a claim reads of each message: the fields of a Job, then the due time that orders them
_CLAIMED = (
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


def _held_by(worker_id: str) -> pw.Expression:
    return (Message.claimed_by == worker_id) & (Message.status == Status.SENDING)


def _guarded(message_id: int, worker_id: str) -> pw.Expression:
    return (Message.id == message_id) & _held_by(worker_id)


def claim(worker_id: str, limit: int, lease_seconds: float, max_attempts: int | None = None) -> list[Job]:
    """Claim up to ``limit`` due messages for ``worker_id`` (atomic, with a lease), oldest due first.

    Due: queued with ``next_attempt_at`` reached, or sending with an expired
    lease (its worker died). What is past its moment expires first, and quiet
    hours hold what waits for the morning (:func:`expiry.expire_due`). Each
    claim counts one attempt. A message whose workers died ``max_attempts``
    times while sending it is not tried again: it fails and is refunded, so one
    poisonous message cannot stop workers forever.
    """
    now = clock.now()
    due = ((Message.status == Status.QUEUED) & (Message.next_attempt_at <= now)) | (
        (Message.status == Status.SENDING) & (Message.lease_until < now)
    )
    with claim_transaction():
        expiry.expire_due(due, now, worker_id)
        # from here these rows are locked (the whole database on SQLite): no other
        # worker sees them as due; on PostgreSQL other workers skip them and claim others
        before: dict[int, str | None] = dict(
            tuples_of(
                rows_locked(
                    Message.select(Message.id, Message.claimed_by)
                    .where(due)
                    .order_by(Message.next_attempt_at, Message.id)
                    .limit(max(0, int(limit))),
                    skip_locked=True,
                )
            )
        )
        if max_attempts:
            for given_up in _give_up(list(before), max_attempts):
                del before[given_up]
        if not before:
            return []
        rows = list(
            Message.update(
                status=Status.SENDING,
                claimed_by=worker_id,
                lease_until=now + timedelta(seconds=lease_seconds),
                attempts=Message.attempts + 1,
            )
            .where(Message.id.in_(list(before)) & due)
            .returning(*_CLAIMED)
            .tuples()
            .execute()
        )
        events: list[EventRow] = []
        for row in rows:
            message_id, attempts, previous = row[0], row[8], before.get(row[0])
            lapsed = f"; lease of {previous} expired" if previous else ""
            values: dict[str, object] = {"attempt": attempts, "worker": worker_id}
            if previous:
                values["expired"] = previous
            events.append((message_id, "claimed", f"attempt {attempts} by {worker_id}{lapsed}", values))
        add_events(events)
    rows.sort(key=lambda row: (row[-1], row[0]))
    return [
        Job(
            mid,
            Channel(channel),
            recipient,
            sender or "",
            subject or "",
            body,
            ref,
            segments or 1,
            attempts,
            lease,
            expires,
        )
        for mid, channel, recipient, sender, subject, body, ref, segments, attempts, lease, expires, _due in rows
    ]


def _sent_by(worker_id: str, provider_id: str | None) -> dict[str, object]:
    return {"worker": worker_id, "provider_id": provider_id}


def _attempt(message: Message, error: str) -> dict[str, object]:
    """The values of an ``error`` line: the attempt and the delivery answer's code."""
    why = fault(error)
    return {"attempt": message.attempts, "fault": why.code, **why.values}


def _give_up(ids: list[int], max_attempts: int) -> list[int]:
    """Fail (and refund) the messages whose workers died ``max_attempts`` times while sending them."""
    given_up = []
    for message in Message.select().where(
        Message.id.in_(ids) & (Message.status == Status.SENDING) & (Message.attempts >= max_attempts)
    ):
        end_with_refund(
            message,
            Status.FAILED,
            f"given up after {message.attempts} attempts: the worker stopped while sending each time",
            "delivery",
            (Message.id == message.id) & (Message.status == Status.SENDING),
        )
        given_up.append(message.id)
    return given_up


def end_with_refund(
    message: Message, status: Status, error: str, who: str, condition: pw.Expression, why: Coded | None = None
) -> bool:
    """End the message in ``status`` (failed, expired) and give its credits back, once.

    ``why`` is ``error`` as a code (:mod:`.faults` finds it for a delivery answer).
    False when ``condition`` no longer holds: another worker, a report or the
    desk changed the message first, and nothing is written.
    """
    why = why or fault(error)
    changed = (
        Message.update(status=status, error=error, error_code=why.code, error_data=why.data(), lease_until=None)
        .where(condition)
        .execute()
    )
    if not changed:
        return False
    add_event(message, status, error, {"fault": why.code, **why.values})
    note = Coded("message", f"message {message.id} {status}", {"message_id": message.id, "why": status})
    back = credits.refund(message, who[:64], note=note)
    if back:
        add_event(message, "refunded", f"{back} credit{'s' if back != 1 else ''}", {"credits": back})
    log.info("message %s %s (%s)", message.id, status, mask_recipient(message.recipient))
    return True


def mark_sent(worker_id: str, sent: Mapping[int, str | None]) -> set[int]:
    """The provider accepted these messages: ``sent`` maps each message id to the provider's id (or None).

    Only the messages ``worker_id`` still holds change; their ids are returned.
    An e-mail is then final; an SMS waits in ``sent`` for its delivery report.
    """
    if not sent:
        return set()
    now = clock.now()
    with write_transaction():
        held: set[int] = set()
        for chunk in bulk.chunks(list(sent)):
            locked = rows_locked(Message.select(Message.id).where(Message.id.in_(chunk) & _held_by(worker_id)))
            held.update(message_id for (message_id,) in tuples_of(locked))
        # locked since the select: the rows are still ours
        ours = [(message_id, sent[message_id]) for message_id in sent if message_id in held]
        bulk.update_each(
            Message,
            (
                Message.status,
                Message.sent_at,
                Message.provider_id,
                Message.lease_until,
                Message.error,
                Message.error_code,
                Message.error_data,
            ),
            (Message.id,),
            [(Status.SENT, now, provider_id, None, None, None, None, message_id) for message_id, provider_id in ours],
        )
        add_events(
            [
                (
                    message_id,
                    "sent",
                    f"by {worker_id}" + (f", provider id {provider_id}" if provider_id else ""),
                    _sent_by(worker_id, provider_id),
                )
                for message_id, provider_id in ours
            ]
        )
    return held


def mark_passing_fault(
    message_id: int, worker_id: str, error: str, max_attempts: int, backoff: float, backoff_max: float
) -> Fate:
    """A fault that may pass: queue again after an exponential back-off.

    After ``max_attempts`` attempts the message fails for good (and is
    refunded). Returns ``QUEUED`` or ``FAILED``; ``LOST`` when the worker no
    longer holds the message (nothing changed).
    """
    error = (error or "passing fault")[:MAX_ERROR]
    with write_transaction():
        message = Message.get_or_none(_guarded(message_id, worker_id))
        if message is None:
            return Fate.LOST
        add_event(message, "error", f"attempt {message.attempts}: {error}", _attempt(message, error))
        if message.attempts >= max_attempts:
            gave_up = f"{error} (gave up after {message.attempts} attempts)"
            end_with_refund(message, Status.FAILED, gave_up, worker_id, _guarded(message_id, worker_id))
            return Fate.FAILED
        delay = min(backoff * 2 ** max(0, message.attempts - 1), backoff_max)
        retry_at = clock.now() + timedelta(seconds=delay)
        why = fault(error)
        (
            Message.update(
                status=Status.QUEUED,
                next_attempt_at=retry_at,
                claimed_by=None,
                lease_until=None,
                error=error,
                error_code=why.code,
                error_data=why.data(),
            )
            .where(_guarded(message_id, worker_id))
            .execute()
        )
        add_event(message, "retry", f"in {delay:g} s, at {clock.iso(retry_at)}", {"seconds": delay, "at": retry_at})
    return Fate.QUEUED


def mark_permanent_failure(message_id: int, worker_id: str, error: str) -> bool:
    """The provider refused for good: failed, credits refunded (if still held)."""
    error = (error or "permanent failure")[:MAX_ERROR]
    with write_transaction():
        message = Message.get_or_none(_guarded(message_id, worker_id))
        if message is None:
            return False
        add_event(message, "error", f"attempt {message.attempts}: {error}", _attempt(message, error))
        return end_with_refund(message, Status.FAILED, error, worker_id, _guarded(message_id, worker_id))


def _awaiting(provider_ids: Sequence[str]) -> pw.Expression:
    return Message.provider_id.in_(provider_ids) & (Message.status == Status.SENT) & (Message.channel == Channel.SMS)


def record_reports(reports: Sequence[DeliveryReport]) -> tuple[int, int]:
    """Delivery reports, in one transaction: sent -> delivered, or -> failed (refunded).

    Returns how many messages became delivered and failed. Idempotent: a report
    for a message no longer in ``sent`` (or unknown) changes nothing.
    """
    delivered_at = {r.provider_id: clock.to_utc(r.at) for r in reports if r.delivered and r.provider_id}
    undelivered = {r.provider_id: r for r in reports if not r.delivered and r.provider_id}
    with write_transaction():
        delivered: list[tuple[int, str]] = []
        for chunk in bulk.chunks(list(delivered_at)):
            delivered += bulk.tuples(Message.select(Message.id, Message.provider_id).where(_awaiting(chunk)))
        bulk.update_each(
            Message,
            (Message.status, Message.delivered_at),
            (Message.id, Message.status),
            [(Status.DELIVERED, delivered_at[pid], mid, Status.SENT) for mid, pid in delivered],
        )
        add_events(
            [
                (mid, "delivered", f"report of {clock.iso(delivered_at[pid])}", {"at": delivered_at[pid]})
                for mid, pid in delivered
            ]
        )
        failed = 0
        for chunk in bulk.chunks(list(undelivered)):
            for message in Message.select().where(_awaiting(chunk)):
                report = undelivered[str(message.provider_id)]
                condition = (Message.id == message.id) & (Message.status == Status.SENT)
                error = (report.error or "undelivered")[:MAX_ERROR]
                failed += end_with_refund(message, Status.FAILED, error, "gateway", condition)
    return len(delivered), failed


def release_claims(worker_id: str, message_ids: Sequence[int]) -> list[int]:
    """Give back claimed messages a stopping worker has not begun to send; the ids released.

    They are queued again, due at once, and their claim does not count as an
    attempt: nothing was tried. Messages the worker no longer holds stay as they are.
    """
    released: list[int] = []
    with write_transaction():
        for chunk in bulk.chunks(message_ids):
            released += [
                message_id
                for (message_id,) in Message.update(
                    status=Status.QUEUED,
                    claimed_by=None,
                    lease_until=None,
                    next_attempt_at=clock.now(),
                    attempts=Message.attempts - 1,
                )
                .where(Message.id.in_(chunk) & _held_by(worker_id))
                .returning(Message.id)
                .tuples()
                .execute()
            ]
        add_events(
            [
                (message_id, "released", f"not begun by {worker_id}, which stopped", {"worker": worker_id})
                for message_id in released
            ]
        )
    return released


def renew_leases(worker_id: str, message_ids: Sequence[int], lease_seconds: float) -> tuple[datetime, set[int]]:
    """Extend the leases of the messages ``worker_id`` still holds; (new end, the ids renewed).

    A message another worker took over, or one already recorded, is left alone.
    """
    until = clock.now() + timedelta(seconds=lease_seconds)
    renewed: set[int] = set()
    with write_transaction():
        for chunk in bulk.chunks(message_ids):
            renewed.update(
                message_id
                for (message_id,) in Message.update(lease_until=until)
                .where(Message.id.in_(chunk) & _held_by(worker_id))
                .returning(Message.id)
                .tuples()
                .execute()
            )
    return until, renewed
