"""F2 Agenda: navigation, booking, remind in three keys, copy, move (yes/no/escape), cancel, detail.

The practice is seeded (three Mandanten DUB, HAU, ROS with about eight
appointments a day each, on working days ±4 weeks) and the clock stands at
Friday 27.11.2026 09:00.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from vitosms_tui.core import agenda, agenda_view, automation, clock, credits, mandanten
from vitosms_tui.core.models import Appointment, CreditEntry, Mandant, Message, Person
from vitosms_tui.ui.i18n import _
from vitosms_tui.ui.modals.appointment_form import AppointmentForm
from vitosms_tui.ui.modals.confirm import Confirm
from vitosms_tui.ui.modals.date_time import AskDateTime, DateTimeError, parse_date_time
from vitosms_tui.ui.modals.person_appointments import PersonAppointments
from vitosms_tui.ui.modals.remind_chooser import RemindChooser
from vitosms_tui.ui.modals.reminder_question import ReminderQuestion
from vitosms_tui.ui.screens.agenda import AgendaScreen
from vitosms_tui.ui.screens.appointment_detail import AppointmentDetailScreen
from vitosms_tui.ui.widgets.agenda_grid import AgendaGrid

from .pilot_helpers import settle, shown_text, take_in_picker, wait_until

SIZE = (120, 40)
TODAY = date(2026, 11, 27)
MONDAY = date(2026, 11, 30)


async def open_agenda(pilot) -> tuple[AgendaScreen, AgendaGrid]:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AgendaScreen)
    return screen, screen.query_one(AgendaGrid)


def mandant(code: str) -> Mandant:
    return Mandant.get(Mandant.code == code)


def booked(code: str, day: date) -> list[Appointment]:
    return agenda.day_appointments(mandant(code), day)


def at(code: str, day: date, minute: int) -> int | None:
    """The id of the appointment of a Mandant starting at this Zurich minute of the day."""
    start = clock.zurich_datetime(day, minute // 60, minute % 60)
    found = [a.id for a in booked(code, day) if a.start == start]
    return found[0] if found else None


def reachable_appointment(code: str, day: date) -> Appointment:
    """A booked appointment whose person can get a reminder by SMS."""
    for appointment in booked(code, day):
        person = appointment.person
        if person.mobile and person.consent_reminder and not person.deceased and person.preferred_channel != "email":
            return appointment
    raise AssertionError("the seeded practice has reachable persons")


def message_text(screen) -> str:
    return str(screen.query_one("#agenda-message").render())


async def go_to(pilot, screen: AgendaScreen, appointment: Appointment) -> AgendaGrid:
    screen.go_to_appointment(appointment.id)
    await settle(pilot)
    grid = screen.query_one(AgendaGrid)
    assert grid.cursor_item is not None
    assert grid.cursor_item.id == appointment.id
    return grid


async def answer_date(pilot, text: str) -> None:
    dialog = pilot.app.screen
    assert isinstance(dialog, AskDateTime)
    dialog.query_one("#date-time-input").value = text
    await pilot.press("enter")
    await settle(pilot)


async def booking_form(pilot, person: Person) -> AppointmentForm:
    """n in the agenda, the person taken in the picker: the booking form."""
    await pilot.press("n")
    await settle(pilot)
    await take_in_picker(pilot, person)
    form = pilot.app.screen
    assert isinstance(form, AppointmentForm)
    return form


async def open_chooser(pilot, appointment: Appointment):
    """The agenda on ``appointment`` and its r menu."""
    screen, grid = await open_agenda(pilot)
    await go_to(pilot, screen, appointment)
    await pilot.press("r")
    await settle(pilot)
    chooser = pilot.app.screen
    assert isinstance(chooser, RemindChooser)
    return screen, chooser


def refunds_of(message_id: int) -> list[CreditEntry]:
    return list(CreditEntry.select().where((CreditEntry.message == message_id) & (CreditEntry.kind == "refund")))


# -- navigation ----------------------------------------------------------------


async def test_days_weeks_today_and_goto(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        assert [c.mandant_code for c in grid.sheet.columns] == ["DUB", "HAU", "ROS"]
        assert grid.cursor_column.mandant_code == "DUB"
        assert grid.cursor_minute == 9 * 60
        assert {c.day for c in grid.sheet.columns} == {TODAY}
        assert sum(len(c.items) for c in grid.sheet.columns) == sum(
            len(booked(m, TODAY)) for m in ("DUB", "HAU", "ROS")
        )
        for key, expected in (
            ("full_stop", TODAY + timedelta(days=1)),
            ("comma", TODAY),
            ("right_square_bracket", TODAY + timedelta(days=7)),
            ("left_square_bracket", TODAY),
            ("full_stop", TODAY + timedelta(days=1)),
        ):
            await pilot.press(key)
            await settle(pilot)
            assert screen.day == expected, key
            assert grid.sheet.columns[0].day == expected, key
        await pilot.press("t")
        await settle(pilot)
        assert screen.day == TODAY
        assert grid.cursor_minute == 9 * 60

        await pilot.press("w")  # the week of the Mandant under the cursor
        await settle(pilot)
        assert [c.day for c in grid.sheet.columns] == [date(2026, 11, 23) + timedelta(days=i) for i in range(7)]
        assert grid.cursor_column.day == TODAY
        assert {c.mandant_code for c in grid.sheet.columns} == {"DUB"}
        assert _("Week {number}").format(number=48) in str(screen.query_one("#agenda-title").render())
        week_items = sum(len(c.items) for c in grid.sheet.columns)
        assert week_items == sum(len(booked("DUB", date(2026, 11, 23) + timedelta(days=i))) for i in range(7))
        await pilot.press("l", "l", "l")  # Saturday, Sunday, then into the next week
        await settle(pilot)
        assert screen.day == MONDAY
        assert grid.cursor_column.day == MONDAY
        assert grid.column == 0
        await pilot.press("h")
        await settle(pilot)
        assert screen.day == MONDAY - timedelta(days=1)
        assert grid.column == 6
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.day == date(2026, 12, 6)
        assert grid.sheet.columns[0].day == MONDAY
        await pilot.press("w")  # back to the day, of the day under the cursor
        await settle(pilot)
        assert not screen.week
        assert grid.sheet.columns[0].day == date(2026, 12, 6)

        await pilot.press("g")
        await settle(pilot)
        await answer_date(pilot, "31.02.2026")
        assert isinstance(app.screen, AskDateTime)  # no such date: the dialog stays and says so
        assert _("There is no such date.") in str(app.screen.query_one("#date-time-error").render())
        await answer_date(pilot, "15.12.2026")
        assert app.screen is screen
        assert screen.day == date(2026, 12, 15)
        assert grid.sheet.columns[0].day == date(2026, 12, 15)


async def test_escape_leaves_the_week_first(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert screen.week
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.week
        assert len(grid.sheet.columns) == 3
        assert app.screen is screen


async def test_hjkl_and_arrows_move_to_the_right_appointment(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        first = booked("DUB", TODAY)[0]
        minute = clock.local(first.start).hour * 60 + clock.local(first.start).minute
        await pilot.press("home")
        assert grid.cursor_minute == 7 * 60
        assert grid.cursor_item is None
        for _step in range((minute - 7 * 60) // 15):
            await pilot.press("j")
        await settle(pilot)
        assert grid.cursor_item.id == first.id
        assert first.person.last_name in str(screen.query_one("#agenda-selection").render())
        await pilot.press("l")  # the same time at HAU
        assert grid.cursor_column.mandant_code == "HAU"
        assert (grid.cursor_item.id if grid.cursor_item else None) == at("HAU", TODAY, minute)
        await pilot.press("right")
        assert grid.cursor_column.mandant_code == "ROS"
        await pilot.press("down", "down")  # half an hour later
        assert (grid.cursor_item.id if grid.cursor_item else None) == at("ROS", TODAY, minute + 30)
        await pilot.press("k", "up", "h", "left")
        assert grid.cursor_column.mandant_code == "DUB"
        assert grid.cursor_item.id == first.id
        await pilot.press("left")  # the first column: nothing further to the left
        assert grid.cursor_column.mandant_code == "DUB"
        # every appointment of the day is reached by j from the top
        await pilot.press("home")
        seen = set()
        for _step in range(grid.sheet.slots):
            if grid.cursor_item is not None:
                seen.add(grid.cursor_item.id)
            await pilot.press("j")
        assert seen == {a.id for a in booked("DUB", TODAY)}


async def test_a_toggles_all_mandanten_and_the_current_one(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await pilot.press("l")  # HAU's column
        await pilot.press("a")
        await settle(pilot)
        assert [c.mandant_code for c in grid.sheet.columns] == ["HAU"]
        assert app.current_mandant.code == "HAU"  # the status line follows
        await pilot.press("a")
        await settle(pilot)
        assert [c.mandant_code for c in grid.sheet.columns] == ["DUB", "HAU", "ROS"]
        assert grid.cursor_column.mandant_code == "HAU"


async def test_find_a_persons_appointments(make_app):
    target = booked("ROS", MONDAY)[2]
    person = target.person
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await pilot.press("slash")
        await settle(pilot)
        await take_in_picker(pilot, person)
        listing = app.screen
        assert isinstance(listing, PersonAppointments)
        rows = listing.query_one("#person-appointments-table")
        ids = [a.id for a in agenda.list_appointments(person=person)]
        assert rows.row_count == len(ids)
        assert target.id in ids
        while int(rows.coordinate_to_cell_key(rows.cursor_coordinate).row_key.value) != target.id:
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.day == MONDAY
        assert grid.cursor_item.id == target.id


# -- booking and editing -------------------------------------------------------


async def test_book_an_appointment_with_the_form(make_app):
    person = Person.select().where(Person.deceased == False).order_by(Person.id).offset(10).first()  # noqa: E712
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        form = await booking_form(pilot, person)
        assert form.query_one("#a-start").value == "27.11.2026 09:00"  # the cursor's slot
        form.query_one("#a-start").value = "30.11.2026 07:15"
        form.query_one("#a-minutes").value = "20"
        form.query_one("#a-reason").value = "Kontrolle [bold]Knie[/]"
        offered = form.confirm  # preselected from the person's channel and consent
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        created = Appointment.select().order_by(Appointment.id.desc()).first()
        assert created.person_id == person.id
        assert created.mandant.code == "DUB"
        assert created.start == clock.zurich_datetime(MONDAY, 7, 15)
        assert created.minutes == 20
        assert created.reason == "Kontrolle [bold]Knie[/]"
        assert created.created_by == "empfang"
        assert screen.day == MONDAY
        assert grid.cursor_item.id == created.id
        assert grid.cursor_item.reason == "Kontrolle [bold]Knie[/]"  # shown literally
        sent = [m.purpose for m in Message.select().where(Message.appointment == created.id)]
        assert sent == (["confirmation"] if offered else [])


async def test_the_form_says_what_is_wrong(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        first = booked("DUB", TODAY)[0]
        await go_to(pilot, screen, first)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AppointmentForm)
        form.query_one("#a-minutes").value = "0"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "1 to 1440 minutes" in str(form.query_one("#a-error").render())
        form.query_one("#a-minutes").value = "45"
        form.query_one("#a-reason").value = "Nachkontrolle"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        first = agenda.get_appointment(first.id)
        assert first.minutes == 45
        assert first.reason == "Nachkontrolle"


# -- reminders -----------------------------------------------------------------


async def test_reminder_by_the_default_channel_in_three_keys(make_app):
    target = reachable_appointment("DUB", MONDAY)
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await go_to(pilot, screen, target)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RemindChooser)
        await pilot.press("r", "enter")
        await settle(pilot)
        assert app.screen is screen
        [message] = Message.select().where(Message.appointment == target.id)
        assert message.purpose == "reminder"
        assert message.status == "queued"
        assert message.channel == "sms"
        # 24 hours before on the wall clock, not in the quiet hours
        assert message.scheduled_at == target.start - timedelta(days=1)
        assert credits.balance(mandant("DUB")) == 500 - message.credits
        assert grid.cursor_item.id == target.id
        assert grid.cursor_item.reminder == "queued"
        assert "Reminder by SMS" in message_text(screen)
        assert "scheduled for" in message_text(screen)
        assert app.status.balance == 500 - message.credits  # the status line was refreshed


def short_notice() -> tuple[Appointment, str, str]:
    person = reachable_appointment("HAU", MONDAY).person
    soon = agenda.add_appointment(
        mandant("HAU"), person, clock.zurich_datetime(TODAY, 10, 0), 15, user="test"
    ).appointment
    return soon, "short notice", "less than 2 hours"


def no_consent() -> tuple[Appointment, str, str]:
    target = reachable_appointment("DUB", MONDAY)
    target.person.consent_reminder = False
    target.person.save()
    return target, "no consent", "no consent"


@pytest.mark.parametrize("case", [short_notice, no_consent])
async def test_no_reminder_says_why_before_it_is_chosen(make_app, case):
    appointment, shown, refused = case()
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen, chooser = await open_chooser(pilot, appointment)
        # shown dimmed with its reason before anything is chosen, and r is not accepted
        assert shown in str(chooser.query_one("#remind-options").render())
        await pilot.press("r")
        await settle(pilot)
        assert app.screen is chooser
        assert chooser.kind is None
        assert refused in str(chooser.query_one("#remind-error").render())
        assert Message.select().where(Message.appointment == appointment.id).count() == 0
        # a confirmation needs no consent and goes out at once
        await pilot.press("c", "s")
        await settle(pilot)
        assert app.screen is screen
        [message] = Message.select().where(Message.appointment == appointment.id)
        assert message.purpose == "confirmation"
        assert message.channel == "sms"
        assert message.status == "queued"


# -- copy, move, cancel --------------------------------------------------------


def with_reminder(code: str = "DUB", day: date = MONDAY) -> tuple[Appointment, Message]:
    appointment = reachable_appointment(code, day)
    result = agenda.remind(appointment, "test")
    return agenda.get_appointment(appointment.id), result.message


async def test_copy_has_no_reminder(make_app):
    original, message = with_reminder()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await go_to(pilot, screen, original)
        await pilot.press("c")
        await settle(pilot)
        await answer_date(pilot, "02.12.2026 07:30")
        copy = Appointment.select().where(Appointment.copied_from == original.id).get()
        assert copy.start == clock.zurich_datetime(date(2026, 12, 2), 7, 30)
        assert copy.person_id == original.person_id
        assert copy.minutes == original.minutes
        assert Message.select().where(Message.appointment == copy.id).count() == 0
        assert Message.get_by_id(message.id).status == "queued"  # the original keeps its reminder
        assert screen.day == date(2026, 12, 2)
        assert grid.cursor_item.id == copy.id
        assert grid.cursor_item.reminder is None


@pytest.mark.parametrize("answer", ["y", "n"])
async def test_move_asks_about_the_prepared_reminder(make_app, answer):
    appointment, old = with_reminder()
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await go_to(pilot, screen, appointment)
        await pilot.press("m")
        await settle(pilot)
        await answer_date(pilot, "01.12.2026 11:00")
        assert isinstance(app.screen, ReminderQuestion)
        # what each answer does, automation included, is said before the desk answers
        said = str(app.screen.query_one("#reminder-question-answers").render())
        assert "automatic reminders leave it alone" in said
        assert "Yes: a new reminder" in said
        await pilot.press(answer)
        await settle(pilot)
        moved = agenda.get_appointment(appointment.id)
        new_start = clock.zurich_datetime(date(2026, 12, 1), 11, 0)
        assert moved.start == new_start
        assert Message.get_by_id(old.id).status == "cancelled"
        [refund] = refunds_of(old.id)
        assert refund.delta == old.credits
        fresh = list(Message.select().where((Message.appointment == appointment.id) & (Message.id != old.id)))
        if answer == "y":
            [new] = fresh
            assert new.purpose == "reminder"
            assert new.status == "queued"
            assert new.channel == old.channel
            assert new.scheduled_at == new_start - timedelta(days=1)
            assert grid.cursor_item.reminder == "queued"
            assert "planned for 30.11.2026 11:00" in message_text(screen)
        else:
            assert fresh == []
            assert grid.cursor_item.reminder is None
            assert moved.no_reminder
            assert "also none automatically" in message_text(screen)
            # automation, on for this Mandant, keeps to the answer when its tick comes
            mandanten.update_settings(moved.mandant, "test", auto_reminders=True)
            automation.run_tick(new_start - timedelta(days=1, hours=2))
            assert Message.select().where((Message.appointment == appointment.id) & (Message.id != old.id)).count() == 0
        assert "1 credit came back" in message_text(screen)
        assert screen.day == date(2026, 12, 1)
        assert grid.cursor_item.id == appointment.id


async def test_escape_in_the_move_question_does_not_move(make_app):
    appointment, old = with_reminder()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await go_to(pilot, screen, appointment)
        await pilot.press("m")
        await settle(pilot)
        await answer_date(pilot, "01.12.2026 11:00")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert agenda.get_appointment(appointment.id).start == appointment.start
        assert Message.get_by_id(old.id).status == "queued"
        assert refunds_of(old.id) == []


async def test_move_without_reminder_asks_nothing(make_app):
    appointment = booked("ROS", MONDAY)[0]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await go_to(pilot, screen, appointment)
        await pilot.press("m")
        await settle(pilot)
        await answer_date(pilot, "30.11.2026 18:45")
        assert app.screen is screen
        assert agenda.get_appointment(appointment.id).start == clock.zurich_datetime(MONDAY, 18, 45)
        assert grid.cursor_item.id == appointment.id


async def test_cancel_withdraws_and_refunds(make_app):
    appointment, message = with_reminder()
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        assert credits.balance(mandant("DUB")) == 500 - message.credits
        await go_to(pilot, screen, appointment)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # no: nothing happens
        await settle(pilot)
        assert agenda.get_appointment(appointment.id).status == "booked"
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert agenda.get_appointment(appointment.id).status == "cancelled"
        assert Message.get_by_id(message.id).status == "cancelled"
        assert [r.delta for r in refunds_of(message.id)] == [message.credits]
        assert credits.balance(mandant("DUB")) == 500
        assert "1 message withdrawn" in message_text(screen)
        assert "1 credit came back" in message_text(screen)
        assert appointment.id not in {item.id for column in grid.sheet.columns for item in column.items}


# -- detail --------------------------------------------------------------------


async def test_detail_lists_every_message_with_its_status(make_app):
    appointment, first = with_reminder()
    agenda.move_appointment(appointment, clock.zurich_datetime(MONDAY, 17, 0), "test", reminder="regenerate")
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await go_to(pilot, screen, agenda.get_appointment(appointment.id))
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, AppointmentDetailScreen)
        table = detail.query_one("#detail-messages")
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [row[0] for row in rows] == [str(m.id) for m in agenda.appointment_timeline(appointment)]
        status = table.get_column_index("status")
        assert [row[status] for row in rows] == ["withdrawn", "queued"]
        assert "refunded" in shown_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert grid.cursor_item.id == appointment.id


# -- pieces --------------------------------------------------------------------


def test_parse_date_time():
    assert parse_date_time("30.11.2026 07:15") == clock.zurich_datetime(MONDAY, 7, 15)
    assert parse_date_time(" 1.12.26 9:05 ") == clock.zurich_datetime(date(2026, 12, 1), 9, 5)
    assert parse_date_time("15.12.2026", with_time=False) == date(2026, 12, 15)
    assert parse_date_time("2026-11-30 07:15") == clock.zurich_datetime(MONDAY, 7, 15)  # as scripts write it
    for bad in ("30.11.2026", "31.11.2026 07:00", "30.11.2026 24:00", "", "07:15"):
        with pytest.raises(DateTimeError):
            parse_date_time(bad)


def test_reminder_states_and_entries(practice):
    appointment, first = with_reminder()
    other = booked("DUB", MONDAY)[-1]
    assert agenda_view.reminder_states([appointment.id, other.id]) == {appointment.id: "queued"}
    agenda.move_appointment(appointment, appointment.start + timedelta(hours=1), "test", reminder="withdraw")
    assert agenda_view.reminder_states([appointment.id]) == {}  # withdrawn ones do not count
    agenda.remind(appointment, "test", kind="confirmation")
    Message.update(status="delivered").where(
        Message.appointment == appointment.id, Message.status == "queued"
    ).execute()
    assert agenda_view.reminder_states([appointment.id]) == {appointment.id: "delivered"}
    since = clock.zurich_datetime(MONDAY, 0)
    entries = agenda_view.agenda_entries([mandant("DUB")], since, since + timedelta(days=1))
    assert [e.id for e in entries] == [a.id for a in booked("DUB", MONDAY)]
    assert {e.id: e.reminder for e in entries if e.reminder} == {appointment.id: "delivered"}


async def test_person_text_is_shown_literally(make_app):
    target = booked("DUB", TODAY)[0]
    Person.update(last_name="[red]Evil\x1b[2J").where(Person.id == target.person_id).execute()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await go_to(pilot, screen, target)
        lines = "".join(segment.text for y in range(grid.size.height) for segment in grid.render_line(y))
        assert "[red]Evil" in lines
        assert "\x1b" not in lines
        assert "[red]Evil" in str(screen.query_one("#agenda-selection").render())


def test_minutes_in_the_day_layout_follow_the_settings(practice):
    from vitosms_tui.ui.views.agenda_data import AgendaRequest, GridLayout, fetch_columns, parse_clock

    columns = fetch_columns(AgendaRequest(TODAY, False, True, mandant("DUB").id))
    layout = GridLayout(columns, parse_clock("08:00", "07:00"), parse_clock("12:00", "19:00"), 30)
    # the office hours are the frame; appointments after noon widen it
    assert layout.first_minute == 8 * 60
    assert layout.slot_minutes == 30
    latest = max(clock.local(a.end) for code in ("DUB", "HAU", "ROS") for a in booked(code, TODAY))
    assert layout.minute_of(layout.slots) >= latest.hour * 60 + latest.minute
    assert isinstance(layout.slot_start(0, 0), datetime)


async def test_markers_follow_delivery_and_other_views_changes_show(make_app):
    appointment, message = with_reminder()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        grid = await go_to(pilot, screen, appointment)
        assert grid.cursor_item.reminder == "queued"
        Message.update(status="delivered").where(Message.id == message.id).execute()
        grid.refresh_markers()  # what the timer does every few seconds
        await settle(pilot)
        assert grid.cursor_item.reminder == "delivered"
        assert grid.sheet.in_flight() == []  # nothing left to follow
        # booked elsewhere while another view is open: shown on coming back
        person = appointment.person
        other = agenda.add_appointment(
            mandant("HAU"), person, clock.zurich_datetime(MONDAY, 18, 30), 15, user="test"
        ).appointment
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen is screen
        assert grid.cursor_item.id == appointment.id
        assert other.id in {item.id for column in grid.sheet.columns for item in column.items}


async def test_a_day_read_ahead_shows_at_once_and_is_replaced_when_it_changed(make_app):
    thursday = TODAY - timedelta(days=1)
    gone = booked("DUB", thursday)[0]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await wait_until(pilot, lambda: len(screen.ahead) == 3)  # Thursday, Saturday, the week
        agenda.cancel_appointment(gone, user="other desk")  # another desk, after the day was read ahead
        await pilot.press("comma")
        # at once, from what was read
        assert screen.day == thursday
        assert grid.sheet.columns[0].day == thursday
        await settle(pilot)
        await wait_until(pilot, lambda: gone.id not in grid.sheet.position)  # read again: the change shows
        assert sum(len(c.items) for c in grid.sheet.columns) == sum(
            len(booked(m, thursday)) for m in ("DUB", "HAU", "ROS")
        )
        await pilot.press("full_stop", "full_stop")  # today from what was read ahead, then Saturday
        await settle(pilot)
        assert screen.day == TODAY + timedelta(days=1)
        assert grid.sheet.columns[0].day == screen.day


async def test_a_jump_right_after_a_day_read_ahead_is_not_lost(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        await wait_until(pilot, lambda: len(screen.ahead) == 3)
        screen.action_shift_days(-1)  # shown from what was read ahead; read again after the paint
        screen._go_day(date(2026, 12, 15))  # before that paint: a jump the second reading must not cancel
        await settle(pilot)
        await wait_until(pilot, lambda: grid.sheet.columns[0].day == date(2026, 12, 15))
        assert screen.day == date(2026, 12, 15)


# -- one reminder unless asked; only what can work --------------------------------


async def test_a_sent_reminder_is_shown_and_a_second_one_is_an_explicit_choice(make_app):
    target = reachable_appointment("DUB", MONDAY)
    first = agenda.remind(target.id, "test").message
    Message.update(
        status="delivered",
        sent_at=clock.zurich_datetime(TODAY, 10, 1),
        delivered_at=clock.zurich_datetime(TODAY, 10, 2),
    ).where(Message.id == first.id).execute()
    app = make_app(language="de")
    async with app.run_test(size=SIZE) as pilot:
        screen, chooser = await open_chooser(pilot, target)
        day = f"{TODAY:%d.%m.}"
        assert f"● zugestellt {day} 10:02" in str(chooser.query_one("#remind-options").render())
        await pilot.press("r")  # not yet a second one: the menu asks for n
        await settle(pilot)
        assert app.screen is chooser
        assert chooser.asking_again == "reminder"
        assert "nochmals" in str(chooser.query_one("#remind-hint").render()).lower()
        assert Message.select().where(Message.appointment == target.id).count() == 1
        await pilot.press("n", "enter")
        await settle(pilot)
        assert app.screen is screen
        sent = list(Message.select().where(Message.appointment == target.id).order_by(Message.id))
        assert [m.status for m in sent] == ["delivered", "queued"]


# -- booking and confirming in one step ----------------------------------------------


async def test_the_booking_form_sends_the_confirmation(make_app):
    person = reachable_appointment("DUB", MONDAY).person
    person.email = "patient@example.ch"
    person.save()
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await open_agenda(pilot)
        form = await booking_form(pilot, person)
        assert form.confirm == "sms"  # the person's channel
        offer = str(form.query_one("#a-confirm").label)
        assert offer.startswith("by SMS to")
        assert "1 credit" in offer
        form.query_one("#a-start").value = "30.11.2026 10:15"
        balance = credits.balance(mandant("DUB"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        created = Appointment.select().order_by(Appointment.id.desc()).first()
        [confirmation] = Message.select().where(Message.appointment == created.id)
        assert (confirmation.purpose, confirmation.channel, confirmation.status) == ("confirmation", "sms", "queued")
        assert credits.balance(mandant("DUB")) == balance - confirmation.credits
        assert "Confirmation by SMS" in message_text(screen)
        # ^t cycles to e-mail and to none: then only the appointment is booked
        form = await booking_form(pilot, person)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert form.confirm == "email"
        assert "by E-mail" in str(form.query_one("#a-confirm").label)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert form.confirm is None
        form.query_one("#a-start").value = "30.11.2026 11:15"
        await pilot.press("ctrl+s")
        await settle(pilot)
        second = Appointment.select().order_by(Appointment.id.desc()).first()
        assert second.id != created.id
        assert Message.select().where(Message.appointment == second.id).count() == 0
