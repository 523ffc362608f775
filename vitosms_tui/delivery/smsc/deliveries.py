"""What the SMSC simulator delivers to the practice: receipts and handset replies.

Each waits in a queue until its moment, goes as a ``deliver_sm`` to any
session of the practice bound as transceiver or receiver, and leaves the queue
only when that session answered ``deliver_sm_resp`` with status 0: a lost
link or an unanswered PDU puts it back, so it comes again on the next link
(or another worker's).
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from . import codec

RECEIPT, REPLY = 0x04, 0x00  # esm_class: SMSC delivery receipt, or a plain SMS
RESEND_AFTER = 10.0  # seconds without deliver_sm_resp: offer it again


@dataclass
class Delivery:
    due: float  # time.monotonic()
    body: bytes | None  # the deliver_sm body (None: ask ``make`` when due)
    what: str  # for the events file: "receipt" or "reply <id>"
    make: Callable[[], bytes | None] | None = None
    session: object | None = None
    sequence: int = 0
    key: int = field(default_factory=itertools.count().__next__)


def _smpp_date(instant: datetime) -> str:
    return instant.astimezone().strftime("%y%m%d%H%M")


def receipt_body(
    part_id: str, handset: str, sender: str, delivered: bool, submitted: datetime, done: datetime
) -> bytes:
    """The receipt of one part: the usual text (without the message) and the two TLVs."""
    stat, state = ("DELIVRD", codec.STATE_DELIVERED) if delivered else ("UNDELIV", codec.STATE_UNDELIVERABLE)
    text = (
        f"id:{part_id} sub:001 dlvrd:{1 if delivered else 0:03d} "
        f"submit date:{_smpp_date(submitted)} done date:{_smpp_date(done)} "
        f"stat:{stat} err:{0 if delivered else 1:03d} text:"
    )
    tlvs = codec.tlv(codec.TAG_RECEIPTED_MESSAGE_ID, codec.cstring(part_id)) + codec.tlv(
        codec.TAG_MESSAGE_STATE, bytes([state])
    )
    source_ton, source = (1, handset.lstrip("+")) if handset.startswith("+") else (0, handset)
    dest_ton, dest = (1, sender.lstrip("+")) if sender.lstrip("+").isdigit() else (5, sender)
    return codec.deliver_sm_body(source, source_ton, dest, dest_ton, RECEIPT, 0, text.encode("ascii"), tlvs)


class DeliveryQueue:
    """Deliveries by due time (a heap: thousands may wait for their receipt delay)."""

    def __init__(self) -> None:
        self.items: dict[int, Delivery] = {}
        self._heap: list[tuple[float, int]] = []
        self._sent: dict[tuple[int, int], int] = {}  # (session id, sequence) -> key

    def _at(self, item: Delivery, due: float) -> None:
        item.due = due
        heapq.heappush(self._heap, (due, item.key))

    def add(
        self, body: bytes | None, what: str, delay: float = 0.0, make: Callable[[], bytes | None] | None = None
    ) -> None:
        item = Delivery(0.0, body, what, make)
        self.items[item.key] = item
        self._at(item, time.monotonic() + delay)

    def due(self) -> list[Delivery]:
        """The deliveries to send now: their moment came, or their answer did not."""
        now, ready = time.monotonic(), []
        while self._heap and self._heap[0][0] <= now:
            due, key = heapq.heappop(self._heap)
            item = self.items.get(key)
            if item is not None and item.due == due:  # else answered, or moved to another time
                ready.append(item)
        return ready

    def later(self, item: Delivery, seconds: float) -> None:
        """Not now (no session to take it, or its body is not decided yet)."""
        self._at(item, time.monotonic() + seconds)

    def sent(self, item: Delivery, session: object, sequence: int) -> None:
        item.session, item.sequence = session, sequence
        self._sent[(id(session), sequence)] = item.key
        self._at(item, time.monotonic() + RESEND_AFTER)  # unless answered before

    def answered(self, session: object, sequence: int, status: int) -> Delivery | None:
        """The session answered one of its deliveries: done when the status is 0."""
        item = self.items.get(self._sent.pop((id(session), sequence), -1))
        if item is None or item.session is not session:
            return None
        if status == codec.OK:
            return self.items.pop(item.key)
        self.later(item, 1.0)  # refused: offer it again after a while
        return None

    def lost(self, session: object) -> None:
        """The session is gone: what it did not acknowledge goes again at once."""
        for item in self.items.values():
            if item.session is session:
                item.session = None
                self.later(item, 0.0)
        self._sent = {k: v for k, v in self._sent.items() if k[0] != id(session)}
