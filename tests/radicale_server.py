"""A real CalDAV server for the tests: Radicale on loopback, with one login."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.processes import free_port

LOGIN, PASSWORD = "praxis", "kalender-geheim"


@dataclass
class Radicale:
    url: str  # the server
    process: subprocess.Popen

    def calendar_url(self, name: str) -> str:
        return f"{self.url}/{LOGIN}/{name}/"

    def client(self):
        import caldav

        return caldav.DAVClient(
            url=self.url, username=LOGIN, password=PASSWORD, require_tls=False, enable_rfc6764=False
        )

    def make_calendar(self, name: str):
        with self.client() as client:
            return client.principal().make_calendar(name=name, cal_id=name)


def start_radicale(folder: Path) -> Radicale:
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    users = folder / "users"
    users.write_text(f"{LOGIN}:{PASSWORD}\n")
    config = folder / "radicale.conf"
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {users}\n"
        "htpasswd_encryption = plain\n"
        "delay = 0\n"
        "[rights]\n"
        "type = owner_only\n"
        "[storage]\n"
        f"filesystem_folder = {folder / 'collections'}\n"
        "[logging]\n"
        "level = warning\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    "Radicale did not start: " + process.stderr.read().decode(errors="replace")[-500:]
                ) from None
            time.sleep(0.1)
    return Radicale(f"http://127.0.0.1:{port}", process)


def stop_radicale(server: Radicale) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    server.process.stderr.close()
