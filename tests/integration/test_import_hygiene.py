"""The doors between the rooms: core loads neither the UI nor delivery nor their libraries."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, json, pkgutil, sys
import vitosms_tui.core as core
names = [m.name for m in pkgutil.walk_packages(core.__path__, core.__name__ + ".")]
for name in names:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "aiosmtplib", "aiosmtpd")
                or m.startswith(("vitosms_tui.ui", "vitosms_tui.delivery", "vitosms_tui.cli")))
print(json.dumps({"modules": names, "loaded": loaded}))
"""


def test_importing_all_of_core_loads_no_ui_and_no_delivery():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, check=True)
    report = json.loads(result.stdout)
    assert "vitosms_tui.core.persons" in report["modules"]
    assert report["loaded"] == []


def test_import_linter_contracts_hold():
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert linter, "import-linter is part of the test dependencies"
    result = subprocess.run([linter, "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
