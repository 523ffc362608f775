"""Settings from the TOML file (``--config`` / ``VITOSMS_CONFIG``) and the environment.

Everything has a default, so a practice can start without a file. A broken
file is a configuration error (exit code 2) with the reason on one line.
"""

from __future__ import annotations

import math
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError


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
    backoff_seconds: float = 5.0       # first retry; doubles each attempt
    backoff_max_seconds: float = 900.0
    lease_seconds: float = 60.0        # a killed worker's claims are free after this
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
    gateway: str = "mock"
    ui_language: str = "de"
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None


# no setting needs more (seconds, attempts, sizes); larger values overflow date arithmetic
MAX_NUMBER = 1_000_000_000

_SECTIONS = {"smtp": SmtpSettings, "delivery": DeliverySettings, "agenda": AgendaSettings,
             "caldav": CaldavSettings}


def _apply(target, values: dict, section: str) -> None:
    for key, value in values.items():
        if not hasattr(target, key):
            raise UsageError(f"config [{section}]: unknown setting {key!r}")
        current = getattr(target, key)
        if isinstance(current, bool) and not isinstance(value, bool):
            raise UsageError(f"config [{section}] {key}: expected true or false")
        if isinstance(current, (int, float)) and not isinstance(current, bool):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise UsageError(f"config [{section}] {key}: expected a number")
            # inf, nan or 1e308 would pass the checks below and break date arithmetic later
            if not math.isfinite(value) or abs(value) > MAX_NUMBER:
                raise UsageError(f"config [{section}] {key}: expected a number up to {MAX_NUMBER:,}")
            if value < 0:
                raise UsageError(f"config [{section}] {key}: cannot be negative")
            value = type(current)(value)
        elif current is None and not isinstance(value, str):
            raise UsageError(f"config [{section}] {key}: expected text")
        elif isinstance(current, str) and not isinstance(value, str):
            raise UsageError(f"config [{section}] {key}: expected text")
        setattr(target, key, value)


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Read the config file (if any) and the ``VITOSMS_SMTP_*`` variables."""
    settings = Settings()
    path = path or os.environ.get("VITOSMS_CONFIG") or None
    if path:
        file = Path(path).expanduser()
        settings.path = file
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            raise UsageError(f"config file not found: {file}") from None
        except OSError as exc:
            raise UsageError(f"cannot read config file {file}: {exc.strerror}") from None
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"config file {file} is not valid TOML: {str(exc).splitlines()[0]}") from None
        for key, value in data.items():
            if key in _SECTIONS:
                if not isinstance(value, dict):
                    raise UsageError(f"config: [{key}] must be a table")
                _apply(getattr(settings, key), value, key)
            elif key == "gateway":
                kind = value.get("kind") if isinstance(value, dict) else value
                if kind != "mock":
                    raise UsageError(f"config: unknown SMS gateway {kind!r} (known: mock)")
            elif key == "ui":
                language = value.get("language", "de") if isinstance(value, dict) else None
                if language not in ("de", "en"):
                    raise UsageError("config [ui] language: expected \"de\" or \"en\"")
                settings.ui_language = language
            else:
                raise UsageError(f"config: unknown section [{key}]")
        if (settings.smtp.password or settings.caldav.password) and file.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            settings.warnings.append(
                f"config file {file} holds a password and is readable by others: chmod 600 it"
            )
    host = os.environ.get("VITOSMS_SMTP_HOST")
    if host:
        settings.smtp.host = host
    port = os.environ.get("VITOSMS_SMTP_PORT")
    if port:
        try:
            settings.smtp.port = int(port)
        except ValueError:
            raise UsageError(f"VITOSMS_SMTP_PORT is not a port number: {port!r}") from None
    settings.caldav.password = os.environ.get("VITOSMS_CALDAV_PASSWORD") or settings.caldav.password
    language = os.environ.get("VITOSMS_LANG")
    if language in ("de", "en"):
        settings.ui_language = language
    return settings
