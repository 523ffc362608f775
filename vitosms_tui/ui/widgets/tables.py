"""Small helpers shared by the views' DataTables."""

from __future__ import annotations

from textual import events
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from ..i18n import _


def cursor_key(table: DataTable) -> str | None:
    """The row key under the cursor, or None for an empty table.

    The cursor may still point past a table that was just cleared and refilled.
    """
    if not table.row_count:
        return None
    try:
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
    except CellDoesNotExist:
        return None
    return key.value if key is not None else None


def cursor_id(table: DataTable) -> int | None:
    """The cursor row's key as a record id (tables keyed by ``str(id)``)."""
    key = cursor_key(table)
    return int(key) if key is not None else None


class FittedTable(DataTable):
    """A table whose columns give way in a narrow terminal, the least needed first.

    ``COLUMNS`` holds ``(key, title msgid, width, numeric)``; the columns of
    ``GIVE_WAY`` are left out, the first first, until the others fit, and the
    last column takes the room that is left. Every row is kept whole, so a
    wider terminal (after a resize) shows the left-out cells again.
    """

    COLUMNS: tuple[tuple[str, str, int, bool], ...] = ()
    GIVE_WAY: tuple[str, ...] = ()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.whole_rows: dict[str | None, list] = {}
        self.shown: tuple[tuple[str, str, int, bool], ...] = ()

    def on_mount(self) -> None:
        self.fit_columns(self.app.size.width)

    def on_resize(self, event: events.Resize) -> None:
        self.fit_columns(event.size.width)

    def fit_columns(self, width: int) -> None:
        def used(columns) -> int:  # a cell of padding either side, two for the scrollbar
            return sum(column[2] + 2 for column in columns) + 2

        columns = list(self.COLUMNS)
        for key in self.GIVE_WAY:
            if used(columns) <= width:
                break
            columns = [column for column in columns if column[0] != key]
        if columns and not columns[-1][3]:
            key, title, least, numeric = columns[-1]
            columns[-1] = (key, title, max(least, width - used(columns[:-1]) - 2), numeric)
        shown = tuple(columns)
        if shown == self.shown:
            return
        rows, row = dict(self.whole_rows), self.cursor_row
        self.clear(columns=True)
        self.shown = shown
        for key, title, column_width, numeric in shown:
            label = _(title) if title.strip() else title
            self.add_column(label.rjust(column_width) if numeric else label, key=key, width=column_width)
        for key, cells in rows.items():
            self.add_row(*cells, key=key)
        if rows:
            self.move_cursor(row=min(row, len(rows) - 1), animate=False)

    def add_row(self, *cells, key: str | None = None, **kwargs):
        self.whole_rows[key] = list(cells)
        shown = {column[0] for column in self.shown}
        return super().add_row(
            *(cell for column, cell in zip(self.COLUMNS, cells, strict=False) if column[0] in shown), key=key, **kwargs
        )

    def update_whole_cell(self, row_key: str, column_key: str, value) -> None:
        """Change one cell, also in the kept row (shown or not)."""
        index = [column[0] for column in self.COLUMNS].index(column_key)
        self.whole_rows[row_key][index] = value
        if any(column[0] == column_key for column in self.shown):
            self.update_cell(row_key, column_key, value)

    def clear(self, columns: bool = False):
        self.whole_rows = {}
        return super().clear(columns)
