"""F4 Journal: newest first, filters, detail with timeline, withdraw, resend, attention, live updates."""

from __future__ import annotations

import uuid

import pytest
from textual.widgets import DataTable, Input

from vitosms_tui.core import credits, journal, outbox, sending
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import CreditEntry, Mandant, Message, MessageEvent, Person
from vitosms_tui.core.sending import DeliveryReport
from vitosms_tui.ui.modals.confirm import Confirm
from vitosms_tui.ui.screens.journal import JournalScreen
from vitosms_tui.ui.screens.message_detail import MessageDetailScreen
from vitosms_tui.ui.widgets.journal_table import EVENT_NAMES, JournalTable, status_name
from vitosms_tui.ui.widgets.status_line import StatusLine

from .calm_view import CALM_VIEW
from .pilot_helpers import settle, wait_until

SIZE = (120, 40)
WORKER = "desk-test:1:ab"
BODY = "Guten Tag, Ihr Befund ist da"  # must never appear in the list


@pytest.fixture(autouse=True)
def calm_start_view(monkeypatch):
    """The app starts on another view; its state must not matter to the Journal's tests."""
    from vitosms_tui.ui import app as app_module

    monkeypatch.setitem(app_module.MODES, app_module.START_MODE, app_module.View("f2", "Agenda", CALM_VIEW))


def reachable_persons(count: int) -> list[Person]:
    return list(
        Person.select()
        .where(Person.mobile.is_null(False), Person.email.is_null(False), Person.deceased == False)  # noqa: E712
        .order_by(Person.id)
        .limit(count)
    )


def queue(person: Person, mandant: Mandant, channel: str = "sms", purpose: str = "free") -> Message:
    recipient = person.mobile if channel == "sms" else person.email
    draft = Draft(
        channel=channel,
        recipient=recipient,
        body=BODY,
        person=person,
        purpose=purpose,
        subject="Befund" if channel == "email" else "",
    )
    return outbox.enqueue(mandant, [draft], "empfang")[0]


def fail(message: Message, error: str = "gateway: number unknown") -> None:
    [claimed] = [m for m in sending.claim(WORKER, 50, 60) if m.id == message.id] or [None]
    assert claimed is not None
    assert sending.mark_permanent_failure(message.id, WORKER, error)


def deliver(message: Message) -> None:
    assert any(m.id == message.id for m in sending.claim(WORKER, 50, 60))
    assert sending.mark_sent(WORKER, {message.id: f"gw-{message.id}"})


def journal_with_states():
    """Five messages over three Mandanten: failed SMS, delivered, sent e-mail, queued, queued reminder."""
    dub, hau, ros = Mandant.select().order_by(Mandant.code)
    people = reachable_persons(5)
    failed = queue(people[0], dub)
    fail(failed)
    delivered = queue(people[1], hau)
    deliver(delivered)
    sending.record_reports([DeliveryReport(f"gw-{delivered.id}", True, delivered.created_at)])
    mailed = queue(people[2], ros, channel="email")
    deliver(mailed)
    waiting = queue(people[3], dub)
    reminder = queue(people[4], hau, purpose="free")
    return {
        "failed": failed,
        "delivered": delivered,
        "mailed": mailed,
        "waiting": waiting,
        "reminder": reminder,
        "people": people,
    }


async def open_journal(pilot) -> JournalScreen:
    await pilot.press("f4")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, JournalScreen)
    return screen


def listed(screen) -> list[int]:
    return list(screen.query_one(JournalTable).rows_by_id)


def cell_texts(table: DataTable) -> list[str]:
    return [str(cell) for index in range(table.row_count) for cell in table.get_row_at(index)]


async def move_to(pilot, screen, message_id: int) -> None:
    table = screen.query_one(JournalTable)
    table.move_cursor(row=listed(screen).index(message_id))
    await settle(pilot)
    assert table.current_id == message_id


async def test_list_is_newest_first_with_status_and_without_text(make_app):
    states = journal_with_states()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_journal(pilot)
        expected = [m.id for m in Message.select().order_by(Message.created_at.desc(), Message.id.desc())]
        assert listed(screen) == expected
        table = screen.query_one(JournalTable)
        row = table.get_row(str(states["failed"].id))
        assert status_name("failed") in [str(cell) for cell in row]
        assert any(str(cell).startswith("gateway: ") for cell in row)  # the error, cut to the column
        assert status_name("delivered") in [str(c) for c in table.get_row(str(states["delivered"].id))]
        assert not any(BODY[:10] in text for text in cell_texts(table))
        # the whole error of the highlighted message is shown below the list
        await move_to(pilot, screen, states["failed"].id)
        assert "gateway: number unknown" in str(screen.query_one("#journal-hint").render())


