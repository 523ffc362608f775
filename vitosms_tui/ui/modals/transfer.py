"""Move credits from one Mandant to another (service desk only).

The window gathers source, target, amount and a note and calls
``credits.transfer`` once; the core checks the role, the amount and the
balance and books the out/in pair atomically. A refusal stays in the window
as one line, so the desk can correct the amount. The window returns a
:class:`Moved` summary, or None when cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from ...core import credits, mandanten
from ...core.errors import VitosmsError
from ..i18n import N_, _, format_number
from ..sanitize import clean
from ..texts.refusals import refusal_text

NOTE_LENGTH = 160


def mandant_label(mandant, balance: int) -> str:
    credits = _("{balance} credits").format(balance=format_number(balance))
    return f"{clean(mandant.code)}  {clean(mandant.name)}  ({credits})"


@dataclass(frozen=True)
class Moved:
    """What was moved, for the credits view's message line."""

    amount: int
    source: str
    target: str
    note: str


class TransferWindow(ModalScreen[Moved | None]):
    """Source, target, amount, note; Ctrl+S (or ⏎ in a field) books the transfer."""

    BINDINGS = [
        Binding("ctrl+s", "submit", N_("Transfer"), key_display="Ctrl+S"),
        Binding("escape", "cancel", N_("Cancel"), key_display="Esc"),
    ]

    def __init__(self, source_id: int | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.source_id = source_id

    def compose(self) -> ComposeResult:
        active = mandanten.list_mandanten(active_only=True)
        money = credits.balances()
        options = [(mandant_label(m, money.get(m.id, 0)), m.id) for m in active]
        ids = [m.id for m in active]
        source = self.source_id if self.source_id in ids else (ids[0] if ids else None)
        target = next((i for i in ids if i != source), source)
        with Vertical(id="transfer", classes="dialog"):
            yield Static(_("Move credits between Mandanten"), classes="dialog-title", markup=False)
            with Grid(classes="credits-form"):
                yield Static(_("From"), classes="form-label", markup=False)
                yield Select(
                    options,
                    value=source if source is not None else Select.BLANK,
                    allow_blank=source is None,
                    id="transfer-source",
                    compact=True,
                )
                yield Static(_("To"), classes="form-label", markup=False)
                yield Select(
                    options,
                    value=target if target is not None else Select.BLANK,
                    allow_blank=target is None,
                    id="transfer-target",
                    compact=True,
                )
                yield Static(_("Amount"), classes="form-label", markup=False)
                yield Input(
                    id="transfer-amount", restrict=r"\d*", max_length=9, placeholder=_("whole number"), compact=True
                )
                yield Static(_("Note"), classes="form-label", markup=False)
                yield Input(
                    id="transfer-note",
                    max_length=NOTE_LENGTH,
                    placeholder=_("why (shown in both ledgers)"),
                    compact=True,
                )
            yield Static("", id="transfer-error", classes="dialog-error", markup=False)
            yield Static(
                _("Booked as a pair: out of the one ledger, into the other; recorded in the audit log."),
                classes="dialog-hint",
                markup=False,
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Transfer"), id="transfer-ok", variant="primary")
                yield Button(_("Cancel"), id="transfer-cancel")

    def on_mount(self) -> None:
        self.query_one("#transfer-amount", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#transfer-ok")
    def _ok(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#transfer-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def show_error(self, text: str) -> None:
        line = self.query_one("#transfer-error", Static)
        line.update(text)
        line.display = bool(text)

    def action_submit(self) -> None:
        source_id = self.query_one("#transfer-source", Select).value
        target_id = self.query_one("#transfer-target", Select).value
        if source_id is Select.BLANK or target_id is Select.BLANK:
            self.show_error(_("Choose two different Mandanten."))
            return
        amount_text = self.query_one("#transfer-amount", Input).value.strip()
        if not amount_text:
            self.show_error(_("Type a whole number of credits greater than zero."))
            self.query_one("#transfer-amount", Input).focus()
            return
        note = self.query_one("#transfer-note", Input).value.strip()
        source = mandanten.Mandant.get_by_id(source_id)
        target = mandanten.Mandant.get_by_id(target_id)
        try:
            credits.transfer(source, target, int(amount_text), self.app.user, note=note)
        except VitosmsError as error:
            self.show_error(refusal_text(error))
            return
        self.dismiss(Moved(int(amount_text), source.code, target.code, note))

    def action_cancel(self) -> None:
        self.dismiss(None)
