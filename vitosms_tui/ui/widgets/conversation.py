"""The SMS exchanged with one person, above Compose's text when the desk writes back."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.widgets import Static
from textual.worker import get_current_worker

from ...core.db import connection
from ..texts.reply_text import conversation_text


class Conversation(Static):
    """The conversation with one person (hidden when there is none), read in a thread."""

    def show_for(self, person_id: int | None) -> None:
        if person_id is None:
            self._show(Text(end=""))
        else:
            self._read(person_id)

    @work(thread=True, exclusive=True, group="conversation")
    def _read(self, person_id: int) -> None:
        with connection():
            text = conversation_text(person_id)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, text)

    def _show(self, text: Text) -> None:
        self.update(text)
        self.set_class(bool(text.plain), "-shown")
