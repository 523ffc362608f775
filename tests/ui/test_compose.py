"""F3 Compose: recipients, live SMS analysis, GSM-7 rewrite, cost, refusal, confirmation, sending."""

from __future__ import annotations

import pytest

from vitosms_tui.core import credits, templates
from vitosms_tui.core.models import CreditEntry, Mandant, Message, Person
from vitosms_tui.ui import app as app_module
from vitosms_tui.ui.modals.confirm import Confirm
from vitosms_tui.ui.modals.send_confirm import SendConfirm
from vitosms_tui.ui.modals.template_picker import TemplatePicker
from vitosms_tui.ui.screens.compose import ComposeScreen, MessageEditor, open_compose
from vitosms_tui.ui.screens.persons import PersonsScreen
from vitosms_tui.ui.widgets.person_picker import PersonPicker

from .pilot_helpers import settle, take_in_picker, wait_until

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def start_in_persons(monkeypatch):
    # Compose is reached from another view with F3, as at the desk.
    monkeypatch.setattr(app_module, "START_MODE", "persons")


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def reachable(mandant_code: str | None = None, offset: int = 0, email: bool = False) -> Person:
    query = Person.select().where(Person.mobile.is_null(False), Person.deceased == False)  # noqa: E712
    if email:
        query = query.where(Person.email.is_null(False))
    if mandant_code:
        query = query.join(Mandant).where(Mandant.code == mandant_code)
    return query.order_by(Person.id).offset(offset).first()


async def open_compose_view(pilot) -> ComposeScreen:
    await pilot.press("f3")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ComposeScreen)
    return pilot.app.screen


async def pick(pilot, person: Person) -> None:
    """Ctrl+O, search the name, take the person."""
    await pilot.press("ctrl+o")
    await settle(pilot)
    await take_in_picker(pilot, person)


async def write(pilot, screen: ComposeScreen, text: str) -> None:
    screen.query_one(MessageEditor).focus()
    await pilot.press(*["space" if char == " " else char for char in text])
    await quoted(pilot, screen)


async def quoted(pilot, screen: ComposeScreen) -> None:
    """Wait until the cost area shows the form as it is now."""
    await settle(pilot)
    await wait_until(pilot, lambda: screen.cost_is_current)
    await settle(pilot)


def cost_text(screen) -> str:
    return text_of(screen, "#compose-cost")


async def test_a_patient_a_text_with_e_circumflex_and_the_rewrite_key(make_app):
    person = reachable()
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose_view(pilot)
        await pick(pilot, person)
        assert [r.person_id for r in screen.recipients] == [person.id]
        await write(pilot, screen, "Bonne fête")
        meter = text_of(screen, "#compose-meter")
        assert "UCS-2" in meter
        assert "1 SMS part" in meter
        assert "Not in GSM-7: ê" in meter
        assert "fête" in text_of(screen, "#compose-preview")
        assert "1 credit" in cost_text(screen)
        await pilot.press("f9")
        await quoted(pilot, screen)
        assert screen.query_one(MessageEditor).text == "Bonne fete"
        meter = text_of(screen, "#compose-meter")
        assert "GSM-7" in meter
        assert "UCS-2" not in meter
        assert "Not in GSM-7" not in meter
        await pilot.press("ctrl+z")  # the rewrite is one step of the editor's undo
        await settle(pilot)
        assert screen.query_one(MessageEditor).text == "Bonne fête"


