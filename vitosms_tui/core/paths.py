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


def read_limited(path: str | os.PathLike[str], limit: int, what: str) -> bytes:
    """The file's bytes, read in pieces and refused as soon as they pass ``limit``.

    The size is checked while reading, not after: ``/dev/zero``, a pipe or a
    huge file is refused after ``limit`` bytes instead of filling the memory.
    """
    from .errors import UsageError

    file = Path(path).expanduser()
    pieces: list[bytes] = []
    size = 0
    try:
        with open(file, "rb") as handle:
            while True:
                piece = handle.read(min(1 << 20, limit + 1 - size))
                if not piece:
                    break
                size += len(piece)
                if size > limit:
                    raise UsageError("usage.larger_than_mib", what=what, file=file, value=limit // (1 << 20) or 1)
                pieces.append(piece)
    except FileNotFoundError:
        raise UsageError("usage.found", what=what, file=file) from None
    except IsADirectoryError:
        raise UsageError("usage.is_a_folder", what=what, file=file) from None
    except OSError as exc:
        raise UsageError("usage.cannot_read", what=what, file=file, reason=exc.strerror) from None
    return b"".join(pieces)


def writable_folder(path: str | os.PathLike[str], what: str) -> Path:
    """The folder, created (0700) if missing; a usage error naming it when it cannot be written.

    A worker under systemd that failed here with a traceback was restarted in
    a loop; a one-line reason with exit code 2 stops the unit instead.
    """
    from .errors import UsageError

    folder = Path(path).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise UsageError("usage.cannot_created", what=what, folder=folder, reason=exc.strerror) from None
    if not folder.is_dir():
        raise UsageError("usage.not_a_folder", what=what, folder=folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError("usage.cannot_written_account", what=what, folder=folder)
    return folder
