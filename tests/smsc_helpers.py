"""The SMSC simulator and workers over SMPP as real processes, for the integration tests."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.processes import WAIT, free_port, wait_for

SYSTEM_ID, PASSWORD = "praxis", "geheim"


def smpp_config(path: Path, port: int, password: str = PASSWORD, report_delay: float = 0.2, **sms) -> str:
    """A config with short delivery times and ``[sms] gateway = "smpp"`` to 127.0.0.1:port."""
    values = {"window": 10, "enquire_link_seconds": 1, "response_timeout_seconds": 5, "reconnect_max_seconds": 1}
    values.update(sms)
    text = (
        "[delivery]\nlease_seconds = 2.0\nbackoff_seconds = 0.1\nbackoff_max_seconds = 0.4\n"
        f"report_delay_seconds = {report_delay}\nbatch_size = 8\n"
        f'[sms]\ngateway = "smpp"\nhost = "127.0.0.1"\nport = {port}\n'
        f'system_id = "{SYSTEM_ID}"\npassword = "{password}"\n'
        + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
    )
    path.write_text(text)
    path.chmod(0o600)
    return str(path)


class SmscProcess:
    """``vitosms smsc`` on a fixed port with its own state folder (the provider's side)."""

    def __init__(self, tmp: Path, *options: str, port: int | None = None, report_delay: float = 0.2):
        self.tmp, self.options = tmp, options
        self.port = port or free_port()
        self.state = tmp / "smsc-state"
        self.config = smpp_config(tmp / "smsc.toml", self.port, report_delay=report_delay)
        self.process: subprocess.Popen | None = None

    def start(self) -> SmscProcess:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "vitosms_tui.cli.main",
                "--config",
                self.config,
                "--state-dir",
                str(self.state),
                "--json",
                "smsc",
                "--port",
                str(self.port),
                *self.options,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        assert line, self.process.stderr.read()
        assert json.loads(line)["listening"]["port"] == self.port
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.communicate(timeout=WAIT)
        self.process = None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.communicate(timeout=WAIT)
        self.process = None

    def handset(self) -> list[dict]:
        path = self.state / "sms-handset.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def handset_refs(self) -> Counter:
        return Counter(line["client_ref"] for line in self.handset())

    def events(self) -> list[dict]:
        path = self.state / "smsc-events.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def count(self, event: str) -> int:
        return sum(1 for e in self.events() if e["event"] == event)

    def wait_for_handset(self, n: int) -> None:
        wait_for(lambda: len(self.handset()) >= n, f"{n} SMS in the handset log")
