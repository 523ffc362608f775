"""Under `vitosms serve` the ledger export reaches the browser as a download.

No browser is needed: the test speaks textual-serve's websocket protocol as
the page does (keys as ``["stdin", …]``), waits for the offer of a file
(``["deliver_file_start", key]``) and fetches ``/download/<key>`` as the page
would. What arrives is the file the app wrote into the export folder, and
nothing was written anywhere else.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp

from tests.integration.test_serve_browser import WAIT, Served, practice  # noqa: F401
from tests.processes import free_port

F5 = "\x1b[15~"  # what xterm.js sends for the key F5


async def offered_download(url: str) -> tuple[bytes, str]:
    """Open a session, press F5 and x; the bytes of the file offered and its headers' name."""
    seen = b""
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{url}/ws?width=120&height=40", headers={"Origin": url}) as socket:

            async def until(condition):
                nonlocal seen
                while True:
                    message = await socket.receive(timeout=WAIT)
                    if message.type == aiohttp.WSMsgType.BINARY:
                        seen += message.data
                        if condition(None):
                            return None
                    elif message.type == aiohttp.WSMsgType.TEXT:
                        found = condition(json.loads(message.data))
                        if found:
                            return found
                    else:
                        raise AssertionError(f"the session ended: {message.type}")

            await until(lambda _meta: b"Agenda" in seen)
            await socket.send_json(["stdin", F5])
            await until(lambda _meta: b"Balances" in seen)
            await socket.send_json(["stdin", "x"])
            key = await until(lambda meta: meta[1] if meta and meta[0] == "deliver_file_start" else None)
            async with session.get(f"{url}/download/{key}") as response:
                assert response.status == 200
                return await response.read(), response.headers.get("Content-Disposition", "")


def test_the_export_comes_to_the_browser_as_a_download(practice, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("VITOSMS_LANG", "en")
    port = free_port()
    served = Served(practice, port, tmp_path / "serve.err")
    try:
        url = f"http://127.0.0.1:{port}"
        served.wait_for_line("vitosms serve: ")
        content, disposition = asyncio.run(asyncio.wait_for(offered_download(url), WAIT * 2))
    finally:
        served.stop(str(practice))
    [made] = list((practice.parent / "vitosms-state" / "exports").iterdir())
    assert content == made.read_bytes()
    assert content.startswith(b"\xef\xbb\xbfTime;Mandant;Kind")
    assert f"attachment; filename={made.name}" in disposition
    assert made.name.startswith("ledger-")
    assert made.name.endswith(".csv")