async def test_filters_narrow_the_list(make_app):
    states = journal_with_states()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_journal(pilot)
        assert len(listed(screen)) == 5
        await pilot.press("s")  # queued
        await settle(pilot)
        assert set(listed(screen)) == {states["waiting"].id, states["reminder"].id}
        await pilot.press("s", "s", "s", "s")  # sending, sent, delivered, failed
        await settle(pilot)
        assert listed(screen) == [states["failed"].id]
        await pilot.press("0")
        await settle(pilot)
        assert len(listed(screen)) == 5
        await pilot.press("m")  # the first Mandant by code: DUB
        await settle(pilot)
        assert set(listed(screen)) == {states["failed"].id, states["waiting"].id}
        await pilot.press("m")  # HAU
        await settle(pilot)
        assert set(listed(screen)) == {states["delivered"].id, states["reminder"].id}
        await pilot.press("0", "k", "k")  # all, then e-mail
        await settle(pilot)
        assert listed(screen) == [states["mailed"].id]
        await pilot.press("0", "p", "p")  # free text, then reminders: none
        await settle(pilot)
        assert listed(screen) == []
        await pilot.press("0")
        await settle(pilot)
        person = states["people"][3]
        await pilot.press("slash")
        await settle(pilot)
        name_field = screen.query_one("#journal-person", Input)
        assert name_field.has_focus
        await pilot.press(*f"{person.last_name} {person.first_name}".lower())
        await settle(pilot)
        assert listed(screen) == [states["waiting"].id]
        await pilot.press("enter")  # back to the list, the filter stays
        await settle(pilot)
        assert screen.query_one(JournalTable).has_focus
        assert listed(screen) == [states["waiting"].id]
        await pilot.press("escape")  # Escape clears the person first
        await settle(pilot)
        assert len(listed(screen)) == 5
        assert name_field.value == ""
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("escape")  # then the other filters
        await settle(pilot)
        assert len(listed(screen)) == 5
        assert app.current_mode == "journal"


async def test_detail_shows_the_text_and_the_whole_timeline(make_app):
    states = journal_with_states()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_journal(pilot)
        await move_to(pilot, screen, states["failed"].id)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, MessageDetailScreen)
        assert detail.message_id == states["failed"].id
        kinds = [e.kind for e in journal.timeline(states["failed"].id)]
        assert kinds == ["queued", "claimed", "error", "failed", "refunded"]
        timeline = detail.query_one("#detail-timeline", DataTable)
        shown = [str(timeline.get_row_at(i)[1]) for i in range(timeline.row_count)]
        assert shown == [journal_name(kind) for kind in kinds]
        assert BODY in str(detail.query_one("#detail-body").render())
        assert "gateway: number unknown" in str(detail.query_one("#detail-data").render())
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


def journal_name(kind: str) -> str:
    from vitosms_tui.ui.i18n import _

    return _(EVENT_NAMES[kind])


async def test_withdraw_a_queued_message_refunds_after_asking(make_app):
    states = journal_with_states()
    waiting = states["waiting"]
    before = credits.balance(waiting.mandant_id)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_journal(pilot)
        await move_to(pilot, screen, waiting.id)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # no: nothing changes
        await settle(pilot)
        assert Message.get_by_id(waiting.id).status == "queued"
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert Message.get_by_id(waiting.id).status == "cancelled"
        await wait_until(pilot, lambda: screen.query_one(JournalTable).rows_by_id[waiting.id].status == "cancelled")
        assert screen.query_one(JournalTable).current_id == waiting.id
        # a withdrawn message cannot be withdrawn again: the key is gone for it
        assert screen.check_action("withdraw", ()) is False
    refunds = list(CreditEntry.select().where((CreditEntry.message == waiting.id) & (CreditEntry.kind == "refund")))
    assert [entry.delta for entry in refunds] == [waiting.credits]
    assert credits.balance(waiting.mandant_id) == before + waiting.credits


async def test_a_message_on_its_way_cannot_be_withdrawn(make_app):
    states = journal_with_states()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_journal(pilot)
        await move_to(pilot, screen, states["waiting"].id)
        sending.claim(WORKER, 50, 60)  # a worker takes it while the desk looks at it
        await pilot.press("x")
        await settle(pilot)
        if isinstance(app.screen, Confirm):  # the list had not caught up yet: the core says no
            await pilot.press("j")
            await settle(pilot)
        assert Message.get_by_id(states["waiting"].id).status == "sending"
        assert app.is_running


