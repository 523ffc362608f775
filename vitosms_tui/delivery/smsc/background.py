"""The SMSC simulator on a thread of its own, as ``vitosms demo`` runs it beside the TUI."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from .server import Smsc

START_TIMEOUT = 10.0


class SmscThread:
    """Starts the simulator on a loopback port of its own; :meth:`stop` closes it."""

    def __init__(
        self,
        state_dir: Path,
        *,
        system_id: str,
        password: str,
        report_delay_seconds: float = 1.0,
        gsm7_packed: bool = False,
    ):
        self.smsc = Smsc(
            state_dir,
            system_id=system_id,
            password=password,
            report_delay_seconds=report_delay_seconds,
            gsm7_packed=gsm7_packed,
        )
        self.loop = asyncio.new_event_loop()
        self.port: int | None = None
        self._listening = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="vitosms-smsc", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        try:
            self.port = await self.smsc.start("127.0.0.1", 0)
        except OSError as error:
            self._error = error
            self._listening.set()
            return
        self._listening.set()
        try:
            await self._stop.wait()
        finally:
            await self.smsc.close()

    def start(self) -> int:
        """The port it listens on, once it does."""
        self.thread.start()
        if not self._listening.wait(START_TIMEOUT) or self.port is None:
            raise RuntimeError(f"the SMSC simulator did not start: {self._error}")
        return self.port

    def stop(self, timeout: float = 10.0) -> None:
        if self._stop is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(timeout)
