"""What the desk does to one appointment: remind, edit, copy, move, cancel.

Shared by the agenda and the appointment detail. Each action gathers its
answers in dialogs, calls one function of :mod:`core.agenda` and says the
outcome in one line — including why no reminder is sent and how many credits
came back. The host screen provides ``say(text, error=False)`` and
``appointment_changed(appointment_id, start=None)``.
"""

from __future__ import annotations

from datetime import date, datetime

from ...core import agenda, clock
from ...core.errors import VitosmsError
from ...core.models import Appointment
from ...core.phone import format_phone
from ..i18n import CHANNEL_NAMES, _, format_datetime, ngettext
from ..modals.appointment_form import AppointmentForm
from ..modals.confirm import Confirm
from ..modals.date_time import AskDateTime
from ..modals.remind_chooser import RemindChooser
from ..modals.reminder_question import ReminderQuestion
from ..texts.refusals import refusal_text
from ..widgets.appointment_text import (
    appointment_line,
    credits_back,
    describe_plan,
    kind_name,
    overlap_warning,
    status_name,
    when,
)


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _withdrawn_text(messages) -> str:
    if not messages:
        return ""
    count = len(messages)
    refunded = sum(m.credits for m in messages)
    return _join(
        ngettext("{count} message withdrawn,", "{count} messages withdrawn,", count).format(count=count),
        credits_back(refunded),
    )


