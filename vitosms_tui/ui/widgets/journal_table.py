"""The Journal's list: messages as rows, the filters, and the words for states.

:func:`fetch_rows` runs the journal query and may be called from a worker
thread (it holds its own connection for the call). :class:`JournalTable`
shows the rows with a colour per status (styled in ``journal.tcss``) and
never the message text; :class:`FilterBar` says which filters are on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable, Static

from ...core import attention, journal, persons
from ...core.db import connection
from ...core.models import STATUSES, Person
from ...core.phone import format_phone
from ..i18n import CHANNEL_NAMES, N_, _, format_datetime
from ..sanitize import clean, plain
from ..texts.reasons import error_text
from ..views.journal_columns import TITLES, WIDTHS, journal_columns
from .tables import cursor_id

LIST_LIMIT = 500
NARROW_WIDTH = 110  # the app's -narrow breakpoint
PERSON_LIMIT = 300  # persons a name search may bring into the filter

STATUS_NAMES = {
    "queued": N_("queued"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "cancelled": N_("withdrawn"),
    "expired": N_("expired"),
}
PURPOSE_NAMES = {
    "free": N_("free text"),
    "reminder": N_("reminder"),
    "confirmation": N_("confirmation"),
    "recall": N_("recall"),
    "birthday": N_("birthday"),
}
EVENT_NAMES = {
    "queued": N_("queued"),
    "claimed": N_("claimed"),
    "attempt": N_("attempt"),
    "retry": N_("retry planned"),
    "error": N_("error"),
    "sent": N_("handed over"),
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "cancelled": N_("withdrawn"),
    "refunded": N_("refunded"),
    "resent": N_("sent again"),
    "skipped": N_("skipped"),
    "released": N_("given back"),
    "expired": N_("expired"),
    "held": N_("held back"),
    "dealt_with": N_("marked done"),
}


def status_name(status: str) -> str:
    return _(STATUS_NAMES.get(status, status))


def purpose_name(purpose: str) -> str:
    return _(PURPOSE_NAMES.get(purpose, purpose))


def channel_name(channel: str) -> str:
    return _(CHANNEL_NAMES.get(channel, channel))


def show_recipient(channel: str, recipient: str) -> str:
    """A number as the desk writes it (079 123 45 67), an address as it is."""
    return format_phone(recipient) if channel == "sms" else clean(recipient)


@dataclass(frozen=True)
class JournalRow:
    """What the list shows of a message (plain values, safe to pass between threads)."""

    id: int
    created_at: datetime
    mandant_code: str
    channel: str
    recipient: str
    person_name: str
    purpose: str
    status: str
    credits: int
    error: str
    # why "send again" / "other channel" cannot work (the outbox's refusal code; "" when it
    # can), known before the key is pressed; and whether someone marked the failure done
    resend_missing: str = ""
    other_missing: str = ""
    done: bool = False


@dataclass(frozen=True)
class JournalFilter:
    """The list's filters; None means "all"."""

    status: str | None = None
    mandant_id: int | None = None
    channel: str | None = None
    purpose: str | None = None
    person_text: str = ""
    attention: bool = False

    @property
    def narrowed(self) -> bool:
        return self != JournalFilter()


@dataclass
class Loaded:
    rows: list[JournalRow] = field(default_factory=list)
    limited: bool = False


def fetch_rows(wanted: JournalFilter, limit: int = LIST_LIMIT) -> Loaded:
    """The messages for the filter, newest first, as display rows (callable from a thread)."""
    with connection():
        person = None
        if wanted.person_text.strip():
            person = [p.id for p in persons.search(wanted.person_text, PERSON_LIMIT)]
            if not person:
                return Loaded()
        found = journal.list_messages(
            status=None if wanted.attention else wanted.status,
            mandant=wanted.mandant_id,
            person=person,
            channel=wanted.channel,
            purpose=wanted.purpose,
            limit=limit + 1,
            attention=wanted.attention,
        )
        limited = len(found) > limit
        found = found[:limit]
        ids = {m.person_id for m in found if m.person_id}
        people = {}
        for start in range(0, len(ids), 500):  # one query per 500 persons, not one per row
            chunk = list(ids)[start : start + 500]
            people.update((p.id, p) for p in Person.select(*RESEND_FIELDS).where(Person.id.in_(chunk)))
        rows = [
            JournalRow(
                id=m.id,
                created_at=m.created_at,
                mandant_code=m.mandant.code,
                channel=m.channel,
                recipient=m.recipient,
                person_name=_name(people.get(m.person_id)),
                purpose=m.purpose,
                status=m.status,
                credits=m.credits,
                error=error_text(m),
                resend_missing=_obstacle(m, people, False),
                other_missing=_obstacle(m, people, True),
                done=m.attention_done_at is not None,
            )
            for m in found
        ]
        return Loaded(rows, limited)


