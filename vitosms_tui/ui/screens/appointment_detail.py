"""⏎ on an appointment: its data and its timeline — every message with its status.

The list shows each reminder, confirmation or other message of the
appointment, oldest first; the line under it lists the highlighted message's
events (queued, claimed, sent, delivered, cancelled, refunded …). The same
keys as in the agenda act on the appointment (r e c m d); Escape goes back.
The patient's SMS answers stand in the head; after a "no", ``m`` offers a new
date, ``d`` cancels and ``w`` writes back with the conversation in view.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from ...core import agenda, clock, journal, replies
from ...core.db import connection
from ...core.errors import NotFound
from ...core.phone import format_phone
from ..i18n import CHANNEL_NAMES, LANGUAGE_NAMES, N_, _, format_date, format_datetime
from ..sanitize import clean, plain
from ..texts.appointment_text import kind_name, status_name, when
from ..texts.events import event_text
from ..texts.reasons import error_text
from ..texts.reply_text import reply_line
from ..views.agenda_data import SOURCE_NAMES
from ..widgets.journal_table import EVENT_NAMES
from ..widgets.message_line import MessageLine
from ..widgets.tables import FittedTable
from .appointment_actions import AppointmentActions
from .base import ShellScreen

STATUS_STYLES = {
    "queued": "yellow",
    "sending": "yellow",
    "sent": "cyan",
    "delivered": "green",
    "failed": "bold red",
    "cancelled": "dim",
    "expired": "dim italic",
}
LABEL_WIDTH = 12


class AppointmentMessagesTable(FittedTable):
    """The appointment's messages; in a narrow terminal status and plan stay, the address goes first."""

    COLUMNS = (
        ("id", N_("No."), 6, True),
        ("kind", N_("Kind"), 13, False),
        ("channel", N_("Channel"), 7, False),
        ("recipient", N_("Recipient"), 21, False),
        ("status", N_("Status"), 14, False),
        ("planned", N_("Planned"), 16, False),
        ("done", N_("Sent / delivered"), 16, False),
        ("credits", N_("Credits (amount)"), 8, True),
    )
    GIVE_WAY = ("recipient", "channel", "credits", "done")


