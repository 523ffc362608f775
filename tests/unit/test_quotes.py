"""A message for several recipients: a draft each, and every recipient who cannot get it named."""

from dataclasses import dataclass

import pytest

from vitosms_tui.core import clock, quotes
from vitosms_tui.core.models import Person
from vitosms_tui.core.persons import PersonInput, add_person


@dataclass(frozen=True)
class To:
    channel: str
    address: str
    person: Person | None = None


@pytest.fixture(autouse=True)
def _fixed_start():
    clock.set_now("2026-11-27T09:00:00+01:00")


@pytest.fixture
def anna(db):
    return add_person(PersonInput(first_name="Anna", last_name="Muster", mobile="079 123 45 67", language="fr"))


def test_each_person_gets_the_text_filled_in_for_them(mandant, anna):
    found = quotes.quote_batch(
        mandant, [To("sms", anna.mobile, anna), To("sms", "+41795551234")], "free", "{greeting}, à bientôt", ""
    )
    assert found.sendable and found.problems == [] and found.refusal is None
    assert found.drafts[0].body.startswith("Bonjour") and found.drafts[0].person == anna
    assert found.quote.total_credits == sum(line.credits for line in found.quote.lines) > 0


def test_every_recipient_who_cannot_get_it_is_named_not_only_the_first(mandant, anna):
    landline, also_landline = To("sms", "+41442345678"), To("sms", "+41313456789")
    found = quotes.quote_batch(mandant, [To("sms", anna.mobile, anna), landline, also_landline], "free", "Hallo", "")
    assert [(recipient, error.code) for recipient, error in found.problems] == [
        (landline, "landline"),
        (also_landline, "landline"),
    ]
    assert not found.sendable and found.drafts == [] and found.quote is None


def test_a_text_that_cannot_be_filled_for_one_recipient_names_them(mandant, anna):
    typed = To("sms", "+41795551234")
    found = quotes.quote_batch(mandant, [To("sms", anna.mobile, anna), typed], "free", "{first_name}", "")
    assert [(recipient, error.code) for recipient, error in found.problems] == [(typed, "missing_value")]
    assert [draft.body for draft in found.drafts] == ["Anna"] and not found.sendable


def test_an_inactive_mandant_refuses_the_whole_batch(mandant, anna):
    mandant.active = False
    mandant.save()
    found = quotes.quote_batch(mandant, [To("sms", anna.mobile, anna)], "free", "Guten Tag", "")
    assert found.refusal is not None and found.refusal.code == "inactive_mandant" and not found.sendable
