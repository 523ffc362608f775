"""What the delivery worker expects of an SMS gateway.

A gateway takes SMS in batches and answers for each one: accepted (with the
provider's id), a passing fault (try again later) or a permanent refusal.
Later it tells, for the provider ids the worker asks about, which delivery
reports have come in. The worker keeps all state in the database; a gateway
must make a repeated submission with the same ``client_ref`` harmless (the
first ``provider_id`` comes back, nothing is sent twice), because a worker may
die between the gateway's acceptance and recording it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ...core.sending import DeliveryReport

ACCEPTED = "accepted"
PASSING = "passing"  # try again after a back-off
PERMANENT = "permanent"  # never try again: failed, credits refunded


@dataclass(frozen=True)
class Sms:
    """One SMS handed to a gateway."""

    client_ref: str  # the message's idempotency key
    to: str  # E.164
    sender: str
    text: str
    segments: int = 1


@dataclass(frozen=True)
class SubmitResult:
    """The gateway's answer to one :class:`Sms`."""

    client_ref: str
    outcome: str  # ACCEPTED | PASSING | PERMANENT
    provider_id: str | None = None
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome == ACCEPTED


@runtime_checkable
class SmsGateway(Protocol):
    """The protocol of every SMS gateway (the mock one is the default)."""

    name: str

    async def send_many(self, batch: Sequence[Sms]) -> list[SubmitResult]:
        """Submit a batch; one result per SMS, in the same order. Never raises for one SMS."""
        ...

    async def reports(self, provider_ids: Sequence[str]) -> list[DeliveryReport]:
        """The delivery reports that have arrived for these ids (others are still pending)."""
        ...

    async def close(self) -> None: ...