async def test_resend_a_failed_sms_as_email_in_one_key(make_app):
    states = journal_with_states()
    failed = states["failed"]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_journal(pilot)
        await move_to(pilot, screen, failed.id)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("j")
        await settle(pilot)
        new = Message.get(Message.resent_from == failed.id)
        assert new.channel == "email"
        assert new.status == "queued"
        assert new.recipient == states["people"][0].email
        await wait_until(pilot, lambda: listed(screen)[:1] == [new.id])
        assert screen.query_one(JournalTable).current_id == failed.id  # the cursor stayed
        # and back: the e-mail, once failed, goes out as an SMS again
        fail(new, "mailbox full")
        new_sms = outbox.resend(new.id, "empfang", channel="sms")
        assert new_sms.channel == "sms"


async def test_attention_view_lists_only_failed_and_the_status_line_leads_there(make_app):
    states = journal_with_states()
    # the automation's journal entry for a message it could not pay
    dub = Mandant.get(Mandant.code == "DUB")
    person = states["people"][2]
    skipped = Message.create(
        mandant=dub,
        person=person,
        channel="sms",
        recipient=person.mobile,
        body="Erinnerung",
        purpose="reminder",
        status="failed",
        credits=0,
        idempotency_key=uuid.uuid4().hex,
        auto_key="skipped:reminder:1:x",
        error="not enough credits (needs 1, has 0)",
        created_by="automation",
    )
    MessageEvent.create(message=skipped, kind="skipped", detail=skipped.error)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await settle(pilot)
        status = app.screen.query_one(StatusLine).render().plain
        assert "⚠ 2" in status
        await pilot.press("ctrl+g")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        assert screen.wanted.attention
        assert listed(screen) == [skipped.id, states["failed"].id]
        table = screen.query_one(JournalTable)
        assert any(str(cell).startswith("Zu wenig Cr") for cell in table.get_row(str(skipped.id)))
        # sending it again deals with it: it leaves the view and the count
        await move_to(pilot, screen, states["failed"].id)
        await pilot.press("r", "j")
        await settle(pilot)
        await wait_until(pilot, lambda: listed(screen) == [skipped.id])
        await wait_until(pilot, lambda: app.status.attention == 1)
        await pilot.press("a")  # back to every message
        await settle(pilot)
        assert len(listed(screen)) == 7


async def test_new_and_changed_messages_show_without_a_key(make_app):
    states = journal_with_states()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_journal(pilot)
        await move_to(pilot, screen, states["waiting"].id)
        table = screen.query_one(JournalTable)
        newcomer = queue(states["people"][1], Mandant.get(Mandant.code == "ROS"))
        await wait_until(pilot, lambda: newcomer.id in table.rows_by_id)
        assert listed(screen)[0] == newcomer.id
        assert table.current_id == states["waiting"].id  # the cursor stays on its message
        deliver(states["waiting"])
        await wait_until(pilot, lambda: table.rows_by_id[states["waiting"].id].status == "sent")
        assert table.current_id == states["waiting"].id


def test_attention_means_failed_lately_and_not_sent_again(practice):
    """The core query behind the status line and the attention view."""
    from datetime import timedelta

    from vitosms_tui.core import clock

    states = journal_with_states()
    failed = states["failed"]
    assert journal.attention_count() == 1
    assert [m.id for m in journal.list_messages(attention=True)] == [failed.id]
    assert journal.attention_count(mandant=Mandant.get(Mandant.code == "HAU")) == 0
    # a week later nobody is asked about it any more
    assert journal.attention_count(now=clock.now() + timedelta(days=journal.ATTENTION_DAYS, hours=1)) == 0
    marker = journal.change_marker()
    outbox.resend(failed.id, "empfang")
    assert journal.attention_count() == 0
    assert journal.change_marker() > marker
    people = states["people"]
    assert {m.person_id for m in journal.list_messages(person=[people[0], people[1].id])} == {
        people[0].id,
        people[1].id,
    }


async def test_a_twice_failed_message_stays_until_marked_done(make_app):
    states = journal_with_states()
    failed = states["failed"]
    again = outbox.resend(failed.id, "empfang")
    fail(again, "gateway: number unknown again")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        assert screen.wanted.attention
        # the patient still got nothing: the newest of the chain is listed, and counted, once
        assert listed(screen) == [again.id]
        assert app.status.attention == 1 == journal.attention_count()
        await move_to(pilot, screen, again.id)
        done_key = app.active_bindings.get("d")
        # in the footer
        assert done_key is not None
        assert done_key.enabled
        assert done_key.binding.show
        await pilot.press("d")
        await settle(pilot)
        await wait_until(pilot, lambda: listed(screen) == [])
        await wait_until(pilot, lambda: app.status.attention == 0)
        done = Message.get_by_id(again.id)
        assert done.attention_done_by == app.user
        assert done.attention_done_at is not None
        assert [e.kind for e in journal.timeline(again.id)][-1] == "dealt_with"


