"""F6 Recall: the due list with who is left out, the live cost, sending, a new recall, warnings."""

from __future__ import annotations

from textual.widgets import Input

from vitosms_tui.core import agenda, automation, credits, mandanten, recall
from vitosms_tui.core.models import CreditEntry, Mandant, Message, Person, Recall
from vitosms_tui.ui.modals.confirm import Confirm
from vitosms_tui.ui.modals.recall_form import RecallForm
from vitosms_tui.ui.screens.recall import RecallScreen

from .pilot_helpers import settle, take_in_picker, wait_until

SIZE = (120, 40)


def _people(where, count: int, skip: int = 0) -> list[Person]:
    return list(Person.select().where(where).order_by(Person.id).offset(skip).limit(count))


def seed_recalls() -> dict[str, Recall]:
    """Recalls of DUB (the Mandant the app starts with) around 27.11.2026, and one of HAU.

    Three may be notified by SMS this month, one next month; one person gave
    no consent, one died, one is inactive.
    """
    dub = Mandant.get(Mandant.code == "DUB")
    reachable = (
        (Person.deceased == False)
        & (Person.inactive == False)  # noqa: E712
        & (Person.consent_recall == True)
        & Person.mobile.is_null(False)
    )  # noqa: E712
    first, second, third, later, other = _people(reachable, 5)
    unwilling, gone, resting = _people(
        (Person.consent_recall == False)  # noqa: E712
        & (Person.deceased == False),
        3,
    )  # noqa: E712
    made = {
        "overdue": recall.add_recall(first, dub, "Blutdruck", "20.11.2026", user="test"),
        "today": recall.add_recall(second, dub, "Jahreskontrolle", "27.11.2026", 12, user="test"),
        "month_end": recall.add_recall(third, dub, "Diabetes-Kontrolle", "30.11.2026", user="test"),
        "no_consent": recall.add_recall(unwilling, dub, "Jahreskontrolle", "25.11.2026", user="test"),
        "deceased": recall.add_recall(gone, dub, "Nachkontrolle", "26.11.2026", user="test"),
        "inactive": recall.add_recall(resting, dub, "Impfung", "28.11.2026", user="test"),
        "next_month": recall.add_recall(later, dub, "Blutdruck", "15.12.2026", user="test"),
        "other_mandant": recall.add_recall(other, "HAU", "Impfung", "24.11.2026", user="test"),
    }
    # consent first (so the rows keep their order), then the states add_recall would refuse
    Person.update(consent_recall=True).where(Person.id.in_([gone.id, resting.id])).execute()
    Person.update(deceased=True).where(Person.id == gone.id).execute()
    Person.update(inactive=True).where(Person.id == resting.id).execute()
    return made


async def open_recall(pilot) -> RecallScreen:
    await pilot.press("f6")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RecallScreen)
    return screen


def shown_ids(screen: RecallScreen) -> list[int]:
    return [line.id for line in screen.lines]


async def highlight(pilot, screen: RecallScreen, recall_id: int) -> None:
    screen.query_one("#recall-table").move_cursor(row=shown_ids(screen).index(recall_id))
    await settle(pilot)


async def select(pilot, screen: RecallScreen, *recalls: Recall) -> None:
    for item in recalls:
        await highlight(pilot, screen, item.id)
        await pilot.press("space")
        await settle(pilot)


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def cell(screen: RecallScreen, recall_id: int, column: int) -> str:
    return str(screen.query_one("#recall-table").get_row(str(recall_id))[column])


async def test_the_list_shows_due_recalls_and_greys_those_left_out(make_app):
    made = seed_recalls()
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_recall(pilot)
        expected = ["overdue", "no_consent", "deceased", "today", "inactive", "month_end"]
        assert shown_ids(screen) == [made[name].id for name in expected]
        assert "Overdue and this month (until 30.11.2026)" in text_of(screen, "#recall-head")
        assert "Mandant DUB" in text_of(screen, "#recall-head")
        assert "6 recalls · 3 may be notified" in text_of(screen, "#recall-head")
        assert cell(screen, made["overdue"].id, 6) == "SMS"
        assert cell(screen, made["no_consent"].id, 6) == "⊘ no recall consent"
        assert cell(screen, made["deceased"].id, 6) == "⊘ deceased"
        assert cell(screen, made["inactive"].id, 6) == "⊘ inactive"
        table = screen.query_one("#recall-table")
        greyed = table.get_row(str(made["deceased"].id))[2].style
        assert greyed
        assert greyed == table.style_of("excluded")
        # those left out cannot be selected, not even with "all"
        await select(pilot, screen, made["deceased"])
        assert screen.selected == set()
        assert "cannot be selected: deceased" in text_of(screen, "#recall-message")
        await pilot.press("a")
        await settle(pilot)
        assert screen.selected == {made[name].id for name in ("overdue", "today", "month_end")}
        await pilot.press("a")  # again: none
        await settle(pilot)
        assert screen.selected == set()
        # the period: next month; all Mandanten
        await pilot.press("p")
        await settle(pilot)
        assert shown_ids(screen) == [made["next_month"].id]
        assert "Next month (01.12.2026 – 31.12.2026)" in text_of(screen, "#recall-head")
        await pilot.press("p", "p")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert made["other_mandant"].id in shown_ids(screen)
        assert "all Mandanten" in text_of(screen, "#recall-head")


