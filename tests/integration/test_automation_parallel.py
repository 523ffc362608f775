"""Several processes run ``vitosms automation run`` at the same moment against one SQLite
file, round after round: every reminder, greeting and skipped-message entry exists once,
each was counted by exactly one process, and credits were spent once per message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from vitosms_tui.core import agenda, clock, credits, mandanten, persons
from vitosms_tui.core.models import CreditEntry, Message

PROCESSES = 3
# the last two also catch up what the missing afternoon round left (short notice, at once)
ROUNDS = ("2026-05-04T06:00", "2026-05-04T09:00", "2026-05-05T07:00", "2026-05-05T12:00")


@pytest.fixture
def practice(db, db_path, tmp_path):
    clock.set_now("2026-05-01T10:00")
    hau = mandanten.add_mandant("HAU", "Dr. Hauser", "DrHauser", user="test")
    poor = mandanten.add_mandant("ARM", "Dr. Arm", "DrArm", user="test")
    credits.purchase(hau, 1000, "test")
    credits.purchase(poor, 5, "test")
    for m in (hau, poor):
        mandanten.update_settings(m, auto_reminders=True, auto_birthday=True)
    appointments = []
    for i in range(24):
        mandant = "HAU" if i % 4 else "ARM"
        who = persons.add_person(
            persons.PersonInput(
                first_name=f"P{i}",
                last_name="Test",
                mobile=f"079 555 10 {i:02d}",
                mandant=mandant,
                birth_date=f"19{60 + i}-05-0{4 + i % 2}",
            ),
            consents={"birthday": i % 3 == 0},
            user="test",
        )
        for hour in (8, 11, 14, 17):
            start = f"2026-05-0{5 + i % 2}T{hour:02d}:{(i * 5) % 60:02d}"
            appointments.append(agenda.add_appointment(mandant, who, start, 15, user="desk").appointment)
    return db_path, tmp_path / "state", appointments


def run_round(db_path, state_dir, now: str) -> list[dict]:
    env = dict(os.environ, VITOSMS_DB=str(db_path), VITOSMS_STATE_DIR=str(state_dir))
    env.pop("VITOSMS_NOW", None)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "vitosms_tui.cli.main", "--now", now, "--json", "automation", "run"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "Traceback" not in err
        reports.append(json.loads(out))
    return reports


def test_parallel_workers_create_nothing_twice(practice):
    db_path, state_dir, appointments = practice
    totals = Counter()
    for now in ROUNDS:
        for report in run_round(db_path, state_dir, now):
            totals.update(report)
    messages = list(Message.select())
    keys = [m.auto_key for m in messages]
    assert None not in keys
    assert len(keys) == len(set(keys))
    real = [m for m in messages if not m.auto_key.startswith("skipped:")]
    skipped = [m for m in messages if m.auto_key.startswith("skipped:")]
    per_appointment = Counter(m.appointment_id for m in real if m.purpose == "reminder")
    assert set(per_appointment.values()) == {1}
    skipped_reminders = {m.appointment_id for m in skipped if m.purpose == "reminder"}
    assert len(per_appointment) + len(skipped_reminders) == len(appointments)
    greeted = Counter(m.person_id for m in messages if m.purpose == "birthday")
    assert greeted
    assert set(greeted.values()) == {1}
    # each message was counted by the one process that made it
    assert totals["reminders"] + totals["birthdays"] == len(real)
    assert totals["birthdays"] == sum(1 for m in real if m.purpose == "birthday")
    assert totals["skipped"] == len(skipped) > 0
    # the poor Mandant paid what it could, once per message, never below zero
    arm = mandanten.get_mandant("ARM")
    left = credits.balance(arm)
    assert 0 <= left < min(m.credits for m in real)
    assert sum(m.credits for m in real if m.mandant_id == arm.id) == 5 - left
    spends = CreditEntry.select().where(CreditEntry.kind == "spend")
    assert sorted(e.message_id for e in spends) == sorted(m.id for m in real)