async def test_other_channel_is_dimmed_with_its_reason_when_it_cannot_work(make_app):
    dub = Mandant.get(Mandant.code == "DUB")
    [free] = outbox.enqueue(dub, [Draft("sms", "079 555 12 34", BODY)], "empfang")  # no person
    fail(free)
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_journal(pilot)
        await move_to(pilot, screen, free.id)
        binding_state = app.active_bindings.get("o")
        # shown, dimmed
        assert binding_state is not None
        assert not binding_state.enabled
        assert "has no person" in str(screen.query_one("#journal-hint").render())
        await pilot.press("o")
        await settle(pilot)
        assert app.screen is screen  # nothing asked, nothing refused afterwards
        assert Message.select().where(Message.resent_from == free.id).count() == 0
        await pilot.press("enter")  # the detail knows it too
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, MessageDetailScreen)
        assert not app.active_bindings["o"].enabled
        assert app.active_bindings["r"].enabled
        assert "has no person" in str(detail.query_one("#detail-data").render())


async def test_send_again_is_dimmed_when_the_person_withdrew_consent(make_app):
    dub = Mandant.get(Mandant.code == "DUB")
    [person] = reachable_persons(1)
    [recall_notice] = outbox.enqueue(
        dub, [Draft("sms", person.mobile, BODY, person=person, purpose="recall")], "empfang"
    )
    fail(recall_notice)
    person.consent_recall = False  # asked not to be written to about recalls any more
    person.save()
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_journal(pilot)
        await move_to(pilot, screen, recall_notice.id)
        assert not app.active_bindings["r"].enabled
        assert not app.active_bindings["o"].enabled
        assert "did not consent" in str(screen.query_one("#journal-hint").render())
        await pilot.press("r")
        await settle(pilot)
        assert app.screen is screen
        assert Message.select().where(Message.resent_from == recall_notice.id).count() == 0


async def test_an_expired_message_says_why_in_german(make_app):
    from vitosms_tui.core import agenda, clock

    [person] = reachable_persons(1)
    appointment = agenda.add_appointment("DUB", person, "2026-11-27T15:00", 15, user="empfang").appointment
    reminder = agenda.remind(appointment, "empfang").message  # short notice: at once
    clock.set_now("2026-11-27T15:05")  # no worker ran before the appointment began
    sending.claim(WORKER, 50, 60)
    assert Message.get_by_id(reminder.id).status == "expired"
    app = make_app(language="de")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_journal(pilot)
        await move_to(pilot, screen, reminder.id)
        row = screen.query_one(JournalTable).current_row
        assert status_name(row.status) == "abgelaufen"
        assert "sein Termin hat um 27.11.2026 15:00 begonnen" in str(screen.query_one("#journal-hint").render())
        await pilot.press("enter")
        await settle(pilot)
        assert "begonnen" in str(app.screen.query_one("#detail-data").render())


async def test_withdrawing_a_reminder_in_the_journal_means_no_reminder_for_its_appointment(make_app):
    from vitosms_tui.core import agenda, automation, clock, mandanten

    [person] = reachable_persons(1)
    appointment = agenda.add_appointment("DUB", person, "2026-11-30T10:00", 15, user="empfang").appointment
    reminder = agenda.remind(appointment, "empfang").message
    app = make_app(language="de")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_journal(pilot)
        await move_to(pilot, screen, reminder.id)
        await pilot.press("x")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, Confirm)
        assert "auch keine automatische" in " ".join(str(s.render()) for s in question.query("Static"))
        await pilot.press("j")
        await settle(pilot)
    assert Message.get_by_id(reminder.id).status == "cancelled"
    assert agenda.get_appointment(appointment.id).no_reminder
    # automation, switched on, keeps to it when the reminder would be due
    mandanten.update_settings(Mandant.get(Mandant.code == "DUB"), "test", auto_reminders=True)
    made = automation.run_tick(clock.parse_instant("2026-11-29T08:00")).messages
    assert made  # the other appointments of the day get theirs
    assert Message.select().where(Message.appointment == appointment.id).count() == 1  # the withdrawn one
