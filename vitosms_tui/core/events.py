"""Lines of a message's timeline (:class:`MessageEvent`), written by the outbox and the workers.

Each line has its kind, an English detail (``vitosms appointment show`` and older
readers read it) and the detail's values as JSON (``data``), from which the
interface says the line in its own language (:mod:`.coded`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import bulk, clock
from .coded import dumps
from .models import Message, MessageEvent

# (message id, kind, detail) or (message id, kind, detail, values)
EventRow = tuple[int, str, str] | tuple[int, str, str, Mapping[str, Any] | None]

_COLUMNS = (MessageEvent.message, MessageEvent.at, MessageEvent.kind, MessageEvent.detail, MessageEvent.data)


def add_event(
    message: Message | int, kind: str, detail: str = "", values: Mapping[str, Any] | None = None
) -> MessageEvent:
    data = dumps(values) if values is not None else None
    return MessageEvent.create(message=message, kind=kind, detail=detail, data=data)


def add_events(rows: Sequence[EventRow]) -> None:
    """Many timeline lines at once (see :mod:`.bulk`)."""
    at = clock.now()
    bulk.insert(MessageEvent, _COLUMNS, [(row[0], at, row[1], row[2], _data(row)) for row in rows])


def _data(row: EventRow) -> str | None:
    values = row[3] if len(row) > 3 else None
    return dumps(values) if values is not None else None
