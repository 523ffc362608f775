"""A view whose part of the product is not built yet says so, calmly."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.widgets import Static

from ..i18n import _
from .base import ShellScreen


class PendingScreen(ShellScreen[None]):
    """Stands in for a view until its module exists (see ``MODES`` in ``app.py``)."""

    def __init__(self, title: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view_title = title  # already translated

    def compose_body(self) -> ComposeResult:
        with Middle(id="pending"):
            with Center():
                yield Static(
                    _("The view “{title}” follows with a later step of the project.").format(title=self.view_title),
                    id="pending-text",
                    markup=False,
                )
            with Center():
                yield Static(
                    _("Until then the other views are ready: the keys are listed below."),
                    id="pending-hint",
                    markup=False,
                )
