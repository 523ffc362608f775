"""Key to painted, in the app itself: person search and agenda day/week switches.

The app runs headless through ``App.run_test()`` on the large practice. A key
is pressed; the time stops when the screen that shows its answer was
composited and turned into terminal output (the headless driver writes
nothing, so the hook renders the update's segments itself, as a terminal
would need them). Many presses give the median and the 95th percentile.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from textual._compositor import CompositorUpdate

# typed as the desk types them: every keystroke is one sample
SEARCHES = ["müller", "dubois cl", "rossi ma", "schm", "bern", "079 12", "0765", "12.03.1980", "favre j", "käser"]
DAY_PRESSES = 24
WEEK_PRESSES = 12


@dataclass
class Samples:
    values: list[float] = field(default_factory=list)


class Painted:
    """Watches the app: when did the answer to the last key reach the screen?"""

    def __init__(self, app):
        self.app = app
        self.answered = False  # the view applied the answer (results, day) to its widgets
        self.painted_at: float | None = None
        self.answers = 0
        original = app._display

        def display(screen, renderable):
            original(screen, renderable)
            if renderable is None:
                return
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)  # what a terminal would be sent
            if self.answered and self.painted_at is None:
                self.painted_at = time.perf_counter()

        app._display = display

    def answer(self) -> None:
        self.answered = True
        self.answers += 1

    async def press(self, pilot, key: str, timeout: float = 10.0) -> float:
        """Seconds from pressing ``key`` until its answer is painted."""
        self.answered, self.painted_at = False, None
        start = time.perf_counter()
        await pilot.press(key)
        end = start + timeout
        while self.painted_at is None:
            if time.perf_counter() > end:
                raise TimeoutError(f"no painted answer to {key!r} within {timeout} s")
            await asyncio.sleep(0.0005)
        return self.painted_at - start


def _key(char: str) -> str:
    return {" ": "space", ".": "full_stop", ",": "comma"}.get(char, char)


async def _run(db: str) -> dict[str, list[float]]:
    from textual.widgets import Input

    from vitosms_tui.core import clock
    from vitosms_tui.core.config import Settings
    from vitosms_tui.core.db import open_database
    from vitosms_tui.ui.app import VitoSmsApp
    from vitosms_tui.ui.screens.agenda import AgendaScreen
    from vitosms_tui.ui.screens.persons import PersonsScreen

    clock.set_now("2026-11-27T09:00")
    database = open_database(db)
    results: dict[str, list[float]] = {"search": [], "day": [], "week": []}
    watcher: Painted | None = None
    originals = (PersonsScreen.show_results, AgendaScreen._show)

    def show_results(screen, text, rows, problem=None):
        originals[0](screen, text, rows, problem)
        if watcher is not None and text == screen.query_one("#person-search", Input).value:
            watcher.answer()

    def show(screen, *args):
        originals[1](screen, *args)
        if watcher is not None:
            watcher.answer()

    PersonsScreen.show_results, AgendaScreen._show = show_results, show
    try:
        app = VitoSmsApp(user="empfang", settings=Settings(), db_url=db)
        watcher = Painted(app)  # before the start: the first agenda may come at once
        async with app.run_test(size=(140, 40)) as pilot:
            while not watcher.answers:  # the first agenda
                await asyncio.sleep(0.01)
            await pilot.pause()
            for _ in range(DAY_PRESSES // 2):
                results["day"].append(await watcher.press(pilot, "full_stop"))
            for _ in range(DAY_PRESSES // 2):
                results["day"].append(await watcher.press(pilot, "comma"))
            results["week"].append(await watcher.press(pilot, "w"))
            for _ in range(WEEK_PRESSES // 2):
                results["week"].append(await watcher.press(pilot, "right_square_bracket"))
            for _ in range(WEEK_PRESSES // 2):
                results["week"].append(await watcher.press(pilot, "left_square_bracket"))
            results["week"].append(await watcher.press(pilot, "w"))

            await watcher.press(pilot, "f7")  # the persons view, its first page
            search = app.screen.query_one("#person-search", Input)
            for text in SEARCHES:
                for char in text:
                    results["search"].append(await watcher.press(pilot, _key(char)))
                watcher.answered, watcher.painted_at = False, None
                search.value = ""
                while watcher.painted_at is None:
                    await asyncio.sleep(0.001)
            await pilot.press("ctrl+q")
    finally:
        PersonsScreen.show_results, AgendaScreen._show = originals
        database.close()
    return results


def measure(db: str) -> dict[str, list[float]]:
    return asyncio.run(_run(db))


def search_queries(db: str, repeat: int = 3) -> list[float]:
    """The query alone (what the search thread does) for every prefix typed above: best of ``repeat``."""
    from vitosms_tui.core.db import open_database
    from vitosms_tui.ui.screens.persons import SEARCH_LIMIT
    from vitosms_tui.ui.widgets.person_rows import fetch_person_rows

    database = open_database(db)
    times = []
    for text in SEARCHES:
        for end in range(1, len(text) + 1):
            best = float("inf")
            for _ in range(repeat):
                start = time.perf_counter()
                fetch_person_rows(text[:end], SEARCH_LIMIT)
                best = min(best, time.perf_counter() - start)
            times.append(best)
    database.close()
    return times
