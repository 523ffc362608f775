"""Days and weeks read ahead, so that turning to the next one shows it at once.

After each paint the agenda reads the neighbours of what it shows (the day
before and after and the week; in the week view the weeks either side and the
day) in a thread. A turn to one of them is shown from here, then read again in
case another desk changed it. No Textual here: the screen runs the threads.
"""

from __future__ import annotations

import time
from datetime import timedelta

from .agenda_data import AgendaColumn, AgendaRequest, week_start

AHEAD_SECONDS = 30.0  # a neighbour read ahead longer ago than this is read again before it is shown


def _key(request: AgendaRequest) -> tuple:
    """Requests that show the same columns: a week is the same from any of its days."""
    day = week_start(request.day) if request.week else request.day
    return day, request.week, request.all_mandanten if not request.week else True, request.mandant_id


def neighbours(request: AgendaRequest) -> list[AgendaRequest]:
    """What the desk is likely to turn to next from ``request``."""
    step = 7 if request.week else 1
    turns = [
        AgendaRequest(request.day + timedelta(days=days), request.week, request.all_mandanten, request.mandant_id)
        for days in (step, -step)
    ]
    turns.append(AgendaRequest(request.day, not request.week, request.all_mandanten, request.mandant_id))
    return turns


class ReadAhead:
    """What was read ahead: when, and the columns."""

    def __init__(self) -> None:
        self._kept: dict[tuple, tuple[float, list[AgendaColumn]]] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        """Forget everything (a change made here may be missing from it)."""
        self._kept.clear()

    def take(self, request: AgendaRequest) -> list[AgendaColumn] | None:
        """The columns of ``request`` if they were read lately (taken out: shown once)."""
        kept = self._kept.pop(_key(request), None)
        if kept is not None and time.monotonic() - kept[0] < AHEAD_SECONDS:
            return kept[1]
        return None

    def missing(self, request: AgendaRequest) -> list[AgendaRequest]:
        """The neighbours of ``request`` still to read; others than these are forgotten."""
        now = time.monotonic()
        wanted = {_key(r): r for r in neighbours(request)}
        self._kept = {
            key: value for key, value in self._kept.items() if key in wanted and now - value[0] < AHEAD_SECONDS
        }
        return [r for key, r in wanted.items() if key not in self._kept]

    def keep(self, request: AgendaRequest, read_at: float, columns: list[AgendaColumn]) -> None:
        self._kept[_key(request)] = (read_at, columns)
