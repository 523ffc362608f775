"""Failed messages that need the desk: dealt with by a resend that succeeds, or by hand.

Which messages need attention is the journal's query
(:func:`journal.needs_attention`); the status line counts the same set and
``messages --attention`` lists it. A failure the desk has dealt with some
other way (it phoned the patient, say) is marked done here: who and when go
into the message's timeline, and it leaves the list.
"""

from __future__ import annotations

from . import audit, clock
from .db import write_transaction
from .errors import NotFound, Refused
from .events import add_event
from .models import CONSENT_PURPOSES, Message, Person
from .states import Status

OTHER_CHANNEL = {"sms": "email", "email": "sms"}


def mark_done(message_id: int, user: str) -> Message:
    """Take a failed message out of "needs attention" (refused for any other state)."""
    with write_transaction():
        message = Message.get_or_none(Message.id == message_id)
        if message is None:
            raise NotFound("not_found.message", message_id=message_id)
        if message.status != Status.FAILED:
            raise Refused("not_failed", message_id=message.id, status=message.status)
        if message.attention_done_at is not None:
            return message  # marked already: once is enough, the first one is kept
        now = clock.now()
        Message.update(attention_done_by=user, attention_done_at=now).where(
            (Message.id == message.id) & Message.attention_done_at.is_null()
        ).execute()
        add_event(message, "dealt_with", f"marked done by {user}", {"user": user})
        audit.record(user, "attention_done", mandant=message.mandant_id, person=message.person_id, message=message.id)
    return Message.get_by_id(message.id)


def resend_obstacle(message: Message, person: Person | None, other: bool = False) -> str:
    """Why sending a failed message again (``other``: on the other channel) cannot work: the
    outbox's refusal code, or "" when it can. Screens ask before they offer the choice.

    ``person`` is the message's person as it is now (None: it has none); only its
    mobile, e-mail, deceased mark and consents are read.
    """
    if person is None and other:
        return "no_person"
    if person is not None:
        if person.deceased:
            return "deceased"
        if message.purpose in CONSENT_PURPOSES and not person.consents(message.purpose):
            return "no_consent"
        if other and not (person.mobile if OTHER_CHANNEL[message.channel] == "sms" else person.email):
            return "no_address"
    # a birthday keeps its day, a reminder its appointment: past its moment it would only expire
    if message.expires_at is not None and message.expires_at <= clock.now():
        return "expired"
    return ""
