"""What the desk does to one appointment: remind, edit, copy, move, cancel.

Shared by the agenda and the appointment detail. Each action gathers its
answers in dialogs (a worker awaiting each one), calls one function of :mod:`core.agenda` and says the
outcome in one line — including why no reminder is sent and how many credits
came back. The host screen provides ``say(text, error=False)`` and
``appointment_changed(appointment_id, start=None)``. Each dialog is imported
where it opens: the agenda's start needs none of them.
"""

from __future__ import annotations

from datetime import datetime

from textual import work

from ...core import agenda, clock
from ...core.errors import VitosmsError
from ...core.models import Appointment
from ...core.phone import format_phone
from ..i18n import CHANNEL_NAMES, _, format_datetime, ngettext
from ..texts.appointment_text import (
    appointment_line,
    credits_back,
    describe_plan,
    kind_name,
    overlap_warning,
    status_name,
    when,
)
from ..texts.refusals import refusal_text
from .base import DIALOG


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


def _move_question(appointment: Appointment, start: datetime, prepared) -> str:
    """Moving an appointment with messages prepared: generate them new for the new time?"""
    return "\n".join(
        (
            f"{appointment_line(appointment)}",
            _("→ {when}").format(when=when(start)),
            "",
            _("Prepared: {what}.").format(
                what=", ".join(
                    f"{kind_name(m.purpose)} ({status_name(m.status)}, {_(CHANNEL_NAMES.get(m.channel, m.channel))})"
                    for m in prepared
                )
            ),
            _("Generate a new one for the new time?"),
        )
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

    # Each action is a worker: it waits for the desk's answers in dialogs (push_screen_wait)
    # and reads top to bottom.

    @work(group=DIALOG)
    async def remind_appointment(self, appointment_id: int | None) -> None:
        # imported where the dialog opens: not loaded before the agenda's first paint
        from ..modals.remind_chooser import RemindChooser

        appointment = self._appointment_for(appointment_id)
        if appointment is None:
            return
        answer: tuple[str, str | None, bool] | None = await self.app.push_screen_wait(RemindChooser(appointment))
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

    # -- edit, copy, move, cancel -----------------------------------------------

    @work(group=DIALOG)
    async def edit_appointment(self, appointment_id: int | None) -> None:
        # imported where the dialog opens: not loaded before the agenda's first paint
        from ..modals.appointment_form import AppointmentForm

        appointment = self._appointment_for(appointment_id)
        if appointment is None:
            return
        booking: agenda.Booking | None = await self.app.push_screen_wait(AppointmentForm(appointment_id=appointment.id))
        if booking is not None:
            self.say(_join(_("Saved."), overlap_warning(booking.overlaps)))
            self.appointment_changed(booking.appointment.id)

    async def _ask_when(self, question: str, appointment: Appointment) -> datetime | None:
        # imported where the dialog opens: not loaded before the agenda's first paint
        from ..modals.date_time import AskDateTime

        """The new start; a time alone keeps the day, so moving within the day is typing the time."""
        start = await self.app.push_screen_wait(
            AskDateTime(
                question + "\n" + appointment_line(appointment),
                appointment.start,
                day=clock.local(appointment.start).date(),
                hint=_("11:00 keeps the day · 15.12.2026 11:00 another day · Esc cancels"),
            )
        )
        return start if isinstance(start, datetime) else None

    @work(group=DIALOG)
    async def copy_appointment(self, appointment_id: int | None) -> None:
        appointment = self._appointment_for(appointment_id, booked=False)
        if appointment is None:
            return
        start = await self._ask_when(_("Copy to which date and time?"), appointment)
        if start is None:
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

    @work(group=DIALOG)
    async def move_appointment(self, appointment_id: int | None) -> None:
        # imported where the dialog opens: not loaded before the agenda's first paint
        from ..modals.reminder_question import ReminderQuestion

        appointment = self._appointment_for(appointment_id)
        if appointment is None:
            return
        start = await self._ask_when(_("Move to which time (or date and time)?"), appointment)
        if start is None:
            return
        if start == appointment.start:
            self.say(_("The appointment already starts then."))
            return
        decision = None
        prepared = agenda.prepared_messages(appointment)
        if prepared:
            decision = await self.app.push_screen_wait(ReminderQuestion(_move_question(appointment, start, prepared)))
            if decision is None:
                self.say(_("Not moved."))
                return
        self._move(appointment, start, decision)

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

    @work(group=DIALOG)
    async def cancel_appointment(self, appointment_id: int | None) -> None:
        # imported where the dialog opens: not loaded before the agenda's first paint
        from ..modals.confirm import Confirm

        appointment = self._appointment_for(appointment_id)
        if appointment is None:
            return
        question = _("Cancel this appointment? Pending messages are withdrawn and refunded.")
        if not await self.app.push_screen_wait(
            Confirm(f"{appointment_line(appointment)}\n\n{question}", default=False)
        ):
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
