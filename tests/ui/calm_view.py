"""A view with nothing of its own, for tests whose start view must not matter.

Put in place of a view of ``MODES`` (``View("f2", "Agenda", CALM_VIEW)``), it keeps
the real view's key and title; the shell, its status line and key rows are real.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from vitosms_tui.ui.screens.base import ShellScreen

CALM_VIEW = "tests.ui.calm_view:CalmView"


class CalmView(ShellScreen[None]):
    def compose_body(self) -> ComposeResult:
        yield Static("", id="calm")
