"""F2 Agenda: the day of every Mandant side by side, or one Mandant's week.

Keys, in the spirit of calcurse and khal: arrows or ``h j k l`` move, ``,`` ``.`` a day,
``[`` ``]`` a week, ``t`` today, ``w`` day/week, ``a`` all Mandanten or one, ``g`` a date
or a time (``13`` is 13:00 of the day shown), ``J``/``K`` next/previous appointment, ``/``
a person's appointments, ``⏎`` the detail. On the appointment under the cursor: ``n`` new,
``e`` edit, ``c`` copy, ``m`` move, ``d`` cancel, ``r`` remind or confirm (``r ⏎``), ``A``
the patient's SMS answer (shown when there is one).

A day or a week is loaded with one query (and one grouped query for the reminder markers)
in a thread worker; moving the cursor only redraws. The neighbours of what is shown are
read ahead (views/agenda_ahead.py); a change made here forgets them.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.widgets import Static
from textual.worker import get_current_worker

from ...core import agenda, clock
from ..i18n import N_, _
from ..texts.appointment_text import booked_text
from ..views import agenda_lines
from ..views.agenda_ahead import ReadAhead
from ..views.agenda_data import (
    IMPORTED_MARK,
    MARKER_NAMES,
    MARKERS,
    AgendaColumn,
    AgendaRequest,
    GridLayout,
    fetch_columns,
    parse_clock,
)
from ..widgets.agenda_grid import AgendaGrid
from ..widgets.agenda_keys import AgendaKeys
from ..widgets.message_line import MessageLine
from .agenda_navigation import AgendaNavigation
from .appointment_actions import AppointmentActions
from .base import DIALOG, ShellScreen


class AgendaScreen(AgendaNavigation, AppointmentActions, ShellScreen[None]):
    """The practice's agenda: grid, selection line, message line."""

    CSS_PATH = "agenda.tcss"
    BINDINGS = [
        # the most used first: at 80 columns the footer keeps the keys that fit whole
        Binding("enter", "open_detail", N_("Detail"), key_display="⏎"),
        Binding(
            "r",
            "remind",
            N_("Remind"),
            tooltip=N_(
                "Remind: ⏎ reminder by the default channel; or r reminder / c confirmation,"
                " then ⏎ default channel, s SMS, e e-mail"
            ),
        ),
        Binding("n", "new", N_("New")),
        Binding("e", "edit", N_("Edit")),
        Binding("c", "copy", N_("Copy")),
        Binding("m", "move", N_("Move"), tooltip=N_("Move: a time alone (11:00) keeps the day")),
        Binding("d,delete", "cancel_appointment", N_("Cancel appt."), key_display="d"),
        Binding("R", "new_recall", N_("Recall"), tooltip=N_("Note a recall for this appointment's person")),
        Binding(
            "A",
            "open_answer",
            N_("Answer"),
            tooltip=N_("The patient's SMS answer: then m offers a new date, d cancels, w writes"),
        ),
        # navigation: hidden here, shown in the key line under the grid (and in F1 from there)
        Binding("comma", "shift_days(-1)", show=False, key_display=",/."),
        Binding("full_stop", "shift_days(1)", show=False, key_display=",/."),
        Binding("left_square_bracket", "shift_days(-7)", show=False, key_display="[/]"),
        Binding("right_square_bracket", "shift_days(7)", show=False, key_display="[/]"),
        Binding("t", "today", show=False),
        Binding("w", "toggle_week", show=False),
        Binding("a", "toggle_all", show=False),
        Binding("g", "goto", show=False),
        Binding("slash", "find_person", show=False, key_display="/"),
    ]

    # What is shown; a change reloads (the watchers below). The day is set again to go to it
    # once more (the cursor to a time); moving the cursor within a week sets it quietly.
    day: var[date] = var(clock.today, always_update=True, init=False)
    week: var[bool] = var(False, init=False)
    all_mandanten: var[bool] = var(True, init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.loaded: AgendaRequest | None = None
        self._place: dict = {}  # where the cursor goes when the change is loaded (see load)
        self._reload_due = False
        self._stale = False
        self._shown_columns: list[AgendaColumn] | None = None
        self._wanted: AgendaRequest | None = None  # the latest load asked for
        self.ahead = ReadAhead()
        self._book_for: int | None = None  # a person to book for as soon as the day is shown
        self._answered = False  # the cursor is on an appointment the patient answered (A)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="agenda"):
            with Horizontal(id="agenda-head"):
                yield Static("", id="agenda-title")
                yield Static("", id="agenda-legend")
            yield AgendaGrid(id="agenda-grid")
            yield Static("", id="agenda-selection")
            yield AgendaKeys("", id="agenda-keys")
            yield MessageLine(id="agenda-message")

    @property
    def grid(self) -> AgendaGrid:
        return self.query_one(AgendaGrid)

    def on_mount(self) -> None:
        grid = self.grid
        legend = Text(end="")
        for glyph, name in dict((v[1], v[0]) for v in MARKERS.values()).items():
            legend.append(name, grid.get_component_rich_style(f"agenda-grid--{glyph}", partial=True))
            legend.append(f" {_(MARKER_NAMES[glyph])}  ")
        legend.append(IMPORTED_MARK + " " + _("imported"))
        self.query_one("#agenda-legend", Static).update(legend)
        grid.focus()
        now = clock.local(clock.now())
        self.load(minute=now.hour * 60 + now.minute)

    def on_screen_suspend(self) -> None:
        # another view took over (not a dialog on top): what it did may show here
        self._stale = self not in self.app.screen_stack

    def on_screen_resume(self) -> None:
        if self._stale and self.loaded is not None:
            self._stale = False
            self.ahead.clear()
            self.load()

    # -- loading ----------------------------------------------------------------

    def watch_day(self) -> None:
        self._reload_soon()

    def watch_week(self) -> None:
        self._reload_soon()

    def watch_all_mandanten(self) -> None:
        self._reload_soon()

    def mandant_switched(self, mandant) -> None:
        if not self._place and mandant is not None and not self.week:
            self._place = {"column_key": f"m{mandant.id}"}
        self._reload_soon()

    def _reload_soon(self) -> None:
        """Load once after the handler that changed what is shown (it may change several things)."""
        if not self._reload_due:
            self._reload_due = True
            self.call_next(self._reload)

    def _reload(self) -> None:
        self._reload_due = False
        place, self._place = self._place, {}
        self.load(**place)

    def _mandant_id(self) -> int | None:
        mandant = getattr(self.app, "current_mandant", None)
        return mandant.id if mandant is not None else None

    def load(self, select_id: int | None = None, column_key: str | None = None, minute: int | None = None) -> None:
        """Load the day or week of ``self.day``; the cursor goes to ``select_id`` or column/minute."""
        grid = self.grid
        if select_id is None and column_key is None and minute is None and grid.starting_item is not None:
            select_id = grid.starting_item.id  # a plain reload keeps the appointment selected, if still there
        if column_key is None:
            current = grid.cursor_column
            if self.week:
                column_key = f"d{self.day.isoformat()}"
            elif current is not None and current.key.startswith("m"):
                column_key = current.key
            else:
                column_key = f"m{self._mandant_id()}"
        if minute is None and grid.cursor_column is not None:
            minute = grid.cursor_minute
        request = AgendaRequest(self.day, self.week, self.all_mandanten, self._mandant_id())
        self._wanted = request
        ahead = self.ahead.take(request)
        if ahead is not None:
            # read ahead: shown at once, then read again in case it changed meanwhile
            self._show(request, self._layout(ahead), select_id, column_key, minute)
            self._shown_columns = ahead
            # after the paint: the reading thread would slow the paint down
            self.call_after_refresh(self._check_shown, request)
            return
        self._load_worker(request, select_id, column_key, minute)

    def _layout(self, columns: list[AgendaColumn]) -> GridLayout:
        settings = self.app.settings.agenda
        return GridLayout(
            columns,
            parse_clock(settings.day_start, "07:00"),
            parse_clock(settings.day_end, "19:00"),
            settings.slot_minutes,
        )

    def _check_shown(self, request: AgendaRequest) -> None:
        # not when a newer load was asked for meanwhile: this one would cancel it (one load at a time)
        if request == self._wanted:
            self._load_worker(request, None, None, None, check=True)

    @work(thread=True, exclusive=True, group="agenda-load")
    def _load_worker(self, request: AgendaRequest, select_id, column_key, minute, check: bool = False) -> None:
        columns = fetch_columns(request)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._loaded, request, columns, select_id, column_key, minute, check)

    def _loaded(
        self, request: AgendaRequest, columns: list[AgendaColumn], select_id, column_key, minute, check: bool
    ) -> None:
        """A day or week from the database; ``check``: it is shown already (read ahead), replace it if it changed."""
        if check:
            if request != self.loaded:
                return  # the desk went on meanwhile
            if columns != self._shown_columns:
                grid = self.grid
                item, column = grid.starting_item, grid.cursor_column
                self._show(
                    request,
                    self._layout(columns),
                    item.id if item else None,
                    column.key if column else None,
                    grid.cursor_minute if column else None,
                )
        else:
            self._show(request, self._layout(columns), select_id, column_key, minute)
        self._shown_columns = columns
        self.call_after_refresh(self._read_ahead, request)

    def _read_ahead(self, request: AgendaRequest) -> None:
        if request != self.loaded or request != self._wanted:
            return  # the desk went on meanwhile
        missing = self.ahead.missing(request)
        if missing:
            self._ahead_worker(missing)

    @work(thread=True, exclusive=True, group="agenda-ahead")
    def _ahead_worker(self, requests: list[AgendaRequest]) -> None:
        for request in requests:
            if get_current_worker().is_cancelled:
                return
            if request.week and request.mandant_id is None:
                continue
            read_at = time.monotonic()
            columns = fetch_columns(request)
            self.app.call_from_thread(self.ahead.keep, request, read_at, columns)

    def _show(self, request: AgendaRequest, layout: GridLayout, select_id, column_key, minute) -> None:
        self.loaded = request
        self.grid.show(layout, select_id=select_id, column_key=column_key, minute=minute)
        # one line of fixed height: no new layout of the screen for a new title
        mandant = self.app.current_mandant if request.mandant_id == self._mandant_id() else None
        self.query_one("#agenda-title", Static).update(agenda_lines.title(request, mandant), layout=False)
        person_id, self._book_for = self._book_for, None
        if person_id is not None:
            self.call_after_refresh(self.action_new, person_id)

    # -- the line under the grid ------------------------------------------------

    @on(AgendaGrid.CursorMoved)
    def _cursor_moved(self, event: AgendaGrid.CursorMoved) -> None:
        column = event.grid.cursor_column
        if self.week and column is not None:
            self.set_reactive(AgendaScreen.day, column.day)  # the week shown stays: nothing to load
        self.query_one("#agenda-selection", Static).update(agenda_lines.selection(event.grid), layout=False)
        answered = bool(event.grid.cursor_item and event.grid.cursor_item.answer)
        if answered != self._answered:
            self._answered = answered
            self.refresh_bindings()

    def say(self, text: str, error: bool = False) -> None:
        self.query_one("#agenda-message", MessageLine).say(text, error)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "open_answer":
            return self._answered  # shown only on an appointment the patient answered
        return super().check_action(action, parameters)

    # -- finding a person's appointments ----------------------------------------

    @work(group=DIALOG)
    async def action_find_person(self) -> None:
        from ..modals.person_appointments import PersonAppointments, read_appointments
        from ..widgets.person_picker import PersonPicker

        ids = await self.app.push_screen_wait(PersonPicker(title=_("Whose appointments?"), exclude_deceased=False))
        if ids:
            found = await self.run_worker(partial(read_appointments, ids[0]), thread=True, group="agenda-read").wait()
            appointment_id = await self.app.push_screen_wait(PersonAppointments(found))
            if appointment_id is not None:
                self.go_to_appointment(appointment_id)

    # -- acting on the appointment under the cursor -----------------------------

    def _selected_id(self) -> int | None:
        item = self.grid.cursor_item
        return item.id if item is not None else None

    def appointment_changed(self, appointment_id: int, start: datetime | None = None) -> None:
        self.ahead.clear()  # what was read ahead may miss this change
        if start is None:
            self.load(select_id=appointment_id)
        else:
            self._place = {"select_id": appointment_id}
            self.day = clock.local(start).date()

    def action_open_detail(self) -> None:
        from .appointment_detail import AppointmentDetailScreen

        appointment_id = self._selected_id()
        if appointment_id is None:
            self.say(_("No appointment here: move the cursor onto one."), error=True)
            return
        # a move inside the detail may have taken the appointment to another day
        self.app.push_screen(
            AppointmentDetailScreen(appointment_id), lambda _result: self.go_to_appointment(appointment_id)
        )

    def answers_arrived(self) -> None:
        """Patients answered (the app noticed): their marks show without a key press."""
        self.ahead.clear()
        self.load()

    def action_open_answer(self) -> None:
        self.action_open_detail()  # the detail shows the answer and offers move, cancel, write

    def action_new(self, person_id: int | None = None) -> None:
        """``n``: book at the cursor (for ``person_id`` when booked from a person: no search)."""
        from ..modals.appointment_form import AppointmentForm

        if self.loaded is None and person_id is not None:
            self._book_for = person_id  # opened just now: book once the day is shown
            return
        column = self.grid.cursor_column
        if column is None:
            self.say(_("No Mandant to book for."), error=True)
            return
        start = self.grid.slot_instant

        def saved(booking: agenda.Booking | None) -> None:
            if booking is not None:
                self.say(booked_text(booking))
                self.appointment_changed(booking.appointment.id, booking.appointment.start)

        self.app.push_screen(
            AppointmentForm(column.mandant_id, start, self.app.settings.agenda.slot_minutes or 15, person_id=person_id),
            saved,
        )

    def action_edit(self) -> None:
        self.edit_appointment(self._selected_id())

    def action_copy(self) -> None:
        self.copy_appointment(self._selected_id())

    def action_move(self) -> None:
        self.move_appointment(self._selected_id())

    def action_cancel_appointment(self) -> None:
        self.cancel_appointment(self._selected_id())

    def action_remind(self) -> None:
        self.remind_appointment(self._selected_id())

    def action_new_recall(self) -> None:
        from ..modals.recall_form import RecallForm

        appointment_id = self._selected_id()
        if appointment_id is not None:
            RecallForm.open(self, appointment_id=appointment_id)
