"""The workers' side of the outbox: claiming due messages and recording their fate.

A worker claims due messages atomically with a lease and renews it while it
works; one that dies leaves its claim to be taken over when the lease runs out.
A worker may only change a message it still holds (``claimed_by`` and
``status == 'sending'``), so a late worker never overwrites a newer state.
Failing a message refunds its credits, exactly once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from . import clock, credits, expiry
from .coded import Coded
from .db import claim_transaction, database, rows_locked, write_transaction
from .events import add_event, add_events
from .faults import fault
from .models import Message
from .phone import mask_recipient

log = logging.getLogger("vitosms.outbox")
MAX_ERROR = 500
# What mark_passing_fault answers a worker whose claim was taken over.
LOST = "lost"


def claim_due(worker_id: str, limit: int, lease_seconds: float, max_attempts: int | None = None) -> list[Message]:
    """Claim up to ``limit`` due messages for ``worker_id`` (atomic, with a lease): see :func:`_claim`."""
    claimed = _claim(worker_id, limit, lease_seconds, max_attempts, [Message])
    claimed.sort(key=lambda m: (m.next_attempt_at, m.id))
    return claimed


def claim_due_rows(worker_id: str, limit: int, lease_seconds: float, max_attempts: int | None, fields) -> list[tuple]:
    """:func:`claim_due`, as plain tuples of ``fields`` (the first one must be ``Message.id``).

    A worker claims hundreds of messages a second: building a model instance of
    every column of each cost more than the claim itself.
    """
    return _claim(worker_id, limit, lease_seconds, max_attempts, list(fields), tuples=True)


def _claim(
    worker_id: str, limit: int, lease_seconds: float, max_attempts: int | None, returning: list, tuples: bool = False
) -> list:
    """Claim up to ``limit`` due messages for ``worker_id`` (atomic, with a lease).

    Due: queued with ``next_attempt_at`` reached, or sending with an expired
    lease (its worker died). What is past its moment expires first, and quiet
    hours hold what waits for the morning (:func:`expiry.expire_due`). Each
    claim counts one attempt. A message whose
    workers died ``max_attempts`` times while sending it is not tried again:
    it fails and is refunded, so one poisonous message cannot stop workers forever.
    """
    now = clock.now()
    due = ((Message.status == "queued") & (Message.next_attempt_at <= now)) | (
        (Message.status == "sending") & (Message.lease_until < now)
    )
    with claim_transaction():
        expiry.expire_due(due, now, worker_id)
        # from here these rows are locked (the whole database on SQLite): no other
        # worker sees them as due; on PostgreSQL other workers skip them and claim others
        before = dict(
            rows_locked(
                Message.select(Message.id, Message.claimed_by)
                .where(due)
                .order_by(Message.next_attempt_at, Message.id)
                .limit(max(0, int(limit))),
                skip_locked=True,
            ).tuples()
        )
        if max_attempts:
            for message in Message.select().where(
                Message.id.in_(list(before)) & (Message.status == "sending") & (Message.attempts >= max_attempts)
            ):
                _fail(
                    message,
                    f"given up after {message.attempts} attempts: the worker stopped while sending each time",
                    "delivery",
                    (Message.id == message.id) & (Message.status == "sending"),
                )
                del before[message.id]
        if not before:
            return []
        update = Message.update(
            status="sending",
            claimed_by=worker_id,
            lease_until=now + timedelta(seconds=lease_seconds),
            attempts=Message.attempts + 1,
        ).where(Message.id.in_(list(before)) & due)
        if tuples:  # the attempt count last, for the timeline
            update = update.returning(*returning, Message.attempts).tuples()
        else:
            update = update.returning(*returning)
        claimed = list(update.execute())
        events = []
        for row in claimed:
            message_id, attempts = (row[0], row[-1]) if tuples else (row.id, row.attempts)
            detail = f"attempt {attempts} by {worker_id}"
            values = {"attempt": attempts, "worker": worker_id}
            if before.get(message_id):
                detail += f"; lease of {before[message_id]} expired"
                values["expired"] = before[message_id]
            events.append((message_id, "claimed", detail, values))
        add_events(events)
    if tuples:
        claimed = [row[:-1] for row in claimed]
    return claimed


def _sent_by(worker_id: str, provider_id: str | None) -> dict[str, object]:
    return {"worker": worker_id, "provider_id": provider_id}


def _attempt(message: Message, error: str) -> dict[str, object]:
    """The values of an ``error`` line: the attempt and the delivery answer's code."""
    why = fault(error)
    return {"attempt": message.attempts, "fault": why.code, **why.values}


