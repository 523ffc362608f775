"""The outbox: every message goes through the database, from queueing to its fate.

States: queued -> sending -> sent -> delivered | failed, plus cancelled. An
e-mail ends at ``sent`` (no delivery report); an SMS in ``sent`` waits for its
report. Every transition appends a :class:`MessageEvent` for the timeline.

Queueing is one write transaction: check, cost, consent, spend, store. A
refusal raises :class:`Refused` and leaves nothing behind. Workers claim due
messages atomically with a lease; a worker that dies leaves its claim to be
taken over when the lease runs out. A worker may only change a message it
still holds (``claimed_by`` and ``status == 'sending'``), so a late worker
never overwrites a newer state.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

import peewee as pw

from . import audit, clock, credits, sms_text
from .db import claim_transaction, database, rows_locked, write_transaction
# Drafts, quotes and queries are part of the outbox's API (outbox.Draft, outbox.quote, …).
from .drafts import (Draft, Quote, QuoteLine, check_drafts, check_send_time, quote,  # noqa: F401
                     require_credits)
from .errors import NotFound, Refused
from .journal import (awaiting_reports, event_json, list_messages, message_json,  # noqa: F401
                      timeline)
from .models import CreditEntry, Mandant, Message, MessageEvent, Person, UtcDateTimeField
from .phone import mask_recipient

log = logging.getLogger("vitosms.outbox")
MAX_ERROR = 500
# What mark_passing_fault answers a worker whose claim was taken over.
LOST = "lost"


def _event(message: Message | int, kind: str, detail: str = "") -> MessageEvent:
    return MessageEvent.create(message=message, kind=kind, detail=detail)


def _events(rows: list[tuple[int, str, str]]) -> None:
    """Many ``(message_id, kind, detail)`` timeline lines in one executemany.

    peewee builds SQL row by row (also for insert_many), which made the
    timeline the delivery worker's main cost; the statement is the same for all.
    """
    if not rows:
        return
    db = database.obj
    p = db.param
    at = MessageEvent.at.db_value(clock.now())
    db.cursor().executemany(
        f'INSERT INTO "message_event" ("message_id", "at", "kind", "detail") VALUES ({p}, {p}, {p}, {p})',
        [(message_id, at, kind, detail) for message_id, kind, detail in rows])


def enqueue_quoted(mandant: Mandant, drafts: list[Draft], user: str,
                   scheduled_at: datetime | None = None,
                   max_parts: int = sms_text.MAX_PARTS_DEFAULT,
                   resent_from: Message | None = None) -> tuple[list[Message], Quote]:
    """:func:`enqueue`, also returning the quote as it was inside the transaction."""
    due = clock.to_utc(scheduled_at) if scheduled_at is not None else None
    with write_transaction():
        mandant = Mandant.get_by_id(mandant.id)
        found, person_ids = check_drafts(mandant, drafts, max_parts)
        # the whole quote is checked against the balance under the write lock: each
        # message's spend below cannot take it below zero (no sum of the ledger per message)
        require_credits(mandant, found)
        _refuse_known_auto_keys([draft.auto_key for draft in drafts if draft.auto_key])
        now = clock.now()
        when = due or now
        messages = _store(mandant, [{
            "mandant": mandant.id, "person": person_id, "appointment": _id(draft.appointment),
            "recall": _id(draft.recall), "channel": line.channel, "recipient": line.recipient,
            "sender": mandant.sender if line.channel == "sms" else mandant.name,
            "subject": draft.subject if line.channel == "email" else "",
            "body": draft.body, "purpose": draft.purpose, "status": "queued",
            "encoding": line.encoding, "segments": line.segments, "credits": line.credits,
            "idempotency_key": uuid.uuid4().hex, "auto_key": draft.auto_key or None,
            "scheduled_at": when, "next_attempt_at": when, "attempts": 0, "created_at": now,
            "created_by": user, "resent_from": _id(resent_from),
        } for draft, line, person_id in zip(drafts, found.lines, person_ids)])
        _spend(mandant, messages, user, now)
        suffix = f", for {clock.iso(when)}" if due is not None else ""
        _events([(m.id, "queued", f"by {user}, {m.credits} credit{'s' if m.credits != 1 else ''}{suffix}")
                 for m in messages])
    if log.isEnabledFor(logging.INFO):
        for message in messages:
            log.info("queued message %s (%s to %s)", message.id, message.channel,
                     mask_recipient(message.recipient))
    return messages, found


def _refuse_known_auto_keys(keys: list[str]) -> None:
    for start in range(0, len(keys), 500):
        known = (Message.select(Message.auto_key).where(Message.auto_key.in_(keys[start:start + 500]))
                 .limit(1).tuples())
        for (key,) in known:
            raise Refused(f"this automatic message exists already ({key})", "duplicate")


def _id(record) -> int | None:
    return record.id if record is not None else None


def _store(mandant: Mandant, rows: list[dict]) -> list[Message]:
    """Insert new messages with one executemany; return them as messages with their ids.

    ``rows`` hold the values of the message fields (ids for the foreign keys). peewee
    builds the SQL of every row (``create`` and ``insert_many``) and converts every
    value; that cost more than the database's work when thousands of reminders are
    queued. The instants are the same for the whole batch: converted once. The ids
    are read back by the unique idempotency keys (both databases).
    """
    db = database.obj
    names = list(rows[0])
    fields = [Message._meta.fields[name] for name in names]
    sql = 'INSERT INTO "message" ({}) VALUES ({})'.format(
        ", ".join(f'"{f.column_name}"' for f in fields), ", ".join([db.param] * len(fields)))
    instants = [i for i, f in enumerate(fields) if isinstance(f, UtcDateTimeField)]
    stored: dict = {}  # instant -> its text in the database

    def values(row: dict) -> list:
        out = [row[name] for name in names]
        for i in instants:
            at = out[i]
            if at not in stored:
                stored[at] = fields[i].db_value(at)
            out[i] = stored[at]
        return out

    db.cursor().executemany(sql, [values(row) for row in rows])
    by_key = {row["idempotency_key"]: row for row in rows}
    keys = list(by_key)
    for start in range(0, len(keys), 500):
        for message_id, key in (Message.select(Message.id, Message.idempotency_key)
                                .where(Message.idempotency_key.in_(keys[start:start + 500])).tuples()):
            by_key[key]["id"] = message_id
    # as peewee makes the messages it reads (no defaults, no field marked changed)
    return [Message(__no_default__=1, **{**row, "mandant": mandant}) for row in rows]


def _spend(mandant: Mandant, messages: list[Message], user: str, at: datetime) -> None:
    """The ledger's spend entry of each message that costs credits (as credits.spend writes it)."""
    db = database.obj
    p = db.param
    stamp = CreditEntry.at.db_value(at)
    db.cursor().executemany(
        f'INSERT INTO "credit_entry" ("mandant_id", "delta", "kind", "message_id", "order_id", "note", '
        f'"user", "at") VALUES ({p}, {p}, \'spend\', {p}, NULL, \'\', {p}, {p})',
        [(mandant.id, -m.credits, m.id, user, stamp) for m in messages if m.credits > 0])


