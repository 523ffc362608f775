"""The automation's keys, and its journal of messages it could not queue.

Keys are unique in the database (``Message.auto_key``): ``reminder:<appointment>:<start UTC>``,
``birthday:<person>:<year>``. A message automation could not queue (not enough
credits, above all) is written once as a message in state ``failed`` with 0
credits, its reason as the error, an event ``skipped`` and the key
``skipped:<key>``, which does not block the real one. :func:`automation_warnings`
sums up the skipped messages that still matter, for the status line.
:func:`reminded_by_hand` and :func:`greeted_by_hand` find what the desk made
itself, which automation then leaves alone.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import peewee as pw

from . import bulk, clock, credits
from .coded import Coded, dumps
from .db import tuples_of, write_transaction
from .drafts import Draft, QuoteLine, quote
from .errors import Refused
from .models import Appointment, AuditEntry, Mandant, Message, MessageEvent, Person
from .phone import mask_recipient
from .states import RESENDABLE, Status

log = logging.getLogger("vitosms.automation")

SKIPPED = "skipped:"
SHORT_OF_CREDITS = "not enough credits"
# how far back a skipped message can still matter for the status line
WARNING_DAYS = 15


class Dated(Protocol):
    """An appointment, or just enough of one (automation's first look)."""

    @property
    def id(self) -> int: ...
    @property
    def start(self) -> datetime: ...


def reminder_key(appointment: Dated) -> str:
    """Once per appointment and start: a moved appointment has a new key."""
    start = clock.to_utc(appointment.start)
    return f"reminder:{appointment.id}:{start:%Y%m%dT%H%MZ}"


def birthday_key(person: Person | int, year: int) -> str:
    """Once per person and year."""
    return f"birthday:{getattr(person, 'id', person)}:{year}"


def skipped_key(key: str) -> str:
    """The key of the journal entry that says the message of ``key`` was skipped."""
    return SKIPPED + key


def with_keys(keys: list[str], *fields: pw.Field[Any]) -> list[Message]:
    """The messages holding these automation keys (with ``fields`` loaded)."""
    rows: list[Message] = []
    for chunk in bulk.chunks(keys):  # SQLite's limit on bound parameters
        rows.extend(Message.select(Message.auto_key, *fields).where(Message.auto_key.in_(chunk)))
    return rows


def existing_keys(keys: list[str]) -> set[str]:
    """Which of the keys the database holds already."""
    return {m.auto_key for m in with_keys(keys) if m.auto_key is not None}


class Unpaid:
    """Tells whether a message skipped for want of credits still cannot be paid.

    Such messages are not rendered and tried again every minute (that would
    hold the write lock for nothing); once credits are bought, the next tick
    queues them. Balances are read once per Mandant.
    """

    def __init__(self) -> None:
        self.tariff = credits.tariff()
        self.balances: dict[int, int] = {}

    def __call__(self, skipped: Message) -> bool:
        if not (skipped.error or "").startswith(SHORT_OF_CREDITS):
            return False  # skipped for another reason: tried again
        if skipped.mandant_id not in self.balances:
            self.balances[skipped.mandant_id] = credits.balance(skipped.mandant_id)
        return self.balances[skipped.mandant_id] < self.tariff.cost(skipped.channel, skipped.segments)


def still_unpaid(keys: list[str]) -> set[str]:
    """Those of ``keys`` whose message was skipped for want of credits and still cannot be paid."""
    unpaid = Unpaid()
    return {
        _unskipped(row)
        for row in with_keys(
            [skipped_key(k) for k in keys], Message.mandant, Message.channel, Message.segments, Message.error
        )
        if unpaid(row)
    }


def _unskipped(message: Message) -> str:
    """The key of the message a journal entry ``skipped:<key>`` stands for."""
    return (message.auto_key or "")[len(SKIPPED) :]


def _refusal(exc: Refused) -> Coded:
    return Coded(exc.key, exc.message, exc.values)


def _skip_error(mandant: Mandant, draft: Draft, exc: Refused) -> tuple[Coded, QuoteLine | None]:
    """The journal's reason (a refusal's key, or ``no_credits``) and the message's cost where known."""
    try:
        found = quote(mandant, [draft])
    except Refused as again:
        return _refusal(again), None
    if exc.code != "insufficient_credits":
        return _refusal(exc), found.lines[0]
    text = f"{SHORT_OF_CREDITS} (needs {found.total_credits}, has {found.balance})"
    return Coded("no_credits", text, {"needs": found.total_credits, "has": found.balance}), found.lines[0]


def record_skip(mandant: Mandant, draft: Draft, send_at: datetime, exc: Refused, user: str) -> bool:
    """Write the journal entry of an automatic message that was not queued, once.

    True when written now; False when it (or the real message) exists already.
    """
    assert draft.auto_key is not None  # automation's drafts carry their key
    key = skipped_key(draft.auto_key)
    why, line = _skip_error(mandant, draft, exc)
    error = why.text
    try:
        with write_transaction():
            if Message.select().where(Message.auto_key.in_([key, draft.auto_key])).exists():
                return False
            message = Message.create(
                mandant=mandant,
                person=draft.person,
                appointment=draft.appointment,
                channel=draft.channel,
                recipient=line.recipient if line else draft.recipient,
                encoding=line.encoding if line else None,
                segments=line.segments if line else None,
                sender=mandant.sender if draft.channel == "sms" else mandant.name,
                subject=draft.subject if draft.channel == "email" else "",
                body=draft.body,
                purpose=draft.purpose,
                status=Status.FAILED,
                credits=0,
                idempotency_key=uuid.uuid4().hex,
                auto_key=key,
                scheduled_at=send_at,
                next_attempt_at=send_at,
                error=error[:500],
                error_code=why.code,
                error_data=why.data(),
                created_by=user,
            )
            MessageEvent.create(
                message=message, kind="skipped", detail=error[:500], data=dumps({"fault": why.code, **why.values})
            )
    except pw.IntegrityError:
        return False  # another worker wrote it
    log.warning("automatic %s for %s skipped: %s", draft.purpose, mask_recipient(draft.recipient), error)
    return True


# --- what was made by hand ------------------------------------------------------------


def _last_move(appointment_id: int) -> tuple[datetime, set[int]] | None:
    """When the appointment last got its current start, and the messages that move
    regenerated (None: never moved). Read from the audit trail of the agenda."""
    entries = (
        AuditEntry.select(AuditEntry.at, AuditEntry.detail)
        .where(
            (AuditEntry.action == "appointment_move") & AuditEntry.detail.contains(f'"appointment": {appointment_id}')
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    for entry in entries:
        try:
            detail = json.loads(entry.detail)
        except ValueError:
            continue
        if detail.get("appointment") == appointment_id:
            return entry.at, set(detail.get("created") or ())
    return None


def reminded_by_hand(appointments: list[Appointment]) -> set[int]:
    """Appointments with a reminder not made by automation since they took their current start
    (``remind``, or regenerated by the move itself)."""
    if not appointments:
        return set()
    made: dict[int, list[tuple[int, datetime]]] = {}
    for row in Message.select(Message.id, Message.appointment, Message.created_at, Message.auto_key).where(
        Message.appointment.in_([a.id for a in appointments]) & (Message.purpose == "reminder")
    ):
        # automatic ones are known by their key (a skipped one is no reminder); the query
        # reads messages of appointments only, the None is for the type checker
        if row.auto_key or row.appointment_id is None:
            continue
        made.setdefault(row.appointment_id, []).append((row.id, row.created_at))
    result: set[int] = set()
    for appointment_id, rows in made.items():
        move = _last_move(appointment_id)
        if move is None or any(at >= move[0] or ident in move[1] for ident, at in rows):
            result.add(appointment_id)
    return result


def greeted_by_hand(person_ids: list[int], day: date) -> set[int]:
    """Persons with a birthday message of this year not made by automation (a resend)."""
    if not person_ids:
        return set()
    since = clock.zurich_datetime(date(day.year, 1, 1), 0)
    return {
        pid
        for (pid,) in tuples_of(
            Message.select(Message.person).where(
                Message.person.in_(person_ids)
                & (Message.purpose == "birthday")
                & Message.auto_key.is_null()
                & (Message.created_at >= since)
                & Message.status.not_in(RESENDABLE)
            )
        )
    }


# --- warnings for the status line -----------------------------------------------------------


def skipped_messages(
    mandant: Mandant | int | None = None, now: datetime | None = None, open_only: bool = True
) -> list[Message]:
    """Automatic messages written to the journal as skipped, newest first.

    ``open_only``: only those not queued since and still of use (the
    appointment is ahead; the birthday is today) by a Mandant whose
    automation is still on.
    """
    now = clock.to_utc(now or clock.now())
    query = (
        Message.select(Message, Mandant)
        .join(Mandant)
        .where(Message.auto_key.startswith(SKIPPED) & (Message.created_at >= now - timedelta(days=WARNING_DAYS)))
        .order_by(Message.created_at.desc(), Message.id.desc())
    )
    if mandant is not None:
        query = query.where(Message.mandant == getattr(mandant, "id", mandant))
    rows = list(query)
    if not open_only:
        return rows
    done = existing_keys([_unskipped(m) for m in rows])
    today = clock.local(now).date()
    result = []
    for message in rows:
        if _unskipped(message) in done:
            continue
        if message.purpose == "reminder":
            appointment = Appointment.get_or_none(Appointment.id == message.appointment_id)
            if (
                not message.mandant.auto_reminders
                or appointment is None
                or appointment.status != "booked"
                or appointment.start <= now
                or reminder_key(appointment) != _unskipped(message)
            ):
                continue
        elif not message.mandant.auto_birthday or clock.local(message.scheduled_at).date() != today:
            continue
        result.append(message)
    return result


def automation_warnings(now: datetime | None = None) -> list[str]:
    """One line per Mandant whose automatic messages are being skipped, for the status line.

    e.g. "Mandant HAU: 3 automatic messages skipped, not enough credits".
    """
    short: Counter[str] = Counter()
    other: Counter[str] = Counter()
    for message in skipped_messages(now=now):
        target = short if (message.error or "").startswith(SHORT_OF_CREDITS) else other
        target[message.mandant.code] += 1
    lines = []
    for code in sorted(set(short) | set(other)):
        if short[code]:
            n = short[code]
            lines.append(f"Mandant {code}: {n} automatic message{'s' if n != 1 else ''} skipped, not enough credits")
        if other[code]:
            n = other[code]
            lines.append(f"Mandant {code}: {n} automatic message{'s' if n != 1 else ''} not sent, see the journal")
    return lines
