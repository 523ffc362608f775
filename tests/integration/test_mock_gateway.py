"""The mock SMS gateway of CONTRACT.md: handset log, idempotent client_ref, test numbers, reports.

Several processes share one state folder here, as several workers would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import timedelta

from vitosms_tui.core import clock
from vitosms_tui.delivery.gateways.base import ACCEPTED, PASSING, PERMANENT, Sms
from vitosms_tui.delivery.gateways.mock import (
    FAULTS_FILE,
    FLAKY_NUMBER,
    HANDSET_FILE,
    REJECTED_NUMBER,
    UNDELIVERED_NUMBER,
    MockGateway,
)


def handset(state):
    path = state / HANDSET_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_accepted_sms_is_written_once_with_the_contract_fields(tmp_path):
    gateway = MockGateway(tmp_path, report_delay_seconds=0)
    sms = Sms("ref-1", "+41791234567", "DrHauser", "Grüezi Frau Muster", 1)
    first = gateway.submit([sms])[0]
    again = gateway.submit([sms])[0]
    assert first.outcome == ACCEPTED
    assert first.provider_id
    assert again.outcome == ACCEPTED
    assert again.provider_id == first.provider_id
    lines = handset(tmp_path)
    assert len(lines) == 1
    assert set(lines[0]) == {"client_ref", "provider_id", "to", "sender", "text", "segments", "at"}
    assert lines[0]["text"] == "Grüezi Frau Muster"
    assert lines[0]["client_ref"] == "ref-1"
    assert (tmp_path / HANDSET_FILE).stat().st_mode & 0o077 == 0


def test_a_second_gateway_instance_sees_the_first_ones_submissions(tmp_path):
    one, two = MockGateway(tmp_path), MockGateway(tmp_path)
    pid = one.submit([Sms("ref-x", "+41791234567", "S", "a")])[0].provider_id
    assert two.submit([Sms("ref-x", "+41791234567", "S", "a")])[0].provider_id == pid
    assert len(handset(tmp_path)) == 1


def test_test_numbers(tmp_path):
    gateway = MockGateway(tmp_path, report_delay_seconds=0)
    rejected = gateway.submit([Sms("r0", REJECTED_NUMBER, "S", "x")])[0]
    assert rejected.outcome == PERMANENT
    assert rejected.error
    # the flaky number: two passing faults per client_ref, counted across instances
    assert gateway.submit([Sms("r1", FLAKY_NUMBER, "S", "x")])[0].outcome == PASSING
    assert MockGateway(tmp_path).submit([Sms("r1", FLAKY_NUMBER, "S", "x")])[0].outcome == PASSING
    accepted = MockGateway(tmp_path).submit([Sms("r1", FLAKY_NUMBER, "S", "x")])[0]
    assert accepted.outcome == ACCEPTED
    assert gateway.submit([Sms("r1b", FLAKY_NUMBER, "S", "x")])[0].outcome == PASSING  # its own count
    undelivered = gateway.submit([Sms("r2", UNDELIVERED_NUMBER, "S", "x")])[0]
    normal = gateway.submit([Sms("r3", "+41791234567", "S", "x")])[0]
    reports = {
        r.provider_id: r for r in gateway.status([undelivered.provider_id, normal.provider_id, accepted.provider_id])
    }
    assert reports[undelivered.provider_id].delivered is False
    assert reports[normal.provider_id].delivered is True
    assert reports[accepted.provider_id].delivered is True
    assert [line["client_ref"] for line in handset(tmp_path)] == ["r1", "r2", "r3"]


def test_reports_come_after_the_delay_and_survive_a_new_instance(tmp_path):
    clock.set_now("2030-03-04T10:00:00+01:00")
    gateway = MockGateway(tmp_path, report_delay_seconds=30)
    pid = gateway.submit([Sms("r", "+41791234567", "S", "x")])[0].provider_id
    assert gateway.status([pid]) == []
    clock.set_now(clock.now() + timedelta(seconds=31))
    # a fresh process knows nothing but the handset log, and still reports
    report = MockGateway(tmp_path, report_delay_seconds=30).status([pid])[0]
    assert report.delivered
    assert report.provider_id == pid
    unknown = gateway.status(["mock-never-seen"])[0]
    assert unknown.delivered is False
    assert "unknown" in unknown.error


_SUBMITTER = textwrap.dedent("""
    import json, sys
    from vitosms_tui.delivery.gateways.base import Sms
    from vitosms_tui.delivery.gateways.mock import MockGateway
    state, order = sys.argv[1], sys.argv[2]
    refs = [f"ref-{i}" for i in range(300)]
    if order == "backwards":
        refs.reverse()
    answers = {}
    for _ in range(3):  # the flaky number needs three rounds
        for start in range(0, len(refs), 7):
            gateway = MockGateway(state, 0)  # a new instance now and then, as after a restart
            batch = [Sms(r, "+41799990101" if r.endswith("5") else "+41791234567", "S", "t")
                     for r in refs[start:start + 7]]
            for sms, result in zip(batch, gateway.submit(batch)):
                if result.provider_id:
                    answers[sms.client_ref] = result.provider_id
    print(json.dumps(answers))
""")


def test_two_processes_submitting_the_same_refs_get_one_handset_line_each(tmp_path):
    runs = [
        subprocess.Popen([sys.executable, "-c", _SUBMITTER, str(tmp_path), order], stdout=subprocess.PIPE, text=True)
        for order in ("forwards", "backwards")
    ]
    answers = []
    for run in runs:
        out, _ = run.communicate(timeout=60)
        assert run.returncode == 0
        answers.append(json.loads(out))
    assert len(answers[0]) == len(answers[1]) == 300
    assert answers[0] == answers[1]  # same provider_id for every client_ref in both processes
    lines = handset(tmp_path)
    refs = [line["client_ref"] for line in lines]
    assert len(refs) == len(set(refs)) == 300
    assert {line["provider_id"] for line in lines} == set(answers[0].values())
    faults = [json.loads(line)["client_ref"] for line in (tmp_path / FAULTS_FILE).read_text().splitlines()]
    flaky = [r for r in refs if r.endswith("5")]
    assert sorted(faults) == sorted(flaky * 2)  # exactly two passing faults each, over both processes