def enqueue(mandant: Mandant, drafts: list[Draft], user: str, scheduled_at: datetime | None = None,
            max_parts: int = sms_text.MAX_PARTS_DEFAULT) -> list[Message]:
    """Queue the drafts in one transaction: all of them, or (Refused) none.

    Checks recipients (mobile for SMS, valid address for e-mail), deceased
    persons and consent for reminder/recall/birthday, costs each message from
    the tariff and spends its credits, tied to the message.
    """
    try:
        return enqueue_quoted(mandant, drafts, user, scheduled_at, max_parts)[0]
    except pw.IntegrityError:
        # two automation runs raced for the same auto_key: the database kept one
        raise Refused("this automatic message exists already", "duplicate") from None


def claim_due(worker_id: str, limit: int, lease_seconds: float,
              max_attempts: int | None = None) -> list[Message]:
    """Claim up to ``limit`` due messages for ``worker_id`` (atomic, with a lease): see :func:`_claim`."""
    claimed = _claim(worker_id, limit, lease_seconds, max_attempts, [Message])
    claimed.sort(key=lambda m: (m.next_attempt_at, m.id))
    return claimed


def claim_due_rows(worker_id: str, limit: int, lease_seconds: float, max_attempts: int | None,
                   fields) -> list[tuple]:
    """:func:`claim_due`, as plain tuples of ``fields`` (the first one must be ``Message.id``).

    A worker claims hundreds of messages a second: building a model instance of
    every column of each cost more than the claim itself.
    """
    return _claim(worker_id, limit, lease_seconds, max_attempts, list(fields), tuples=True)


