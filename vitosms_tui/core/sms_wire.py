"""An SMS text as the octets of its parts on the wire (3GPP TS 23.038 and 23.040).

``send`` counted and charged the parts of :func:`core.sms_text.analyse`; the
SMPP client sends exactly those parts, each with its own short message, so
what the practice pays is what goes out. Long texts carry a concatenation
header (UDH, information element 0x00: 8-bit reference, total, number).

GSM-7 goes one septet per octet (``data_coding`` 0, what most providers call
their default alphabet) or packed eight septets into seven octets; UCS-2 goes
as UTF-16 big endian (``data_coding`` 8), surrogate pairs as two units.
The decoding side is here too, for the SMSC simulator's handset log.
"""

from __future__ import annotations

from .sms_text import GSM_BASIC_ORDER, analyse, is_gsm7

ESC = 0x1B
DATA_CODING_GSM7 = 0
DATA_CODING_UCS2 = 8
# the basic table in code order, with ESC back at 0x1B
_BASIC = GSM_BASIC_ORDER[:ESC] + "\x1b" + GSM_BASIC_ORDER[ESC:]
_EXTENSION = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
# text -> one Latin-1 character per septet, so that encoding runs in C (str.translate)
_SEPTETS = {ord(char): chr(code) for code, char in enumerate(_BASIC) if code != ESC}
_SEPTETS.update({ord(char): "\x1b" + chr(code) for char, code in _EXTENSION.items()})
_DECODE_EXTENSION = {code: char for char, code in _EXTENSION.items()}
UDH_LENGTH = 6  # 05 00 03 ref total number


def gsm7_septets(text: str) -> bytes:
    """The septets of a GSM-7 text, one per octet (extension characters as ESC + code)."""
    if not is_gsm7(text):  # translate would let it through unchanged
        raise KeyError(next(c for c in text if ord(c) not in _SEPTETS))
    return text.translate(_SEPTETS).encode("latin-1")


def gsm7_text(septets: bytes) -> str:
    """The text of unpacked septets (the inverse of :func:`gsm7_septets`)."""
    out, escaped = [], False
    for code in septets:
        code &= 0x7F
        if escaped:
            out.append(_DECODE_EXTENSION.get(code, " "))
            escaped = False
        elif code == ESC:
            escaped = True
        else:
            out.append(_BASIC[code])
    return "".join(out)


def pack_septets(septets: bytes, fill_bits: int = 0) -> bytes:
    """Eight septets into seven octets, after ``fill_bits`` zero bits (to align after a UDH).

    When seven bits are left over at the end they hold a CR, not zeros: zeros
    would read as a trailing '@' (TS 23.038, 6.1.2.3.1).
    """
    value, bits, out = 0, fill_bits, bytearray()
    for septet in septets:
        value |= (septet & 0x7F) << bits
        bits += 7
        while bits >= 8:
            out.append(value & 0xFF)
            value >>= 8
            bits -= 8
    if bits == 1:
        value |= 0x0D << 1
    if bits:
        out.append(value & 0xFF)
    return bytes(out)


def unpack_septets(octets: bytes, fill_bits: int = 0) -> bytes:
    """The septets of packed octets (the CR that filled seven spare bits is dropped)."""
    value = int.from_bytes(octets, "little") >> fill_bits
    room = len(octets) * 8 - fill_bits
    septets = bytes((value >> (7 * i)) & 0x7F for i in range(room // 7))
    if room % 7 == 0 and septets.endswith(b"\r"):
        septets = septets[:-1]
    return septets


def udh(reference: int, total: int, number: int) -> bytes:
    """The concatenation header of part ``number`` of ``total`` (8-bit reference)."""
    return bytes([5, 0, 3, reference & 0xFF, total, number])


def wire_parts(text: str, reference: int, *, packed: bool = False) -> tuple[int, list[bytes]]:
    """``(data_coding, short messages)`` of ``text``: one per part that ``send`` counted."""
    analysis = analyse(text)
    parts = analysis.parts
    several = len(parts) > 1
    messages = []
    for number, part in enumerate(parts, start=1):
        header = udh(reference, len(parts), number) if several else b""
        if analysis.encoding == "ucs2":
            body = part.encode("utf-16-be", "surrogatepass")
        elif packed:
            # septets start at the next septet border after the header
            fill = (7 - len(header) * 8 % 7) % 7
            body = pack_septets(gsm7_septets(part), fill)
        else:
            body = gsm7_septets(part)
        messages.append(header + body)
    coding = DATA_CODING_UCS2 if analysis.encoding == "ucs2" else DATA_CODING_GSM7
    return coding, messages
