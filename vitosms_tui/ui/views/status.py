"""What the status line says, read from the database (in the app's thread worker, or once at start)."""

from __future__ import annotations

from ...core import clock, credits, journal, quiet_hours, replies
from ...core.db import connection
from ...core.models import Mandant
from ..widgets.status_line import Status


def read_status(
    user: str, mandant_id: int | None, warnings: tuple[str, ...]
) -> tuple[Mandant | None, Status, int | None]:
    """The Mandant as stored now, the status line's content and the newest patient's answer.

    The balance is a cheap sum over an index; the Mandant is read again because
    its name, threshold or "active" may have been changed at another desk.
    """
    with connection():
        mandant = Mandant.get_or_none(Mandant.id == mandant_id) if mandant_id is not None else None
        attention, (newest, unread) = journal.attention_count(), replies.marker()
        now = clock.now()
        if mandant is None:
            return None, Status(user=user, now=now, attention=attention, warnings=warnings, unread=unread), newest
        balance = credits.balance(mandant)
        quiet = quiet_hours.next_allowed_at_or_after(now, mandant) if quiet_hours.in_quiet_hours(now, mandant) else None
        status = Status(
            user=user,
            mandant_code=mandant.code,
            mandant_name=mandant.name,
            balance=balance,
            low=credits.is_low(mandant, balance),
            now=now,
            attention=attention,
            warnings=warnings,
            quiet_until=quiet,
            unread=unread,
        )
    return mandant, status, newest
