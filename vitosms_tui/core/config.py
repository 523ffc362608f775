"""Settings from the TOML file (``--config`` / ``VITOSMS_CONFIG``) and the environment.

Everything has a default, so a practice can start without a file. A broken
file is a configuration error (exit code 2) with the reason on one line,
found when the file is loaded (by every command, ``serve`` and the worker),
not when the first mail fails: each key has a check in :data:`CHECKS`, a new
section adds its own.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import stat
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError
from .paths import read_limited
from .sms_settings import SmsSettings, load_sms_settings


@dataclass
class SmtpSettings:
    host: str | None = None
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False
    timeout: float = 30.0
    sender: str = "praxis@example.ch"
    pool_size: int = 2


@dataclass
class DeliverySettings:
    max_attempts: int = 8
    backoff_seconds: float = 5.0  # first retry; doubles each attempt
    backoff_max_seconds: float = 900.0
    lease_seconds: float = 60.0  # a killed worker's claims are free after this
    batch_size: int = 50
    report_delay_seconds: float = 1.0  # mock gateway: delivery report after acceptance
    max_sms_parts: int = 6


@dataclass
class AgendaSettings:
    day_start: str = "07:00"
    day_end: str = "19:00"
    slot_minutes: int = 15


@dataclass
class CaldavSettings:
    """The practice's calendar server account (``vitosms sync caldav``)."""

    login: str = ""
    password: str | None = None
    timeout: float = 20.0


