"""What the SMSC delivers to us: delivery receipts and patients' replies.

A receipt is written to ``STATE/smpp-receipts.jsonl`` before the SMSC gets
its ``deliver_sm_resp``: when the worker dies in between, the SMSC sends the
receipt again (it was not acknowledged); when it dies after, the next worker
reads the file. Every worker asks for the reports of all messages awaiting
one, so a receipt that came in on another worker's link (same state folder)
or before a restart still finds its message by the provider's id.

A long SMS has one provider id per part (stored space-separated); its report
is complete when every part's receipt is in: delivered when all parts are.

Anything else the SMSC delivers is a patient's reply: it is kept, whole, in
``STATE/sms-inbound.jsonl`` (0600) for the inbox, and never logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from aiosmpplib import DeliverSm

from ...core import clock
from ...core.phone import mask_number
from ...core.sending import DeliveryReport
from ..jsonl import Tail, append_lines

log = logging.getLogger("vitosms.delivery.smpp")

RECEIPTS_FILE = "smpp-receipts.jsonl"
INBOUND_FILE = "sms-inbound.jsonl"
RECEIPTED_MESSAGE_ID = 0x001E
MESSAGE_STATE = 0x0427
REPLY_ID = 0x1501  # the SMSC's id of a reply, where it sends one (our simulator does)
# message_state values (SMPP 3.4, 5.2.28) and the receipt's stat: words
_FINAL_STATES = {2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 7: "UNKNOWN", 8: "REJECTD"}
_FINAL_WORDS = set(_FINAL_STATES.values())


def _tlv(message: DeliverSm, tag: int) -> Any:  # aiosmpplib is untyped: str, int or bytes by tag
    for param in message.optional_params or []:
        if param.tag == tag:
            return param.value
    return None


def read_receipt(message: DeliverSm) -> tuple[str, str] | None:
    """``(provider id, final state word)`` of a receipt; None for an intermediate one."""
    fields = message.parse_receipt()
    provider_id = _tlv(message, RECEIPTED_MESSAGE_ID) or fields.get("id")
    state = _FINAL_STATES.get(_tlv(message, MESSAGE_STATE) or 0)
    if state is None:
        word = str(fields.get("stat", "")).upper()
        state = word if word in _FINAL_WORDS else None
    if not provider_id or state is None:
        return None
    return str(provider_id).strip(), state


class ReceiptBook:
    """The receipts come in over the link; the reports go out to the worker."""

    def __init__(self, state_dir: Path | str):
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = self.state_dir / RECEIPTS_FILE
        self.inbound_path = self.state_dir / INBOUND_FILE
        self._tail = Tail(self.path)
        self._states: dict[str, tuple[str, datetime]] = {}  # part id -> (state, at)

    async def take(self, message: DeliverSm) -> int:
        """Store a receipt or a reply; the command status of our deliver_sm_resp."""
        if not message.is_receipt():
            self._store_reply(message)
            return 0
        receipt = read_receipt(message)
        if receipt is None:  # an intermediate state (ENROUTE, ACCEPTD): nothing to record
            return 0
        provider_id, state = receipt
        at = clock.now()
        if provider_id not in self._states:
            append_lines(self.path, [json.dumps({"id": provider_id, "stat": state, "at": clock.iso(at)}) + "\n"])
            self._states[provider_id] = (state, at)
        return 0

    def _store_reply(self, message: DeliverSm) -> None:
        text = message.short_message or message.message_payload
        ref = _tlv(message, REPLY_ID)
        if isinstance(ref, bytes):
            ref = ref.decode("ascii", "replace")
        append_lines(
            self.inbound_path,
            [
                json.dumps(
                    {
                        "from": "+" + message.source.number.lstrip("+"),
                        "to": message.destination.number,
                        "text": text,
                        "at": clock.iso(clock.now()),
                        "ref": str(ref).strip("\x00 ") or None if ref is not None else None,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            ],
        )
        log.info("SMS reply from %s stored", mask_number("+" + message.source.number.lstrip("+")))

    def _refresh(self) -> None:
        for line in self._tail.new_lines():
            try:
                self._states.setdefault(line["id"], (line["stat"], datetime.fromisoformat(line["at"])))
            except (KeyError, TypeError, ValueError):
                log.warning("skipping an incomplete line in %s", RECEIPTS_FILE)

    def reports(self, provider_ids: Sequence[str]) -> list[DeliveryReport]:
        """The reports complete now: every part of the message has its final receipt."""
        self._refresh()
        reports = []
        for provider_id in provider_ids:
            parts = [self._states.get(part) for part in provider_id.split()]
            known = [part for part in parts if part is not None]
            if not parts or len(known) < len(parts):
                continue
            failed = [state for state, _ in known if state != "DELIVRD"]
            at = max(at for _, at in known)
            error = f"delivery receipt: {failed[0]}" if failed else None
            reports.append(DeliveryReport(provider_id, not failed, at, error))
        return reports