class AppointmentActions:
    """Mixin for a screen that acts on appointments (see the module docstring)."""

    def say(self, text: str, error: bool = False) -> None:  # pragma: no cover - the host's
        raise NotImplementedError

    def appointment_changed(self, appointment_id: int, start: datetime | None = None) -> None:
        raise NotImplementedError  # pragma: no cover - the host's

    def _appointment_for(self, appointment_id: int | None, booked: bool = True) -> Appointment | None:
        if appointment_id is None:
            self.say(_("No appointment here: move the cursor onto one."), error=True)
            return None
        try:
            appointment = agenda.get_appointment(appointment_id)
        except VitosmsError as error:
            self.say(refusal_text(error), error=True)
            return None
        if booked and appointment.status != "booked":
            self.say(_("The appointment is cancelled."), error=True)
            return None
        return appointment

    # -- reminder and confirmation ----------------------------------------------

    def remind_appointment(self, appointment_id: int | None) -> None:
        appointment = self._appointment_for(appointment_id)
        if appointment is None:
            return

        def chosen(answer: tuple[str, str | None, bool] | None) -> None:
            if answer is None:
                return
            kind, channel, again = answer
            try:
                result = agenda.remind(appointment.id, self.app.user, kind=kind, channel=channel, again=again)
            except VitosmsError as error:
                self.say(refusal_text(error), error=True)
                return
            message = result.message
            self.app.refresh_status()
            recipient = format_phone(message.recipient) if message.channel == "sms" else message.recipient
            cost = ngettext("{count} credit", "{count} credits", message.credits).format(count=message.credits)
            self.say(
                _("{kind} by {channel} to {recipient}: {plan} ({cost}).").format(
                    kind=kind_name(kind),
                    channel=_(CHANNEL_NAMES.get(message.channel, message.channel)),
                    recipient=recipient,
                    plan=describe_plan(kind, result.plan),
                    cost=cost,
                )
            )
            self.appointment_changed(appointment.id)

        self.app.push_screen(RemindChooser(appointment), chosen)

    # -- edit, copy, move, cancel -----------------------------------------------

    def edit_appointment(self, appointment_id: int | None) -> None:
        appointment = self._appointment_for(appointment_id)
        if appointment is None:
            return

        def saved(booking: agenda.Booking | None) -> None:
            if booking is not None:
                self.say(_join(_("Saved."), overlap_warning(booking.overlaps)))
                self.appointment_changed(booking.appointment.id)

        self.app.push_screen(AppointmentForm(appointment_id=appointment.id), saved)

    def _ask_when(self, question: str, appointment: Appointment, chosen) -> None:
        """The new start; a time alone keeps the day, so moving within the day is typing the time."""
        self.app.push_screen(
            AskDateTime(
                question + "\n" + appointment_line(appointment),
                appointment.start,
                day=clock.local(appointment.start).date(),
                hint=_("11:00 keeps the day · 15.12.2026 11:00 another day · Esc cancels"),
            ),
            chosen,
        )

    def copy_appointment(self, appointment_id: int | None) -> None:
        appointment = self._appointment_for(appointment_id, booked=False)
        if appointment is None:
            return

        def chosen(start: datetime | date | None) -> None:
            if not isinstance(start, datetime):
                return
            try:
                booking = agenda.copy_appointment(appointment.id, start, self.app.user)
            except VitosmsError as error:
                self.say(refusal_text(error), error=True)
                return
            copy = booking.appointment
            self.say(
                _join(
                    _("Copied to {when}; the copy has no reminder (r creates one).").format(when=when(copy.start)),
                    overlap_warning(booking.overlaps),
                )
            )
            self.appointment_changed(copy.id, copy.start)

        self._ask_when(_("Copy to which date and time?"), appointment, chosen)

    def move_appointment(self, appointment_id: int | None) -> None:
        appointment = self._appointment_for(appointment_id)
        if appointment is None:
            return

        def chosen(start: datetime | date | None) -> None:
            if not isinstance(start, datetime):
                return
            if start == appointment.start:
                self.say(_("The appointment already starts then."))
                return
            prepared = agenda.prepared_messages(appointment)
            if not prepared:
                self._move(appointment, start, None)
                return
            question = "\n".join(
                (
                    f"{appointment_line(appointment)}",
                    _("→ {when}").format(when=when(start)),
                    "",
                    _("Prepared: {what}.").format(
                        what=", ".join(
                            f"{kind_name(m.purpose)} ({status_name(m.status)},"
                            f" {_(CHANNEL_NAMES.get(m.channel, m.channel))})"
                            for m in prepared
                        )
                    ),
                    _("Generate a new one for the new time?"),
                )
            )

            def decided(decision: str | None) -> None:
                if decision is None:
                    self.say(_("Not moved."))
                    return
                self._move(appointment, start, decision)

            self.app.push_screen(ReminderQuestion(question), decided)

        self._ask_when(_("Move to which time (or date and time)?"), appointment, chosen)

    def _move(self, appointment: Appointment, start: datetime, decision: str | None) -> None:
        try:
            result = agenda.move_appointment(appointment.id, start, self.app.user, reminder=decision)
        except VitosmsError as error:
            self.say(refusal_text(error), error=True)
            return
        parts = [_("Moved to {when}.").format(when=when(result.appointment.start)), _withdrawn_text(result.withdrawn)]
        for message in result.created:
            parts.append(
                _("{kind} regenerated by {channel}, planned for {at}.").format(
                    kind=kind_name(message.purpose),
                    channel=_(CHANNEL_NAMES.get(message.channel, message.channel)),
                    at=format_datetime(message.scheduled_at),
                )
            )
        for note in result.notes:
            parts.append(_("No new reminder: {why}.").format(why=describe_plan("reminder", note)))
        if decision == agenda.WITHDRAW:
            parts.append(_("No reminder for this appointment, also none automatically (r creates one)."))
        parts.append(overlap_warning(result.overlaps))
        if result.withdrawn or result.created:
            self.app.refresh_status()
        self.say(_join(*parts))
        self.appointment_changed(appointment.id, result.appointment.start)

    def cancel_appointment(self, appointment_id: int | None) -> None:
        appointment = self._appointment_for(appointment_id)
        if appointment is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                result = agenda.cancel_appointment(appointment.id, self.app.user)
            except VitosmsError as error:
                self.say(refusal_text(error), error=True)
                return
            parts = [_("Appointment cancelled."), _withdrawn_text(result.withdrawn) or _("No message was pending.")]
            if result.in_flight:
                parts.append(
                    ngettext(
                        "{count} message was already being sent and cannot be called back.",
                        "{count} messages were already being sent and cannot be called back.",
                        len(result.in_flight),
                    ).format(count=len(result.in_flight))
                )
            if result.withdrawn:
                self.app.refresh_status()
            self.say(_join(*parts))
            self.appointment_changed(appointment.id)

        question = _("Cancel this appointment? Pending messages are withdrawn and refunded.")
        self.app.push_screen(Confirm(f"{appointment_line(appointment)}\n\n{question}", default=False), answered)
