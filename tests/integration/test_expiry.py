"""Messages keep to their moment: expired at the claim and right before hand-over, refunded once,
held through the quiet hours, never handed over late (SQLite and PostgreSQL, real worker)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from vitosms_tui.core import agenda, clock, credits, journal, outbox, recall, sending
from vitosms_tui.core.config import Settings
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.errors import Refused
from vitosms_tui.core.models import CreditEntry, Message
from vitosms_tui.core.persons import PersonInput, add_person
from vitosms_tui.delivery import records
from vitosms_tui.delivery.gateways.mock import HANDSET_FILE, MockGateway
from vitosms_tui.delivery.worker import DeliveryWorker


def zh(text):
    return clock.parse_instant(text)


def worker(tmp_path, worker_id=None) -> DeliveryWorker:
    s = Settings()
    s.delivery.report_delay_seconds = 0
    s.delivery.lease_seconds = 30
    return DeliveryWorker(s, MockGateway(tmp_path / "state", 0), poll_seconds=0.05, worker_id=worker_id)


def handset(tmp_path) -> list[dict]:
    path = tmp_path / "state" / HANDSET_FILE
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def kinds(message) -> list[str]:
    return [e.kind for e in journal.timeline(message.id)]


def refunds(message) -> list[int]:
    return [
        e.delta
        for e in CreditEntry.select().where((CreditEntry.message == message.id) & (CreditEntry.kind == "refund"))
    ]


@pytest.fixture
def anna(mandant):
    clock.set_now("2026-12-03T09:00")
    return add_person(
        PersonInput(
            first_name="Anna", last_name="Muster", mobile="079 123 45 67", birth_date="1980-12-03", mandant="HAU"
        ),
        consents={"birthday": True},
    )


def book(mandant, person, start):
    return agenda.add_appointment(mandant, person, start, 15, user="desk").appointment


async def test_a_reminder_found_after_its_appointment_began_expires_and_is_refunded(mandant, anna, tmp_path):
    appt = book(mandant, anna, "2026-12-04T11:00")
    [reminder] = [agenda.remind(appt, "desk").message]
    assert reminder.expires_at == zh("2026-12-04T11:00")
    before = credits.balance(mandant)
    clock.set_now("2026-12-04T12:00")  # the worker was down from Thursday till Friday noon
    await worker(tmp_path).run_once()
    reminder = Message.get_by_id(reminder.id)
    assert reminder.status == "expired"
    assert "appointment began at 04.12.2026 11:00" in reminder.error
    assert kinds(reminder)[-2:] == ["expired", "refunded"]
    assert refunds(reminder) == [reminder.credits]
    assert credits.balance(mandant) == before + reminder.credits
    assert handset(tmp_path) == []
    # another worker, another pass: nothing more happens to it
    await worker(tmp_path).run_once()
    assert refunds(reminder) == [reminder.credits]
    assert kinds(reminder).count("expired") == 1


async def test_a_reminder_in_the_last_hour_still_goes_out(mandant, anna, tmp_path):
    appt = book(mandant, anna, "2026-12-04T11:00")
    reminder = agenda.remind(appt, "desk").message
    clock.set_now("2026-12-04T10:15")
    await worker(tmp_path).run_once()
    assert Message.get_by_id(reminder.id).status in ("sent", "delivered")
    assert len(handset(tmp_path)) == 1


async def test_a_birthday_greeting_expires_at_the_end_of_its_day(mandant, anna, tmp_path):
    [greeting] = outbox.enqueue(
        mandant,
        [Draft("sms", anna.mobile, "Alles Gute!", person=anna, purpose="birthday")],
        "automation",
        scheduled_at=zh("2026-12-03T09:00"),
    )
    assert greeting.expires_at == zh("2026-12-04T00:00")
    clock.set_now("2026-12-04T09:00")
    await worker(tmp_path).run_once()
    greeting = Message.get_by_id(greeting.id)
    assert greeting.status == "expired"
    assert "birthday" in greeting.error
    assert refunds(greeting) == [1]
    assert handset(tmp_path) == []


async def test_a_recall_notice_expires_when_its_recall_is_cancelled(mandant, anna, tmp_path):
    row = recall.add_recall(anna, "HAU", "Kontrolle", due="2026-12-20", user="desk")
    notice = recall.notify_recalls([row.id], "desk")
    [message] = Message.select().where(Message.recall == row.id)
    # the notice waits (e.g. a passing fault), and meanwhile the patient phoned and the recall ended
    Message.update(next_attempt_at=zh("2026-12-03T10:00")).where(Message.id == message.id).execute()
    recall.cancel_recall(row.id, "desk")
    clock.set_now("2026-12-03T10:00")
    await worker(tmp_path).run_once()
    message = Message.get_by_id(message.id)
    assert notice
    assert message.status == "expired"
    assert "recall is cancelled" in message.error
    assert refunds(message) == [message.credits]
    assert handset(tmp_path) == []


async def test_checked_again_right_before_hand_over(mandant, anna, tmp_path):
    appt = book(mandant, anna, "2026-12-04T11:00")
    reminder = agenda.remind(appt, "desk").message
    clock.set_now("2026-12-04T10:59:59")
    [job] = sending.claim("slow-worker", 10, 30)
    assert not job.past_its_moment()
    clock.set_now("2026-12-04T11:00:01")  # the claimed batch waited: the moment passed meanwhile
    late = worker(tmp_path, worker_id="slow-worker")
    assert late._still_held(job) is False  # not handed over; its outcome is "expired"
    states = records.record("slow-worker", late._outcomes, late.delivery)
    assert states == ["expired"]
    reminder = Message.get_by_id(reminder.id)
    assert reminder.status == "expired"
    assert refunds(reminder) == [reminder.credits]
    assert handset(tmp_path) == []


async def test_a_lapsed_lease_after_the_moment_expires_once_and_the_late_worker_records_nothing(
    mandant, anna, tmp_path
):
    appt = book(mandant, anna, "2026-12-04T11:00")
    reminder = agenda.remind(appt, "desk").message
    clock.set_now("2026-12-04T10:58")
    [job] = sending.claim("dying-worker", 10, 30)  # ...and the worker dies
    clock.set_now("2026-12-04T11:05")
    await worker(tmp_path).run_once()  # takes over the lapsed lease: past the moment
    reminder = Message.get_by_id(reminder.id)
    assert reminder.status == "expired"
    # the first worker wakes up and reports the gateway's acceptance: too late, nothing changes
    from vitosms_tui.delivery.gateways.base import ACCEPTED

    assert records.record("dying-worker", [records.Outcome(job, ACCEPTED, "p-1")], Settings().delivery) == ["lost"]
    assert Message.get_by_id(reminder.id).status == "expired"
    assert refunds(reminder) == [reminder.credits]


async def test_quiet_hours_hold_a_reminder_till_morning_or_it_expires(mandant, anna, tmp_path):
    early = book(mandant, anna, "2026-12-05T07:30")  # before the quiet hours end
    later = book(mandant, anna, "2026-12-05T10:00")
    held_back = agenda.remind(early, "desk").message  # planned for 04.12. 19:59
    waits = agenda.remind(later, "desk").message  # planned for 04.12. 10:00
    clock.set_now("2026-12-05T03:00")  # the worker comes back in the night
    await worker(tmp_path).run_once()
    held_back, waits = Message.get_by_id(held_back.id), Message.get_by_id(waits.id)
    assert held_back.status == "expired"
    assert "quiet hours" in held_back.error
    assert waits.status == "queued"
    assert waits.next_attempt_at == zh("2026-12-05T08:00")
    assert "held" in kinds(waits)
    assert handset(tmp_path) == []
    clock.set_now("2026-12-05T08:00")
    await worker(tmp_path).run_once()
    assert Message.get_by_id(waits.id).status in ("sent", "delivered")
    assert [line["client_ref"] for line in handset(tmp_path)] == [waits.idempotency_key]


def test_a_resend_after_the_appointment_began_is_refused(mandant, anna):
    appt = book(mandant, anna, "2026-12-04T11:00")
    reminder = agenda.remind(appt, "desk").message
    outbox.withdraw(reminder.id, "desk")
    clock.set_now("2026-12-04T11:30")
    before = Message.select().count()
    with pytest.raises(Refused) as refused:
        outbox.resend(reminder.id, "desk")
    assert refused.value.code == "expired"
    assert "appointment began" in str(refused.value)
    assert Message.select().count() == before


def test_two_workers_racing_expire_each_message_once(mandant, anna, db_path, tmp_path):
    """Two worker processes at once over messages past their moment: one refund each."""
    appts = [book(mandant, anna, f"2026-12-04T{h:02d}:00") for h in range(10, 16)]
    messages = [agenda.remind(a, "desk").message for a in appts]
    env = dict(os.environ, VITOSMS_DB=str(db_path), VITOSMS_STATE_DIR=str(tmp_path / "state"))
    env.pop("VITOSMS_CONFIG", None)
    argv = [sys.executable, "-m", "vitosms_tui.cli.main", "--now", "2026-12-05T09:00", "--json", "worker", "--once"]
    runs = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    for message in messages:
        message = Message.get_by_id(message.id)
        assert message.status == "expired"
        assert refunds(message) == [message.credits]
        assert kinds(message).count("expired") == 1
    assert credits.balance(mandant) == 100
    assert handset(tmp_path) == []


def test_the_json_and_the_status_filter_know_expired(mandant, anna):
    appt = book(mandant, anna, "2026-12-04T11:00")
    reminder = agenda.remind(appt, "desk").message
    clock.set_now("2026-12-04T11:00")
    sending.claim("w", 10, 30)
    [row] = journal.list_messages(status="expired")
    data = journal.message_json(row)
    assert data["status"] == "expired"
    assert data["expires_at"] == "2026-12-04T11:00:00+01:00"
    assert timedelta(0) == zh(data["expires_at"]) - reminder.expires_at


def test_a_database_of_version_2_gets_the_moments_of_its_pending_messages(mandant, anna, db_path):
    from vitosms_tui.core.db import database, open_database
    from vitosms_tui.core.schema import SCHEMA_VERSION, migrate, schema_version

    appt = book(mandant, anna, "2026-12-04T11:00")
    reminder = agenda.remind(appt, "desk").message
    [greeting] = outbox.enqueue(
        mandant, [Draft("sms", anna.mobile, "Alles Gute!", person=anna, purpose="birthday")], "automation"
    )
    db = database.obj
    for table, column in (
        ("message", "expires_at"),
        ("message", "attention_done_by"),
        ("message", "attention_done_at"),
        ("appointment", "no_reminder"),
    ):
        db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    db.execute_sql("UPDATE setting SET value = '2' WHERE key = 'schema_version'")
    getattr(db, "close_all", db.close)()  # a pool's connections knew the old columns
    open_database(str(db_path))
    assert schema_version() == 2
    result = migrate()
    assert result["from_version"] == 2
    assert result["schema_version"] == SCHEMA_VERSION == 5
    assert {"message.expires_at", "appointment.no_reminder"} <= set(result["added_columns"])
    assert Message.get_by_id(reminder.id).expires_at == zh("2026-12-04T11:00")
    assert Message.get_by_id(greeting.id).expires_at == zh("2026-12-04T00:00")
    assert Appointment_no_reminder(appt) is False
    assert migrate()["added_columns"] == []


def Appointment_no_reminder(appt) -> bool:
    from vitosms_tui.core.models import Appointment

    return Appointment.get_by_id(appt.id).no_reminder