class AppointmentDetailScreen(AppointmentActions, ShellScreen[None]):
    """One appointment and its messages."""

    CRUMB = N_("Appointment")
    CSS_PATH = "agenda.tcss"
    BINDINGS = [
        Binding("r", "remind", N_("Remind")),
        Binding("e", "edit", N_("Edit")),
        Binding("c", "copy", N_("Copy")),
        Binding("m", "move", N_("Move")),
        Binding("d,delete", "cancel_appointment", N_("Cancel appt."), key_display="d"),
        Binding("w", "write", N_("Write back"), tooltip=N_("Compose to the patient, the conversation above")),
    ]

    def __init__(self, appointment_id: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.appointment_id = appointment_id
        self.messages: dict = {}  # the appointment's messages by id, as last read

    def compose_body(self) -> ComposeResult:
        with Vertical(id="appointment-detail"):
            yield Static("", id="detail-head")
            yield Static(_("Messages of this appointment"), id="detail-messages-title", markup=False)
            yield AppointmentMessagesTable(id="detail-messages", cursor_type="row", zebra_stripes=True)
            yield Static("", id="detail-events")
            yield MessageLine(id="agenda-message")

    def on_mount(self) -> None:
        self.refresh_detail()
        self.query_one(AppointmentMessagesTable).focus()

    def refresh_detail(self) -> None:
        self._read_detail()

    @work(thread=True, exclusive=True, group="appointment-detail")
    def _read_detail(self) -> None:
        """The appointment and its messages, read in a thread."""
        with connection():
            try:
                appointment = agenda.get_appointment(self.appointment_id)
            except NotFound:
                head, messages = Text(_("This appointment no longer exists.")), None
            else:
                head = self._head(appointment)
                messages = {m.id: m for m in agenda.appointment_timeline(appointment)}
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_detail, head, messages)

    def _show_detail(self, head: Text | Group, messages: dict | None) -> None:
        self.query_one("#detail-head", Static).update(head)
        if messages is None:
            return
        table = self.query_one(AppointmentMessagesTable)
        keep = table.cursor_row
        table.clear()
        self.messages = messages
        for message in self.messages.values():
            recipient = format_phone(message.recipient) if message.channel == "sms" else message.recipient
            done = message.delivered_at or message.sent_at
            table.add_row(
                str(message.id),
                kind_name(message.purpose),
                _(CHANNEL_NAMES.get(message.channel, message.channel)),
                plain(recipient),
                Text(status_name(message.status), style=STATUS_STYLES.get(message.status, "")),
                format_datetime(message.scheduled_at),
                format_datetime(done),
                str(message.credits),
                key=str(message.id),
            )
        if self.messages:
            table.move_cursor(row=min(keep, len(self.messages) - 1))
        else:
            self.query_one("#detail-events", Static).update(
                Text(_("No messages yet: r creates a reminder or a confirmation."), style="dim")
            )

    def _head(self, appointment) -> Group:
        person, mandant = appointment.person, appointment.mandant
        title = Text()
        title.append(
            f"{when(appointment.start)}–{clock.local(appointment.end):%H:%M} · {appointment.minutes} min", "bold"
        )
        if appointment.status != "booked":
            title.append("  ")
            title.append(_("cancelled"), "bold red")
        # label and value in two columns, so a value that wraps in a narrow
        # terminal stays under its own column
        lines = Table.grid()
        lines.add_column(width=LABEL_WIDTH, style="dim", no_wrap=True)
        lines.add_column(ratio=1)

        def line(label: str, value) -> None:
            lines.add_row(label, value if isinstance(value, Text) else plain(value))

        born = f" · {format_date(person.birth_date)}" if person.birth_date else ""
        line(_("Person"), plain(f"{person.last_name} {person.first_name}{born}", style="bold"))
        contact = " · ".join(
            part
            for part in (
                _(LANGUAGE_NAMES.get(person.language, person.language)),
                format_phone(person.mobile),
                clean(person.email or ""),
            )
            if part
        )
        line("", contact)
        line(_("Mandant"), f"{mandant.code} {mandant.name}")
        line(_("Reason"), Text.assemble(plain(appointment.reason or "–"), (f"  ({_('internal note')})", "dim")))
        if appointment.copied_from_id:
            line(_("Copy of"), _("appointment {id}").format(id=appointment.copied_from_id))
        if appointment.source in SOURCE_NAMES:
            line(_("Source"), f"{_(SOURCE_NAMES[appointment.source])} · {appointment.external_id or ''}")
        line(_("Booked"), f"{format_datetime(appointment.created_at)} · {clean(appointment.created_by) or '–'}")
        for index, reply in enumerate(replies.appointment_replies(appointment)):
            line(_("Answer") if index == 0 else "", reply_line(reply))
        if appointment.answer == "declined" and appointment.status == "booked":
            line(
                "", Text(_("The patient cannot come: m offers a new date, d cancels, w writes back."), style="bold red")
            )
        return Group(title, lines)

    @on(DataTable.RowHighlighted, "#detail-messages")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is None or event.row_key.value is None:
            return
        message = self.messages.get(int(event.row_key.value))
        if message is not None:
            self._read_events(message)

    @work(thread=True, exclusive=True, group="appointment-events")
    def _read_events(self, message) -> None:
        """The highlighted message's error and events, read in a thread."""
        error = Text(end="")
        if message.error:
            error.append(_("Error: "), "bold red")
            error.append(plain(error_text(message)))
        with connection():
            rows = journal.timeline(message.id)
        # when, what, detail in columns: a long detail wraps within its column
        events = Table.grid(padding=(0, 2, 0, 0))
        events.add_column(style="dim", no_wrap=True)
        events.add_column(style="bold", no_wrap=True, min_width=12)
        events.add_column(ratio=1)
        for event_row in rows:
            events.add_row(
                format_datetime(event_row.at),
                _(EVENT_NAMES.get(event_row.kind, event_row.kind)),
                plain(event_text(event_row)),
            )
        shown = Group(error, events) if error else events
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.query_one("#detail-events", Static).update, shown)

    # -- the host's part of AppointmentActions ---------------------------------

    def say(self, text: str, error: bool = False) -> None:
        self.query_one("#agenda-message", MessageLine).say(text, error)

    def appointment_changed(self, appointment_id: int, start: datetime | None = None) -> None:
        if appointment_id == self.appointment_id:
            self.refresh_detail()

    def action_remind(self) -> None:
        self.remind_appointment(self.appointment_id)

    def action_edit(self) -> None:
        self.edit_appointment(self.appointment_id)

    def action_copy(self) -> None:
        self.copy_appointment(self.appointment_id)

    def action_move(self) -> None:
        self.move_appointment(self.appointment_id)

    def action_cancel_appointment(self) -> None:
        self.cancel_appointment(self.appointment_id)

    def action_write(self) -> None:
        from .compose import open_compose

        person_id = agenda.get_appointment(self.appointment_id).person_id
        self.app.pop_screen()  # Compose is a view of its own: the detail closes first
        open_compose(self.app, [person_id], conversation_with=person_id)
