"""F5 Credits: balances, the order window, transfers and the legacy balance by role, periods and export."""

from __future__ import annotations

import os
import stat

import pytest
from textual.widgets import Input, Static

from vitosms_tui.core import credits, mandanten
from vitosms_tui.core.config import Settings
from vitosms_tui.core.models import AuditEntry, CreditEntry, Mandant, Order, Setting
from vitosms_tui.ui.modals.confirm import Confirm
from vitosms_tui.ui.modals.migrate import MigrateWindow
from vitosms_tui.ui.modals.order import OrderWindow
from vitosms_tui.ui.modals.transfer import TransferWindow
from vitosms_tui.ui.screens.credits import CreditsScreen

from .pilot_helpers import settle

SIZE = (120, 40)


@pytest.fixture
def app_for(practice):
    """The app in English for a login of the seeded practice (empfang: front desk)."""
    from vitosms_tui.ui.app import VitoSmsApp

    def make(user: str = "empfang"):
        settings = Settings()
        settings.ui_language = "en"
        return VitoSmsApp(user=user, settings=settings, db_url=practice)

    return make


def mandant(code: str) -> Mandant:
    return mandanten.get_mandant(code)


async def open_credits(pilot) -> CreditsScreen:
    await pilot.press("f5")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CreditsScreen)
    return pilot.app.screen


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def rows(screen, selector: str) -> list[list[str]]:
    table = screen.query_one(selector)
    return [[str(cell).strip() for cell in table.get_row_at(index)] for index in range(table.row_count)]


def snapshot() -> tuple:
    return (
        CreditEntry.select().count(),
        AuditEntry.select().count(),
        Order.select().count(),
        tuple(Setting.select(Setting.key).order_by(Setting.key).tuples()),
    )


async def test_balances_mark_the_current_mandant_and_a_low_balance(app_for):
    mandanten.update_settings(mandant("HAU"), user="test", low_balance=600)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_credits(pilot)
        assert app.current_mandant.code == "DUB"
        shown = rows(screen, "#balances")
        assert [row[1] for row in shown] == ["DUB", "HAU", "ROS"]
        assert [row[0] for row in shown] == ["●", "", ""]
        assert shown[1][3] == "500"
        assert shown[1][5] == "low"
        assert shown[0][5] == ""
        table = screen.query_one("#balances")
        balance_cell = table.get_row_at(1)[3]
        assert balance_cell.style == table.style_of("low")
        assert table.style_of("low") != table.style_of("dim")
        assert "Ledger of DUB" in text_of(screen, "#ledger-title")
        assert rows(screen, "#ledger")[0][1:3] == ["Purchase", "+500"]
        # another row chooses whose ledger is shown; F8 (set_mandant) moves the mark
        await pilot.press("down")
        await settle(pilot)
        assert "Ledger of HAU" in text_of(screen, "#ledger-title")
        app.set_mandant(mandant("ROS"))
        await settle(pilot)
        assert [row[0] for row in rows(screen, "#balances")] == ["", "", "●"]
        assert "Ledger of ROS" in text_of(screen, "#ledger-title")


