"""F10 Inbox: what patients answered by SMS, unread first.

Each line says when, who (the person, or the number when nobody has it),
what the answer did (confirmed, declined, STOP, or "to read" when a person
must read it) and for which appointment. The highlighted reply's whole text
and its context are shown under the list. ⏎ or ``r`` marks it read; ``w`` writes back
(Compose with the conversation above the text); ``t`` opens its appointment,
where ``m`` offers a new date and ``d`` cancels; ``z`` gives a reply from a
family's shared number to another person of that number.

New replies come in through the delivery worker; the list looks for them
every few seconds (one count) and reads them again only when there are new.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from ...core import replies
from ...core.db import connection
from ...core.errors import VitosmsError
from ...core.models import Person, Reply
from ...core.phone import format_phone
from ..i18n import N_, _, format_datetime, ngettext
from ..sanitize import plain
from ..texts.appointment_text import when
from ..texts.refusals import refusal_text
from ..texts.reply_text import action_text
from ..widgets.message_line import MessageLine
from .base import DIALOG, ShellScreen

POLL_SECONDS = 2.0
LIMIT = 500


def _who(reply: Reply) -> str:
    person = reply.person
    if person is None:
        return format_phone(reply.sender)
    return f"{person.last_name} {person.first_name}"


def _namesakes(reply: Reply) -> list[Person]:
    """The other persons with the number the reply came from (read in a thread)."""
    with connection():
        return list(
            Person.select()
            .where((Person.mobile == reply.sender) & (Person.id != (reply.person_id or 0)))
            .order_by(Person.last_name, Person.first_name)
        )


class InboxScreen(ShellScreen[None]):
    """Patients' SMS replies."""

    CSS_PATH = "inbox.tcss"
    BINDINGS = [
        # ⏎ on the list marks read too (the list takes ⏎ itself, so the footer shows r)
        Binding("r", "read", N_("Read")),
        Binding("w", "write", N_("Write back"), tooltip=N_("Compose to this person, the conversation above the text")),
        Binding(
            "t", "appointment", N_("Appointment"), tooltip=N_("Open the appointment answered: m new date, d cancel")
        ),
        Binding(
            "z",
            "reassign",
            N_("Other person"),
            tooltip=N_("Give the reply to another person with this number (family)"),
        ),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shown: dict[int, Reply] = {}
        self.marker: tuple[int, int] | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="inbox"):
            yield Static("", id="inbox-count", markup=False)
            yield DataTable(id="inbox-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="inbox-detail")
            yield MessageLine(id="inbox-message")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title, width in (
            ("new", "", 1),
            ("at", N_("Received"), 16),
            ("who", N_("From"), 22),
            ("action", N_("Answer"), 20),
            ("appointment", N_("Appointment"), 20),
            ("text", N_("Text"), 34),
        ):
            table.add_column(_(title) if title else "", key=key, width=width)
        self.reload()
        self.set_interval(POLL_SECONDS, self.poll)
        table.focus()

    def view_shown(self) -> None:
        if self.marker is not None:  # shown again (not the first time, before it is built)
            self.reload()

    # -- reading ------------------------------------------------------------------

    def poll(self) -> None:
        if replies.marker() != self.marker:
            self.reload()

    def reload(self) -> None:
        self.marker = replies.marker()
        table = self.query_one(DataTable)
        keep = self.current.id if self.current is not None else None
        table.clear()
        found = replies.inbox(limit=LIMIT)
        self.shown = {reply.id: reply for reply in found}
        for reply in found:
            appointment = reply.appointment
            table.add_row(
                Text("●", "bold") if reply.read_at is None else "",
                format_datetime(reply.received_at),
                plain(_who(reply)),
                action_text(reply.action),
                when(appointment.start) if appointment is not None else "–",
                plain(" ".join(reply.text.split())),
                key=str(reply.id),
            )
        unread = sum(1 for reply in found if reply.read_at is None)
        count = self.query_one("#inbox-count", Static)
        if not found:
            count.update(_("No replies yet. Patients' answers to SMS appear here."))
        else:
            count.update(
                ngettext("{count} unread reply", "{count} unread replies", unread).format(count=unread)
                + " · "
                + ngettext("{count} reply", "{count} replies", len(found)).format(count=len(found))
            )
        if keep in self.shown:
            table.move_cursor(row=list(self.shown).index(keep))
        self.show_detail()

    @property
    def current(self) -> Reply | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row is None or table.cursor_row >= len(self.shown):
            return None
        return self.shown.get(list(self.shown)[table.cursor_row])

    @on(DataTable.RowHighlighted, "#inbox-table")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    @on(DataTable.RowSelected, "#inbox-table")
    def _selected(self, _event: DataTable.RowSelected) -> None:
        self.action_read()  # the list has the focus and takes ⏎ itself

    def show_detail(self) -> None:
        reply = self.current
        detail = Text(end="")
        if reply is not None:
            detail.append(f"{format_datetime(reply.received_at)} · {format_phone(reply.sender)} · ", "dim")
            detail.append_text(action_text(reply.action))
            detail.append("\n")
            detail.append_text(plain(reply.text, style="italic"))
            appointment = reply.appointment
            if appointment is not None:
                detail.append("\n" + _("Appointment") + ": ", "dim")
                detail.append(f"{when(appointment.start)} · {appointment.mandant.code}")
                if appointment.status != "booked":
                    detail.append(" · " + _("cancelled"), "dim")
            elif reply.person_id is None:
                detail.append("\n" + _("Nobody in the persons has this number."), "dim")
            else:
                detail.append("\n" + _("No SMS to this number in the last 14 days."), "dim")
        self.query_one("#inbox-detail", Static).update(detail)

    def say(self, text: str, error: bool = False) -> None:
        self.query_one("#inbox-message", MessageLine).say(text, error)

    # -- actions ------------------------------------------------------------------

    def _chosen(self) -> Reply | None:
        reply = self.current
        if reply is None:
            self.say(_("No reply here."), error=True)
        return reply

    def action_read(self) -> None:
        reply = self._chosen()
        if reply is not None and reply.read_at is None:
            replies.mark_read(reply, self.app.user)
            self.reload()
            self.app.refresh_status()

    def action_write(self) -> None:
        from .compose import open_compose

        reply = self._chosen()
        if reply is None:
            return
        if reply.person_id is None:
            self.say(
                _("No person has this number: z gives the reply to one, or write to the number in Compose."), error=True
            )
            return
        replies.mark_read(reply, self.app.user)
        self.app.refresh_status()
        open_compose(self.app, [reply.person_id], conversation_with=reply.person_id)

    def action_appointment(self) -> None:
        from .appointment_detail import AppointmentDetailScreen

        reply = self._chosen()
        if reply is None:
            return
        if reply.appointment_id is None:
            self.say(_("This reply answers no appointment."), error=True)
            return
        replies.mark_read(reply, self.app.user)
        self.app.push_screen(AppointmentDetailScreen(reply.appointment_id), lambda _result: self.reload())

    @work(group=DIALOG)
    async def action_reassign(self) -> None:
        from ..modals.reply_person import ReplyPerson

        reply = self._chosen()
        if reply is None:
            return
        others = await self.run_worker(partial(_namesakes, reply), thread=True, group="inbox-read").wait()
        if not others:
            self.say(
                _("No other person has the number {number}.").format(number=format_phone(reply.sender)), error=True
            )
            return
        person_id = await self.app.push_screen_wait(ReplyPerson(others))
        if person_id is None:
            return
        try:
            moved = replies.reassign(reply, person_id, self.app.user)
        except VitosmsError as error:
            self.say(refusal_text(error), error=True)
            return
        self.say(_("The reply now belongs to {name}.").format(name=_who(moved)))
        self.reload()
