"""Why a message failed or expired, from what the core stored on the message.

A message stores its error in English (``Message.error``, read by scripts) and
as a code with values (``error_code``, ``error_data``); the interface says the
code (:mod:`.faults`). A message failed before codes existed has the English
line alone: the core's map of the delivery layer's answers finds its code, and
any other line is shown as stored.
"""

from __future__ import annotations

from typing import Protocol

from ...core.coded import loads
from .faults import fault_text, stored_fault_text


class FailedMessage(Protocol):
    error: str | None
    error_code: str | None
    error_data: str | None


def error_text(message: FailedMessage) -> str:
    """The message's error for the desk ("" when it has none)."""
    if message.error_code:
        return fault_text(message.error_code, loads(message.error_data), message.error)
    if message.error:
        return stored_fault_text(message.error)
    return ""