def _held(message_id: int, worker_id: str) -> Message | None:
    """The message if ``worker_id`` still holds it (call inside the transaction)."""
    return Message.get_or_none(
        (Message.id == message_id) & (Message.claimed_by == worker_id) & (Message.status == "sending")
    )


def _guarded(message_id: int, worker_id: str):
    return (Message.id == message_id) & (Message.claimed_by == worker_id) & (Message.status == "sending")


def _fail(message: Message, error: str, who: str, condition) -> bool:
    """Mark failed and refund; False when ``condition`` no longer holds."""
    return end_with_refund(message, "failed", error, who, condition)


def end_with_refund(message: Message, status: str, error: str, who: str, condition, why: Coded | None = None) -> bool:
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


def mark_sent(message_id: int, worker_id: str, provider_id: str | None) -> bool:
    """The provider accepted the message (only if ``worker_id`` still holds it).

    An e-mail is then final; an SMS waits in ``sent`` for its delivery report.
    """
    with write_transaction():
        changed = (
            Message.update(
                status="sent",
                sent_at=clock.now(),
                provider_id=provider_id,
                lease_until=None,
                error=None,
                error_code=None,
                error_data=None,
            )
            .where(_guarded(message_id, worker_id))
            .execute()
        )
        if changed:
            add_event(
                message_id,
                "sent",
                f"by {worker_id}" + (f", provider id {provider_id}" if provider_id else ""),
                {"worker": worker_id, "provider_id": provider_id},
            )
    return bool(changed)


def mark_sent_many(worker_id: str, sent: list[tuple[int, str | None]]) -> set[int]:
    """:func:`mark_sent` for a batch of ``(message_id, provider_id)`` in one transaction.

    Returns the ids that ``worker_id`` still held (and that are now ``sent``);
    the others are left as they are.
    """
    if not sent:
        return set()
    now = clock.now()
    with write_transaction():
        ids = [message_id for message_id, _ in sent]
        held: set[int] = set()
        for start in range(0, len(ids), 500):
            held.update(
                row[0]
                for row in rows_locked(
                    Message.select(Message.id).where(
                        Message.id.in_(ids[start : start + 500])
                        & (Message.claimed_by == worker_id)
                        & (Message.status == "sending")
                    )
                ).tuples()
            )
        rows = [(pid, message_id) for message_id, pid in sent if message_id in held]
        # the rows are locked since the select: they are still ours; executemany
        # skips peewee's per-row SQL building (the same UPDATE for every row)
        db = database.obj
        p = db.param
        sql = (
            f'UPDATE "message" SET "status" = \'sent\', "sent_at" = {p}, "provider_id" = {p}, '
            f'"lease_until" = NULL, "error" = NULL, "error_code" = NULL, "error_data" = NULL WHERE "id" = {p}'
        )
        at = Message.sent_at.db_value(now)
        db.cursor().executemany(sql, [(at, pid, message_id) for pid, message_id in rows])
        add_events(
            [
                (
                    message_id,
                    "sent",
                    f"by {worker_id}" + (f", provider id {pid}" if pid else ""),
                    _sent_by(worker_id, pid),
                )
                for pid, message_id in rows
            ]
        )
    return held


