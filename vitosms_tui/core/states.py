"""The words the outbox stores and compares: a message's status, channel and purpose, and a worker's mode.

They are string enums: each member equals the text stored in the database and
written in JSON (``Status.SENT == "sent"``), so rows, CONTRACT.md shapes and
command-line arguments stay as they are, while a misspelt state is a name error.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a message stands: queued -> sending -> sent -> delivered | failed, or cancelled, expired."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# A message in one of these states may still reach the patient.
PENDING = (Status.QUEUED, Status.SENDING)
# A message in one of these states never went out: it may be sent again as a new one.
RESENDABLE = (Status.FAILED, Status.CANCELLED)


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class Purpose(StrEnum):
    """Why a message is sent; all but free texts and confirmations need the person's consent."""

    FREE = "free"
    REMINDER = "reminder"
    CONFIRMATION = "confirmation"
    RECALL = "recall"
    BIRTHDAY = "birthday"


CONSENT_PURPOSES = (Purpose.REMINDER, Purpose.RECALL, Purpose.BIRTHDAY)


class Fate(StrEnum):
    """What became of a worker's answer for one claimed message when it was recorded.

    ``LOST``: the worker no longer held the message (its lease ran out and another
    worker took it over, or the desk withdrew it), so nothing was written.
    """

    SENT = "sent"
    QUEUED = "queued"  # a passing fault: tried again after a back-off
    FAILED = "failed"
    EXPIRED = "expired"
    LOST = "lost"


class WorkerMode(StrEnum):
    """How long a worker runs: what is due now, until stopped, or until nothing is left to wait for."""

    ONCE = "once"
    FOREVER = "forever"
    DRAIN = "drain"
