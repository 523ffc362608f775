"""``vitosms demo``: a demo practice with an SMTP sink, the SMSC simulator and a worker.

The database defaults to ``.demo/practice.db`` (unless ``--db`` or
``VITOSMS_DB`` names one) and is seeded when empty. The sink and the delivery
worker run in threads of their own beside the TUI, outside any screen, so a
message sent in Compose turns ``delivered`` in the Journal within seconds.
Unless the config names an SMPP provider, every SMS goes over SMPP to the
simulator (``vitosms smsc``) on a loopback port, with a password made up for
this run, as it would to a provider.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from pathlib import Path

from ..core.errors import UsageError

DEMO_DB = Path(".demo") / "practice.db"


class BackgroundWorker:
    """The delivery worker on its own thread and event loop, stopped on exit."""

    def __init__(self, settings, state_dir: Path):
        self.settings = settings
        self.state_dir = state_dir
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, name="vitosms-delivery", daemon=True)

    def _run(self) -> None:
        from ..core.automation import run_tick
        from ..delivery.service import make_worker

        asyncio.set_event_loop(self.loop)
        self.stop_event = asyncio.Event()
        worker = make_worker(self.settings, self.state_dir, automation_tick=run_tick)
        try:
            self.loop.run_until_complete(worker.run_forever(self.stop_event))
        except Exception:  # the desk keeps working; the log says what happened
            logging.getLogger("vitosms.demo").exception("delivery worker stopped")

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        if self.stop_event is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(timeout)


def _log_to_file(state_dir: Path) -> None:
    # stderr belongs to the TUI; worker logs (without bodies) go to a private file
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = state_dir / "worker.log"
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    os.close(fd)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def prepare_demo(ctx) -> dict:
    """Open (and if empty, seed) the demo practice, with every state a newcomer should see once."""
    from ..core.demo_states import add_demo_states
    from ..core.models import Mandant
    from ..core.seed import seed_practice

    ctx.open(create=True)
    if not Mandant.select().exists():
        from ..core.demo_replies import add_demo_replies

        made = seed_practice(user=ctx.user)
        made["states"] = add_demo_states(ctx.user)
        made["replies"] = add_demo_replies()  # a few patients' answers of each kind
        return made
    return {}


def start_simulator(ctx):
    """The SMSC simulator when no gateway is configured; the worker then binds to it."""
    import secrets

    from ..core.sms_settings import SmsSettings
    from ..delivery.smsc.background import SmscThread

    if ctx.settings.sms.gateway != "mock":  # a provider is configured: the demo uses it
        return None
    login = SmsSettings(gateway="smpp", host="127.0.0.1", system_id="vitosms", password=secrets.token_hex(4))
    smsc = SmscThread(
        ctx.state_dir,
        system_id=login.system_id,
        password=login.password,
        report_delay_seconds=ctx.settings.delivery.report_delay_seconds,
    )
    login.port = smsc.start()
    ctx.settings.sms, ctx.settings.gateway = login, "smpp"
    return smsc


def cmd_demo(ctx, args) -> int:
    from ..delivery.sink import start_sink
    from .ui_command import run_ui

    if not args.db and not os.environ.get("VITOSMS_DB"):
        ctx.db_url = str(DEMO_DB)
        if not args.state_dir and not os.environ.get("VITOSMS_STATE_DIR"):
            ctx.state_dir = DEMO_DB.parent / "state"
    import sys

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("usage.demo_needs_terminal")
    prepare_demo(ctx)
    _log_to_file(ctx.state_dir)
    if not ctx.settings.smtp.host:
        controller, port = start_sink(ctx.state_dir / "mailbox")
        ctx.settings.smtp.host, ctx.settings.smtp.port = "127.0.0.1", port
    else:
        controller = None
    smsc = start_simulator(ctx)
    worker = BackgroundWorker(ctx.settings, ctx.state_dir)
    worker.start()
    try:
        return run_ui(ctx, args)
    finally:
        worker.stop()
        if smsc is not None:
            smsc.stop()
        if controller is not None:
            controller.stop()


def register(sub, common) -> None:
    p = sub.add_parser(
        "demo", parents=[common], help="demo practice + SMTP sink + SMSC simulator + worker, then the interface"
    )
    p.set_defaults(handler=cmd_demo)
