"""The outbox: every message goes through the database, from queueing to its fate.

States: queued -> sending -> sent -> delivered | failed, plus cancelled. An
e-mail ends at ``sent`` (no delivery report); an SMS in ``sent`` waits for its
report. Every transition appends a :class:`MessageEvent` for the timeline.

Queueing is one write transaction: check, cost, consent, spend, store. A
refusal raises :class:`Refused` and leaves nothing behind. Withdrawing and
sending again are here too; what workers do with a message (claim it, record
its fate) is in :mod:`.sending`, whose functions this module names as well.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import peewee as pw

from . import audit, clock, credits, expiry, persons, sms_text
from .coded import Coded
from .db import database, write_transaction

# Drafts, quotes and queries are part of the outbox's API (outbox.Draft, outbox.quote, …).
from .drafts import Draft, Quote, QuoteLine, check_drafts, check_send_time, quote, require_credits  # noqa: F401
from .errors import NotFound, Refused
from .events import add_event, add_events
from .expiry import mark_expired  # noqa: F401  (the workers' side, as below)
from .journal import awaiting_reports, event_json, list_messages, message_json, timeline  # noqa: F401
from .models import CreditEntry, Mandant, Message, MessageEvent, Person, UtcDateTimeField
from .phone import mask_recipient

# the workers' side, here too so that callers find the whole outbox in one place
from .sending import (  # noqa: F401
    LOST,
    MAX_ERROR,
    claim_due,
    claim_due_rows,
    mark_passing_fault,
    mark_permanent_failure,
    mark_sent,
    mark_sent_many,
    record_report,
    record_reports,
)

log = logging.getLogger("vitosms.outbox")


def enqueue_quoted(
    mandant: Mandant,
    drafts: list[Draft],
    user: str,
    scheduled_at: datetime | None = None,
    max_parts: int = sms_text.MAX_PARTS_DEFAULT,
    resent_from: Message | None = None,
) -> tuple[list[Message], Quote]:
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
        moments = [_moment(draft, when) for draft in drafts]
        messages = _store(
            mandant,
            [
                {
                    "mandant": mandant.id,
                    "person": person_id,
                    "appointment": _id(draft.appointment),
                    "recall": _id(draft.recall),
                    "channel": line.channel,
                    "recipient": line.recipient,
                    "sender": mandant.sender if line.channel == "sms" else mandant.name,
                    "subject": draft.subject if line.channel == "email" else "",
                    "body": draft.body,
                    "purpose": draft.purpose,
                    "status": "queued",
                    "encoding": line.encoding,
                    "segments": line.segments,
                    "credits": line.credits,
                    "idempotency_key": uuid.uuid4().hex,
                    "auto_key": draft.auto_key or None,
                    "scheduled_at": when,
                    "next_attempt_at": when,
                    "attempts": 0,
                    "created_at": now,
                    "created_by": user,
                    "resent_from": _id(resent_from),
                    "expires_at": moment,
                }
                for draft, line, person_id, moment in zip(drafts, found.lines, person_ids, moments, strict=True)
            ],
        )
        _spend(mandant, messages, user, now)
        suffix = f", for {clock.iso(when)}" if due is not None else ""
        add_events(
            [
                (
                    m.id,
                    "queued",
                    f"by {user}, {m.credits} credit{'s' if m.credits != 1 else ''}{suffix}",
                    {"user": user, "credits": m.credits, "at": due},
                )
                for m in messages
            ]
        )
    if log.isEnabledFor(logging.INFO):
        for message in messages:
            log.info("queued message %s (%s to %s)", message.id, message.channel, mask_recipient(message.recipient))
    return messages, found


def _moment(draft: Draft, when: datetime) -> datetime | None:
    """The draft's moment; refused (``expired``) when it would only go out after it."""
    moment = draft.expires_at or expiry.moment_of(draft.purpose, draft.appointment, when)
    expiry.refuse_if_past(draft.purpose, moment, when)
    return moment


def _refuse_known_auto_keys(keys: list[str]) -> None:
    for start in range(0, len(keys), 500):
        known = (
            Message.select(Message.auto_key).where(Message.auto_key.in_(keys[start : start + 500])).limit(1).tuples()
        )
        for (key,) in known:
            raise Refused("duplicate.automatic_key", key=key)


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
        ", ".join(f'"{f.column_name}"' for f in fields), ", ".join([db.param] * len(fields))
    )
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
        chunk = keys[start : start + 500]
        # written out: peewee's building of a query with 500 parameters cost more than the query
        cursor = db.cursor()
        cursor.execute(
            'SELECT "id", "idempotency_key" FROM "message" WHERE "idempotency_key" IN ({})'.format(
                ", ".join([db.param] * len(chunk))
            ),
            chunk,
        )
        for message_id, key in cursor.fetchall():
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
        f"\"user\", \"at\") VALUES ({p}, {p}, 'spend', {p}, NULL, '', {p}, {p})",
        [(mandant.id, -m.credits, m.id, user, stamp) for m in messages if m.credits > 0],
    )


