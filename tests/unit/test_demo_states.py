"""The demo practice shows every state a newcomer should see once, at any hour.

``vitosms demo`` seeds an empty practice and adds (core/demo_states.py): a few
days of past messages, a failed SMS and a failed e-mail, a due recall, a
prepared and a delivered reminder, a Mandant with a low balance — all through
the functions the desk and the worker use, so the ledger holds every credit.
``vitosms seed`` stays as it was.
"""

from __future__ import annotations

import pytest

from vitosms_tui.cli.context import Context
from vitosms_tui.cli.demo import prepare_demo
from vitosms_tui.core import clock, credits, recall
from vitosms_tui.core.config import load_settings
from vitosms_tui.core.models import Appointment, CreditEntry, Mandant, Message


def demo_practice(db_path, tmp_path):
    ctx = Context(db_url=str(db_path), settings=load_settings(None), user="empfang", state_dir=tmp_path / "s")
    return prepare_demo(ctx)


# a working morning, a Friday evening, a Sunday night in the quiet hours
@pytest.mark.parametrize("now", ["2026-11-27T10:00", "2026-11-27T21:30", "2026-11-29T03:00"])
def test_every_state_is_there(db_path, tmp_path, now):
    clock.set_now(now)
    try:
        made = demo_practice(db_path, tmp_path)
        states = made["states"]
        today = clock.local(clock.now()).date()
        days = {clock.local(m.created_at).date() for m in Message.select().where(Message.purpose == "free")}
        assert len([d for d in days if d < today]) >= 3  # a few days of past messages
        failed = list(Message.select().where(Message.status == "failed"))
        assert {m.channel for m in failed} == {"sms", "email"}
        assert all(m.error for m in failed)
        # worded as the delivery layer words them, so the desk reads them in its language
        assert {m.channel: m.error_code for m in failed} == {"sms": "undelivered", "email": "mailbox_unknown"}
        delivered = Message.get(Message.appointment == states["delivered"], Message.purpose == "reminder")
        assert delivered.status == "delivered"
        prepared = Message.get(Message.appointment == states["prepared"], Message.purpose == "reminder")
        assert prepared.status == "queued"
        assert prepared.scheduled_at > clock.now()
        assert any(row.recall.id == states["recall"] and row.eligible for row in recall.due_recalls(until=today))
        low = Mandant.get(Mandant.code == states["low_balance"])
        assert credits.is_low(low)
        assert credits.balance(low) > 0
        for mandant in Mandant.select():  # every credit accounted for: purchases less what is spent
            entries = CreditEntry.select().where(CreditEntry.mandant == mandant)
            assert credits.balance(mandant) == sum(e.delta for e in entries) >= 0
        spent = sum(m.credits for m in Message.select().where(Message.status.in_(("queued", "sent", "delivered"))))
        bought = sum(e.delta for e in CreditEntry.select().where(CreditEntry.kind == "purchase"))
        assert bought - spent == sum(credits.balance(m) for m in Mandant.select())
        assert Appointment.select().count() > 0
    finally:
        clock.set_now(None)


def test_seed_alone_adds_none_of_them(db_path):
    from vitosms_tui.core.db import open_database
    from vitosms_tui.core.schema import migrate
    from vitosms_tui.core.seed import seed_practice

    clock.set_now("2026-11-27T10:00")
    try:
        database = open_database(str(db_path))
        migrate()
        seed_practice(user="seed")
        assert Message.select().count() == 0
        assert not recall.due_recalls()
        database.close()
    finally:
        clock.set_now(None)


def test_the_demo_adds_them_only_to_a_new_practice(db_path, tmp_path):
    clock.set_now("2026-11-27T10:00")
    try:
        demo_practice(db_path, tmp_path)
        count = Message.select().count()
        assert demo_practice(db_path, tmp_path) == {}  # started again: the practice as it was left
        assert Message.select().count() == count
    finally:
        clock.set_now(None)
