"""Person search: name prefixes, first names, birth dates and mobile prefixes, in name order.

The prefixes are index ranges on SQLite and LIKE on PostgreSQL
(VITOSMS_TEST_BACKEND=postgresql runs these on PostgreSQL): both must find the
same persons.
"""

from __future__ import annotations

import pytest

from vitosms_tui.core import persons
from vitosms_tui.core.persons import PersonInput


def add(first: str, last: str, mobile: str | None = None, birth: str | None = None):
    return persons.add_person(
        PersonInput(first_name=first, last_name=last, mobile=mobile, birth_date=birth), user="test"
    )


def names(found) -> list[str]:
    return [f"{p.last_name} {p.first_name}" for p in found]


@pytest.fixture
def practice(db):
    people = [
        add("Anna", "Müller", "079 123 45 67", "12.03.1980"),
        add("Beat", "Muller", "079 123 99 00"),
        add("Marc", "Rossi", "076 555 12 12"),
        add("Sarah", "Müllerova"),
        add("Müller", "Aebi"),  # "müller" as a first name
        add("Zoë", "Mu"),  # exactly the prefix
        add("Jean", "Mv"),  # just after the prefix: never found by "mu"
        add("Emoji", "Mu\U0001f600"),  # a character beyond U+FFFF right after the prefix
        add("Chloé", "Dubois", "+41 79 123 11 11"),
    ]
    return {f"{p.last_name} {p.first_name}": p for p in people}


def test_a_name_prefix_finds_last_names_and_first_names_in_name_order(practice):
    assert names(persons.search("mül", 50)) == ["Aebi Müller", "Müller Anna", "Muller Beat", "Müllerova Sarah"]
    assert names(persons.search("MU", 50)) == [
        "Aebi Müller",
        "Mu Zoë",
        "Müller Anna",
        "Muller Beat",
        "Müllerova Sarah",
        "Mu\U0001f600 Emoji",
    ]
    assert "Mv Jean" not in names(persons.search("mu", 50))


def test_more_words_narrow_the_first(practice):
    assert names(persons.search("muller anna", 50)) == ["Müller Anna"]
    assert names(persons.search("rossi ma", 50)) == ["Rossi Marc"]
    assert persons.search("rossi zz", 50) == []


def test_the_limit_keeps_the_first_in_name_order(practice):
    assert names(persons.search("mu", 2)) == ["Aebi Müller", "Mu Zoë"]
    assert len(persons.search("", 3)) == 3


def test_a_birth_date(practice):
    assert names(persons.search("12.03.1980", 50)) == ["Müller Anna"]
    assert persons.search("31.02.1980", 50) == []


def test_mobile_prefixes_national_and_international(practice):
    assert names(persons.search("079 123", 50)) == ["Dubois Chloé", "Müller Anna", "Muller Beat"]
    assert names(persons.search("079 123 45", 50)) == ["Müller Anna"]
    assert names(persons.search("+41 76 555", 50)) == ["Rossi Marc"]
    assert names(persons.search("0041 79 123 11", 50)) == ["Dubois Chloé"]
    assert persons.search("078 000", 50) == []


def test_a_mobile_prefix_many_share_is_searched_in_name_order(practice, monkeypatch):
    monkeypatch.setattr(persons, "_FEW_MOBILES", 1)  # the other way of the search, with few persons
    assert names(persons.search("079", 50)) == ["Dubois Chloé", "Müller Anna", "Muller Beat"]
    assert names(persons.search("079", 2)) == ["Dubois Chloé", "Müller Anna"]


def test_ids_come_in_the_order_of_the_persons(practice):
    ids = persons.search_ids("mül", 50)
    assert ids == [p.id for p in persons.search("mül", 50)]


def test_the_rows_a_list_shows_are_the_persons_found_with_their_mandant(practice):
    from vitosms_tui.core.mandanten import add_mandant
    from vitosms_tui.ui.widgets.person_rows import fetch_person_rows, row_of

    mandant = add_mandant("HAU", "Dr. med. Anna Hausarzt")
    marc = practice["Rossi Marc"]
    marc.mandant = mandant
    marc.deceased = True
    marc.save()
    for text in ("mu", "rossi", "12.03.1980", "079 123", ""):
        found = persons.search(text, 50)
        codes = {mandant.id: "HAU"}
        assert fetch_person_rows(text, 50) == [row_of(person, codes) for person in found], text
    (rossi,) = fetch_person_rows("rossi", 50)
    assert (rossi.mandant_code, rossi.deceased, rossi.inactive) == ("HAU", True, False)
    (anna,) = fetch_person_rows("muller anna", 50)
    assert anna.birth_date.isoformat() == "1980-03-12" and anna.mandant_code == ""
