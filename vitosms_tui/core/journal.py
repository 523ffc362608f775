"""The message journal: what was sent, to whom, and what became of it.

Read-only queries over the outbox and the JSON shapes of CONTRACT.md. Message
bodies stay out of lists by default: a journal is shown on screens and in
scripts' output, and a text may say more about a patient than the list needs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import peewee as pw

from . import clock
from .errors import UsageError
from .models import CHANNELS, PURPOSES, STATUSES, Mandant, Message, MessageEvent, Person
from .record_fields import HasId
from .states import Channel, Status

# A failure older than this no longer asks for the desk's attention.
ATTENTION_DAYS = 7
# How long after its last attempt a message may still fail (a late delivery report).
LATE_FAILURE_MARGIN = timedelta(days=14)


def _id_of(value: Any) -> int | None:
    """A record or an id -> the id (None stays None)."""
    if value is None:
        return None
    return value.id if hasattr(value, "id") else int(value)


def timeline(message_id: HasId | int) -> list[MessageEvent]:
    """A message's events in the order they happened: queued, claimed, sent, …"""
    return list(
        MessageEvent.select()
        .where(MessageEvent.message == _id_of(message_id))
        .order_by(MessageEvent.at, MessageEvent.id)
    )


def list_messages(
    status: str | None = None,
    mandant: Any = None,
    person: Any = None,
    channel: str | None = None,
    purpose: str | None = None,
    limit: int | str | None = None,
    newest_first: bool = True,
    appointment: Any = None,
    attention: bool = False,
) -> list[Message]:
    """Messages filtered by status, Mandant, person, channel, purpose (and appointment).

    ``mandant``/``person``/``appointment`` take a record or an id; ``person``
    may also be a list of them (the persons a name search found). The Mandant
    is loaded with each message, so ``message.mandant.code`` costs no query.
    ``attention`` keeps only the failures that :func:`needs_attention` means.
    """
    for value, known, what in (
        (status, STATUSES, "status"),
        (channel, CHANNELS, "channel"),
        (purpose, PURPOSES, "purpose"),
    ):
        if value is not None and value not in known:
            raise UsageError("usage.unknown_one", what=what, value=value, known=", ".join(known))
    query = Message.select(Message, Mandant).join(Mandant)
    if status is not None:
        query = query.where(Message.status == status)
    if mandant is not None:
        query = query.where(Message.mandant == _id_of(mandant))
    if isinstance(person, (list, tuple, set)):
        query = query.where(Message.person.in_([_id_of(p) for p in person]))
    elif person is not None:
        query = query.where(Message.person == _id_of(person))
    if attention:
        query = query.where(needs_attention())
    if appointment is not None:
        query = query.where(Message.appointment == _id_of(appointment))
    if channel is not None:
        query = query.where(Message.channel == channel)
    if purpose is not None:
        query = query.where(Message.purpose == purpose)
    if newest_first:
        query = query.order_by(Message.created_at.desc(), Message.id.desc())
    else:
        query = query.order_by(Message.created_at, Message.id)
    if limit is not None:
        query = query.limit(int(limit))
    return list(query)


