"""The delivery worker as the CLI (``vitosms worker``) and the demo run it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.config import Settings
from .gateways.base import SmsGateway
from .gateways.mock import MockGateway
from .smtp import SmtpPool
from .worker import DeliveryWorker


def make_worker(
    settings: Settings,
    state_dir: Path,
    *,
    automation_tick: Callable[[], Any] | None = None,
    worker_id: str | None = None,
) -> DeliveryWorker:
    """The gateway of the settings (``[sms] gateway``: mock or smpp) and the SMTP pool."""
    if settings.sms.gateway == "smpp":
        from .gateways.smpp import SmppGateway  # aiosmpplib only where it is used

        gateway: SmsGateway = SmppGateway(settings.sms, state_dir)
    else:
        gateway = MockGateway(state_dir, report_delay_seconds=settings.delivery.report_delay_seconds)
    return DeliveryWorker(
        settings, gateway, SmtpPool(settings.smtp), worker_id=worker_id, automation_tick=automation_tick
    )
