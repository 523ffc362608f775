"""Mandanten (billing doctors) and their service settings."""

from __future__ import annotations

import re
from typing import Any

from . import audit, roles
from .db import write_transaction
from .errors import NotFound, Refused
from .models import CHANNELS, ROLES, Mandant, Staff
from .phone import normalize_email
from .practice_details import LIMITS, check_detail

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
# Alphanumeric sender IDs: at most 11 characters, letters, digits, space, few signs
# (what every SMSC takes as source_addr_ton 5) ...
_SENDER = re.compile(r"^[A-Za-z0-9 .\-]{1,11}$")
# ... or a number in international form, for replies to a mobile of the practice
_SENDER_NUMBER = re.compile(r"^\+[1-9][0-9]{6,14}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def get_mandant(code: str) -> Mandant:
    mandant = Mandant.get_or_none(Mandant.code == (code or "").strip())
    if mandant is None:
        raise NotFound("not_found.mandant_code", code=code)
    return mandant


DEFAULT_CHANNEL_ORDER = ("sms", "email")


def channel_order(mandant: Mandant | None) -> tuple[str, ...]:
    """The Mandant's channels, preferred first: the one reading of ``Mandant.channel_order``.

    The column holds ``"sms,email"``; an empty or damaged value means the default
    order, and a name that is no channel is left out.
    """
    raw = mandant.channel_order if mandant is not None else ""
    order = tuple(dict.fromkeys(c.strip() for c in (raw or "").split(",") if c.strip() in CHANNELS))
    return order or DEFAULT_CHANNEL_ORDER


def check_sender(sender: str) -> str:
    text = (sender or "").strip()
    if _SENDER_NUMBER.match(text):
        return text
    if not _SENDER.match(text) or not any(c.isalpha() for c in text):
        raise Refused("invalid_sender", sender=sender)
    return text


def add_mandant(code: str, name: str, sender: str | None = None, user: str = "") -> Mandant:
    """Create a Mandant; the SMS sender defaults to the name cut to 11 characters."""
    code = (code or "").strip()
    if not _CODE.match(code):
        raise Refused("invalid_code", code=code)
    name = (name or "").strip()
    if not name or len(name) > 120 or any(ord(c) < 32 for c in name):
        raise Refused("invalid_name.mandant")
    if sender is None:
        sender = re.sub(r"[^A-Za-z0-9 .\-]", "", name)[:11].strip() or code[:11]
    sender = check_sender(sender)
    with write_transaction():
        if Mandant.get_or_none(Mandant.code == code):
            raise Refused("duplicate.mandant", code=code)
        mandant = Mandant.create(code=code, name=name, sender=sender)
        audit.record(user, "mandant_add", mandant=mandant)
    return mandant


def parse_clock_time(text: str, what: str) -> str:
    value = (text or "").strip()
    if not _TIME.match(value):
        raise Refused("invalid_time.setting", what=what, text=text)
    return value


def update_settings(mandant: Mandant, user: str = "", **changes: Any) -> Mandant:
    """Change service settings; every value is checked before anything is saved.

    Known keys: auto_reminders, lead_hours, auto_birthday, birthday_time,
    quiet ("HH:MM-HH:MM"), low_balance, channel_order (list), name, sender,
    practice_phone, practice_address, signature (empty: none).
    """
    # the values come from the command line and the forms: each is checked for its key below
    updates: dict[str, Any] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key in ("auto_reminders", "auto_birthday"):
            updates[key] = bool(value)
        elif key == "lead_hours":
            if not isinstance(value, int) or not 1 <= value <= 24 * 14:
                raise Refused("invalid_lead_time")
            updates[key] = value
        elif key == "birthday_time":
            updates[key] = parse_clock_time(value, "birthday time")
        elif key == "quiet":
            start, sep, end = str(value).partition("-")
            if not sep:
                raise Refused("invalid_time.quiet_hours", value=value)
            updates["quiet_start"] = parse_clock_time(start, "start of quiet hours")
            updates["quiet_end"] = parse_clock_time(end, "end of quiet hours")
        elif key == "low_balance":
            if not isinstance(value, int) or value < 0:
                raise Refused("invalid_amount.low_balance")
            updates[key] = value
        elif key == "channel_order":
            channels = [c.strip() for c in value]
            if not channels or any(c not in CHANNELS for c in channels) or len(set(channels)) != len(channels):
                raise Refused("invalid_channel.order")
            updates[key] = ",".join(channels)
        elif key in LIMITS:  # the practice's details in this Mandant's texts
            updates[key] = check_detail(key, value)
        elif key == "sender":
            updates[key] = check_sender(value)
        elif key == "name":
            if not str(value).strip():
                raise Refused("invalid_name.mandant_required")
            updates[key] = str(value).strip()
        else:
            raise Refused("invalid_setting", key=key)
    if updates:
        with write_transaction():
            Mandant.update(**updates).where(Mandant.id == mandant.id).execute()
            audit.record(user, "mandant_settings", mandant=mandant, **updates)
    return Mandant.get_by_id(mandant.id)


def list_mandanten(active_only: bool = False) -> list[Mandant]:
    query = Mandant.select().order_by(Mandant.code)
    if active_only:
        query = query.where(Mandant.active == True)  # noqa: E712
    return list(query)


def add_staff(
    login: str, name: str, role: str, user: str = "", may_order: bool = False, email: str | None = None
) -> Staff:
    login = (login or "").strip()
    if not re.match(r"^[A-Za-z0-9_.@-]{1,64}$", login):
        raise Refused("invalid_login", login=login)
    if role not in ROLES:
        raise Refused("invalid_role", role=role)
    name = (name or "").strip()
    if not name or any(ord(c) < 32 for c in name):
        raise Refused("invalid_name.staff")
    if email is not None:
        email = normalize_email(email)  # the staff member's own address, for exports
    with write_transaction():
        if Staff.get_or_none(Staff.login == login):
            raise Refused("duplicate.login", login=login)
        # naming a service-desk login is a service-desk action once the practice has one
        # (else any login could make itself service desk); the first one sets the practice up
        if role == roles.SERVICEDESK and Staff.select().where(Staff.role == roles.SERVICEDESK).exists():
            roles.require_servicedesk(user, "add a service-desk login")
        # the right to order spends the practice's money: granted like a service-desk login
        if may_order and Staff.select().where(Staff.role == roles.SERVICEDESK).exists():
            roles.require_servicedesk(user, "let a login order credits")
        staff = Staff.create(login=login, name=name, role=role, may_order=bool(may_order), email=email)
        audit.record(user, "staff_add", login=login, role=role, may_order=bool(may_order))
    return staff


def staff_email(login: str) -> str | None:
    """The staff member's own e-mail address, if their entry has one (exports go there)."""
    staff = Staff.get_or_none(Staff.login == login)
    return staff.email if staff is not None and staff.email else None
