"""F2 Agenda: the day of every Mandant side by side, or one Mandant's week.

Keys, in the spirit of calcurse and khal (the README and F1 list them): arrows
or ``h j k l`` move, ``, .`` a day, ``[ ]`` a week, ``n e c m d r`` act on the
appointment, ``A`` opens the patient's SMS answer (shown when there is one).

A day or a week is loaded with one query in a thread worker; moving the cursor only
redraws. The neighbours are read ahead (widgets/agenda_ahead.py); a change here forgets them.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual.worker import get_current_worker

from ...core import agenda, clock
from ...core.errors import VitosmsError
from ...core.models import Mandant
from ..i18n import N_, _
from ..widgets import agenda_lines
from ..widgets.agenda_ahead import ReadAhead
from ..widgets.agenda_data import (IMPORTED_MARK, MARKER_NAMES, MARKERS, AgendaColumn, AgendaRequest,
                                   GridLayout, fetch_columns, parse_clock, week_start)
from ..widgets.agenda_grid import AgendaGrid, AgendaKeys
from ..widgets.appointment_text import booked_text, explain
from ..widgets.message_line import MessageLine
from .appointment_actions import AppointmentActions
from .base import ShellScreen

class AgendaScreen(AppointmentActions, ShellScreen[None]):
    """The practice's agenda: grid, selection line, message line."""

    CSS_PATH = "agenda.tcss"
    BINDINGS = [
        Binding("enter", "open_detail", N_("Detail"), key_display="⏎"),
        Binding("n", "new", N_("New")),
        Binding("e", "edit", N_("Edit")),
        Binding("c", "copy", N_("Copy")),
        Binding("m", "move", N_("Move")),
        Binding("d,delete", "cancel_appointment", N_("Cancel appt."), key_display="d"),
        Binding("R", "new_recall", N_("Recall"), tooltip=N_("Note a recall for this appointment's person")),
        Binding("A", "open_answer", N_("Answer"),
                tooltip=N_("The patient's SMS answer: then m offers a new date, d cancels, w writes")),
        Binding("r", "remind", N_("Remind"),
                tooltip=N_("Remind (r) or confirm (c), then ⏎ default channel, s SMS, e e-mail")),
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

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.day = clock.today()
        self.week = False
        self.all_mandanten = True
        self.loaded: AgendaRequest | None = None
        self._after_mandant: dict | None = None
        self._stale = False
        self._shown_columns: list[AgendaColumn] | None = None
        self._wanted: AgendaRequest | None = None  # the latest load asked for
        self.ahead = ReadAhead()
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

    def _mandant_id(self) -> int | None:
        mandant = getattr(self.app, "current_mandant", None)
        return mandant.id if mandant is not None else None

    def load(self, select_id: int | None = None, column_key: str | None = None,
             minute: int | None = None) -> None:
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
        return GridLayout(columns, parse_clock(settings.day_start, "07:00"),
                          parse_clock(settings.day_end, "19:00"), settings.slot_minutes)

    def _check_shown(self, request: AgendaRequest) -> None:
        # not when a newer load was asked for meanwhile: this one would cancel it (one load at a time)
        if request == self._wanted:
            self._load_worker(request, None, None, None, check=True)

    @work(thread=True, exclusive=True, group="agenda-load")
    def _load_worker(self, request: AgendaRequest, select_id, column_key, minute, check: bool = False) -> None:
        columns = fetch_columns(request)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._loaded, request, columns, select_id, column_key, minute, check)

    def _loaded(self, request: AgendaRequest, columns: list[AgendaColumn], select_id, column_key, minute,
                check: bool) -> None:
        """A day or week from the database; ``check``: it is shown already (read ahead), replace it if it changed."""
        if check:
            if request != self.loaded:
                return  # the desk went on meanwhile
            if columns != self._shown_columns:
                grid = self.grid
                item, column = grid.starting_item, grid.cursor_column
                self._show(request, self._layout(columns), item.id if item else None,
                           column.key if column else None, grid.cursor_minute if column else None)
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
        self.query_one("#agenda-title", Static).update(agenda_lines.title(request), layout=False)

    # -- the line under the grid ------------------------------------------------

    @on(AgendaGrid.CursorMoved)
    def _cursor_moved(self, event: AgendaGrid.CursorMoved) -> None:
        column = event.grid.cursor_column
        if self.week and column is not None:
            self.day = column.day
        self.query_one("#agenda-selection", Static).update(agenda_lines.selection(event.grid), layout=False)
        answered = bool(event.grid.cursor_item and event.grid.cursor_item.answer)
        if answered != self._answered:
            self._answered = answered
            self.refresh_bindings()

    def say(self, text: str, error: bool = False) -> None:
        self.query_one("#agenda-message", MessageLine).say(text, error)

    # -- navigation -------------------------------------------------------------

    def _go_day(self, day: date, **load) -> None:
        self.day = day
        self.say("")
        self.load(**load)

    def action_shift_days(self, days: int) -> None:
        target = self.day + timedelta(days=days)
        if self.week and self.loaded and self.loaded.week and week_start(target) == week_start(self.loaded.day):
            keys = [c.key for c in self.grid.sheet.columns]
            self.day = target
            self.grid.move_to(keys.index(f"d{target.isoformat()}"), self.grid.slot)
            return
        self._go_day(target)

    @on(AgendaGrid.EdgeReached)
    def _edge(self, event: AgendaGrid.EdgeReached) -> None:
        if self.week:
            self.action_shift_days(event.step)

    def action_today(self) -> None:
        now = clock.local(clock.now())
        self._go_day(now.date(), minute=now.hour * 60 + now.minute,
                     column_key=f"d{now.date().isoformat()}" if self.week else None)

    def action_goto(self) -> None:
        def chosen(day: date | datetime | None) -> None:
            if isinstance(day, date) and not isinstance(day, datetime):
                self._go_day(day)

        from ..modals.date_time import AskDateTime

        self.app.push_screen(AskDateTime(_("Go to which date?"), self.day, with_time=False), chosen)

    def _with_mandant(self, mandant_id: int | None, **load) -> None:
        """Load after making ``mandant_id`` the current Mandant (the status line follows)."""
        if mandant_id is None or mandant_id == self._mandant_id():
            self.load(**load)
            return
        self._after_mandant = load
        self.app.set_mandant(Mandant.get_by_id(mandant_id))

    def on_mandant_changed(self, event) -> None:
        load, self._after_mandant = self._after_mandant, None
        if load is None:
            load = {"column_key": f"m{event.mandant.id}"} if not self.week else {}
        self.load(**load)

    def action_toggle_week(self) -> None:
        column = self.grid.cursor_column
        minute = self.grid.cursor_minute if column else None
        if self.week:
            self.week = False
            self.load(column_key=f"m{self._mandant_id()}", minute=minute)
            return
        self.week = True
        self._with_mandant(column.mandant_id if column else None, column_key=f"d{self.day.isoformat()}",
                           minute=minute)

    def action_toggle_all(self) -> None:
        column = self.grid.cursor_column
        self.all_mandanten = not self.all_mandanten
        if self.all_mandanten or column is None:
            self.load()
        else:
            self._with_mandant(column.mandant_id, column_key=f"m{column.mandant_id}")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "toggle_all" and self.week:
            return None  # the week shows one Mandant
        if action == "open_answer":
            return self._answered
        return True

    def back_out(self) -> bool:
        if self.week:
            self.action_toggle_week()
            return True
        return False

    # -- finding a person's appointments ----------------------------------------

    def action_find_person(self) -> None:
        from ..modals.person_appointments import PersonAppointments
        from ..widgets.person_picker import PersonPicker

        def chosen_appointment(appointment_id: int | None) -> None:
            if appointment_id is not None:
                self.go_to_appointment(appointment_id)

        def picked(ids: list[int] | None) -> None:
            if ids:
                self.app.push_screen(PersonAppointments(ids[0]), chosen_appointment)

        self.app.push_screen(PersonPicker(title=_("Whose appointments?"), exclude_deceased=False), picked)

    def go_to_appointment(self, appointment_id: int) -> None:
        try:
            appointment = agenda.get_appointment(appointment_id)
        except VitosmsError as error:
            self.say(explain(error), error=True)
            return
        self.day = clock.local(appointment.start).date()
        self.ahead.clear()  # back from the detail, where it may have been changed
        if self.week or not self.all_mandanten:
            self._with_mandant(appointment.mandant_id, select_id=appointment.id)
        else:
            self.load(select_id=appointment.id)

    # -- acting on the appointment under the cursor -----------------------------

    def _selected_id(self) -> int | None:
        item = self.grid.cursor_item
        return item.id if item is not None else None

    def appointment_changed(self, appointment_id: int, start: datetime | None = None) -> None:
        self.ahead.clear()  # what was read ahead may miss this change
        if start is not None:
            self.day = clock.local(start).date()
        self.load(select_id=appointment_id)

    def action_open_detail(self) -> None:
        from .appointment_detail import AppointmentDetailScreen

        appointment_id = self._selected_id()
        if appointment_id is None:
            self.say(_("No appointment here: move the cursor onto one."), error=True)
            return
        # a move inside the detail may have taken the appointment to another day
        self.app.push_screen(AppointmentDetailScreen(appointment_id),
                             lambda _result: self.go_to_appointment(appointment_id))

    def answers_arrived(self) -> None:
        """Patients answered (the app noticed): their marks show without a key press."""
        self.ahead.clear()
        self.load()

    def action_open_answer(self) -> None:
        self.action_open_detail()  # the detail shows the answer and offers move, cancel, write

    def action_new(self) -> None:
        from ..modals.appointment_form import AppointmentForm

        column = self.grid.cursor_column
        if column is None:
            self.say(_("No Mandant to book for."), error=True)
            return
        start = self.grid.slot_instant

        def saved(booking: agenda.Booking | None) -> None:
            if booking is not None:
                self.say(booked_text(booking))
                self.appointment_changed(booking.appointment.id, booking.appointment.start)

        self.app.push_screen(AppointmentForm(column.mandant_id, start, self.app.settings.agenda.slot_minutes or 15),
                             saved)

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

