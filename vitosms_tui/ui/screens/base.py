"""The frame every full screen shares: status line on top, the view, the footer.

A view subclasses :class:`ShellScreen` and yields its widgets from
``compose_body``. Two small hooks make it part of the shell:

- ``back_out() -> bool``: Escape asks the screen first; return True when it
  took one step back itself (closed a panel, cleared a search), False to let
  the app go back (pop this screen, or return to the previous view).
- ``on_mandant_changed(event)``: the Mandant in the status line was switched;
  ``event.mandant`` (or ``self.app.current_mandant``) is the new one.
"""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen

from ..widgets.footer import KeyBar
from ..widgets.status_line import StatusLine

ResultType = TypeVar("ResultType")


class MandantChanged(Message):
    """Posted to every shell screen when the current Mandant changes."""

    def __init__(self, mandant) -> None:
        super().__init__()
        self.mandant = mandant


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

    def on_mount(self) -> None:
        # Textual calls this for every class of the MRO; a subclass calling
        # super().on_mount() as well must not subscribe twice.
        signal = getattr(self.app, "mandant_signal", None)
        if signal is not None and not getattr(self, "_mandant_subscribed", False):
            self._mandant_subscribed = True
            signal.subscribe(self, lambda mandant: self.post_message(MandantChanged(mandant)))
