"""Mobile numbers and e-mail addresses, checked before anything is queued."""

from __future__ import annotations

# phonenumbers and email_validator are imported where a number or an address is
# checked or formatted, not with this module: they are slow to import, and the
# start of the terminal interface (whose first view loads the outbox, hence this
# module) needs neither.
from typing import TYPE_CHECKING

from .errors import Refused

if TYPE_CHECKING:
    import phonenumbers

REGION = "CH"


def _parse(text: str) -> phonenumbers.PhoneNumber:
    import phonenumbers
    from phonenumbers import NumberParseException

    raw = (text or "").strip()
    if not raw:
        raise Refused("invalid_number.empty")
    if len(raw) > 40:
        raise Refused("invalid_number.too_long")
    # "+41 (0)79 …" is a common Swiss spelling: the (0) is not dialled.
    raw = raw.replace("(0)", "")
    try:
        number = phonenumbers.parse(raw, REGION)
    except NumberParseException:
        raise Refused("invalid_number.not_phone", text=raw) from None
    if not phonenumbers.is_valid_number(number):
        raise Refused("invalid_number.invalid", text=raw)
    if number.extension:
        # an SMS cannot reach an extension: dropping it would store another number than typed
        raise Refused("invalid_number.extension", text=raw)
    return number


def normalize_phone(text: str) -> str:
    """Any usual spelling of a valid number -> E.164 (``+41791234567``)."""
    import phonenumbers

    return phonenumbers.format_number(_parse(text), phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """Whether the number can receive an SMS (074 is a Swiss pager range: no)."""
    import phonenumbers
    from phonenumbers import NumberParseException, PhoneNumberType

    try:
        number = phonenumbers.parse(e164, REGION)
    except NumberParseException:
        return False
    return phonenumbers.number_type(number) in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def normalize_mobile(text: str) -> str:
    """Like :func:`normalize_phone`, but refuses numbers that cannot get an SMS."""
    e164 = normalize_phone(text)
    if not is_mobile(e164):
        raise Refused("landline", number=e164)
    return e164


def format_phone(e164: str | None) -> str:
    """A number as people at a Swiss desk write it (``079 123 45 67``)."""
    if not e164:
        return ""
    import phonenumbers
    from phonenumbers import NumberParseException

    try:
        number = phonenumbers.parse(e164, REGION)
    except NumberParseException:
        return e164
    if number.country_code == 41:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalize_email(text: str) -> str:
    """A syntactically valid address (no DNS look-up), normalised."""
    raw = (text or "").strip()
    if not raw:
        raise Refused("invalid_email.empty")
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "invalid"
        raise Refused("invalid_email.invalid", text=raw, reason=reason) from None
    return result.normalized


def looks_like_email(text: str) -> bool:
    return "@" in (text or "")


def mask_number(e164: str) -> str:
    """For logs: ``+41791234567`` -> ``+4179*****67``."""
    if len(e164) < 7:
        return "***"
    return e164[:5] + "*" * (len(e164) - 7) + e164[-2:]


def mask_address(address: str) -> str:
    """For logs: ``anna.muster@example.ch`` -> ``a***@example.ch``."""
    local_part, _, domain = address.partition("@")
    return (local_part[:1] or "*") + "***@" + domain


def mask_recipient(recipient: str) -> str:
    return mask_address(recipient) if looks_like_email(recipient) else mask_number(recipient)
