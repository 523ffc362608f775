"""The Mandant's SMS sender: what every SMSC takes, checked when it is saved."""

from __future__ import annotations

import pytest

from vitosms_tui.core import mandanten
from vitosms_tui.core.errors import NotFound, Refused


@pytest.mark.parametrize("sender", ["Dr Hauser", "Praxis-Bern", "Dr. Muster", "+41791234567", "+4312345678"])
def test_letters_or_an_international_number_are_taken(db, sender):
    mandant = mandanten.add_mandant("M1", "Dr. med. Muster", sender, user="test")
    assert mandant.sender == sender


@pytest.mark.parametrize(
    "sender",
    ["Praxis Dr. Muster", "0791234567", "12345", "+0791234567", "+41 79 123 45 67", "Grüezi", "+4179123456789012"],
)
def test_anything_else_is_refused_and_nothing_is_saved(db, sender):
    with pytest.raises(Refused) as refused:
        mandanten.add_mandant("M1", "Dr. med. Muster", sender, user="test")
    assert refused.value.code == "invalid_sender"
    assert "\n" not in str(refused.value)
    with pytest.raises(NotFound):
        mandanten.get_mandant("M1")
