"""`vitosms serve`: the command a browser connection runs starts vitosms, and the plain command line
does not load the web server. Both run a new interpreter; the rest of `serve` is in tests/unit/test_serve.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.unit.test_serve import parsed
from vitosms_tui.cli import serve


def test_the_command_for_a_connection_starts_vitosms(tmp_path):
    # outside a browser and without a terminal the ui refuses: proof that the command reaches it
    command = serve.ui_command(parsed("--db", str(tmp_path / "practice.db"), "serve"))
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    result = subprocess.run(
        command, shell=True, capture_output=True, text=True, cwd=tmp_path, stdin=subprocess.DEVNULL, env=env
    )
    assert result.returncode == 2
    assert "the interface needs a terminal" in result.stderr


def test_the_command_line_does_not_load_the_web_server():
    # the CLI's cold start matters: textual-serve and aiohttp come only with `serve` itself
    probe = (
        "import sys; from vitosms_tui.cli.main import build_parser; build_parser(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual_serve', 'aiohttp')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
