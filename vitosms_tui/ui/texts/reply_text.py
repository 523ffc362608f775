"""Patients' SMS answers in words: their action, a line per answer, the conversation.

Shared by the inbox, the appointment detail and Compose (the conversation
above the text when the desk writes back: widgets/conversation.py).
"""

from __future__ import annotations

from rich.text import Text

from ...core import replies
from ..i18n import N_, _, format_datetime
from ..sanitize import plain

ACTION_NAMES = {
    "confirmed": N_("confirmed"),
    "declined": N_("declined"),
    "stop": N_("STOP: no more SMS"),
    "none": N_("to read"),
}
ACTION_STYLES = {"confirmed": "green", "declined": "bold red", "stop": "bold yellow", "none": ""}


def action_text(action: str) -> Text:
    return Text(_(ACTION_NAMES.get(action, action)), style=ACTION_STYLES.get(action, ""), end="")


def reply_line(reply) -> Text:
    """``03.12.2026 10:15 · declined · "Nein, leider nicht"``."""
    line = Text(f"{format_datetime(reply.received_at)} · ", end="")
    line.append_text(action_text(reply.action))
    line.append(" · ")
    line.append_text(plain(" ".join(reply.text.split()), style="italic"))
    return line


def conversation_text(person_id: int) -> Text:
    """The person's last SMS both ways, oldest first: ours on the left, theirs marked ›."""
    rows = replies.conversation(person_id, limit=6)
    text = Text(end="")
    if not rows:
        return text
    text.append(_("Conversation") + "\n", "bold")
    for at, way, body in rows:
        who = _("Practice") if way == "out" else _("Patient")
        text.append(f"{format_datetime(at)} {who:<8} ", "dim" if way == "out" else "bold")
        text.append_text(plain(" ".join(body.split()), style="" if way == "out" else "italic"))
        text.append("\n")
    return text