async def test_an_order_grows_the_balance_and_adds_a_ledger_line(app_for):
    # front-desk staff the service desk allowed to order
    mandanten.add_staff("leitung", "Praxisleitung", "frontdesk", user="servicedesk", may_order=True)
    app = app_for("leitung")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_credits(pilot)
        assert "no customer account yet" in text_of(screen, "#orders-title")
        await pilot.press("o")
        await settle(pilot)
        window = app.screen
        assert isinstance(window, OrderWindow)
        assert "first order opens" in str(window.query_one("#order-account").render())
        assert window.query_one("#order-packages").option_count == len(credits.packages())
        await pilot.press("down", "enter")  # the second package: Praxis, 2000 credits, CHF 180.00
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        question = app.screen.message
        assert "Praxis" in question
        assert "CHF 180.00" in question
        assert "DUB" in question
        assert "opens the practice's customer account" in question
        await pilot.press("j")
        await settle(pilot)
        assert app.screen is screen
        assert credits.balance(mandant("DUB")) == 2500
        assert app.status.balance == 2500  # the status line was refreshed
        order = Order.get()
        assert (order.credits, order.price_rappen, order.user) == (2000, 18000, "leitung")
        assert AuditEntry.select().where(AuditEntry.action == "order", AuditEntry.user == "leitung").count() == 1
        assert order.customer_number == credits.customer_number()
        assert rows(screen, "#ledger")[0][1:3] == ["Purchase", "+2'000"]
        assert rows(screen, "#orders")[0][1:5] == ["Praxis", "2'000", "CHF 180.00", order.customer_number]
        assert order.customer_number in text_of(screen, "#orders-title")
        assert "Ordered Praxis for DUB" in text_of(screen, "#credits-message")
        # the second order names the account instead of opening one; Esc in the question goes back
        await pilot.press("o")
        await settle(pilot)
        assert order.customer_number in str(app.screen.query_one("#order-account").render())
        await pilot.press("enter")
        await settle(pilot)
        assert "opens" not in app.screen.message
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OrderWindow)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert Order.select().count() == 1


async def test_front_desk_sees_order_transfer_and_legacy_dimmed_and_the_reason(app_for):
    app = app_for("empfang")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_credits(pilot)
        assert all(screen.check_action(action, ()) is None for action in ("order", "transfer", "migrate"))
        note = text_of(screen, "#role-note")
        assert "service desk only" in note
        assert "o Order (needs the right to order)" in note
        before = snapshot()
        for key in ("o", "t", "m"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is screen  # no window opened
            message = text_of(screen, "#credits-message")
            assert "Only the service desk" in message
            assert "empfang" in message
            assert screen.query_one("#credits-message").has_class("-error")
        assert "--may-order" in message if key == "o" else True
        assert snapshot() == before


async def test_the_right_to_order_granted_meanwhile_undims_the_key(app_for):
    app = app_for("empfang")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_credits(pilot)
        assert screen.check_action("order", ()) is None
        Staff = type(mandanten.add_staff("leitung", "L", "frontdesk", user="servicedesk"))
        Staff.update(may_order=True).where(Staff.login == "empfang").execute()
        await pilot.press("o")  # the refusal looks again and finds the right
        await settle(pilot)
        assert screen.check_action("order", ()) is True
        assert "o Order" not in text_of(screen, "#role-note")
        assert "t Transfer and m Legacy balance are for the service desk only" in text_of(screen, "#role-note")


async def test_service_desk_transfers_with_a_refusal_first(app_for):
    app = app_for("servicedesk")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_credits(pilot)
        assert screen.check_action("transfer", ()) is True
        assert not screen.query_one("#role-note").display
        await pilot.press("t")
        await settle(pilot)
        window = app.screen
        assert isinstance(window, TransferWindow)
        assert window.query_one("#transfer-source").value == mandant("DUB").id
        assert window.query_one("#transfer-target").value == mandant("HAU").id
        before = snapshot()
        await pilot.press("6", "0", "1", "enter")
        await settle(pilot)
        assert app.screen is window
        assert "More than the balance: DUB has 500 credits" in str(window.query_one("#transfer-error").render())
        assert snapshot() == before
        window.query_one("#transfer-amount", Input).value = "120"
        window.query_one("#transfer-note", Input).value = "Ausgleich November"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert (credits.balance(mandant("DUB")), credits.balance(mandant("HAU"))) == (380, 620)
        assert app.status.balance == 380
        out = CreditEntry.get(CreditEntry.kind == "transfer_out")
        assert (out.delta, out.note, out.user) == (-120, "Ausgleich November", "servicedesk")
        assert AuditEntry.get(AuditEntry.action == "transfer").user == "servicedesk"
        assert rows(screen, "#ledger")[0][1:3] == ["Transfer out", "-120"]
        assert "Moved 120 credits from DUB to HAU" in text_of(screen, "#credits-message")
        assert [row[3] for row in rows(screen, "#balances")] == ["380", "620", "500"]


async def test_service_desk_carries_the_legacy_balance_over_once(app_for):
    app = app_for("servicedesk")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_credits(pilot)
        await pilot.press("m")
        await settle(pilot)
        window = app.screen
        assert isinstance(window, MigrateWindow)
        await pilot.press("1", "0", "0")
        await settle(pilot)
        assert str(window.query_one("#migrate-preview").render()) == "DUB 34 · HAU 33 · ROS 33"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("j")
        await settle(pilot)
        assert app.screen is screen
        assert [credits.balance(mandant(c)) for c in ("DUB", "HAU", "ROS")] == [534, 533, 533]
        assert "DUB 34 · HAU 33 · ROS 33" in text_of(screen, "#credits-message")
        assert rows(screen, "#ledger")[0][1:3] == ["Legacy balance", "+34"]
        # a second attempt is refused by core, with the reason in the window
        before = snapshot()
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("5", "enter")
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, MigrateWindow)
        assert "only once" in str(app.screen.query_one("#migrate-error").render())
        assert snapshot() == before


