"""Why a message did not go out, as a code: the one map of the delivery layer's answers.

The SMS gateways and the mail sender report a failure as one English line with
the provider's own code ("SMSC: 0x0000000B ESME_RINVDSTADR", "recipient refused:
550 …", "SMTP connection: …"); scripts and the service desk read that line, and
it stays in ``Message.error``. Here each known answer is given a code, with the
provider's code as a value, when the outcome is recorded; the interface explains
the code to the desk (what happened, what to do). An answer not known here gets
the code ``unknown`` and the interface shows the line as it is.
"""

from __future__ import annotations

import re

from .coded import Coded

# SMPP command_status names (SMPP 3.4, 5.1.3) -> code
_SMSC_NAMES = {
    "ESME_RINVDSTADR": "number_invalid",
    "ESME_RINVDSTTON": "number_invalid",
    "ESME_RINVDSTNPI": "number_invalid",
    "ESME_RINVSRCADR": "sender_rejected",
    "ESME_RINVSRCTON": "sender_rejected",
    "ESME_RTHROTTLED": "throttled",
    "ESME_RMSGQFUL": "throttled",
    "ESME_RSYSERR": "provider_fault",
    "ESME_RINVMSGLEN": "text_rejected",
    "ESME_RINVPASWD": "auth_failed",
    "ESME_RINVSYSID": "auth_failed",
}
_SMSC = re.compile(r"SMSC: (?P<status>0x[0-9A-Fa-f]{8})(?: (?P<name>\w+))?")
_SMTP_REFUSED = re.compile(r"recipient refused: (?P<reply>\d{3}|None)\b.*")
_SMTP_ANSWER = re.compile(r"SMTP answer (?P<reply>\d{3})\b.*")
_GAVE_UP = re.compile(r"(?P<error>.+) \(gave up after (?P<attempts>\d+) attempts\)")
# automation's own line for a message it skipped (rows of before the codes)
_CREDITS = re.compile(r"not enough credits \(needs (?P<needs>\d+), has (?P<has>-?\d+)\)")

# whole answers, and answers that begin with a fixed text (the rest is technical detail)
_FIXED = {
    "invalid destination number": "number_invalid",
    "number rejected by the gateway": "number_rejected",
    "undelivered": "undelivered",
    "unknown to the gateway": "undelivered",
    "passing fault": "provider_fault",
    "permanent failure": "provider_refused",
    "SMSC: accepted without a message id": "provider_fault",
}
_PREFIXES = (
    ("undelivered: ", "undelivered"),
    ("gateway busy, try again later", "throttled"),
    ("gateway error: ", "gateway_unreachable"),
    ("not sendable over SMPP: ", "text_rejected"),
    ("e-mail error: ", "server_unreachable"),
    ("SMTP connection: ", "server_unreachable"),
    ("SMTP login refused: ", "auth_failed"),
    ("SMTP server cannot take this mail: ", "mail_refused"),
    ("address cannot be sent: ", "address_unusable"),
    ("mail cannot be built: ", "mail_unbuildable"),
    ("SMTP error: ", "server_unreachable"),
    ("no SMTP server configured", "mail_not_configured"),
)
# SMTP replies about the recipient's mailbox (RFC 5321 4.2.3): the address is wrong
_NO_MAILBOX = ("550", "551", "553")


def _smtp(reply: str | None, refused_recipient: bool) -> str:
    if reply is None:
        return "mailbox_unknown" if refused_recipient else "mail_refused"
    if reply.startswith("4"):
        return "mail_busy"
    if reply == "535":
        return "auth_failed"
    if refused_recipient and reply in _NO_MAILBOX:
        return "mailbox_unknown"
    return "mail_refused"


def fault(text: str | None) -> Coded:
    """The code of a failure line of the delivery layer (``unknown`` when it is none of the known)."""
    text = text or ""
    gave_up = _GAVE_UP.fullmatch(text)
    if gave_up:
        inner = fault(gave_up["error"])
        return Coded(inner.code, text, {**inner.values, "attempts": int(gave_up["attempts"])})
    if text in _FIXED:
        return Coded(_FIXED[text], text)
    found = _SMSC.fullmatch(text)
    if found:
        name = found["name"] or ""
        return Coded(_SMSC_NAMES.get(name, "provider_refused"), text, {"provider_code": name or found["status"]})
    found = _SMTP_REFUSED.fullmatch(text) or _SMTP_ANSWER.fullmatch(text)
    if found:
        reply = found["reply"] if found["reply"] != "None" else None
        code = _smtp(reply, text.startswith("recipient refused"))
        return Coded(code, text, {"provider_code": reply} if reply else {})
    found = _CREDITS.fullmatch(text)
    if found:
        return Coded("no_credits", text, {"needs": int(found["needs"]), "has": int(found["has"])})
    for prefix, code in _PREFIXES:
        if text.startswith(prefix):
            return Coded(code, text)
    return Coded("unknown", text)