async def test_a_typed_range(make_app):
    made = seed_recalls()
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_recall(pilot)
        await pilot.press("r")
        await settle(pilot)
        field = screen.query_one("#recall-range", Input)
        assert field.has_focus
        assert field.value == " - 30.11.2026"
        field.value = "26.11.2026 - 15.12.2026x"
        await pilot.press("enter")
        await settle(pilot)
        assert "dd.mm.yyyy - dd.mm.yyyy" in text_of(screen, "#recall-message")
        field.value = "26.11.2026 - 15.12.2026"
        await pilot.press("enter")
        await settle(pilot)
        assert shown_ids(screen) == [
            made[name].id for name in ("deceased", "today", "inactive", "month_end", "next_month")
        ]
        assert not screen.query_one("#recall-prompt").display


async def test_selecting_two_shows_the_cost_and_the_balance_after(make_app):
    made = seed_recalls()
    pair = [made["overdue"], made["month_end"]]
    quote = recall.quote_recalls([r.id for r in pair]).quote
    assert quote.total_credits > 0
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_recall(pilot)
        assert "Space selects" in text_of(screen, "#recall-cost")
        await select(pilot, screen, *pair)
        await wait_until(pilot, lambda: screen.cost is not None)
        shown = text_of(screen, "#recall-cost")
        assert "2 selected · 2 SMS" in shown
        assert f"Cost {quote.total_credits} credits" in shown
        assert f"Balance {quote.balance} → {quote.balance_after}" in shown
        assert cell(screen, made["overdue"].id, 0) == "✔"


async def test_sending_queues_the_notices_and_marks_the_recalls_notified(make_app):
    made = seed_recalls()
    pair = [made["overdue"], made["today"]]
    dub = Mandant.get(Mandant.code == "DUB")
    before = credits.balance(dub)
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_recall(pilot)
        await select(pilot, screen, *pair)
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, Confirm)
        question = dialog.message
        assert "Send 2 recall notices (2 SMS)?" in question
        assert "Mandant: DUB" in question
        assert "Cost: 2 credits" in question
        assert f"Balance after: {before - 2} (now {before})" in question
        assert "threshold" not in question
        await pilot.press("y")
        await settle(pilot)
        await wait_until(pilot, lambda: "queued" in text_of(screen, "#recall-message"))
        await settle(pilot)
        assert "2 recall notices queued (2 credits)" in text_of(screen, "#recall-message")
        assert made["overdue"].id not in shown_ids(screen)  # notified: no longer open
        assert pilot.app.status.balance == before - 2
    messages = list(Message.select().where(Message.purpose == "recall").order_by(Message.id))
    assert sorted(m.recall_id for m in messages) == sorted(r.id for r in pair)
    assert {(m.status, m.channel, m.created_by) for m in messages} == {("queued", "sms", "empfang")}
    spends = CreditEntry.select().where(CreditEntry.kind == "spend")
    assert sorted(e.message_id for e in spends) == sorted(m.id for m in messages)
    assert credits.balance(dub) == before - 2
    for item in pair:
        fresh = Recall.get_by_id(item.id)
        assert fresh.status == "notified"
        assert fresh.notified_at is not None
    assert Recall.get_by_id(made["month_end"].id).status == "open"


async def test_the_confirmation_says_when_the_low_balance_threshold_is_crossed(make_app):
    made = seed_recalls()
    dub = Mandant.get(Mandant.code == "DUB")
    balance = credits.balance(dub)
    mandanten.update_settings(dub, "test", low_balance=balance - 1)
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_recall(pilot)
        await select(pilot, screen, made["overdue"], made["today"])
        await wait_until(pilot, lambda: screen.cost is not None)
        assert "below the low-balance threshold" in text_of(screen, "#recall-cost")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, Confirm)
        assert (
            f"This batch takes the balance below the low-balance threshold of {balance - 1} credits."
            in pilot.app.screen.message
        )
        await pilot.press("n")
        await settle(pilot)
    assert not Message.select().where(Message.purpose == "recall").exists()
    assert Recall.get_by_id(made["overdue"].id).status == "open"


