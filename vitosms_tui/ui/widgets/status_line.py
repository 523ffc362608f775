"""The line at the top of every screen: who works, for which Mandant, with how many credits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget

from ...core import clock
from ..i18n import _, format_day, format_number
from ..sanitize import clean

# opens the Journal's failed messages; said in the status line while there are some
ATTENTION_KEY = "ctrl+g"
WIDE = 110  # the app's -wide breakpoint


@dataclass(frozen=True)
class Status:
    """What the status line shows; the app reads it (views/status.py) and keeps it in a reactive."""

    user: str
    mandant_code: str = ""
    mandant_name: str = ""
    balance: int | None = None
    low: bool = False
    now: datetime | None = None
    attention: int = 0  # failed messages nobody has dealt with (core.journal.needs_attention)
    warnings: tuple[str, ...] = ()  # core.automation.automation_warnings(): automatic messages skipped
    quiet_until: datetime | None = None  # in the Mandant's quiet hours: when sending starts again
    unread: int = 0  # patients' SMS replies nobody has read (core.replies)


class StatusLine(Widget):
    """``user · Mandant code name · balance Credits`` on the left, the view and the time on the right."""

    COMPONENT_CLASSES = {"status-line--low", "status-line--dim", "status-line--mandant", "status-line--replies"}

    def __init__(self, crumb: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.crumb = crumb  # msgid of a step inside the view (e.g. "Edit person")
        self._attention_cells = range(0)  # where the failure warning is drawn (for a click)

    def on_click(self, event: events.Click) -> None:
        if event.x in self._attention_cells:
            self.app.run_action("attention")

    def on_mount(self) -> None:
        self.watch(self.app, "status", lambda _status: self.refresh(), init=False)

    def _mode_title(self, wide: bool = True) -> str:
        titles = getattr(self.app, "mode_titles", {})
        title = titles.get(self.app.current_mode, "")
        if self.crumb:  # 80 columns: the page alone ("Nachricht"), the footer marks its view
            title = f"{title} › {_(self.crumb)}" if title and wide else _(self.crumb)
        return title

    def _left(self, status: Status | None, with_name: bool) -> Text:
        dim = self.get_component_rich_style("status-line--dim")
        left = Text(no_wrap=True, overflow="ellipsis", end="")
        if status is not None:
            left.append(f" {clean(status.user)}")
            left.append(" · ", dim)
            if status.mandant_code:
                left.append(clean(status.mandant_code), self.get_component_rich_style("status-line--mandant"))
                if with_name:
                    left.append(f" {clean(status.mandant_name)}")
                left.append(" · ", dim)
                amount = _("{balance} credits").format(balance=format_number(status.balance or 0))
                if status.low:
                    left.append(amount + " " + _("(low)"), self.get_component_rich_style("status-line--low"))
                else:
                    left.append(amount)
            else:
                left.append(_("no Mandant"), self.get_component_rich_style("status-line--low"))
        return left

    def render(self) -> Text:
        status: Status | None = getattr(self.app, "status", None)
        width = self.size.width or 120
        right, warning_length = self._right(status, width >= WIDE, compact=False)
        room = max(0, width - right.cell_len - 1)
        left = self._left(status, with_name=True)
        if left.cell_len > room:  # at 80 columns the balance matters more than the Mandant's name
            left = self._left(status, with_name=False)
        if left.cell_len > room:  # still no room for the balance: the right side says less
            right, warning_length = self._right(status, width >= WIDE, compact=True)
            room = max(0, width - right.cell_len - 1)
        left.truncate(room, overflow="ellipsis", pad=True)
        start = room + 1
        self._attention_cells = range(start, start + warning_length)
        return Text.assemble(left, " ", right, no_wrap=True, end="")

    def _right(self, status: Status | None, wide: bool, compact: bool) -> tuple[Text, int]:
        """The warnings, the view and the time; ``compact`` leaves out the view's name and the
        words beside the counts, so that the balance on the left keeps its room (F1 and the
        views say what the counts are)."""
        dim = self.get_component_rich_style("status-line--dim")
        right = Text(end="")
        warning_length = 0
        if status is not None and status.attention:
            key = self.app.get_key_display(Binding(ATTENTION_KEY, "attention"))
            count = format_number(status.attention)
            warning = f"⚠ {count}" if compact else _("⚠ {count} failed").format(count=count)
            right.append(f" {warning} {key} ", self.get_component_rich_style("status-line--low"))
            warning_length = right.cell_len
            right.append(" " if wide else "")
        if status is not None and status.warnings:
            # automatic messages skipped (out of credits): the Recall view (F6) lists them
            right.append(
                " " + _("⚠ automation {key}").format(key="F6") + " ", self.get_component_rich_style("status-line--low")
            )
            right.append(" ")
        if status is not None and status.quiet_until is not None:
            # said before anything is sent, not only when a reminder is refused for it
            until = f"{clock.local(status.quiet_until):%H:%M}"
            right.append(
                _("from {time}").format(time=until) if compact else _("sending from {time}").format(time=until), dim
            )
            right.append("  " if wide else " ")
        if status is not None and status.unread:
            # the inbox (F10) lists them, unread first
            count = format_number(status.unread)
            replies = f"✉ {count} F10" if compact else _("✉ {count} replies {key}").format(count=count, key="F10")
            right.append(f" {replies} ", self.get_component_rich_style("status-line--replies"))
            right.append(" ")
        if not compact:
            right.append(self._mode_title(wide))
        if status is not None and status.now is not None:
            right.append("  " if wide else " ")
            right.append(format_day(status.now, year=wide), dim)  # 80 columns: the year gives way
        right.append(" ")
        return right, warning_length
