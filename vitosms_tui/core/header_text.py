"""Text that goes into a mail header: a subject, a sender's display name.

An encoded word (``=?utf-8?b?…?=``, RFC 2047) can hide a line break: Python's
``email`` package before 3.11.10 / 3.12.5 (CVE-2024-6923) decodes it and writes
the break onto the wire, so the rest becomes headers (a ``Reply-To``) or a
body of the attacker's choosing. The app must not rely on the installed
Python being fixed, so a header text is looked at after decoding (again and
again: an encoded word may hold another) and checked or cleaned here, once,
for the checks before queueing and for building the mail.
"""

from __future__ import annotations

import unicodedata
from email.errors import HeaderParseError
from email.header import decode_header, make_header

from .errors import Refused

# a header decoded more deeply than this is not a subject anybody wrote
_MAX_DEPTH = 5


def decoded(text: str) -> str:
    """``text`` with every encoded word decoded, as a mail reader would show it."""
    for _ in range(_MAX_DEPTH):
        if "=?" not in text:
            return text
        try:
            plain = str(make_header(decode_header(text)))
        except (HeaderParseError, LookupError, UnicodeError, ValueError):
            return text  # not a valid encoded word: it stays literal text
        if plain == text:
            return text
        text = plain
    return text


def _unfit(char: str) -> bool:
    # line and paragraph breaks, control characters, and invisible format characters such
    # as U+202E (right-to-left override, which makes a subject read differently)
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def check(text: str, what: str, limit: int, code: str) -> None:
    """Refuse a header text that is not one visible line of at most ``limit`` characters.

    ``what`` names the field in the reason ("the subject").
    """
    plain = decoded(text)
    for char in plain:
        if char in "\r\n\v\f\x85\u2028\u2029":
            hidden = " (hidden in an encoded word =?…?=)" if plain != text else ""
            raise Refused(f"{code}.one_line", what=what, hidden=hidden)
        if _unfit(char):
            name = unicodedata.name(char, "control character")
            raise Refused(f"{code}.invisible", what=what, char_code=ord(char), name=name)
    if len(text) > limit:
        raise Refused(f"{code}.too_long", what=what, limit=limit)


def cleaned(text: str, limit: int = 200) -> str:
    """The text made safe for a header, whatever it holds: decoded, one line, visible.

    What remains of ``=?`` is broken up, so no encoded word is left for the
    ``email`` package to decode on its way to the wire.
    """
    plain = "".join(" " if _unfit(char) or char in "\u2028\u2029" else char for char in decoded(text))
    plain = " ".join(plain.split())
    return plain.replace("=?", "= ?")[:limit]
