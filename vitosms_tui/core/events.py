"""Lines of a message's timeline (:class:`MessageEvent`), written by the outbox and the workers."""

from __future__ import annotations

from . import clock
from .db import database
from .models import Message, MessageEvent


def add_event(message: Message | int, kind: str, detail: str = "") -> MessageEvent:
    return MessageEvent.create(message=message, kind=kind, detail=detail)


def add_events(rows: list[tuple[int, str, str]]) -> None:
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
        [(message_id, at, kind, detail) for message_id, kind, detail in rows],
    )
