"""The SMSC simulator's own PDU codec, written from the SMPP 3.4 layout (section 4).

It deliberately shares nothing with the client's library (aiosmpplib): the
tests send the worker's PDUs through this reading of the standard, so a
misreading on one side shows up as a failure instead of hiding behind the
same misreading on the other.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

HEADER = struct.Struct("!IIII")  # command_length, command_id, command_status, sequence_number
RESPONSE = 0x80000000
GENERIC_NACK = 0x80000000
BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER = 0x01, 0x02, 0x09
SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK = 0x04, 0x05, 0x06, 0x15
OK = 0x00
INVALID_COMMAND_LENGTH = 0x01
INVALID_COMMAND_ID = 0x03
INCORRECT_BIND_STATUS = 0x04
ALREADY_BOUND = 0x05
SYSTEM_ERROR = 0x08
INVALID_SOURCE = 0x0A
INVALID_DESTINATION = 0x0B
BIND_FAILED = 0x0D
INVALID_PASSWORD = 0x0E
INVALID_SYSTEM_ID = 0x0F
QUEUE_FULL = 0x14
THROTTLED = 0x58
# optional parameter tags (5.3.2) and ours
TAG_RECEIPTED_MESSAGE_ID = 0x001E
TAG_MESSAGE_STATE = 0x0427
TAG_CLIENT_REF = 0x1501  # vendor range: the message's idempotency key
# message_state values (5.2.28)
STATE_DELIVERED, STATE_UNDELIVERABLE = 2, 5


class PduError(ValueError):
    """A PDU that does not follow the layout (the session answers generic_nack)."""


def pdu(command: int, status: int, sequence: int, body: bytes = b"") -> bytes:
    return HEADER.pack(HEADER.size + len(body), command, status, sequence) + body


def cstring(text: str) -> bytes:
    return text.encode("ascii") + b"\0"


def tlv(tag: int, value: bytes) -> bytes:
    return struct.pack("!HH", tag, len(value)) + value


class _Reader:
    """Reads the fields of a PDU body one after the other."""

    def __init__(self, body: bytes):
        self.body, self.at = body, 0

    def cstring(self, limit: int) -> str:
        end = self.body.find(b"\0", self.at)
        if end < 0 or end - self.at >= limit:
            raise PduError(f"C-octet string longer than {limit - 1} or not terminated")
        text = self.body[self.at : end].decode("ascii", "replace")
        self.at = end + 1
        return text

    def byte(self) -> int:
        if self.at >= len(self.body):
            raise PduError("body too short")
        self.at += 1
        return self.body[self.at - 1]

    def octets(self, count: int) -> bytes:
        if self.at + count > len(self.body):
            raise PduError("body too short")
        self.at += count
        return self.body[self.at - count : self.at]

    def tlvs(self) -> dict[int, bytes]:
        found = {}
        while self.at < len(self.body):
            tag, length = struct.unpack("!HH", self.octets(4))
            found[tag] = self.octets(length)
        return found


@dataclass
class Bind:
    system_id: str
    password: str
    system_type: str
    interface_version: int


def read_bind(body: bytes) -> Bind:
    r = _Reader(body)
    bind = Bind(r.cstring(16), r.cstring(9), r.cstring(13), r.byte())
    r.byte(), r.byte(), r.cstring(41)  # addr_ton, addr_npi, address_range: not used here
    return bind


@dataclass
class ShortMessage:
    """The fields of a submit_sm (or deliver_sm) that the simulator needs."""

    source_ton: int
    source: str
    dest_ton: int
    destination: str
    esm_class: int
    registered_delivery: int
    data_coding: int
    short_message: bytes
    tlvs: dict[int, bytes] = field(default_factory=dict)

    @property
    def client_ref(self) -> str | None:
        value = self.tlvs.get(TAG_CLIENT_REF)
        return value.rstrip(b"\0").decode("ascii", "replace") if value else None

    def concatenation(self) -> tuple[int, int, int, bytes]:
        """``(reference, total, number, octets after the UDH)``; ``(0, 1, 1, all)`` when single."""
        data = self.short_message
        if not self.esm_class & 0x40:
            return 0, 1, 1, data
        if not data:
            raise PduError("UDHI set but no user data header")
        header_length = data[0]
        header, i = data[1 : 1 + header_length], 0
        while i + 2 <= len(header):
            element, length = header[i], header[i + 1]
            value = header[i + 2 : i + 2 + length]
            if element == 0x00 and length == 3:
                return value[0], value[1], value[2], data[1 + header_length :]
            if element == 0x08 and length == 4:
                return (value[0] << 8) | value[1], value[2], value[3], data[1 + header_length :]
            i += 2 + length
        return 0, 1, 1, data[1 + header_length :]


def read_short_message(body: bytes) -> ShortMessage:
    r = _Reader(body)
    r.cstring(6)  # service_type
    source_ton, _ = r.byte(), r.byte()
    source = r.cstring(21)
    dest_ton, _ = r.byte(), r.byte()
    destination = r.cstring(21)
    esm_class, _protocol, _priority = r.byte(), r.byte(), r.byte()
    r.cstring(17), r.cstring(17)  # schedule_delivery_time, validity_period
    registered_delivery, _replace, data_coding, _default_id = r.byte(), r.byte(), r.byte(), r.byte()
    length = r.byte()
    message = r.octets(length)
    return ShortMessage(
        source_ton, source, dest_ton, destination, esm_class, registered_delivery, data_coding, message, r.tlvs()
    )


def deliver_sm_body(
    source: str,
    source_ton: int,
    destination: str,
    dest_ton: int,
    esm_class: int,
    data_coding: int,
    message: bytes,
    tlvs: bytes = b"",
) -> bytes:
    """A deliver_sm body (4.6.1): a receipt (esm_class 0x04) or a handset's reply (0x00)."""
    return (
        cstring("")
        + bytes([source_ton, 1 if source_ton == 1 else 0])
        + cstring(source)
        + bytes([dest_ton, 1 if dest_ton == 1 else 0])
        + cstring(destination)
        + bytes([esm_class, 0, 0])
        + cstring("")
        + cstring("")
        + bytes([0, 0, data_coding, 0, len(message)])
        + message
        + tlvs
    )
