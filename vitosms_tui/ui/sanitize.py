"""Text from persons is shown as text: never as markup, never as terminal commands.

A name, an e-mail address or a note typed elsewhere (or imported) may contain
``[bold]…[/]`` or an escape sequence such as ``\\x1b[2J``. :func:`plain`
removes escape sequences and control characters and returns a rich ``Text``,
which Textual shows literally, without reading markup.
"""

from __future__ import annotations

import re

from rich.text import Text

# ESC sequences: CSI (ESC [ … final), OSC (ESC ] … BEL or ST), DCS/SOS/PM/APC
# (ESC P/X/^/_ … ST), then any other two-byte escape; and the 8-bit CSI.
_ESCAPES = re.compile(
    r"""
      \x1b\[[0-?]*[ -/]*[@-~]?
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?
    | \x1b[\x20-\x7e]?
    | \x9b[0-?]*[ -/]*[@-~]?
    """,
    re.VERBOSE,
)
# C0 and C1 controls and DEL; bidirectional overrides and isolates, which
# could reorder what the desk reads.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[\t\n\r]+")


def clean(text: object) -> str:
    """The text without escape sequences and control characters; line breaks become spaces."""
    if text is None:
        return ""
    value = _ESCAPES.sub("", str(text))
    value = _SPACES.sub(" ", value)
    return _CONTROLS.sub("", value)


def plain(text: object, style: str = "") -> Text:
    """Person-supplied text, cleaned, as a ``Text`` that is never parsed as markup."""
    return Text(clean(text), style=style, end="")
