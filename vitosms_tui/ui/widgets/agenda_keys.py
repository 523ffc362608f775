"""The agenda's navigation keys, one line under the grid (and in F1 from there)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from ..i18n import N_, _


class AgendaKeys(Static):
    """The navigation keys, always in sight under the grid.

    Its bindings never fire (it never has the focus; the screen and the grid
    hold the working ones): they are here so that the line and the F1 help
    are written from one list, while the footer keeps to the actions.
    """

    BINDINGS = [
        Binding(
            "down",
            "move_hint",
            N_("cursor"),
            key_display="↑↓←→ hjkl",
            tooltip=N_("Move (arrows or h j k l; Shift+↑↓ next slot, PgUp/PgDn, Home/End)"),
        ),
        Binding("J", "move_hint", N_("appointment"), key_display="J/K", tooltip=N_("Next / previous appointment")),
        Binding("comma", "screen.shift_days(-1)", N_("day"), key_display=",/.", tooltip=N_("Previous / next day")),
        Binding(
            "left_square_bracket",
            "screen.shift_days(-7)",
            N_("week"),
            key_display="[/]",
            tooltip=N_("Previous / next week"),
        ),
        Binding("t", "screen.today", N_("today"), tooltip=N_("Go to today")),
        Binding("w", "screen.toggle_week", N_("day/week"), tooltip=N_("Switch between day and week view")),
        Binding(
            "a", "screen.toggle_all", N_("all/one"), tooltip=N_("All Mandanten or only the current one (day view)")
        ),
        Binding(
            "g", "screen.goto", N_("date"), tooltip=N_("Go to a date, or to a time of the day shown (13 or 13:00)")
        ),
        Binding(
            "slash", "screen.find_person", N_("person"), key_display="/", tooltip=N_("Find a person's appointments")
        ),
    ]

    def on_mount(self) -> None:
        line = Text(end="")
        for index, binding in enumerate(self.BINDINGS):
            if index:
                line.append(" · ", "dim")
            line.append(binding.key_display or binding.key, "bold")
            line.append(f" {_(binding.description)}")
        self.update(line)
