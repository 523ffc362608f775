"""Where the data files live (prices, tariff, message templates).

They sit in the repository's top-level ``data/`` folder and are read at run
time, so a price or a text changes without touching code. ``VITOSMS_DATA_DIR``
points elsewhere, e.g. to a practice's own copy.
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The data folder: ``VITOSMS_DATA_DIR`` if set, else the repository's ``data/``."""
    override = os.environ.get("VITOSMS_DATA_DIR", "").strip()
    if override:
        return Path(override).expanduser()
    return Path(__file__).resolve().parents[2] / "data"