def _claim(worker_id: str, limit: int, lease_seconds: float, max_attempts: int | None,
           returning: list, tuples: bool = False) -> list:
    """Claim up to ``limit`` due messages for ``worker_id`` (atomic, with a lease).

    Due: queued with ``next_attempt_at`` reached, or sending with an expired
    lease (its worker died). Each claim counts one attempt. A message whose
    workers died ``max_attempts`` times while sending it is not tried again:
    it fails and is refunded, so one poisonous message cannot stop workers forever.
    """
    now = clock.now()
    due = ((Message.status == "queued") & (Message.next_attempt_at <= now)) | (
        (Message.status == "sending") & (Message.lease_until < now))
    with claim_transaction():
        # from here these rows are locked (the whole database on SQLite): no other
        # worker sees them as due; on PostgreSQL other workers skip them and claim others
        before = dict(rows_locked(Message.select(Message.id, Message.claimed_by).where(due)
                                  .order_by(Message.next_attempt_at, Message.id).limit(max(0, int(limit))),
                                  skip_locked=True).tuples())
        if max_attempts:
            for message in Message.select().where(Message.id.in_(list(before)) & (Message.status == "sending")
                                                  & (Message.attempts >= max_attempts)):
                _fail(message, f"given up after {message.attempts} attempts: the worker stopped "
                               "while sending each time", "delivery",
                      (Message.id == message.id) & (Message.status == "sending"))
                del before[message.id]
        if not before:
            return []
        update = (Message.update(status="sending", claimed_by=worker_id,
                                 lease_until=now + timedelta(seconds=lease_seconds),
                                 attempts=Message.attempts + 1)
                  .where(Message.id.in_(list(before)) & due))
        if tuples:  # the attempt count last, for the timeline
            update = update.returning(*returning, Message.attempts).tuples()
        else:
            update = update.returning(*returning)
        claimed = list(update.execute())
        events = []
        for row in claimed:
            message_id, attempts = (row[0], row[-1]) if tuples else (row.id, row.attempts)
            detail = f"attempt {attempts} by {worker_id}"
            if before.get(message_id):
                detail += f"; lease of {before[message_id]} expired"
            events.append((message_id, "claimed", detail))
        _events(events)
    if tuples:
        claimed = [row[:-1] for row in claimed]
    return claimed


def _held(message_id: int, worker_id: str) -> Message | None:
    """The message if ``worker_id`` still holds it (call inside the transaction)."""
    return Message.get_or_none((Message.id == message_id) & (Message.claimed_by == worker_id)
                               & (Message.status == "sending"))


def _guarded(message_id: int, worker_id: str):
    return (Message.id == message_id) & (Message.claimed_by == worker_id) & (Message.status == "sending")


def _fail(message: Message, error: str, who: str, condition) -> bool:
    """Mark failed and refund; False when ``condition`` no longer holds."""
    changed = Message.update(status="failed", error=error, lease_until=None).where(condition).execute()
    if not changed:
        return False
    _event(message, "failed", error)
    back = credits.refund(message, who[:64], note=f"message {message.id} failed")
    if back:
        _event(message, "refunded", f"{back} credit{'s' if back != 1 else ''}")
    log.info("message %s failed (%s)", message.id, mask_recipient(message.recipient))
    return True


