"""Records as the JSON objects of CONTRACT.md (stable integer ``id`` in each)."""

from __future__ import annotations

from ..core import clock
from ..core.models import Mandant, Person


def mandant(m: Mandant, balance: int | None = None) -> dict:
    data = {
        "id": m.id,
        "code": m.code,
        "name": m.name,
        "sender": m.sender,
        "active": m.active,
        "auto_reminders": m.auto_reminders,
        "lead_hours": m.lead_hours,
        "auto_birthday": m.auto_birthday,
        "birthday_time": m.birthday_time,
        "quiet_hours": f"{m.quiet_start}-{m.quiet_end}",
        "low_balance": m.low_balance,
        "channel_order": m.channel_order.split(","),
        # the practice's details in its texts (service settings; null: none, the sentence is left out)
        "practice_phone": m.practice_phone,
        "practice_address": m.practice_address,
        "signature": m.signature,
    }
    if balance is not None:
        data["balance"] = balance
    return data


def person(p: Person) -> dict:
    return {
        "id": p.id,
        "salutation": p.salutation,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "birth_date": p.birth_date.isoformat() if p.birth_date else None,
        "language": p.language,
        "mobile": p.mobile,
        "email": p.email,
        "preferred_channel": p.preferred_channel,
        "mandant": p.mandant.code if p.mandant_id else None,
        "deceased": p.deceased,
        "inactive": p.inactive,
        "consents": {
            purpose: {
                "given": getattr(p, f"consent_{purpose}"),
                "at": clock.iso(getattr(p, f"consent_{purpose}_at")),
                "source": getattr(p, f"consent_{purpose}_source"),
            }
            for purpose in ("reminder", "recall", "birthday")
        },
    }