def needs_attention(now: datetime | None = None, days: int = ATTENTION_DAYS) -> pw.Expression:
    """The condition "failed, and nobody has dealt with it yet".

    Failed (or skipped by the automation) within the last ``days`` days, the
    newest of its chain of resends (a resend that fails again takes its place:
    the patient still got nothing), and nobody marked it done. A skipped
    message that automation queued after all (a ``resent`` event) is dealt
    with. Use it in a ``where``.
    """
    cutoff = clock.to_utc(now or clock.now()) - timedelta(days=days)
    event = MessageEvent.alias()
    # A range on the (status, next_attempt_at) index first: a message fails at or after
    # its last attempt, a late delivery report within days (the margin), and a skipped
    # one carries its future send time. Each remaining row is then an indexed look-up
    # of its events, so the status line can ask every few seconds.
    recent = Message.next_attempt_at >= cutoff - LATE_FAILURE_MARGIN
    failed_lately = pw.fn.EXISTS(
        event.select(pw.SQL("1")).where(
            (event.message == Message.id) & event.kind.in_((Status.FAILED, "skipped")) & (event.at >= cutoff)
        )
    )
    # (is_null first: NOT of a NULL test would drop every message without a key)
    queued_after_all = (
        Message.auto_key.is_null(False)
        & Message.auto_key.startswith("skipped:")
        & pw.fn.EXISTS(event.select(pw.SQL("1")).where((event.message == Message.id) & (event.kind == "resent")))
    )
    resend = Message.alias()
    # sent again from it, or its original was sent again later (from the original, not from it)
    sent_again = pw.fn.EXISTS(
        resend.select(pw.SQL("1")).where(
            (resend.resent_from == Message.id)
            | ((resend.resent_from == Message.resent_from) & (resend.id > Message.id))
        )
    )
    condition: pw.Expression = (
        (Message.status == Status.FAILED)
        & recent
        & failed_lately
        & Message.attention_done_at.is_null()
        & ~sent_again
        & ~queued_after_all
    )
    return condition


def attention_count(mandant: Any = None, now: datetime | None = None) -> int:
    """How many failed messages need the desk's attention (see :func:`needs_attention`)."""
    query = Message.select().where(needs_attention(now))
    if mandant is not None:
        query = query.where(Message.mandant == _id_of(mandant))
    return query.count()


def change_marker() -> tuple[int, int]:
    """(last message id, last event id): it changes whenever the journal does.

    Every change of a message appends an event, so a screen that remembers the
    marker re-reads the journal only when something happened.
    """
    last_message = Message.select(pw.fn.MAX(Message.id)).scalar() or 0
    last_event = MessageEvent.select(pw.fn.MAX(MessageEvent.id)).scalar() or 0
    return last_message, last_event


def message_json(message: Message, with_body: bool = False) -> dict[str, Any]:
    """The CONTRACT.md ``messages`` object (times ISO-8601 with offset, Zurich).

    The text and subject are added only with ``with_body`` (a detail view).
    """
    data = {
        "id": message.id,
        "mandant": message.mandant.code,
        "channel": message.channel,
        "recipient": message.recipient,
        "purpose": message.purpose,
        "status": message.status,
        "credits": message.credits,
        "encoding": message.encoding,
        "segments": message.segments,
        "scheduled_at": clock.iso(message.scheduled_at),
        "sent_at": clock.iso(message.sent_at),
        "delivered_at": clock.iso(message.delivered_at),
        "attempts": message.attempts,
        "error": message.error,
        "error_code": message.error_code,
        "appointment_id": message.appointment_id,
        "person_id": message.person_id,
        "recall_id": message.recall_id,
        "resent_from": message.resent_from_id,
        "expires_at": clock.iso(message.expires_at),
        "attention_done_by": message.attention_done_by,
        "attention_done_at": clock.iso(message.attention_done_at),
        "created_at": clock.iso(message.created_at),
        "created_by": message.created_by,
    }
    if with_body:
        data["subject"] = message.subject
        data["text"] = message.body
    return data


def awaiting_reports(limit: int = 500) -> list[Message]:
    """SMS handed to the gateway whose delivery report is still to come."""
    return list(
        Message.select()
        .where((Message.status == Status.SENT) & (Message.channel == Channel.SMS) & Message.provider_id.is_null(False))
        .order_by(Message.sent_at, Message.id)
        .limit(limit)
    )


def event_json(event: MessageEvent) -> dict[str, Any]:
    """One line of a timeline as JSON."""
    return {
        "id": event.id,
        "message_id": event.message_id,
        "at": clock.iso(event.at),
        "kind": event.kind,
        "detail": event.detail,
    }


def person_messages(person: Person | int, limit: int = 50) -> list[Message]:
    """A person's latest messages (the person screen's history)."""
    return list_messages(person=person, limit=limit)
