"""The front desk's everyday tasks, each done from a fresh start on today's agenda, keys counted.

Every test starts the app (the agenda of today, the clock at Friday
27.11.2026 09:00), does the task only with key presses and counts them: the
keys (``g``, ``⏎``, ``Ctrl+S``, …) against the goal, the typed text (a name,
a time, the message) apart. The outcome is read back from the database.

| task | goal |
|---|---|
| reminder for today's 13:00 appointment | ≤ 4 keys |
| 30-minute appointment tomorrow 10:30, patient found by name, with confirmation | ≤ 10 keys + typed |
| move an appointment with a prepared reminder to 11:00 the same day, answer the question | ≤ 5 keys + typed |
| free SMS to a patient found by name | ≤ 6 keys + typed |
"""

from __future__ import annotations

from datetime import timedelta

from vitosms_tui.core import agenda, clock
from vitosms_tui.core.models import Appointment, Message, Person
from vitosms_tui.ui.modals.appointment_form import AppointmentForm
from vitosms_tui.ui.modals.reminder_question import ReminderQuestion
from vitosms_tui.ui.modals.send_confirm import SendConfirm
from vitosms_tui.ui.screens.compose import ComposeScreen

from .pilot_helpers import settle, wait_until
from .test_agenda import SIZE, TODAY, booked, open_agenda


