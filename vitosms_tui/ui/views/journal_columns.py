"""Which columns of the Journal fit the terminal, and how wide the error may be.

At 120 columns and more every column is shown. In a narrower terminal the
columns give way one by one, the least needed first, until the error has room
to be read: a receptionist at 80 columns still sees when, who, the status and
what went wrong (the whole error stands under the list, and the message's
detail has the rest).
"""

from __future__ import annotations

from ..i18n import N_

# fixed widths; the error column takes what is left of the screen
WIDTHS = {
    "at": 16,
    "mandant": 4,
    "channel": 6,
    "recipient": 15,
    "person": 16,
    "purpose": 11,
    "status": 14,
    "credits": 3,
}
TITLES = {
    "at": N_("Created"),
    "mandant": N_("Md."),
    "channel": N_("Channel"),
    "recipient": N_("Recipient"),
    "person": N_("Person"),
    "purpose": N_("Purpose"),
    "status": N_("Status"),
    "credits": N_("Cr."),
    "error": N_("Error"),
}
MIN_ERROR_WIDTH = 12
# the error wants this much before a column gives way (at 120 columns every column stays)
READABLE_ERROR_WIDTH = 15
# the order in which columns give way; time, person, status and error always stay
GIVE_WAY = ("mandant", "credits", "purpose", "channel", "recipient")
# each column has one cell of padding on either side, and the scrollbar needs two
PADDING, SCROLLBAR = 2, 2


def _room_for_error(columns: list[str], width: int) -> int:
    used = sum(WIDTHS[key] for key in columns) + PADDING * (len(columns) + 1) + SCROLLBAR
    return width - used


def journal_columns(width: int) -> tuple[tuple[str, ...], int]:
    """(the fixed columns shown, in their order; the error's width) for a table ``width`` wide."""
    columns = list(WIDTHS)
    for key in GIVE_WAY:
        if _room_for_error(columns, width) >= READABLE_ERROR_WIDTH:
            break
        columns.remove(key)
    return tuple(columns), max(MIN_ERROR_WIDTH, _room_for_error(columns, width))