async def test_send_with_confirmation_queues_spends_and_updates_the_status_line(make_app):
    person = reachable("DUB")  # the Mandant of the status line
    payer = person.mandant
    before = credits.balance(payer)
    # 80 characters of UCS-2 text: two segments, two credits
    text = "Grüsse und bis bald ê " + "x" * 58
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose_view(pilot)
        assert app.current_mandant.id == payer.id
        assert app.status.balance == before
        screen.add_recipients([person.id])
        screen.query_one(MessageEditor).load_text(text)
        await quoted(pilot, screen)
        assert "2 credits" in cost_text(screen)
        assert f"{payer.code}: {before} → {before - 2}" in cost_text(screen)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SendConfirm))
        question = text_of(app.screen, "#send-confirm-text")
        assert "Send 1 message" in question
        assert "2 credits" in question
        assert f"{payer.code} {payer.name}" in question
        assert "now" in question
        assert Message.select().count() == 0  # nothing is spent before the answer
        await pilot.press("j")
        await wait_until(pilot, lambda: Message.select().count() == 1)
        await wait_until(pilot, lambda: app.status.balance == before - 2)
        message = Message.get()
        assert message.status == "queued"
        assert message.mandant_id == payer.id
        assert message.person_id == person.id
        assert message.recipient == person.mobile
        assert message.credits == 2
        assert message.segments == 2
        assert message.encoding == "ucs2"
        assert message.body == text
        assert message.created_by == "empfang"
        spend = CreditEntry.get(CreditEntry.message == message)
        assert spend.kind == "spend"
        assert spend.delta == -2
        assert spend.user == "empfang"
        assert credits.balance(payer) == before - 2
        # the form is empty for the next message
        await settle(pilot)
        assert screen.recipients == []
        assert screen.query_one(MessageEditor).text == ""


async def test_status_line_balance_drops_when_the_current_mandant_pays(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose_view(pilot)
        current = app.current_mandant
        before = app.status.balance
        screen.query_one("#compose-free").value = "079 123 45 67"
        await pilot.press("enter")
        screen.query_one(MessageEditor).load_text("Ihr Rezept liegt bereit.")
        await quoted(pilot, screen)
        assert f"Paid by: {current.code}" in text_of(screen, "#compose-header")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SendConfirm))
        await pilot.press("y")
        await wait_until(pilot, lambda: app.status.balance == before - 1)
    message = Message.get()
    assert message.person is None
    assert message.recipient == "+41791234567"
    assert message.mandant_id == current.id


async def test_too_few_credits_are_refused_and_nothing_is_written(make_app):
    person = reachable()
    payer = person.mandant
    CreditEntry.create(mandant=payer, delta=-(credits.balance(payer) - 1), kind="correction", user="test")
    entries = CreditEntry.select().count()
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose_view(pilot)
        screen.add_recipients([person.id])
        screen.query_one(MessageEditor).load_text("x" * 200)  # two GSM-7 segments
        await quoted(pilot, screen)
        assert "Not enough credits: 2 needed, 1 available." in cost_text(screen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        assert app.screen is screen  # no confirmation
    assert Message.select().count() == 0
    assert CreditEntry.select().count() == entries


async def test_typed_recipients_are_checked_as_typed(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose_view(pilot)
        await pilot.press(*"044 123 45 67")  # a landline
        await settle(pilot)
        assert "Not a mobile number: it cannot receive an SMS." in text_of(screen, "#compose-free-reason")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.recipients == []
        screen.query_one("#compose-free").value = "anna.muster@example"
        await settle(pilot)
        assert "Not a valid e-mail address." in text_of(screen, "#compose-free-reason")
        screen.query_one("#compose-free").value = "0041 79 123 45 67"
        await settle(pilot)
        assert "079 123 45 67" in text_of(screen, "#compose-free-reason")
        await pilot.press("enter")
        screen.query_one("#compose-free").value = "anna.muster@example.ch"
        await pilot.press("enter")
        await settle(pilot)
        assert [(r.channel, r.address) for r in screen.recipients] == [
            ("sms", "+41791234567"),
            ("email", "anna.muster@example.ch"),
        ]
        assert text_of(screen, "#compose-free-reason") == ""


async def test_an_e_mail_without_subject_gets_the_template_subject(make_app):
    person = reachable(email=True)
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose_view(pilot)
        screen.add_recipients([person.id])
        await settle(pilot)
        screen.query_one("#compose-recipients").focus()
        if screen.recipients[0].channel != "email":
            await pilot.press("c")
            await settle(pilot)
        assert screen.recipients[0].channel == "email"
        screen.query_one(MessageEditor).load_text("{greeting}\n\nIhre Unterlagen sind da.")
        await quoted(pilot, screen)
        expected = templates.render_message("free", "email", person, screen.mandant, body="x")[0]
        assert expected
        assert f"Subject: {expected}" in text_of(screen, "#compose-preview")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SendConfirm))
        assert "1 e-mail" in text_of(app.screen, "#send-confirm-text")
        await pilot.press("j")
        await wait_until(pilot, lambda: Message.select().count() == 1)
    message = Message.get()
    assert message.channel == "email"
    assert message.recipient == person.email
    assert message.subject == expected
    assert message.credits == 1
    assert message.body.endswith("Ihre Unterlagen sind da.")
    assert "{greeting}" not in message.body


