"""The ``[sms]`` section of the settings: which SMS gateway, and how to reach an SMSC.

``gateway = "mock"`` (the default) is the simulated provider inside the
worker; ``gateway = "smpp"`` binds to an SMS centre over SMPP 3.4. Every value
is checked when the file is loaded, so a typo is refused at once with the key
and the value named, instead of a worker that reconnects forever.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields

from .errors import UsageError

GATEWAYS = ("mock", "smpp")


@dataclass
class SmsSettings:
    gateway: str = "mock"
    host: str | None = None
    port: int = 2775
    system_id: str = ""
    password: str = ""
    system_type: str = ""
    tls: bool = False
    # a CA file to trust instead of the system's store (a provider with a CA of its own)
    tls_ca_file: str = ""
    # submit_sm sent and not yet answered, per link
    window: int = 10
    enquire_link_seconds: float = 30.0
    # a submit_sm unanswered this long is a passing fault (and the link is suspect)
    response_timeout_seconds: float = 10.0
    # back-off after a lost link: 0.5 s doubling up to this
    reconnect_max_seconds: float = 60.0
    # GSM-7 as one septet per octet (what most providers want) or packed 8 septets in 7 octets
    gsm7_packed: bool = False


# SMPP 3.4 field sizes without the terminating NUL (section 4.1)
_TEXT_LIMITS = {"system_id": 15, "password": 8, "system_type": 12, "host": 253, "tls_ca_file": 4096}
_NUMBER_LIMITS = {
    "port": (1, 65535),
    "window": (1, 1000),
    "enquire_link_seconds": (1, 3600),
    "response_timeout_seconds": (0.1, 600),
    "reconnect_max_seconds": (0.5, 3600),
}
_KNOWN = {f.name for f in fields(SmsSettings)}


def _refuse(key: str, value: object, expected: str) -> UsageError:
    return UsageError("usage.config_sms", key=key, value=value, expected=expected)


def load_sms_settings(values: dict[str, object]) -> SmsSettings:
    """The ``[sms]`` table checked key by key; the first bad one is refused (exit 2)."""
    sms = SmsSettings()
    for key, value in values.items():
        if key not in _KNOWN:
            raise UsageError("usage.config_sms_unknown", key=key)
        default = getattr(sms, key)
        if key == "gateway":
            if value not in GATEWAYS:
                raise _refuse(key, value, 'expected "mock" or "smpp"')
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise _refuse(key, value, "expected true or false")
        elif key in _NUMBER_LIMITS:
            low, high = _NUMBER_LIMITS[key]
            whole = isinstance(default, int)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (whole and not isinstance(value, int))
                or not math.isfinite(value)
                or not low <= value <= high
            ):
                kind = "a whole number" if whole else "a number"
                raise _refuse(key, value, f"expected {kind} from {low} to {high}")
            value = type(default)(value)
        else:  # text
            if not isinstance(value, str):
                raise _refuse(key, value, "expected text")
            limit = _TEXT_LIMITS[key]
            # SMPP fields are ASCII; a file path may be any text
            plain = value.isascii() or key == "tls_ca_file"
            if len(value) > limit or not plain or any(ord(c) < 32 for c in value):
                # a password is never repeated in an error message
                shown = "…" if key == "password" else value
                raise _refuse(
                    key,
                    shown,
                    f"expected at most {limit} plain characters" + (" (ASCII)" if key != "tls_ca_file" else ""),
                )
        setattr(sms, key, value)
    if sms.tls_ca_file and not os.path.isfile(os.path.expanduser(sms.tls_ca_file)):
        raise _refuse("tls_ca_file", sms.tls_ca_file, "no such file")
    if sms.gateway == "smpp":
        if not sms.host:
            raise UsageError("usage.config_sms_host")
        if not sms.system_id:
            raise UsageError("usage.config_sms_system")
    return sms