async def test_periods_range_export_and_escape(app_for, tmp_path, monkeypatch):
    monkeypatch.setenv("VITOSMS_STATE_DIR", str(tmp_path / "state"))
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")  # come from Persons, so Escape has somewhere to go back to
        await settle(pilot)
        screen = await open_credits(pilot)
        title = lambda: text_of(screen, "#ledger-title")  # noqa: E731
        assert "This month 01.11.2026 – 30.11.2026 · 1 entry" in title()
        await pilot.press("p")
        await settle(pilot)
        assert "Last month 01.10.2026 – 31.10.2026 · 0 entries" in title()
        assert rows(screen, "#ledger") == []
        await pilot.press("p", "p")
        await settle(pilot)
        assert "All entries · 1 entry" in title()
        # a typed date range; a wrong one is explained and the prompt stays
        await pilot.press("r")
        await settle(pilot)
        field = screen.query_one("#prompt-input", Input)
        assert app.focused is field
        assert field.value == "01.11.2026 - 30.11.2026"
        field.value = "31.11.2026"
        await pilot.press("enter")
        await settle(pilot)
        assert "There is no such date." in text_of(screen, "#credits-message")
        assert screen.prompt_mode == "range"
        field.value = "20.11.2026 - 26.11.2026"
        await pilot.press("enter")
        await settle(pilot)
        assert "Period 20.11.2026 – 26.11.2026 · 0 entries" in title()
        # export: straight into the export folder under a generated name, no path asked
        await pilot.press("r")
        await settle(pilot)
        field.value = "01.11.2026-30.11.2026"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert screen.prompt_mode is None
        assert not screen.query_one("#credits-prompt").display
        folder = tmp_path / "state" / "exports"
        [made] = list(folder.iterdir())
        assert made.name.startswith("ledger-DUB-2026-11-01_2026-11-30-20261127-0900")  # the clock runs on
        assert stat.S_IMODE(os.stat(made).st_mode) == 0o600
        content = made.read_bytes()
        assert content.startswith(b"\xef\xbb\xbfTime;Mandant;Kind;Amount;Balance;Message;Order;User;Note\r\n")
        assert b";DUB;Purchase;500;500;;;seed;demo starting credits" in content
        assert f"Exported 1 entry to {made}" in text_of(screen, "#credits-message")
        # a second export gets its own file, the first stays as it was
        await pilot.press("x")
        await settle(pilot)
        assert len(list(folder.iterdir())) == 2
        assert made.read_bytes() == content
        # Escape: closes the prompt, then goes back to this month, then to the previous view
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert screen.prompt_mode is None
        assert not screen.query_one("#credits-prompt").display
        assert app.screen is screen
        assert "Period" in title()
        await pilot.press("escape")
        await settle(pilot)
        assert "This month" in title()
        await pilot.press("escape")
        await settle(pilot)
        assert app.current_mode == "persons"
