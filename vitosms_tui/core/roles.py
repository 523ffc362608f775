"""Who may do what. Service-desk actions are checked here, in core, so the
TUI and the CLI cannot differ."""

from __future__ import annotations

from .errors import Refused
from .models import Staff

SERVICEDESK = "servicedesk"
FRONTDESK = "frontdesk"


def role_of(login: str) -> str:
    """The role of a login; an unknown login gets the least rights (front desk)."""
    staff = Staff.get_or_none(Staff.login == login)
    return staff.role if staff else FRONTDESK


def is_servicedesk(login: str) -> bool:
    return role_of(login) == SERVICEDESK


def require_servicedesk(login: str, action: str) -> None:
    """Refuse ``action`` unless ``login`` belongs to the service desk."""
    if not is_servicedesk(login):
        raise Refused(f"only the service desk may {action}; {login!r} is front desk", "forbidden")
