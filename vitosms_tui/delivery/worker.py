"""The delivery loop: claim due messages, send them, record what happened.

One asyncio loop does the network work: SMS go to the gateway a claimed batch
at a time (``send_many``), e-mails concurrently over the SMTP pool. Database
calls run one after another on one helper thread, short and batched, so a
commit never stalls the network and no transaction is open while it is busy.
Claims stay within two batches, fewer when the SMTP server is slow,
and the leases of the messages in hand are renewed while they wait: only a
dead worker's claims run out and pass to another worker. A message past its
moment (core.expiry) is never handed over. Logs never hold message bodies.

Modes: :meth:`DeliveryWorker.run_once` (what is due now), :meth:`run_forever`
(until the stop event) and :meth:`drain` (until nothing is pending or awaiting
a report but messages scheduled later). On the stop event the messages in hand
are finished; claimed ones not yet begun are given back (sending.release_claims).
Patients' replies are stored as they come (``reply_intake``). Recipients are
masked in the logs.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

import peewee as pw

from ..core import clock, sending
from ..core.config import Settings
from ..core.db import database
from ..core.replies import set_receiving
from ..core.sending import Job
from ..core.states import Channel, Fate, WorkerMode
from . import records
from .gateways.base import PASSING, Sms, SmsGateway
from .records import Outcome, Tally, new_worker_id
from .reply_intake import ReplyIntake
from .smtp import Mail, SmtpPool

log = logging.getLogger("vitosms.delivery")
T = TypeVar("T")

AUTOMATION_EVERY_SECONDS = 60.0
REPORT_PAGE = 500
# a job whose lease has less than this left is not started: another worker may take it
LEASE_MARGIN_SECONDS = 0.5
# how long answers may wait to be recorded together with the next ones
RECORD_GATHER_SECONDS = 0.02


class DeliveryWorker:
    """Delivers due messages through an SMS gateway and an SMTP pool."""

    def __init__(
        self,
        settings: Settings,
        gateway: SmsGateway,
        mailer: SmtpPool | None = None,
        *,
        worker_id: str | None = None,
        automation_tick: Callable[[], Any] | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        self.settings = settings
        self.delivery = settings.delivery
        self.gateway = gateway
        self.mailer = mailer if mailer is not None else SmtpPool(settings.smtp)
        self.worker_id = worker_id or new_worker_id()
        self.automation_tick = automation_tick
        self.poll_seconds = poll_seconds
        self.batch = max(1, int(self.delivery.batch_size))
        self.tally = Tally()
        self._executor: ThreadPoolExecutor | None = None
        self._last_tick: float | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiting: dict[asyncio.Task[None], list[Job]] = {}  # claimed, not yet being sent
        self._outcomes: list[Outcome] = []
        self._in_flight = 0
        # the lease of each job in hand, as last renewed (see _renewer)
        self._leases: dict[int, datetime | None] = {}
        # patients' replies come in where the gateway can receive them (SMPP)
        folder = getattr(gateway, "reply_folder", None)
        self._intake = ReplyIntake(folder) if folder is not None else None
        self._new_events()

    def _new_events(self) -> None:
        # made again for every run: an asyncio.Event belongs to the loop that first awaits it
        self._wake = asyncio.Event()  # new messages were queued
        self._changed = asyncio.Event()  # an answer was recorded or a job dropped: room to claim
        self._doorbell = asyncio.Event()  # answers are waiting to be recorded

    # -- the database thread ------------------------------------------------

    async def _db(self, function: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vitosms-db")
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def _close_db(self) -> None:
        if self._executor is not None:
            await self._db(lambda: database.obj.close() if not database.obj.in_transaction() else None)
            self._executor.shutdown(wait=True)
            self._executor = None

    # -- public ---------------------------------------------------------------

    def wake(self) -> None:
        """New messages were queued: look at once instead of at the next poll.

        On the worker's event loop (another thread: ``loop.call_soon_threadsafe(worker.wake)``).
        """
        self._wake.set()
        self._changed.set()

    async def run_once(self, stop_event: asyncio.Event | None = None) -> Tally:
        """One pass over what is due now (and the delivery reports already due)."""
        return await self._run(WorkerMode.ONCE, stop_event or asyncio.Event())

    async def run_forever(self, stop_event: asyncio.Event) -> Tally:
        """Deliver until ``stop_event`` is set, then finish the messages in hand."""
        return await self._run(WorkerMode.FOREVER, stop_event)

    async def drain(self, stop_event: asyncio.Event | None = None) -> Tally:
        """Deliver until nothing is left to wait for (see CONTRACT.md ``--drain``)."""
        return await self._run(WorkerMode.DRAIN, stop_event or asyncio.Event())

    # -- the loop ---------------------------------------------------------------

    async def _run(self, mode: WorkerMode, stop: asyncio.Event) -> Tally:
        self._new_events()
        await self._db(set_receiving, self._intake is not None)  # the templates invite answers or not
        started = clock.now()
        closing = asyncio.Event()
        recorder = asyncio.create_task(self._recorder(closing))
        renewer = asyncio.create_task(self._renewer(closing))
        reporter = asyncio.create_task(self._reporter(closing)) if mode != WorkerMode.ONCE else None
        if reporter is not None and hasattr(self.gateway, "listen"):
            self.gateway.listen()  # a link that brings receipts and replies by itself (SMPP)
        try:
            while not stop.is_set():
                # clear first, then look: a change after the look rings the event again
                self._changed.clear()
                self._wake.clear()
                await self._maybe_tick()
                room = self._capacity() - self._in_flight
                if room < min(self.batch, self._capacity()):
                    await self._wait(stop, self._changed, self.poll_seconds)
                    continue
                try:
                    jobs = await self._db(
                        sending.claim,
                        self.worker_id,
                        min(self.batch, room),
                        self.delivery.lease_seconds,
                        self.delivery.max_attempts,
                    )
                except pw.OperationalError:  # e.g. locked beyond the busy timeout: try again
                    log.exception("claiming messages failed")
                    await self._wait(stop, self._wake, self.poll_seconds)
                    continue
                if jobs:
                    self._dispatch(jobs)
                    continue
                if self._in_flight:
                    # nothing due but answers pending: look again when they are all recorded
                    # (a retry without back-off may be due then), or when woken
                    while True:
                        self._changed.clear()
                        if not self._in_flight or stop.is_set() or self._wake.is_set():
                            break
                        await self._wait(stop, self._changed, self.poll_seconds)
                    continue
                if mode == WorkerMode.ONCE:
                    break
                try:
                    if mode == WorkerMode.DRAIN and await self._db(records.remaining_for_drain, started) == 0:
                        break
                    idle = await self._idle_seconds()
                except pw.OperationalError:
                    log.exception("looking for due messages failed")
                    idle = self.poll_seconds
                await self._wait(stop, self._wake, idle)
        finally:
            if stop.is_set():
                await self._give_back_waiting()
            await self._finish_in_hand()
            closing.set()
            if reporter is not None:
                await reporter
            await recorder
            await renewer
            if mode == WorkerMode.ONCE and not stop.is_set():
                await self._poll_reports()
            await self.mailer.close()
            await self.gateway.close()
            await self._close_db()
        return self.tally

    def _capacity(self) -> int:
        """How many claimed messages may be in hand: two batches, unless e-mail is slow
        (no more e-mails than the pool sends within half a lease, so none waits until
        its lease runs out and another worker takes it)."""
        capacity = 2 * self.batch
        rate = getattr(self.mailer, "mails_per_second", lambda: None)()
        if rate:
            capacity = min(capacity, max(1, int(rate * self.delivery.lease_seconds / 2)))
        return capacity

    @staticmethod
    async def _wait(stop: asyncio.Event, event: asyncio.Event, timeout: float) -> None:
        """Until ``stop`` or ``event`` is set, or the timeout passes."""
        if stop.is_set() or event.is_set():
            return
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(event.wait())]
        try:
            await asyncio.wait(waiters, timeout=max(0.0, timeout), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _idle_seconds(self) -> float:
        due = await self._db(records.next_due, self.worker_id)
        if due is None:
            return self.poll_seconds
        seconds = (due - clock.now()).total_seconds() + 0.01
        return min(self.poll_seconds, max(0.01, seconds))

    async def _maybe_tick(self) -> None:
        if self.automation_tick is None:
            return
        now = time.monotonic()
        if self._last_tick is not None and now - self._last_tick < AUTOMATION_EVERY_SECONDS:
            return
        self._last_tick = now
        try:
            if inspect.iscoroutinefunction(self.automation_tick):
                await self.automation_tick()
            else:  # core automation is synchronous database work: on the database thread
                await self._db(self.automation_tick)
        except Exception:  # automation must never stop delivery
            log.exception("automation tick failed")

    # -- sending ---------------------------------------------------------------

    def _dispatch(self, jobs: list[Job]) -> None:
        self._in_flight += len(jobs)
        self._leases.update((job.id, job.lease_until) for job in jobs)
        sms = [job for job in jobs if job.channel == Channel.SMS]
        if sms:
            self._spawn(self._send_sms(sms))  # handed over at once: in hand
        for job in jobs:
            if job.channel != Channel.SMS:
                self._waiting[self._spawn(self._send_mail(job))] = [job]

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda done: self._waiting.pop(done, None))
        return task

    async def _give_back_waiting(self) -> None:
        """Stopping: cancel the claimed mails still waiting for a connection, give them back."""
        waiting, self._waiting = self._waiting, {}
        jobs = [job for task, held in waiting.items() if task.cancel() for job in held]
        await asyncio.gather(*waiting, return_exceptions=True)
        if jobs:
            released = await self._db(sending.release_claims, self.worker_id, [job.id for job in jobs])
            if released:
                log.info("%d claimed message(s) given back on stopping", len(released))
            self._in_flight -= len(jobs)
            for job in jobs:
                self._leases.pop(job.id, None)

    def _still_held(self, job: Job) -> bool:
        if job.past_its_moment():  # looked at again right before hand-over: expired, never sent
            self._deliver_outcomes([Outcome(job, records.EXPIRED)])
            return False
        if records.lease_left(job, self._leases.get(job.id, job.lease_until)) > LEASE_MARGIN_SECONDS:
            return True
        log.warning("message %s: lease ran out before sending, left to the next claim", job.id)
        self._leases.pop(job.id, None)
        self._in_flight -= 1
        self._changed.set()
        return False

    async def _send_sms(self, jobs: list[Job]) -> None:
        jobs = [job for job in jobs if self._still_held(job)]
        if not jobs:
            return
        batch = [Sms(job.ref, job.recipient, job.sender, job.body, job.segments) for job in jobs]
        try:
            results = await self.gateway.send_many(batch)
            if len(results) != len(jobs):
                raise RuntimeError(f"gateway answered {len(results)} results for {len(jobs)} SMS")
            outcomes = [Outcome(job, r.outcome, r.provider_id, r.error) for job, r in zip(jobs, results, strict=True)]
        except Exception as error:  # the gateway itself failed: every SMS of the batch waits
            log.exception("SMS gateway %s failed", getattr(self.gateway, "name", "?"))
            outcomes = [Outcome(job, PASSING, error=f"gateway error: {type(error).__name__}") for job in jobs]
        self._deliver_outcomes(outcomes)

    async def _send_mail(self, job: Job) -> None:
        if not self._still_held(job):
            return
        try:
            task = asyncio.current_task()
            assert task is not None  # (this runs in its task)
            result = await self.mailer.send(
                Mail(job.ref, job.recipient, job.subject, job.body, job.sender),
                begun=lambda: self._waiting.pop(task, None),
            )
            outcome = Outcome(job, result.outcome, None, result.error)
        except Exception as error:  # a bug, not the server: retry rather than lose the mail
            log.exception("message %s: sending the e-mail failed", job.id)
            outcome = Outcome(job, PASSING, error=f"e-mail error: {type(error).__name__}")
        self._deliver_outcomes([outcome])

    def _deliver_outcomes(self, outcomes: list[Outcome]) -> None:
        self._outcomes.extend(outcomes)
        self._doorbell.set()

    async def _finish_in_hand(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- recording ---------------------------------------------------------------

    async def _recorder(self, closing: asyncio.Event) -> None:
        while True:
            self._doorbell.clear()
            if not self._outcomes:
                if closing.is_set():
                    return
                await self._wait(closing, self._doorbell, self.poll_seconds)
                continue
            if len(self._outcomes) < self.batch // 2 and self._in_flight > len(self._outcomes):
                # more answers are on their way: let some join this transaction
                # (a commit per e-mail cost more than the SMTP conversation)
                try:
                    await asyncio.wait_for(closing.wait(), RECORD_GATHER_SECONDS)
                except TimeoutError:
                    pass
            batch, self._outcomes = self._outcomes, []
            states = await self._record_with_retry(batch)
            for item in batch:
                self._leases.pop(item.job.id, None)
            self.tally.count(states)
            self._in_flight -= len(batch)
            self._changed.set()

    async def _record_with_retry(self, batch: list[Outcome]) -> list[Fate]:
        for attempt in range(5):
            try:
                return await self._db(records.record, self.worker_id, batch, self.delivery)
            except Exception:  # e.g. the database stayed locked: the answers must not be lost
                log.exception("recording %d results failed (try %d of 5)", len(batch), attempt + 1)
                await asyncio.sleep(0.2 * (attempt + 1))
        # the leases run out and the messages are claimed again (a gateway resend is harmless)
        return [Fate.LOST] * len(batch)

    # -- leases ----------------------------------------------------------------------

    async def _renewer(self, closing: asyncio.Event) -> None:
        """Renew the leases of the jobs in hand while they wait for a connection, the server or
        the recorder: a live worker keeps its claims (a slow SMTP server or a busy database
        would otherwise let another worker take them over and send them a second time);
        only a dead worker's leases run out."""
        interval = max(0.05, self.delivery.lease_seconds / 3)
        while not closing.is_set():
            try:
                await asyncio.wait_for(closing.wait(), timeout=interval)
            except TimeoutError:
                pass
            ids = list(self._leases)
            if not ids:
                continue
            try:
                until, renewed = await self._db(sending.renew_leases, self.worker_id, ids, self.delivery.lease_seconds)
            except Exception:  # e.g. locked: the leases still run, try again at the next turn
                log.exception("renewing %d leases failed", len(ids))
                continue
            for job_id in renewed:
                if job_id in self._leases:
                    self._leases[job_id] = until

    # -- delivery reports ------------------------------------------------------------

    def _report_interval(self) -> float:
        return min(1.0, max(0.05, self.delivery.report_delay_seconds / 2))

    async def _reporter(self, closing: asyncio.Event) -> None:
        while not closing.is_set():
            try:
                await self._poll_reports()
                if self._intake is not None:
                    await self._db(self._intake.take)
            except Exception:  # a gateway or database hiccup: look again at the next poll
                log.exception("polling delivery reports or replies failed")
            try:
                await asyncio.wait_for(closing.wait(), timeout=self._report_interval())
            except TimeoutError:
                pass

    async def _poll_reports(self) -> None:
        while True:
            ids = await self._db(records.awaiting_report_ids, REPORT_PAGE)
            if not ids:
                return
            reports = await self.gateway.reports(ids)
            if reports:
                delivered, failed = await self._db(sending.record_reports, reports)
                self.tally.delivered += delivered
                self.tally.failed += failed
            if len(ids) < REPORT_PAGE or len(reports) < len(ids):
                return  # the rest are not due yet
