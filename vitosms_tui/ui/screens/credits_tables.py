"""The three tables of F5 Credits and what they show, fetched in a worker thread.

:func:`fetch_balances` and :func:`fetch_details` hold their own database
connection (they run in thread workers) and return plain values; the tables
turn them into rows. Colours come from credits.tcss (component classes).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from ...core import credits, ledger_export, mandanten
from ...core.db import connection
from ...core.ledger_export import LedgerLine, OrderLine, Period
from ...core.models import Mandant
from ..i18n import CHANNEL_NAMES, N_, _, format_date, format_datetime, format_number
from ..modals.order import price_text
from ..sanitize import plain
from ..texts.events import ledger_note
from ..widgets.tables import FittedTable

LEDGER_LIMIT = 500
ORDER_LIMIT = 100
KIND_NAMES = {
    "purchase": N_("Purchase"),
    "spend": N_("Message"),
    "refund": N_("Refund"),
    "transfer_out": N_("Transfer out"),
    "transfer_in": N_("Transfer in"),
    "migration": N_("Legacy balance"),
}
PERIOD_NAMES = {
    "this_month": N_("This month"),
    "last_month": N_("Last month"),
    "this_year": N_("This year"),
    "all": N_("All entries"),
    "range": N_("Period"),
}


@dataclass(frozen=True)
class BalanceRow:
    id: int
    code: str
    name: str
    balance: int
    low_balance: int
    low: bool
    active: bool


@dataclass(frozen=True)
class Details:
    """What the lower part shows for one Mandant and period (plain values)."""

    mandant_id: int
    code: str
    period: Period
    lines: list[LedgerLine]
    total: int
    orders: list[OrderLine]
    customer_number: str | None


def fetch_balances() -> list[BalanceRow]:
    """Every Mandant (active or not) with its balance and whether it is low."""
    with connection():
        money = credits.balances()
        return [
            BalanceRow(
                m.id, m.code, m.name, money.get(m.id, 0), m.low_balance, credits.is_low(m, money.get(m.id, 0)), m.active
            )
            for m in mandanten.list_mandanten()
        ]


def fetch_details(mandant_id: int, chosen: Period) -> Details:
    """The newest ledger lines of the period, their count, the orders, the customer number."""
    with connection():
        mandant = Mandant.get_by_id(mandant_id)
        return Details(
            mandant_id,
            mandant.code,
            chosen,
            ledger_export.ledger_lines(mandant_id, chosen, LEDGER_LIMIT),
            ledger_export.count_entries(mandant_id, chosen),
            ledger_export.order_lines(mandant_id, ORDER_LIMIT),
            credits.customer_number(),
        )


def right(text: str, width: int) -> str:
    """Numbers stand right-aligned in their column (DataTable has no column alignment)."""
    return text.rjust(width)


def period_text(chosen: Period) -> str:
    """``This month 01.11.2026 – 30.11.2026`` (or ``All entries``)."""
    name = _(PERIOD_NAMES.get(chosen.kind, chosen.kind))
    if chosen.first is None:
        return name
    return f"{name} {format_date(chosen.first)} – {format_date(chosen.last)}"


def kind_name(kind: str) -> str:
    return _(KIND_NAMES.get(kind, kind))


class CreditsTable(FittedTable):
    """A row-cursor table whose colours come from credits.tcss; its columns give way when narrow."""

    COMPONENT_CLASSES = {"credits--low", "credits--current", "credits--plus", "credits--dim"}

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)

    def style_of(self, name: str):
        # partial: colour and weight only, so the row cursor keeps its background
        return self.get_component_rich_style(f"credits--{name}", partial=True)


class BalancesTable(CreditsTable):
    COLUMNS = (
        ("mark", " ", 1, False),
        ("code", N_("Mandant"), 7, False),
        ("name", N_("Name"), 30, False),
        ("balance", N_("Balance"), 10, True),
        ("threshold", N_("Warning at"), 10, True),
        ("state", N_("State"), 16, False),
    )
    GIVE_WAY = ("threshold",)

    def show(self, rows: list[BalanceRow], current_id: int | None) -> None:
        """All Mandanten; the current one marked, a low balance in the warning colour."""
        self.clear()
        for row in rows:
            here = row.id == current_id
            mark = self.style_of("current") if here else ""
            state = ([_("low")] if row.low else []) + ([] if row.active else [_("inactive")])
            self.add_row(
                Text("●" if here else " ", style=mark),
                plain(row.code, style=mark),
                plain(row.name, style=mark),
                Text(right(format_number(row.balance), 10), style=self.style_of("low") if row.low else ""),
                Text(right(format_number(row.low_balance), 10), style=self.style_of("dim")),
                Text(", ".join(state), style=self.style_of("low") if row.low else self.style_of("dim")),
                key=str(row.id),
            )


class LedgerTable(CreditsTable):
    COLUMNS = (
        ("at", N_("Time"), 16, False),
        ("kind", N_("Kind"), 14, False),
        ("delta", N_("Amount"), 8, True),
        ("message", N_("Message"), 12, False),
        ("user", N_("User"), 12, False),
        ("note", N_("Note"), 24, False),
    )
    GIVE_WAY = ("user", "message")

    def show(self, lines: list[LedgerLine]) -> None:
        self.clear()
        for line in lines:
            delta = Text(
                right(f"{'+' if line.delta > 0 else ''}{format_number(line.delta)}", 8),
                style=self.style_of("plus") if line.delta > 0 else "",
            )
            message = ""
            if line.message_id is not None:
                channel = _(CHANNEL_NAMES[line.message_channel]) if line.message_channel in CHANNEL_NAMES else ""
                message = f"#{line.message_id} {channel}".strip()
            self.add_row(
                format_datetime(line.at),
                kind_name(line.kind),
                delta,
                message,
                plain(line.user),
                plain(ledger_note(line.note, line.note_code, line.note_data)),
                key=str(line.id),
            )


class OrdersTable(CreditsTable):
    COLUMNS = (
        ("at", N_("Time"), 16, False),
        ("package", N_("Package"), 10, False),
        ("credits", N_("Credits (amount)"), 8, True),
        ("price", N_("Price"), 14, True),
        ("customer", N_("Customer number"), 20, False),
        ("user", N_("User"), 12, False),
    )
    GIVE_WAY = ("user", "customer")

    def show(self, orders: list[OrderLine]) -> None:
        self.clear()
        for item in orders:
            self.add_row(
                format_datetime(item.at),
                plain(item.package),
                right(format_number(item.credits), 8),
                right(price_text(item.price_rappen), 14),
                plain(item.customer_number),
                plain(item.user),
                key=str(item.id),
            )
