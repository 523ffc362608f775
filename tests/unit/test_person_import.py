import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vitosms_tui.core.errors import UsageError, VitosmsError
from vitosms_tui.core.models import Person
from vitosms_tui.core.person_import import import_persons


def test_swiss_excel_export_with_bom_and_semicolons(mandant):
    csv = (
        "\ufeffAnrede;Vorname;Name;Geburtsdatum;Natel;E-Mail;Sprache;Mandant;Versicherung\r\n"
        "Frau;Anna;Müller;01.02.1980;079 123 45 67;anna@example.ch;de;HAU;KPT\r\n"
        "Herr;Luca;Rossi;1975-12-31;+41 (0)78 222 33 44;;it;;\r\n"
    ).encode("utf-8")
    report = import_persons(csv)
    assert report["imported"] == 2
    assert report["rejected"] == []
    assert report["ignored_columns"] == ["Versicherung"]
    anna = Person.get(Person.first_name == "Anna")
    assert anna.mobile == "+41791234567"
    assert anna.mandant.code == "HAU"
    assert anna.salutation == "Frau"
    assert anna.consent_reminder
    assert not anna.consent_birthday
    assert anna.consent_reminder_source == "import"
    luca = Person.get(Person.first_name == "Luca")
    assert luca.language == "it"
    assert luca.mobile == "+41782223344"


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_kept(db):
    csv = (
        b"first_name,last_name,mobile,email,birth_date,language\n"
        b"Anna,Muster,079 123 45 67,,,\n"
        b"Beat,Landline,044 123 45 67,,,\n"
        b"Carla,Mail,,not-an-address,,\n"
        b",Nofirst,,,,\n"
        b"Dora,Date,,,31.02.1990,\n"
        b"Eva,Lang,,,,xx\n"
        b"Fritz,Ok,,fritz@example.ch,1960-05-05,fr\n"
    )
    report = import_persons(csv)
    assert report["imported"] == 2
    lines = {r["line"]: r["reason"] for r in report["rejected"]}
    assert sorted(lines) == [3, 4, 5, 6, 7]
    assert "mobile" in lines[3]
    assert "e-mail" in lines[4]
    assert "first name" in lines[5]
    assert Person.select().count() == 2


def test_unknown_mandant_rejects_the_row(db):
    report = import_persons(b"Vorname;Name;Mandant\nAnna;Muster;NOPE\n")
    assert report["imported"] == 0
    assert "NOPE" in report["rejected"][0]["reason"]


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", "empty"),
        (b"Vorname;Geburtsdatum\nAnna;01.01.1990\n", "lacks"),
        (b"\xff\xfeV\x00o\x00", "UTF-8"),
        (b"Vorname;Vorname;Name\nA;B;C\n", "twice"),
    ],
)
def test_unreadable_files_are_usage_errors_and_import_nothing(db, content, reason):
    with pytest.raises(UsageError) as err:
        import_persons(content)
    assert reason in err.value.message
    assert Person.select().count() == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.text(max_size=12), min_size=0, max_size=5), max_size=6))
def test_arbitrary_content_never_crashes_nor_half_imports(db, rows):
    before = Person.select().count()
    body = "\n".join(";".join(cell.replace("\x00", "") for cell in row) for row in rows)
    try:
        report = import_persons(("Vorname;Name;Natel;E-Mail;Geburtsdatum\n" + body).encode())
    except VitosmsError:
        assert Person.select().count() == before
        return
    assert Person.select().count() == before + report["imported"]