# what the list reads of a person: the name, and what a resend needs (core.attention)
RESEND_FIELDS = (
    Person.id,
    Person.last_name,
    Person.first_name,
    Person.mobile,
    Person.email,
    Person.deceased,
    Person.consent_reminder,
    Person.consent_recall,
    Person.consent_birthday,
)


def _name(person) -> str:
    return f"{person.last_name} {person.first_name}" if person is not None else ""


def _obstacle(message, people: dict, other: bool) -> str:
    if message.status not in ("failed", "cancelled"):
        return ""
    return attention.resend_obstacle(message, people.get(message.person_id), other)


def cut(text: str, width: int) -> str:
    text = clean(text)
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


FILTER_BINDINGS = [
    Binding("s", "screen.cycle('status')", N_("Status"), tooltip=N_("Filter by status (cycles)")),
    Binding("m", "screen.cycle('mandant')", N_("Mandant"), tooltip=N_("Filter by Mandant (cycles)")),
    Binding("k", "screen.cycle('channel')", N_("Channel"), tooltip=N_("Filter by channel (cycles)")),
    Binding("p", "screen.cycle('purpose')", N_("Purpose"), tooltip=N_("Filter by purpose (cycles)")),
    Binding("slash", "screen.focus_person", N_("Person"), key_display="/", tooltip=N_("Filter by person name")),
]


class JournalTable(DataTable):
    """The message list; its keys act on the highlighted message or the filters."""

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {f"journal--{status}" for status in STATUSES} | {"journal--error"}
    BINDINGS = [
        Binding("enter", "screen.open_detail", N_("Details"), key_display="⏎"),
        Binding(
            "a",
            "screen.attention",
            N_("Failures"),
            tooltip=N_("Failed messages that need attention (again: all messages)"),
        ),
        Binding("0", "screen.clear_filters", N_("All"), tooltip=N_("Clear every filter")),
        Binding("x", "screen.withdraw", N_("Withdraw"), tooltip=N_("Withdraw the queued message (credits refunded)")),
        Binding("r", "screen.resend", N_("Send again"), tooltip=N_("Queue the failed message again, same channel")),
        Binding(
            "o",
            "screen.resend_other",
            N_("Other channel"),
            tooltip=N_("Queue the failed message again as e-mail (SMS) or SMS (e-mail)"),
        ),
        Binding(
            "d",
            "screen.mark_done",
            N_("Done"),
            tooltip=N_("Mark the failure as dealt with (e.g. phoned): out of the attention list"),
        ),
        # the filter keys are written in the filter line above the list, not in the footer
        *[Binding(b.key, b.action, b.description, show=False, key_display=b.key_display) for b in FILTER_BINDINGS],
    ]

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        self.rows_by_id: dict[int, JournalRow] = {}
        self.columns_shown: tuple[str, ...] = ()
        self.error_width = 0

    def on_mount(self) -> None:
        self.fit_columns(self.app.size.width or 120)

    def on_resize(self, event: events.Resize) -> None:
        self.fit_columns(event.size.width)

    def fit_columns(self, width: int) -> None:
        """Show the columns that fit ``width``; after a resize the rows are shown again."""
        shown, error_width = journal_columns(width)
        if (shown, error_width) == (self.columns_shown, self.error_width):
            return
        rows, keep = list(self.rows_by_id.values()), self.current_id
        self.clear(columns=True)
        self.rows_by_id = {}
        self.columns_shown, self.error_width = shown, error_width
        for key in shown:
            self.add_column(_(TITLES[key]), key=key, width=WIDTHS[key])
        self.add_column(_(TITLES["error"]), key="error", width=error_width)
        if rows:
            self.show_rows(rows, keep)

    def cells(self, row: JournalRow) -> tuple:
        # every cell is a Text: a plain string would be read as markup by the table
        status = Text(
            status_name(row.status), style=self.get_component_rich_style(f"journal--{row.status}", partial=True), end=""
        )
        every = {
            "at": Text(format_datetime(row.created_at), end=""),
            "mandant": plain(row.mandant_code),
            "channel": Text(channel_name(row.channel), end=""),
            "recipient": plain(cut(show_recipient(row.channel, row.recipient), WIDTHS["recipient"])),
            # without its own column (80 columns) a message to a bare number names it here
            "person": plain(
                cut(
                    row.person_name
                    or ("" if "recipient" in self.columns_shown else show_recipient(row.channel, row.recipient)),
                    WIDTHS["person"],
                )
            ),
            "purpose": Text(cut(purpose_name(row.purpose), WIDTHS["purpose"]), end=""),
            "status": status,
            "credits": Text(str(row.credits).rjust(WIDTHS["credits"]), end=""),
        }
        error = plain(
            cut(row.error, self.error_width), style=self.get_component_rich_style("journal--error", partial=True)
        )
        return (*(every[key] for key in self.columns_shown), error)

    def show_rows(self, rows: list[JournalRow], keep: int | None = None) -> None:
        """Replace the rows; the cursor stays on message ``keep`` when it is still listed."""
        ids = [row.id for row in rows]
        if ids == list(self.rows_by_id) and ids:
            # the same messages: redraw the changed ones in place (no jump, no flicker)
            for row in rows:
                if row != self.rows_by_id[row.id]:
                    self.rows_by_id[row.id] = row
                    for column, value in zip((*self.columns_shown, "error"), self.cells(row), strict=False):
                        self.update_cell(str(row.id), column, value)
            return
        scroll = self.scroll_y
        self.clear()
        self.rows_by_id = {row.id: row for row in rows}
        for row in rows:
            self.add_row(*self.cells(row), key=str(row.id))
        if not rows:
            return
        if keep in self.rows_by_id:
            self.move_cursor(row=ids.index(keep), animate=False, scroll=False)
            self.call_after_refresh(self._restore_scroll, scroll)
        else:
            self.move_cursor(row=0, animate=False)

    def _restore_scroll(self, scroll: float) -> None:
        """Stay where the reader was; show the cursor's message if it moved out of sight."""
        self.scroll_to(y=scroll, animate=False, immediate=True)
        self.move_cursor(row=self.cursor_row, animate=False)  # where it is, scrolled into sight

    @property
    def current_id(self) -> int | None:
        return cursor_id(self)

    @property
    def current_row(self) -> JournalRow | None:
        current = self.current_id
        return self.rows_by_id.get(current) if current is not None else None


