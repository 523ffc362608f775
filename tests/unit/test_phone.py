import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vitosms_tui.core.errors import Refused
from vitosms_tui.core.phone import (
    format_phone,
    is_mobile,
    mask_recipient,
    normalize_email,
    normalize_mobile,
    normalize_phone,
)


@pytest.mark.parametrize(
    "spelling",
    [
        "079 123 45 67",
        "+41 79 123 45 67",
        "+41 (0)79 123 45 67",
        "0041791234567",
        "079-123-45-67",
        "0791234567",
        "+41791234567",
        " 079 123 45 67 ",
    ],
)
def test_swiss_spellings_normalise_to_e164(spelling):
    assert normalize_mobile(spelling) == "+41791234567"


def test_landline_is_a_number_but_not_for_sms():
    assert normalize_phone("044 123 45 67") == "+41441234567"
    assert not is_mobile("+41441234567")
    with pytest.raises(Refused) as err:
        normalize_mobile("044 123 45 67")
    assert err.value.code == "landline"


def test_pager_range_074_is_no_mobile():
    with pytest.raises(Refused):
        normalize_mobile("074 123 45 67")


@pytest.mark.parametrize(
    "number,expected",
    [
        ("+49 151 23456789", "+4915123456789"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+39 347 123 4567", "+393471234567"),
    ],
)
def test_foreign_mobiles_valid_in_their_country(number, expected):
    assert normalize_mobile(number) == expected


@pytest.mark.parametrize("bad", ["", "hello", "079 123", "+41 79 123 45 67 89 12", "1" * 60])
def test_bad_numbers_refused(bad):
    with pytest.raises(Refused):
        normalize_mobile(bad)


def test_format_for_the_desk():
    assert format_phone("+41791234567") == "079 123 45 67"


def test_email_validation_without_dns():
    assert normalize_email("Anna.Muster@Example.CH") == "Anna.Muster@example.ch"
    for bad in ["anna", "anna@", "@example.ch", "anna@@example.ch", "anna muster@example.ch"]:
        with pytest.raises(Refused):
            normalize_email(bad)


def test_masking_for_logs():
    assert mask_recipient("+41791234567") == "+4179*****67"
    assert mask_recipient("anna@example.ch") == "a***@example.ch"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_never_crashes(text):
    for normalize in (normalize_mobile, normalize_phone, normalize_email):
        try:
            normalized = normalize(text)
        except Refused:
            continue
        # what is accepted comes back in the one spelling that is accepted again unchanged
        assert normalize(normalized) == normalized
