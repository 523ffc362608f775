"""A message's timeline and the ledger's notes, in the interface language.

The core stores each timeline line as a kind ("queued", "claimed", …) and a
detail in a fixed English form with its values ("by root, 1 credit, for
2026-12-02T11:00:00+01:00"); the ledger likewise stores a kind and a note
("message 10 failed"). Those forms are stable (``vitosms credits ledger``
prints the notes as they are), so they are read back here into their values
and said again in the interface's language, with Swiss dates. A detail of
another form, e.g. written by an older version, is shown as stored: nothing
of an existing database is lost.
"""

from __future__ import annotations

import re
from datetime import datetime

from ..i18n import N_, _, format_datetime, ngettext
from .reasons import reason_text

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
    "demo starting credits": N_("demo starting credits"),
    "demo credits for the history of messages": N_("demo credits for the history of messages"),
    "legacy SMS balance": N_("SMS balance of the old version"),
}
_CHANNELS = {"sms": N_("SMS"), "email": N_("E-mail")}


def _moment(text: str) -> str:
    """An ISO instant as ``02.12.2026 11:00`` (as stored when it is none)."""
    try:
        return format_datetime(datetime.fromisoformat(text))
    except ValueError:
        return text


def _credits(count: str) -> str:
    return ngettext("{count} credit", "{count} credits", int(count)).format(count=count)


def _why(text: str) -> str:
    return _(_WHY[text]) if text in _WHY else text


def _queued(m: re.Match) -> str:
    if m["when"]:
        return _("by {who}, {credits}, for {when}").format(
            who=m["who"], credits=_credits(m["count"]), when=_moment(m["when"])
        )
    return _("by {who}, {credits}").format(who=m["who"], credits=_credits(m["count"]))


def _claimed(m: re.Match) -> str:
    text = _("attempt {count} by {who}").format(count=m["count"], who=m["who"])
    if m["old"]:
        text += _("; the hold of {who} had run out").format(who=m["old"])
    return text


def _sent(m: re.Match) -> str:
    if m["pid"]:
        return _("by {who}, provider's reference {reference}").format(who=m["who"], reference=m["pid"])
    return _("by {who}").format(who=m["who"])


def _resent_as(m: re.Match) -> str:
    channel = _(_CHANNELS[m["channel"]]) if m["channel"] in _CHANNELS else m["channel"]
    return _("as message {id} ({channel})").format(id=m["id"], channel=channel)


# (kind, the stored form, its rendering); kind None: any kind
_EVENT_FORMS = [
    ("queued", re.compile(r"by (?P<who>.+?), (?P<count>\d+) credits?(?:, for (?P<when>\S+))?"), _queued),
    ("claimed", re.compile(r"attempt (?P<count>\d+) by (?P<who>\S+?)(?:; lease of (?P<old>\S+) expired)?"), _claimed),
    ("sent", re.compile(r"by (?P<who>\S+?)(?:, provider id (?P<pid>.+))?"), _sent),
    (
        "error",
        re.compile(r"attempt (?P<count>\d+): (?P<error>.*)"),
        lambda m: _("attempt {count}: {error}").format(count=m["count"], error=reason_text(m["error"])),
    ),
    (
        "retry",
        re.compile(r"in (?P<seconds>[\d.]+) s, at (?P<when>\S+)"),
        lambda m: _("in {seconds} s, at {when}").format(seconds=m["seconds"], when=_moment(m["when"])),
    ),
    (
        "delivered",
        re.compile(r"report of (?P<when>\S+)"),
        lambda m: _("delivery report of {when}").format(when=_moment(m["when"])),
    ),
    ("delivered", re.compile(r"report"), lambda m: _("delivery report")),
    ("refunded", re.compile(r"(?P<count>\d+) credits?"), lambda m: _credits(m["count"])),
    (
        "cancelled",
        re.compile(r"(?P<why>.+) by (?P<who>.+)"),
        lambda m: _("{why} by {who}").format(why=_why(m["why"]), who=m["who"]),
    ),
    ("resent", re.compile(r"from message (?P<id>\d+)"), lambda m: _("from message {id}").format(id=m["id"])),
    ("resent", re.compile(r"as message (?P<id>\d+) \((?P<channel>\w+)\)"), _resent_as),
    (
        "resent",
        re.compile(r"queued as message (?P<id>\d+) after all"),
        lambda m: _("queued as message {id} after all").format(id=m["id"]),
    ),
    (
        "released",
        re.compile(r"not begun by (?P<who>\S+), which stopped"),
        lambda m: _("not begun by {who}, which stopped").format(who=m["who"]),
    ),
]


def event_detail(kind: str, detail: str | None) -> str:
    """A timeline line's detail in the interface language."""
    detail = detail or ""
    for form_kind, pattern, render in _EVENT_FORMS:
        if form_kind == kind:
            found = pattern.fullmatch(detail)
            if found:
                return render(found)
    return reason_text(detail)  # failed, expired, skipped, held, dealt_with: a reason or an answer


_MESSAGE_NOTE = re.compile(r"message (?P<id>\d+) (?P<why>.+)")
_PACKAGE_NOTE = re.compile(r"package (?P<name>.+)")


def ledger_note(note: str | None) -> str:
    """A ledger note in the interface language; a note typed by a person stays as typed."""
    note = note or ""
    if note in _NOTES:
        return _(_NOTES[note])
    found = _MESSAGE_NOTE.fullmatch(note)
    if found and found["why"] in _WHY:
        return _("message {id} {why}").format(id=found["id"], why=_why(found["why"]))
    found = _PACKAGE_NOTE.fullmatch(note)
    if found:
        return _("package {name}").format(name=found["name"])
    return note
