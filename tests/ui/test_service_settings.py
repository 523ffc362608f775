"""Service settings of a Mandant and the template editor, reached from F6 (s) and the palette."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Select

from vitosms_tui.core import templates
from vitosms_tui.core.models import AuditEntry, Mandant, Template
from vitosms_tui.ui.modals.template_editor import TemplateEditor
from vitosms_tui.ui.screens.service_settings import ServiceSettingsScreen

from .pilot_helpers import settle, wait_until

SIZE = (120, 40)


def dub() -> Mandant:
    return Mandant.get(Mandant.code == "DUB")


async def open_settings(pilot) -> ServiceSettingsScreen:
    await pilot.press("f6")
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ServiceSettingsScreen)
    return screen


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_reminders_on_and_other_quiet_hours_are_saved_to_the_mandant(make_app):
    before = dub()
    assert (before.auto_reminders, before.quiet_start, before.quiet_end) == (False, "20:00", "08:00")
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        assert "DUB" in text_of(screen, "#settings-title")
        assert screen.query_one("#s-auto_reminders", Checkbox).has_focus
        await pilot.press("space")
        screen.query_one("#s-quiet_start", Input).value = "21:30"
        screen.query_one("#s-quiet_end", Input).value = "07:00"
        screen.query_one("#s-lead_hours", Input).value = "48"
        screen.query_one("#s-low_balance", Input).value = "600"
        screen.query_one("#s-channel_order", Select).value = "email,sms"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(screen, "#settings-error") == ""
        assert str(screen.query_one("#s-auto_reminders", Checkbox).label) == "on"
        assert pilot.app.status.low  # 500 credits, warned from 600 on: the status line knows at once
    after = dub()
    assert (
        after.auto_reminders,
        after.quiet_start,
        after.quiet_end,
        after.lead_hours,
        after.low_balance,
        after.channel_order,
    ) == (True, "21:30", "07:00", 48, 600, "email,sms")
    assert (after.auto_birthday, after.birthday_time) == (False, "09:00")
    assert AuditEntry.select().where(AuditEntry.action == "mandant_settings", AuditEntry.user == "empfang").count() == 1


async def test_an_invalid_time_shows_the_reason_and_nothing_is_saved(make_app):
    audits = AuditEntry.select().count()
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await pilot.press("space")  # reminders on: not saved either
        screen.query_one("#s-quiet_end", Input).value = "25:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "HH:MM" in text_of(screen, "#e-quiet")
        assert text_of(screen, "#settings-error").startswith("Not saved:")
        assert screen.query_one("#s-quiet_end").has_class("-invalid-field")
        assert screen.query_one("#s-quiet_end").has_focus
        screen.query_one("#s-quiet_end", Input).value = "08:00"
        screen.query_one("#s-birthday_time", Input).value = "9 Uhr"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "HH:MM" in text_of(screen, "#e-birthday_time")
        assert text_of(screen, "#e-quiet") == ""
    after = dub()
    assert (after.auto_reminders, after.quiet_end, after.birthday_time) == (False, "08:00", "09:00")
    assert AuditEntry.select().count() == audits


async def template_editor_for(pilot, screen, purpose: str, language: str, channel: str) -> TemplateEditor:
    await pilot.press("ctrl+t")
    await wait_until(pilot, lambda: bool(screen.template_keys))
    screen.query_one("#template-table").move_cursor(row=screen.template_keys.index((purpose, language, channel)))
    await pilot.press("enter")
    await settle(pilot)
    editor = pilot.app.screen
    assert isinstance(editor, TemplateEditor)
    return editor


async def test_the_template_editor_refuses_an_unknown_placeholder(make_app):
    original = templates.find_template("recall", "de", "sms").body
    rows = [(t.id, t.body) for t in Template.select().order_by(Template.id)]
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        editor = await template_editor_for(pilot, screen, "recall", "de", "sms")
        body = editor.query_one("#template-body")
        assert body.text == original
        assert "{due}" in text_of(editor, "#placeholder-help")
        body.text = original + " {Diagnose}"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is editor
        refusal = text_of(editor, "#template-error")
        assert "Not saved: The placeholder {Diagnose} cannot be used here." in refusal
        assert [(t.id, t.body) for t in Template.select().order_by(Template.id)] == rows
        # a good text, for DUB alone
        body.text = "{greeting}, Ihre Kontrolle ist ab {due} fällig. {practice}"
        editor.query_one("#template-scope", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        row = screen.template_keys.index(("recall", "de", "sms"))
        await wait_until(pilot, lambda: "own (DUB)" in str(screen.query_one("#template-table").get_row_at(row)[3]))
    own = Template.get((Template.purpose == "recall") & (Template.mandant == dub()))
    assert (own.language, own.channel) == ("de", "sms")
    assert own.body == "{greeting}, Ihre Kontrolle ist ab {due} fällig. {practice}"
    assert templates.find_template("recall", "de", "sms").body == original  # the practice's text stays


async def test_the_palette_opens_the_service_settings(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Service settings")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ServiceSettingsScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ServiceSettingsScreen)


async def test_the_practice_details_are_edited_here_and_a_bad_one_saves_nothing(make_app):
    assert dub().practice_phone == "044 123 45 61"  # the demo practice has them
    app = make_app(language="de")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        assert screen.query_one("#s-practice_phone", Input).value == "044 123 45 61"
        screen.query_one("#s-practice_phone", Input).value = "bitte anrufen"
        screen.query_one("#s-lead_hours", Input).value = "48"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Telefonnummer" in text_of(screen, "#e-practice_phone")
        assert screen.query_one("#s-practice_phone", Input).has_focus
        assert (dub().practice_phone, dub().lead_hours) == ("044 123 45 61", 24)  # nothing stored
        screen.query_one("#s-practice_phone", Input).value = "044 555 66 77"
        screen.query_one("#s-signature", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(screen, "#settings-error") == ""
    after = dub()
    assert (after.practice_phone, after.signature, after.lead_hours) == ("044 555 66 77", None, 48)
