"""Argument types shared by the commands: what argparse checks before a command runs."""

from __future__ import annotations

from ..core.errors import UsageError


def not_negative(text: str) -> int:
    """A count, a port or a seed: a whole number of 0 or more, or a one-line usage error."""
    try:
        value = int(text)
    except ValueError:
        raise UsageError("usage.whole_number", text=text) from None
    if value < 0:
        raise UsageError("usage.negative", text=text)
    return value
