"""The one-line field a search is typed into (Persons, the person picker).

Two things make a keystroke here reach the screen in one frame:

- The search runs from the field's own watcher of its value, in the handling
  of the key itself. Through the ``Input.Changed`` message it ran a few
  messages later, and the screen often painted the typed letter alone in
  between and the results one frame (1/60 s) later.
- Textual's ``Input`` makes its scrollable width the width of its text and asks
  for a new layout of the whole screen whenever that width changes, which is on
  every keystroke. This field's scrollable width is at least the room it has on
  screen, so typing a name that fits needs no new layout. A text longer than
  the field scrolls as in any Input.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input


class SearchField(Input):
    """An ``Input`` that searches for its value as it changes and keeps its scrollable width while the text fits."""

    def __init__(self, *args, searcher: Callable[[str], None], **kwargs) -> None:
        self.searcher = searcher
        super().__init__(*args, **kwargs)

    def watch_value(self, value: str) -> None:
        # a starting value is set before the field and its list are mounted: the screen searches for it on mount
        if self.is_mounted:
            self.searcher(value)

    @property
    def content_width(self) -> int:
        # the room inside the border and padding: while the text fits, nothing to scroll and no new layout
        return max(super().content_width, self.scrollable_content_region.width)
