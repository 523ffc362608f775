"""Patients' replies from the SMSC's file into the database (``core.replies``).

The SMPP link writes every reply to ``STATE/sms-inbound.jsonl`` before it
acknowledges it to the SMSC (``smpp.receipts``), so nothing is lost when the
worker dies. The worker then reads the new lines on its database thread and
stores each reply once: a restarted worker reads the file again from the
start, and the database keeps what it has by the reply's key.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core import replies
from ..core.replies import Incoming
from .jsonl import Tail
from .smpp.receipts import INBOUND_FILE

log = logging.getLogger("vitosms.delivery.replies")


def incoming_of(line: dict[str, Any]) -> Incoming | None:
    """One line of the file as a reply; None for a damaged one."""
    try:
        sender, text = str(line["from"]), line["text"]
        received_at = datetime.fromisoformat(line["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if not isinstance(text, str) or not sender.lstrip("+").isdigit():
        return None
    return Incoming(
        sender=sender,
        text=text,
        received_at=received_at,
        link=f"smpp:{line.get('to') or ''}",
        ref=line.get("ref") or None,
    )


class ReplyIntake:
    """Reads the replies the link stored since the last look."""

    def __init__(self, state_dir: Path | str):
        self._tail = Tail(Path(state_dir) / INBOUND_FILE)

    def take(self) -> int:
        """Store the new replies (on the database thread); how many were new."""
        lines = self._tail.new_lines()
        incoming = [found for found in map(incoming_of, lines) if found is not None]
        if len(incoming) < len(lines):
            log.warning("skipping %d damaged line(s) in %s", len(lines) - len(incoming), INBOUND_FILE)
        return len(replies.receive_all(incoming)) if incoming else 0
