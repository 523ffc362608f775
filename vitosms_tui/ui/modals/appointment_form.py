"""New appointment / edit appointment: person, start, duration, reason.

A new appointment starts with the person picker (Escape there leaves the
form too) unless it is booked from a person (Personen, the palette); the start
is prefilled with the agenda's cursor. Editing changes
duration and reason only: the time is changed by moving (``m``), which asks
about a prepared reminder. A new appointment offers its confirmation
(``ctrl+t`` or the button cycles none / SMS / e-mail), preselected with the
person's channel and its cost shown: booking and confirming are one step,
in one transaction (a confirmation that cannot go out books nothing and says
why). Saving goes through :mod:`core.agenda`; the result is the
:class:`~vitosms_tui.core.agenda.Booking` (with the overlaps to warn about
and the confirmation) or None.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ...core import agenda
from ...core.errors import VitosmsError
from ...core.models import Mandant, Person
from ..i18n import N_, _
from ..sanitize import clean, plain
from ..texts.appointment_text import address_of, confirmation_offer, default_channel, when
from ..texts.refusals import refusal_text
from ..widgets.person_picker import PersonPicker
from .date_time import DateTimeError, format_for_input, parse_date_time


class AppointmentForm(ModalScreen[agenda.Booking | None]):
    """Book (``appointment_id`` None) or edit an appointment."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save")),
        Binding("ctrl+t", "cycle_confirm", N_("Confirmation"), key_display="^t"),
        Binding("escape", "cancel", N_("Cancel"), key_display="Esc"),
    ]

    def __init__(
        self,
        mandant_id: int | None = None,
        start: datetime | None = None,
        minutes: int = 15,
        appointment_id: int | None = None,
        person_id: int | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.appointment = agenda.get_appointment(appointment_id) if appointment_id is not None else None
        if self.appointment is not None:
            mandant_id = self.appointment.mandant_id
            start, minutes = self.appointment.start, self.appointment.minutes
        self.mandant = Mandant.get_by_id(mandant_id)
        self.start = start
        self.minutes = minutes
        self.person: Person | None = self.appointment.person if self.appointment else None
        if self.person is None and person_id is not None:  # booked from the person (Personen, palette)
            self.person = Person.get_by_id(person_id)
        # the confirmation's channel (None: none is sent), preselected with the person's
        booking_for = self.person if self.appointment is None else None
        self.confirm: str | None = default_channel(self.mandant, booking_for) if booking_for else None

    def compose(self) -> ComposeResult:
        editing = self.appointment is not None
        title = _("Edit appointment") if editing else _("New appointment")
        with Vertical(id="appointment-form", classes="dialog"):
            yield Static(plain(f"{title} — {self.mandant.code} {self.mandant.name}"), classes="dialog-title")
            with Grid(id="appointment-grid"):
                yield Label(_("Person"), classes="form-label")
                if editing:
                    yield Static(self._person_text(), id="a-person-text")
                else:
                    yield Button(self._person_text(), id="a-person", compact=True)
                yield Label(_("Start"), classes="form-label")
                if editing:
                    yield Static(
                        _("{when} (m moves the appointment)").format(when=when(self.start)),
                        id="a-start-text",
                        markup=False,
                    )
                else:
                    yield Input(
                        format_for_input(self.start), placeholder=_("dd.mm.yyyy HH:MM"), id="a-start", compact=True
                    )
                yield Label(_("Minutes"), classes="form-label")
                yield Input(str(self.minutes), id="a-minutes", type="integer", max_length=4, compact=True)
                yield Label(_("Reason"), classes="form-label")
                yield Input(
                    clean(self.appointment.reason) if editing else "",
                    id="a-reason",
                    max_length=200,
                    compact=True,
                    placeholder=_("internal note"),
                )
                if not editing:
                    yield Label(_("Confirm"), classes="form-label")
                    yield Button(self._confirm_text(), id="a-confirm", compact=True)
            yield Static(
                _("The reason is an internal note: it never goes into a message.")
                + ("" if editing else "\n" + _("Ctrl+T switches the confirmation: none, SMS, e-mail.")),
                classes="dialog-hint",
                markup=False,
            )
            yield Static("", id="a-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Save"), id="a-save", variant="primary")
                yield Button(_("Cancel"), id="a-cancel")

    def _person_text(self) -> str:
        if self.person is None:
            return _("Choose a person…")
        birth = f" ({self.person.birth_date:%d.%m.%Y})" if self.person.birth_date else ""
        return clean(f"{self.person.last_name} {self.person.first_name}{birth}")

    def typed(self) -> tuple:
        """What the desk has entered, to compare with what the form opened with."""
        return (self.person.id if self.person else None, *(field.value for field in self.query(Input)))

    @property
    def dirty(self) -> bool:
        return self.typed() != self.initial

    def unsaved_work(self) -> str | None:
        return _("An appointment not yet saved") if self.dirty else None

    def _confirm_text(self) -> str:
        if self.confirm is None:
            return _("no confirmation (^t: SMS / e-mail)")
        return confirmation_offer(self.mandant, self.person, self.start, self.confirm)

    def _show_confirm(self) -> None:
        if self.appointment is None:
            self.query_one("#a-confirm", Button).label = self._confirm_text()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "cycle_confirm":
            return self.appointment is None
        return True

    def action_cycle_confirm(self) -> None:
        """None, then each channel the person can be reached on, round and round."""
        usable = [c for c in ("sms", "email") if self.person is not None and address_of(self.person, c)]
        choices = [None, *usable]
        self.confirm = choices[(choices.index(self.confirm) + 1) % len(choices)] if self.confirm in choices else None
        self._show_confirm()

    def on_mount(self) -> None:
        self.initial = self.typed()
        self.app.holds_unsaved_work(self)
        if self.appointment is not None:
            self.query_one("#a-minutes", Input).focus()
        else:
            self.query_one("#a-start", Input).focus()
            if self.person is None:
                self.pick_person(leave_if_none=True)

    def pick_person(self, leave_if_none: bool = False) -> None:
        def picked(ids: list[int] | None) -> None:
            if ids:
                self.person = Person.get_by_id(ids[0])
                self.query_one("#a-person", Button).label = self._person_text()
                self.confirm = default_channel(self.mandant, self.person)  # preselected
                self._show_confirm()
                self.query_one("#a-start", Input).focus()
            elif leave_if_none and self.person is None:
                self.dismiss(None)

        self.app.push_screen(PersonPicker(title=_("Appointment for whom?")), picked)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "a-person":
            self.pick_person()
        elif event.button.id == "a-confirm":
            self.action_cycle_confirm()
        elif event.button.id == "a-save":
            self.action_save()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "a-reason":
            self.action_save()
        else:
            self.focus_next()

    def _error(self, text: str, field: str | None = None) -> None:
        self.query_one("#a-error", Static).update(text)
        if field:
            self.query_one(field).focus()

    def action_save(self) -> None:
        minutes_text = self.query_one("#a-minutes", Input).value.strip()
        if not minutes_text.isdigit():
            self._error(_("The duration is a whole number of minutes."), "#a-minutes")
            return
        minutes = int(minutes_text)
        reason = self.query_one("#a-reason", Input).value
        try:
            if self.appointment is not None:
                booking = agenda.edit_appointment(self.appointment.id, self.app.user, minutes=minutes, reason=reason)
            else:
                if self.person is None:
                    self._error(_("Please choose a person."), "#a-person")
                    return
                try:
                    start = parse_date_time(self.query_one("#a-start", Input).value)
                except DateTimeError as error:
                    self._error(str(error), "#a-start")
                    return
                booking = agenda.add_appointment(
                    self.mandant, self.person, start, minutes, reason, user=self.app.user, confirm=self.confirm
                )
        except VitosmsError as error:
            self._error(refusal_text(error))
            return
        self.dismiss(booking)

    def action_cancel(self) -> None:
        """Escape: leave at once when nothing was entered, else ask first (No preselected)."""
        if not self.dirty:
            self.dismiss(None)
            return
        from .confirm import Confirm

        self.app.push_screen(
            Confirm(_("Discard this appointment?"), default=False),
            lambda discard: self.dismiss(None) if discard else None,
        )
