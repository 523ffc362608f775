"""Waiting in Pilot tests without timing assertions."""

from __future__ import annotations

from textual.screen import ModalScreen
from textual.worker import WorkerCancelled


async def settle(pilot, rounds: int = 2) -> None:
    """Let pending messages and workers (the person search) run to their end.

    The embedded delivery worker runs as long as the app and is not waited
    for; a search replaced by a newer one ends cancelled, which is fine. A
    dialog's worker (group "dialog") waits for the keyboard while its dialog
    is open: it is waited for only once no dialog is open any more.
    """
    for _ in range(rounds):
        await pilot.pause()
        for worker in [w for w in pilot.app.workers if w.group != "delivery" and not w.is_finished]:
            if worker.group == "dialog":
                while not worker.is_finished and not isinstance(pilot.app.screen, ModalScreen):
                    await pilot.pause()
                continue
            try:
                await worker.wait()
            except WorkerCancelled:
                pass
    await pilot.pause()


async def wait_until(pilot, condition, tries: int = 200) -> None:
    """Give the app time until ``condition()`` holds (no assertion on how long it takes)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    assert condition()


async def take_in_picker(pilot, person) -> None:
    """In the open person picker: search the name, go to the person, take them."""
    from vitosms_tui.ui.widgets.person_picker import PersonPicker

    picker = pilot.app.screen
    assert isinstance(picker, PersonPicker)
    picker.query_one("#picker-search").value = f"{person.last_name} {person.first_name}"
    await settle(pilot)
    await pilot.press("down")  # from the search to the list
    table = picker.query_one("#picker-table")
    while table.current_id != person.id:
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)


def shown_text(app) -> str:
    """What the terminal shows right now, line by line (rich tables and groups included)."""
    from .screen_text import screen_lines

    return "\n".join(screen_lines(app.export_screenshot()))
