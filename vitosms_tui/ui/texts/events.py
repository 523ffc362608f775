"""A message's timeline and the ledger's notes, in the interface language.

The core stores each timeline line as a kind ("queued", "claimed", …), an
English detail for the command line and the detail's values (JSON); the ledger
likewise stores its note in English with a code and values. Both are said here
from the code and the values, with Swiss dates. A row written before the codes
existed, and a note a person typed, is shown as stored: nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ...core.coded import loads
from ..i18n import CHANNEL_NAMES, N_, _, ngettext
from ..sanitize import clean
from .faults import fault_text
from .values import moment

# why a message was withdrawn (outbox.withdraw's reasons) and how a message ended
_WHY = {
    "withdrawn": N_("withdrawn"),
    "withdrawn at the desk": N_("withdrawn at the desk"),
    "appointment moved": N_("appointment moved"),
    "appointment cancelled": N_("appointment cancelled"),
    "failed": N_("failed"),
    "expired": N_("expired"),
    "cancelled": N_("withdrawn"),
}
# the notes that the program itself writes into the ledger
_NOTES = {
    "demo_start": N_("demo starting credits"),
    "demo_history": N_("demo credits for the history of messages"),
    "legacy": N_("SMS balance of the old version"),
}

Values = Mapping[str, Any]


class TimelineLine(Protocol):
    kind: str
    detail: str
    data: str | None


def _credits(count: object) -> str:
    number = int(str(count))
    return ngettext("{count} credit", "{count} credits", number).format(count=number)


def _why(text: object) -> str:
    return _(_WHY[str(text)]) if str(text) in _WHY else clean(text)


def _who(values: Values, name: str) -> str:
    return clean(values.get(name, ""))


def _queued(values: Values, detail: str) -> str:
    who, credits = _who(values, "user"), _credits(values.get("credits", 0))
    if values.get("at"):
        return _("by {who}, {credits}, for {when}").format(who=who, credits=credits, when=moment(values["at"]))
    return _("by {who}, {credits}").format(who=who, credits=credits)


def _claimed(values: Values, detail: str) -> str:
    text = _("attempt {count} by {who}").format(count=values.get("attempt", ""), who=_who(values, "worker"))
    if values.get("expired"):
        text += _("; the hold of {who} had run out").format(who=_who(values, "expired"))
    return text


def _sent(values: Values, detail: str) -> str:
    who = _who(values, "worker")
    if values.get("provider_id"):
        return _("by {who}, provider's reference {reference}").format(who=who, reference=_who(values, "provider_id"))
    return _("by {who}").format(who=who)


def _error(values: Values, detail: str) -> str:
    stored = detail.partition(": ")[2]
    error = fault_text(values.get("fault"), values, stored)
    return _("attempt {count}: {error}").format(count=values.get("attempt", ""), error=error)


def _retry(values: Values, detail: str) -> str:
    seconds = f"{float(values.get('seconds', 0)):g}"
    return _("in {seconds} s, at {when}").format(seconds=seconds, when=moment(values.get("at", "")))


def _delivered(values: Values, detail: str) -> str:
    if values.get("at"):
        return _("delivery report of {when}").format(when=moment(values["at"]))
    return _("delivery report")


def _resent(values: Values, detail: str) -> str:
    if "from_id" in values:
        return _("from message {id}").format(id=values["from_id"])
    if "queued_as_id" in values:
        return _("queued as message {id} after all").format(id=values["queued_as_id"])
    channel = str(values.get("channel", ""))
    name = _(CHANNEL_NAMES[channel]) if channel in CHANNEL_NAMES else clean(channel)
    return _("as message {id} ({channel})").format(id=values.get("as_id", ""), channel=name)


def _ended(values: Values, detail: str) -> str:
    return fault_text(values.get("fault"), values, detail)


_KINDS: dict[str, Callable[[Values, str], str]] = {
    "queued": _queued,
    "claimed": _claimed,
    "sent": _sent,
    "error": _error,
    "retry": _retry,
    "delivered": _delivered,
    "refunded": lambda values, detail: _credits(values.get("credits", 0)),
    "cancelled": lambda values, detail: _("{why} by {who}").format(
        why=_why(values.get("why")), who=_who(values, "user")
    ),
    "resent": _resent,
    "released": lambda values, detail: _("not begun by {who}, which stopped").format(who=_who(values, "worker")),
    "failed": _ended,
    "expired": _ended,
    "skipped": _ended,
    "held": lambda values, detail: _("quiet hours: waits until {when}").format(when=moment(values.get("until", ""))),
    "dealt_with": lambda values, detail: _("marked done by {who}").format(who=_who(values, "user")),
}


def event_text(line: TimelineLine) -> str:
    """A timeline line's detail in the interface language (as stored for a row without values)."""
    values = loads(line.data)
    render = _KINDS.get(line.kind)
    if values is None or render is None:
        return clean(line.detail)
    return render(values, line.detail or "")


def ledger_note(note: str | None, code: str | None = None, data: str | None = None) -> str:
    """A ledger note in the interface language; a typed note, or one written before codes, stays as stored."""
    values = loads(data) or {}
    if code in _NOTES:
        return _(_NOTES[code])
    if code == "message":
        return _("message {id} {why}").format(id=values.get("message_id", ""), why=_why(values.get("why")))
    if code == "package":
        return _("package {name}").format(name=clean(values.get("name", "")))
    return clean(note or "")
