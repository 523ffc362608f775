"""The simulated handset answering the practice (``vitosms smsc reply``).

``vitosms smsc reply --from NUMBER --text TEXT`` appends the answer to
``STATE/sms-handset-replies.jsonl`` (0600); the running simulator picks it up
and delivers it as a ``deliver_sm`` to the practice's link, to the sender that
last wrote to that number. A reply counts as delivered once the practice
acknowledged it (the events file says so), so a simulator started later, or
again, still delivers what was not yet taken, and nothing twice.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from ...core import clock
from ...core.errors import UsageError
from ...core.phone import normalize_mobile
from ...core.sms_text import analyse
from ...core.sms_wire import gsm7_septets
from ..gateways.mock import HANDSET_FILE
from ..jsonl import Tail, append_lines
from . import codec

REPLIES_FILE = "sms-handset-replies.jsonl"
DEFAULT_RECIPIENT = "Praxis"


@dataclass(frozen=True)
class Reply:
    id: str
    body: bytes  # the deliver_sm body


# what `vitosms smsc reply` prints ("from" is a keyword: the functional form)
QueuedReply = TypedDict("QueuedReply", {"id": str, "from": str})


def write_reply(state_dir: Path, number: str, text: str) -> QueuedReply:
    """Queue a handset's answer; refused (exit 2) when it is not one valid SMS."""
    number = normalize_mobile(number)  # refused (exit 1) with the reason when not a mobile
    if not text.strip():
        raise UsageError("usage.smsc_reply_empty")
    if analyse(text).segments > 1:
        raise UsageError("usage.smsc_reply_too_long")
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    reply_id = secrets.token_hex(8)
    reply = {"id": reply_id, "from": number, "text": text, "at": clock.iso(clock.now())}
    append_lines(state_dir / REPLIES_FILE, [json.dumps(reply, ensure_ascii=False) + "\n"])
    return {"id": reply_id, "from": number}


class HandsetReplies:
    """The replies not yet delivered, as deliver_sm bodies."""

    def __init__(self, state_dir: Path, events_path: Path):
        self._replies = Tail(state_dir / REPLIES_FILE)
        self._events = Tail(events_path)
        self._handset = Tail(state_dir / HANDSET_FILE)
        self._done: set[str | None] = set()  # a damaged event line adds None, which no reply has
        self._sender_of: dict[str, str] = {}  # number -> the practice's sender that wrote last

    def new_replies(self) -> list[Reply]:
        for event in self._events.new_lines():
            if event.get("event") == "reply delivered":
                self._done.add(event.get("reply"))
        for line in self._handset.new_lines():
            if line.get("to") and line.get("sender"):
                self._sender_of[line["to"]] = line["sender"]
        found = []
        for line in self._replies.new_lines():
            if line.get("id") in self._done or not line.get("from") or "text" not in line:
                continue
            found.append(Reply(line["id"], self._body(line["id"], line["from"], line["text"])))
        return found

    def _body(self, reply_id: str, number: str, text: str) -> bytes:
        recipient = self._sender_of.get(number, DEFAULT_RECIPIENT)
        if analyse(text).encoding == "gsm7":
            coding, octets = 0, gsm7_septets(text)
        else:
            coding, octets = 8, text.encode("utf-16-be", "surrogatepass")
        dest_ton = 1 if recipient.lstrip("+").isdigit() else 5
        # the reply's id goes along (our vendor TLV), as a provider's SMSC names its messages:
        # the practice keeps a reply once however often it comes
        return codec.deliver_sm_body(
            number.lstrip("+"),
            1,
            recipient.lstrip("+"),
            dest_ton,
            0x00,
            coding,
            octets,
            codec.tlv(codec.TAG_CLIENT_REF, codec.cstring(reply_id)),
        )
