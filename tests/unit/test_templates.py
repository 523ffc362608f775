"""Message templates: placeholders, languages, local time, storage and fallbacks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vitosms_tui.core import clock, schema
from vitosms_tui.core import templates as t
from vitosms_tui.core.db import open_database
from vitosms_tui.core.errors import NotFound, Refused, UsageError
from vitosms_tui.core.models import (
    CHANNELS,
    LANGUAGES,
    PURPOSES,
    Appointment,
    AuditEntry,
    Mandant,
    Person,
    Recall,
    Setting,
    Template,
)
from vitosms_tui.core.paths import data_dir

# The GSM 03.38 basic alphabet (no escape table): one septet per character.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
MONDAY_AFTER_DST_END = date(2026, 10, 26)  # summer time ended Sun 2026-10-25
MONDAY_AFTER_DST_START = date(2026, 3, 30)  # summer time began Sun 2026-03-29


@pytest.fixture
def db(tmp_path):
    open_database(str(tmp_path / "t.db"))
    schema.migrate()
    Setting.replace(key="practice_name", value="Praxis am See").execute()
    Setting.replace(key="practice_phone", value="+41441234567").execute()
    yield
    clock.set_now(None)


@pytest.fixture
def no_defaults(tmp_path, monkeypatch):
    """A data folder without templates, so only stored rows count."""
    empty = tmp_path / "data"
    empty.mkdir()
    monkeypatch.setenv("VITOSMS_DATA_DIR", str(empty))


def mandant(code="AM", name="Dr. med. Anna Meier"):
    return Mandant.create(code=code, name=name, sender="PraxisSee")


def person(language="de", salutation="Frau", first="Anna", last="Muster"):
    return Person.create(first_name=first, last_name=last, language=language, salutation=salutation)


def appointment(who, doctor, day=MONDAY_AFTER_DST_END, hour=9, reason="Diabetes mellitus"):
    made = Appointment.create(mandant=doctor, person=who, start=clock.zurich_datetime(day, hour), reason=reason)
    return Appointment.get_by_id(made.id)  # as read back from the database


def refusal(call, *args, **kwargs) -> Refused:
    with pytest.raises(Refused) as caught:
        call(*args, **kwargs)
    assert len(caught.value.message.splitlines()) == 1
    return caught.value


# ---- rendering per language and across DST ----------------------------------------


@pytest.mark.parametrize(
    "language, salutation, expected",
    [
        (
            "de",
            "Frau",
            "Guten Tag Frau Muster, wir erinnern Sie an Ihren Termin am Montag, "
            "26.10.2026, 09:00 Uhr bei Dr. med. Anna Meier. Absage: 044 123 45 67. "
            "Praxis am See",
        ),
        (
            "fr",
            "Herr",
            "Bonjour Monsieur Muster, rappel de votre rendez-vous du lundi 26.10.2026 "
            "à 09:00 chez Dr. med. Anna Meier. Pour annuler: 044 123 45 67. Praxis am See",
        ),
        (
            "it",
            "Frau",
            "Buongiorno Signora Muster, le ricordiamo l'appuntamento di lunedì 26.10.2026 "
            "alle 09:00 da Dr. med. Anna Meier. Per disdire: 044 123 45 67. Praxis am See",
        ),
        (
            "en",
            "",
            "Hello Anna Muster, a reminder of your appointment on Monday 26/10/2026 at 09:00 "
            "with Dr. med. Anna Meier. To cancel: 044 123 45 67. Praxis am See",
        ),
    ],
)
def test_each_language_renders_the_reminder(db, language, salutation, expected):
    visit = appointment(person(language, salutation), mandant())
    assert t.render_message("reminder", "sms", None, None, appointment=visit) == ("", expected)


@pytest.mark.parametrize(
    "day, utc_hour, date_text",
    [
        (MONDAY_AFTER_DST_END, 8, "26.10.2026"),
        (MONDAY_AFTER_DST_START, 7, "30.03.2026"),
    ],
)
def test_nine_oclock_stays_nine_oclock_across_dst(db, day, utc_hour, date_text):
    visit = appointment(person(), mandant(), day=day)
    assert visit.start.hour == utc_hour  # stored in UTC, so the offset did change
    values = t.context_for(visit.person, visit.mandant, visit, practice={})
    assert (values["time"], values["weekday"], values["date"]) == ("09:00", "Montag", date_text)
    subject, _ = t.render_message("reminder", "email", None, None, appointment=visit)
    assert subject == f"Terminerinnerung: Montag, {date_text}, 09:00 Uhr"


def test_the_appointment_reason_never_reaches_a_message(db):
    doctor = mandant()
    for language in LANGUAGES:
        visit = appointment(person(language), doctor)
        due = Recall.create(person=visit.person, mandant=doctor, reason="Diabetes mellitus", due=date(2026, 12, 1))
        for purpose in PURPOSES:
            for channel in CHANNELS:
                texts = t.render_message(purpose, channel, visit.person, doctor, appointment=visit, recall=due)
                assert "Diabetes" not in " ".join(texts)
    reason = refusal(t.validate_template, "Ihr Termin wegen {reason}")
    assert reason.code == "unknown_placeholder"
    assert "diagnosis" in reason.message


def test_salutations_per_language():
    assert [t.title_of("Herr", lang) for lang in LANGUAGES] == ["Herr", "Monsieur", "Signor", "Mr"]
    assert [t.title_of("Frau", lang) for lang in LANGUAGES] == ["Frau", "Madame", "Signora", "Ms"]
    assert t.title_of("Mme.", "de") == "Frau"
    assert t.title_of("", "fr") == ""
    nobody = t.context_for(practice={}, language="it")
    assert nobody["salutation"] == nobody["greeting"] == "Buongiorno"
    assert "first_name" not in nobody
    assert "date" not in nobody


def test_an_untitled_person_is_greeted_by_name_and_salutation_is_neutral(db):
    values = t.context_for(person("fr", salutation=""), practice={})
    assert values["salutation"] == "Bonjour"
    assert values["greeting"] == "Bonjour Anna Muster"


def test_recall_due_and_today_use_the_date_rule(db):
    clock.set_now("2026-08-03T10:00:00")
    due = Recall.create(person=person("en"), mandant=mandant(), reason="x", due=date(2026, 11, 30))
    values = t.context_for(due.person, due.mandant, recall=due, practice={})
    assert (values["due"], values["today"]) == ("30/11/2026", "03/08/2026")
    subject, body = t.render_message("recall", "sms", None, None, recall=due)
    assert "due from 30/11/2026" in body
    assert subject == ""


# ---- syntax -------------------------------------------------------------------------


def test_literal_braces():
    assert t.render("{{x}} {first_name} }}{{", {"first_name": "Anna"}) == "{x} Anna }{"
    t.validate_template("Preis {{CHF}}")


@pytest.mark.parametrize(
    "text", ["{", "}", "Hallo {first_name", "a } b", "{{first_name}", "{first_name}}", "{a{b}}", "{first\nname}"]
)
def test_unbalanced_braces_are_refused(text):
    assert refusal(t.validate_template, text).code == "unbalanced_braces"


def test_unknown_placeholder_names_itself():
    refused = refusal(t.validate_template, "Hallo {vorname}")
    assert refused.code == "unknown_placeholder"
    assert "{vorname}" in refused.message
    assert "did you mean {first_name}" in refusal(t.render, "{First_Name}", {}).message
    assert refusal(t.validate_template, "ok", subject="{x}").code == "unknown_placeholder"


def test_values_are_inserted_literally(db):
    tricky = person(first="{last_name}", last="O'Brien {{x}}")
    values = t.context_for(tricky, practice={})
    assert t.render("{first_name} {last_name}", values) == "{last_name} O'Brien {{x}}"


def test_a_placeholder_without_its_record_is_refused_not_left_blank(db):
    refused = refusal(t.render_message, "free", "sms", person(), mandant(), body="Am {date}")
    assert refused.code == "missing_value"
    assert "appointment" in refused.message


def test_placeholders_that_do_not_fit_the_purpose_are_refused():
    refused = refusal(t.validate_template, "Kontrolle ab {due}", purpose="reminder")
    assert refused.code == "placeholder_not_available"
    t.validate_template("Kontrolle ab {due}", purpose="recall")


def test_subject_must_be_one_line():
    assert refusal(t.validate_template, "ok", subject="a\nBcc: x@y").code == "invalid_subject"
    assert refusal(t.validate_template, "  ").code == "empty_text"


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text(), st.sampled_from((None,) + PURPOSES))
def test_validate_never_raises_anything_but_refused(body, subject, purpose):
    try:
        t.validate_template(body, subject, purpose)
    except Refused as refused:
        assert refused.message
        assert len(refused.message.splitlines()) == 1
    else:  # what validates also renders, given every value
        t.render(body, dict.fromkeys(t.PLACEHOLDERS, "x"))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.text(alphabet=st.characters(exclude_characters="{}")), st.sampled_from(sorted(t.PLACEHOLDERS)))
    ),
    st.text(),
)
def test_render_puts_each_value_where_its_placeholder_was(chunks, value):
    from vitosms_tui.core.practice_details import OPTIONAL

    # an empty practice detail leaves its sentence out (see the tests below): not this property
    names = set(t.PLACEHOLDERS) - (set(OPTIONAL) if not value.strip() else set())
    template = "".join(f"{{{chunk}}}" if chunk in names else chunk for chunk in chunks)
    expected = "".join(value if chunk in names else chunk for chunk in chunks)
    assert t.render(template, dict.fromkeys(names, value)) == expected


# ---- default files ------------------------------------------------------------------


def test_data_dir_default_and_override(monkeypatch, tmp_path):
    monkeypatch.delenv("VITOSMS_DATA_DIR", raising=False)
    assert data_dir() == Path(t.__file__).resolve().parents[2] / "data"
    monkeypatch.setenv("VITOSMS_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path


def test_every_default_exists_and_validates():
    defaults = t.default_templates()
    assert set(defaults) == {(p, lang, c) for p in PURPOSES for lang in LANGUAGES for c in CHANNELS}
    for (purpose, _, channel), text in defaults.items():
        t.validate_template(text["body"], text["subject"], purpose)
        assert bool(text["subject"]) == (channel == "email")


def test_sms_defaults_are_gsm7_and_fit_one_segment(db):
    doctor = mandant()
    for language in LANGUAGES:
        visit = appointment(person(language), doctor)
        due = Recall.create(person=visit.person, mandant=doctor, reason="x", due=date(2026, 8, 3))
        for purpose in PURPOSES:
            _, body = t.render_message(purpose, "sms", None, None, appointment=visit, recall=due)
            assert set(body) <= GSM7_BASIC, (language, purpose, set(body) - GSM7_BASIC)
            assert len(body) <= 160, (language, purpose, len(body))


def test_reminders_name_the_practice_and_its_phone():
    for (purpose, _, _), text in t.default_templates().items():
        if purpose in ("reminder", "confirmation", "recall"):
            assert "{practice}" in text["body"]
            assert "{practice_phone}" in text["body"]


def test_install_defaults_is_idempotent_and_keeps_the_practice_texts(db):
    expected = len(PURPOSES) * len(LANGUAGES) * len(CHANNELS)
    assert t.install_default_templates() == expected
    assert t.install_default_templates() == 0
    assert Template.select().count() == expected
    t.save_template("birthday", "de", "sms", "Alles Gute! {practice}")
    assert t.install_default_templates() == 0
    assert t.find_template("birthday", "de", "sms").body == "Alles Gute! {practice}"
    assert t.install_default_templates(overwrite=True) == 1
    assert "Geburtstag" in t.find_template("birthday", "de", "sms").body
    assert len(t.list_templates()) == expected
    assert [row.language for row in t.list_templates(purpose="free", channel="sms")] == sorted(LANGUAGES)


def test_a_broken_default_file_is_a_configuration_error(tmp_path, monkeypatch):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "de.toml").write_text('[reminder.sms]\nbody = "{oops"\n')
    monkeypatch.setenv("VITOSMS_DATA_DIR", str(tmp_path))
    with pytest.raises(UsageError, match="de.toml"):
        t.default_templates()


# ---- storage and fallbacks ----------------------------------------------------------


def test_save_refuses_an_unknown_placeholder_and_stores_nothing(db):
    t.install_default_templates()
    before = (Template.select().count(), AuditEntry.select().count())
    refused = refusal(t.save_template, "reminder", "de", "sms", "Hallo {vorname}", user="anna")
    assert refused.code == "unknown_placeholder"
    assert "{vorname}" in refused.message
    assert (Template.select().count(), AuditEntry.select().count()) == before
    assert "{vorname}" not in t.find_template("reminder", "de", "sms").body


@pytest.mark.parametrize(
    "args, code",
    [
        (("advert", "de", "sms", "x"), "unknown_purpose"),
        (("free", "rm", "sms", "x"), "unknown_language"),
        (("free", "de", "fax", "x"), "unknown_channel"),
        (("free", "de", "sms", "x", "Betreff"), "invalid_subject"),
        (("free", "de", "email", "x"), "invalid_subject"),
        (("free", "de", "sms", ""), "empty_text"),
    ],
)
def test_save_checks_what_it_stores(db, args, code):
    assert refusal(t.save_template, *args).code == code
    assert Template.select().count() == 0


def test_save_updates_in_place_and_is_audited(db):
    doctor = mandant()
    first = t.save_template("free", "de", "sms", "Eins", mandant="AM", user="anna")
    second = t.save_template("free", "de", "sms", "Zwei", mandant=doctor, user="anna")
    assert first.id == second.id
    assert Template.get_by_id(first.id).body == "Zwei"
    audit = AuditEntry.select().where(AuditEntry.action == "template_save")
    assert [(a.user, a.mandant_id, a.detail) for a in audit] == [("anna", doctor.id, "free/sms/de")] * 2
    assert isinstance(refusal(t.save_template, "free", "de", "sms", "x", mandant="ZZ"), NotFound)


def test_find_template_fallback_order(db, no_defaults):
    own, other = mandant("AM"), mandant("BM", "Dr. med. Beat Muster")
    with pytest.raises(NotFound):
        t.find_template("recall", "fr", "sms", own)
    t.save_template("recall", "de", "sms", "de practice", mandant=None)
    assert t.find_template("recall", "fr", "sms", own).body == "de practice"
    t.save_template("recall", "de", "sms", "de own", mandant=own)
    assert t.find_template("recall", "fr", "sms", own).body == "de own"
    t.save_template("recall", "fr", "sms", "fr practice", mandant=None)
    # the person's language comes before the Mandant's own German text
    assert t.find_template("recall", "fr", "sms", own).body == "fr practice"
    t.save_template("recall", "fr", "sms", "fr own", mandant=own)
    assert t.find_template("recall", "fr", "sms", own).body == "fr own"
    assert t.find_template("recall", "fr", "sms", other).body == "fr practice"
    assert t.find_template("recall", "fr", "sms").body == "fr practice"
    assert t.find_template("recall", "de", "sms", other).body == "de practice"


def test_without_stored_rows_the_default_file_is_used(db):
    found = t.find_template("birthday", "it", "email")
    assert found.id is None
    assert found.language == "it"
    assert found.subject == "Buon compleanno"


def test_a_german_fallback_text_gets_german_dates(db, no_defaults):
    t.save_template("reminder", "de", "sms", "Termin am {weekday}, {date}")
    visit = appointment(person("fr"), mandant())
    assert t.render_message("reminder", "sms", None, None, appointment=visit)[1] == "Termin am Montag, 26.10.2026"


def test_free_text_uses_placeholders_and_the_template_subject(db):
    who, doctor = person("fr", "Frau"), mandant()
    subject, body = t.render_message("free", "email", who, doctor, body="{greeting}, {{ok}}")
    assert (subject, body) == ("Message de Praxis am See", "Bonjour Madame Muster, {ok}")
    subject, _ = t.render_message("free", "email", who, doctor, body="x", subject="Info {mandant}")
    assert subject == "Info Dr. med. Anna Meier"
    assert refusal(t.render_message, "free", "sms", who, doctor, body=" ").code == "empty_text"


def test_practice_info_defaults(db):
    Setting.delete().where(Setting.key.in_(["practice_name", "practice_phone"])).execute()
    assert t.practice_info() == {"practice_name": "Praxis", "practice_phone": "", "sms_replies": "off"}
    Setting.replace(key="practice_phone", value="044 123 45 67").execute()
    assert t.context_for(practice=None)["practice_phone"] == "044 123 45 67"


def test_unknown_person_language_falls_back_to_german(db):
    assert t.language_of(person("xx")) == "de"
    assert refusal(t.language_of, None, "xx").code == "unknown_language"


# ---- no broken sentences ------------------------------------------------------------------

REMINDER = (
    "{greeting}, wir erinnern Sie an Ihren Termin am {weekday}, {date}, {time} Uhr bei {mandant}."
    " Absage: {practice_phone}. {practice}"
)
VALUES = {
    "greeting": "Guten Tag Frau Muster",
    "weekday": "Freitag",
    "date": "04.12.2026",
    "time": "11:00",
    "mandant": "Dr. med. Anna Muster",
    "practice": "Praxis am See",
}


def test_a_sentence_that_needs_an_empty_detail_is_left_out_as_a_whole():
    text = t.render(REMINDER, {**VALUES, "practice_phone": ""})
    assert text == (
        "Guten Tag Frau Muster, wir erinnern Sie an Ihren Termin am Freitag, 04.12.2026,"
        " 11:00 Uhr bei Dr. med. Anna Muster. Praxis am See"
    )
    assert "Absage" not in text
    assert ": ." not in text
    full = t.render(REMINDER, {**VALUES, "practice_phone": "044 123 45 67"})
    assert full.endswith("Absage: 044 123 45 67. Praxis am See")


def test_a_whole_line_of_an_e_mail_is_left_out_without_a_gap():
    body = (
        "{greeting}\n\nIhr Termin bei {mandant}.\n\nAbsagen bitte unter {practice_phone}.\n\n"
        "Freundliche Grüsse\n{practice}\n{signature}"
    )
    text = t.render(body, {**VALUES, "practice_phone": "", "signature": ""})
    assert text == (
        "Guten Tag Frau Muster\n\nIhr Termin bei Dr. med. Anna Muster.\n\nFreundliche Grüsse\nPraxis am See\n"
    )


def test_the_mandants_details_come_first_and_the_defaults_say_no_broken_sentence(mandant):
    from vitosms_tui.core import mandanten
    from vitosms_tui.core.errors import Refused
    from vitosms_tui.core.models import Setting

    Setting.delete().where(Setting.key == "practice_phone").execute()
    subject, body = t.render_message("reminder", "sms", None, mandant, appointment=_appointment(mandant))
    assert "Absage" not in body
    assert ": ." not in body
    assert not subject
    mandant = mandanten.update_settings(
        mandant,
        "test",
        practice_phone="044 987 65 43",
        practice_address="Seestrasse 1, 8002 Zürich",
        signature="Dr. Hauser",
    )
    _, body = t.render_message("reminder", "sms", None, mandant, appointment=_appointment(mandant))
    assert "Absage: 044 987 65 43." in body
    for key, bad in (("practice_phone", "call us"), ("practice_address", "a\x07b"), ("signature", "x" * 501)):
        with pytest.raises(Refused) as refused:
            mandanten.update_settings(mandant, "test", **{key: bad})
        assert refused.value.code == f"invalid_{key}"
    mandanten.update_settings(mandant, "test", practice_phone="")  # cleared: none again
    assert mandanten.get_mandant(mandant.code).practice_phone is None


def _appointment(mandant):
    from vitosms_tui.core import agenda, clock, persons

    clock.set_now("2026-12-02T09:00")
    person = persons.add_person(persons.PersonInput(first_name="Anna", last_name="Muster", mobile="079 123 45 67"))
    return agenda.add_appointment(mandant, person, "2026-12-04T11:00", 15, user="test").appointment
