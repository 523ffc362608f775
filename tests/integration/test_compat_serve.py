"""The one patch of vitosms_tui/ui/compat.py that needs a real process: a browser session's.

The other patches are checked in tests/unit/test_compat.py; this one starts a
child process, so it lives with the integration tests.
"""

from __future__ import annotations

import asyncio
import sys

from vitosms_tui.ui import compat


async def test_the_running_process_of_a_session_is_there_until_it_ends():
    from textual_serve.app_service import AppService
    from textual_serve.download_manager import DownloadManager

    async def nothing(*_args) -> None:
        return None

    session = AppService(
        f"exec {sys.executable} -c 'import time; time.sleep(60)'",
        write_bytes=nothing,
        write_str=nothing,
        close=nothing,
        download_manager=DownloadManager(),
    )
    assert compat.running_process(session) is None  # not started
    await session.start(80, 24)
    process = compat.running_process(session)
    assert isinstance(process, asyncio.subprocess.Process)
    assert process.returncode is None
    process.kill()
    await process.wait()
    assert compat.running_process(session) is None
    await session.stop()
