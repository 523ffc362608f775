"""F5 Credits: balances of all Mandanten, the ledger and the orders of one.

The balances list marks the Mandant the desk works for and shows a low
balance in the warning colour; the highlighted row chooses whose ledger and
orders are shown. The ledger can be narrowed to a period (``p`` cycles this
month / last month / this year / all, ``r`` takes a typed date range) and
exported as CSV (``x``) into the practice's export folder under a generated
name: nobody types a path, since the app writes with the practice's account.
In a browser (``vitosms serve``) the file then comes as a download; over SSH
it is mailed to the staff member's own address (``staff add --email``), or the
view names the file for the administrator to hand over. ``o`` opens the order
window, for the service desk and staff allowed
to order (orders cost money); ``t`` (transfer) and ``m`` (legacy balance) are
for the service desk. The core refuses anyone else, and the view shows those
keys dimmed with the reason.

Queries run in thread workers; every change is one call into
``core.credits``, after which the status line is refreshed.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from ...core import audit, credits, ledger_export, mandanten, roles
from ...core.dates import DateRefused
from ...core.db import connection
from ...core.errors import Refused, VitosmsError
from ...core.ledger_export import Period
from ...core.models import Mandant
from ..i18n import N_, _, format_date, format_number
from ..modals.date_time import date_problem
from ..sanitize import clean
from ..texts.refusals import refusal_text
from ..widgets.message_line import MessageLine
from .base import ShellScreen
from .credits_tables import (
    KIND_NAMES,
    BalanceRow,
    BalancesTable,
    Details,
    LedgerTable,
    OrdersTable,
    fetch_balances,
    fetch_details,
    period_text,
)

CSV_HEADERS = (
    N_("Time"),
    N_("Mandant"),
    N_("Kind"),
    N_("Amount"),
    N_("Balance"),
    N_("Message"),
    N_("Order"),
    N_("User"),
    N_("Note"),
)
# What a user without the right reads when pressing a key of the service desk (or of ordering).
FORBIDDEN = {
    "order": N_(
        "Only the service desk or staff allowed to order may order credits; {user} may not "
        "(the service desk grants it: vitosms staff add --may-order)."
    ),
    "transfer": N_("Only the service desk may move credits between Mandanten; {user} works at the front desk."),
    "migrate": N_("Only the service desk may carry the legacy balance over; {user} works at the front desk."),
}
RESTRICTED_KEYS = {"o": "order", "t": "transfer", "m": "migrate"}


class CreditsScreen(ShellScreen[None]):
    """Balances, ledger with period filter and export, orders, transfers."""

    CSS_PATH = "credits.tcss"
    BINDINGS = [
        Binding("o", "order", N_("Order"), tooltip=N_("Order a credit package for the highlighted Mandant")),
        Binding("p", "cycle_period", N_("Period"), tooltip=N_("Show this month, last month, this year or all entries")),
        Binding("r", "date_range", N_("Dates"), tooltip=N_("Show the ledger of a date range you type")),
        Binding(
            "x",
            "export",
            N_("Export CSV"),
            tooltip=N_("Write the shown period of the ledger to a CSV file in the export folder"),
        ),
        Binding("t", "transfer", N_("Transfer"), tooltip=N_("Move credits between Mandanten (service desk only)")),
        Binding(
            "m", "migrate", N_("Legacy balance"), tooltip=N_("Carry the old SMS balance over, once (service desk only)")
        ),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.selected_id: int | None = None
        self.period: Period = ledger_export.period("this_month")
        self.servicedesk = False
        self.may_order = False
        self.prompt_mode: str | None = None  # "range" while the date prompt is open
        self.balance_ids: list[int] = []
        self.details: Details | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="credits"):
            yield Static(_("Balances"), id="balances-title", classes="credits-heading", markup=False)
            yield BalancesTable(id="balances")
            yield Static("", id="ledger-title", classes="credits-heading", markup=False)
            with Horizontal(id="credits-prompt"):
                yield Static("", id="prompt-label", markup=False)
                yield Input(id="prompt-input")
            yield LedgerTable(id="ledger")
            yield Static("", id="orders-title", classes="credits-heading", markup=False)
            yield OrdersTable(id="orders")
            yield MessageLine(id="credits-message")
            yield Static("", id="role-note", markup=False)

    def on_mount(self) -> None:
        self.servicedesk = roles.is_servicedesk(self.app.user)
        self.may_order = roles.may_order(self.app.user)
        current = self.app.current_mandant
        self.selected_id = current.id if current is not None else None
        self.query_one("#credits-prompt").display = False
        self.show_role_note()
        self.query_one(BalancesTable).focus()
        self.load_balances()

    def show_role_note(self) -> None:
        """Which keys are dimmed, and why (nothing when every key is allowed)."""
        note = self.query_one("#role-note", Static)
        user = clean(self.app.user)
        parts = []
        if not self.may_order:  # the service desk may always order: this is a front-desk login
            parts.append(
                _(
                    "Dimmed for {user}: o Order (needs the right to order), t Transfer and "
                    "m Legacy balance (service desk only)."
                ).format(user=user)
            )
        elif not self.servicedesk:
            parts.append(
                _(
                    "t Transfer and m Legacy balance are for the service desk only ({user} works at the front desk)."
                ).format(user=user)
            )
        note.display = bool(parts)
        note.update(" ".join(parts))

    def on_screen_resume(self) -> None:
        if self.is_mounted and self.balance_ids:
            self.load_balances()  # back from another view or a window: balances may have moved

    def mandant_switched(self, mandant) -> None:
        self.selected_id = mandant.id
        self.load_balances()

    # -- loading ----------------------------------------------------------------

    @work(thread=True, exclusive=True, group="credits-balances")
    def load_balances(self) -> None:
        rows = fetch_balances()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_balances, rows)

    def show_balances(self, rows: list[BalanceRow]) -> None:
        table = self.query_one(BalancesTable)
        current = self.app.current_mandant.id if self.app.current_mandant is not None else None
        table.show(rows, current)
        self.balance_ids = [row.id for row in rows]
        if self.selected_id not in self.balance_ids:
            self.selected_id = self.balance_ids[0] if self.balance_ids else None
        if self.selected_id is not None:
            table.move_cursor(row=self.balance_ids.index(self.selected_id))
        self.load_details()

    @on(DataTable.RowHighlighted, "#balances")
    def _balance_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one(BalancesTable)
        # read the cursor now, not the event's row: a rebuild posts highlights of rows passed over
        if not self.balance_ids or not 0 <= table.cursor_row < len(self.balance_ids):
            return
        chosen = self.balance_ids[table.cursor_row]
        if chosen != self.selected_id:
            self.selected_id = chosen
            self.load_details()

    def load_details(self) -> None:
        if self.selected_id is None:
            return
        self._fetch_details(self.selected_id, self.period)

    @work(thread=True, exclusive=True, group="credits-details")
    def _fetch_details(self, mandant_id: int, chosen: Period) -> None:
        details = fetch_details(mandant_id, chosen)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_details, details)

    def show_details(self, details: Details) -> None:
        if details.mandant_id != self.selected_id or details.period != self.period:
            return  # an older request; a newer one is on its way
        self.details = details
        title = _("Ledger of {code} · {period} · {count}").format(
            code=clean(details.code),
            period=period_text(details.period),
            count=(
                _("1 entry") if details.total == 1 else _("{count} entries").format(count=format_number(details.total))
            ),
        )
        if details.total > len(details.lines):
            title += " · " + _("the newest {shown} shown; the export holds all").format(
                shown=format_number(len(details.lines))
            )
        self.query_one("#ledger-title", Static).update(title)
        self.query_one(LedgerTable).show(details.lines)
        if details.customer_number:
            account = _("customer number {number}").format(number=clean(details.customer_number))
        else:
            account = _("no customer account yet: the first order opens it")
        self.query_one("#orders-title", Static).update(
            _("Orders of {code} · {account}").format(code=clean(details.code), account=account)
        )
        self.query_one(OrdersTable).show(details.orders)

    # -- messages ---------------------------------------------------------------

    def say(self, text: str, error: bool = False) -> None:
        """One line under the tables: the answer to the last action."""
        self.query_one("#credits-message", MessageLine).say(text, error, done=True)

    def selected_mandant(self) -> Mandant | None:
        return Mandant.get_or_none(Mandant.id == self.selected_id) if self.selected_id is not None else None

    # -- period, range, export ------------------------------------------------------

    def action_cycle_period(self) -> None:
        self.period = ledger_export.period(ledger_export.next_period(self.period.kind))
        self.load_details()

    def action_date_range(self) -> None:
        chosen = self.period if self.period.first else ledger_export.period("this_month")
        self.open_prompt(
            "range", _("Dates (dd.mm.yyyy - dd.mm.yyyy):"), f"{format_date(chosen.first)} - {format_date(chosen.last)}"
        )

    def action_export(self) -> None:
        if self.selected_id is None:
            return
        self.say(_("Exporting…"))
        self._export(self.selected_id, self.period)

    def open_prompt(self, mode: str, label: str, value: str) -> None:
        self.prompt_mode = mode
        self.query_one("#prompt-label", Static).update(label)
        field = self.query_one("#prompt-input", Input)
        field.value = value
        self.query_one("#credits-prompt").display = True
        field.focus()
        field.cursor_position = len(value)

    def close_prompt(self) -> None:
        self.prompt_mode = None
        self.query_one("#credits-prompt").display = False
        self.query_one(BalancesTable).focus()

    @on(Input.Submitted, "#prompt-input")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if self.prompt_mode == "range":
            try:
                self.period = ledger_export.parse_range(text)
            except DateRefused as error:
                self.say(date_problem(error), error=True)  # the same words as in every date field
                return
            except Refused as error:
                self.say(refusal_text(error), error=True)
                return
            self.close_prompt()
            self.say("")
            self.load_details()

    @work(thread=True, exclusive=True, group="credits-export")
    def _export(self, mandant_id: int, chosen: Period) -> None:
        headers = [_(name) for name in CSV_HEADERS]
        kinds = {kind: _(name) for kind, name in KIND_NAMES.items()}
        state_dir = getattr(self.app, "state_dir", None) or ledger_export.state_dir_for(self.app.db_url)
        try:
            with connection():
                done = ledger_export.export_to_folder(
                    Mandant.get_by_id(mandant_id), state_dir, chosen, headers=headers, kind_names=kinds
                )
        except VitosmsError as error:
            self.app.call_from_thread(self.say, _("Not exported: {reason}").format(reason=refusal_text(error)), True)
            return
        self.app.call_from_thread(self.exported, done)

    def exported(self, done: ledger_export.Export) -> None:
        """Hand the file over the way this session can: a download in a browser, an e-mail to the
        staff member's own address over SSH, else its name for the administrator."""
        count = _("1 entry") if done.rows == 1 else _("{count} entries").format(count=format_number(done.rows))
        address = mandanten.staff_email(self.app.user)
        if self.app.is_web:
            self.app.deliver_binary(done.path, save_filename=done.path.name, mime_type="text/csv")
            self.say(
                _("Exported {count}: your browser downloads {name}").format(count=count, name=clean(done.path.name))
            )
        elif address and self.app.settings.smtp.host:
            self.say(_("Exported {count}; sending it to {address}…").format(count=count, address=clean(address)))
            self._mail(done, address)
        else:
            self.say(
                _("Exported {count} to {path} (the administrator hands the file over)").format(
                    count=count, path=clean(str(done.path))
                )
            )

    @work(exclusive=True, group="credits-export-mail")
    async def _mail(self, done: ledger_export.Export, address: str) -> None:
        from ...delivery.export_mail import mail_export

        try:
            await mail_export(
                self.app.settings.smtp,
                address,
                done.path,
                _("Ledger export {name}").format(name=done.path.name),
                _("The ledger export of vitosms is attached (CSV for a spreadsheet)."),
            )
        except VitosmsError as error:
            self.say(
                _("Not sent to {address}: {reason}. The file is {path}.").format(
                    address=clean(address), reason=refusal_text(error), path=clean(str(done.path))
                ),
                error=True,
            )
            return
        audit.record(self.app.user, "export_mailed", to=address, file=done.path.name)
        self.say(_("Sent {name} to {address}.").format(name=clean(done.path.name), address=clean(address)))

    # -- order, transfer, legacy balance --------------------------------------------

    def action_order(self) -> None:
        mandant = self.selected_mandant()
        if mandant is None:
            return
        from ..modals.order import OrderWindow, price_text

        def chosen(package_id: int | None) -> None:
            if package_id is None:
                return
            try:
                placed = credits.order(Mandant.get_by_id(mandant.id), package_id, self.app.user)
                item = credits.package(package_id)
            except VitosmsError as error:
                forbidden = error.code == "forbidden"  # the right was taken away meanwhile
                self.say(
                    _(FORBIDDEN["order"]).format(user=clean(self.app.user)) if forbidden else refusal_text(error),
                    error=True,
                )
                return
            self.say(
                _("Ordered {package} for {code}: {credits} credits, {price}; customer number {number}.").format(
                    package=clean(item.name),
                    code=clean(mandant.code),
                    credits=format_number(placed.credits),
                    price=price_text(placed.price_rappen),
                    number=clean(placed.customer_number),
                )
            )
            self.after_change()

        self.app.push_screen(OrderWindow(mandant), chosen)

    def allowed(self, action: str) -> bool:
        return self.may_order if action == "order" else self.servicedesk

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in FORBIDDEN and not self.allowed(action):
            return None  # shown dimmed; pressing the key explains why (on_key)
        return True

    def on_key(self, event) -> None:
        # A dimmed binding does not run: answer the key with the core's reason instead.
        action = RESTRICTED_KEYS.get(event.key)
        if action is None or self.allowed(action) or isinstance(self.focused, Input):
            return
        event.stop()
        event.prevent_default()
        self.refuse(action)

    def refuse(self, action: str) -> None:
        what = {"transfer": "transfer credits", "migrate": "migrate the legacy balance"}.get(action)
        try:
            if action == "order":
                roles.require_order_right(self.app.user)
            else:
                roles.require_servicedesk(self.app.user, what)
        except Refused as error:
            text = _(FORBIDDEN[action]) if error.code == "forbidden" else refusal_text(error)
            self.say(text.format(user=clean(self.app.user)), error=True)
            return
        # the right was granted meanwhile
        self.servicedesk = roles.is_servicedesk(self.app.user)
        self.may_order = roles.may_order(self.app.user)
        self.show_role_note()
        self.refresh_bindings()

    def action_transfer(self) -> None:
        from ..modals.transfer import TransferWindow

        def moved(result) -> None:
            if result is None:
                return
            self.say(
                _("Moved {amount} credits from {source} to {target}.").format(
                    amount=format_number(result.amount), source=clean(result.source), target=clean(result.target)
                )
            )
            self.after_change()

        self.app.push_screen(TransferWindow(self.selected_id), moved)

    def action_migrate(self) -> None:
        from ..modals.migrate import MigrateWindow, shares_text

        def migrated(shares: dict | None) -> None:
            if shares is None:
                return
            self.say(_("Legacy balance carried over: {split}.").format(split=shares_text(shares)))
            self.after_change()

        self.app.push_screen(MigrateWindow(), migrated)

    def after_change(self) -> None:
        self.app.refresh_status()
        self.load_balances()

    # -- Escape ----------------------------------------------------------------------

    def back_out(self) -> bool:
        if self.prompt_mode is not None:
            self.close_prompt()
            return True
        if self.period.kind != "this_month":
            self.period = ledger_export.period("this_month")
            self.load_details()
            return True
        return False
