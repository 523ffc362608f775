"""Pick one or several persons with an incremental search.

Usage from any screen::

    def picked(ids: list[int] | None) -> None:
        if ids: ...
    self.app.push_screen(PersonPicker(multiple=True), picked)

The result is the list of chosen person ids (one id when ``multiple`` is
False) or None when the picker was left with Escape. In multiple mode Space
marks and unmarks the highlighted person and Enter takes the marked ones (or
the highlighted one when none is marked). Enter in the search field takes the
top hit of what was typed (once its search has answered), so that a name and
Enter is all it takes.
"""

from __future__ import annotations

import peewee
from rich.segment import Segment
from rich.style import Style
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from ..i18n import N_, _
from .person_rows import PersonRow, fetch_person_rows, search_inline
from .person_table import PersonTable
from .search_field import SearchField

PICK_LIMIT = 100


class PickerTable(PersonTable):
    BINDINGS = [
        Binding("enter", "screen.choose", N_("Take"), key_display="⏎"),
        Binding("space", "screen.mark", N_("Mark"), key_display="Space"),
        Binding("slash", "screen.focus_search", N_("Search"), key_display="/"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.marked: set[int] = set()

    HEAD_WIDTH = 2

    def row_head(self, row: PersonRow, style: Style, styles: dict[str, Style]) -> list[Segment]:
        if row.id in self.marked:
            return [Segment("✔ ", style + styles.get("mark", Style()))]
        return [Segment("  ", style)]


class PersonPicker(ModalScreen[list[int] | None]):
    """A modal person search returning the chosen ids."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), key_display="Esc"),
        Binding("down", "focus_list", show=False),
    ]

    def __init__(
        self,
        multiple: bool = False,
        title: str | None = None,
        query: str = "",
        exclude_deceased: bool = True,
        marked: list[int] | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.multiple = multiple
        self.title_text = title or (_("Choose persons") if multiple else _("Choose a person"))
        self.start_query = query
        self.exclude_deceased = exclude_deceased
        self.start_marked = set(marked or ())
        self.answered_query: str | None = None  # the search whose rows are shown
        self.take_top_when_answered = False

    def compose(self) -> ComposeResult:
        with Vertical(id="person-picker", classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield SearchField(
                self.start_query,
                placeholder=_("Search: name, birth date (dd.mm.yyyy) or mobile"),
                id="picker-search",
                searcher=self.search,
            )
            yield PickerTable(id="picker-table")
            hint = (
                _("⏎ takes the first hit or the marked · ↓ to the list · Space marks · Esc cancels")
                if self.multiple
                else _("⏎ takes the first hit · ↓ to the list · Esc cancels")
            )
            yield Static(hint, classes="dialog-hint", id="picker-hint", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(PickerTable)
        table.marked = set(self.start_marked)
        self.query_one("#picker-search", Input).focus()
        self.search(self.start_query)

    @on(Input.Submitted, "#picker-search")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.answered_query == event.value:
            self.take_top_hit()
        else:  # the search of what was typed last is still running: take its top hit then
            self.take_top_when_answered = True

    def take_top_hit(self) -> None:
        self.take_top_when_answered = False
        table = self.query_one(PickerTable)
        if self.multiple and table.marked:
            self.dismiss(sorted(table.marked))
        elif table.row_count:
            table.move_cursor(row=0)
            self.action_choose()

    def show_answer(self, text: str, rows) -> None:
        self.query_one(PickerTable).show_rows(rows)
        self.answered_query = text
        if self.take_top_when_answered and text == self.query_one("#picker-search", Input).value:
            self.take_top_hit()

    def search(self, text: str) -> None:
        if search_inline():
            rows = self._fetch(text)
            if rows is not None:
                self.show_answer(text, rows)
        else:
            self._search_in_thread(text)

    def _fetch(self, text: str) -> list[PersonRow] | None:
        try:
            rows = fetch_person_rows(text, PICK_LIMIT)
        except peewee.PeeweeException:  # a busy database: the list stays, typing goes on
            return None
        return [row for row in rows if not row.deceased] if self.exclude_deceased else rows

    @work(thread=True, exclusive=True, group="picker-search")
    def _search_in_thread(self, text: str) -> None:
        rows = self._fetch(text)
        if rows is not None and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_answer, text, rows)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "mark":
            return self.multiple
        if action == "focus_list":
            return isinstance(self.focused, Input)
        return True

    def action_focus_list(self) -> None:
        table = self.query_one(PickerTable)
        if table.row_count:
            table.focus()

    def action_focus_search(self) -> None:
        self.query_one("#picker-search", Input).focus()

    def action_mark(self) -> None:
        table = self.query_one(PickerTable)
        person_id = table.current_id
        if person_id is None:
            return
        table.marked.symmetric_difference_update({person_id})
        table.update_person_row(table.rows_by_id[person_id])

    def action_choose(self) -> None:
        table = self.query_one(PickerTable)
        if self.multiple and table.marked:
            self.dismiss(sorted(table.marked))
        elif table.current_id is not None:
            self.dismiss([table.current_id])

    @on(PersonTable.Selected, "#picker-table")
    def _selected(self, event: PersonTable.Selected) -> None:
        event.stop()
        self.action_choose()

    def action_cancel(self) -> None:
        self.dismiss(None)
