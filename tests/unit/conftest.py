"""Unit tests stay in-process, so that the whole folder runs in seconds.

A test that starts another program (the CLI in a new interpreter, a server, tmux,
pg_dump) belongs in tests/integration. The fixture below makes such a start fail
at once with a message that says so, instead of letting the folder slowly grow
slower again.
"""

from __future__ import annotations

import os
import subprocess

import pytest

MESSAGE = (
    "a test in tests/unit started a subprocess ({how}); tests/unit holds in-process tests only, "
    "so move this test to tests/integration"
)


def _refuse(how: str):
    def refuse(*args, **kwargs):
        raise AssertionError(MESSAGE.format(how=how))

    return refuse


class _RefusedPopen(subprocess.Popen):
    def __init__(self, args, *more, **kwargs):
        raise AssertionError(MESSAGE.format(how=f"subprocess.Popen({args!r})"))


@pytest.fixture(autouse=True)
def _no_subprocess_in_unit_tests(monkeypatch):
    # subprocess.run, call, check_output and asyncio's subprocesses all go through subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen", _RefusedPopen)
    for name in ("fork", "forkpty", "posix_spawn", "posix_spawnp", "system", "execv", "execve"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, _refuse(f"os.{name}"))