def mark_passing_fault(
    message_id: int, worker_id: str, error: str, max_attempts: int, backoff: float, backoff_max: float
) -> str:
    """A fault that may pass: queue again after an exponential back-off.

    After ``max_attempts`` attempts the message fails for good (and is
    refunded). Returns the new status, ``queued`` or ``failed``; or ``"lost"``
    when the worker no longer holds the message (nothing changed).
    """
    error = (error or "passing fault")[:MAX_ERROR]
    with write_transaction():
        message = _held(message_id, worker_id)
        if message is None:
            return LOST
        add_event(message, "error", f"attempt {message.attempts}: {error}", _attempt(message, error))
        if message.attempts >= max_attempts:
            _fail(
                message,
                f"{error} (gave up after {message.attempts} attempts)",
                worker_id,
                _guarded(message_id, worker_id),
            )
            return "failed"
        delay = min(backoff * 2 ** max(0, message.attempts - 1), backoff_max)
        retry_at = clock.now() + timedelta(seconds=delay)
        why = fault(error)
        (
            Message.update(
                status="queued",
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
    return "queued"


def mark_permanent_failure(message_id: int, worker_id: str, error: str) -> bool:
    """The provider refused for good: failed, credits refunded (if still held)."""
    error = (error or "permanent failure")[:MAX_ERROR]
    with write_transaction():
        message = _held(message_id, worker_id)
        if message is None:
            return False
        add_event(message, "error", f"attempt {message.attempts}: {error}", _attempt(message, error))
        return _fail(message, error, worker_id, _guarded(message_id, worker_id))


def record_report(provider_id: str, delivered: bool, at: datetime, error: str | None = None) -> bool:
    """A delivery report: sent -> delivered, or -> failed (refunded).

    Idempotent: a report for a message no longer in ``sent`` changes nothing
    and returns False.
    """
    if not provider_id:
        return False
    with write_transaction():
        message = Message.get_or_none(
            (Message.provider_id == provider_id) & (Message.status == "sent") & (Message.channel == "sms")
        )
        if message is None:
            return False
        condition = (Message.id == message.id) & (Message.status == "sent")
        if delivered:
            Message.update(status="delivered", delivered_at=clock.to_utc(at)).where(condition).execute()
            add_event(message, "delivered", f"report of {clock.iso(at)}", {"at": clock.to_utc(at)})
            return True
        return _fail(message, (error or "undelivered")[:MAX_ERROR], "gateway", condition)


def record_reports(reports: list[tuple[str, bool, datetime, str | None]]) -> tuple[int, int]:
    """:func:`record_report` for a batch of ``(provider_id, delivered, at, error)``, one transaction.

    Returns how many messages became delivered and failed (reports for
    messages no longer in ``sent`` change nothing, as with a single report).
    """
    delivered = failed = 0
    with write_transaction():
        good = {pid: at for pid, ok, at, _ in reports if ok and pid}
        pending: dict[str, int] = {}
        pids = list(good)
        for start in range(0, len(pids), 500):
            pending.update(
                (pid, mid)
                for mid, pid in Message.select(Message.id, Message.provider_id)
                .where(
                    Message.provider_id.in_(pids[start : start + 500])
                    & (Message.status == "sent")
                    & (Message.channel == "sms")
                )
                .tuples()
            )
        if pending:
            db = database.obj
            p = db.param
            sql = (
                f'UPDATE "message" SET "status" = \'delivered\', "delivered_at" = {p} '
                f'WHERE "id" = {p} AND "status" = \'sent\''
            )
            db.cursor().executemany(
                sql, [(Message.delivered_at.db_value(clock.to_utc(good[pid])), mid) for pid, mid in pending.items()]
            )
            add_events(
                [
                    (mid, "delivered", f"report of {clock.iso(good[pid])}", {"at": clock.to_utc(good[pid])})
                    for pid, mid in pending.items()
                ]
            )
            delivered = len(pending)
        for pid, ok, at, error in reports:
            if not ok and record_report(pid, False, at, error):  # failed: refund, per message
                failed += 1
    return delivered, failed


def release_claims(worker_id: str, message_ids: list[int]) -> list[int]:
    """Give back claimed messages a stopping worker has not begun to send; the ids released.

    They are queued again, due at once, and their claim does not count as an
    attempt: nothing was tried. Messages the worker no longer holds stay as they are.
    """
    released: list[int] = []
    with write_transaction():
        for start in range(0, len(message_ids), 500):
            chunk = message_ids[start : start + 500]
            released += [
                m.id
                for m in Message.update(
                    status="queued",
                    claimed_by=None,
                    lease_until=None,
                    next_attempt_at=clock.now(),
                    attempts=Message.attempts - 1,
                )
                .where(Message.id.in_(chunk) & (Message.claimed_by == worker_id) & (Message.status == "sending"))
                .returning(Message.id)
                .execute()
            ]
        add_events(
            [
                (message_id, "released", f"not begun by {worker_id}, which stopped", {"worker": worker_id})
                for message_id in released
            ]
        )
    return released