async def test_out_of_credits_nothing_is_sent_and_the_warnings_show(make_app):
    made = seed_recalls()
    dub, hau = Mandant.get(Mandant.code == "DUB"), Mandant.get(Mandant.code == "HAU")
    credits.transfer(dub, hau, credits.balance(dub), "servicedesk")
    mandanten.update_settings(dub, "test", auto_reminders=True, lead_hours=1)
    someone = Person.get_by_id(made["overdue"].person_id)
    agenda.add_appointment(dub, someone, "2026-11-27T13:00", 20, user="test")
    assert automation.run_tick().skipped >= 1
    warnings = automation.automation_warnings()
    assert warnings
    assert warnings[0].startswith("Mandant DUB:")
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_recall(pilot)
        assert warnings[0] in text_of(screen, "#recall-warnings")
        assert pilot.app.status.warnings == tuple(warnings)
        assert "automation" in text_of(screen, "StatusLine")
        await select(pilot, screen, made["overdue"])
        await wait_until(pilot, lambda: screen.cost is not None)
        assert "not enough credits" in text_of(screen, "#recall-cost")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, Confirm)
        assert "Not sent: not enough credits for Mandant DUB" in text_of(screen, "#recall-message")
    assert not Message.select().where(Message.purpose == "recall").exists()


async def test_a_new_recall_through_the_form(make_app):
    alive = (Person.deceased == False) & Person.birth_date.is_null(False)  # noqa: E712
    person = _people(alive, 1, skip=17)[0]
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_recall(pilot)
        await pilot.press("n")
        await settle(pilot)
        await take_in_picker(pilot, person)
        form = pilot.app.screen
        assert isinstance(form, RecallForm)
        assert form.person_id == person.id
        assert form.query_one("#rf-reason", Input).has_focus
        await pilot.press(*"Kontrolle")
        form.query_one("#rf-due", Input).value = "31.02.2027"
        form.query_one("#rf-every", Input).value = "6"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form
        assert text_of(form, "#e-due") == "There is no such date."  # the same words in every date field
        assert not Recall.select().exists()
        form.query_one("#rf-due", Input).value = "15.01.2027"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "Recall noted" in text_of(screen, "#recall-message")
    made = Recall.get()
    assert (
        made.person_id,
        made.mandant.code,
        made.reason,
        made.due.isoformat(),
        made.every_months,
        made.created_by,
    ) == (person.id, "DUB", "Kontrolle", "2027-01-15", 6, "empfang")


async def test_done_and_cancel_ask_first(make_app):
    made = seed_recalls()
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_recall(pilot)
        await highlight(pilot, screen, made["today"].id)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(pilot.app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        await highlight(pilot, screen, made["overdue"].id)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
    assert Recall.get_by_id(made["today"].id).status == "done"
    assert Recall.get(Recall.previous == made["today"].id).due.isoformat() == "2027-11-27"  # repeats
    assert Recall.get_by_id(made["overdue"].id).status == "open"


async def test_a_recall_from_a_person_and_from_an_appointment(make_app):
    from vitosms_tui.core.models import Appointment

    person = _people((Person.deceased == False), 1, skip=5)[0]  # noqa: E712
    appointment = Appointment.select().where(Appointment.status == "booked").order_by(Appointment.id).first()
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await settle(pilot)
        persons_view = pilot.app.screen
        persons_view.query_one("#person-search", Input).value = f"{person.last_name} {person.first_name}"
        await settle(pilot)
        await pilot.press("down")  # to the list
        table = persons_view.query_one("#persons-table")
        while table.current_id != person.id:
            await pilot.press("down")
        await pilot.press("R")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, RecallForm)
        assert form.person_id == person.id
        await pilot.press(*"Kontrolle")
        form.query_one("#rf-due", Input).value = "15.01.2027"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is persons_view

        await pilot.press("f2")
        await settle(pilot)
        agenda_view = pilot.app.screen
        agenda_view.go_to_appointment(appointment.id)
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, RecallForm)
        assert form.appointment.id == appointment.id
        assert form.person_id == appointment.person_id
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is agenda_view
    made = Recall.get()
    assert (made.person_id, made.reason, made.due.isoformat()) == (person.id, "Kontrolle", "2027-01-15")
