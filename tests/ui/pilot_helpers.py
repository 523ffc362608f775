"""Waiting in Pilot tests without timing assertions."""

from __future__ import annotations


async def settle(pilot, rounds: int = 2) -> None:
    """Let pending messages and workers (the person search) run to their end."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def wait_until(pilot, condition, tries: int = 200) -> None:
    """Give the app time until ``condition()`` holds (no assertion on how long it takes)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    assert condition()
