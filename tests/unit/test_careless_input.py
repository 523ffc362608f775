"""Careless input of an administrator: endless files, broken settings, odd values.

Each answer is one line with exit code 1 or 2 and changes nothing; none is a
traceback, none fills the memory.
"""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from vitosms_tui.cli.main import main

# enough for the interpreter and its imports; far below what /dev/zero read whole would take
MEMORY_LIMIT = 1 << 30


def limit_memory() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def vitosms(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vitosms_tui.cli.main", *args], capture_output=True,
                          text=True, timeout=timeout, preexec_fn=limit_memory)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vitosms: ") and "Traceback" not in err, err
    return lines[0]


# --- files that do not end --------------------------------------------------------------------


def test_import_persons_from_dev_zero_is_refused_while_reading(tmp_path):
    db = tmp_path / "practice.db"
    assert vitosms("--db", str(db), "init").returncode == 0
    done = vitosms("--db", str(db), "import-persons", "/dev/zero")
    assert done.returncode == 2
    assert "larger than 64 MiB" in one_line(done.stderr)


def test_a_config_that_does_not_end_is_refused_too(tmp_path):
    done = vitosms("--db", str(tmp_path / "practice.db"), "--config", "/dev/zero", "init")
    assert done.returncode == 2 and "larger than 1 MiB" in one_line(done.stderr)
    assert not (tmp_path / "practice.db").exists()


def test_import_of_a_folder_or_a_missing_file(capsys, tmp_path):
    db = str(tmp_path / "practice.db")
    assert run(capsys, "--db", db, "init")[0] == 0
    code, _out, err = run(capsys, "--db", db, "import-persons", str(tmp_path))
    assert code == 2 and "is a folder" in one_line(err)
    code, _out, err = run(capsys, "--db", db, "import-persons", str(tmp_path / "nope.csv"))
    assert code == 2 and "not found" in one_line(err)


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch):
    for name in ("VITOSMS_CONFIG", "VITOSMS_SMTP_HOST", "VITOSMS_SMTP_PORT", "VITOSMS_DB"):
        monkeypatch.delenv(name, raising=False)
