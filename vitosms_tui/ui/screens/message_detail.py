"""One message in full: its data, its text and the whole timeline.

Opened with Enter from the Journal. The timeline lists every event the
outbox recorded (queued, claimed, each attempt and error, sent, the delivery
report, refunds, resends). The screen follows the message live: a worker
delivering it in the background shows up here within a couple of seconds.

The withdraw and resend questions live here too, so that the Journal list
and this screen ask the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from ...core import attention, desk_answers, journal, outbox
from ...core.db import connection
from ...core.errors import Refused
from ...core.models import Message, Person, Reply
from ..i18n import N_, _, format_datetime, format_number, ngettext
from ..modals.confirm import Confirm
from ..names import person_name
from ..sanitize import clean, plain
from ..texts.events import event_text
from ..texts.reasons import error_text
from ..texts.refusals import code_text, refusal_text
from ..texts.reply_text import action_text
from ..widgets.journal_table import EVENT_NAMES, STATUS_NAMES, channel_name, purpose_name, show_recipient, status_name
from .base import ShellScreen

POLL_SECONDS = 1.5
LABEL_WIDTH = 16

# Events that mean trouble are shown in the error colour.
TROUBLE = {"error", "failed", "skipped"}
RESENDABLE = ("failed", "cancelled")
OTHER_CHANNEL = {"sms": "email", "email": "sms"}


def obstacle_text(resend_missing: str, other_missing: str) -> str:
    """Why r / o are dimmed, said before they are pressed ("" when both can work)."""
    if resend_missing:  # then o cannot work either
        return _("r and o (send again): {why}").format(why=code_text(resend_missing))
    if other_missing:
        return _("o (other channel): {why}").format(why=code_text(other_missing))
    return ""


def _act(screen: Screen, action: Callable[[], str], done: Callable[[], None]) -> None:
    """Do one thing to a message; say what came of it (or the refusal) and refresh."""
    try:
        said = action()
    except Refused as error:
        screen.app.notify(refusal_text(error), severity="error")
    else:
        screen.app.notify(said)
    screen.app.refresh_status()
    done()


def mark_done(screen: Screen, message_id: int, done: Callable[[], None]) -> None:
    """Take a failed message out of "needs attention"; who and when go into its timeline."""

    def action() -> str:
        attention.mark_done(message_id, screen.app.user)
        return _("Message {id} marked as dealt with.").format(id=message_id)

    _act(screen, action, done)


def can_withdraw(status: str | None) -> bool:
    return status == "queued"


def can_resend(status: str | None) -> bool:
    return status in RESENDABLE


def ask_withdraw(screen: Screen, message_id: int, done: Callable[[], None]) -> None:
    """Ask, then withdraw a queued message (its credits are refunded)."""
    message = Message.get_or_none(Message.id == message_id)
    if message is None:
        return
    question = _("Withdraw message {id} to {recipient}? Its {credits} credits are refunded.").format(
        id=message.id,
        recipient=show_recipient(message.channel, message.recipient),
        credits=format_number(message.credits),
    )
    if message.purpose == "reminder" and message.appointment_id is not None:
        question += "\n" + _(
            "Its appointment then gets no reminder, also none automatically,"
            " until someone creates one with r in the agenda."
        )

    def withdraw() -> str:
        desk_answers.withdraw_at_desk(message_id, screen.app.user)
        return _("Message {id} withdrawn, credits refunded.").format(id=message_id)

    def answered(yes: bool | None) -> None:
        if yes:
            _act(screen, withdraw, done)

    screen.app.push_screen(Confirm(question, yes=_("Withdraw"), no=_("Keep"), default=False), answered)


def ask_resend(screen: Screen, message_id: int, done: Callable[[], None], other: bool = False) -> None:
    """Ask, then queue a failed or withdrawn message again (same or other channel)."""
    message = Message.get_or_none(Message.id == message_id)
    if message is None:
        return
    channel = OTHER_CHANNEL[message.channel] if other else message.channel
    recipient = message.recipient
    if other:
        person = Person.get_or_none(Person.id == message.person_id) if message.person_id else None
        recipient = (person.mobile if channel == "sms" else person.email) if person else ""
    where = show_recipient(channel, recipient) if recipient else "–"
    question = _("Send message {id} again as {channel} to {recipient}? It costs credits again.").format(
        id=message.id, channel=channel_name(channel), recipient=where
    )

    def resend() -> str:
        new = outbox.resend(message_id, screen.app.user, channel=channel)
        return _("Queued again as message {id} ({channel}).").format(id=new.id, channel=channel_name(new.channel))

    def answered(yes: bool | None) -> None:
        if yes:
            _act(screen, resend, done)

    screen.app.push_screen(Confirm(question, yes=_("Send again"), no=_("Cancel")), answered)


def describe(message: Message, styles: dict[str, object]) -> Text:
    """The message's data, label by label (``styles`` from the screen's CSS)."""
    text = Text(end="")

    def line(label: str, value, style="") -> None:
        text.append(f"{label:<{LABEL_WIDTH}}", styles.get("label", "dim"))
        text.append(value if isinstance(value, Text) else plain(value, style=style))
        text.append("\n")

    person = Person.get_or_none(Person.id == message.person_id) if message.person_id else None
    mandant = message.mandant
    line(_("Message"), str(message.id))
    line(_("Status"), status_name(message.status), styles.get(message.status, ""))
    line(_("Mandant"), f"{mandant.code} {mandant.name}")
    line(_("Person"), person_name(person) if person else "–")
    line(_("Channel"), channel_name(message.channel))
    line(_("Recipient"), show_recipient(message.channel, message.recipient))
    line(_("Purpose"), purpose_name(message.purpose))
    cost = ngettext("{count} credit", "{count} credits", message.credits).format(count=format_number(message.credits))
    if message.channel == "sms" and message.segments:
        parts = ngettext("{count} part", "{count} parts", message.segments).format(count=message.segments)
        cost += f"  ({parts}, {message.encoding or '–'})"
    line(_("Cost"), cost)
    line(_("Created"), f"{format_datetime(message.created_at)} · {clean(message.created_by) or '–'}")
    line(_("Scheduled"), format_datetime(message.scheduled_at) or "–")
    line(_("Handed over"), format_datetime(message.sent_at) or "–")
    if message.channel == "sms":
        line(_("Delivered"), format_datetime(message.delivered_at) or "–")
    line(_("Attempts"), str(message.attempts))
    if message.error:
        line(_("Error"), error_text(message), styles.get("failed", ""))
    if message.resent_from_id:
        line(_("Sent again from"), _("message {id}").format(id=message.resent_from_id))
    later = [m.id for m in Message.select(Message.id).where(Message.resent_from == message.id).order_by(Message.id)]
    if later:
        line(_("Sent again as"), ", ".join(_("message {id}").format(id=i) for i in later))
    text.rstrip()
    return text


def body_text(message: Message) -> Text:
    """Subject and text, cleaned of markup and escape codes, line by line."""
    text = Text(end="")
    if message.subject:
        text.append(_("Subject") + ": ", "bold")
        text.append(plain(message.subject))
        text.append("\n\n")
    lines = (message.body or "").splitlines() or [""]
    for index, row in enumerate(lines):
        if index:
            text.append("\n")
        text.append(plain(row))
    return text


@dataclass
class Reading:
    """What the detail shows of a message, read in a thread."""

    marker: tuple[int, int]  # the journal's change marker when it was read
    status: str | None  # None: the message no longer exists
    data: Text
    body: Text = field(default_factory=Text)
    rows: list[tuple[str, tuple]] = field(default_factory=list)  # the timeline: key, cells
    resend_missing: str = ""  # why "send again" / "other channel" cannot work ("" when they can)
    other_missing: str = ""


def read_detail(message_id: int, styles: dict[str, object], seen: tuple[int, int] | None) -> Reading | None:
    """The message's detail; None when the journal has not changed since ``seen``."""
    marker = journal.change_marker()
    if seen is not None and marker == seen:
        return None
    message = Message.get_or_none(Message.id == message_id)
    if message is None:
        return Reading(marker, None, Text(_("The message no longer exists.")))
    person = Person.get_or_none(Person.id == message.person_id) if message.person_id else None
    reading = Reading(marker, message.status, describe(message, styles), body_text(message))
    if can_resend(message.status):
        reading.resend_missing = attention.resend_obstacle(message, person)
        reading.other_missing = attention.resend_obstacle(message, person, other=True)
    if reading.resend_missing or reading.other_missing:
        reading.data.append("\n" + obstacle_text(reading.resend_missing, reading.other_missing), "dim")
    for event in journal.timeline(message.id):
        style = styles["failed"] if event.kind in TROUBLE else ""
        kind = Text(_(EVENT_NAMES.get(event.kind, event.kind)), style=style, end="")
        at = Text(format_datetime(event.at), end="")
        reading.rows.append((str(event.id), (at, kind, plain(event_text(event)))))
    for reply in Reply.select().where(Reply.message == message.id).order_by(Reply.received_at, Reply.id):
        # what the patient answered to it belongs to its story too (no event: the text is the reply's)
        at = Text(format_datetime(reply.received_at), end="")
        answer = Text.assemble(action_text(reply.action), " · ", plain(" ".join(reply.text.split())))
        reading.rows.append((f"reply-{reply.id}", (at, Text(_("Answer"), "bold", end=""), answer)))
    return reading


