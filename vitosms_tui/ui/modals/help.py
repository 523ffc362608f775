"""F1: every key of the current screen, with what it does, in the interface language."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from ..compat import node_bindings
from ..i18n import N_, _

# Keys every list and form understands; Textual keeps them out of the footer.
GENERAL_KEYS = [
    ("Tab / ⇧Tab", N_("Next / previous field")),
    ("↑ ↓ PgUp PgDn", N_("Move in a list")),
    ("⏎", N_("Choose, confirm")),
]


def _action(action: str) -> str:
    """``screen.edit`` and ``edit`` are the same action for the list."""
    namespace, dot, name = action.partition(".")
    return name if dot and namespace in ("app", "screen") else action


def key_rows(screen: Screen) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(keys of this view, keys that work everywhere) as (key, description) rows.

    The view's keys are those its screen and all of its widgets show in the
    footer, whether or not the widget has the focus now; a hidden second key
    for the same action (``e`` beside ``⏎``) is listed with it.
    """
    app = screen.app
    view: dict[str, list] = {}
    everywhere: dict[str, list] = {}
    sources = [(node, view) for node in (screen, *screen.walk_children())] + [(app, everywhere)]
    for shown in (True, False):
        for node, target in sources:
            for _key, binding in node_bindings(node):
                if binding.show != shown:
                    continue
                action = _action(binding.action)
                if shown and binding.description:
                    # the help has room for the longer explanation
                    entry = target.setdefault(action, [[], binding.tooltip or binding.description])
                elif action in target:
                    entry = target[action]
                else:
                    continue
                display = app.get_key_display(binding)
                if display not in entry[0]:
                    entry[0].append(display)

    def rows(table, first=()) -> list[tuple[str, str]]:
        ordered = sorted(table.items(), key=lambda item: (item[0] not in first, item[0] == "quit"))
        return [(" / ".join(keys), _(description)) for _action_name, (keys, description) in ordered]

    views = tuple(action for action in everywhere if action.startswith("go(") or action == "help")
    return rows(view), rows(everywhere, views)


class HelpScreen(ModalScreen[None]):
    """The key list of the screen it was opened on; F1, Escape or q close it."""

    BINDINGS = [Binding("escape,f1,q", "close", N_("Close"))]

    def __init__(self, screen: Screen, title: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.described = screen
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="help", classes="dialog"):
            heading = _("Keys")
            if self.title_text:
                heading = f"{heading} — {self.title_text}"
            yield Static(heading, id="help-title", markup=False)
            yield DataTable(id="help-keys", cursor_type="row", show_header=True, zebra_stripes=False)
            yield Static(_("F1, Esc or q closes this list."), id="help-hint", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        view, everywhere = key_rows(self.described)
        sections = [
            (heading, rows)
            for heading, rows in (
                (_("This view"), view),
                (_("Everywhere"), everywhere),
                (_("In lists and forms"), [(k, _(d)) for k, d in GENERAL_KEYS]),
            )
            if rows
        ]
        # the descriptions wrap in the room the box has, instead of running out of it
        key_width = max(len(f"  {key}") for _heading, rows in sections for key, _d in rows)
        key_width = max(key_width, *(len(heading) for heading, _rows in sections))
        # the box's width as app.tcss gives it (90 %, at most 100), less its frame and padding
        box = min(100, self.app.size.width * 9 // 10) - 6
        table.add_column(_("Key"), key="key", width=key_width)
        table.add_column(_("Action"), key="action", width=max(20, box - key_width - 5))
        for heading, rows in sections:
            table.add_row(Text(heading, style="bold"), Text(""))
            for key, description in rows:
                table.add_row(Text(f"  {key}", style="bold"), Text(description), height=None)
        table.focus()
        table.move_cursor(row=1)  # the first key, not the first heading

    def action_close(self) -> None:
        self.dismiss(None)