def mark_sent(message_id: int, worker_id: str, provider_id: str | None) -> bool:
    """The provider accepted the message (only if ``worker_id`` still holds it).

    An e-mail is then final; an SMS waits in ``sent`` for its delivery report.
    """
    with write_transaction():
        changed = (Message.update(status="sent", sent_at=clock.now(), provider_id=provider_id,
                                  lease_until=None, error=None)
                   .where(_guarded(message_id, worker_id)).execute())
        if changed:
            _event(message_id, "sent", f"by {worker_id}" + (f", provider id {provider_id}"
                                                              if provider_id else ""))
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
            held.update(row[0] for row in rows_locked(Message.select(Message.id).where(
                Message.id.in_(ids[start:start + 500]) & (Message.claimed_by == worker_id)
                & (Message.status == "sending"))).tuples())
        rows = [(pid, message_id) for message_id, pid in sent if message_id in held]
        # the rows are locked since the select: they are still ours; executemany
        # skips peewee's per-row SQL building (the same UPDATE for every row)
        db = database.obj
        p = db.param
        sql = (f'UPDATE "message" SET "status" = \'sent\', "sent_at" = {p}, "provider_id" = {p}, '
               f'"lease_until" = NULL, "error" = NULL WHERE "id" = {p}')
        at = Message.sent_at.db_value(now)
        db.cursor().executemany(sql, [(at, pid, message_id) for pid, message_id in rows])
        _events([(message_id, "sent", f"by {worker_id}" + (f", provider id {pid}" if pid else ""))
                 for pid, message_id in rows])
    return held


def mark_passing_fault(message_id: int, worker_id: str, error: str, max_attempts: int,
                       backoff: float, backoff_max: float) -> str:
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
        _event(message, "error", f"attempt {message.attempts}: {error}")
        if message.attempts >= max_attempts:
            _fail(message, f"{error} (gave up after {message.attempts} attempts)", worker_id,
                  _guarded(message_id, worker_id))
            return "failed"
        delay = min(backoff * 2 ** max(0, message.attempts - 1), backoff_max)
        retry_at = clock.now() + timedelta(seconds=delay)
        (Message.update(status="queued", next_attempt_at=retry_at, claimed_by=None, lease_until=None,
                        error=error).where(_guarded(message_id, worker_id)).execute())
        _event(message, "retry", f"in {delay:g} s, at {clock.iso(retry_at)}")
    return "queued"


def mark_permanent_failure(message_id: int, worker_id: str, error: str) -> bool:
    """The provider refused for good: failed, credits refunded (if still held)."""
    error = (error or "permanent failure")[:MAX_ERROR]
    with write_transaction():
        message = _held(message_id, worker_id)
        if message is None:
            return False
        _event(message, "error", f"attempt {message.attempts}: {error}")
        return _fail(message, error, worker_id, _guarded(message_id, worker_id))


def record_report(provider_id: str, delivered: bool, at: datetime, error: str | None = None) -> bool:
    """A delivery report: sent -> delivered, or -> failed (refunded).

    Idempotent: a report for a message no longer in ``sent`` changes nothing
    and returns False.
    """
    if not provider_id:
        return False
    with write_transaction():
        message = Message.get_or_none((Message.provider_id == provider_id) & (Message.status == "sent")
                                      & (Message.channel == "sms"))
        if message is None:
            return False
        condition = (Message.id == message.id) & (Message.status == "sent")
        if delivered:
            Message.update(status="delivered", delivered_at=clock.to_utc(at)).where(condition).execute()
            _event(message, "delivered", f"report of {clock.iso(at)}")
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
            pending.update((pid, mid) for mid, pid in Message.select(Message.id, Message.provider_id).where(
                Message.provider_id.in_(pids[start:start + 500]) & (Message.status == "sent")
                & (Message.channel == "sms")).tuples())
        if pending:
            db = database.obj
            p = db.param
            sql = (f'UPDATE "message" SET "status" = \'delivered\', "delivered_at" = {p} '
                   f'WHERE "id" = {p} AND "status" = \'sent\'')
            db.cursor().executemany(sql, [(Message.delivered_at.db_value(clock.to_utc(good[pid])), mid)
                                          for pid, mid in pending.items()])
            _events([(mid, "delivered", f"report of {clock.iso(good[pid])}")
                     for pid, mid in pending.items()])
            delivered = len(pending)
        for pid, ok, at, error in reports:
            if not ok and record_report(pid, False, at, error):  # failed: refund, per message
                failed += 1
    return delivered, failed


