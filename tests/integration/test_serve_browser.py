"""`vitosms serve` as a real process, seen in headless Chromium.

xterm.js paints the terminal on a canvas, so the page has no text to read.
The test reads xterm's own screen buffer instead: a script run before the page's
catches the terminal object as textual-serve's page builds it.
"""

from __future__ import annotations

import base64
import http.client
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from urllib.request import urlopen

import pytest

from tests.processes import free_port
from vitosms_tui.core import clock
from vitosms_tui.core.db import open_database
from vitosms_tui.core.schema import migrate
from vitosms_tui.core.seed import seed_practice

WAIT = 30  # seconds: an upper bound for another process or the browser, not a timing assertion
NOW = "2026-03-02T09:00:00"  # a Monday
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# The network here is closed and the browser must neither fetch nor phone home.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,800",
]

# textual-serve's page assigns `fitAddon` once, on the object that holds `terminal`:
# a setter on Object.prototype keeps that object where the test can reach it.
CATCH_TERMINAL = """
window.__vitosmsTerminals = [];
Object.defineProperty(Object.prototype, 'fitAddon', {configurable: true, set(value) {
  Object.defineProperty(this, 'fitAddon', {value, writable: true, configurable: true, enumerable: true});
  window.__vitosmsTerminals.push(this);
}});
"""
SCREEN_LINES = """
const session = window.__vitosmsTerminals[0];
if (!session || !session.terminal) return null;
const term = session.terminal, buffer = term.buffer.active, lines = [];
for (let row = 0; row < term.rows; row++) {
  const line = buffer.getLine(buffer.viewportY + row);
  lines.push(line ? line.translateToString(true) : "");
}
return lines;
"""


def need_browser() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        reason = f"headless Chromium is missing ({', '.join(missing)}): apt-get install chromium chromium-driver"
        if os.environ.get("VITOSMS_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def ui_processes(marker: str) -> list[int]:
    """The `vitosms ui` processes started for the practice file ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile
        if marker.encode() in argv and b"ui" in argv:
            found.append(int(entry.name))
    return found


def websocket_handshake(port: int, origin: str) -> int:
    """The HTTP status of a websocket handshake on /ws that names ``origin``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        connection.request(
            "GET",
            "/ws?width=80&height=24",
            headers={
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
                "Origin": origin,
            },
        )
        return connection.getresponse().status
    finally:
        connection.close()


class Served:
    """`vitosms serve` in a process of its own; its stdout lines arrive in a queue."""

    def __init__(self, db_path: Path, port: int, stderr_path: Path):
        self.stderr = stderr_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "vitosms_tui.cli.main",
                "--db",
                str(db_path),
                "--user",
                "empfang",
                "--now",
                NOW,
                "serve",
                "--port",
                str(port),
            ],
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=db_path.parent,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for_line(self, start: str) -> str:
        while True:
            line = self.lines.get(timeout=WAIT)
            if line.startswith(start):
                return line

    def stop(self, marker: str) -> None:
        """After a failed test too: serve and every ui it started are gone."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(WAIT)
        for pid in ui_processes(marker):
            os.kill(pid, signal.SIGKILL)
        self.stderr.close()


@pytest.fixture
def practice(tmp_path):
    """A migrated SQLite practice file seeded at NOW, the day the browser will show.

    SQLite only: serve hands --db on as given, the browser path is the same for PostgreSQL.
    """
    path = tmp_path / "practice.db"
    database = open_database(str(path))
    migrate()
    clock.set_now(NOW)
    seed_practice(mandanten=2, persons=30, seed=3)
    database.close()
    return path


@pytest.fixture
def browser(tmp_path):
    need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not look for a browser to download
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})
        yield driver
    finally:
        driver.quit()


def screen_showing(driver, *words, status_line=()) -> list[str]:
    """The terminal's lines once every word is on the screen and every status word on its
    first line (fails after WAIT seconds, with the screen last seen)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    seen: list[str] = []

    def shows_all(_driver):
        seen[:] = driver.execute_script(SCREEN_LINES) or []
        text = "\n".join(seen)
        return all(word in text for word in words) and bool(seen) and all(word in seen[0] for word in status_line)

    try:
        WebDriverWait(driver, WAIT, poll_frequency=0.2).until(shows_all)
    except TimeoutException:
        pytest.fail(f"the browser's terminal never showed {words + tuple(status_line)}; it showed:\n" + "\n".join(seen))
    return seen


def test_the_browser_shows_the_desk_and_serve_stops_cleanly(practice, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    port = free_port()
    served = Served(practice, port, tmp_path / "serve.err")
    try:
        url = f"http://127.0.0.1:{port}"
        assert served.wait_for_line("vitosms serve: ").startswith(f"vitosms serve: {url} ")
        with urlopen(url + "/", timeout=WAIT) as page:
            html = page.read().decode()
        # a page showing patient data loads nothing from another host (no web font either)
        addresses = re.findall(r'(?:href|src)="([^"]*)"|url\("([^"]*)"\)', html)
        assert addresses
        for address in filter(None, sum(addresses, ())):
            assert address.startswith(f"{url}/"), address

        # a page of another site in the desk's browser may not open a session
        assert websocket_handshake(port, origin="https://evil.example") == 403
        assert ui_processes(str(practice)) == []

        browser.get(url + "/")
        # the status line: who works, the view and the day of --now; the agenda below it
        lines = screen_showing(browser, "F4 Journal", status_line=("empfang", "Agenda", "02.03.2026"))
        assert any("09:00" in line for line in lines[1:])  # the agenda's time grid
        browser.save_screenshot(str(tmp_path / "agenda.png"))
        assert len(ui_processes(str(practice))) == 1  # this connection's own `vitosms ui`

        # keys typed in the page reach the app: F4 opens the journal
        browser.find_element(By.CSS_SELECTOR, ".xterm").click()
        ActionChains(browser).send_keys(Keys.F4).perform()
        screen_showing(browser, status_line=("empfang", "Journal"))

        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(WAIT) == 0
        assert ui_processes(str(practice)) == []  # the browser's session ended with serve
        output = (tmp_path / "serve.err").read_text() + "".join(served.lines.queue)
        assert "Traceback" not in output, output
        assert "Error" not in output, output
    finally:
        served.stop(str(practice))
