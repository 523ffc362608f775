"""`python -m vitosms_tui.cli.main` as a process of its own, as the desk and the worker unit start it.

The commands' answers inside one process are in tests/unit/test_cli_foundation.py,
tests/unit/test_cli_messaging.py and tests/unit/test_sms_settings.py.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.unit import test_cli_messaging as messaging
from tests.unit.test_sms_settings import GOOD
from vitosms_tui.cli.main import main

NOW = messaging.NOW
# the fixtures: a database made with `init`, then Mandanten HAU and ZZ, a person and a service-desk login
cli = messaging.cli
practice = messaging.practice


def test_console_script_runs_in_a_subprocess(tmp_path):
    assert main(["--db", str(tmp_path / "x.db"), "init"]) == 0
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vitosms_tui.cli.main",
            "--db",
            str(tmp_path / "x.db"),
            "person",
            "add",
            "--first",
            "A",
            "--last",
            "B",
            "--mobile",
            "123",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_console_entry_point_runs_send(cli, practice):
    """A dry-run send through a real process: the JSON shape as CONTRACT.md writes it."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vitosms_tui.cli.main",
            "--db",
            cli.db,
            "--now",
            NOW,
            "--json",
            "send",
            "--mandant",
            "HAU",
            "--to",
            "0791234567",
            "--text",
            "[Test] €",
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    [line] = json.loads(result.stdout)["messages"]
    assert (line["encoding"], line["segments"], line["status"]) == ("gsm7", 1, "preview")


def test_the_worker_refuses_a_bad_sms_config_with_exit_2_and_one_line(tmp_path):
    config = tmp_path / "vitosms.toml"
    config.write_text("[sms]\n" + GOOD + "window = -3\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "vitosms_tui.cli.main",
            "--db",
            str(tmp_path / "p.db"),
            "--config",
            str(config),
            "worker",
            "--once",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "vitosms: config [sms] window = -3: expected a whole number from 1 to 1000"
    ], run.stderr
    assert not (tmp_path / "p.db").exists()
