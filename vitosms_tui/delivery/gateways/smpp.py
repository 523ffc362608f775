"""The SMS gateway of ``[sms] gateway = "smpp"``: any provider's SMSC over SMPP 3.4.

Each SMS goes out in exactly the parts that ``send`` counted and charged
(``core.sms_wire``), each part a ``submit_sm`` asking for a delivery receipt.
The answers, with the SMSC's code named in the journal:

* all parts accepted: sent, the provider's ids (space-separated) kept for the
  receipts;
* throttled (``0x58``): the window shrinks and the part is offered again after
  a short pause, without costing an attempt; after ``THROTTLE_TRIES`` pauses
  it is a passing fault;
* queue full, system error, no answer, lost link, bind refused: a passing
  fault, tried again with the worker's back-off;
* anything else (invalid destination, sender refused, …): permanent, failed
  and refunded.

Idempotency: SMPP has no reference a provider must honour. Every part carries
the message's idempotency key in the vendor TLV ``0x1501``; our simulator
keeps each SMS once by it, a real provider ignores it. What remains is the
window between an SMSC's acceptance and the worker recording it: a worker
killed there, or a link lost before the answer came, sends that SMS again
when its lease runs out. The answers are recorded in the next database batch
(milliseconds), so that window is as small as the protocol allows.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import secrets
from collections.abc import Sequence
from pathlib import Path

from aiosmpplib import NPI, TON, OptionalParam, PhoneNumber, SmppCommandStatus, SubmitSm

from ...core.phone import mask_number
from ...core.sending import DeliveryReport
from ...core.sms_settings import SmsSettings
from ...core.sms_wire import DATA_CODING_UCS2, wire_parts
from ..smpp.link import LinkDown, SmppLink, status_name
from ..smpp.receipts import ReceiptBook
from .base import ACCEPTED, PASSING, PERMANENT, Sms, SubmitResult

log = logging.getLogger("vitosms.delivery.smpp")

CLIENT_REF_TAG = 0x1501  # vendor-specific TLV range (0x1400-0x3FFF): the idempotency key
THROTTLE_TRIES = 6
THROTTLE_PAUSE = 0.2  # seconds, doubling per try
LISTEN_CHECK_SECONDS = 0.5
PROVIDER_ID_ROOM = 128  # Message.provider_id
# answers after which the same SMS may well go through later
PASSING_STATUSES = {
    SmppCommandStatus.ESME_RSYSERR,
    SmppCommandStatus.ESME_RMSGQFUL,
    SmppCommandStatus.ESME_RTHROTTLED,
    SmppCommandStatus.ESME_RINVBNDSTS,
    SmppCommandStatus.ESME_RX_T_APPN,
    0x00000045,  # ESME_RSUBMITFAIL
}


@functools.lru_cache(maxsize=4096)  # senders repeat; PhoneNumber checks cost per SMS
def address(number_or_name: str) -> PhoneNumber:
    """A number in international form, or an alphanumeric sender (TON 5)."""
    digits = number_or_name.lstrip("+")
    if digits.isdigit():
        return PhoneNumber(digits, TON.INTERNATIONAL, NPI.ISDN)
    return PhoneNumber(number_or_name, TON.ALPHANUMERIC, NPI.UNKNOWN)


class SmppGateway:
    """Submits over one :class:`SmppLink`; receipts through a :class:`ReceiptBook`."""

    name = "smpp"

    def __init__(self, settings: SmsSettings, state_dir: Path | str):
        self.settings = settings
        self.book = ReceiptBook(state_dir)
        self.reply_folder = Path(state_dir)  # patients' replies are kept there (worker: reply_intake)
        self.link = SmppLink(settings, self.book.take)
        # the concatenation reference: different for messages sent close together
        self._references = itertools.count(secrets.randbelow(256))
        self._listener: asyncio.Task[None] | None = None

    async def send_many(self, batch: Sequence[Sms]) -> list[SubmitResult]:
        return list(await asyncio.gather(*(self._send(sms) for sms in batch)))

    async def _send(self, sms: Sms) -> SubmitResult:
        try:
            coding, messages = wire_parts(sms.text, next(self._references), packed=self.settings.gsm7_packed)
            source, destination = address(sms.sender), address(sms.to)
        except (KeyError, ValueError) as error:  # e.g. a sender longer than SMPP allows
            return SubmitResult(sms.client_ref, PERMANENT, error=f"not sendable over SMPP: {error}")
        if len(messages) != sms.segments:
            log.warning("SMS %s: %d parts on the wire, %d counted", sms.client_ref, len(messages), sms.segments)
        if len(messages) == 1:  # most SMS: no task per part
            answers = [await self._submit_part(sms, source, destination, coding, messages[0], False)]
        else:
            answers = await asyncio.gather(
                *(self._submit_part(sms, source, destination, coding, part, True) for part in messages)
            )
        errors = [(outcome, error) for outcome, _, error in answers if outcome != ACCEPTED]
        if errors:
            outcome = PERMANENT if any(o == PERMANENT for o, _ in errors) else PASSING
            reason = next(e for o, e in errors if o == outcome)
            log.info("SMS to %s: %s (%s)", mask_number(sms.to), outcome, reason)
            return SubmitResult(sms.client_ref, outcome, error=reason)
        ids = " ".join(message_id for _, message_id, _ in answers)
        if len(ids) > PROVIDER_ID_ROOM:
            # rare: long ids times many parts; the last part's receipt then speaks for all
            ids = answers[-1][1]
        return SubmitResult(sms.client_ref, ACCEPTED, ids)

    async def _submit_part(
        self, sms: Sms, source: PhoneNumber, destination: PhoneNumber, coding: int, octets: bytes, concatenated: bool
    ) -> tuple[str, str, str | None]:
        """(outcome, the SMSC's message id or "", what went wrong or None)"""
        try:
            message = SubmitSm(
                # the text travels in the octets set below; short_message only names the part
                short_message=sms.client_ref,
                source=source,
                destination=destination,
                esm_class=0x40 if concatenated else 0,
                registered_delivery=1,
                encoding="ucs2" if coding == DATA_CODING_UCS2 else None,
                auto_message_payload=False,
                optional_params=[OptionalParam(CLIENT_REF_TAG, sms.client_ref)],
            )
        except ValueError as error:  # a field SMPP cannot carry: no retry can help
            return PERMANENT, "", f"not sendable over SMPP: {error}"
        message.set_encoded_message(octets)
        attempt = 0
        while True:
            try:
                status, message_id = await self.link.submit(message)
            except LinkDown as error:
                return PASSING, "", f"SMSC: {error}"
            if status == 0 and message_id:
                return ACCEPTED, message_id, None
            if status == SmppCommandStatus.ESME_RTHROTTLED and attempt < THROTTLE_TRIES:
                await asyncio.sleep(THROTTLE_PAUSE * 2**attempt)
                attempt += 1
                continue
            if status == 0:
                return PASSING, "", "SMSC: accepted without a message id"
            kind = PASSING if status in PASSING_STATUSES else PERMANENT
            return kind, "", f"SMSC: {status_name(status)}"

    async def reports(self, provider_ids: Sequence[str]) -> list[DeliveryReport]:
        return self.book.reports(provider_ids)

    def listen(self) -> None:
        """Keep the link bound while the worker runs, also with nothing to send:
        receipts (also those from before a restart) and replies come in over it."""
        if self._listener is None:
            self._listener = asyncio.create_task(self._keep_listening())

    async def _keep_listening(self) -> None:
        while True:
            self.link.keep_open()
            await asyncio.sleep(LISTEN_CHECK_SECONDS)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            self._listener = None
        await self.link.close()
