"""F4 Journal: every message, newest first, with its fate in colour.

The list shows who got what kind of message and what became of it, never
the text (that is in the detail, Enter). Filters cycle on single keys
(status, Mandant, channel, purpose); ``/`` narrows to persons by name; ``a``
shows the failures that still need someone's attention.

The list follows the outbox live: every second and a half the screen asks
for the journal's change marker (the last message and event ids, two index
look-ups) and re-reads the list only when it moved, keeping the cursor on
the same message. Reading runs in a thread worker.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from ...core import journal
from ...core.db import connection
from ...core.models import CHANNELS, PURPOSES, STATUSES, Mandant
from ..i18n import _, ngettext
from ..sanitize import plain
from ..widgets.journal_table import FilterBar, JournalFilter, JournalTable, Loaded, fetch_rows
from .base import ShellScreen
from .message_detail import (
    MessageDetailScreen,
    ask_resend,
    ask_withdraw,
    can_resend,
    can_withdraw,
    mark_done,
    obstacle_text,
)

POLL_SECONDS = 1.5


class JournalScreen(ShellScreen[None]):
    """The message journal with filters, details, withdraw and resend."""

    CSS_PATH = "journal.tcss"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.wanted = JournalFilter()
        self.marker: tuple[int, int] | None = None
        self.loaded_for: JournalFilter | None = None
        self.mandant_codes: dict[int, str] = {}  # the Mandanten by code, read with the rows

    def compose_body(self) -> ComposeResult:
        with Vertical(id="journal"):
            yield FilterBar("", id="journal-filters", markup=False)
            yield Input(
                placeholder=_("Person: type a name, Enter returns to the list, Esc clears"),
                id="journal-person",
                classes="-hidden",
                compact=True,
            )
            yield Static("", id="journal-count", markup=False)
            yield JournalTable(id="journal-table")
            yield Static("", id="journal-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(JournalTable).focus()
        self.show_filters()
        self.reload()
        self.set_interval(POLL_SECONDS, self.poll)

    # -- loading ----------------------------------------------------------------

    def poll(self) -> None:
        """Re-read only when a message or event was added since the last reading."""
        if self.loaded_for == self.wanted:  # else a load is on its way: the poll must not replace it
            self.load(self.wanted, self.marker)

    def reload(self) -> None:
        self.load(self.wanted)

    @work(thread=True, exclusive=True, group="journal-load")
    def load(self, wanted: JournalFilter, seen: tuple[int, int] | None = None) -> None:
        """The rows and the Mandanten's codes (for the filter) in a thread; nothing when the journal is as ``seen``."""
        with connection():
            marker = journal.change_marker()
            if seen is not None and marker == seen:
                return
            codes = {m.id: m.code for m in Mandant.select(Mandant.id, Mandant.code).order_by(Mandant.code)}
        loaded = fetch_rows(wanted)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_loaded, wanted, loaded, marker, codes)

    def show_loaded(self, wanted: JournalFilter, loaded: Loaded, marker=None, codes: dict | None = None) -> None:
        if codes is not None:
            self.marker, self.mandant_codes = marker, codes
            self.show_filters()
        if wanted != self.wanted:
            return  # a newer filter is on its way
        table = self.query_one(JournalTable)
        table.show_rows(loaded.rows, keep=table.current_id)
        self.loaded_for = wanted
        count = self.query_one("#journal-count", Static)
        rows = loaded.rows
        if not rows:
            if wanted.attention:
                count.update(_("No failed messages need attention."))
            elif wanted.narrowed:
                count.update(_("No message matches the filters. 0 shows all."))
            else:
                count.update(_("No messages yet."))
        elif loaded.limited:
            count.update(_("The newest {count} messages – the filters narrow the list.").format(count=len(rows)))
        elif wanted.attention:
            count.update(
                ngettext(
                    "{count} failed message needs attention: r sends it again, o on the other"
                    " channel, d marks it done.",
                    "{count} failed messages need attention: r sends again, o on the other channel, d marks done.",
                    len(rows),
                ).format(count=len(rows))
            )
        else:
            count.update(ngettext("{count} message", "{count} messages", len(rows)).format(count=len(rows)))
        self.show_hint()
        self.refresh_bindings()

    def show_hint(self) -> None:
        """The whole error of the highlighted message (the list has room for its start only)."""
        row = self.query_one(JournalTable).current_row
        hint = self.query_one("#journal-hint", Static)
        text = Text(end="")
        if row is not None and row.error:
            text.append(_("Error") + ": ")
            text.append(plain(row.error))
        if row is not None and can_resend(row.status) and (row.resend_missing or row.other_missing):
            # r / o are dimmed in the footer: say why before anyone presses them
            text.append(("  · " if text.plain else "") + obstacle_text(row.resend_missing, row.other_missing), "dim")
        hint.update(text)

    # -- filters ----------------------------------------------------------------

    def set_filter(self, **changes) -> None:
        self.wanted = replace(self.wanted, **changes)
        self.show_filters()
        self.reload()

    def show_filters(self) -> None:
        code = ""
        if self.wanted.mandant_id is not None:
            code = self.mandant_codes.get(self.wanted.mandant_id, "?")
        self.query_one(FilterBar).show(self.wanted, code)

    def action_cycle(self, what: str) -> None:
        if what == "mandant":
            choices = [None, *self.mandant_codes]  # ordered by code, as read with the rows
            current = self.wanted.mandant_id
            self.set_filter(mandant_id=_next(choices, current))
            return
        if what == "status" and self.wanted.attention:
            self.set_filter(attention=False, status=None)
            return
        options = {"status": STATUSES, "channel": CHANNELS, "purpose": PURPOSES}[what]
        self.set_filter(**{what: _next([None, *options], getattr(self.wanted, what))})

    def action_attention(self) -> None:
        self.set_filter(attention=not self.wanted.attention)

    def show_attention(self) -> None:
        """The failures that need attention (the status line's key opens them)."""
        while self.app.screen is not self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        if not self.query(JournalTable):  # just opened: on_mount loads with this filter
            self.wanted = replace(self.wanted, attention=True)
            return
        if not self.wanted.attention:
            self.set_filter(attention=True)
        self.query_one(JournalTable).focus()

    def action_clear_filters(self) -> None:
        self.query_one("#journal-person", Input).value = ""
        self.query_one("#journal-person", Input).add_class("-hidden")
        self.wanted = JournalFilter()
        self.show_filters()
        self.reload()

    def action_focus_person(self) -> None:
        person = self.query_one("#journal-person", Input)
        person.remove_class("-hidden")
        person.focus()

    @on(Input.Changed, "#journal-person")
    def _person_changed(self, event: Input.Changed) -> None:
        if event.value != self.wanted.person_text:
            self.set_filter(person_text=event.value)

    @on(Input.Submitted, "#journal-person")
    def _person_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.add_class("-hidden")
        self.query_one(JournalTable).focus()

    def back_out(self) -> bool:
        """Escape: the person filter first, then the attention view, then the other filters."""
        person = self.query_one("#journal-person", Input)
        if person.has_focus or person.value:
            person.value = ""
            person.add_class("-hidden")
            self.query_one(JournalTable).focus()
            if self.wanted.person_text:
                self.set_filter(person_text="")
            return True
        if self.wanted.attention:
            self.set_filter(attention=False)
            return True
        if self.wanted.narrowed:
            self.action_clear_filters()
            return True
        return False

    def mandant_switched(self, mandant) -> None:
        # a list narrowed to one Mandant follows the switch; "all" stays all
        if self.wanted.mandant_id is not None and mandant is not None:
            self.set_filter(mandant_id=mandant.id)

    # -- the highlighted message ------------------------------------------------

    @on(DataTable.RowHighlighted, "#journal-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_hint()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#journal-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_detail()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("withdraw", "resend", "resend_other", "open_detail"):
            tables = self.query(JournalTable)
            row = tables.first().current_row if tables else None
            status = row.status if row else None
            if action == "withdraw":
                return can_withdraw(status)
            if action == "open_detail":
                return row is not None
            missing = row and (row.resend_missing if action == "resend" else row.other_missing)
            if can_resend(status) and missing:
                return None  # shown dimmed; the hint line says why
            return can_resend(status)
        if action == "mark_done":
            tables = self.query(JournalTable)
            row = tables.first().current_row if tables else None
            return row is not None and row.status == "failed" and not row.done
        if action == "clear_filters":
            return self.wanted.narrowed
        return True

    def action_open_detail(self) -> None:
        current = self.query_one(JournalTable).current_id
        if current is not None:
            self.app.push_screen(MessageDetailScreen(current), lambda _result: self.reload())

    def action_withdraw(self) -> None:
        current = self.query_one(JournalTable).current_id
        if current is not None:
            ask_withdraw(self, current, self.reload)

    def action_resend(self) -> None:
        current = self.query_one(JournalTable).current_id
        if current is not None:
            ask_resend(self, current, self.reload)

    def action_resend_other(self) -> None:
        current = self.query_one(JournalTable).current_id
        if current is not None:
            ask_resend(self, current, self.reload, other=True)

    def action_mark_done(self) -> None:
        current = self.query_one(JournalTable).current_id
        if current is not None:
            mark_done(self, current, self.reload)


def _next(choices: list, current):
    """The choice after ``current``, round and round."""
    index = choices.index(current) if current in choices else -1
    return choices[(index + 1) % len(choices)]
