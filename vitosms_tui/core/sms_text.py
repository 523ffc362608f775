"""What an SMS text costs: GSM-7 or UCS-2, units, segments (3GPP TS 23.038).

The practice pays per segment, so the cost shown before sending comes from
here. The rules:

* A text made only of characters of the GSM 03.38 default alphabet is sent as
  GSM-7. Each character is one septet; characters of the extension table
  (``\\f ^ { } \\ [ ~ ] | €``) are sent as ESC + character and cost two.
* Any other character switches the *whole* text to UCS-2, counted in UTF-16
  code units (a character outside the BMP, e.g. most emoji, costs two).
* One segment holds 160 septets or 70 UCS-2 units. A longer text is split and
  every segment loses room to the concatenation header: 153 septets or 67
  units per segment.
* An escape pair is never split across two segments, nor is a surrogate pair:
  when such a two-unit character would not fit into the last free unit of a
  segment, it starts the next one (so the count can be higher than
  ``ceil(units / 153)``).

Choices made here, relied on by the callers:

* The empty text is 0 units and **1 segment** (``parts == ("",)``): an empty
  SMS would still be one message; refusing empty texts is the caller's rule.
* :func:`septets` returns ``0`` for a character outside GSM-7 instead of
  raising, so a UI can mark such characters without try/except.
* :func:`gsm_rewrite` replaces a character that has no sensible GSM
  equivalent (emoji, CJK, ...) by ``?`` rather than dropping it, so the person
  at the desk sees where something was lost. Invisible characters (zero-width
  space/joiner, soft hyphen, byte order mark) are dropped.
* Lone surrogates (only possible in Python strings, never in real input)
  count as one UCS-2 unit each and are not paired up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import Refused

__all__ = [
    "GSM_BASIC",
    "GSM_EXTENSION",
    "GSM_CHARS",
    "GSM_BASIC_ORDER",
    "GSM7_SINGLE",
    "GSM7_MULTI",
    "UCS2_SINGLE",
    "UCS2_MULTI",
    "MAX_PARTS_DEFAULT",
    "SmsAnalysis",
    "analyse",
    "is_gsm7",
    "septets",
    "gsm_rewrite",
    "check_parts",
]

# The default alphabet in table order, 16 code points a row; ESC (0x1B) is the
# escape to the extension table and not a character a user can type.
_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"  # 0x00
    "Δ_ΦΓΛΩΠΨΣΘΞ"
    "ÆæßÉ"  # 0x10 (0x1B ESC left out)
    " !\"#¤%&'()*+,-./"  # 0x20
    "0123456789:;<=>?"  # 0x30
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"  # 0x40
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"  # 0x60
)
_EXTENSION_TABLE = "\f^{}\\[~]|€"
# On the wire an extension character is ESC (0x1B) + the character.
_ESCAPED = str.maketrans({c: "\x1b" + c for c in _EXTENSION_TABLE})
_SURROGATE = re.compile("[\ud800-\udfff]")
# what a text is cut as: characters (GSM-7, escapes included) or UTF-16 bytes
_Wire = TypeVar("_Wire", str, bytes)

GSM_BASIC: frozenset[str] = frozenset(_BASIC_TABLE)
GSM_EXTENSION: frozenset[str] = frozenset(_EXTENSION_TABLE)
GSM_CHARS: frozenset[str] = GSM_BASIC | GSM_EXTENSION
# the default alphabet in code order without ESC (0x1B): core.sms_wire encodes with it
GSM_BASIC_ORDER: str = _BASIC_TABLE

GSM7_SINGLE = 160
GSM7_MULTI = 153
UCS2_SINGLE = 70
UCS2_MULTI = 67
MAX_PARTS_DEFAULT = 6

# Above this many distinct non-GSM characters, ordering them by str.index
# (fast C scans, but one per character) loses to one pass in Python.
_INDEX_SORT_LIMIT = 32


@dataclass(frozen=True)
class SmsAnalysis:
    """The cost of one SMS text.

    ``parts`` is the text split as it would be sent (joined it is the text);
    ``per_segment`` is 160/153 (gsm7) or 70/67 (ucs2); ``remaining`` is what
    is still free in the last segment, in the same units.
    """

    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets (gsm7) or UTF-16 code units (ucs2)
    segments: int
    non_gsm: tuple[str, ...]
    parts: tuple[str, ...]
    per_segment: int
    remaining: int


def septets(char: str) -> int:
    """Septets one character costs in GSM-7: 1, 2 (extension table) or 0 (not GSM-7)."""
    if len(char) != 1:
        raise ValueError(f"septets() takes one character, got {len(char)}")
    if char in GSM_BASIC:
        return 1
    if char in GSM_EXTENSION:
        return 2
    return 0


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` is in the GSM-7 alphabet (or its extension)."""
    return GSM_CHARS.issuperset(text)


