"""One SMPP 3.4 transceiver session to the provider's SMSC, kept up for the worker.

The PDUs are aiosmpplib's classes (``SubmitSm.pdu()``, ``DeliverSm.from_pdu``);
the session around them is ours, because aiosmpplib's ESME has no TLS, splits
long texts its own way (not in the parts ``send`` charged) and logs whole
messages when something fails. Here:

* the link is opened on the first submission (TLS when ``tls = true``), bound
  as transceiver and kept alive with ``enquire_link`` when idle;
* a lost link fails the submissions in flight at once (the worker retries
  them: the SMSC may or may not have taken them, see README "Idempotency")
  and the next submission opens it again after a back-off of 0.5 s doubling
  up to ``reconnect_max_seconds``; a refused bind waits the longest back-off,
  so a wrong password is one error a minute, not a storm;
* at most ``window`` submissions wait for their answer; a throttled answer
  halves that window and each acceptance widens it again by one;
* ``close`` unbinds and waits briefly for the answer.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import ssl
import struct
import time
from collections.abc import Awaitable, Callable

from aiosmpplib import (
    BindTransceiver,
    DeliverSm,
    DeliverSmResp,
    EnquireLink,
    EnquireLinkResp,
    PduHeader,
    SmppCommand,
    SmppCommandStatus,
    SmppMessage,
    SubmitSm,
    Unbind,
    UnbindResp,
)

from ...core.sms_settings import SmsSettings

log = logging.getLogger("vitosms.delivery.smpp")

HEADER = struct.Struct("!IIII")
MAX_PDU = 70_000  # message_payload can be 64 kB; anything larger is a broken stream
FIRST_BACKOFF = 0.5


class LinkDown(Exception):
    """No bound link now: the submission was not sent, or its answer was lost."""


class BindRefused(LinkDown):
    """The SMSC refused our bind (wrong system_id, password or system_type)."""


def status_name(status: int) -> str:
    """``0x0000000E ESME_RINVPASWD``: the code as the provider's documentation names it."""
    try:
        return f"0x{status:08X} {SmppCommandStatus(status).name}"
    except ValueError:
        return f"0x{status:08X}"


