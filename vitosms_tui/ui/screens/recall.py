"""F6 Recall: the recalls due in a period, who may be notified, and sending the notices.

The list shows the open recalls of the current Mandant (``m`` shows all
Mandanten) due in a period: ``p`` cycles overdue and this month / next month /
the next three months, ``r`` takes a typed range. Recalls that may not be
notified (deceased, inactive, no consent, no address) stay in the list,
greyed, with the reason, and cannot be selected.

Space selects, ``a`` selects every eligible one; the cost and the balance
after are worked out by ``recall.quote_recalls`` in a thread as the
selection changes. Ctrl+S asks (number of notices, credits, Mandant, balance
after, the low-balance threshold) and then ``recall.notify_recalls`` queues
them all or none. ``n`` notes a new recall, ``s`` opens the service settings.
The header repeats ``automation_warnings()`` (automatic messages skipped).
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from ...core import clock, recall
from ...core.dates import DateRefused
from ...core.db import connection
from ...core.errors import VitosmsError
from ..i18n import N_, _, format_date, format_number, ngettext
from ..modals.confirm import Confirm
from ..modals.date_time import date_problem
from ..sanitize import clean
from ..texts.refusals import refusal_text
from ..views.recall_data import (
    PERIODS,
    Cost,
    Listing,
    Period,
    RecallLine,
    confirm_text,
    cost_text,
    credits_text,
    excluded_text,
    fetch_cost,
    fetch_listing,
    head_text,
    parse_period,
    period_of,
)
from ..widgets.message_line import MessageLine
from ..widgets.recall_table import RecallTable
from .base import DIALOG, ShellScreen

LETTER_ACTIONS = (
    "toggle_recall",
    "select_eligible",
    "cycle_period",
    "date_range",
    "toggle_mandanten",
    "new",
    "complete",
    "cancel_recall",
    "settings",
)


class RecallScreen(ShellScreen[None]):
    """Recalls due: select, cost, notify; new recalls; service settings."""

    CSS_PATH = "recall.tcss"
    BINDINGS = [
        Binding(
            "space",
            "toggle_recall",
            N_("Select"),
            key_display="Space",
            tooltip=N_("Select or unselect the highlighted recall"),
        ),
        Binding("a", "select_eligible", N_("All"), tooltip=N_("Select all that may be notified")),
        Binding("ctrl+s", "send", N_("Send"), tooltip=N_("Send the notices of the selected recalls")),
        Binding("p", "cycle_period", N_("Period"), tooltip=N_("Overdue + this month, next, 3 months")),
        Binding("r", "date_range", N_("Dates"), tooltip=N_("Show a date range you type")),
        Binding("m", "toggle_mandanten", N_("Mandanten"), tooltip=N_("All Mandanten or the current one")),
        Binding("n", "new", N_("New"), tooltip=N_("Note a new recall for a person")),
        Binding("d", "complete", N_("Done"), tooltip=N_("Check-up took place: mark the recall done")),
        Binding("x", "cancel_recall", N_("Cancel recall"), tooltip=N_("Cancel the recall (no repeat follows)")),
        Binding("s", "settings", N_("Settings"), tooltip=N_("Service settings and templates")),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.period = period_of("due_now", clock.today())
        self.all_mandanten = False
        self.lines: list[RecallLine] = []
        self.selected: set[int] = set()
        self.cost: Cost | None = None
        self.listing: Listing | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="recall"):
            yield Static("", id="recall-warnings", markup=False)
            yield Static("", id="recall-head", markup=False)
            with Horizontal(id="recall-prompt"):
                yield Static(_("Dates (dd.mm.yyyy - dd.mm.yyyy):"), id="recall-prompt-label", markup=False)
                yield Input(id="recall-range", compact=True)
            yield RecallTable(id="recall-table")
            yield Static("", id="recall-cost", markup=False)
            yield MessageLine(id="recall-message")

    def on_mount(self) -> None:
        table = self.query_one(RecallTable)
        table.add_columns_of_recalls()
        self.query_one("#recall-prompt").display = False
        self.query_one("#recall-warnings").display = False
        table.focus()
        self.load()

    def on_screen_resume(self) -> None:
        if self.listing is not None:
            self.load()  # back from a window or another view: recalls may have changed

    def mandant_switched(self, mandant) -> None:
        self.selected.clear()
        self.load()

    # -- loading ------------------------------------------------------------------

    def mandant_id(self) -> int | None:
        current = self.app.current_mandant
        return None if self.all_mandanten or current is None else current.id

    def load(self) -> None:
        self._fetch(self.mandant_id(), self.period)

    @work(thread=True, exclusive=True, group="recall-list")
    def _fetch(self, mandant_id: int | None, chosen: Period) -> None:
        listing = fetch_listing(mandant_id, chosen)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_listing, listing)

    def show_listing(self, listing: Listing) -> None:
        if listing.mandant_id != self.mandant_id() or listing.period != self.period:
            return  # an older request; a newer one is on its way
        self.listing = listing
        self.lines = listing.lines
        eligible = {line.id for line in self.lines if line.eligible}
        self.selected &= eligible
        warnings = self.query_one("#recall-warnings", Static)
        warnings.display = bool(listing.warnings)
        warnings.update("\n".join("⚠ " + clean(w) for w in listing.warnings))
        current = self.app.current_mandant
        who = None if self.all_mandanten or current is None else current.code
        self.query_one("#recall-head", Static).update(head_text(self.period, who, self.lines))
        self.query_one(RecallTable).show_lines(self.lines, self.selected)
        self.selection_changed()

    def current_id(self) -> int | None:
        return self.query_one(RecallTable).current_id()

    def current_line(self) -> RecallLine | None:
        wanted = self.current_id()
        return next((line for line in self.lines if line.id == wanted), None)

    # -- selection and its cost ---------------------------------------------------------

    def _redraw(self, line: RecallLine) -> None:
        self.query_one(RecallTable).show_mark(line.id, line.id in self.selected)

    def action_toggle_recall(self) -> None:
        line = self.current_line()
        if line is None:
            return
        if not line.eligible:
            reason = _("{name} cannot be selected: {why}").format(name=clean(line.name), why=excluded_text(line))
            self.say(reason, error=True)
            return
        self.selected.symmetric_difference_update({line.id})
        self._redraw(line)
        table = self.query_one(RecallTable)
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self.selection_changed()

    def action_select_eligible(self) -> None:
        eligible = {line.id for line in self.lines if line.eligible}
        self.selected = set() if eligible and eligible <= self.selected else eligible
        for line in self.lines:
            self._redraw(line)
        self.selection_changed()

    def selection_ids(self) -> tuple[int, ...]:
        return tuple(line.id for line in self.lines if line.id in self.selected)

    def selection_changed(self) -> None:
        ids = self.selection_ids()
        self.cost = None
        box = self.query_one("#recall-cost", Static)
        if not ids:
            box.update(Text(_("Space selects a recall, a selects all that may be notified."), style="dim"))
            return
        costing = ngettext("{count} selected · costing…", "{count} selected · costing…", len(ids))
        box.update(costing.format(count=format_number(len(ids))))
        self._quote(ids)

    @work(thread=True, exclusive=True, group="recall-quote")
    def _quote(self, ids: tuple[int, ...]) -> None:
        cost = fetch_cost(ids)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_cost, cost)

    def show_cost(self, cost: Cost) -> None:
        if cost.ids != self.selection_ids():
            return
        self.cost = cost
        self.query_one("#recall-cost", Static).update(cost_text(cost))

    # -- sending --------------------------------------------------------------------------

    def action_send(self) -> None:
        ids = self.selection_ids()
        if not ids:
            self.say(_("Select the recalls to notify first (Space, or a for all)."), error=True)
            return
        self.say(_("Costing the notices…"))
        self._ask_and_send(ids)

    @work(group=DIALOG, exclusive=True)
    async def _ask_and_send(self, ids: tuple[int, ...]) -> None:
        """Cost the notices again (the balance may have moved since the live quote), ask, queue."""
        cost: Cost = await self.run_worker(partial(fetch_cost, ids), thread=True, group="recall-send").wait()
        self.show_cost(cost)
        if cost.error:
            self.say(_("Not sent: {reason}").format(reason=clean(cost.error)), error=True)
            return
        if not cost.sufficient:
            self.say(
                _("Not sent: not enough credits for Mandant {code} (needs {needed}, has {has}).").format(
                    code=clean(cost.mandant_code), needed=format_number(cost.total), has=format_number(cost.balance)
                ),
                error=True,
            )
            return
        self.say("")
        if await self.app.push_screen_wait(Confirm(confirm_text(cost), yes=_("Send"), no=_("Cancel"))):
            self.say(_("Queueing the notices…"))
            self._send(cost.ids)

    @work(thread=True, exclusive=True, group="recall-send")
    def _send(self, ids: tuple[int, ...]) -> None:
        try:
            with connection():
                notice = recall.notify_recalls(list(ids), self.app.user)
        except VitosmsError as error:
            reason = _("Not sent: {reason}").format(reason=refusal_text(error))
            self.app.call_from_thread(self.say, reason, True)
            return
        self.app.call_from_thread(self._sent, len(notice.messages), notice.quote.total_credits)

    def _sent(self, count: int, total: int) -> None:
        self.selected.clear()
        done = ngettext(
            "{count} recall notice queued ({credits}).", "{count} recall notices queued ({credits}).", count
        )
        self.say(done.format(count=format_number(count), credits=credits_text(total)))
        self.app.refresh_status()
        self.load()

    # -- period, Mandant, prompt ------------------------------------------------------------

    def action_cycle_period(self) -> None:
        kind = self.period.kind
        following = PERIODS[(PERIODS.index(kind) + 1) % len(PERIODS)] if kind in PERIODS else PERIODS[0]
        self.period = period_of(following, clock.today())
        self.load()

    def action_date_range(self) -> None:
        field = self.query_one("#recall-range", Input)
        since = format_date(self.period.since) if self.period.since else ""
        field.value = f"{since} - {format_date(self.period.until)}"
        self.query_one("#recall-prompt").display = True
        field.focus()
        field.cursor_position = len(field.value)

    def close_prompt(self) -> None:
        self.query_one("#recall-prompt").display = False
        self.query_one(RecallTable).focus()

    @on(Input.Submitted, "#recall-range")
    def _range_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.period = parse_period(event.value)
        except DateRefused as error:
            self.say(date_problem(error), error=True)  # 31.02.2027: the same words as in every date field
            return
        except (ValueError, VitosmsError):
            self.say(_("Write the period as dd.mm.yyyy - dd.mm.yyyy (the first date may be left out)."), error=True)
            return
        self.say("")
        self.close_prompt()
        self.load()

    def action_toggle_mandanten(self) -> None:
        self.all_mandanten = not self.all_mandanten
        self.load()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # the letter keys type into the range prompt while it has the focus
        return not (isinstance(self.focused, Input) and action in LETTER_ACTIONS)

    def back_out(self) -> bool:
        if self.query_one("#recall-prompt").display:
            self.close_prompt()
            return True
        if self.selected:
            self.selected.clear()
            for line in self.lines:
                self._redraw(line)
            self.selection_changed()
            return True
        return False

    def say(self, text: str, error: bool = False) -> None:
        """One line under the list: the answer to the last action."""
        self.query_one("#recall-message", MessageLine).say(text, error)

    # -- a recall: new, done, cancelled, its person ------------------------------------------------

    def action_new(self) -> None:
        from ..modals.recall_form import RecallForm

        RecallForm.open(self, after=self.load)

    def _change(self, action: str) -> None:
        line = self.current_line()
        if line is None:
            return
        name = clean(line.name)
        question = (
            _("{name}: the check-up took place, mark the recall done?")
            if action == "complete"
            else _("{name}: cancel this recall (no repeat follows)?")
        ).format(name=name)

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            change = recall.complete_recall if action == "complete" else recall.cancel_recall
            try:
                change(line.id, self.app.user)
            except VitosmsError as error:
                self.say(refusal_text(error), error=True)
                return
            self.selected.discard(line.id)
            self.say(_("Recall marked done.") if action == "complete" else _("Recall cancelled."))
            self.load()

        self.app.push_screen(Confirm(question), answered)

    def action_complete(self) -> None:
        self._change("complete")

    def action_cancel_recall(self) -> None:
        self._change("cancel")

    @on(DataTable.RowSelected, "#recall-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        line = self.current_line()
        if line is not None:
            self.app.open_person(line.person_id)

    def action_settings(self) -> None:
        from .service_settings import open_service_settings

        open_service_settings(self.app)
