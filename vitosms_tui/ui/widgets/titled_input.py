"""An input field whose title stays whole in a narrow terminal."""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.widgets import Input

# the corners and the padding of the border beside its title
TITLE_MARGIN = 4


class TitledInput(Input):
    """An :class:`Input` with a border title that gives way to a short one when it does not fit.

    At 80 columns Compose's fields are some twenty cells wide: "Betreff (nur E-…"
    would be cut mid-word, "Betreff" is read at once.
    """

    def __init__(self, title: str, short_title: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.titles = (title, short_title)
        self.border_title = title

    def on_resize(self, event: events.Resize) -> None:
        title, short_title = self.titles
        self.border_title = title if cell_len(title) + TITLE_MARGIN <= self.outer_size.width else short_title
