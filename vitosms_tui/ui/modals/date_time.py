"""Ask for a date (``dd.mm.yyyy``) or a date and time (``dd.mm.yyyy HH:MM``), Swiss style.

``push_screen(AskDateTime(title, initial), callback)`` calls back with an
aware UTC ``datetime`` (the typed wall time in Europe/Zurich), a ``date``
when ``with_time`` is False, or None when left with Escape. A typing mistake
is said below the field; the dialog stays open.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ...core import clock
from ..i18n import N_, _

_PATTERN = re.compile(
    r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?:\s*[ ,T]\s*(\d{1,2})[:.h](\d{2}))?\s*$")


class DateTimeError(ValueError):
    """The text is no date (and time) in the Swiss form; the message is for the desk."""


def parse_date_time(text: str, with_time: bool = True) -> datetime | date:
    """``27.11.2026 10:30`` -> the UTC instant of that Zurich wall time; without time -> a date."""
    found = _PATTERN.match(text or "")
    if not found or (with_time and found.group(4) is None):
        raise DateTimeError(_("Please write the date and time as dd.mm.yyyy HH:MM.") if with_time
                            else _("Please write the date as dd.mm.yyyy."))
    day, month, year = (int(found.group(i)) for i in (1, 2, 3))
    if year < 100:
        year += 2000
    try:
        wanted = date(year, month, day)
    except ValueError:
        raise DateTimeError(_("There is no such date.")) from None
    if not with_time:
        return wanted
    hour, minute = int(found.group(4)), int(found.group(5))
    if hour > 23 or minute > 59:
        raise DateTimeError(_("There is no such time."))
    return clock.zurich_datetime(wanted, hour, minute)


def format_for_input(value: datetime | date | None, with_time: bool = True) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = clock.local(value)
        return f"{local:%d.%m.%Y %H:%M}" if with_time else f"{local:%d.%m.%Y}"
    return f"{value:%d.%m.%Y}" + (" 08:00" if with_time else "")


class AskDateTime(ModalScreen[datetime | date | None]):
    """One field, Enter takes it, Escape leaves."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), key_display="Esc")]

    def __init__(self, title: str, initial: datetime | date | None = None, with_time: bool = True,
                 hint: str | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.initial = initial
        self.with_time = with_time
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-date-time", classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            placeholder = _("dd.mm.yyyy HH:MM") if self.with_time else _("dd.mm.yyyy")
            yield Input(format_for_input(self.initial, self.with_time), placeholder=placeholder,
                        id="date-time-input")
            yield Static("", id="date-time-error", classes="field-error", markup=False)
            yield Static(self.hint or _("⏎ takes · Esc cancels"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            value = parse_date_time(event.value, self.with_time)
        except DateTimeError as error:
            self.query_one("#date-time-error", Static).update(str(error))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
