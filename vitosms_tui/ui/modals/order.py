"""The order window: the price list of credit packages and a confirmation.

The packages come from ``data/prices.toml`` (via ``credits.packages``). ⏎ on
a package asks once more, naming package, price and Mandant (and that the
first order opens the practice's customer account); the window returns the
chosen package's id and the credits view books the order in core.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...core import credits
from ...core.errors import VitosmsError
from ..i18n import N_, _, format_number
from ..sanitize import clean
from ..texts.refusals import refusal_text
from .confirm import Confirm


def price_text(rappen: int) -> str:
    """``CHF 1'400.00``: Swiss grouping, always two decimals."""
    return f"CHF {format_number(rappen // 100)}.{rappen % 100:02d}"


class OrderWindow(ModalScreen[int | None]):
    """Choose a package for the Mandant; returns its id (None: nothing ordered)."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), key_display="Esc")]

    def __init__(self, mandant) -> None:
        super().__init__(classes="dialog-screen")
        self.mandant = mandant
        self.packages: dict[str, credits.Package] = {}

    def compose(self) -> ComposeResult:
        title = _("Order credits for {code} {name}").format(
            code=clean(self.mandant.code), name=clean(self.mandant.name)
        )
        with Vertical(id="order", classes="dialog"):
            yield Static(title, classes="dialog-title", markup=False)
            yield Static("", id="order-account", markup=False)
            yield OptionList(id="order-packages")
            yield Static("", id="order-error", classes="dialog-error", markup=False)
            yield Static(_("⏎ order the highlighted package · Esc cancel"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        number = credits.customer_number()
        account = self.query_one("#order-account", Static)
        if number:
            account.update(_("Customer number: {number}").format(number=clean(number)))
        else:
            account.update(_("No customer account yet: the first order opens it."))
        options = self.query_one(OptionList)
        try:
            offered = credits.packages()
        except VitosmsError as error:
            line = self.query_one("#order-error", Static)
            line.update(refusal_text(error))
            line.display = True
            return
        for item in offered:
            self.packages[str(item.id)] = item
            amount = _("{credits} credits").format(credits=format_number(item.credits))
            label = Text.assemble(
                (f"{clean(item.name):<12}", "bold"),
                f"{amount:>18}",
                f"{price_text(item.price_rappen):>18}",
            )
            options.add_option(Option(label, id=str(item.id)))
        if offered:
            options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        item = self.packages[event.option.id]
        question = _("Order the package {package} ({credits} credits) for {price} for Mandant {code} {name}?").format(
            package=clean(item.name),
            credits=format_number(item.credits),
            price=price_text(item.price_rappen),
            code=clean(self.mandant.code),
            name=clean(self.mandant.name),
        )
        if not credits.customer_number():
            question += "\n\n" + _("This first order opens the practice's customer account.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(item.id)

        self.app.push_screen(Confirm(question, yes=_("Order"), no=_("Back")), answered)

    def action_cancel(self) -> None:
        self.dismiss(None)
