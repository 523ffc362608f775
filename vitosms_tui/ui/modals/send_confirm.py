"""Before anything is spent: how many messages, what they cost, who pays, when.

``push_screen(SendConfirm(summary), callback)`` calls back with True (send)
or False (Escape, n, Cancel).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..i18n import N_, _, channel_counts, format_number, ngettext
from ..sanitize import clean


@dataclass(frozen=True)
class SendSummary:
    messages: int
    sms: int
    email: int
    total: int
    balance: int
    balance_after: int
    mandant_code: str
    mandant_name: str
    low: bool
    threshold: int
    when: str = ""  # "dd.mm.yyyy HH:MM", empty: now


def describe(summary: SendSummary) -> Text:
    out = Text(end="")
    out.append(
        ngettext("Send {count} message", "Send {count} messages", summary.messages).format(
            count=format_number(summary.messages)
        ),
        "bold",
    )
    out.append(f" ({channel_counts(summary.sms, summary.email)})\n\n")
    rows = [
        (_("Paid by"), f"{clean(summary.mandant_code)} {clean(summary.mandant_name)}"),
        (
            _("Cost"),
            ngettext("{count} credit", "{count} credits", summary.total).format(count=format_number(summary.total)),
        ),
        (_("Balance"), f"{format_number(summary.balance)} → {format_number(summary.balance_after)}"),
        (_("When"), _("at {when}").format(when=summary.when) if summary.when else _("now")),
    ]
    for label, value in rows:
        out.append(f"{label:<12}", "dim")
        out.append(value + "\n", "bold" if label == _("Paid by") else "")
    if summary.low:
        out.append("\n")
        out.append(
            _("⚠ Low balance: at or below the threshold of {threshold} credits.").format(
                threshold=format_number(summary.threshold)
            ),
            "bold yellow",
        )
    return out


class SendConfirm(ModalScreen[bool]):
    """The last question before credits are spent; Escape and n mean no."""

    BINDINGS = [
        Binding("y,j", "answer(True)", N_("Send"), key_display="j/y"),
        Binding("n,escape", "answer(False)", N_("Cancel"), key_display="n/Esc"),
        Binding("left,right", "app.focus_next", show=False),
    ]

    def __init__(self, summary: SendSummary) -> None:
        super().__init__(classes="dialog-screen")
        self.summary = summary

    def compose(self) -> ComposeResult:
        with Vertical(id="send-confirm", classes="dialog"):
            yield Static(_("Send?"), classes="dialog-title", markup=False)
            yield Static(describe(self.summary), id="send-confirm-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Send"), id="send-yes", variant="primary")
                yield Button(_("Cancel"), id="send-no")

    def on_mount(self) -> None:
        self.query_one("#send-yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "send-yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
