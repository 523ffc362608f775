"""What the SMSC simulator delivers to the practice: receipts and handset replies.

Each waits in a queue until its moment, goes as a ``deliver_sm`` to any
session of the practice bound as transceiver or receiver, and leaves the queue
only when that session answered ``deliver_sm_resp`` with status 0: a lost
link or an unanswered PDU puts it back, so it comes again on the next link
(or another worker's).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from . import codec

RECEIPT, REPLY = 0x04, 0x00  # esm_class: SMSC delivery receipt, or a plain SMS
RESEND_AFTER = 10.0  # seconds without deliver_sm_resp: offer it again


@dataclass
class Delivery:
    due: float                  # time.monotonic()
    body: bytes | None          # the deliver_sm body (None: ask ``make`` when due)
    what: str                   # for the events file: "receipt" or "reply <id>"
    make: Callable[[], bytes | None] | None = None
    sent_at: float | None = None
    session: object | None = None
    sequence: int = 0
    key: int = field(default_factory=itertools.count().__next__)


def _smpp_date(instant: datetime) -> str:
    return instant.astimezone().strftime("%y%m%d%H%M")


def receipt_body(part_id: str, handset: str, sender: str, delivered: bool,
                 submitted: datetime, done: datetime) -> bytes:
    """The receipt of one part: the usual text (without the message) and the two TLVs."""
    stat, state = ("DELIVRD", codec.STATE_DELIVERED) if delivered else ("UNDELIV", codec.STATE_UNDELIVERABLE)
    text = (f"id:{part_id} sub:001 dlvrd:{1 if delivered else 0:03d} "
            f"submit date:{_smpp_date(submitted)} done date:{_smpp_date(done)} "
            f"stat:{stat} err:{0 if delivered else 1:03d} text:")
    tlvs = (codec.tlv(codec.TAG_RECEIPTED_MESSAGE_ID, codec.cstring(part_id))
            + codec.tlv(codec.TAG_MESSAGE_STATE, bytes([state])))
    source_ton, source = (1, handset.lstrip("+")) if handset.startswith("+") else (0, handset)
    dest_ton, dest = (1, sender.lstrip("+")) if sender.lstrip("+").isdigit() else (5, sender)
    return codec.deliver_sm_body(source, source_ton, dest, dest_ton, RECEIPT, 0,
                                 text.encode("ascii"), tlvs)


class DeliveryQueue:
    """Deliveries waiting for their moment and for a bound session to take them."""

    def __init__(self):
        self.waiting: dict[int, Delivery] = {}

    def add(self, body: bytes | None, what: str, delay: float = 0.0,
            make: Callable[[], bytes | None] | None = None) -> None:
        item = Delivery(time.monotonic() + delay, body, what, make)
        self.waiting[item.key] = item

    def due(self) -> list[Delivery]:
        """The deliveries to send now: their moment came and none is on its way."""
        now = time.monotonic()
        ready = []
        for item in self.waiting.values():
            if item.due > now:
                continue
            if item.sent_at is not None and now - item.sent_at < RESEND_AFTER \
                    and not getattr(item.session, "closed", True):
                continue
            ready.append(item)
        return ready

    def sent(self, item: Delivery, session, sequence: int) -> None:
        item.sent_at, item.session, item.sequence = time.monotonic(), session, sequence

    def answered(self, session, sequence: int, status: int) -> Delivery | None:
        """The session answered one of its deliveries: done when the status is 0."""
        for item in self.waiting.values():
            if item.session is session and item.sequence == sequence:
                if status == codec.OK:
                    return self.waiting.pop(item.key)
                item.sent_at = None  # refused: offer it again after a while
                item.due = time.monotonic() + 1.0
                return None
        return None
