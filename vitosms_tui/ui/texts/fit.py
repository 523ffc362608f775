"""Texts shortened to a width by whole words, for titles in narrow terminals.

A title cut at the edge ("Dr méd. Claire D8") reads as another word and runs
into what stands beside it; a title that keeps whole words and says with "…"
that it goes on ("Dr méd. Claire…") does not.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

ELLIPSIS = "…"


def shorten(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells: as many whole words as fit, then "…".

    Leading spaces (an indent, a gap after a mark) are kept as they are.
    """
    if cell_len(text) <= width:
        return text
    indent = text[: len(text) - len(text.lstrip(" "))]
    if indent:
        return indent + shorten(text[len(indent) :], width - len(indent)) if width > len(indent) else indent[:width]
    if width <= 1:
        return ELLIPSIS[: max(0, width)]
    kept = ""
    for word in text.split(" "):
        longer = f"{kept} {word}" if kept else word
        if cell_len(longer) + 1 > width:
            break
        kept = longer
    if cell_len(kept) <= width // 2:  # whole words would leave most of the room empty: cut the next one
        kept = set_cell_size(text, width - 1).rstrip()
    return kept.rstrip(" ,·") + ELLIPSIS


def column_head(title: str, short_title: str, count: str, width: int) -> tuple[str, str]:
    """(title, count) of a column head ``width`` cells wide, a space before each.

    The title keeps whole words; a column with a short title ("Mo 30.11") uses it
    when the long one does not fit, and then gives up the count before the date.
    """

    def fits(name: str, number: str) -> bool:
        return cell_len(name) + len(number) + (2 if number else 1) <= width

    name = title
    if short_title and not fits(title, count):
        name = short_title
        if not fits(name, count):
            count = ""
    room = max(0, width - len(count))
    return set_cell_size(f" {shorten(name, max(0, room - (2 if count else 1)))}", room), count