class Window:
    """How many submissions may await their answer; halved when throttled.

    Waiters queue in order and only as many are woken as there is room for
    (a condition that wakes all of them costs quadratic time for a batch).
    """

    def __init__(self, size: int):
        self.size = size
        self.limit = size
        self.busy = 0
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    async def __aenter__(self) -> None:
        if self.busy < self.limit and not self._waiting:
            self.busy += 1
            return
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await turn  # the room was taken for us when it was granted
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._leave()
            else:
                self._waiting.remove(turn)
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._leave()

    def _leave(self) -> None:
        self.busy -= 1
        self._admit()

    def _admit(self) -> None:
        while self._waiting and self.busy < self.limit:
            turn = self._waiting.popleft()
            if not turn.done():
                self.busy += 1
                turn.set_result(None)

    def throttled(self) -> None:
        self.limit = max(1, self.limit // 2)

    def accepted(self) -> None:
        if self.limit < self.size:
            self.limit += 1
            self._admit()


class SmppLink:
    """A bound transceiver session, opened on demand (see the module text)."""

    def __init__(self, settings: SmsSettings, on_deliver: Callable[[DeliverSm], Awaitable[int]]):
        self.settings = settings
        self.on_deliver = on_deliver
        self.window = Window(settings.window)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._pending: dict[int, asyncio.Future[tuple[int, bytes]]] = {}
        self._sequence = 0
        self._opening = asyncio.Lock()
        self._bound = False
        self._closing = False
        self._backoff = 0.0
        self._not_before = 0.0
        self._last_refusal: str | None = None
        self._last_heard = time.monotonic()
        self.binds = 0  # how many times a bind succeeded (tests and the journal of faults)

    def keep_open(self) -> None:
        """Bind in the background if the link is down and no back-off forbids it yet.

        Receipts and replies only come over a bound link, so the worker keeps it
        up even with nothing to send (it calls this at every report poll).
        """
        if self._bound or self._closing or self._opening.locked() or time.monotonic() < self._not_before:
            return
        task = asyncio.create_task(self._ensure_bound())
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._tasks.append(task)

    # -- sending ---------------------------------------------------------------

    async def submit(self, message: SubmitSm) -> tuple[int, str]:
        """``(command_status, message_id)`` of one submit_sm; raises :class:`LinkDown`."""
        async with self.window:
            await self._ensure_bound()
            status, body = await self._request(message, self.settings.response_timeout_seconds)
        message_id = body[:-1].decode("ascii", "replace") if status == 0 and body else ""
        if status == SmppCommandStatus.ESME_RTHROTTLED:
            self.window.throttled()
        elif status == 0:
            self.window.accepted()
        return status, message_id

    def _next_sequence(self) -> int:
        self._sequence = self._sequence % 0x7FFFFFFF + 1
        return self._sequence

    async def _request(self, message: SmppMessage, timeout: float) -> tuple[int, bytes]:
        if self._writer is None:
            raise LinkDown("not connected")
        message.sequence_num = self._next_sequence()
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[tuple[int, bytes]] = loop.create_future()
        self._pending[message.sequence_num] = answer
        # a plain timer rather than wait_for: this runs once per SMS part
        timer = loop.call_later(timeout, self._overdue, answer, timeout)
        try:
            self._writer.write(message.pdu())
            await self._writer.drain()
            return await answer
        except (OSError, ConnectionError) as error:
            self._drop(f"write failed: {type(error).__name__}")
            raise LinkDown("link lost while sending") from None
        finally:
            timer.cancel()
            self._pending.pop(message.sequence_num, None)

    def _overdue(self, answer: asyncio.Future[tuple[int, bytes]], timeout: float) -> None:
        """No answer: the link is not to be trusted any more (a real SMSC answers in ms)."""
        if not answer.done():
            self._drop(f"no answer within {timeout:g} s")

    # -- opening and closing -----------------------------------------------------

    async def _ensure_bound(self) -> None:
        if self._bound:
            return
        async with self._opening:
            if self._bound:
                return
            if self._closing:
                raise LinkDown("shutting down")
            wait = self._not_before - time.monotonic()
            if wait > 0:
                raise (BindRefused if self._last_refusal else LinkDown)(
                    self._last_refusal or f"reconnecting in {wait:.1f} s"
                )
            try:
                await self._open()
            except BindRefused as refusal:
                self._last_refusal = str(refusal)
                self._backoff = self.settings.reconnect_max_seconds
                self._not_before = time.monotonic() + self._backoff
                log.error(
                    "SMSC %s:%s %s; next try in %g s", self.settings.host, self.settings.port, refusal, self._backoff
                )
                raise
            except (TimeoutError, OSError, ConnectionError, LinkDown) as error:
                self._backoff = min(self.settings.reconnect_max_seconds, max(FIRST_BACKOFF, self._backoff * 2))
                self._not_before = time.monotonic() + self._backoff
                log.warning(
                    "SMSC %s:%s unreachable (%s); next try in %g s",
                    self.settings.host,
                    self.settings.port,
                    error or type(error).__name__,
                    self._backoff,
                )
                raise LinkDown(f"unreachable: {error or type(error).__name__}") from None

    async def _open(self) -> None:
        s = self.settings
        context = None
        if s.tls:
            context = ssl.create_default_context(cafile=os.path.expanduser(s.tls_ca_file) or None)
        reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(s.host, s.port, ssl=context), s.response_timeout_seconds
        )
        self._reader = reader
        self._last_heard = time.monotonic()
        self._tasks = [asyncio.create_task(self._read_loop(reader)), asyncio.create_task(self._keep_alive())]
        bind = BindTransceiver(system_id=s.system_id, password=s.password, system_type=s.system_type)
        try:
            status, _ = await self._request(bind, s.response_timeout_seconds)
        except LinkDown:
            self._drop("no answer to bind")
            raise
        if status != 0:
            self._drop("bind refused")
            raise BindRefused(f"bind refused: {status_name(status)}")
        self._bound = True
        self._backoff = 0.0
        self._last_refusal = None
        self.binds += 1
        log.info("bound to SMSC %s:%s as %s", s.host, s.port, s.system_id)

    def _drop(self, reason: str) -> None:
        """Forget the link; everything waiting for an answer learns it at once."""
        if self._writer is None:
            return
        if self._bound and not self._closing:
            log.warning("SMPP link to %s:%s lost: %s", self.settings.host, self.settings.port, reason)
        self._bound = False
        writer, self._writer, self._reader = self._writer, None, None
        writer.close()
        for answer in self._pending.values():
            if not answer.done():
                answer.set_exception(LinkDown(f"link lost: {reason}"))
        self._pending.clear()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        self._tasks = []

    async def close(self) -> None:
        """Unbind (waiting briefly for the answer) and close the connection."""
        self._closing = True
        if self._bound and self._writer is not None:
            try:
                await self._request(Unbind(), min(2.0, self.settings.response_timeout_seconds))
                log.info("unbound from SMSC %s:%s", self.settings.host, self.settings.port)
            except LinkDown:
                pass
        self._drop("closed")

    # -- reading ---------------------------------------------------------------------

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                header = await reader.readexactly(HEADER.size)
                length, command, status, sequence = HEADER.unpack(header)
                if not HEADER.size <= length <= MAX_PDU:
                    raise ValueError(f"PDU length {length}")
                pdu = header + await reader.readexactly(length - HEADER.size)
                self._last_heard = time.monotonic()
                await self._handle(pdu, command, status, sequence)
        except asyncio.CancelledError:
            raise
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as error:
            self._drop(f"{type(error).__name__}")

    async def _handle(self, pdu: bytes, command: int, status: int, sequence: int) -> None:
        if command & 0x80000000:  # an answer (generic_nack too) to one of our requests
            answer = self._pending.get(sequence)
            if answer is not None and not answer.done():
                answer.set_result((status, pdu[HEADER.size :]))
            return
        if command == SmppCommand.DELIVER_SM:
            reply = await self._deliver(pdu, sequence)
        elif command == SmppCommand.ENQUIRE_LINK:
            reply = EnquireLinkResp(sequence_num=sequence)
        elif command == SmppCommand.UNBIND:
            self._write(UnbindResp(sequence_num=sequence))
            self._drop("the SMSC unbound")
            return
        else:  # generic_nack, "invalid command id"
            if self._writer is not None:
                self._writer.write(HEADER.pack(16, 0x80000000, 0x00000003, sequence))
            return
        self._write(reply)

    async def _deliver(self, pdu: bytes, sequence: int) -> DeliverSmResp:
        try:
            header = PduHeader(len(pdu), SmppCommand.DELIVER_SM, SmppCommandStatus.ESME_ROK, sequence)
            message = DeliverSm.from_pdu(pdu, header, default_encoding="gsm0338")
        except Exception as error:  # a PDU we cannot read: say so, the SMSC may send it again
            log.warning("unreadable deliver_sm from the SMSC: %s", type(error).__name__)
            return DeliverSmResp(sequence_num=sequence, command_status=SmppCommandStatus.ESME_RSYSERR)
        # the receipt or reply is stored before we acknowledge it: a crash now means
        # the SMSC sends it again, never that it is lost
        status = await self.on_deliver(message)
        return DeliverSmResp(sequence_num=sequence, command_status=SmppCommandStatus(status))

    def _write(self, message: SmppMessage) -> None:
        if self._writer is not None:
            self._writer.write(message.pdu())

    async def _keep_alive(self) -> None:
        interval = self.settings.enquire_link_seconds
        while True:
            await asyncio.sleep(max(0.05, self._last_heard + interval - time.monotonic()))
            if time.monotonic() - self._last_heard < interval:
                continue
            try:
                await self._request(EnquireLink(), self.settings.response_timeout_seconds)
            except LinkDown:
                return  # _request dropped the link already
