"""The move question: the appointment has a prepared reminder — generate a new one?

``push_screen(ReminderQuestion(text), callback)`` calls back with
``"regenerate"`` (Yes), ``"withdraw"`` (No) or None (Escape: the move is not
made). Both answers withdraw and refund what is still queued with the old
date; that is :func:`core.agenda.move_appointment`'s rule. "No" means no
reminder at all: automatic reminders leave the appointment alone too, until
someone creates one (:mod:`core.desk_answers`). The dialog says what each
answer does before the desk answers.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...core.agenda import REGENERATE, WITHDRAW
from ..i18n import N_, _


class ReminderQuestion(ModalScreen[str | None]):
    """Yes: a new reminder for the new time; No: none; Escape: do not move."""

    BINDINGS = [
        Binding("y,j", "answer('regenerate')", N_("Yes"), key_display="j/y"),
        Binding("n", "answer('withdraw')", N_("No")),
        Binding("escape", "answer(None)", N_("Do not move"), key_display="Esc"),
        Binding("left,right", "app.focus_next", show=False),
    ]

    def __init__(self, message: str) -> None:
        super().__init__(classes="dialog-screen")
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="reminder-question", classes="dialog"):
            yield Static(_("Generate a new reminder?"), classes="dialog-title", markup=False)
            yield Static(self.message, id="reminder-question-text", markup=False)
            yield Static(
                "\n".join(
                    (
                        _("Yes: a new reminder for the new time, planned as usual."),
                        _(
                            "No: no reminder for this appointment; automatic reminders leave it alone too,"
                            " until someone creates one with r."
                        ),
                        _("Either way, what is still queued with the old date is withdrawn and refunded."),
                    )
                ),
                id="reminder-question-answers",
                classes="dialog-hint",
                markup=False,
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Yes, new reminder"), id="regenerate", variant="primary")
                yield Button(_("No reminder"), id="withdraw")
                yield Button(_("Do not move"), id="keep")
            yield Static(_("j/y yes · n no · Esc does not move"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#regenerate", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        answers = {"regenerate": REGENERATE, "withdraw": WITHDRAW}
        self.dismiss(answers.get(event.button.id or ""))

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)
