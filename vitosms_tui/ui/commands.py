"""The command palette's "go to person": type a name, a birth date or a mobile number.

The best hits also offer what the desk does for a person: a message, an
appointment, a recall (``person_actions``).
"""

from __future__ import annotations

import asyncio
from functools import partial

import peewee
from rich.text import Text
from textual.command import Hit, Hits, Provider

from .i18n import _
from .person_actions import ACTIONS, act_on_person
from .sanitize import plain
from .widgets.person_rows import fetch_person_rows

MIN_QUERY = 2
MAX_HITS = 8
ACTION_HITS = 3  # the best hits also offer message, appointment and recall


class PersonCommands(Provider):
    """Persons matching the palette's text; choosing one opens it in the Persons view."""

    async def search(self, query: str) -> Hits:
        text = query.strip()
        if len(text) < MIN_QUERY:
            return
        # the search runs in a thread: the palette keeps answering keys meanwhile
        try:
            rows = await asyncio.to_thread(fetch_person_rows, text, MAX_HITS)
        except peewee.PeeweeException:  # a busy database: no person hits this time
            return
        label = _("Person")
        for rank, row in enumerate(rows):
            display = Text.assemble((f"{label}: ", "dim"), plain(row.plain_name), ("  " + row.birth_text(), "dim"))
            yield Hit(
                0.9 - rank * 0.01,
                display,
                partial(self.app.open_person, row.id),
                text=f"{label}: {row.plain_name}",
                help=_("Open in the Persons view"),
            )
        # after every "open the person" hit, also in the order they arrive (the palette shows
        # hits as they come: Enter on the first line opens the best person, as it always did)
        for rank, row in enumerate(rows[:ACTION_HITS]):
            for order, (action, words) in enumerate(ACTIONS.items(), start=1):
                yield Hit(
                    0.5 - rank * 0.01 - order * 0.001,
                    Text.assemble((f"{_(words)} ", "dim"), plain(row.plain_name)),
                    partial(act_on_person, self.app, action, row.id),
                    text=f"{_(words)} {row.plain_name}",
                )
