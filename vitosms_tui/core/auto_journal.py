"""The automation's keys, and its journal of messages it could not queue.

Keys are unique in the database (``Message.auto_key``): ``reminder:<appointment>:<start UTC>``,
``birthday:<person>:<year>``. A message automation could not queue (not enough
credits, above all) is written once as a message in state ``failed`` with 0
credits, its reason as the error, an event ``skipped`` and the key
``skipped:<key>``, which does not block the real one. :func:`automation_warnings`
sums up the skipped messages that still matter, for the status line.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import datetime, timedelta

import peewee as pw

from . import clock, credits
from .db import write_transaction
from .drafts import Draft, QuoteLine, quote
from .errors import Refused
from .models import Appointment, Mandant, Message, MessageEvent, Person
from .phone import mask_recipient

log = logging.getLogger("vitosms.automation")

SKIPPED = "skipped:"
SHORT_OF_CREDITS = "not enough credits"
# how far back a skipped message can still matter for the status line
WARNING_DAYS = 15


def reminder_key(appointment: Appointment) -> str:
    """Once per appointment and start: a moved appointment has a new key."""
    start = clock.to_utc(appointment.start)
    return f"reminder:{appointment.id}:{start:%Y%m%dT%H%MZ}"


def birthday_key(person: Person | int, year: int) -> str:
    """Once per person and year."""
    return f"birthday:{getattr(person, 'id', person)}:{year}"


def skipped_key(key: str) -> str:
    """The key of the journal entry that says the message of ``key`` was skipped."""
    return SKIPPED + key


def with_keys(keys: list[str], *fields) -> list[Message]:
    """The messages holding these automation keys (with ``fields`` loaded)."""
    rows: list[Message] = []
    for start in range(0, len(keys), 500):  # SQLite's limit on bound parameters
        rows.extend(Message.select(Message.auto_key, *fields).where(
            Message.auto_key.in_(keys[start:start + 500])))
    return rows


def existing_keys(keys: list[str]) -> set[str]:
    """Which of the keys the database holds already."""
    return {m.auto_key for m in with_keys(keys)}


def still_unpaid(keys: list[str]) -> set[str]:
    """Keys skipped for want of credits whose Mandant still cannot pay them.

    They are not rendered and tried again every minute (that would hold the
    write lock for nothing); once credits are bought, the next tick queues them.
    """
    skipped = with_keys([skipped_key(k) for k in keys], Message.mandant, Message.channel,
                         Message.segments, Message.error)
    if not skipped:
        return set()
    tariff, balances, result = credits.tariff(), {}, set()
    for row in skipped:
        if not (row.error or "").startswith(SHORT_OF_CREDITS):
            continue
        if row.mandant_id not in balances:
            balances[row.mandant_id] = credits.balance(row.mandant_id)
        if balances[row.mandant_id] < tariff.cost(row.channel, row.segments):
            result.add(row.auto_key[len(SKIPPED):])
    return result


def _skip_error(mandant: Mandant, draft: Draft, exc: Refused) -> tuple[str, QuoteLine | None]:
    """The journal's reason, and the message's cost where it could be worked out."""
    try:
        found = quote(mandant, [draft])
    except Refused as again:
        return again.message, None
    if exc.code != "insufficient_credits":
        return exc.message, found.lines[0]
    return f"{SHORT_OF_CREDITS} (needs {found.total_credits}, has {found.balance})", found.lines[0]


def record_skip(mandant: Mandant, draft: Draft, send_at: datetime, exc: Refused, user: str) -> bool:
    """Write the journal entry of an automatic message that was not queued, once.

    True when written now; False when it (or the real message) exists already.
    """
    key = skipped_key(draft.auto_key)
    error, line = _skip_error(mandant, draft, exc)
    try:
        with write_transaction():
            if Message.select().where(Message.auto_key.in_([key, draft.auto_key])).exists():
                return False
            message = Message.create(
                mandant=mandant, person=draft.person, appointment=draft.appointment,
                channel=draft.channel, recipient=line.recipient if line else draft.recipient,
                encoding=line.encoding if line else None, segments=line.segments if line else None,
                sender=mandant.sender if draft.channel == "sms" else mandant.name,
                subject=draft.subject if draft.channel == "email" else "", body=draft.body,
                purpose=draft.purpose, status="failed", credits=0, idempotency_key=uuid.uuid4().hex,
                auto_key=key, scheduled_at=send_at, next_attempt_at=send_at,
                error=error[:500], created_by=user)
            MessageEvent.create(message=message, kind="skipped", detail=error[:500])
    except pw.IntegrityError:
        return False  # another worker wrote it
    log.warning("automatic %s for %s skipped: %s", draft.purpose, mask_recipient(draft.recipient),
                error)
    return True


# --- warnings for the status line -----------------------------------------------------------

def skipped_messages(mandant: Mandant | int | None = None, now: datetime | None = None,
                     open_only: bool = True) -> list[Message]:
    """Automatic messages written to the journal as skipped, newest first.

    ``open_only``: only those not queued since and still of use (the
    appointment is ahead; the birthday is today) by a Mandant whose
    automation is still on.
    """
    now = clock.to_utc(now or clock.now())
    query = (Message.select(Message, Mandant).join(Mandant)
             .where(Message.auto_key.startswith(SKIPPED)
                    & (Message.created_at >= now - timedelta(days=WARNING_DAYS)))
             .order_by(Message.created_at.desc(), Message.id.desc()))
    if mandant is not None:
        query = query.where(Message.mandant == getattr(mandant, "id", mandant))
    rows = list(query)
    if not open_only:
        return rows
    done = existing_keys([m.auto_key[len(SKIPPED):] for m in rows])
    today = clock.local(now).date()
    result = []
    for message in rows:
        if message.auto_key[len(SKIPPED):] in done:
            continue
        if message.purpose == "reminder":
            appointment = Appointment.get_or_none(Appointment.id == message.appointment_id)
            if (not message.mandant.auto_reminders or appointment is None
                    or appointment.status != "booked" or appointment.start <= now
                    or reminder_key(appointment) != message.auto_key[len(SKIPPED):]):
                continue
        elif not message.mandant.auto_birthday or clock.local(message.scheduled_at).date() != today:
            continue
        result.append(message)
    return result


def automation_warnings(now: datetime | None = None) -> list[str]:
    """One line per Mandant whose automatic messages are being skipped, for the status line.

    e.g. "Mandant HAU: 3 automatic messages skipped, not enough credits".
    """
    short: Counter = Counter()
    other: Counter = Counter()
    for message in skipped_messages(now=now):
        target = short if (message.error or "").startswith(SHORT_OF_CREDITS) else other
        target[message.mandant.code] += 1
    lines = []
    for code in sorted(set(short) | set(other)):
        if short[code]:
            n = short[code]
            lines.append(f"Mandant {code}: {n} automatic message{'s' if n != 1 else ''} skipped,"
                         " not enough credits")
        if other[code]:
            n = other[code]
            lines.append(f"Mandant {code}: {n} automatic message{'s' if n != 1 else ''} not sent,"
                         " see the journal")
    return lines