async def test_the_channel_switches_only_to_an_address_the_person_has(make_app):
    both = reachable(email=True)
    sms_only = Person.get(Person.mobile.is_null(False), Person.email.is_null(True), Person.deceased == False)  # noqa: E712
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose_view(pilot)
        screen.add_recipients([both.id, sms_only.id])
        await settle(pilot)
        screen.query_one("#compose-recipients").focus()
        await pilot.press("c")  # the cursor is on the last one added: no e-mail address
        await settle(pilot)
        assert screen.recipients[1].channel == "sms"
        await pilot.press("up", "c")
        await settle(pilot)
        first = screen.recipients[0]
        assert first.channel_by_hand
        assert first.address == (both.email if first.channel == "email" else both.mobile)
        await pilot.press("delete")
        await settle(pilot)
        assert [r.person_id for r in screen.recipients] == [sms_only.id]


async def test_the_persons_mandant_pays_unless_another_is_chosen(make_app):
    one = reachable("HAU")
    other = reachable("ROS")
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose_view(pilot)
        screen.add_recipients([one.id])
        await settle(pilot)
        assert screen.mandant.code == "HAU"
        assert "HAU" in text_of(screen, "#compose-header")
        screen.add_recipients([other.id])  # two Mandanten: the one of the status line
        await settle(pilot)
        assert screen.mandant.code == app.current_mandant.code
        await pilot.press("f8")
        await settle(pilot)
        options = app.screen.query_one("#mandant-options")
        codes = [Mandant.get_by_id(int(options.get_option_at_index(i).id)).code for i in range(options.option_count)]
        options.highlighted = codes.index("ROS")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.mandant.code == "ROS"
        assert "ROS" in text_of(screen, "#compose-header")
        screen.query_one(MessageEditor).load_text("Bitte rufen Sie uns an.")
        await quoted(pilot, screen)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SendConfirm))
        assert "ROS" in text_of(app.screen, "#send-confirm-text")
        await pilot.press("j")
        await wait_until(pilot, lambda: Message.select().count() == 2)
    assert {m.mandant.code for m in Message.select()} == {"ROS"}


async def test_low_balance_is_said_in_the_cost_area_and_the_confirmation(make_app):
    person = reachable()
    payer = person.mandant
    # 51 credits, threshold 50: one SMS crosses it
    CreditEntry.create(mandant=payer, delta=-(credits.balance(payer) - 51), kind="correction", user="test")
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose_view(pilot)
        screen.add_recipients([person.id])
        screen.query_one(MessageEditor).load_text("Kurz und gut.")
        await quoted(pilot, screen)
        assert "Low balance" in cost_text(screen)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SendConfirm))
        assert "Low balance" in text_of(app.screen, "#send-confirm-text")
        await pilot.press("escape")  # no: nothing is sent
        await settle(pilot)
        assert app.screen is screen
    assert Message.select().count() == 0


