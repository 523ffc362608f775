"""z in the inbox: the person of a family's shared number that a reply belongs to."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..i18n import N_, _, format_date
from ..sanitize import clean


class ReplyPerson(ModalScreen[int | None]):
    """The other persons with the reply's number; returns the chosen one's id (None: unchanged)."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, persons: list) -> None:
        super().__init__(classes="dialog-screen")
        self.persons = persons

    def compose(self) -> ComposeResult:
        with Vertical(id="reply-person", classes="dialog"):
            yield Static(_("Whose reply is it?"), classes="dialog-title", markup=False)
            yield OptionList(
                *[
                    Option(
                        clean(
                            f"{p.last_name} {p.first_name}"
                            + (f" · {format_date(p.birth_date)}" if p.birth_date else "")
                        ),
                        id=str(p.id),
                    )
                    for p in self.persons
                ],
                id="reply-person-options",
            )
            yield Static(_("⏎ choose · Esc cancel"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