def analyse(text: str) -> SmsAnalysis:
    """Encoding, units, segments and parts of an SMS text (see the module doc)."""
    chars = set(text)
    if chars <= GSM_BASIC:
        return _gsm7(text, len(text), wide=None)
    if chars <= GSM_CHARS:
        wide = chars & GSM_EXTENSION
        extra = sum(text.count(c) for c in wide)
        return _gsm7(text, len(text) + extra, wide)
    return _ucs2(text, _non_gsm(text, chars - GSM_CHARS))


def _gsm7(text: str, units: int, wide: set[str] | None) -> SmsAnalysis:
    if units <= GSM7_SINGLE:
        return SmsAnalysis("gsm7", units, 1, (), (text,), GSM7_SINGLE, GSM7_SINGLE - units)
    if not wide:
        parts = _slices(text, GSM7_MULTI)
        last = len(parts[-1])
    else:
        # Cut the text as it goes on the wire, one septet per character:
        # ESC + character for the extension table; a cut never ends on an ESC.
        wire = text.translate(_ESCAPED)
        pieces, last = _cut(wire, GSM7_MULTI, 1, _is_escape)
        parts = tuple(piece.replace("\x1b", "") for piece in pieces)
    return SmsAnalysis("gsm7", units, len(parts), (), parts, GSM7_MULTI, GSM7_MULTI - last)


def _ucs2(text: str, non_gsm: tuple[str, ...]) -> SmsAnalysis:
    # surrogatepass: a lone surrogate must not crash the cost meter.
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    if units <= UCS2_SINGLE:
        return SmsAnalysis("ucs2", units, 1, non_gsm, (text,), UCS2_SINGLE, UCS2_SINGLE - units)
    if units == len(text):  # no character outside the BMP: plain slicing
        parts = _slices(text, UCS2_MULTI)
        last = len(parts[-1])
    elif _SURROGATE.search(text):
        # Lone surrogates would pair up in a decode: count character by character.
        parts, last = _split(text, UCS2_MULTI, _outside_bmp)
    else:
        # Cut the UTF-16 code units, 2 bytes each; never after a high surrogate.
        wire = text.encode("utf-16-le")
        pieces, last = _cut(wire, UCS2_MULTI, 2, _is_high_surrogate_byte)
        parts = tuple(piece.decode("utf-16-le") for piece in pieces)
        last //= 2
    return SmsAnalysis("ucs2", units, len(parts), non_gsm, parts, UCS2_MULTI, UCS2_MULTI - last)


def _cut(wire: _Wire, limit: int, half: int, opens_pair: Callable[[Any], bool]) -> tuple[list[_Wire], int]:
    """Cut ``wire`` into pieces of at most ``limit`` units of ``half`` items each.

    When the last unit before a cut opens a pair (``opens_pair(last_item)``),
    the cut moves one unit back so the pair stays together. Returns the pieces
    and the number of items in the last one.
    """
    pieces: list[_Wire] = []
    start, size, step = 0, len(wire), limit * half
    while start + step < size:
        end = start + step
        if opens_pair(wire[end - 1]):
            end -= half
        pieces.append(wire[start:end])
        start = end
    pieces.append(wire[start:])
    return pieces, size - start


def _is_escape(char: str) -> bool:
    return char == "\x1b"


def _is_high_surrogate_byte(byte: int) -> bool:
    # Little endian: the second byte of a unit carries the 0xD8..0xDB marker.
    return 0xD8 <= byte <= 0xDB


def _outside_bmp(char: str) -> bool:
    return char > "\uffff"


def _slices(text: str, size: int) -> tuple[str, ...]:
    return tuple(text[i : i + size] for i in range(0, len(text), size))


