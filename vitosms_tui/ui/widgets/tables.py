"""Small helpers shared by the views' DataTables."""

from __future__ import annotations

from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist


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
