"""Ask for a date, a date and time, or (on a known day) a time alone; Swiss style.

``push_screen(AskDateTime(title, initial), callback)`` calls back with an
aware UTC ``datetime`` (the typed wall time in Europe/Zurich), a ``date``
when ``with_time`` is False, or None when left with Escape. With ``day`` a
time alone (``11:00``, ``11``) is taken on that day: moving an appointment
within its day is typing the new time. With ``day_or_time`` either a date or
a time is taken (the agenda's ``g``). The field opens with its text selected,
so that typing replaces it. A typing mistake is said below the field; the
dialog stays open.

The parsing is :mod:`core.dates` for every field that takes a date; its
mistakes are said here, in the same words in every field
(:func:`date_problem`).
"""

from __future__ import annotations

from datetime import date, datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ...core import clock, dates
from ...core.dates import DateRefused
from ..i18n import N_, _
from ..texts.refusals import refusal_text


def date_problem(error: DateRefused) -> str:
    """The mistake in a typed date, in the same words in every field (the refusals' catalogue)."""
    return refusal_text(error)


class DateTimeError(ValueError):
    """The text is no date (and time) in the Swiss form; the message is for the desk."""


def parse_date_time(text: str, with_time: bool = True, day: date | None = None) -> datetime | date:
    """``27.11.2026 10:30`` -> the UTC instant of that Zurich wall time; without time -> a date.

    With ``day`` a time alone is taken on that day.
    """
    try:
        if not with_time:
            return dates.parse_date(text)
        return dates.parse_date_time(text, day)
    except DateRefused as error:
        raise DateTimeError(date_problem(error)) from None


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

    def __init__(
        self,
        title: str,
        initial: datetime | date | None = None,
        with_time: bool = True,
        hint: str | None = None,
        day: date | None = None,
        day_or_time: bool = False,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.initial = initial
        self.with_time = with_time
        self.hint = hint
        self.day = day  # a time alone is taken on this day
        self.day_or_time = day_or_time

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-date-time", classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            placeholder = (
                _("dd.mm.yyyy or HH:MM")
                if self.day_or_time
                else _("HH:MM or dd.mm.yyyy HH:MM")
                if self.day is not None
                else _("dd.mm.yyyy HH:MM")
                if self.with_time
                else _("dd.mm.yyyy")
            )
            yield Input(format_for_input(self.initial, self.with_time), placeholder=placeholder, id="date-time-input")
            yield Static("", id="date-time-error", classes="field-error", markup=False)
            yield Static(self.hint or _("⏎ takes · Esc cancels"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            if self.day_or_time:
                value = dates.parse_day_or_time(event.value, self.day or clock.today())
            else:
                value = parse_date_time(event.value, self.with_time, self.day)
        except DateRefused as error:
            self.query_one("#date-time-error", Static).update(date_problem(error))
            return
        except DateTimeError as error:
            self.query_one("#date-time-error", Static).update(str(error))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
