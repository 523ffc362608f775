"""Patients' SMS replies: stored once, matched, understood and acted on (CONTRACT.md, Replies).

A reply belongs to the newest SMS sent to its number in the last
:data:`MATCH_DAYS` days, and so to that message's person, appointment or
recall. One number shared by a family goes to whoever got the newest SMS;
the desk can give the reply to another person (:func:`reassign`).

What it says (``core.reply_words``) is acted on at once:

- ``confirmed`` / ``declined`` marks the appointment (``Appointment.answer``)
  while it is still to come; the desk offers a declined one a new date.
- ``stop`` withdraws the SMS consent (source ``reply``) of every person with
  that mobile (the handset said stop, whoever of the family is meant), and
  withdraws their SMS still queued, refunded: from then on no SMS of any
  purpose goes to them, automatic or by hand, until the desk records the
  consent again (``persons.set_consent(person, "sms", True, …)``, key 4 in Persons).

A reply is stored once however often the SMSC delivers it: keyed by the
SMSC's id when it gives one, else by its content and time; the same text from
the same number within :data:`AGAIN_WINDOW` without an id counts as the
SMSC's repetition. Texts are never logged.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

import peewee as pw

from . import audit, bulk, clock, outbox
from . import persons as person_records
from .db import write_transaction
from .errors import NotFound, Refused
from .models import Appointment, Message, Person, Reply, id_of
from .phone import mask_number
from .reply_words import CONFIRMED, DECLINED, STOP, understand
from .states import Status

log = logging.getLogger("vitosms.replies")

MATCH_DAYS = 14
AGAIN_WINDOW = timedelta(minutes=10)
SOURCE = "reply"


@dataclass(frozen=True)
class Incoming:
    """One SMS as the gateway took it in."""

    sender: str  # E.164
    text: str
    received_at: datetime
    link: str = ""  # the gateway and the practice's number it came in on
    ref: str | None = None  # the SMSC's id of this SMS, when it gives one

    @property
    def key(self) -> str:
        if self.ref:
            return f"smsc:{self.ref}"[:80]
        content = f"{self.sender}\n{clock.iso(self.received_at)}\n{self.text}"
        return "sha:" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:64]


def _sms_sent_to(number: str, before: datetime) -> pw.Expression:
    return (
        (Message.channel == "sms")
        & (Message.recipient == number)
        & Message.status.in_((Status.SENT, Status.DELIVERED))
        & Message.sent_at.is_null(False)
        & (Message.sent_at <= before)
        & (Message.sent_at >= before - timedelta(days=MATCH_DAYS))
    )


def answered_message(number: str, at: datetime) -> Message | None:
    """The newest SMS sent to ``number`` within the 14 days before ``at``."""
    newest: Message | None = (
        Message.select().where(_sms_sent_to(number, at)).order_by(Message.sent_at.desc(), Message.id.desc()).first()
    )
    return newest


def _person_of_number(number: str) -> Person | None:
    """The one person with this mobile; None when nobody or several have it."""
    found = list(Person.select().where(Person.mobile == number).limit(2))
    return found[0] if len(found) == 1 else None


def _repeated(incoming: Incoming) -> bool:
    if Reply.select().where(Reply.key == incoming.key).exists():
        return True
    if incoming.ref:
        return False
    since = incoming.received_at - AGAIN_WINDOW
    return (
        Reply.select()
        .where(
            (Reply.sender == incoming.sender)
            & (Reply.text == incoming.text)
            & (Reply.received_at >= since)
            & (Reply.received_at <= incoming.received_at)
        )
        .exists()
    )


def receive(incoming: Incoming) -> Reply | None:
    """Store, match and act on one reply; None when it was stored before."""
    with write_transaction():
        if _repeated(incoming):
            return None
        message = answered_message(incoming.sender, incoming.received_at)
        person = message.person if message is not None and message.person_id else None
        if person is None:
            person = _person_of_number(incoming.sender)
        try:
            with Reply._meta.database.atomic():
                reply = Reply.create(
                    key=incoming.key,
                    sender=incoming.sender,
                    text=incoming.text,
                    received_at=incoming.received_at,
                    link=incoming.link[:64],
                    person=person,
                    message=message,
                    action=understand(incoming.text),
                    appointment=message.appointment_id if message is not None else None,
                    recall=message.recall_id if message is not None else None,
                )
        except pw.IntegrityError:  # another worker stored it a moment ago
            return None
        _act(reply)
    log.info("reply %s from %s: %s", reply.id, mask_number(reply.sender), reply.action)
    return reply


def receive_all(incoming: list[Incoming]) -> list[Reply]:
    """Each of ``incoming`` stored once (see :func:`receive`); the new ones."""
    return [reply for reply in map(receive, incoming) if reply is not None]


def _act(reply: Reply) -> None:
    if reply.action in (CONFIRMED, DECLINED) and reply.appointment_id:
        # an answer about an appointment that is over or cancelled changes nothing
        (
            Appointment.update(answer=reply.action)
            .where(
                (Appointment.id == reply.appointment_id)
                & (Appointment.status == "booked")
                & (Appointment.start > reply.received_at)
            )
            .execute()
        )
    elif reply.action == STOP:
        stop_sms(reply.sender, SOURCE)


def stop_sms(number: str, source: str) -> list[int]:
    """No more SMS to ``number``: its persons' SMS consent withdrawn, their queued SMS too.

    Returns the ids of the persons whose consent was withdrawn.
    """
    persons = list(Person.select().where((Person.mobile == number) & (Person.consent_sms == True)))  # noqa: E712
    for person in persons:
        person_records.set_consent(person, "sms", False, user=source, source=source)
    queued = Message.select(Message.id).where(
        (Message.channel == "sms")
        & (Message.status == Status.QUEUED)
        & ((Message.recipient == number) | Message.person.in_([p.id for p in persons] or [0]))
    )
    for row in list(queued):
        outbox.withdraw(row.id, source, reason="withdrawn: the patient answered STOP")
    return [p.id for p in persons]


def stopped_numbers(numbers: list[str]) -> set[str]:
    """Those of ``numbers`` whose owner answered STOP (500 to a query)."""
    found: set[str] = set()
    unique = sorted(set(numbers))
    for chunk in bulk.chunks(unique):
        found.update(
            row.mobile
            for row in Person.select(Person.mobile).where(Person.mobile.in_(chunk) & (Person.consent_sms == False))
            if row.mobile is not None  # never: IN leaves out NULL
        )  # noqa: E712
    return found


# --- the desk's side ----------------------------------------------------------------


def get_reply(reply_id: int) -> Reply:
    reply = Reply.get_or_none(Reply.id == reply_id)
    if reply is None:
        raise NotFound("not_found.reply", reply_id=reply_id)
    return reply


def inbox(unread: bool = False, person: Person | int | None = None, limit: int | None = None) -> list[Reply]:
    """Replies, unread first, each group newest first."""
    query = Reply.select()
    if unread:
        query = query.where(Reply.read_at.is_null())
    if person is not None:
        query = query.where(Reply.person == getattr(person, "id", person))
    query = query.order_by(Reply.read_at.is_null(False), Reply.received_at.desc(), Reply.id.desc())
    return list(query.limit(limit) if limit else query)


def unread_count() -> int:
    return Reply.select().where(Reply.read_at.is_null()).count()


def marker() -> tuple[int, int]:
    """(the newest reply's id, how many are unread): what views look at to see news."""
    newest = Reply.select(pw.fn.MAX(Reply.id)).scalar() or 0
    return newest, unread_count()


def mark_read(reply: Reply | int, user: str) -> None:
    """The desk has seen it (the inbox shows it below the unread ones)."""
    (
        Reply.update(read_at=clock.now(), read_by=user)
        .where((Reply.id == getattr(reply, "id", reply)) & Reply.read_at.is_null())
        .execute()
    )


def reassign(reply: Reply | int, person: Person | int, user: str) -> Reply:
    """Give the reply to another person (a family's shared number): their newest SMS is the one answered."""
    with write_transaction():
        reply = get_reply(id_of(reply))
        target = Person.get_or_none(Person.id == getattr(person, "id", person))
        if target is None:
            raise NotFound("not_found.person", person_id=getattr(person, "id", person))
        if target.mobile != reply.sender:
            raise Refused("other_number", name=target.full_name, person_id=target.id, sender=reply.sender)
        message = (
            Message.select()
            .where(_sms_sent_to(reply.sender, reply.received_at) & (Message.person == target.id))
            .order_by(Message.sent_at.desc(), Message.id.desc())
            .first()
        )
        Reply.update(
            person=target.id,
            message=message,
            reassigned_by=user,
            appointment=message.appointment_id if message else None,
            recall=message.recall_id if message else None,
        ).where(Reply.id == reply.id).execute()
        audit.record(user, "reply_reassigned", person=target.id, reply=reply.id)
        reply = get_reply(reply.id)
        if reply.action in (CONFIRMED, DECLINED):
            _act(reply)
    return reply


def appointment_replies(appointment: Appointment | int) -> list[Reply]:
    """The replies about an appointment, oldest first (its timeline)."""
    return list(
        Reply.select()
        .where(Reply.appointment == getattr(appointment, "id", appointment))
        .order_by(Reply.received_at, Reply.id)
    )


def conversation(person: Person | int, limit: int = 20) -> list[tuple[datetime, str, str]]:
    """The person's last SMS both ways, oldest first: (when, "out" or "in", text)."""
    person_id = getattr(person, "id", person)
    out = [
        (m.sent_at or m.created_at, "out", m.body)
        for m in Message.select(Message.sent_at, Message.created_at, Message.body)
        .where((Message.person == person_id) & (Message.channel == "sms"))
        .order_by(Message.id.desc())
        .limit(limit)
    ]
    back = [
        (r.received_at, "in", r.text)
        for r in Reply.select(Reply.received_at, Reply.text)
        .where(Reply.person == person_id)
        .order_by(Reply.id.desc())
        .limit(limit)
    ]
    return sorted(out + back, key=lambda row: row[0])[-limit:]


# "from" is a keyword: the functional form
InboxReply = TypedDict(
    "InboxReply",
    {
        "id": int,
        "from": str,
        "person_id": int | None,
        "text": str,
        "received_at": str | None,
        "message_id": int | None,
        "appointment_id": int | None,
        "action": str,
        "read_at": str | None,
    },
)


def reply_json(reply: Reply) -> InboxReply:
    """The CONTRACT.md ``inbox`` object (and whether the desk read it)."""
    return {
        "id": reply.id,
        "from": reply.sender,
        "person_id": reply.person_id,
        "text": reply.text,
        "received_at": clock.iso(reply.received_at),
        "message_id": reply.message_id,
        "appointment_id": reply.appointment_id,
        "action": reply.action,
        "read_at": clock.iso(reply.read_at),
    }


# --- whether patients can answer ---------------------------------------------------

RECEIVING_SETTING = "sms_replies"


def set_receiving(receiving: bool) -> None:
    """The delivering worker says whether its gateway takes replies (SMPP does, the mock not)."""
    from .models import Setting

    value = "on" if receiving else "off"
    (
        Setting.insert(key=RECEIVING_SETTING, value=value)
        .on_conflict(conflict_target=[Setting.key], update={Setting.value: value})
        .execute()
    )
