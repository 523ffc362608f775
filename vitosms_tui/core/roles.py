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


def may_order(login: str) -> bool:
    """Orders cost the practice money: the service desk, or staff added with ``--may-order``."""
    staff = Staff.get_or_none(Staff.login == login)
    return staff is not None and (staff.role == SERVICEDESK or bool(staff.may_order))


def require_order_right(login: str) -> None:
    """Refuse an order unless ``login`` may order credits."""
    if not may_order(login):
        raise Refused("forbidden.order", login=login)


def require_servicedesk(login: str, action: str) -> None:
    """Refuse ``action`` unless ``login`` belongs to the service desk."""
    if not is_servicedesk(login):
        raise Refused("forbidden.service_desk", action=action, login=login)
