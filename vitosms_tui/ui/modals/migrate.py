"""Carry the old version's SMS balance over (service desk only, once).

The desk types the old balance; the window shows how ``credits.split_evenly``
divides it over the active Mandanten (the remainder one credit each in code
order), asks once more and calls ``credits.migrate_legacy``. The core checks
the role and that it has not run before; a refusal stays in the window. The
window returns the shares per Mandant code, or None.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ...core import credits, mandanten
from ...core.errors import VitosmsError
from ..i18n import N_, _, format_number
from ..sanitize import clean
from ..texts.refusals import refusal_text
from .confirm import Confirm


def shares_text(shares: dict[str, int]) -> str:
    """``DUB 34 · HAU 33 · ROS 33`` in code order."""
    return " · ".join(f"{clean(code)} {format_number(amount)}" for code, amount in sorted(shares.items()))


class MigrateWindow(ModalScreen[dict | None]):
    """The legacy balance, its split, and a confirmation."""

    BINDINGS = [
        Binding("ctrl+s", "submit", N_("Carry over"), key_display="Ctrl+S"),
        Binding("escape", "cancel", N_("Cancel"), key_display="Esc"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")

    def compose(self) -> ComposeResult:
        with Vertical(id="migrate", classes="dialog"):
            yield Static(_("Carry over the legacy SMS balance"), classes="dialog-title", markup=False)
            yield Static(
                _(
                    "The old version's balance is split evenly over the active Mandanten; "
                    "the remainder goes one credit each in code order. This runs only once."
                ),
                classes="dialog-text",
                markup=False,
            )
            with Grid(classes="credits-form"):
                yield Static(_("Old balance"), classes="form-label", markup=False)
                yield Input(id="migrate-total", restrict=r"\d*", max_length=9, placeholder=_("credits"), compact=True)
                yield Static(_("Split"), classes="form-label", markup=False)
                yield Static("–", id="migrate-preview", markup=False)
            yield Static("", id="migrate-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Carry over"), id="migrate-ok", variant="primary")
                yield Button(_("Cancel"), id="migrate-cancel")

    def on_mount(self) -> None:
        self.query_one("#migrate-total", Input).focus()

    def _codes(self) -> list[str]:
        return [m.code for m in mandanten.list_mandanten(active_only=True)]

    def _total(self) -> int | None:
        text = self.query_one("#migrate-total", Input).value.strip()
        return int(text) if text else None

    @on(Input.Changed, "#migrate-total")
    def _preview(self) -> None:
        total, codes = self._total(), self._codes()
        preview = self.query_one("#migrate-preview", Static)
        preview.update(shares_text(credits.split_evenly(total, codes)) if total is not None and codes else "–")
        self.show_error("")

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#migrate-ok")
    def _ok(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#migrate-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def show_error(self, text: str) -> None:
        line = self.query_one("#migrate-error", Static)
        line.update(text)
        line.display = bool(text)

    def action_submit(self) -> None:
        total = self._total()
        if total is None:
            self.show_error(_("Type the old balance in credits."))
            return
        codes = self._codes()
        split = shares_text(credits.split_evenly(total, codes)) if codes else "–"
        question = _("Carry {total} credits over: {split}? This can be done only once.").format(
            total=format_number(total), split=split
        )

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                shares = credits.migrate_legacy(total, self.app.user)
            except VitosmsError as refusal:
                self.show_error(refusal_text(refusal))
                return
            self.dismiss(shares)

        self.app.push_screen(Confirm(question, yes=_("Carry over"), no=_("Back"), default=False), answered)

    def action_cancel(self) -> None:
        self.dismiss(None)
