"""Lines of a message's timeline (:class:`MessageEvent`), written by the outbox and the workers."""

from __future__ import annotations

from . import bulk, clock
from .models import Message, MessageEvent

_COLUMNS = (MessageEvent.message, MessageEvent.at, MessageEvent.kind, MessageEvent.detail)


def add_event(message: Message | int, kind: str, detail: str = "") -> MessageEvent:
    return MessageEvent.create(message=message, kind=kind, detail=detail)


def add_events(rows: list[tuple[int, str, str]]) -> None:
    """Many ``(message_id, kind, detail)`` timeline lines at once (see :mod:`.bulk`)."""
    at = clock.now()
    bulk.insert(MessageEvent, _COLUMNS, [(message_id, at, kind, detail) for message_id, kind, detail in rows])
