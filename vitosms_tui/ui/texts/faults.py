"""Why a message did not go out, in words the front desk understands: what happened, what to do.

The core records each failure as a code (:mod:`vitosms_tui.core.faults`: the
delivery layer's answers; :mod:`vitosms_tui.core.expiry`: a message whose moment
passed; a refusal's key for an automatic message that was skipped) with its
values. The provider's own code is kept in brackets for a call to the provider.
An answer of an unknown form is shown as it was stored: nothing is hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core.faults import fault
from ..i18n import N_, _
from ..sanitize import clean
from .refusals import REFUSALS
from .values import render

FAULTS: dict[str, str] = {
    # SMS
    "number_invalid": N_("The number cannot receive SMS: check the mobile number in the person's data"),
    "number_rejected": N_("The provider rejected the number: check the mobile number, or send an e-mail"),
    "undelivered": N_("The SMS did not reach the phone (switched off or out of reach): send again later or by e-mail"),
    "throttled": N_("The SMS provider is busy; the SMS is tried again by itself"),
    "provider_fault": N_("The SMS provider had a fault; the SMS is tried again by itself"),
    "gateway_unreachable": N_("The SMS provider could not be reached; the SMS is tried again by itself"),
    "sender_rejected": N_("The provider rejected the practice's sender name: tell the service desk"),
    "text_rejected": N_("The provider cannot take this text: shorten it or leave out special characters"),
    "provider_refused": N_("The provider refused the SMS: if it happens again, tell the service desk"),
    "auth_failed": N_("The provider refused the practice's login: tell the service desk"),
    # e-mail
    "mailbox_unknown": N_("The e-mail address does not exist: check it with the patient"),
    "mail_refused": N_("The mail server refused the e-mail: check the address, or tell the service desk"),
    "mail_busy": N_("The mail server takes nothing at the moment; the e-mail is tried again by itself"),
    "server_unreachable": N_("The mail server could not be reached; the e-mail is tried again by itself"),
    "address_unusable": N_("The e-mail address cannot be used: check it with the patient"),
    "mail_unbuildable": N_("The e-mail could not be put together: tell the service desk"),
    "mail_not_configured": N_("No mail server is set up; the e-mail waits: tell the service desk"),
    # the practice's side
    "no_credits": N_("Not enough credits (needs {needs}, has {has}): order credits"),
    "appointment_began": N_("its appointment began at {when}"),
    "birthday_over": N_("its birthday was over at {when}"),
    "recall_closed": N_("its recall is {state}: the notice is no longer needed"),
    "quiet_hours_beyond": N_("the quiet hours last beyond its moment ({when}): not sent at all"),
    "moment_passed": N_("its moment has passed"),
}


def fault_text(code: str | None, values: Mapping[str, Any] | None, stored: str | None) -> str:
    """The failure ``code`` with ``values`` for the desk; ``stored`` (the English line) when the code is unknown."""
    values = values or {}
    if code in FAULTS:
        text = render(FAULTS[code], values)
    elif code in REFUSALS:
        return render(REFUSALS[code], values)
    else:
        return clean(stored or "")
    if values.get("provider_code"):
        text = f"{text} ({clean(values['provider_code'])})"
    if values.get("attempts"):
        text = _("{error}; given up after {count} attempts").format(error=text, count=values["attempts"])
    return text


def stored_fault_text(text: str | None) -> str:
    """A failure line of a row written before codes: the core's map of the delivery answers gives its code."""
    found = fault(text)
    return fault_text(found.code, found.values, text)
