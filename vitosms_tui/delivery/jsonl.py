"""Append-only JSON-lines files shared by processes: the handset log, receipts, replies.

Each file is written with one ``write`` per batch (whole lines, 0600) and read
from where the reader last stopped, so several processes can share one state
folder and a restarted process reads it again from the start.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger("vitosms.delivery.files")


class Tail:
    """Reads the complete lines appended to a JSONL file since the last read."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0

    def new_lines(self) -> list[dict[str, Any]]:
        try:
            size = os.stat(self.path).st_size
        except FileNotFoundError:
            size = 0
        if size < self.offset:  # the file was replaced or truncated: start over
            log.warning("%s shrank; reading it again from the start", self.path.name)
            self.offset = 0
        if size == self.offset:
            return []
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read(size - self.offset)
        end = data.rfind(b"\n")
        if end < 0:  # a line being written right now: take it next time
            return []
        self.offset += end + 1
        records = []
        for line in data[: end + 1].splitlines():
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError:
                log.warning("skipping a damaged line in %s", self.path.name)
        return records


def append_lines(path: Path, lines: list[str]) -> None:
    """One write for the whole batch (the caller holds the lock)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        data = "".join(lines).encode("utf-8")
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)
