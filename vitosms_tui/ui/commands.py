"""The command palette's "go to person": type a name, a birth date or a mobile number."""

from __future__ import annotations

import asyncio
from functools import partial

import peewee
from rich.text import Text
from textual.command import Hit, Hits, Provider

from .i18n import _
from .sanitize import plain
from .widgets.person_table import fetch_person_rows

MIN_QUERY = 2
MAX_HITS = 8


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
