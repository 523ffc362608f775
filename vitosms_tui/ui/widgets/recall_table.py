"""The Recall view's list: one row per recall, those left out greyed with the reason."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich.text import Text

from ...core import clock
from ..i18n import CHANNEL_NAMES, N_, _, format_date, ngettext
from ..sanitize import plain
from ..views.recall_data import RecallLine, excluded_text
from .tables import FittedTable


class RecallTable(FittedTable):
    """The due list; colours of excluded, overdue and selected rows come from recall.tcss.

    At 80 columns Mandant, Turnus and Grund give way: the date, the person and
    whether (or why not) a notice can go stay in sight.
    """

    COMPONENT_CLASSES = {"recall--excluded", "recall--overdue", "recall--selected"}
    COLUMNS = (
        ("mark", " ", 1, False),
        ("due", N_("Due"), 10, False),
        ("person", N_("Person"), 24, False),
        ("mandant", N_("Mandant"), 7, False),
        ("reason", N_("Reason"), 20, False),
        ("repeat", N_("Repeat"), 9, False),
        ("channel", N_("Channel / left out"), 28, False),
    )
    GIVE_WAY = ("mandant", "repeat", "reason")

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)

    def style_of(self, name: str):
        # partial: colour and weight only, so the row cursor keeps its background
        return self.get_component_rich_style(f"recall--{name}", partial=True)

    def add_columns_of_recalls(self) -> None:
        """The columns that fit the terminal now (they follow its size from then on)."""
        self.fit_columns(self.app.size.width)

    def mark(self, chosen: bool) -> Text:
        return Text("✔" if chosen else " ", style=self.style_of("selected"))

    def cells(self, line: RecallLine, chosen: bool) -> tuple:
        if line.eligible:
            style = ""
            channel = Text(_(CHANNEL_NAMES.get(line.channel or "", line.channel or "")))
        else:
            style = self.style_of("excluded")
            channel = Text("⊘ " + excluded_text(line), style=style)
        overdue = line.due < clock.today()
        due_style = style or (self.style_of("overdue") if overdue else "")
        repeat = (
            ngettext("{n} month", "{n} months", line.every_months).format(n=line.every_months)
            if line.every_months
            else "–"
        )
        return (
            self.mark(chosen),
            Text(format_date(line.due), style=due_style),
            plain(line.name, style=style),
            plain(line.mandant_code, style=style),
            plain(line.reason, style=style),
            Text(repeat, style=style),
            channel,
        )

    def show_lines(self, lines: Sequence[RecallLine], selected: Collection[int]) -> None:
        """Rebuild the rows, keeping the highlighted recall where it is still listed."""
        keep = self.current_id()
        self.clear()
        for line in lines:
            self.add_row(*self.cells(line, line.id in selected), key=str(line.id))
        ids = [line.id for line in lines]
        if keep in ids:
            self.move_cursor(row=ids.index(keep))

    def current_id(self) -> int | None:
        """The highlighted recall's id."""
        row = self.cursor_row
        if not self.row_count or not 0 <= row < self.row_count:
            return None
        return int(self.coordinate_to_cell_key((row, 0)).row_key.value)

    def show_mark(self, recall_id: int, chosen: bool) -> None:
        self.update_whole_cell(str(recall_id), "mark", self.mark(chosen))
