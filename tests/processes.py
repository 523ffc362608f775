"""Other processes in the tests: the command line as a subprocess, a free port, waiting."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

WAIT = 60  # seconds: an upper bound for waiting on another process, never a timing assertion


def vitosms(db, tmp_path, config, *args, **popen) -> subprocess.Popen:
    """``vitosms --db DB --config CONFIG --state-dir TMP/state ARGS…`` of this install, running."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vitosms_tui.cli.main",
            "--db",
            str(db),
            "--config",
            str(config),
            "--state-dir",
            str(tmp_path / "state"),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, what: str, timeout: float = WAIT):
    """Poll ``condition`` until it gives something true, and return that."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)
