"""``/`` in the agenda: one person's appointments; ⏎ goes to the chosen one.

The result is the chosen appointment's id, or None (Escape). The cursor
starts on the first appointment that is still to come.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ...core import agenda, agenda_view, clock
from ...core.db import connection
from ...core.models import Person
from ..i18n import N_, _
from ..sanitize import clean, plain
from ..texts.appointment_text import when
from ..views.agenda_data import MARKER_NAMES, MARKERS
from ..widgets.tables import cursor_id


@dataclass(frozen=True)
class Found:
    """A person's booked appointments with their Mandanten and reminder states, read in a thread."""

    person: Person
    appointments: list
    states: dict


def read_appointments(person_id: int) -> Found:
    """Read what the dialog lists (call it in a thread worker: the dialog itself reads nothing)."""
    with connection():
        appointments = agenda.list_appointments(person=person_id)
        for appointment in appointments:
            _mandant = appointment.mandant  # read now, not row by row when the table is filled
        states = agenda_view.reminder_states([a.id for a in appointments])
        return Found(Person.get_by_id(person_id), appointments, states)


class PersonAppointments(ModalScreen[int | None]):
    """Every booked appointment of one person, across the Mandanten."""

    BINDINGS = [
        Binding("enter", "choose", N_("Go to"), key_display="⏎"),
        Binding("escape", "cancel", N_("Cancel"), key_display="Esc"),
    ]

    def __init__(self, found: Found) -> None:
        super().__init__(classes="dialog-screen")
        self.person, self.appointments, self.states = found.person, found.appointments, found.states

    def compose(self) -> ComposeResult:
        with Vertical(id="person-appointments", classes="dialog"):
            name = clean(f"{self.person.last_name} {self.person.first_name}")
            yield Static(plain(_("Appointments of {name}").format(name=name)), classes="dialog-title")
            yield DataTable(id="person-appointments-table", cursor_type="row", zebra_stripes=True)
            hint = (
                _("⏎ goes to the appointment · Esc cancels")
                if self.appointments
                else _("No booked appointments. Esc closes.")
            )
            yield Static(hint, classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(_("When"), key="when", width=22)
        table.add_column(_("Min."), key="minutes", width=4)
        table.add_column(_("Mandant"), key="mandant", width=7)
        table.add_column(_("Reason"), key="reason", width=22)
        table.add_column(_("Message"), key="message", width=12)
        now = clock.now()
        upcoming = 0
        for index, appointment in enumerate(self.appointments):
            marker = MARKERS.get(self.states.get(appointment.id, ""))
            state = Text(f"{marker[0]} {_(MARKER_NAMES[marker[1]])}") if marker else Text("")
            table.add_row(
                when(appointment.start),
                str(appointment.minutes),
                plain(appointment.mandant.code),
                plain(appointment.reason),
                state,
                key=str(appointment.id),
            )
            if appointment.start < now:
                upcoming = index + 1
        if self.appointments:
            table.move_cursor(row=min(upcoming, len(self.appointments) - 1))
        table.focus()

    def action_choose(self) -> None:
        chosen = cursor_id(self.query_one(DataTable))
        if chosen is not None:
            self.dismiss(chosen)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_choose()

    def action_cancel(self) -> None:
        self.dismiss(None)
