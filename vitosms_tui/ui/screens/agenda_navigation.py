"""The agenda's ways around: a day or a week back and forth, today, a date or a time, day/week, all/one.

A mixin of :class:`~.agenda.AgendaScreen` (which provides the reactive ``day``,
``week`` and ``all_mandanten``, whose watchers load, and ``grid``, ``ahead`` and ``say``): the keys are listed under
the grid (``AgendaKeys``) and in F1.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from textual import work

from ...core import agenda, clock
from ...core.db import connection
from ...core.errors import VitosmsError
from ...core.models import Mandant
from ..i18n import _
from ..texts.refusals import refusal_text
from ..views.agenda_data import week_start
from ..widgets.agenda_grid import AgendaGrid


class AgendaNavigation:
    """Moving the agenda's day, week and Mandant; the host's watchers load and show."""

    def _go_day(self, day: date, **place) -> None:
        self.say("")
        self._place = place
        self.day = day  # the same day again goes there again (the cursor to the time)

    def action_shift_days(self, days: int) -> None:
        target = self.day + timedelta(days=days)
        if self.week and self.loaded and self.loaded.week and week_start(target) == week_start(self.loaded.day):
            keys = [c.key for c in self.grid.sheet.columns]
            self.set_reactive(type(self).day, target)  # the week shown stays: nothing to load
            self.grid.move_to(keys.index(f"d{target.isoformat()}"), self.grid.slot)
            return
        self._go_day(target)

    def on_agenda_grid_edge_reached(self, event: AgendaGrid.EdgeReached) -> None:
        # a named handler: @on is only collected from the screen's own class, not from a mixin
        if self.week:
            self.action_shift_days(event.step)

    def action_today(self) -> None:
        now = clock.local(clock.now())
        self._go_day(
            now.date(),
            minute=now.hour * 60 + now.minute,
            column_key=f"d{now.date().isoformat()}" if self.week else None,
        )

    def action_goto(self) -> None:
        """``g``: a date goes to that day, a time (``13``, ``13:00``) to that slot of the day shown."""

        def chosen(target: date | datetime | None) -> None:
            if isinstance(target, datetime):
                local = clock.local(target)
                self._go_day(
                    local.date(),
                    minute=local.hour * 60 + local.minute,
                    column_key=f"d{local.date().isoformat()}" if self.week else None,
                )
            elif isinstance(target, date):
                self._go_day(target)

        from ..modals.date_time import AskDateTime

        self.app.push_screen(
            AskDateTime(
                _("Go to which date or time?"),
                self.day,
                with_time=False,
                day=self.day,
                day_or_time=True,
                hint=_("13 or 13:00: that time of the day shown · 15.12.2026: that day"),
            ),
            chosen,
        )

    def go_to_appointment(self, appointment_id: int) -> None:
        """Show the appointment's day with the cursor on it (the appointment read in a thread)."""
        self._read_appointment(appointment_id)

    @work(thread=True, exclusive=True, group="agenda-goto")
    def _read_appointment(self, appointment_id: int) -> None:
        try:
            with connection():
                appointment = agenda.get_appointment(appointment_id)
        except VitosmsError as error:
            self.app.call_from_thread(self.say, refusal_text(error), True)
            return
        self.app.call_from_thread(self._go_to, appointment)

    def _go_to(self, appointment) -> None:
        self.ahead.clear()  # back from the detail, where it may have been changed
        self._place = {"select_id": appointment.id}
        self.day = clock.local(appointment.start).date()
        if self.week or not self.all_mandanten:
            self._with_mandant(appointment.mandant_id)

    def _with_mandant(self, mandant_id: int | None) -> None:
        """Make ``mandant_id`` the current Mandant (the status line and the agenda follow)."""
        if mandant_id is not None and mandant_id != self._mandant_id():
            self.app.set_mandant(Mandant.get_by_id(mandant_id))

    def action_toggle_week(self) -> None:
        column = self.grid.cursor_column
        minute = self.grid.cursor_minute if column else None
        if self.week:
            self._place = {"column_key": f"m{self._mandant_id()}", "minute": minute}
            self.week = False
            return
        self._place = {"column_key": f"d{self.day.isoformat()}", "minute": minute}
        self.week = True
        self._with_mandant(column.mandant_id if column else None)

    def action_toggle_all(self) -> None:
        column = self.grid.cursor_column
        if self.all_mandanten and column is not None:  # to this column's Mandant alone
            self._place = {"column_key": f"m{column.mandant_id}"}
            self._with_mandant(column.mandant_id)
        self.all_mandanten = not self.all_mandanten

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "toggle_all" and self.week:
            return None  # the week shows one Mandant
        return True

    def back_out(self) -> bool:
        if self.week:
            self.action_toggle_week()
            return True
        return False
