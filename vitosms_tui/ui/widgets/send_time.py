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

from ...core.drafts import check_send_time
from ...core.errors import VitosmsError
from ..i18n import _, format_datetime
from ..modals.date_time import DateTimeError, parse_date_time
from ..texts.refusals import refusal_text
from .titled_input import TitledInput


def parse_when(text: str) -> datetime | None:
    """``dd.mm.yyyy HH:MM`` in Zurich time as UTC; empty is now; the past is refused.

    The same parser and messages as every other date field (:mod:`..modals.date_time`).
    """
    if not (text or "").strip():
        return None
    try:
        instant = parse_date_time(text)
    except DateTimeError as error:
        raise SendTimeError(str(error)) from None
    return check_send_time(instant)


class SendTimeError(VitosmsError):
    """The send time as typed is no date and time; the message is for the desk as it is."""

    def __init__(self, message: str) -> None:
        super().__init__("invalid_time.as_typed", problem=message)


class SendTime(Vertical):
    """The send-time field with its inline answer."""

    def compose(self) -> ComposeResult:
        yield TitledInput(_("Send at (dd.mm.yyyy HH:MM)"), _("Send at"), placeholder=_("empty: now"), id="compose-when")
        yield Static("", id="compose-when-reason", markup=False)

    @property
    def field(self) -> Input:
        return self.query_one("#compose-when", Input)

    problem: str | None = None  # what is wrong with the send time as typed, in the desk's words

    def read(self) -> tuple[datetime | None, bool]:
        """(the send time, None for now; whether the field is valid), the answer shown below."""
        reason = self.query_one("#compose-when-reason", Static)
        try:
            when = parse_when(self.field.value)
        except VitosmsError as error:
            self.problem = error.message if isinstance(error, SendTimeError) else refusal_text(error)
            reason.update(Text("✗ " + self.problem, style="bold red"))
            return None, False
        self.problem = None
        reason.update(
            Text(_("Will be sent at {when}").format(when=format_datetime(when)), style="green") if when else ""
        )
        return when, True

    @on(Input.Changed, "#compose-when")
    def _changed(self) -> None:
        self.read()
