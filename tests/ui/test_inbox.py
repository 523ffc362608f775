"""Patients' answers where the desk works: agenda marks, the appointment, the inbox, writing back."""

from __future__ import annotations

from datetime import date, timedelta

from vitosms_tui.core import agenda, clock, persons, replies, sending
from vitosms_tui.core.models import Appointment, Mandant, Person, Reply
from vitosms_tui.core.replies import Incoming
from vitosms_tui.ui.modals.reply_person import ReplyPerson
from vitosms_tui.ui.screens.agenda import AgendaScreen
from vitosms_tui.ui.screens.appointment_detail import AppointmentDetailScreen
from vitosms_tui.ui.screens.compose import ComposeScreen
from vitosms_tui.ui.screens.inbox import InboxScreen
from vitosms_tui.ui.views.agenda_lines import selection
from vitosms_tui.ui.widgets.agenda_grid import AgendaGrid
from vitosms_tui.ui.widgets.conversation import Conversation

from .pilot_helpers import settle, shown_text, wait_until

SIZE = (120, 40)
MONDAY = date(2026, 11, 30)
FAMILY = "+41795551234"


def _answered(first: str, hour: int, text: str, ref: str) -> tuple[Person, Appointment]:
    """A person of the shared number with an appointment on Monday, its confirmation sent, answered."""
    person = persons.add_person(
        persons.PersonInput(first_name=first, last_name="Zuber", mobile=FAMILY, mandant="HAU"), user="test"
    )
    start = clock.zurich_datetime(MONDAY, hour, 0)
    appointment = agenda.add_appointment("HAU", person, start, 20, user="test", confirm="sms").appointment
    for message in sending.claim("test-worker", 50, 30):
        sending.mark_sent("test-worker", {message.id: f"p{message.id}"})
    replies.receive(Incoming(FAMILY, text, clock.now() + timedelta(minutes=1), "smpp:HAU", ref))
    return person, appointment


def _answers() -> dict:
    lea, declined = _answered("Lea", 7, "Nein, leider nicht", "r1")
    clock.set_now(clock.now() + timedelta(minutes=5))
    tim, confirmed = _answered("Tim", 7, "Ja gerne", "r2")
    clock.set_now(clock.now() + timedelta(minutes=5))
    replies.receive(Incoming("+41790000001", "Wer schreibt mir?", clock.now(), "smpp:HAU", "r3"))
    return {"lea": lea, "tim": tim, "declined": declined, "confirmed": confirmed}


async def test_the_agenda_marks_answers_and_a_opens_the_no(make_app):
    found = _answers()
    hau = Mandant.get(Mandant.code == "HAU")
    async with make_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AgendaScreen)
        pilot.app.set_mandant(hau)
        await settle(pilot)
        screen.go_to_appointment(found["declined"].id)
        await settle(pilot)
        grid = screen.query_one(AgendaGrid)
        await wait_until(pilot, lambda: grid.cursor_item is not None)
        assert grid.cursor_item.id == found["declined"].id
        assert grid.cursor_item.marker == ("✘", "declined")
        footer = screen.query_one("KeyBar.-actions")
        await wait_until(pilot, lambda: any(getattr(key, "key", "") == "A" for key in footer.query("FooterKey")))
        assert "abgesagt: A bietet einen neuen Termin an" in selection(grid).plain
        await pilot.press("A")
        await settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, AppointmentDetailScreen)
        head = shown_text(pilot.app)
        assert "Nein, leider nicht" in head
        assert "m neuer Termin" in head
        await pilot.press("escape")
        await settle(pilot)
        screen.go_to_appointment(found["confirmed"].id)
        await settle(pilot)
        assert grid.cursor_item.marker == ("✔", "confirmed")
        quiet = next(a for a in agenda.day_appointments(hau, MONDAY) if a.answer is None)
        screen.go_to_appointment(quiet.id)  # nothing answered there: no A in the footer
        await settle(pilot)
        assert grid.cursor_item.id == quiet.id
        assert grid.cursor_item.marker != ("✔", "confirmed")
        await wait_until(
            pilot,
            lambda: (
                not any(
                    getattr(key, "key", "") == "A" for key in screen.query_one("KeyBar.-actions").query("FooterKey")
                )
            ),
        )