class Keys:
    """Presses keys and types text through the pilot, counting each apart."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.keys = 0
        self.typed = 0

    async def press(self, *keys: str) -> None:
        for key in keys:
            self.keys += 1
            await self.pilot.press(key)
            await settle(self.pilot)

    async def type(self, text: str) -> None:
        self.typed += len(text)
        await self.pilot.press(*["space" if char == " " else char for char in text])
        await settle(self.pilot)


def reachable(person: Person) -> bool:
    return bool(
        person.mobile
        and person.consent_reminder
        and not person.deceased
        and not person.inactive
        and person.preferred_channel != "email"
    )


def findable_person(mandant) -> Person:
    """A reachable person of the Mandant whose name as typed finds them first (no namesake before them)."""
    for person in Person.select().where(Person.mandant == mandant).order_by(Person.id):
        if not reachable(person):
            continue
        namesakes = (
            Person.select().where(Person.last_name == person.last_name, Person.first_name == person.first_name).count()
        )
        if namesakes == 1:
            return person
    raise AssertionError("the seeded practice has persons with a name of their own")


def free_time(mandant, day, minutes: int = 30):
    """The earliest half hour of the day, from 12:00 on, in which the Mandant has nothing booked."""
    taken = [(a.start, a.start + timedelta(minutes=a.minutes)) for a in agenda.day_appointments(mandant, day)]
    for hour in range(12, 18):
        for minute in (0, 30):
            start = clock.zurich_datetime(day, hour, minute)
            end = start + timedelta(minutes=minutes)
            if all(end <= begin or start >= finish for begin, finish in taken):
                return start
    raise AssertionError("a free half hour")


async def test_reminder_for_the_1300_appointment_in_four_keys(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        mandant = app.current_mandant
        start = clock.zurich_datetime(TODAY, 13, 0)
        for appointment in booked(mandant.code, TODAY):
            if appointment.start <= start < appointment.start + timedelta(minutes=appointment.minutes):
                agenda.move_appointment(appointment.id, clock.zurich_datetime(TODAY, 16, 0), "test")
        person = findable_person(mandant)
        target = agenda.add_appointment(mandant, person, start, 15, "Kontrolle", user="test").appointment
        screen.load()  # the agenda as the desk finds it in the morning
        await settle(pilot)
        keys = Keys(pilot)
        await keys.press("g")
        await keys.type("13")
        await keys.press("enter")
        assert grid.cursor_item is not None
        assert grid.cursor_item.id == target.id
        await keys.press("r", "enter")  # the reminder by the person's channel
        await wait_until(pilot, lambda: Message.select().where(Message.appointment == target.id).count() == 1)
        message = Message.get(Message.appointment == target.id)
        assert message.purpose == "reminder"
        assert message.status == "queued"
        assert message.recipient == person.mobile
        assert keys.keys <= 4, keys.keys
        assert keys.typed == 2


async def test_appointment_tomorrow_for_a_patient_found_by_name_with_confirmation(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_agenda(pilot)
        mandant = app.current_mandant
        person = findable_person(mandant)
        tomorrow = TODAY + timedelta(days=1)
        keys = Keys(pilot)
        await keys.press("full_stop")  # the next day
        await keys.press("g")
        await keys.type("10:30")
        await keys.press("enter")
        await keys.press("n")  # the form opens with the person search
        await keys.type(f"{person.last_name} {person.first_name}")
        await keys.press("enter")  # takes the top hit
        form = app.screen
        assert isinstance(form, AppointmentForm)
        assert form.person.id == person.id
        assert form.confirm == "sms"  # the confirmation is offered by the person's channel
        await keys.press("enter")  # from the start (prefilled with the cursor's time) to the minutes
        await keys.type("30")  # replaces the prefilled duration
        await keys.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, AppointmentForm))
        start = clock.zurich_datetime(tomorrow, 10, 30)
        booked_now = Appointment.get(Appointment.person == person.id, Appointment.start == start)
        assert booked_now.minutes == 30
        assert booked_now.mandant_id == mandant.id
        confirmation = Message.get(Message.appointment == booked_now.id)
        assert confirmation.purpose == "confirmation"
        assert confirmation.channel == "sms"
        assert keys.keys <= 10, keys.keys
        assert keys.typed == len("10:30") + len(f"{person.last_name} {person.first_name}") + 2


async def test_move_with_a_prepared_reminder_to_1100_the_same_day(make_app):
    clock.set_now("2026-11-27T08:15")  # early: 11:00 is more than two hours ahead, a reminder may go
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_agenda(pilot)
        mandant = app.current_mandant
        person = findable_person(mandant)
        start = free_time(mandant, TODAY)
        appointment = agenda.add_appointment(mandant, person, start, 15, "Kontrolle", user="test").appointment
        prepared = agenda.remind(appointment.id, "test").message
        screen = app.screen
        screen.load()
        await settle(pilot)
        keys = Keys(pilot)
        await keys.press("g")
        await keys.type(f"{clock.local(start):%H:%M}")
        await keys.press("enter")
        assert screen.grid.cursor_item.id == appointment.id
        await keys.press("m")
        await keys.type("11:00")  # replaces the prefilled date and time; the day is kept
        await keys.press("enter")
        assert isinstance(app.screen, ReminderQuestion)
        await keys.press("j")  # yes: a new reminder for the new time
        moved = Appointment.get_by_id(appointment.id)
        assert moved.start == clock.zurich_datetime(TODAY, 11, 0)
        assert Message.get_by_id(prepared.id).status == "cancelled"  # the old one withdrawn, refunded
        renewed = Message.select().where(Message.appointment == appointment.id, Message.status == "queued")
        assert renewed.count() == 1
        assert renewed.get().purpose == "reminder"
        assert keys.keys <= 5, keys.keys
        assert keys.typed == len(f"{clock.local(start):%H:%M}") + len("11:00")


async def test_free_sms_to_a_patient_found_by_name(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_agenda(pilot)
        person = findable_person(app.current_mandant)
        text = "Ihr Brillenrezept liegt bereit."
        keys = Keys(pilot)
        await keys.press("f3")
        assert isinstance(app.screen, ComposeScreen)
        await keys.press("ctrl+o")
        await keys.type(f"{person.last_name} {person.first_name}")
        await keys.press("enter")  # takes the top hit
        await keys.press("ctrl+e")
        await keys.type(text)
        await wait_until(pilot, lambda: app.screen.cost_is_current)
        await keys.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SendConfirm))
        await keys.press("j")
        await wait_until(pilot, lambda: Message.select().where(Message.person == person.id).count() == 1)
        message = Message.get(Message.person == person.id)
        assert message.body == text
        assert message.channel == "sms"
        assert message.status == "queued"
        assert keys.keys <= 6, keys.keys
        assert keys.typed == len(f"{person.last_name} {person.first_name}") + len(text)


async def test_message_and_appointment_for_a_person_from_personen(make_app):
    from vitosms_tui.ui.screens.persons import PersonsScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_agenda(pilot)
        person = findable_person(app.current_mandant)
        keys = Keys(pilot)
        await keys.press("f7")
        assert isinstance(app.screen, PersonsScreen)
        await keys.type(f"{person.last_name} {person.first_name}")
        await wait_until(
            pilot, lambda: app.screen.current_person() is not None and app.screen.current_person().id == person.id
        )
        await keys.press("ctrl+t")  # book: the agenda's form, for this person, no second search
        await wait_until(pilot, lambda: isinstance(app.screen, AppointmentForm))
        assert app.screen.person.id == person.id
        assert app.screen.confirm == "sms"
        await pilot.press("escape")  # nothing typed: leaves at once
        await settle(pilot)
        await keys.press("f7", "ctrl+o")  # message: Compose with the person as recipient
        assert isinstance(app.screen, ComposeScreen)
        assert [r.person.id for r in app.screen.recipients] == [person.id]
        assert keys.keys == 4


async def test_the_palettes_person_search_offers_message_appointment_and_recall(make_app):
    from textual.command import CommandList

    from vitosms_tui.ui.modals.recall_form import RecallForm

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_agenda(pilot)
        person = findable_person(app.current_mandant)
        name = f"{person.last_name} {person.first_name}"
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*name)
        commands = app.screen.query_one(CommandList)

        def prompts() -> list[str]:
            return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]

        await wait_until(pilot, lambda: f"Recall für {name}" in prompts())
        assert f"Nachricht an {name}" in prompts()
        assert f"Termin für {name}" in prompts()
        # down the list with the arrow key, as a person would, to the recall hit
        target = prompts().index(f"Recall für {name}")
        for _step in range(len(prompts()) + 1):
            if commands.highlighted == target:
                break
            await pilot.press("down")
        assert commands.highlighted == target
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecallForm))
        assert app.screen.person_id == person.id
