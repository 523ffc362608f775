"""Why a message did not go out, in words the front desk understands.

The gateways and the mail sender store their answer in English with the
provider's own code ("SMSC: 0x0000000B ESME_RINVDSTADR", "recipient refused:
550 …"): scripts and the service desk read it so. The desk needs to know what
happened and whether to act, so the known answers are explained here and the
code is kept in brackets for a call to the provider. An answer not known here
is shown as it was stored: nothing is hidden.
"""

from __future__ import annotations

import re

from ..i18n import N_, _

# SMPP command_status names (SMPP 3.4, 5.1.3) the desk can do something about
_SMSC_NAMES = {
    "ESME_RINVDSTADR": N_("The provider rejected the number"),
    "ESME_RINVDSTTON": N_("The provider rejected the number"),
    "ESME_RINVDSTNPI": N_("The provider rejected the number"),
    "ESME_RINVSRCADR": N_("The provider rejected the sender name"),
    "ESME_RINVSRCTON": N_("The provider rejected the sender name"),
    "ESME_RTHROTTLED": N_("The provider is busy; the SMS is tried again"),
    "ESME_RMSGQFUL": N_("The provider is busy; the SMS is tried again"),
    "ESME_RSYSERR": N_("The provider had a fault; the SMS is tried again"),
    "ESME_RINVMSGLEN": N_("The provider rejected the length of the text"),
    "ESME_RINVPASWD": N_("The provider refused the practice's login"),
    "ESME_RINVSYSID": N_("The provider refused the practice's login"),
}

_SMSC = re.compile(r"SMSC: (?P<code>0x[0-9A-Fa-f]{8})(?: (?P<name>\w+))?")
_SMTP_REFUSED = re.compile(r"recipient refused: (?P<code>\d{3}|None)\b.*")
_SMTP_ANSWER = re.compile(r"SMTP answer (?P<code>\d{3})\b.*")
_GAVE_UP = re.compile(r"(?P<error>.+) \(gave up after (?P<count>\d+) attempts\)")

# exact answers and answers that start with a fixed text; the rest of such an
# answer is technical and stays in the detail for the provider
_FIXED = {
    "invalid destination number": N_("The provider rejected the number as invalid"),
    "number rejected by the gateway": N_("The provider rejected the number"),
    "undelivered": N_("The SMS did not reach the phone"),
    "passing fault": N_("A passing fault; tried again"),
    "permanent failure": N_("The provider refused the message"),
    "SMSC: accepted without a message id": N_("The provider took the SMS without a reference; tried again"),
}
_PREFIXES = (
    ("undelivered: ", N_("The SMS did not reach the phone")),
    ("gateway busy, try again later", N_("The provider is busy; the SMS is tried again")),
    ("gateway error: ", N_("The SMS provider could not be reached; tried again")),
    ("not sendable over SMPP: ", N_("The SMS cannot be handed to the provider in this form")),
    ("e-mail error: ", N_("The mail server could not be reached; tried again")),
    ("SMTP connection: ", N_("No connection to the mail server; tried again")),
    ("SMTP login refused: ", N_("The mail server refused the practice's login")),
    ("SMTP server cannot take this mail: ", N_("The mail server cannot take this e-mail")),
    ("address cannot be sent: ", N_("The e-mail address cannot be handed to the mail server")),
    ("mail cannot be built: ", N_("The e-mail could not be put together")),
    ("SMTP error: ", N_("The mail server could not be reached; tried again")),
    ("not enough credits", N_("Not enough credits")),
)


def _with_code(words: str, code: str | None) -> str:
    return f"{_(words)} ({code})" if code else _(words)


def fault_text(text: str) -> str | None:
    """The explanation of a provider's or mail server's answer, None when it is not known."""
    gave_up = _GAVE_UP.fullmatch(text)
    if gave_up:
        inner = fault_text(gave_up["error"]) or gave_up["error"]
        return _("{error}; given up after {count} attempts").format(error=inner, count=gave_up["count"])
    if text in _FIXED:
        return _(_FIXED[text])
    smsc = _SMSC.fullmatch(text)
    if smsc:
        words = _SMSC_NAMES.get(smsc["name"] or "", N_("The provider refused the SMS"))
        return _with_code(words, smsc["name"] or smsc["code"])
    refused = _SMTP_REFUSED.fullmatch(text)
    if refused:
        code = refused["code"] if refused["code"] != "None" else None
        return _with_code(N_("The mail server did not accept the address"), code)
    answer = _SMTP_ANSWER.fullmatch(text)
    if answer:
        code = answer["code"]
        words = (
            N_("The mail server takes nothing at the moment; tried again")
            if code.startswith("4")
            else N_("The mail server refused the e-mail")
        )
        return _with_code(words, code)
    for prefix, words in _PREFIXES:
        if text.startswith(prefix):
            rest = text[len(prefix) :].strip(" :")
            needs = re.fullmatch(r"\(needs (\d+), has (\d+)\)", rest)
            if needs:
                return _("Not enough credits (needs {needs}, has {has})").format(needs=needs[1], has=needs[2])
            return _(words)
    return None