class MessageDetailScreen(ShellScreen[None]):
    """A message with its timeline; Escape goes back to the list."""

    CSS_PATH = "journal.tcss"
    CRUMB = N_("Message")
    COMPONENT_CLASSES = {
        "detail--label",
        "detail--queued",
        "detail--sending",
        "detail--sent",
        "detail--delivered",
        "detail--failed",
        "detail--cancelled",
        "detail--expired",
    }
    BINDINGS = [
        Binding("x", "withdraw", N_("Withdraw"), tooltip=N_("Withdraw the queued message (credits refunded)")),
        Binding("r", "resend", N_("Send again"), tooltip=N_("Queue the failed message again, same channel")),
        Binding(
            "o",
            "resend_other",
            N_("Other channel"),
            tooltip=N_("Queue the failed message again as e-mail (SMS) or SMS (e-mail)"),
        ),
    ]

    def __init__(self, message_id: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.message_id = message_id
        self.status: str | None = None
        # why "send again" / "other channel" cannot work (refusal codes; "" when they can)
        self.resend_missing = self.other_missing = ""
        self.marker: tuple[int, int] | None = None

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static("", id="detail-data", markup=False)
            yield Static(_("Text"), classes="detail-heading", markup=False)
            yield Static("", id="detail-body", markup=False)
            yield Static(_("Timeline"), classes="detail-heading", markup=False)
            yield DataTable(id="detail-timeline", cursor_type="none", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#detail-timeline", DataTable)
        table.add_column(_("When"), key="at", width=16)
        table.add_column(_("Event"), key="kind", width=14)
        # the detail takes the rest of the line and wraps: an explained error is long at 80 columns
        table.add_column(_("Detail"), key="detail", width=max(24, self.app.size.width - 16 - 14 - 14))
        self.reload()
        self.query_one("#detail", VerticalScroll).focus()  # arrows scroll the whole message
        self.set_interval(POLL_SECONDS, self.poll)

    def _styles(self) -> dict[str, object]:
        styles: dict[str, object] = {"label": self.get_component_rich_style("detail--label", partial=True)}
        for status in STATUS_NAMES:
            styles[status] = self.get_component_rich_style(f"detail--{status}", partial=True)
        return styles

    def poll(self) -> None:
        """Re-read only when the journal changed (a worker moved the message on)."""
        self._read(self._styles(), self.marker)

    def reload(self) -> None:
        self._read(self._styles(), None)

    @work(thread=True, exclusive=True, group="message-detail")
    def _read(self, styles: dict[str, object], seen: tuple[int, int] | None) -> None:
        """The message, its timeline and answers, read in a thread (None: the journal is as ``seen``)."""
        with connection():
            reading = read_detail(self.message_id, styles, seen)
        if reading is not None and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, reading)

    def _show(self, reading: Reading) -> None:
        self.marker, self.status = reading.marker, reading.status
        self.resend_missing, self.other_missing = reading.resend_missing, reading.other_missing
        self.query_one("#detail-data", Static).update(reading.data)
        if reading.status is None:
            return
        self.query_one("#detail-body", Static).update(reading.body)
        table = self.query_one("#detail-timeline", DataTable)
        table.clear()
        for key, cells in reading.rows:
            table.add_row(*cells, key=key, height=None)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "withdraw":
            return can_withdraw(self.status)
        if action in ("resend", "resend_other"):
            missing = self.resend_missing if action == "resend" else self.other_missing
            if can_resend(self.status) and missing:
                return None  # shown dimmed; the reason stands under the message's data
            return can_resend(self.status)
        return True

    def action_withdraw(self) -> None:
        ask_withdraw(self, self.message_id, self.reload)

    def action_resend(self) -> None:
        ask_resend(self, self.message_id, self.reload)

    def action_resend_other(self) -> None:
        ask_resend(self, self.message_id, self.reload, other=True)
