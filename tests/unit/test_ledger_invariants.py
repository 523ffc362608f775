"""The ledger's invariants under any sequence of operations (hypothesis), and the legacy split.

Whatever happens — purchases, orders, messages queued (spending) and
withdrawn (refunding), direct spends, transfers, the legacy migration — a
balance is the sum of its entries, never negative, equal to what a simple
model expects; and an operation that is refused leaves every table as it was.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from vitosms_tui.core import credits, mandanten, outbox
from vitosms_tui.core.db import write_transaction
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.errors import Refused
from vitosms_tui.core.models import AuditEntry, CreditEntry, Mandant, Message, MessageEvent, Order, Setting

CODES = ("HAU", "DUB", "ROS")
DESK, SERVICE = "empfang", "servicedesk"


@pytest.fixture
def practice(db):
    found = {code: mandanten.add_mandant(code, f"Dr. {code}", f"Dr{code}", user="test") for code in CODES}
    mandanten.add_staff(DESK, "Empfang", "frontdesk", user="test")
    mandanten.add_staff(SERVICE, "Service Desk", "servicedesk", user="test")
    return found


def reset() -> None:
    """Each hypothesis example starts from empty ledgers (same database file)."""
    for model in (MessageEvent, CreditEntry, Message, Order, AuditEntry):
        model.delete().execute()
    Setting.delete().where(Setting.key.in_(["customer_number", "legacy_migrated"])).execute()


def tables() -> tuple:
    """Everything an operation could write; a refusal must leave it unchanged."""
    return (
        tuple(CreditEntry.select(CreditEntry.id, CreditEntry.delta).order_by(CreditEntry.id).tuples()),
        tuple(Message.select(Message.id, Message.status).order_by(Message.id).tuples()),
        MessageEvent.select().count(),
        Order.select().count(),
        AuditEntry.select().count(),
        tuple(Setting.select(Setting.key, Setting.value).order_by(Setting.key).tuples()),
    )


def direct_spend(mandant, amount: int) -> None:
    """A message and its spend in one write transaction, as the outbox does it."""
    with write_transaction():
        message = Message.create(
            mandant=mandant,
            channel="sms",
            recipient="+41791234567",
            body="x",
            credits=amount,
            idempotency_key=uuid.uuid4().hex,
        )
        credits.spend(mandant, amount, message, DESK)


code = st.sampled_from(CODES)
operation = st.one_of(
    st.tuples(st.just("purchase"), code, st.integers(1, 40)),
    st.tuples(st.just("order"), code, st.just(1)),
    st.tuples(st.just("sms"), code, st.integers(1, 3)),
    st.tuples(st.just("spend"), code, st.integers(1, 60)),
    st.tuples(st.just("withdraw"), code, st.integers(0, 50)),
    st.tuples(st.just("transfer"), st.tuples(code, code), st.integers(-5, 60)),
    st.tuples(st.just("transfer_desk"), st.tuples(code, code), st.integers(1, 10)),
    st.tuples(st.just("migrate"), st.sampled_from([SERVICE, DESK]), st.integers(0, 100)),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, max_size=25))
def test_any_sequence_keeps_the_ledger_consistent(practice, operations):
    reset()
    expected = {c: 0 for c in CODES}
    made: list[tuple[int, str, int]] = []  # (message id, code, credits) of queued messages
    migrated = False
    for kind, who, amount in operations:
        before = tables()
        try:
            if kind == "purchase":
                credits.purchase(practice[who], amount, DESK)
                expected[who] += amount
            elif kind == "order":
                credits.order(practice[who], amount, SERVICE)  # the front desk may not order
                expected[who] += credits.package(amount).credits
            elif kind == "sms":
                drafts = [Draft("sms", "079 123 45 67", "Guten Tag") for _ in range(amount)]
                queued = outbox.enqueue(practice[who], drafts, DESK)  # 1 segment each: 1 credit
                expected[who] -= amount
                made += [(m.id, who, m.credits) for m in queued]
            elif kind == "spend":
                direct_spend(practice[who], amount)
                expected[who] -= amount
            elif kind == "withdraw":
                if not made:
                    continue
                message_id, owner, cost = made[amount % len(made)]  # a second withdrawal is refused
                outbox.withdraw(message_id, DESK)
                expected[owner] += cost
            elif kind in ("transfer", "transfer_desk"):
                source, target = who
                credits.transfer(
                    practice[source], practice[target], amount, SERVICE if kind == "transfer" else DESK, note="test"
                )
                expected[source] -= amount
                expected[target] += amount
            elif kind == "migrate":
                shares = credits.migrate_legacy(amount, who)
                assert not migrated
                assert who == SERVICE
                assert shares == credits.split_evenly(amount, list(CODES))
                for c, share in shares.items():
                    expected[c] += share
                migrated = True
        except Refused:
            assert tables() == before, f"refused {kind} changed something"
            event(f"refused {kind}")
        else:
            event(f"done {kind}")
        # a balance is the sum of its entries, matches the model and is never negative
        for c, mandant in practice.items():
            entries = [
                delta
                for (delta,) in CreditEntry.select(CreditEntry.delta).where(CreditEntry.mandant == mandant).tuples()
            ]
            assert credits.balance(mandant) == sum(entries) == expected[c] >= 0
        assert credits.balances() == {practice[c].id: expected[c] for c in CODES}


def test_refused_spend_of_the_last_credit_leaves_nothing(practice):
    credits.purchase(practice["HAU"], 1, DESK)
    direct_spend(practice["HAU"], 1)
    before = tables()
    with pytest.raises(Refused) as info:
        direct_spend(practice["HAU"], 1)
    assert info.value.code == "insufficient_credits"
    assert tables() == before
    assert credits.balance(practice["HAU"]) == 0


def test_a_second_withdrawal_is_refused_and_refunds_nothing(practice):
    credits.purchase(practice["HAU"], 5, DESK)
    (message,) = outbox.enqueue(practice["HAU"], [Draft("sms", "079 123 45 67", "Hallo")], DESK)
    outbox.withdraw(message.id, DESK)
    before = tables()
    with pytest.raises(Refused) as info:
        outbox.withdraw(message.id, DESK)
    assert info.value.code == "not_withdrawable"
    assert tables() == before
    assert credits.balance(practice["HAU"]) == 5


# -- the legacy split ------------------------------------------------------------


def test_hundred_over_three_is_34_33_33_in_code_order():
    assert credits.split_evenly(100, ["ROS", "HAU", "DUB"]) == {"DUB": 34, "HAU": 33, "ROS": 33}
    assert credits.split_evenly(101, ["ROS", "HAU", "DUB"]) == {"DUB": 34, "HAU": 34, "ROS": 33}
    assert credits.split_evenly(2, ["ROS", "HAU", "DUB"]) == {"DUB": 1, "HAU": 1, "ROS": 0}
    assert credits.split_evenly(0, ["HAU"]) == {"HAU": 0}


@given(
    total=st.integers(0, 10**7),
    codes=st.lists(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=4), min_size=1, max_size=8, unique=True),
)
def test_split_is_even_and_the_remainder_goes_in_code_order(total, codes):
    shares = credits.split_evenly(total, codes)
    assert sum(shares.values()) == total
    assert set(shares) == set(codes)
    ordered = [shares[c] for c in sorted(codes)]
    assert max(ordered) - min(ordered) <= 1
    assert ordered == sorted(ordered, reverse=True)  # the larger shares come first in code order


def test_migration_books_the_split_once_with_an_audit_entry(practice):
    Mandant.update(active=False).where(Mandant.code == "ROS").execute()
    shares = credits.migrate_legacy(100, SERVICE)
    assert shares == {"DUB": 50, "HAU": 50}  # only active Mandanten receive a share
    assert {c: credits.balance(m) for c, m in practice.items()} == {"HAU": 50, "DUB": 50, "ROS": 0}
    assert {e.kind for e in CreditEntry.select()} == {"migration"}
    audit = AuditEntry.get(AuditEntry.action == "migrate_legacy")
    assert audit.user == SERVICE
    assert '"total": 100' in audit.detail
    before = tables()
    with pytest.raises(Refused) as info:
        credits.migrate_legacy(7, SERVICE)
    assert info.value.code == "already_migrated"
    assert tables() == before
