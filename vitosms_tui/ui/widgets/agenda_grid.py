"""The agenda's time grid: a column per Mandant (a day) or per day (a week), a row per slot.

The data arrives as a :class:`~.agenda_data.GridLayout` (built in a worker
thread; the reminders' markers are read again in one), so drawing and moving
the cursor never touch the database. Only the lines on screen are drawn
(Textual's line API): a day with thousands of appointments is as quick as a quiet one.

Several appointments starting in one slot share its cell: the cell shows the
one under the cursor and how many there are; ``j``/``k`` step through them
before leaving the slot (``J``/``K`` jump to the next slot). :class:`AgendaKeys`
is the line of navigation keys shown under the grid.
"""

from __future__ import annotations

from datetime import datetime, time

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from ...core import agenda_view, clock
from ...core.db import connection
from ..i18n import _
from ..texts.fit import column_head, shorten
from ..views.agenda_data import IMPORTED_MARK, AgendaColumn, AgendaItem, GridLayout

MARKER_SECONDS = 5.0  # how often the markers of reminders on their way are read again
TIME_WIDTH = 6
NARROW = 24  # below this cell width a name is written "Last F."


class AgendaGrid(Widget, can_focus=True):
    """The grid with a cursor on a column and a slot (and an appointment of that slot)."""

    COMPONENT_CLASSES = {
        "agenda-grid--header",
        "agenda-grid--today",
        "agenda-grid--time",
        "agenda-grid--hour",
        "agenda-grid--now",
        "agenda-grid--off",
        "agenda-grid--free",
        "agenda-grid--appointment",
        "agenda-grid--continued",
        "agenda-grid--cursor",
        "agenda-grid--cursor-blurred",
        "agenda-grid--rule",
        "agenda-grid--count",
        "agenda-grid--pending",
        "agenda-grid--sent",
        "agenda-grid--delivered",
        "agenda-grid--failed",
        "agenda-grid--confirmed",
        "agenda-grid--declined",
    }
    BINDINGS = [
        # listed under the grid and in F1 by the agenda's key line
        Binding("down,j", "cursor(0, 1)", show=False),
        Binding("up,k", "cursor(0, -1)", show=False),
        Binding("left,h", "cursor(-1, 0)", show=False),
        Binding("right,l", "cursor(1, 0)", show=False),
        Binding("J", "appointment(1)", show=False),
        Binding("K", "appointment(-1)", show=False),
        Binding("shift+down", "slot(1)", show=False),
        Binding("shift+up", "slot(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("home", "first", show=False),
        Binding("end", "last", show=False),
    ]

    class CursorMoved(Message):
        """The cursor is on another slot or appointment."""

        def __init__(self, grid: AgendaGrid) -> None:
            super().__init__()
            self.grid = grid

    class EdgeReached(Message):
        """Left (-1) or right (+1) of the outermost column: the screen may turn the page."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sheet = GridLayout([], time(7), time(19), 15)
        self.loaded = False  # until the first data arrives, an empty sheet means "not yet"
        self.column = 0
        self.slot = 0
        self.index = 0
        self.top = 0
        self.now_minute: int | None = None  # the slot of "now" on today's column
        # looked up once per paint, not once per cell: Textual resolves a component
        # style through the CSS each time (a third of drawing a day of 5 Mandanten)
        self._styles: dict[tuple[str, bool], Style] = {}
        self._paint: tuple[list[int], Style] | None = None

    # -- the reminders' markers ---------------------------------------------------

    def on_mount(self) -> None:
        self.set_interval(MARKER_SECONDS, self.refresh_markers)

    def refresh_markers(self) -> None:
        """Follow the delivery of the visible reminders (queued → sent → delivered) without a reload."""
        layout = self.sheet
        ids = layout.in_flight()
        if ids and not any(w.group == "agenda-markers" and w.is_running for w in self.workers):
            self._marker_worker(layout, ids)

    @work(thread=True, group="agenda-markers")
    def _marker_worker(self, layout: GridLayout, ids: list[int]) -> None:
        with connection():
            states = agenda_view.reminder_states(ids)
        self.app.call_from_thread(self._apply_markers, layout, ids, states)

    def _apply_markers(self, layout: GridLayout, ids: list[int], states: dict[int, str]) -> None:
        if self.sheet is layout and layout.update_reminders(ids, states):
            self.refresh()
            self.post_message(self.CursorMoved(self))

    # -- data and cursor --------------------------------------------------------

    def show(
        self, layout: GridLayout, select_id: int | None = None, column_key: str | None = None, minute: int | None = None
    ) -> None:
        """New data: the cursor goes to appointment ``select_id``, else to column/minute."""
        self.sheet = layout
        self.loaded = True
        position = layout.position.get(select_id) if select_id is not None else None
        if position is not None:
            self.column, self.slot, self.index = position
        else:
            keys = [c.key for c in layout.columns]
            self.column = keys.index(column_key) if column_key in keys else min(self.column, max(0, len(keys) - 1))
            self.slot = layout.slot_of_minute(minute if minute is not None else layout.office[0])
            self.index = 0
        now = clock.local(clock.now())
        today = [c for c in layout.columns if c.day == now.date()]
        self.now_minute = now.hour * 60 + now.minute if today else None
        self._scroll_to_cursor(center=True)
        self._moved()

    @property
    def cursor_column(self) -> AgendaColumn | None:
        columns = self.sheet.columns
        return columns[self.column] if 0 <= self.column < len(columns) else None

    @property
    def starting_item(self) -> AgendaItem | None:
        """The appointment that starts in the cursor's slot (where the cursor goes back to)."""
        entries = self.sheet.entries(self.column, self.slot)
        return entries[self.index] if 0 <= self.index < len(entries) else None

    @property
    def cursor_item(self) -> AgendaItem | None:
        """The appointment under the cursor: one starting here, or one that runs through the slot."""
        item = self.starting_item
        if item is None:
            covered = self.sheet.covered.get((self.column, self.slot))
            item = covered[0] if covered else None
        return item

    @property
    def cursor_minute(self) -> int:
        return self.sheet.minute_of(self.slot)

    @property
    def cursor_start(self) -> datetime | None:
        """The instant of the cursor: the appointment's start, else the slot's."""
        item = self.cursor_item
        if item is not None:
            return clock.to_utc(item.start)
        if self.cursor_column is None:
            return None
        return self.sheet.slot_start(self.column, self.slot)

    @property
    def slot_instant(self) -> datetime | None:
        """The instant (UTC) where the cursor's slot begins."""
        if self.cursor_column is None:
            return None
        return self.sheet.slot_start(self.column, self.slot)

    def move_to(self, column: int, slot: int, index: int = 0) -> None:
        layout = self.sheet
        self.column = max(0, min(column, len(layout.columns) - 1))
        self.slot = max(0, min(slot, layout.slots - 1))
        self.index = max(0, min(index, len(layout.entries(self.column, self.slot)) - 1))
        self._scroll_to_cursor()
        self._moved()

    def _moved(self) -> None:
        self.refresh()
        self.post_message(self.CursorMoved(self))

    def action_cursor(self, columns: int, slots: int) -> None:
        if columns:
            target = self.column + columns
            if not 0 <= target < len(self.sheet.columns):
                self.post_message(self.EdgeReached(columns))
                return
            self.move_to(target, self.slot)
        elif slots > 0:
            if self.index + 1 < len(self.sheet.entries(self.column, self.slot)):
                self.move_to(self.column, self.slot, self.index + 1)
            elif self.slot + 1 < self.sheet.slots:
                self.move_to(self.column, self.slot + 1)
        elif slots < 0:
            if self.index > 0:
                self.move_to(self.column, self.slot, self.index - 1)
            elif self.slot > 0:
                above = len(self.sheet.entries(self.column, self.slot - 1))
                self.move_to(self.column, self.slot - 1, max(0, above - 1))

    def action_slot(self, slots: int) -> None:
        """To the next/previous slot, past the appointments stacked in this one."""
        self.move_to(self.column, self.slot + slots)

    def action_appointment(self, step: int) -> None:
        """To the next/previous appointment of the column, over the free slots between."""
        here = (self.slot, self.index if self.starting_item is not None else (-1 if step > 0 else 0))
        places = sorted(
            (slot, index)
            for (column, slot), entries in self.sheet.starts.items()
            if column == self.column
            for index in range(len(entries))
        )
        ahead = [p for p in places if p > here] if step > 0 else [p for p in reversed(places) if p < here]
        if ahead:
            self.move_to(self.column, *ahead[0])

    def action_page(self, pages: int) -> None:
        self.move_to(self.column, self.slot + pages * self.visible_rows)

    def action_first(self) -> None:
        self.move_to(self.column, 0)

    def action_last(self) -> None:
        self.move_to(self.column, self.sheet.slots - 1)

    # -- scrolling --------------------------------------------------------------

    @property
    def visible_rows(self) -> int:
        return max(1, self.size.height - 1)

    def _scroll_to_cursor(self, center: bool = False) -> None:
        rows = self.visible_rows
        if center and not self.top <= self.slot < self.top + rows:
            self.top = self.slot - rows // 4
        elif self.slot < self.top:
            self.top = self.slot
        elif self.slot >= self.top + rows:
            self.top = self.slot - rows + 1
        self.top = max(0, min(self.top, self.sheet.slots - rows))

    def on_resize(self, _event: events.Resize) -> None:
        self._scroll_to_cursor()
        self.refresh()

    def on_mouse_scroll_down(self, _event: events.MouseScrollDown) -> None:
        self.top = max(0, min(self.top + 3, self.sheet.slots - self.visible_rows))
        self.refresh()

    def on_mouse_scroll_up(self, _event: events.MouseScrollUp) -> None:
        self.top = max(0, self.top - 3)
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        widths = self._widths()
        x = event.x - TIME_WIDTH
        if event.y < 1 or x < 0 or not widths:
            return
        for index, width in enumerate(widths):
            if x < width + 1:
                self.move_to(index, self.top + event.y - 1)
                return
            x -= width + 1

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing ----------------------------------------------------------------

    def _widths(self) -> list[int]:
        count = len(self.sheet.columns)
        if not count:
            return []
        room = max(count * 4, self.size.width - TIME_WIDTH)
        width = room // count - 1
        widths = [width] * count
        widths[-1] += room - count * (width + 1)
        return widths

    def _style(self, name: str, partial: bool = False) -> Style:
        key = (name, partial)
        style = self._styles.get(key)
        if style is None:
            style = self._styles[key] = self.get_component_rich_style(f"agenda-grid--{name}", partial=partial)
        return style

    def render_lines(self, crop):
        # styles, widths and the base style hold for every line of one paint; the
        # next paint looks them up again (theme, focus, size may have changed)
        self._styles.clear()
        self._paint = (self._widths(), self.rich_style)
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        widths, base = self._paint if self._paint is not None else (self._widths(), self.rich_style)
        if not widths:
            text = _("No Mandant to show.") if y == 0 and self.loaded else ""
            return Strip([Segment(set_cell_size(text, width), base)], width)
        if y == 0:
            segments = [Segment(" " * TIME_WIDTH, self._style("header"))]
            for column, cell_width in zip(self.sheet.columns, widths, strict=False):
                style = self._style("today") if column.today else self._style("header")
                title, count = column_head(
                    column.title, column.short_title, f"{len(column.items)} " if column.items else "", cell_width
                )
                segments.append(Segment("│", self._style("rule")))
                segments.append(Segment(title, style))
                segments.append(Segment(count[:cell_width], style + self._style("time", partial=True)))
            return Strip(segments, width)
        slot = self.top + y - 1
        if slot >= self.sheet.slots:
            return Strip.blank(width, base)
        segments = self._time_label(slot)
        for index, cell_width in enumerate(widths):
            segments.append(Segment("│", self._style("rule")))
            segments.extend(self._cell(index, slot, cell_width))
        return Strip(segments, width)

    def _time_label(self, slot: int) -> list[Segment]:
        minute = self.sheet.minute_of(slot)
        size = self.sheet.slot_minutes
        label = f"{minute // 60:02d}:{minute % 60:02d}" if minute % 60 == 0 or size >= 60 else f"  :{minute % 60:02d}"
        if self.now_minute is not None and minute <= self.now_minute < minute + size:
            return [Segment(set_cell_size(f"{label}▸", TIME_WIDTH), self._style("now"))]
        style = self._style("hour") if minute % 60 == 0 else self._style("time")
        if not self.sheet.in_office(slot):
            style = style + self._style("off", partial=True)
        return [Segment(set_cell_size(label, TIME_WIDTH), style)]

    def _cell(self, column: int, slot: int, width: int) -> list[Segment]:
        layout = self.sheet
        at_cursor = column == self.column and slot == self.slot
        entries = layout.entries(column, slot)
        if entries:
            index = self.index if at_cursor and self.index < len(entries) else 0
            item = entries[index]
            style = self._style("appointment")
            if at_cursor:
                style = self._style("cursor" if self.has_focus else "cursor-blurred")
            marker = item.marker
            head = [Segment(" ", style)]
            if marker:
                # on the cursor the glyph keeps the cursor's colours: its shape tells the state
                mark_style = style if at_cursor else style + self._style(marker[1], partial=True)
                head.append(Segment(marker[0], mark_style))
            else:
                head.append(Segment(" ", style))
            local = clock.local(item.start)
            text = f" {IMPORTED_MARK} " if item.source else " "
            if (local.hour * 60 + local.minute) % layout.slot_minutes:
                text += f"{local:%H:%M} "
            if width >= NARROW:
                text += item.person_name + (f" · {item.reason}" if item.reason else "")
            else:  # a week's narrow column: the reason shows on the row below
                text += item.short_name
            count = ""
            if len(entries) > 1:
                count = f" {index + 1}/{len(entries)}" if at_cursor else f" +{len(entries) - 1}"
            body_width = max(0, width - 2 - len(count))
            segments = head + [Segment(set_cell_size(shorten(text, body_width), body_width), style)]
            if count:
                segments.append(Segment(count[: width - 2], style + self._style("count", partial=True)))
            return segments
        covered = layout.covered.get((column, slot))
        if covered is not None:
            item, first_row = covered
            text = f" ┃ {item.reason}" if first_row and item.reason else " ┃"
            style = self._style("continued")
        else:
            text = ""
            style = self._style("free") if layout.in_office(slot) else self._style("off")
        if at_cursor:
            style = self._style("cursor" if self.has_focus else "cursor-blurred")
            if not text:
                text = " ·"
        return [Segment(set_cell_size(text, width), style)]
