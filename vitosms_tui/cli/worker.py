"""``vitosms worker [--once | --drain]``: deliver due messages (CONTRACT.md).

Without a flag the worker runs until SIGTERM or SIGINT, then finishes the
messages in hand and exits 0. ``--once`` makes one pass over what is due now;
``--drain`` works until nothing is queued, sending or awaiting its delivery
report (messages scheduled after the start of the drain stay queued).

E-mail goes to the ``[smtp]`` server (or ``VITOSMS_SMTP_HOST``). With none
configured, e-mails are passing faults ("no SMTP server configured"): they
wait with back-off and fail (refunded) when their attempts run out.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from ..core.errors import UsageError
from ..core.states import WorkerMode


def _configure_logging() -> None:
    level = os.environ.get("VITOSMS_LOG_LEVEL", "WARNING").upper()
    if not isinstance(logging.getLevelName(level), int):
        raise UsageError("usage.vitosms_log_level", level=level)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    else:
        root.setLevel(level)
    # peewee echoes every statement with its parameters at DEBUG: message texts, numbers
    # and addresses, which our logs never hold
    logging.getLogger("peewee").setLevel(max(logging.INFO, root.level))
    # the CalDAV client logs whole requests and answers at DEBUG: patients' names in calendar data
    for name in ("caldav", "niquests", "urllib3", "urllib3_future"):
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))


async def _run(worker, mode: WorkerMode):
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread
            pass
    if mode == WorkerMode.ONCE:
        return await worker.run_once(stop)
    if mode == WorkerMode.DRAIN:
        return await worker.drain(stop)
    return await worker.run_forever(stop)


def cmd_worker(ctx, args) -> int:
    from ..core.automation import run_tick
    from ..core.paths import writable_folder
    from ..delivery.service import make_worker

    _configure_logging()
    ctx.open()  # first: a database path that does not exist creates nothing, not even the state folder
    writable_folder(ctx.state_dir, "the state folder")  # the handset log and the gateway's state go there
    if not ctx.settings.smtp.host:
        logging.getLogger("vitosms.delivery").warning(
            "no SMTP server configured: e-mails wait as passing faults until one is"
        )
    mode = WorkerMode.ONCE if args.once else WorkerMode.DRAIN if args.drain else WorkerMode.FOREVER
    from ..delivery.caldav_sync import CalendarTicker

    calendars = CalendarTicker(ctx.settings)

    def tick():
        run_tick()
        calendars()  # starts the due calendar syncs on a thread of their own

    # automatic reminders and birthday greetings, about once a minute
    worker = make_worker(ctx.settings, ctx.state_dir, automation_tick=tick)
    tally = asyncio.run(_run(worker, mode))
    calendars.wait(ctx.settings.caldav.timeout + 30)  # a sync begun is finished, not cut off
    ctx.emit(
        tally.as_dict(),
        lambda t: f"sent {t['sent']}, delivered {t['delivered']}, failed {t['failed']}, retried {t['retried']}",
    )
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("worker", parents=[common], help="deliver due messages")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one pass over what is due now")
    mode.add_argument("--drain", action="store_true", help="work until nothing is queued, sending or awaiting a report")
    p.set_defaults(handler=cmd_worker)
