"""The outbox: every message goes through the database, from queueing to its fate.

States (:class:`.states.Status`): queued -> sending -> sent -> delivered |
failed, plus cancelled and expired. An e-mail ends at ``sent`` (no delivery
report); an SMS in ``sent`` waits for its report. Every transition appends a
:class:`MessageEvent` for the timeline.

Queueing is one write transaction: check, cost, consent, spend, store. A
refusal raises :class:`Refused` and leaves nothing behind. Withdrawing and
sending again are here too. Drafts and their quotes are in :mod:`.drafts`,
what workers do with a message (claim it, record its fate) in :mod:`.sending`,
the journal's queries in :mod:`.journal`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, overload

import peewee as pw

from . import audit, bulk, clock, credits, expiry, persons, sms_text
from .coded import Coded
from .db import write_transaction
from .drafts import Draft, Quote, check_drafts, require_credits
from .errors import NotFound, Refused
from .events import add_event, add_events
from .models import Appointment, CreditEntry, Mandant, Message, MessageEvent, Person, Recall
from .phone import mask_recipient
from .states import RESENDABLE, Channel, Purpose, Status

log = logging.getLogger("vitosms.outbox")

# what queueing writes of a new message, in this order
_STORED = (
    Message.mandant,
    Message.person,
    Message.appointment,
    Message.recall,
    Message.channel,
    Message.recipient,
    Message.sender,
    Message.subject,
    Message.body,
    Message.purpose,
    Message.status,
    Message.encoding,
    Message.segments,
    Message.credits,
    Message.idempotency_key,
    Message.auto_key,
    Message.scheduled_at,
    Message.next_attempt_at,
    Message.attempts,
    Message.created_at,
    Message.created_by,
    Message.resent_from,
    Message.expires_at,
)
_NAMES = tuple(field.name for field in _STORED)
_KEY = _NAMES.index("idempotency_key")  # (a field's == makes a query expression, not a bool)
_SPENT = (
    CreditEntry.mandant,
    CreditEntry.delta,
    CreditEntry.kind,
    CreditEntry.message,
    CreditEntry.note,
    CreditEntry.user,
    CreditEntry.at,
)


class Queued(Sequence[Message]):
    """The messages one call queued, in the order of its drafts.

    Each becomes a :class:`Message` when it is first looked at: building
    thousands of model instances cost more than storing the rows, and a large
    batch is mostly only counted or listed by id (:attr:`ids`).
    """

    def __init__(self, mandant: Mandant, rows: list[tuple[Any, ...]], ids: list[int]):
        self._mandant = mandant
        self._rows = rows
        self.ids = ids
        self._made: dict[int, Message] = {}

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Message: ...

    @overload
    def __getitem__(self, index: slice) -> list[Message]: ...

    def __getitem__(self, index: int | slice) -> Message | list[Message]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]
        if index not in self._made:
            values = dict(zip(_NAMES, self._rows[index], strict=True))
            self._made[index] = Message(**{**values, "id": self.ids[index], "mandant": self._mandant})
        return self._made[index]

    def __iter__(self) -> Iterator[Message]:
        return (self[i] for i in range(len(self)))

    def __add__(self, other: Sequence[Message]) -> list[Message]:
        return [*self, *other]


def enqueue_quoted(
    mandant: Mandant,
    drafts: list[Draft],
    user: str,
    scheduled_at: datetime | None = None,
    max_parts: int = sms_text.MAX_PARTS_DEFAULT,
    resent_from: Message | None = None,
) -> tuple[Queued, Quote]:
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
        rows = [
            (
                mandant.id,
                person_id,
                _id(draft.appointment),
                _id(draft.recall),
                line.channel,
                line.recipient,
                mandant.sender if line.channel == Channel.SMS else mandant.name,
                draft.subject if line.channel == Channel.EMAIL else "",
                draft.body,
                draft.purpose,
                Status.QUEUED,
                line.encoding,
                line.segments,
                line.credits,
                key,
                draft.auto_key or None,
                when,
                when,
                0,
                now,
                user,
                _id(resent_from),
                _moment(draft, when),
            )
            for draft, line, person_id, key in zip(drafts, found.lines, person_ids, _new_keys(len(drafts)), strict=True)
        ]
        # the ids come back with the unique keys: the databases return new rows in no set order
        by_key = dict(
            (key, message_id)
            for message_id, key in bulk.insert_returning(Message, _STORED, rows, (Message.id, Message.idempotency_key))
        )
        ids = [by_key[row[_KEY]] for row in rows]
        bulk.insert(
            CreditEntry,
            _SPENT,
            [
                (mandant.id, -line.credits, "spend", message_id, "", user, now)
                for message_id, line in zip(ids, found.lines, strict=True)
                if line.credits > 0
            ],
        )
        suffix = f", for {clock.iso(when)}" if due is not None else ""
        add_events(
            [
                (
                    message_id,
                    "queued",
                    f"by {user}, {line.credits} credit{'s' if line.credits != 1 else ''}{suffix}",
                    {"user": user, "credits": line.credits, "at": due},
                )
                for message_id, line in zip(ids, found.lines, strict=True)
            ]
        )
    if log.isEnabledFor(logging.INFO):
        for message_id, line in zip(ids, found.lines, strict=True):
            log.info("queued message %s (%s to %s)", message_id, line.channel, mask_recipient(line.recipient))
    return Queued(mandant, rows, ids), found


def _new_keys(count: int) -> list[str]:
    """``count`` random idempotency keys of 32 hex digits, from one read of the system's randomness."""
    randomness = os.urandom(16 * count).hex()
    return [randomness[i : i + 32] for i in range(0, 32 * count, 32)]


