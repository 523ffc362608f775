"""When a message goes out: now (empty field) or ``dd.mm.yyyy HH:MM`` in Zurich time.

The field checks what is typed as it is typed (``drafts.check_send_time``:
not in the past) and says below it when the message will be sent or what is
wrong.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from ...core import clock
from ...core.drafts import check_send_time
from ...core.errors import Refused, VitosmsError
from ..i18n import _, format_datetime
from .cost_meter import explain

WHEN_FORMAT = "%d.%m.%Y %H:%M"


def parse_when(text: str) -> datetime | None:
    """``dd.mm.yyyy HH:MM`` in Zurich time as UTC; empty is now; the past is refused."""
    raw = " ".join((text or "").split())
    if not raw:
        return None
    try:
        wall = datetime.strptime(raw, WHEN_FORMAT)
    except ValueError:
        raise Refused("write the send time as dd.mm.yyyy HH:MM", "invalid_time") from None
    return check_send_time(wall.replace(tzinfo=clock.ZURICH))


class SendTime(Vertical):
    """The send-time field with its inline answer."""

    def compose(self) -> ComposeResult:
        field = Input(placeholder=_("empty: now"), id="compose-when")
        field.border_title = _("Send at (dd.mm.yyyy HH:MM)")
        yield field
        yield Static("", id="compose-when-reason", markup=False)

    @property
    def field(self) -> Input:
        return self.query_one("#compose-when", Input)

    def read(self) -> tuple[datetime | None, bool]:
        """(the send time, None for now; whether the field is valid), the answer shown below."""
        reason = self.query_one("#compose-when-reason", Static)
        try:
            when = parse_when(self.field.value)
        except VitosmsError as error:
            reason.update(Text("✗ " + explain(error), style="bold red"))
            return None, False
        reason.update(Text(_("Will be sent at {when}").format(when=format_datetime(when)), style="green")
                      if when else "")
        return when, True

    @on(Input.Changed, "#compose-when")
    def _changed(self) -> None:
        self.read()