async def test_the_inbox_lists_unread_first_and_the_status_line_counts_them(make_app):
    found = _answers()
    async with make_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert pilot.app.status.unread == 3
        await pilot.press("f10")
        await settle(pilot)
        inbox = pilot.app.screen
        assert isinstance(inbox, InboxScreen)
        assert [r.text for r in inbox.shown.values()] == ["Wer schreibt mir?", "Ja gerne", "Nein, leider nicht"]
        assert "Nobody" in str(inbox.query_one("#inbox-detail").render()) or "Niemand" in str(
            inbox.query_one("#inbox-detail").render()
        )
        await pilot.press("enter")  # read: goes below the unread ones
        await settle(pilot)
        assert pilot.app.status.unread == 2
        assert list(inbox.shown.values())[-1].text == "Wer schreibt mir?"
        assert "2" in str(pilot.app.screen.query_one("StatusLine").render())
        # the reply delivered to Tim (the newest SMS to the family's number) belongs to Lea
        table = inbox.query_one("#inbox-table")
        table.move_cursor(row=0)
        await settle(pilot)
        assert inbox.current.text == "Ja gerne"
        await pilot.press("z")
        await settle(pilot)
        picker = pilot.app.screen
        assert isinstance(picker, ReplyPerson)
        await pilot.press("enter")
        await settle(pilot)
        moved = Reply.get(Reply.text == "Ja gerne")
        assert moved.person_id == found["lea"].id
        assert moved.appointment_id == found["declined"].id
        assert Appointment.get_by_id(found["declined"].id).answer == "confirmed"


async def test_w_writes_back_with_the_conversation_above_the_text(make_app):
    found = _answers()
    async with make_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        inbox = pilot.app.screen
        inbox.query_one("#inbox-table").move_cursor(row=2)
        await settle(pilot)
        assert inbox.current.text == "Nein, leider nicht"
        await pilot.press("w")
        await settle(pilot)
        compose = pilot.app.screen
        assert isinstance(compose, ComposeScreen)
        await wait_until(pilot, lambda: [r.person.id for r in compose.recipients] == [found["lea"].id])
        conversation = compose.query_one(Conversation)
        assert conversation.has_class("-shown")
        shown = str(conversation.render())
        # their answer and our SMS
        assert "Nein, leider nicht" in shown
        assert "bestätigen" in shown
        assert Reply.get(Reply.text == "Nein, leider nicht").read_at is not None


async def test_after_a_stop_the_desk_records_the_sms_consent_again_with_4(make_app):
    from vitosms_tui.ui.modals.confirm import Confirm

    from .test_persons import open_persons, search

    lea, _appointment = _answered("Lea", 7, "STOP", "r9")
    assert Person.get_by_id(lea.id).consent_sms is False
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_persons(pilot)
        table = await search(pilot, "Zuber Lea")
        await pilot.press("down")
        await settle(pilot)
        assert table.current_id == lea.id
        detail = str(screen.query_one("#person-detail").render())
        assert "SMS überhaupt" in detail
        assert "reply" in detail
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(pilot.app.screen, Confirm)
        await pilot.press("j")
        await settle(pilot)
    fresh = Person.get_by_id(lea.id)
    assert (fresh.consent_sms, fresh.consent_sms_source) == (True, "tui")


async def test_the_message_timeline_shows_the_answer(make_app):
    from vitosms_tui.core.models import Message
    from vitosms_tui.ui.screens.message_detail import MessageDetailScreen

    _lea, appointment = _answered("Lea", 7, "Nein, leider nicht", "r10")
    confirmation = Message.get(Message.appointment == appointment.id)
    async with make_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        pilot.app.push_screen(MessageDetailScreen(confirmation.id))
        await settle(pilot)
        table = pilot.app.screen.query_one("#detail-timeline")
        last = [str(cell) for cell in table.get_row(f"reply-{Reply.get().id}")]
        assert last[1] == "Antwort"
        assert "abgesagt · Nein, leider nicht" in last[2]


async def test_an_answer_coming_in_shows_in_the_agenda_without_a_key(make_app):
    hau = Mandant.get(Mandant.code == "HAU")
    lea = persons.add_person(
        persons.PersonInput(first_name="Lea", last_name="Zuber", mobile=FAMILY, mandant="HAU"), user="test"
    )
    appointment = agenda.add_appointment(
        "HAU", lea, clock.zurich_datetime(MONDAY, 7, 0), 20, user="test", confirm="sms"
    ).appointment
    for message in sending.claim("test-worker", 50, 30):
        sending.mark_sent("test-worker", {message.id: f"p{message.id}"})
    async with make_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        pilot.app.set_mandant(hau)
        await settle(pilot)
        screen.go_to_appointment(appointment.id)
        await settle(pilot)
        grid = screen.query_one(AgendaGrid)
        await wait_until(pilot, lambda: grid.cursor_item is not None and grid.cursor_item.id == appointment.id)
        assert grid.cursor_item.answer is None
        # the worker stores the answer meanwhile (here: core, as the worker's intake calls it)
        replies.receive(Incoming(FAMILY, "JA", clock.now(), "smpp:HAU", "live-1"))
        await wait_until(
            pilot, lambda: grid.cursor_item is not None and grid.cursor_item.answer == "confirmed", tries=400
        )
        assert pilot.app.status.unread == 1
