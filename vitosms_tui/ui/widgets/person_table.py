"""Persons in a table: the rows of a search, shown as plain text.

:func:`fetch_person_rows` runs the core search and may be called from a
worker thread (it holds its own database connection for the call).
:class:`PersonTable` shows the rows; the Persons view and the person picker
both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual.widgets import DataTable
from .tables import cursor_id

from ...core import persons
from ...core.db import connection
from ...core.models import Mandant
from ...core.phone import format_phone
from ..i18n import _, format_date
from ..sanitize import clean, plain


@dataclass(frozen=True)
class PersonRow:
    """What a list shows of a person (plain values, safe to pass between threads)."""

    id: int
    first_name: str
    last_name: str
    birth_date: date | None
    mobile: str | None
    email: str | None
    language: str
    mandant_code: str
    deceased: bool
    inactive: bool

    @property
    def plain_name(self) -> str:
        return clean(f"{self.last_name} {self.first_name}")

    def name_text(self) -> Text:
        return plain(self.plain_name)

    def birth_text(self) -> str:
        return format_date(self.birth_date)

    def state_text(self) -> Text:
        if self.deceased:
            return Text(_("deceased"), style="italic")
        if self.inactive:
            return Text(_("inactive"), style="dim")
        return Text("")


def row_of(person, codes: dict[int, str]) -> PersonRow:
    return PersonRow(
        id=person.id, first_name=person.first_name, last_name=person.last_name,
        birth_date=person.birth_date, mobile=person.mobile, email=person.email,
        language=person.language, mandant_code=codes.get(person.mandant_id, ""),
        deceased=bool(person.deceased), inactive=bool(person.inactive),
    )


def fetch_person_rows(text: str, limit: int = 200) -> list[PersonRow]:
    """Search persons (name, ``dd.mm.yyyy`` or mobile) and return display rows."""
    with connection():
        found = persons.search(text, limit)
        codes = dict(Mandant.select(Mandant.id, Mandant.code).tuples())
        return [row_of(person, codes) for person in found]


class PersonTable(DataTable):
    """A table of persons, one row per person, keyed by the person's id."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        self.rows_by_id: dict[int, PersonRow] = {}

    def on_mount(self) -> None:
        self.add_column(_("Name"), key="name", width=21)
        self.add_column(_("Born"), key="birth", width=10)
        self.add_column(_("Mobile"), key="mobile", width=13)
        self.add_column(_("Mandant"), key="mandant", width=7)
        self.add_column(_("State"), key="state", width=11)

    def cells(self, row: PersonRow) -> tuple:
        return (
            row.name_text(), row.birth_text(), format_phone(row.mobile), plain(row.mandant_code),
            row.state_text(),
        )

    def show_rows(self, rows: list[PersonRow], keep: int | None = None) -> None:
        """Replace the rows; the cursor goes to person ``keep`` if listed, else to the top."""
        self.clear()
        self.rows_by_id = {row.id: row for row in rows}
        for row in rows:
            self.add_row(*self.cells(row), key=str(row.id))
        if rows:
            ids = [row.id for row in rows]
            self.move_cursor(row=ids.index(keep) if keep in self.rows_by_id else 0)

    def update_person_row(self, row: PersonRow) -> None:
        """Refresh one listed person in place."""
        if row.id not in self.rows_by_id:
            return
        self.rows_by_id[row.id] = row
        for column, value in zip(("name", "birth", "mobile", "mandant", "state"), self.cells(row)):
            self.update_cell(str(row.id), column, value)

    @property
    def current_id(self) -> int | None:
        return cursor_id(self)
