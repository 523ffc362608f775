"""Persons in a table: the rows of a search, shown as plain text.

:func:`fetch_person_rows` runs the core search and may be called from a
worker thread (it holds its own database connection for the call); it also
formats the mobile numbers there, so that showing an answer costs the view
little. :class:`PersonTable` shows the rows; the Persons view and the person
picker both use it.

The table is Textual's DataTable with a quicker way to draw a cell: a row is
one line of plain text, so a cell is its text cut to the column and padded,
in the styles DataTable would give it, instead of a pass through Rich's
layout of a padded, wrapped renderable (which made most of the time from a
keystroke to the painted answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import date

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widgets import DataTable

from .tables import cursor_id

from ...core import persons
from ...core.db import connection
from ...core.models import Mandant, Person
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
    mobile_text: str = ""  # the mobile as shown, formatted once when the row is made
    born_text: str = ""  # the birth date as shown, likewise (babel takes its time)

    @property
    def plain_name(self) -> str:
        return clean(f"{self.last_name} {self.first_name}")

    def name_text(self) -> Text:
        return plain(self.plain_name)

    def birth_text(self) -> str:
        return self.born_text or format_date(self.birth_date)

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
        mobile_text=_phone_text(person.mobile), born_text=format_date(person.birth_date),
    )


# what a row shows, read as plain values: building 100 whole Person models took longer than the search
_ROW_COLUMNS = (Person.id, Person.first_name, Person.last_name, Person.birth_date, Person.mobile, Person.email,
                Person.language, Person.mandant, Person.deceased, Person.inactive)


@lru_cache(maxsize=4096)
def _phone_text(mobile: str | None) -> str:
    return format_phone(mobile)  # parsed by phonenumbers: the same numbers come back with every keystroke


def fetch_person_rows(text: str, limit: int = 200) -> list[PersonRow]:
    """Search persons (name, ``dd.mm.yyyy`` or mobile) and return display rows."""
    with connection():
        ids = persons.search_ids(text, limit)
        if not ids:
            return []
        codes = dict(Mandant.select(Mandant.id, Mandant.code).tuples())
        found = {values[0]: values for values in Person.select(*_ROW_COLUMNS).where(Person.id.in_(ids)).tuples()}
    rows = []
    for person_id in ids:
        if person_id not in found:
            continue  # gone between the two reads
        _, first, last, birth, mobile, email, language, mandant_id, deceased, inactive = found[person_id]
        rows.append(PersonRow(id=person_id, first_name=first, last_name=last, birth_date=birth, mobile=mobile,
                              email=email, language=language, mandant_code=codes.get(mandant_id, ""),
                              deceased=bool(deceased), inactive=bool(inactive), mobile_text=_phone_text(mobile),
                              born_text=format_date(birth)))
    return rows


class PersonTable(DataTable):
    """A table of persons, one row per person, keyed by the person's id."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        self.rows_by_id: dict[int, PersonRow] = {}
        # the widget's and the rows' styles hold for all lines of one paint
        self._paint_styles: dict[object, Style] | None = None

    def on_mount(self) -> None:
        self.add_column(_("Name"), key="name", width=21)
        self.add_column(_("Born"), key="birth", width=10)
        self.add_column(_("Mobile"), key="mobile", width=13)
        self.add_column(_("Mandant"), key="mandant", width=7)
        self.add_column(_("State"), key="state", width=11)

    def cells(self, row: PersonRow) -> tuple:
        return (
            row.name_text(), Text(row.birth_text()), Text(row.mobile_text), plain(row.mandant_code),
            row.state_text(),
        )

    def show_rows(self, rows: list[PersonRow], keep: int | None = None) -> None:
        """Replace the rows; the cursor goes to person ``keep`` if listed, else to the top."""
        if rows and list(self.rows_by_id.values()) == rows and (keep is None or keep in self.rows_by_id):
            # the same answer again (one more letter of the same names): nothing to redraw
            target = 0 if keep is None else [row.id for row in rows].index(keep)
            if self.cursor_row != target:
                self.move_cursor(row=target)
            return
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

    def render_lines(self, crop):
        self._paint_styles = {}
        try:
            return super().render_lines(crop)
        finally:
            self._paint_styles = None

    @property
    def rich_style(self) -> Style:
        styles = self._paint_styles
        if styles is None:
            return super().rich_style
        if "widget" not in styles:
            styles["widget"] = super().rich_style
        return styles["widget"]

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        styles = self._paint_styles
        if styles is None or not self.zebra_stripes or row_index < max(0, self.fixed_rows):
            return super()._get_row_style(row_index, base_style)
        key = row_index % 2
        if key not in styles:
            styles[key] = super()._get_row_style(row_index, base_style)
        return styles[key]

    def _paint_memo(self, key, make):
        """A value that holds for one paint (styles, the column order), made once per paint."""
        styles = self._paint_styles
        if styles is None:
            return make()
        if key not in styles:
            styles[key] = make()
        return styles[key]

    def _cell_styles(self, hover: bool, cursor: bool, css_priority: bool = True) -> tuple[Style, Style]:
        return self._paint_memo(("cell", hover, cursor, css_priority), lambda: self._get_styles_to_render_cell(
            False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
            css_priority and self.cursor_foreground_priority == "css",
            css_priority and self.cursor_background_priority == "css"))

    def _render_line_in_row(self, row_key, line_no: int, base_style: Style, cursor_location, hover_location):
        """A body row as DataTable draws it with a row cursor, with what holds for all rows looked up once per paint."""
        if (row_key is self._header_row_key or row_key not in self._row_locations or self.fixed_columns
                or self.fixed_rows or self._labelled_row_exists or self.cursor_type != "row"):
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)
        cache_key = (row_key, line_no, base_style, cursor_location, hover_location, self.cursor_type,
                     self.show_cursor, self._show_hover_cursor, self._update_count, self._pseudo_class_state)
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached
        row_index = self._row_locations.get(row_key)
        row_style = self._get_row_style(row_index, base_style)
        cursor = row_index == cursor_location.row
        hover = row_index == hover_location.row
        widths = self._paint_memo("widths", lambda: [c.get_render_width(self) for c in self.ordered_columns])
        cells = [self._render_cell(row_index, index, row_style, width, cursor=cursor, hover=hover)[line_no]
                 for index, width in enumerate(widths)]
        # the row's style carried on to the right edge, as DataTable does
        remaining = max(0, self.size.width - sum(widths) - self._row_label_column_width)
        extend_style = row_style + self._cell_styles(hover, cursor, css_priority=False)[0]
        extend_style += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        cells.append([Segment(" " * remaining, extend_style)])
        pair = ([], cells)
        self._row_render_cache[cache_key] = pair
        return pair

    def _update_dimensions(self, new_rows) -> None:
        """The columns have fixed widths and a row is one line: nothing to measure."""
        if any(column.auto_width for column in self.columns.values()) or any(
                self.rows[key].auto_height for key in new_rows if key in self.rows):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width, self._total_row_height + header)

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False):
        """A body cell as DataTable draws it (same styles and padding), without Rich's layout pass."""
        if row_index < 0 or column_index < 0 or self.fixed_rows or self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor, self._update_count,
               self._pseudo_class_state)
        lines = self._cell_render_cache.get(key)
        if lines is None:
            cell = self._data[row_key][column_key]
            text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
            pre_style, post_style = self._cell_styles(hover, cursor)
            pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + pre_style
            padding = self.cell_padding
            room = max(0, width - 2 * padding)
            text.truncate(room, overflow=text.overflow or "fold")
            if text.style:  # the text's own style under its spans, on the letters only (not the padding)
                text.stylize_before(text.style)
                text.style = ""
            segments = [Segment(" " * padding), *text.render(self.app.console),
                        Segment(" " * (room - text.cell_len + padding))]
            lines = self._cell_render_cache[key] = [list(Segment.apply_style(segments, pre_style, post_style))]
        return lines
