"""F8: choose the Mandant the desk works for; returns the Mandant's id (None: unchanged)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...core import credits, mandanten
from ..i18n import N_, _, format_number
from ..sanitize import clean


class MandantPicker(ModalScreen[int | None]):
    """A short list of the active Mandanten with their balances."""

    BINDINGS = [Binding("escape,f8", "cancel", N_("Cancel"))]

    def __init__(self, current_id: int | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.current_id = current_id

    def compose(self) -> ComposeResult:
        with Vertical(id="mandant-picker", classes="dialog"):
            yield Static(_("Switch Mandant"), classes="dialog-title", markup=False)
            yield OptionList(id="mandant-options")
            yield Static(_("⏎ choose · Esc cancel"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        balances = credits.balances()
        highlight = 0
        for index, mandant in enumerate(mandanten.list_mandanten(active_only=True)):
            amount = balances.get(mandant.id, 0)
            label = Text.assemble(
                (f"{clean(mandant.code):<6}", "bold"),
                f" {clean(mandant.name):<34} ",
                (
                    _("{balance} credits").format(balance=format_number(amount)),
                    "bold red" if credits.is_low(mandant, amount) else "",
                ),
            )
            options.add_option(Option(label, id=str(mandant.id)))
            if mandant.id == self.current_id:
                highlight = index
        options.highlighted = highlight
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
