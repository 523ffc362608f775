"""The frame every full screen shares: status line on top, the view, the footer.

A view subclasses :class:`ShellScreen` and yields its widgets from
``compose_body``. Two small hooks make it part of the shell:

- ``back_out() -> bool``: Escape asks the screen first; return True when it
  took one step back itself (closed a panel, cleared a search), False to let
  the app go back (pop this screen, or return to the previous view).
- ``mandant_switched(mandant)``: the Mandant in the status line was switched
  (the screen watches the app's reactive ``current_mandant``).
"""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen

from ..widgets.footer import KeyBar
from ..widgets.status_line import StatusLine

ResultType = TypeVar("ResultType")

# The group of the workers that wait for the desk's answers in dialogs (push_screen_wait):
# such a worker reads top to bottom, and tests know it waits for a person while its dialog is open.
DIALOG = "dialog"


class ShellScreen(Screen[ResultType]):
    """A full screen with the status line and the footer."""

    CRUMB = ""  # msgid of a step inside the view, shown beside the view's name

    def compose(self) -> ComposeResult:
        yield StatusLine(crumb=self.CRUMB)
        yield from self.compose_body()
        with Vertical(id="key-bars"):
            yield KeyBar(views=False)
            yield KeyBar(views=True)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def back_out(self) -> bool:
        """One step back inside the screen; False when there is nothing to undo here."""
        return False

    def mandant_switched(self, mandant) -> None:
        """The current Mandant changed (F8, or a view made another one current)."""

    def on_mount(self) -> None:
        # Textual calls this for every class of the MRO; watching the same callback twice is one watcher
        self.watch(self.app, "current_mandant", self.mandant_switched, init=False)
