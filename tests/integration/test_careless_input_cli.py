"""Careless input of an administrator, given to `vitosms` as a process of its own.

Files that do not end (/dev/zero) are refused while reading, under a memory limit
far below what reading them whole would take; a bad setting stops `serve` before it
listens. Each answer is one line with exit code 2.
"""

from __future__ import annotations

import resource
import subprocess
import sys

from tests.unit import test_careless_input as in_process

one_line = in_process.one_line
_no_environment = in_process._no_environment  # the autouse fixture: no VITOSMS_* from the caller's shell

# enough for the interpreter and its imports; far below what /dev/zero read whole would take
MEMORY_LIMIT = 1 << 30


def limit_memory() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def vitosms(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "vitosms_tui.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit_memory,
    )


def test_import_persons_from_dev_zero_is_refused_while_reading(tmp_path):
    db = tmp_path / "practice.db"
    assert vitosms("--db", str(db), "init").returncode == 0
    done = vitosms("--db", str(db), "import-persons", "/dev/zero")
    assert done.returncode == 2
    assert "larger than 64 MiB" in one_line(done.stderr)


def test_a_config_that_does_not_end_is_refused_too(tmp_path):
    done = vitosms("--db", str(tmp_path / "practice.db"), "--config", "/dev/zero", "init")
    assert done.returncode == 2
    assert "larger than 1 MiB" in one_line(done.stderr)
    assert not (tmp_path / "practice.db").exists()


def test_serve_refuses_a_bad_setting_before_it_listens(tmp_path):
    config = tmp_path / "vitosms.toml"
    config.write_text("[smtp]\nport = 99999\n")
    db = tmp_path / "practice.db"
    assert vitosms("--db", str(db), "init").returncode == 0
    done = vitosms("--db", str(db), "--config", str(config), "serve", "--port", "1")
    assert done.returncode == 2
    assert "[smtp] port = 99999" in one_line(done.stderr)
