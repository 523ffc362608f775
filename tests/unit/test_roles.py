"""The role gate: every service-desk action is refused in core for the front desk and unknown logins."""

from __future__ import annotations

import pytest

from vitosms_tui.cli.main import main
from vitosms_tui.core import credits, mandanten, roles
from vitosms_tui.core.errors import Refused
from vitosms_tui.core.models import AuditEntry, CreditEntry, Setting

REFUSED_LOGINS = ["empfang", "nobody-known"]  # a front-desk login and a login without a staff row


@pytest.fixture
def practice(db):
    hau = mandanten.add_mandant("HAU", "Dr. Hauser", "DrHauser", user="test")
    dub = mandanten.add_mandant("DUB", "Dr. Dubois", "DrDubois", user="test")
    credits.purchase(hau, 100, user="test")
    mandanten.add_staff("empfang", "Empfang", "frontdesk", user="test")
    mandanten.add_staff("servicedesk", "Service Desk", "servicedesk", user="test")
    return hau, dub


def snapshot() -> tuple:
    return (
        CreditEntry.select().count(),
        AuditEntry.select().count(),
        tuple(Setting.select(Setting.key).order_by(Setting.key).tuples()),
    )


def test_roles_of_staff_and_of_an_unknown_login(practice):
    assert roles.role_of("servicedesk") == roles.SERVICEDESK
    assert roles.role_of("empfang") == roles.FRONTDESK
    assert roles.role_of("nobody-known") == roles.FRONTDESK  # the least rights
    assert roles.is_servicedesk("servicedesk")
    assert not roles.is_servicedesk("empfang")
    assert not roles.is_servicedesk("nobody-known")
    roles.require_servicedesk("servicedesk", "do it")
    with pytest.raises(Refused) as info:
        roles.require_servicedesk("empfang", "do it")
    assert info.value.code == "forbidden"
    assert "empfang" in info.value.message


@pytest.mark.parametrize("login", REFUSED_LOGINS)
def test_transfer_is_refused_and_changes_nothing(practice, login):
    hau, dub = practice
    before = snapshot()
    with pytest.raises(Refused) as info:
        credits.transfer(hau, dub, 10, login, note="try")
    assert info.value.code == "forbidden"
    assert snapshot() == before
    assert (credits.balance(hau), credits.balance(dub)) == (100, 0)


@pytest.mark.parametrize("login", REFUSED_LOGINS)
def test_migrate_legacy_is_refused_and_changes_nothing(practice, login):
    before = snapshot()
    with pytest.raises(Refused) as info:
        credits.migrate_legacy(100, login)
    assert info.value.code == "forbidden"
    assert snapshot() == before
    assert Setting.get_or_none(Setting.key == "legacy_migrated") is None


def test_the_service_desk_may_transfer_and_migrate(practice):
    hau, dub = practice
    out, into = credits.transfer(hau, dub, 30, "servicedesk", note="Q4")
    assert (out.kind, out.delta, into.kind, into.delta) == ("transfer_out", -30, "transfer_in", 30)
    assert out.note == into.note == "Q4"
    audit = AuditEntry.get(AuditEntry.action == "transfer")
    assert audit.user == "servicedesk"
    assert audit.mandant_id == hau.id
    assert '"to": "DUB"' in audit.detail
    assert credits.migrate_legacy(5, "servicedesk") == {"DUB": 3, "HAU": 2}
    assert (credits.balance(hau), credits.balance(dub)) == (72, 33)


@pytest.mark.parametrize("amount", [0, -3, 101, True])
def test_transfer_amounts_outside_the_rule_are_refused(practice, amount):
    hau, dub = practice
    before = snapshot()
    with pytest.raises(Refused) as info:
        credits.transfer(hau, dub, amount, "servicedesk")
    assert info.value.code in ("invalid_amount", "insufficient_credits")
    assert snapshot() == before


@pytest.mark.parametrize("login", REFUSED_LOGINS)
@pytest.mark.parametrize(
    "command",
    [
        ["credits", "transfer", "--from", "HAU", "--to", "DUB", "--amount", "10"],
        ["credits", "migrate-legacy", "--balance", "100"],
    ],
)
def test_the_cli_exits_1_for_anyone_but_the_service_desk(practice, db_path, capsys, login, command):
    before = snapshot()
    code = main(["--db", str(db_path), "--user", login, *command])
    err = capsys.readouterr().err
    assert code == 1
    assert "only the service desk" in err
    assert err.count("\n") == 1
    assert snapshot() == before
