"""Persons in a table: the rows of a search (widgets/person_rows.py), shown as plain text.

:class:`PersonTable` shows the rows; the Persons view and the person picker
both use it. The table draws only the lines on screen (Textual's line API, as
the agenda's grid does): a new answer replaces a list and repaints the table,
and never asks for a new layout of the screen, which made most of the time
from a keystroke to the painted answer with a general-purpose table.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from ..i18n import _
from ..sanitize import clean
from .person_rows import PersonRow


@dataclass(frozen=True)
class Column:
    """A column of the table. The name column takes the room the others leave.

    ``drop`` orders what goes when the table is narrow: the highest number first
    (the Mandant's code before the state, the state before the mobile), so the
    name and the birth date, which tell two persons of one name apart, stay.
    """

    key: str
    title: str
    width: int
    drop: int


PADDING = 1  # a space either side of every cell
NAME_MIN = 14


class PersonTable(Widget, can_focus=True):
    """A table of persons, one line per person, with a row cursor."""

    COMPONENT_CLASSES = {
        "person-table--header",
        "person-table--even",
        "person-table--cursor",
        "person-table--cursor-blurred",
        "person-table--deceased",
        "person-table--inactive",
        "person-table--mark",
    }
    DEFAULT_CSS = """
    PersonTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        & > .person-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .person-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .person-table--even { background: $surface-lighten-1 50%; }
        &:dark > .person-table--even { background: $surface-darken-1 40%; }
        & > .person-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .person-table--cursor-blurred {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .person-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .person-table--deceased { text-style: italic; }
        & > .person-table--inactive { text-style: dim; }
        & > .person-table--mark { color: $success; text-style: bold; }
    }
    """
    HEAD_WIDTH = 0  # columns before the cells of a row (the picker's marks)
    BINDINGS = [
        # moving in a list: the keys every list has, not repeated in the footer
        Binding("down", "cursor(1)", show=False),
        Binding("up", "cursor(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("home", "first", show=False),
        Binding("end", "last", show=False),
        Binding("enter", "select", show=False),
    ]

    class Highlighted(Message):
        """The cursor is on another person (``person_id`` None: the list is empty)."""

        def __init__(self, table: PersonTable, person_id: int | None) -> None:
            super().__init__()
            self.table = table
            self.person_id = person_id

        @property
        def control(self) -> PersonTable:
            return self.table

    class Selected(Highlighted):
        """Enter or a click on the highlighted person."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[PersonRow] = []
        self.rows_by_id: dict[int, PersonRow] = {}
        self.cursor_row = 0
        self.top = 0
        self.columns = (
            Column("name", _("Name"), NAME_MIN, 0),
            Column("birth", _("Born"), 10, 0),
            Column("mobile", _("Mobile"), 13, 1),
            Column("mandant", _("Mandant"), 7, 3),
            Column("state", _("State"), 11, 2),
        )
        self._paint: tuple[list[tuple[Column, int]], dict[str, Style]] | None = None
        self._styles: tuple[tuple, dict[str, Style]] | None = None  # (what they depend on, the styles)

    # -- rows and cursor ----------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def current_id(self) -> int | None:
        return self.rows[self.cursor_row].id if 0 <= self.cursor_row < len(self.rows) else None

    def show_rows(self, rows: list[PersonRow], keep: int | None = None) -> None:
        """Replace the rows; the cursor goes to person ``keep`` if listed, else to the top."""
        before = self.current_id
        self.rows = list(rows)
        self.rows_by_id = {row.id: row for row in rows}
        self.cursor_row = next((index for index, row in enumerate(rows) if row.id == keep), 0)
        self.top = 0
        self._scroll_to_cursor()
        self.refresh()
        if self.current_id != before:
            self.post_message(self.Highlighted(self, self.current_id))

    def update_person_row(self, row: PersonRow) -> None:
        """Refresh one listed person in place."""
        if row.id not in self.rows_by_id:
            return
        self.rows_by_id[row.id] = row
        self.rows = [row if listed.id == row.id else listed for listed in self.rows]
        self.refresh()

    def move_cursor(self, row: int) -> None:
        if not self.rows:
            return
        target = max(0, min(row, len(self.rows) - 1))
        if target == self.cursor_row:
            return
        self.cursor_row = target
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Highlighted(self, self.current_id))

    def action_cursor(self, step: int) -> None:
        self.move_cursor(self.cursor_row + step)

    def action_page(self, pages: int) -> None:
        self.move_cursor(self.cursor_row + pages * self.visible_rows)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.rows) - 1)

    def action_select(self) -> None:
        if self.current_id is not None:
            self.post_message(self.Selected(self, self.current_id))

    # -- scrolling --------------------------------------------------------------

    @property
    def visible_rows(self) -> int:
        return max(1, self.size.height - 1)  # under the header

    def _scroll_to_cursor(self) -> None:
        rows = self.visible_rows
        if self.cursor_row < self.top:
            self.top = self.cursor_row
        elif self.cursor_row >= self.top + rows:
            self.top = self.cursor_row - rows + 1
        self.top = max(0, min(self.top, len(self.rows) - rows))

    def on_resize(self, _event: events.Resize) -> None:
        self._scroll_to_cursor()
        self.refresh()

    def on_mouse_scroll_down(self, _event: events.MouseScrollDown) -> None:
        self.top = max(0, min(self.top + 3, len(self.rows) - self.visible_rows))
        self.refresh()

    def on_mouse_scroll_up(self, _event: events.MouseScrollUp) -> None:
        self.top = max(0, self.top - 3)
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        row = self.top + event.y - 1
        if row >= len(self.rows):
            return
        if row == self.cursor_row:
            self.action_select()
        else:
            self.move_cursor(row)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing ----------------------------------------------------------------

    def layout_columns(self, width: int) -> list[tuple[Column, int]]:
        """The columns that fit ``width`` with their text widths, dropping the least needed first."""
        shown = list(self.columns)
        while len(shown) > 1 and sum(column.width + 2 * PADDING for column in shown) > width:
            shown.remove(max(shown, key=lambda column: (column.drop, shown.index(column))))
        spare = max(0, width - sum(column.width + 2 * PADDING for column in shown))
        # the name takes what the others leave: long double names are common
        return [(column, column.width + spare if column.key == "name" else column.width) for column in shown]

    def cell_texts(self, row: PersonRow) -> dict[str, str]:
        return {
            "name": row.plain_name,
            "birth": row.birth_text(),
            "mobile": row.mobile_text(),
            "mandant": clean(row.mandant_code),
            "state": row.state_text(),
        }

    def render_lines(self, crop):
        # the columns and styles hold for every line of one paint; the styles are looked up
        # again when what they depend on changed (the theme, the focus, ANSI colours), not
        # on every paint (Textual forgets its own cache of them at every refresh)
        key = (self.app.theme, self.has_focus, self.app.ansi_color)
        if self._styles is None or self._styles[0] != key:
            styles = {
                name: self.get_component_rich_style(
                    f"person-table--{name}", partial=name in ("deceased", "inactive", "mark")
                )
                for name in ("header", "even", "cursor", "cursor-blurred", "deceased", "inactive", "mark")
            }
            styles["base"] = self.rich_style
            self._styles = (key, styles)
        self._paint = (self.layout_columns(self.size.width - self.HEAD_WIDTH), self._styles[1])
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._paint is None:
            self._paint = (self.layout_columns(width - self.HEAD_WIDTH), {})
        columns, styles = self._paint
        base = styles.get("base") or self.rich_style
        if y == 0:
            header = styles.get("header", base)
            titles = [(column, text_width, column.title) for column, text_width in columns]
            return Strip([Segment(" " * self.HEAD_WIDTH + self._line(titles, width - self.HEAD_WIDTH), header)], width)
        index = self.top + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        if index == self.cursor_row:
            style = styles.get("cursor" if self.has_focus else "cursor-blurred", base)
        else:
            style = base + styles["even"] if index % 2 and "even" in styles else base
        texts = self.cell_texts(row)
        segments = self.row_head(row, style, styles)
        line = self._line(
            [(column, text_width, texts[column.key]) for column, text_width in columns], width - self.HEAD_WIDTH
        )
        state = "deceased" if row.deceased else "inactive" if row.inactive else None
        if state and index != self.cursor_row and state in styles:
            style = style + styles[state]
        segments.append(Segment(line, style))
        return Strip(segments, width)

    def row_head(self, row: PersonRow, style: Style, styles: dict[str, Style]) -> list[Segment]:
        """Segments before a row's cells (the picker's marks); none here."""
        return []

    @staticmethod
    def _line(cells: list[tuple[Column, int, str]], width: int) -> str:
        pad = " " * PADDING
        line = "".join(f"{pad}{set_cell_size(text, text_width)}{pad}" for _, text_width, text in cells)
        return set_cell_size(line, max(0, width))
