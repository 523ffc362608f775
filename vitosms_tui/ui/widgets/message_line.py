"""The line under a view's list that answers the desk's last action, and then goes.

An answer that stayed ("Nicht verschoben.", a consent recorded) would be read
later as news about whatever is selected by then. So an answer fades after a
few seconds, an error after a little longer; the lasting warnings (failed
messages, a low balance) live in the status line instead.
"""

from __future__ import annotations

from textual.timer import Timer
from textual.widgets import Static

from ..sanitize import plain

DONE_SECONDS = 6.0
ERROR_SECONDS = 12.0


class MessageLine(Static):
    """``say(text, error)``: one line of answer that clears itself."""

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self._said: tuple[str, bool] = ("", False)
        self._fading: Timer | None = None

    @property
    def text(self) -> str:
        return self._said[0]

    def say(self, text: str, error: bool = False, done: bool = False) -> None:
        if self._fading is not None:
            self._fading.stop()
            self._fading = None
        if self._said != (text, error):  # e.g. "" on every turn of the day: no new layout
            self._said = (text, error)
            self.update(plain(text))
            self.set_class(error, "-error")
            self.set_class(done and not error, "-done")
        if text:
            seconds = ERROR_SECONDS if error else DONE_SECONDS
            self._fading = self.set_timer(seconds, self.clear)

    def clear(self) -> None:
        self.say("")
