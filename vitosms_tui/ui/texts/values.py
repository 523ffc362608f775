"""The values of a refusal or a timeline line as the interface shows them.

Moments in Swiss form and Zurich time, amounts with the thousands mark, the
words the core stores as codes (a status, a purpose, a channel) in the
interface's language; text typed by people is cleaned of markup and escapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from ..i18n import CHANNEL_NAMES, N_, _, format_date, format_datetime, format_number
from ..sanitize import clean

STATUS_WORDS = {
    "queued": N_("queued"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "cancelled": N_("withdrawn"),
    "expired": N_("expired"),
    "booked": N_("booked"),
    "done": N_("done"),
}
PURPOSE_WORDS = {
    "free": N_("free text"),
    "reminder": N_("reminder"),
    "confirmation": N_("confirmation"),
    "recall": N_("recall"),
    "birthday": N_("birthday"),
}
# the forms a date field expects (core.dates)
FORM_WORDS = {
    "dd.mm.yyyy": N_("dd.mm.yyyy"),
    "dd.mm.yyyy HH:MM": N_("dd.mm.yyyy HH:MM"),
    "HH:MM": N_("HH:MM"),
    "HH:MM or dd.mm.yyyy HH:MM": N_("HH:MM or dd.mm.yyyy HH:MM"),
    "dd.mm.yyyy or HH:MM": N_("dd.mm.yyyy or HH:MM"),
}
# values named so hold one of these codes; the rest is shown as it is
WORDS: Mapping[str, Mapping[str, str]] = {
    "status": STATUS_WORDS,
    "state": STATUS_WORDS,
    "purpose": PURPOSE_WORDS,
    "kind": PURPOSE_WORDS,
    "channel": CHANNEL_NAMES,
    "form": FORM_WORDS,
}
# values that are amounts (ids and years are not: 1’234 would misread them)
AMOUNTS = frozenset({"amount", "available", "balance", "needed", "credits", "count", "limit", "held", "segments"})


def moment(value: object) -> str:
    """An instant (or its ISO text) as ``02.12.2026 11:00`` in Zurich; other text as it is."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return clean(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    return clean(str(value))


def shown(name: str, value: object) -> str:
    """One value for the interface."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, int) and not isinstance(value, bool) and name in AMOUNTS:
        return format_number(value)
    words = WORDS.get(name)
    if words is not None and isinstance(value, str) and value in words:
        return _(words[value])
    if name in ("when", "start", "until", "at"):
        return moment(value)
    return clean(str(value))


def shown_values(values: Mapping[str, object]) -> dict[str, str]:
    return {name: shown(name, value) for name, value in values.items()}


def render(template: str, values: Mapping[str, object]) -> str:
    """``template`` (an English msgid) in the interface's language with ``values`` filled in."""
    return _(template).format(**shown_values(values))