@dataclass
class Settings:
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    agenda: AgendaSettings = field(default_factory=AgendaSettings)
    caldav: CaldavSettings = field(default_factory=CaldavSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    gateway: str = "mock"
    ui_language: str = "de"
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None


MAX_CONFIG_BYTES = 1 << 20  # a settings file is a few lines; /dev/zero must not fill the memory
# no setting needs more (seconds, attempts, sizes); larger values overflow date arithmetic
MAX_NUMBER = 1_000_000_000

_SECTIONS = {"smtp": SmtpSettings, "delivery": DeliverySettings, "agenda": AgendaSettings, "caldav": CaldavSettings}


def _apply(target: object, values: dict[str, object], section: str) -> None:
    for key, value in values.items():
        if not hasattr(target, key):
            raise UsageError("usage.config_unknown_setting", section=section, key=key)
        current = getattr(target, key)
        if isinstance(current, bool) and not isinstance(value, bool):
            raise UsageError("usage.config_expected_true", section=section, key=key)
        if isinstance(current, (int, float)) and not isinstance(current, bool):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise UsageError("usage.config_expected_number", section=section, key=key)
            # inf, nan or 1e308 would pass the checks below and break date arithmetic later
            if not math.isfinite(value) or abs(value) > MAX_NUMBER:
                raise UsageError("usage.config_number_up_to", section=section, key=key, limit=MAX_NUMBER)
            if value < 0:
                raise UsageError("usage.config_cannot_negative", section=section, key=key)
            value = type(current)(value)
            check_value(section, key, value)
        elif current is None and not isinstance(value, str):
            raise UsageError("usage.config_expected_text", section=section, key=key)
        elif isinstance(current, str) and not isinstance(value, str):
            raise UsageError("usage.config_expected_text", section=section, key=key)
        if isinstance(value, str):
            check_value(section, key, value)
        setattr(target, key, value)


# -- what each value may be ---------------------------------------------------------
# A check returns None for a good value, else what is wrong (the key and the value are
# put in front of it). A new section adds its checks with its own entry in CHECKS.

_HOSTNAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@" + _HOSTNAME.pattern.replace("(?=.{1,253}$)", ""))
_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def host(value: object) -> str | None:
    """A host name or an IP address, as a resolver takes it."""
    text = str(value)
    try:
        ipaddress.ip_address(text.strip("[]"))
        return None
    except ValueError:
        pass
    return None if _HOSTNAME.fullmatch(text) else "is not a host name or IP address"


def port(value: object) -> str | None:
    return None if isinstance(value, int) and 1 <= value <= 65535 else "is not a port number (1-65535)"


def address(value: object) -> str | None:
    """One plain e-mail address (the envelope sender; no name, no line break)."""
    return None if _ADDRESS.fullmatch(str(value)) else "is not one e-mail address like praxis@example.ch"


def one_line(value: object) -> str | None:
    return None if str(value).isprintable() else "must be one line without control characters"


def between(low: float, high: float) -> Callable[[float], str | None]:
    def check(value: float) -> str | None:
        return None if low <= value <= high else f"must be between {low:g} and {high:g}"

    return check


def clock_time(value: object) -> str | None:
    return None if _CLOCK.fullmatch(str(value)) else "is not a time of day HH:MM"


# a value's type is checked before its check runs: numbers go to between(), text to the others
CHECKS: dict[str, dict[str, Callable[[Any], str | None]]] = {
    "smtp": {
        "host": host,
        "port": port,
        "username": one_line,
        "password": one_line,
        "timeout": between(1, 600),
        "sender": address,
        "pool_size": between(1, 20),
    },
    # lease: the worker drops a claim with less than half a second left, so a
    # lease must leave room to send (it is renewed while a message is in hand)
    "delivery": {
        "max_attempts": between(1, 100),
        "backoff_seconds": between(0.01, 86_400),
        "backoff_max_seconds": between(0.01, 7 * 86_400),
        "lease_seconds": between(1, 86_400),
        "batch_size": between(1, 10_000),
        "report_delay_seconds": between(0, 86_400),
        "max_sms_parts": between(1, 10),
    },
    "agenda": {"day_start": clock_time, "day_end": clock_time, "slot_minutes": between(1, 240)},
}
SECRET_KEYS = {"password"}  # named in an error, never shown


def check_value(section: str, key: str, value: object) -> None:
    """Refuse ``value`` for ``[section] key`` in one line naming both (a secret stays hidden)."""
    check = CHECKS.get(section, {}).get(key)
    problem = check(value) if check is not None and value is not None else None
    if problem:
        shown = "(hidden)" if key in SECRET_KEYS else repr(value)
        raise UsageError("usage.config", section=section, key=key, shown=shown, problem=problem)


def _check_together(settings: Settings) -> None:
    delivery = settings.delivery
    if delivery.backoff_max_seconds < delivery.backoff_seconds:
        raise UsageError(
            "usage.config_delivery_backoff",
            backoff_max_seconds=delivery.backoff_max_seconds,
            backoff_seconds=delivery.backoff_seconds,
        )
    if settings.agenda.day_end <= settings.agenda.day_start:
        raise UsageError(
            "usage.config_agenda_day", day_end=settings.agenda.day_end, day_start=settings.agenda.day_start
        )


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read the config file (if any) and the ``VITOSMS_SMTP_*`` variables."""
    settings = Settings()
    path = path or os.environ.get("VITOSMS_CONFIG") or None
    if path:
        file = Path(path).expanduser()
        settings.path = file
        raw = read_limited(file, MAX_CONFIG_BYTES, "config file")
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError("usage.config_file_valid", file=file, reason=str(exc).splitlines()[0]) from None
        for key, value in data.items():
            if key in _SECTIONS:
                if not isinstance(value, dict):
                    raise UsageError("usage.config_table", key=key)
                _apply(getattr(settings, key), value, key)
            elif key == "sms":
                if not isinstance(value, dict):
                    raise UsageError("usage.config_sms_table")
                settings.sms = load_sms_settings(value)
                settings.gateway = settings.sms.gateway
            elif key == "gateway":
                kind = value.get("kind") if isinstance(value, dict) else value
                if kind != "mock":
                    raise UsageError("usage.config_unknown_sms", kind=kind)
            elif key == "ui":
                language = value.get("language", "de") if isinstance(value, dict) else None
                if language not in ("de", "en"):
                    raise UsageError("usage.config_ui_language")
                settings.ui_language = language
            else:
                raise UsageError("usage.config_unknown_section", key=key)
        if (settings.smtp.password or settings.caldav.password or settings.sms.password) and file.stat().st_mode & (
            stat.S_IRWXG | stat.S_IRWXO
        ):
            settings.warnings.append(f"config file {file} holds a password and is readable by others: chmod 600 it")
    server = os.environ.get("VITOSMS_SMTP_HOST")
    if server:
        if host(server):
            raise UsageError("usage.vitosms_smtp_host", server=server, host=host(server))
        settings.smtp.host = server
    number = os.environ.get("VITOSMS_SMTP_PORT")
    if number:
        try:
            settings.smtp.port = int(number)
        except ValueError:
            raise UsageError("usage.smtp_port_not_number", number=number) from None
        if port(settings.smtp.port):
            raise UsageError("usage.smtp_port_invalid", number=number, port=port(settings.smtp.port))
    settings.caldav.password = os.environ.get("VITOSMS_CALDAV_PASSWORD") or settings.caldav.password
    _check_together(settings)
    language = os.environ.get("VITOSMS_LANG")
    if language in ("de", "en"):
        settings.ui_language = language
    return settings