class FilterBar(Static):
    """``Status: all · Mandant: HAU · …``: the filters in force, the narrowed ones marked."""

    COMPONENT_CLASSES = {"filter-bar--label", "filter-bar--active", "filter-bar--attention"}
    # Never focused, so never active: these entries only list the filter keys in the
    # F1 help (the list's own, hidden bindings do the work).
    BINDINGS = FILTER_BINDINGS

    def on_resize(self) -> None:
        if getattr(self, "shown_filter", None) is not None:
            self.show(*self.shown_filter)

    def show(self, wanted: JournalFilter, mandant_code: str) -> None:
        self.shown_filter = (wanted, mandant_code)
        label = self.get_component_rich_style("filter-bar--label", partial=True)
        active = self.get_component_rich_style("filter-bar--active", partial=True)
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        everything = _("all")
        if wanted.attention:
            warning = self.get_component_rich_style("filter-bar--attention", partial=True)
            status = Text("⚠ " + _("needs attention"), style=warning)
        else:
            status = Text(
                status_name(wanted.status) if wanted.status else everything, style=active if wanted.status else ""
            )
        parts = [
            ("s", _("Status"), status),
            ("m", _("Mandant"), plain(mandant_code, style=active) if mandant_code else Text(everything)),
            (
                "k",
                _("Channel"),
                Text(channel_name(wanted.channel), style=active) if wanted.channel else Text(everything),
            ),
            (
                "p",
                _("Purpose"),
                Text(purpose_name(wanted.purpose), style=active) if wanted.purpose else Text(everything),
            ),
            ("/", _("Person"), plain(wanted.person_text, style=active) if wanted.person_text.strip() else Text("–")),
        ]
        # at 80 columns the line must fit: closer separators, and no empty person filter (F1 has "/")
        narrow = self.app.size.width < NARROW_WIDTH
        if narrow and not wanted.person_text.strip():
            parts.pop()
        for index, (key, name, value) in enumerate(parts):
            if index:
                text.append(" · " if narrow else "   ·   ", label)
            text.append(f"{name} ", label)
            text.append(f"({key}) ", label)
            text.append(value)
        self.update(text)