def _moment(draft: Draft, when: datetime) -> datetime | None:
    """The draft's moment; refused (``expired``) when it would only go out after it."""
    moment = draft.expires_at or expiry.moment_of(draft.purpose, draft.appointment, when)
    expiry.refuse_if_past(draft.purpose, moment, when)
    return moment


def _refuse_known_auto_keys(keys: list[str]) -> None:
    for chunk in bulk.chunks(keys):
        for (key,) in bulk.tuples(Message.select(Message.auto_key).where(Message.auto_key.in_(chunk)).limit(1)):
            raise Refused("duplicate.automatic_key", key=key)


def _id(record: Appointment | Recall | Message | None) -> int | None:
    return record.id if record is not None else None


def enqueue(
    mandant: Mandant,
    drafts: list[Draft],
    user: str,
    scheduled_at: datetime | None = None,
    max_parts: int = sms_text.MAX_PARTS_DEFAULT,
) -> Queued:
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
            Message.update(status=Status.CANCELLED, lease_until=None)
            .where((Message.id == message.id) & (Message.status == Status.QUEUED))
            .execute()
        )
        if not changed:
            raise Refused("not_withdrawable", message_id=message.id, status=message.status)
        add_event(message, Status.CANCELLED, f"{reason} by {user}", {"why": reason, "user": user})
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
        if original.status not in RESENDABLE:
            raise Refused("not_resendable", original_id=original.id, status=original.status)
        earlier = (
            Message.select(Message.id)
            .where((Message.resent_from == original.id) & Message.status.not_in(RESENDABLE))
            .first()
        )
        if earlier is not None:
            raise Refused("already_resent", original_id=original.id, earlier_id=earlier.id)
        channel = channel or original.channel
        recipient = original.recipient
        if channel != original.channel:
            recipient = _address_of(original.person, channel)
        subject = original.subject
        if channel == Channel.EMAIL and not subject:
            subject = default_subject(original.person, original.mandant)
        draft = Draft(
            channel=channel,
            recipient=recipient,
            body=original.body,
            subject=subject if channel == Channel.EMAIL else "",
            person=original.person,
            appointment=original.appointment,
            recall=original.recall,
            purpose=original.purpose,
            # a birthday keeps its day; a reminder's moment is its appointment's start now
            expires_at=original.expires_at if original.purpose == Purpose.BIRTHDAY else None,
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
        row = templates.find_template(Purpose.FREE, templates.language_of(person), Channel.EMAIL, mandant)
        return templates.render(row.subject, templates.context_for(person=person, mandant=mandant))
    except Refused:
        return mandant.name


def note_event(message_id: int, kind: str, detail: str = "", values: Mapping[str, Any] | None = None) -> MessageEvent:
    """Add a line to a message's timeline without a change of state (e.g. ``skipped``)."""
    with write_transaction():
        return add_event(message_id, kind, detail, values)
