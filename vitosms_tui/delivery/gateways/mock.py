"""The default SMS gateway: a simulated provider whose "handset" is a file.

Every SMS it accepts is appended once to ``STATE/sms-handset.jsonl`` as
``{"client_ref", "provider_id", "to", "sender", "text", "segments", "at"}``.
A second submission with the same ``client_ref`` gets the first
``provider_id`` back and writes nothing, also when several worker processes
share the state folder: a batch is checked and written under an exclusive
``flock`` on ``sms-gateway.lock``, after reading whatever the other processes
appended since this process last looked (only the new bytes are read).

Test numbers (CONTRACT.md):

* ``+41799990100`` is rejected at once, permanently;
* ``+41799990101`` answers two passing faults per ``client_ref`` (counted in
  ``sms-gateway-faults.jsonl``, so across processes and restarts), then accepts;
* ``+41799990102`` is accepted, but its delivery report says undelivered;
* every other number is accepted and delivered.

Delivery reports are not stored anywhere: a report is due
``report_delay_seconds`` after the acceptance time written in the handset
log, so reports survive a killed worker and come to whichever worker asks.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import logging
import os
import secrets
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from ...core import clock
from ...core.phone import mask_number
from ...core.sending import DeliveryReport
from ..jsonl import Tail, append_lines
from .base import ACCEPTED, PASSING, PERMANENT, Sms, SubmitResult

log = logging.getLogger("vitosms.delivery.mock")

HANDSET_FILE = "sms-handset.jsonl"
FAULTS_FILE = "sms-gateway-faults.jsonl"
LOCK_FILE = "sms-gateway.lock"

REJECTED_NUMBER = "+41799990100"
FLAKY_NUMBER = "+41799990101"
UNDELIVERED_NUMBER = "+41799990102"
FLAKY_FAULTS = 2


class MockGateway:
    """The simulated provider (see the module text); safe across processes."""

    name = "mock"

    def __init__(self, state_dir: Path | str, report_delay_seconds: float = 1.0):
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.handset_path = self.state_dir / HANDSET_FILE
        self.faults_path = self.state_dir / FAULTS_FILE
        self.lock_path = self.state_dir / LOCK_FILE
        self.report_delay = timedelta(seconds=report_delay_seconds)
        self._handset = Tail(self.handset_path)
        self._faults_tail = Tail(self.faults_path)
        self._by_ref: dict[str, str] = {}  # client_ref -> provider_id
        self._by_id: dict[str, tuple[datetime, bool]] = {}  # provider_id -> (accepted at, undelivered)
        self._faults: dict[str, int] = {}  # client_ref -> passing faults given
        self._lock_fd: int | None = None
        # a random prefix per instance and a counter: unique across processes, and
        # cheaper than asking the system for randomness once per SMS
        self._id_prefix = "mock-" + secrets.token_hex(6) + "-"
        self._id_counter = itertools.count(1)

    def _new_provider_id(self) -> str:
        return f"{self._id_prefix}{next(self._id_counter):x}"

    # -- the shared files -------------------------------------------------

    def _refresh(self) -> None:
        for record in self._handset.new_lines():
            try:
                ref, pid = record["client_ref"], record["provider_id"]
                at = datetime.fromisoformat(record["at"])
            except (KeyError, TypeError, ValueError):
                log.warning("skipping an incomplete line in %s", HANDSET_FILE)
                continue
            self._by_ref.setdefault(ref, pid)
            self._by_id[pid] = (at, record.get("to") == UNDELIVERED_NUMBER)

    def _refresh_faults(self) -> None:
        for record in self._faults_tail.new_lines():
            ref = record.get("client_ref")
            if ref:
                self._faults[ref] = self._faults.get(ref, 0) + 1

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if self._lock_fd is None:
            self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    # -- the gateway protocol ---------------------------------------------

    def submit(self, batch: Sequence[Sms], provider_ids: dict[str, str] | None = None) -> list[SubmitResult]:
        """Accept, refuse or put off each SMS; the files are written once per batch.

        ``provider_ids`` (by ``client_ref``) are the ids to give on acceptance: the SMSC
        simulator has answered each part of a long SMS with an id of its own already.
        """
        results: list[SubmitResult] = []
        accepted_lines: list[str] = []
        fault_lines: list[str] = []
        with self._locked():
            self._refresh()
            self._refresh_faults()
            now = clock.now()
            at_text = clock.iso(now)
            for sms in batch:
                known = self._by_ref.get(sms.client_ref)
                if known is not None:  # a repeated submission: same answer, nothing sent
                    results.append(SubmitResult(sms.client_ref, ACCEPTED, known))
                    continue
                if not sms.to.startswith("+") or not sms.to[1:].isdigit():
                    results.append(SubmitResult(sms.client_ref, PERMANENT, error="invalid destination number"))
                    continue
                if sms.to == REJECTED_NUMBER:
                    results.append(SubmitResult(sms.client_ref, PERMANENT, error="number rejected by the gateway"))
                    continue
                if sms.to == FLAKY_NUMBER:
                    given = self._faults.get(sms.client_ref, 0)
                    if given < FLAKY_FAULTS:
                        self._faults[sms.client_ref] = given + 1
                        fault_lines.append(json.dumps({"client_ref": sms.client_ref, "at": at_text}) + "\n")
                        results.append(
                            SubmitResult(
                                sms.client_ref,
                                PASSING,
                                error=f"gateway busy, try again later ({given + 1} of {FLAKY_FAULTS})",
                            )
                        )
                        continue
                provider_id = (provider_ids or {}).get(sms.client_ref) or self._new_provider_id()
                self._by_ref[sms.client_ref] = provider_id
                self._by_id[provider_id] = (now, sms.to == UNDELIVERED_NUMBER)
                accepted_lines.append(
                    json.dumps(
                        {
                            "client_ref": sms.client_ref,
                            "provider_id": provider_id,
                            "to": sms.to,
                            "sender": sms.sender,
                            "text": sms.text,
                            "segments": sms.segments,
                            "at": at_text,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                results.append(SubmitResult(sms.client_ref, ACCEPTED, provider_id))
            if fault_lines:
                append_lines(self.faults_path, fault_lines)
            if accepted_lines:
                append_lines(self.handset_path, accepted_lines)
                # our own lines are already in the index: skip them when reading
                # (nobody else can have written in between: we hold the lock)
                self._handset.offset = os.stat(self.handset_path).st_size
            if fault_lines:
                self._faults_tail.offset = os.stat(self.faults_path).st_size
        for sms, result in zip(batch, results, strict=True):
            if not result.accepted:
                log.info("mock gateway: %s for %s: %s", result.outcome, mask_number(sms.to), result.error)
        return results

    def provider_id_of(self, client_ref: str) -> str | None:
        """The provider id the SMS with this key was accepted under; None if never."""
        with self._locked():
            self._refresh()
        return self._by_ref.get(client_ref)

    async def send_many(self, batch: Sequence[Sms]) -> list[SubmitResult]:
        return self.submit(batch)

    def status(self, provider_ids: Sequence[str]) -> list[DeliveryReport]:
        """Reports that are due now; an id the handset log never saw is reported undelivered."""
        self._refresh()
        now = clock.now()
        reports = []
        for pid in provider_ids:
            entry = self._by_id.get(pid)
            if entry is None:
                # a real provider answers "unknown message id" too; here it usually means
                # the worker runs with another state folder than the one that accepted it
                log.warning("provider id %s is not in %s: reported undelivered", pid, self.handset_path)
                reports.append(DeliveryReport(pid, False, now, "unknown to the gateway"))
                continue
            accepted_at, undelivered = entry
            due = accepted_at + self.report_delay
            if due > now:
                continue
            if undelivered:
                reports.append(DeliveryReport(pid, False, due, "undelivered: handset not reachable"))
            else:
                reports.append(DeliveryReport(pid, True, due))
        return reports

    async def reports(self, provider_ids: Sequence[str]) -> list[DeliveryReport]:
        return self.status(provider_ids)

    def next_report_due(self, provider_ids: Sequence[str]) -> datetime | None:
        """When the earliest of these reports comes (to sleep exactly that long)."""
        times = [self._by_id[p][0] + self.report_delay for p in provider_ids if p in self._by_id]
        return min(times) if times else None

    async def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