def _split(text: str, limit: int, is_wide: Callable[[str], bool]) -> tuple[tuple[str, ...], int]:
    """Split where single- and double-unit characters mix; a double one is never cut.

    Returns the parts and the units used in the last part.
    """
    parts: list[str] = []
    start = used = 0
    for i, char in enumerate(text):
        cost = 2 if is_wide(char) else 1
        if used + cost > limit:
            parts.append(text[start:i])
            start, used = i, 0
        used += cost
    parts.append(text[start:])
    return tuple(parts), used


def _non_gsm(text: str, bad: set[str]) -> tuple[str, ...]:
    """The distinct non-GSM characters in order of first appearance."""
    if len(bad) <= _INDEX_SORT_LIMIT:
        return tuple(sorted(bad, key=text.index))
    return tuple(dict.fromkeys(c for c in text if c in bad))


def check_parts(analysis: SmsAnalysis, max_parts: int = MAX_PARTS_DEFAULT) -> None:
    """Refuse (code ``too_long``) a text that needs more than ``max_parts`` SMS parts."""
    if analysis.segments > max_parts:
        allowed = "at most 1 is allowed" if max_parts == 1 else f"at most {max_parts} are allowed"
        raise Refused("too_long", segments=analysis.segments, allowed=allowed)


# --- a GSM-only proposal -------------------------------------------------

_QUOTE, _DQUOTE, _DASH, _SPACE, _NEWLINE = "'", '"', "-", " ", "\n"

# Replacements chosen by hand, for characters where Unicode decomposition
# gives nothing GSM (typographic punctuation, spaces, ligatures, ...).
_REWRITES: dict[str, str] = {
    **dict.fromkeys("’‘‚‛′‹›`´", _QUOTE),
    **dict.fromkeys("“”„‟″«»", _DQUOTE),
    **dict.fromkeys("‐‑‒–—―−⁃", _DASH),
    **dict.fromkeys(
        "\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000", _SPACE
    ),
    **dict.fromkeys("\u2028\u2029\u0085\v", _NEWLINE),
    # Invisible: dropping them changes nothing the reader sees.
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
    "…": "...",
    "œ": "oe",
    "Œ": "OE",
    "ẞ": "SS",
    "ç": "c",  # only the capital Ç is in the GSM table
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "TH",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ı": "i",
    "ŀ": "l",
    "•": "-",
    "·": ".",
    "‣": "-",
    "×": "x",
    "÷": "/",
    "⁄": "/",
    "∕": "/",
    "µ": "u",  # the micro sign: "µg" is written "ug" where µ is missing
    "μ": "u",
    "¢": "c",
    "©": "(c)",
    "®": "(R)",
    "‰": "o/oo",
    "¦": "|",
}


def _transliterate(char: str) -> str:
    """A GSM-only stand-in for one character, ``?`` when there is none."""
    if char in GSM_CHARS:
        return char
    if char in _REWRITES:
        return _REWRITES[char]
    # Fallback: compatibility decomposition without the combining marks
    # (ê -> e, ﬁ -> fi, ² -> 2, full-width A -> A), accepted only if every
    # remaining character is GSM or has a hand-made replacement.
    pieces = []
    for base in unicodedata.normalize("NFKD", char):
        if unicodedata.combining(base):
            continue
        if base in GSM_CHARS:
            pieces.append(base)
        elif base in _REWRITES:
            pieces.append(_REWRITES[base])
        else:
            return "?"
    return "".join(pieces) if pieces else "?"


class _RewriteTable(dict[int, str]):
    """Code point -> replacement for str.translate, filled on first use."""

    _MAX = 20_000  # an open cache must not grow without end on hostile input

    def __missing__(self, codepoint: int) -> str:
        value = _transliterate(chr(codepoint))
        if len(self) < self._MAX:
            self[codepoint] = value
        return value


_TABLE = _RewriteTable()


def gsm_rewrite(text: str) -> str:
    """A proposed GSM-7-only version of ``text`` (the result always is GSM-7).

    GSM characters stay untouched (ä ö ü é è à ù ì ò Ç ...); typographic quotes,
    dashes, ellipsis and special spaces become their plain forms; accented
    letters lose the accent (ê -> e, ç -> c); anything without a sensible
    equivalent (emoji, CJK) becomes ``?``; invisible characters are dropped.
    """
    if GSM_CHARS.issuperset(text):
        return text
    return text.translate(_TABLE)