async def test_send_later_and_a_time_in_the_past(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose_view(pilot)
        screen.query_one("#compose-free").value = "079 123 45 67"
        await pilot.press("enter")
        screen.query_one(MessageEditor).load_text("Bis morgen.")
        await pilot.press("ctrl+l")
        await pilot.press(*"26.11.2026 10:00")
        await settle(pilot)
        assert "The send time lies in the past." in text_of(screen, "#compose-when-reason")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        screen.query_one("#compose-when").value = "28.11.2026 10:30"
        await settle(pilot)
        assert "28.11.2026 10:30" in text_of(screen, "#compose-when-reason")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SendConfirm))
        assert "at 28.11.2026 10:30" in text_of(app.screen, "#send-confirm-text")
        await pilot.press("j")
        await wait_until(pilot, lambda: Message.select().count() == 1)
    message = Message.get()
    assert message.scheduled_at.isoformat() == "2026-11-28T09:30:00+00:00"


async def test_a_template_fills_the_editor(make_app):
    person = reachable()
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose_view(pilot)
        screen.add_recipients([person.id])
        await pilot.press("ctrl+t")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, TemplatePicker)
        wanted = next(i for i, e in enumerate(picker.entries) if (e.purpose, e.channel) == ("birthday", "sms"))
        picker.query_one("#template-options").highlighted = wanted
        await pilot.press("enter")
        await quoted(pilot, screen)
        assert screen.purpose == "birthday"
        assert screen.query_one(MessageEditor).text == picker.entries[wanted].body
        assert "Birthday greeting" in screen.query_one(MessageEditor).border_title
        if not person.consent_birthday:
            assert "No consent to this kind of message." in cost_text(screen)


async def test_escape_closes_the_picker_then_clears_the_number_then_goes_back(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose_view(pilot)
        screen.query_one(MessageEditor).load_text("Entwurf")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, PersonPicker)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert screen.recipients == []
        screen.query_one("#compose-free").focus()
        await pilot.press(*"079")
        await pilot.press("escape")
        await settle(pilot)
        assert screen.query_one("#compose-free").value == ""
        assert app.screen is screen
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PersonsScreen)
        await pilot.press("f3")  # the draft is kept
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one(MessageEditor).text == "Entwurf"
        await pilot.press("ctrl+n")  # a new message discards the draft, after asking
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("j")
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one(MessageEditor).text == ""


async def test_other_views_open_compose_for_persons(make_app):
    first, second = reachable(offset=1), reachable(offset=2)
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        open_compose(app, [first.id, second.id, first.id])
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ComposeScreen)
        assert [r.person_id for r in screen.recipients] == [first.id, second.id]
        screen.add_recipients([first.id])  # already listed
        await settle(pilot)
        assert [r.person_id for r in screen.recipients] == [first.id, second.id]


async def test_ctrl_g_in_compose_opens_the_failed_messages_as_everywhere(make_app):
    from vitosms_tui.ui.screens.journal import JournalScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, JournalScreen)


async def test_an_impossible_send_date_gets_the_same_words_as_every_date_field_and_ctrl_s_says_why(
    make_app, monkeypatch
):
    from vitosms_tui.ui.modals.date_time import DateTimeError, parse_date_time
    from vitosms_tui.ui.widgets.send_time import SendTime

    app = make_app()  # the interface language (German) is set here
    with pytest.raises(DateTimeError) as impossible:
        parse_date_time("31.02.2027 10:00")
    shown = []
    monkeypatch.setattr(app, "notify", lambda message, **options: shown.append(message))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        screen.add_recipients([Person.select().where(Person.mobile.is_null(False)).first().id])
        screen.query_one(MessageEditor).load_text("Ihr Rezept liegt bereit.")
        send_time = screen.query_one(SendTime)
        send_time.field.value = "31.02.2027 10:00"
        await settle(pilot)
        assert send_time.problem == str(impossible.value) == "Dieses Datum gibt es nicht."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen  # no send question
        assert any("Dieses Datum gibt es nicht." in text for text in shown)
        assert Message.select().count() == 0
