"""Yes or no: ``push_screen(Confirm(message), callback)`` calls back with True or False."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..i18n import N_, _


class Confirm(ModalScreen[bool]):
    """A question with Yes and No; Escape (and n) mean no."""

    BINDINGS = [
        Binding("y,j", "answer(True)", N_("Yes"), key_display="j/y"),
        Binding("n,escape", "answer(False)", N_("No"), key_display="n/Esc"),
        Binding("left,right", "app.focus_next", show=False),
    ]

    def __init__(self, message: str, yes: str | None = None, no: str | None = None, default: bool = True) -> None:
        super().__init__(classes="dialog-screen")
        self.message = message
        self.yes_label = yes or _("Yes")
        self.no_label = no or _("No")
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog"):
            yield Static(self.message, id="confirm-message", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes_label, id="yes", variant="primary")
                yield Button(self.no_label, id="no")

    def on_mount(self) -> None:
        self.query_one("#yes" if self.default else "#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