def withdraw(message_id: int, user: str, reason: str = "withdrawn") -> Message:
    """Withdraw a queued message: cancelled, credits refunded.

    Refused in any other state: a message being sent cannot be called back.
    """
    with write_transaction():
        message = Message.get_or_none(Message.id == message_id)
        if message is None:
            raise NotFound(f"no message with id {message_id}")
        changed = (Message.update(status="cancelled", lease_until=None)
                   .where((Message.id == message.id) & (Message.status == "queued")).execute())
        if not changed:
            raise Refused(f"message {message.id} is {message.status} and can no longer be withdrawn",
                          "not_withdrawable")
        _event(message, "cancelled", f"{reason} by {user}")
        back = credits.refund(message, user, note=f"message {message.id} {reason}")
        if back:
            _event(message, "refunded", f"{back} credit{'s' if back != 1 else ''}")
        audit.record(user, "withdraw", mandant=message.mandant_id, person=message.person_id,
                     message=message.id, reason=reason)
    return Message.get_by_id(message.id)


def resend(message_id: int, user: str, channel: str | None = None) -> Message:
    """Queue a failed or cancelled message again as a new one (credits spent again).

    On the other channel the recipient is the person's mobile or address.
    Refused while an earlier resend of it is pending or went out.
    """
    with write_transaction():
        original = Message.get_or_none(Message.id == message_id)
        if original is None:
            raise NotFound(f"no message with id {message_id}")
        if original.status not in ("failed", "cancelled"):
            raise Refused(f"message {original.id} is {original.status}: only failed or cancelled"
                          " messages are sent again", "not_resendable")
        earlier = (Message.select(Message.id)
                   .where((Message.resent_from == original.id)
                          & Message.status.not_in(("failed", "cancelled"))).first())
        if earlier is not None:
            raise Refused(f"message {original.id} was sent again already as message {earlier.id}",
                          "already_resent")
        channel = channel or original.channel
        recipient = original.recipient
        if channel != original.channel:
            recipient = _address_of(original.person, channel)
        subject = original.subject
        if channel == "email" and not subject:
            subject = default_subject(original.person, original.mandant)
        draft = Draft(channel=channel, recipient=recipient, body=original.body,
                      subject=subject if channel == "email" else "", person=original.person,
                      appointment=original.appointment, recall=original.recall,
                      purpose=original.purpose)
        messages, _ = enqueue_quoted(original.mandant, [draft], user, resent_from=original)
        _event(messages[0], "resent", f"from message {original.id}")
        _event(original, "resent", f"as message {messages[0].id} ({channel})")
    return messages[0]


def _address_of(person: Person | None, channel: str) -> str:
    if person is None:
        raise Refused("the message has no person: it can only be sent again on the same channel",
                      "no_person")
    value = person.mobile if channel == "sms" else person.email
    if not value:
        what = "mobile number" if channel == "sms" else "e-mail address"
        raise Refused(f"{person.full_name} (person {person.id}) has no {what}", "no_address")
    return value


def default_subject(person: Person | None, mandant: Mandant) -> str:
    """The subject of the practice's free e-mail template, for a message that had none."""
    from . import templates

    try:
        row = templates.find_template("free", templates.language_of(person), "email", mandant)
        return templates.render(row.subject, templates.context_for(person=person, mandant=mandant))
    except Refused:
        return mandant.name


def note_event(message_id: int, kind: str, detail: str = "") -> MessageEvent:
    """Add a line to a message's timeline without a change of state (e.g. ``skipped``)."""
    with write_transaction():
        return _event(message_id, kind, detail)
