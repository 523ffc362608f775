"""Each Mandant's CalDAV calendar: remembered by ``vitosms sync caldav``, read
again by the worker every ``every_minutes``, with its last run and error kept
for the service settings. No password is stored here: it stays in the config
file (or ``VITOSMS_CALDAV_PASSWORD``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import peewee as pw

from . import audit, clock
from .db import write_transaction
from .mandanten import get_mandant
from .models import CalendarSync, Mandant

if TYPE_CHECKING:
    from .appointment_sync import SyncReport


def remember_sync(mandant: str, url: str, login: str, moved: str, every: int | None, user: str = "") -> CalendarSync:
    """Keep the calendar of a Mandant; ``every`` None keeps the interval it had (0 when new)."""
    target = get_mandant(mandant)
    with write_transaction():
        sync = CalendarSync.get_or_none(CalendarSync.mandant == target)
        if sync is None:
            sync = CalendarSync(mandant=target, every_minutes=0)
        sync.url, sync.login, sync.moved = url, login or "", moved
        if every is not None:
            sync.every_minutes = every
        sync.save()
        audit.record(user, "calendar_sync_set", mandant=target, every_minutes=sync.every_minutes)
    return sync


def record_run(sync_id: int, report: SyncReport | None, error: str | None) -> None:
    """Note how a run went: its counts, or its one-line error."""
    stamp = clock.now()
    changes: dict[pw.Field[Any], object] = {CalendarSync.last_run_at: stamp, CalendarSync.last_error: error}
    if report is not None:
        counts = {k: v for k, v in report.items() if isinstance(v, int) and not isinstance(v, bool)}
        counts["rejected"] = len(report.get("rejected", []))
        changes[CalendarSync.last_result] = json.dumps(counts)
        changes[CalendarSync.last_ok_at] = stamp
    with write_transaction():
        CalendarSync.update(changes).where(CalendarSync.id == sync_id).execute()


def due_syncs(now: datetime | None = None) -> list[CalendarSync]:
    """The calendars whose interval has passed since their last run."""
    now = clock.to_utc(now or clock.now())
    query = (
        CalendarSync.select(CalendarSync, Mandant)
        .join(Mandant)
        .where((CalendarSync.every_minutes > 0) & (Mandant.active == True))
    )  # noqa: E712
    return [
        s
        for s in query.order_by(CalendarSync.id)
        if s.last_run_at is None or s.last_run_at + timedelta(minutes=s.every_minutes) <= now
    ]


def sync_of(mandant_id: int) -> CalendarSync | None:
    """The calendar remembered for this Mandant, if any."""
    sync: CalendarSync | None = (
        CalendarSync.select(CalendarSync, Mandant).join(Mandant).where(CalendarSync.mandant == mandant_id).first()
    )
    return sync


def list_syncs() -> list[CalendarSync]:
    """Every Mandant's calendar, by Mandant code (the service settings' table)."""
    return list(CalendarSync.select(CalendarSync, Mandant).join(Mandant).order_by(Mandant.code))


def last_counts(sync: CalendarSync) -> dict[str, int]:
    try:
        counts: dict[str, int] = json.loads(sync.last_result) if sync.last_result else {}
        return counts
    except ValueError:
        return {}