def enqueue(
    mandant: Mandant,
    drafts: list[Draft],
    user: str,
    scheduled_at: datetime | None = None,
    max_parts: int = sms_text.MAX_PARTS_DEFAULT,
) -> list[Message]:
    """Queue the drafts in one transaction: all of them, or (Refused) none.

    Checks recipients (mobile for SMS, valid address for e-mail), deceased
    persons and consent for reminder/recall/birthday, costs each message from
    the tariff and spends its credits, tied to the message.
    """
    try:
        return enqueue_quoted(mandant, drafts, user, scheduled_at, max_parts)[0]
    except pw.IntegrityError:
        # two automation runs raced for the same auto_key: the database kept one
        raise Refused("duplicate.automatic") from None


def withdraw(message_id: int, user: str, reason: str = "withdrawn") -> Message:
    """Withdraw a queued message: cancelled, credits refunded.

    Refused in any other state: a message being sent cannot be called back.
    """
    with write_transaction():
        message = Message.get_or_none(Message.id == message_id)
        if message is None:
            raise NotFound("not_found.message", message_id=message_id)
        changed = (
            Message.update(status="cancelled", lease_until=None)
            .where((Message.id == message.id) & (Message.status == "queued"))
            .execute()
        )
        if not changed:
            raise Refused("not_withdrawable", message_id=message.id, status=message.status)
        add_event(message, "cancelled", f"{reason} by {user}", {"why": reason, "user": user})
        note = Coded("message", f"message {message.id} {reason}", {"message_id": message.id, "why": reason})
        back = credits.refund(message, user, note=note)
        if back:
            add_event(message, "refunded", f"{back} credit{'s' if back != 1 else ''}", {"credits": back})
        audit.record(
            user, "withdraw", mandant=message.mandant_id, person=message.person_id, message=message.id, reason=reason
        )
    return Message.get_by_id(message.id)


def resend(message_id: int, user: str, channel: str | None = None) -> Message:
    """Queue a failed or cancelled message again as a new one (credits spent again).

    On the other channel the recipient is the person's mobile or address.
    Refused while an earlier resend of it is pending or went out.
    """
    with write_transaction():
        original = Message.get_or_none(Message.id == message_id)
        if original is None:
            raise NotFound("not_found.message", message_id=message_id)
        if original.status not in ("failed", "cancelled"):
            raise Refused("not_resendable", original_id=original.id, status=original.status)
        earlier = (
            Message.select(Message.id)
            .where((Message.resent_from == original.id) & Message.status.not_in(("failed", "cancelled")))
            .first()
        )
        if earlier is not None:
            raise Refused("already_resent", original_id=original.id, earlier_id=earlier.id)
        channel = channel or original.channel
        recipient = original.recipient
        if channel != original.channel:
            recipient = _address_of(original.person, channel)
        subject = original.subject
        if channel == "email" and not subject:
            subject = default_subject(original.person, original.mandant)
        draft = Draft(
            channel=channel,
            recipient=recipient,
            body=original.body,
            subject=subject if channel == "email" else "",
            person=original.person,
            appointment=original.appointment,
            recall=original.recall,
            purpose=original.purpose,
            # a birthday keeps its day; a reminder's moment is its appointment's start now
            expires_at=original.expires_at if original.purpose == "birthday" else None,
        )
        messages, _ = enqueue_quoted(original.mandant, [draft], user, resent_from=original)
        add_event(messages[0], "resent", f"from message {original.id}", {"from_id": original.id})
        add_event(
            original,
            "resent",
            f"as message {messages[0].id} ({channel})",
            {"as_id": messages[0].id, "channel": channel},
        )
    return messages[0]


def _address_of(person: Person | None, channel: str) -> str:
    if person is None:
        raise Refused("no_person")
    return persons.address_for(person, channel)


def default_subject(person: Person | None, mandant: Mandant) -> str:
    """The subject of the practice's free e-mail template, for a message that had none."""
    from . import templates

    try:
        row = templates.find_template("free", templates.language_of(person), "email", mandant)
        return templates.render(row.subject, templates.context_for(person=person, mandant=mandant))
    except Refused:
        return mandant.name


def note_event(message_id: int, kind: str, detail: str = "", values: Mapping[str, Any] | None = None) -> MessageEvent:
    """Add a line to a message's timeline without a change of state (e.g. ``skipped``)."""
    with write_transaction():
        return add_event(message_id, kind, detail, values)
