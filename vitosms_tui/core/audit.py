"""The audit trail: orders, transfers, migrations, consents, cancellations."""

from __future__ import annotations

import json

from .models import AuditEntry, Mandant, Person


def record(
    user: str,
    action: str,
    *,
    mandant: Mandant | int | None = None,
    person: Person | int | None = None,
    **detail: object,
) -> AuditEntry:
    """Write one audit entry; ``detail`` holds ids and amounts, never message texts."""
    return AuditEntry.create(
        user=user,
        action=action,
        mandant=mandant,
        person=person,
        detail=json.dumps(detail, sort_keys=True, default=str),
    )
