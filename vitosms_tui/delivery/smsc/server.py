"""``vitosms smsc``: the mock gateway as an SMS centre speaking SMPP 3.4 on loopback.

Behind the protocol it *is* the mock gateway (``gateways.mock``): the same
test numbers, the same handset log, each SMS written once by its idempotency
key (the vendor TLV ``0x1501``; without it, by sender, number and
concatenation reference). The parts of a long SMS are answered one by one
(each gets its own message id) and written to the handset log as one SMS
when the last part is in; a part sent again gets its first id back.

For fault tests it can throttle (``throttle_per_second``: answer 0x58 beyond
that many submissions a second) and drop the link (``drop_after``: close the
connection, unanswered, at every n-th submission). Binds, unbinds, lost links
and delivered replies go to ``STATE/smsc-events.jsonl``; message texts only
to the handset log.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import logging
import secrets
import ssl
import time
from datetime import datetime
from pathlib import Path

from ...core import clock
from ...core.sms_wire import gsm7_text, unpack_septets
from ..gateways.base import ACCEPTED, PASSING, Sms
from ..gateways.mock import REJECTED_NUMBER, MockGateway
from ..jsonl import Tail, append_lines
from . import codec
from .deliveries import DeliveryQueue, receipt_body
from .handset import HandsetReplies

log = logging.getLogger("vitosms.smsc")

EVENTS_FILE = "smsc-events.jsonl"


class Session:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.system_id: str | None = None
        self.mode = 0
        self.closed = False
        self.sequences = itertools.count(1)

    def send(self, data: bytes) -> None:
        if not self.closed:
            self.writer.write(data)

    def close(self, abort: bool = False) -> None:
        self.closed = True
        if abort:
            self.writer.transport.abort()
        else:
            self.writer.close()


class Smsc:
    """The simulator; :meth:`start` listens, :meth:`close` stops (see the module text)."""

    def __init__(
        self,
        state_dir: Path | str,
        *,
        system_id: str,
        password: str,
        report_delay_seconds: float = 1.0,
        throttle_per_second: int = 0,
        drop_after: int = 0,
        gsm7_packed: bool = False,
    ):
        self.state_dir = Path(state_dir)
        self.gateway = MockGateway(self.state_dir, report_delay_seconds=report_delay_seconds)
        self.system_id, self.password = system_id, password
        self.report_delay = report_delay_seconds
        self.throttle_per_second, self.drop_after = throttle_per_second, drop_after
        self.gsm7_packed = gsm7_packed
        self.events_path = self.state_dir / EVENTS_FILE
        self.sessions: list[Session] = []
        self.queue = DeliveryQueue()
        self.handset = HandsetReplies(self.state_dir, self.events_path)
        self._assembling: dict[str, dict[int, tuple[str, str]]] = {}
        self._ids = itertools.count(1)
        self._id_prefix = secrets.token_hex(3)
        self._submissions = 0
        self._second, self._in_second = 0, 0
        self._server: asyncio.base_events.Server | None = None
        self._pump: asyncio.Task[None] | None = None

    # -- running ---------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 2775, tls: ssl.SSLContext | None = None) -> int:
        """Listen (over TLS with a server context); the port it listens on."""
        self._receipts_not_taken()
        self._server = await asyncio.start_server(self._serve, host, port, ssl=tls)
        self._pump = asyncio.create_task(self._deliver_loop())
        port_taken: int = self._server.sockets[0].getsockname()[1]
        return port_taken

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
        if self._server is not None:
            self._server.close()
        for session in list(self.sessions):
            session.close(abort=True)
        await self.gateway.close()

    def _event(self, event: str, **details: object) -> None:
        append_lines(self.events_path, [json.dumps({"event": event, **details, "at": clock.iso(clock.now())}) + "\n"])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = Session(reader, writer)
        self.sessions.append(session)
        try:
            while not session.closed:
                header = await reader.readexactly(codec.HEADER.size)
                length, command, status, sequence = codec.HEADER.unpack(header)
                if not codec.HEADER.size <= length <= 70_000:
                    session.send(codec.pdu(codec.GENERIC_NACK, codec.INVALID_COMMAND_LENGTH, sequence))
                    break
                body = await reader.readexactly(length - codec.HEADER.size)
                try:
                    self._dispatch(session, command, status, sequence, body)
                except codec.PduError as error:
                    log.warning("malformed PDU 0x%08X: %s", command, error)
                    session.send(codec.pdu(codec.GENERIC_NACK, codec.SYSTEM_ERROR, sequence))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            if session.system_id is not None and not session.closed:
                self._event("lost", system_id=session.system_id)
            if not session.closed:
                session.close()
            self.sessions.remove(session)
            self.queue.lost(session)

    def _dispatch(self, session: Session, command: int, status: int, sequence: int, body: bytes) -> None:
        if command in (codec.BIND_TRANSCEIVER, codec.BIND_TRANSMITTER, codec.BIND_RECEIVER):
            self._bind(session, command, sequence, body)
        elif command & codec.RESPONSE:
            if command == codec.DELIVER_SM | codec.RESPONSE:
                done = self.queue.answered(session, sequence, status)
                if done is not None:  # "reply <id>" or "receipt <part id>": taken, never again
                    kind, name = done.what.split(" ", 1)
                    self._event(f"{kind} delivered", **{kind: name})
        elif session.system_id is None:
            session.send(codec.pdu(command | codec.RESPONSE, codec.INCORRECT_BIND_STATUS, sequence))
        elif command == codec.SUBMIT_SM:
            self._submit_pdu(session, sequence, body)
        elif command == codec.ENQUIRE_LINK:
            session.send(codec.pdu(codec.ENQUIRE_LINK | codec.RESPONSE, codec.OK, sequence))
        elif command == codec.UNBIND:
            session.send(codec.pdu(codec.UNBIND | codec.RESPONSE, codec.OK, sequence))
            self._event("unbind", system_id=session.system_id)
            session.close()
        else:
            session.send(codec.pdu(codec.GENERIC_NACK, codec.INVALID_COMMAND_ID, sequence))

    def _bind(self, session: Session, command: int, sequence: int, body: bytes) -> None:
        bind = codec.read_bind(body)
        status = codec.OK
        if session.system_id is not None:
            status = codec.ALREADY_BOUND
        elif bind.system_id != self.system_id:
            status = codec.INVALID_SYSTEM_ID
        elif bind.password != self.password:
            status = codec.INVALID_PASSWORD
        session.send(
            codec.pdu(
                command | codec.RESPONSE, status, sequence, codec.cstring("vitosms-smsc") if status == codec.OK else b""
            )
        )
        if status == codec.OK:
            session.system_id, session.mode = bind.system_id, command
            self._event("bind", system_id=bind.system_id)
        elif status != codec.ALREADY_BOUND:
            self._event("bind refused", system_id=bind.system_id, status=status)
            session.close()

    # -- submissions -------------------------------------------------------------------

    def _throttled(self) -> bool:
        if not self.throttle_per_second:
            return False
        second = int(time.monotonic())
        if second != self._second:
            self._second, self._in_second = second, 0
        self._in_second += 1
        return self._in_second > self.throttle_per_second

    def _submit_pdu(self, session: Session, sequence: int, body: bytes) -> None:
        self._submissions += 1
        if self.drop_after and self._submissions % self.drop_after == 0:
            self._event("dropped", system_id=session.system_id)
            session.close(abort=True)
            return
        if session.mode == codec.BIND_RECEIVER:
            status, message_id = codec.INCORRECT_BIND_STATUS, ""
        elif self._throttled():
            status, message_id = codec.THROTTLED, ""
        else:
            status, message_id = self._submit(codec.read_short_message(body))
        # 4.4.2: no body when the status is not 0
        session.send(
            codec.pdu(
                codec.SUBMIT_SM | codec.RESPONSE,
                status,
                sequence,
                codec.cstring(message_id) if status == codec.OK else b"",
            )
        )

    def _new_id(self) -> str:
        return f"smsc-{self._id_prefix}-{next(self._ids):x}"

    def _text(self, message: codec.ShortMessage, octets: bytes, has_header: bool) -> str:
        if message.data_coding == 8:
            if len(octets) % 2:
                raise codec.PduError("UCS-2 text of an odd number of octets")
            return octets.decode("utf-16-be", "surrogatepass")
        if message.data_coding != 0:
            raise codec.PduError(f"data_coding {message.data_coding} not simulated")
        if self.gsm7_packed:
            header_bits = (len(message.short_message) - len(octets)) * 8 if has_header else 0
            return gsm7_text(unpack_septets(octets, (7 - header_bits % 7) % 7))
        return gsm7_text(octets)

    def _submit(self, message: codec.ShortMessage) -> tuple[int, str]:
        """``(status, message id)`` of one part (see the module text)."""
        if message.source_ton == 5:
            sender = message.source
            if not 1 <= len(sender) <= 11:
                return codec.INVALID_SOURCE, ""
        else:
            sender = "+" + message.source.lstrip("+")
        to = "+" + message.destination.lstrip("+")
        reference, total, number, octets = message.concatenation()
        text = self._text(message, octets, bool(message.esm_class & 0x40))
        key = (message.client_ref or f"{sender}>{to}#{reference}") if total > 1 else message.client_ref
        if key is None:  # a single SMS without our TLV: every submission is a new SMS
            key = self._new_id()
        known = self.gateway.provider_id_of(key)
        if known is not None:  # sent before: the same ids again, nothing written
            ids = known.split()
            return codec.OK, ids[min(number, len(ids)) - 1]
        if to == REJECTED_NUMBER or not to[1:].isdigit():
            return codec.INVALID_DESTINATION, ""
        parts = self._assembling.setdefault(key, {})
        if number not in parts:
            parts[number] = (self._new_id(), text)
        if any(n not in parts for n in range(1, total + 1)):
            return codec.OK, parts[number][0]
        part_ids = [parts[n][0] for n in range(1, total + 1)]
        sms = Sms(key, to, sender, "".join(parts[n][1] for n in range(1, total + 1)), total)
        result = self.gateway.submit([sms], {key: " ".join(part_ids)})[0]
        if result.outcome == ACCEPTED:
            del self._assembling[key]
            assert result.provider_id is not None  # the mock gateway names every SMS it accepts
            self._receipts(result.provider_id, part_ids, to, sender)
            return codec.OK, parts[number][0]
        if total == 1:
            del self._assembling[key]
        return (codec.QUEUE_FULL if result.outcome == PASSING else codec.INVALID_DESTINATION), ""

    def _receipts(self, provider_id: str, part_ids: list[str], to: str, sender: str) -> None:
        """One receipt per part, after the report delay, saying what the mock gateway says."""
        submitted = clock.now()
        for part_id in part_ids:
            self.queue.add(
                None,
                f"receipt {part_id}",
                self.report_delay,
                make=functools.partial(self._receipt, provider_id, part_id, to, sender, submitted),
            )

    def _receipts_not_taken(self) -> None:
        """After a restart: the receipts of the handset log that the practice never took."""
        taken = {e.get("receipt") for e in Tail(self.events_path).new_lines() if e.get("event") == "receipt delivered"}
        for line in Tail(self.gateway.handset_path).new_lines():
            try:
                provider_id, to, sender = line["provider_id"], line["to"], line["sender"]
                submitted = datetime.fromisoformat(line["at"])
            except (KeyError, TypeError, ValueError):
                continue
            for part_id in provider_id.split():
                if part_id not in taken:
                    self.queue.add(
                        None,
                        f"receipt {part_id}",
                        0.0,
                        make=functools.partial(self._receipt, provider_id, part_id, to, sender, submitted),
                    )

    def _receipt(self, provider_id: str, part_id: str, to: str, sender: str, submitted: datetime) -> bytes | None:
        """The receipt's deliver_sm body, decided when it is due (None: not yet)."""
        reports = self.gateway.status([provider_id])
        if not reports:
            return None
        return receipt_body(part_id, to, sender, reports[0].delivered, submitted, reports[0].at)

    # -- delivering --------------------------------------------------------------------

    async def _deliver_loop(self) -> None:
        while True:
            await asyncio.sleep(0.05)
            for reply in self.handset.new_replies():
                self.queue.add(reply.body, f"reply {reply.id}")
            takers = [
                s
                for s in self.sessions
                if s.system_id and not s.closed and s.mode in (codec.BIND_TRANSCEIVER, codec.BIND_RECEIVER)
            ]
            if not takers:  # kept until the practice binds again
                continue
            for turn, item in enumerate(self.queue.due()):
                if item.body is None:
                    assert item.make is not None  # a delivery without its body has what makes it
                    item.body = item.make()
                    if item.body is None:
                        self.queue.later(item, 0.1)
                        continue
                session = takers[turn % len(takers)]
                sequence = next(session.sequences)
                session.send(codec.pdu(codec.DELIVER_SM, codec.OK, sequence, item.body))
                self.queue.sent(item, session, sequence)
