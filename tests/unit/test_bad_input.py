"""Bad input, generated: command-line options, CSV files, templates and TOML configs.

Every refusal is one line on stderr with exit code 1 or 2 (and a JSON error
with ``--json``), never a traceback: ``main()`` returns, it does not raise. A
refused command leaves every table as it was (no partial data).
"""

from __future__ import annotations

import functools
import io
import json
import math
import os
from contextlib import redirect_stderr, redirect_stdout

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vitosms_tui.cli import main as cli_main
from vitosms_tui.cli.main import main
from vitosms_tui.core import agenda, clock, credits, mandanten, persons, templates
from vitosms_tui.core.config import load_settings
from vitosms_tui.core.errors import Refused, UsageError
from vitosms_tui.core.models import ALL_MODELS, AuditEntry, Template
from vitosms_tui.core.templates import install_default_templates

# fixed examples in the suite; FUZZ_EXAMPLES=500 explores afresh (random seed) when hunting
EXPLORE = int(os.environ.get("FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=EXPLORE or 40,
    deadline=None,
    derandomize=not EXPLORE,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# what a terminal can hand over: any text but NUL, and undecodable bytes (surrogate escapes)
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
RAW = st.binary(max_size=12).map(lambda b: b.replace(b"\x00", b"").decode("utf-8", "surrogateescape"))
NUMBER = st.one_of(st.integers(), st.floats()).map(str)
EDGES = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1",
        "2",
        "99999999999999999999999",
        "1e309",
        "nan",
        "-0",
        "0x10",
        "½",
        "٣",
        "0001-01-01T00:00",
        "9999-12-31T23:59",
        "2026-02-30T10:00",
        "2026-13-01",
        "1.1.1900",
        "24:00",
        "23:59-00:00",
        "00:00-00:00",
        "+41799990100",
        "+41 44 123 45 67",
        "079 123 45 67 89",
        "a@b",
        "@",
        "x" * 300,
        "line\nbreak",
        "{first_name}",
        "{diagnose}",
        "}{",
        "--",
        "-h",
        "--help",
        "Robert'); DROP TABLE person;--",
        "\u202eevil",
        "\x1b[31mred",
    ]
)


def anything(*good) -> st.SearchStrategy[str]:
    """A good value now and then (so that calls get deep), else something generated."""
    return st.one_of(st.sampled_from(good), TEXT, RAW, NUMBER, EDGES) if good else st.one_of(TEXT, RAW, NUMBER, EDGES)


@pytest.fixture
def practice(db, db_path, tmp_path, monkeypatch):
    # one parser for all examples: building it costs more than most commands
    monkeypatch.setattr(cli_main, "build_parser", functools.lru_cache(maxsize=1)(cli_main.build_parser))
    install_default_templates()
    hau = mandanten.add_mandant("HAU", "Dr. med. Anna Hauser", "Dr Hauser", user="test")
    mandanten.add_mandant("MUE", "Dr. med. Beat Müller", "Dr Mueller", user="test")
    credits.purchase(hau, 50, user="test")
    mandanten.add_staff("sd", "Service Desk", "servicedesk", user="test")
    anna = persons.add_person(
        persons.PersonInput(
            first_name="Anna", last_name="Muster", mobile="079 123 45 67", email="anna@example.ch", mandant="HAU"
        ),
        user="test",
    )
    agenda.add_appointment("HAU", anna, clock.now().replace(microsecond=0).isoformat(), 15, user="test")
    return {"db": str(db_path), "state": str(tmp_path / "state"), "tmp": tmp_path}


def counts() -> dict[str, int]:
    return {model.__name__: model.select().count() for model in ALL_MODELS}


def run(argv: list[str]) -> tuple[int, str, str]:
    """main() in this process; it must return (a raise fails the test with the example)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    clock.set_now(None)
    return code, out.getvalue(), err.getvalue()


def check_answer(code: int, out: str, err: str, before: dict, as_json: bool) -> None:
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err
    if code == 0:
        return
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("vitosms: "), err
    if as_json:
        assert set(json.loads(out)["error"]) == {"code", "message"}
    assert counts() == before, "a refused command changed the database"


def command(prefix: list[str], options: dict, flags: tuple[str, ...] = (), positional=None, user: str | None = None):
    """A strategy of argv lists: ``prefix``, some of ``options`` (as --name=value), flags, globals."""
    optional = {name: strategy for name, strategy in options.items()}
    optional.update({flag: st.just(True) for flag in flags})
    optional.update({"now": anything("2026-05-04T10:00"), "json": st.just(True)})

    @st.composite
    def build(draw):
        chosen = draw(st.fixed_dictionaries({}, optional=optional))
        argv = list(prefix)
        for name, value in chosen.items():
            argv.append(f"--{name}" if value is True else f"--{name}={value}")
        if user:
            argv.append(f"--user={user}")
        if positional is not None:
            argv += ["--", draw(positional)]  # after "--" even "-h" is a value
        return argv

    return build()


MANDANT = anything("HAU", "MUE", "NOPE")
PERSON_ID = anything("1", "2", "999")
APPOINTMENT_ID = anything("1", "999")
WHEN = anything("2030-01-07T10:00", "2030-01-07T10:00+01:00", "2020-01-01T10:00")
COMMANDS = {
    "send": command(
        ["send"],
        {
            "mandant": MANDANT,
            "to": anything("+41791234567", "anna@example.ch", "044 123 45 67"),
            "person": PERSON_ID,
            "text": anything("Hallo", "€" * 200, "Grüezi {first_name}"),
            "subject": anything("Termin"),
            "channel": anything("sms", "email"),
            "at": WHEN,
        },
        flags=("dry-run",),
    ),
    "person add": command(
        ["person", "add"],
        {
            "first": anything("Anna"),
            "last": anything("Muster"),
            "birth": anything("1970-01-01", "01.02.1980"),
            "mobile": anything("079 123 45 67"),
            "email": anything("anna@example.ch"),
            "lang": anything("de", "fr"),
            "mandant": MANDANT,
            "channel": anything("sms", "email"),
            "salutation": anything("Herr", "Frau"),
        },
        flags=("no-reminders", "birthday-greetings", "deceased"),
    ),
    "mandant add": command(
        ["mandant", "add"],
        {"code": anything("ZIM", "HAU"), "name": anything("Dr. Zim"), "sender": anything("Dr Zim", "Zu lang Sender")},
    ),
    "mandant set": command(
        ["mandant", "set"],
        {
            "auto-reminders": anything("on", "off"),
            "lead-hours": anything("24", "0", "337"),
            "auto-birthday": anything("on"),
            "birthday-time": anything("09:00", "25:00"),
            "quiet": anything("20:00-08:00"),
            "low-balance": anything("10"),
            "channel-order": anything("email,sms"),
        },
        positional=MANDANT,
    ),
    "staff add": command(
        ["staff", "add"],
        {"login": anything("mia"), "name": anything("Mia"), "role": anything("frontdesk", "servicedesk")},
    ),
    "appointment add": command(
        ["appointment", "add"],
        {
            "mandant": MANDANT,
            "person": PERSON_ID,
            "start": WHEN,
            "minutes": anything("15", "0", "100000"),
            "reason": anything("Kontrolle"),
        },
    ),
    "appointment move": command(
        ["appointment", "move"],
        {"start": WHEN, "reminder": anything("regenerate", "withdraw")},
        positional=APPOINTMENT_ID,
    ),
    "appointment copy": command(["appointment", "copy"], {"start": WHEN}, positional=APPOINTMENT_ID),
    "appointment cancel": command(["appointment", "cancel"], {}, positional=APPOINTMENT_ID),
    "appointment remind": command(
        ["appointment", "remind"],
        {"kind": anything("reminder", "confirmation"), "channel": anything("sms", "email")},
        positional=APPOINTMENT_ID,
    ),
    "credits transfer": command(
        ["credits", "transfer"],
        {"from": MANDANT, "to": MANDANT, "amount": anything("5", "0", "-5", "1000000"), "note": anything("x")},
        user="sd",
    ),
    "credits order": command(["credits", "order"], {"mandant": MANDANT, "package": anything("1", "9")}),
    "credits migrate-legacy": command(["credits", "migrate-legacy"], {"balance": anything("10", "-1")}, user="sd"),
    "messages": command(
        ["messages"],
        {
            "status": anything("queued"),
            "mandant": MANDANT,
            "person": PERSON_ID,
            "channel": anything("sms"),
            "purpose": anything("free"),
            "limit": anything("5", "-1"),
        },
    ),
    "recall add": command(
        ["recall", "add"],
        {
            "person": PERSON_ID,
            "mandant": MANDANT,
            "reason": anything("Kontrolle"),
            "due": anything("2030-01-01"),
            "every-months": anything("12", "0"),
        },
    ),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_command_given_anything_answers_in_one_line_and_refuses_whole(practice, name):
    @FUZZ
    @given(argv=COMMANDS[name])
    def check(argv):
        before = counts()
        full = ["--db", practice["db"], "--state-dir", practice["state"], *argv]
        code, out, err = run(full)
        check_answer(code, out, err, before, "--json" in argv)

    check()


# --- CSV import ----------------------------------------------------------------------------------

HEADERS = [
    "Vorname;Name;Natel;E-Mail;Geburtsdatum;Sprache;Mandant;Anrede",
    "first_name,last_name,mobile,email,birth_date,language,mandant,salutation",
    "Vorname;Name",
    "Name",
]
CELL = st.one_of(
    st.sampled_from(
        [
            "Anna",
            "Muster",
            "079 123 45 67",
            "anna@example.ch",
            "01.02.1980",
            "de",
            "HAU",
            "Frau",
            "",
            '"',
            '";"',
            "\r",
            "\n",
        ]
    ),
    TEXT,
)


@st.composite
def csv_files(draw) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=200))
    header = draw(st.sampled_from(HEADERS))
    separator = ";" if ";" in header else ","
    rows = draw(st.lists(st.lists(CELL, max_size=9).map(separator.join), max_size=6))
    text = "\n".join([header, *rows])
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return (
        (bom + text).encode("utf-8", "surrogateescape")
        if draw(st.booleans())
        else (bom + text).encode("latin-1", "replace")
    )


def test_an_import_of_any_file_reports_or_refuses_and_never_half_imports(practice):
    path = practice["tmp"] / "persons.csv"

    @FUZZ
    @given(raw=csv_files())
    def check(raw):
        path.write_bytes(raw)
        before = counts()
        code, out, err = run(["--db", practice["db"], "--json", "import-persons", str(path)])
        check_answer(code, out, err, before, True)
        if code == 0:
            report = json.loads(out)
            assert counts()["Person"] - before["Person"] == report["imported"]
            for rejected in report["rejected"]:
                assert rejected["line"] >= 2
                assert "\n" not in rejected["reason"]

    check()


# --- templates -------------------------------------------------------------------------------------

BODY = st.one_of(
    TEXT,
    st.lists(
        st.one_of(
            TEXT,
            st.sampled_from(
                [
                    "{first_name}",
                    "{date}",
                    "{due}",
                    "{{",
                    "}}",
                    "{",
                    "}",
                    "{ time }",
                    "{Diagnose}",
                    "{reason}",
                    "{first_name",
                    "{x}",
                ]
            ),
        ),
        max_size=6,
    ).map("".join),
)


def test_a_template_is_refused_or_renders(practice):
    full_context = {name: "X" for name in templates.PLACEHOLDERS}

    @FUZZ
    @given(
        body=BODY,
        subject=st.one_of(st.just(""), BODY),
        purpose=st.sampled_from([None, "free", "reminder", "confirmation", "recall", "birthday"]),
    )
    def check(body, subject, purpose):
        try:
            templates.validate_template(body, subject, purpose)
        except Refused as refusal:
            assert refusal.message
            assert "\n" not in refusal.message
            return
        # accepted: it renders with every placeholder filled, braces as written
        templates.render(body, full_context)
        templates.render(subject, full_context)

    check()


def test_saving_a_bad_template_changes_nothing(practice):
    @FUZZ
    @given(
        purpose=anything("reminder", "free"),
        language=anything("de", "fr"),
        channel=anything("sms", "email"),
        body=BODY,
        subject=st.one_of(st.just(""), BODY),
    )
    def check(purpose, language, channel, body, subject):
        before = (Template.select().count(), AuditEntry.select().count())
        try:
            row = templates.save_template(purpose, language, channel, body, subject, user="desk")
        except (Refused, UsageError) as refusal:
            assert refusal.message
            assert "\n" not in refusal.message
            assert (Template.select().count(), AuditEntry.select().count()) == before
            return
        stored = templates.find_template(purpose, language, channel)
        assert stored.id == row.id
        assert stored.body == body.strip()

    check()


# --- the TOML config -------------------------------------------------------------------------------

KEYS = {
    "smtp": ["host", "port", "username", "password", "starttls", "tls", "timeout", "sender", "pool_size"],
    "delivery": [
        "max_attempts",
        "backoff_seconds",
        "backoff_max_seconds",
        "lease_seconds",
        "batch_size",
        "report_delay_seconds",
        "max_sms_parts",
    ],
    "agenda": ["day_start", "day_end", "slot_minutes"],
    "ui": ["language"],
    "gateway": ["kind"],
}
TOML_VALUES = st.sampled_from(
    [
        "1",
        "0",
        "-1",
        "30",
        "65536",
        "9223372036854775807",
        "1.5",
        "-0.0",
        "1e308",
        "inf",
        "-inf",
        "nan",
        "true",
        "false",
        '"127.0.0.1"',
        '""',
        '"de"',
        '"mock"',
        '"x"',
        "[]",
        "[1, 2]",
        "{}",
        "{a = 1}",
        "1979-05-27",
        "07:32:00",
        '"""\nzwei\nZeilen"""',
        "'literal'",
    ]
)


@st.composite
def toml_texts(draw) -> str:
    if draw(st.integers(0, 3)) == 0:  # anything at all
        return draw(st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=80))
    lines = []
    for section in draw(st.lists(st.sampled_from([*KEYS, "ohne", "smtp.sub"]), max_size=3)):
        lines.append(f"[{section}]")
        names = KEYS.get(section, []) + ["unbekannt"]
        for key in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
            lines.append(f"{key} = {draw(TOML_VALUES)}")
    if draw(st.booleans()):
        lines.insert(0, f"gateway = {draw(TOML_VALUES)}")
    return "\n".join(lines) + "\n"


def test_any_config_file_is_taken_or_refused_in_one_line(practice):
    path = practice["tmp"] / "vitosms.toml"

    @FUZZ
    @given(text=toml_texts())
    def check(text):
        path.write_text(text, "utf-8")
        code, out, err = run(["--db", practice["db"], "--config", str(path), "--json", "credits"])
        assert code in (0, 2), err
        assert "Traceback" not in err
        if code == 2:
            assert len(err.strip().splitlines()) == 1, err
            assert "config" in err, err
            return
        # taken: every number in it is one the worker can compute with
        loaded = load_settings(path)
        for section in (loaded.smtp, loaded.delivery, loaded.agenda):
            for key, value in vars(section).items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    assert math.isfinite(value), (key, value)

    check()


def test_a_config_that_is_not_utf8_or_not_a_file_is_a_usage_error(practice):
    path = practice["tmp"] / "latin1.toml"
    path.write_bytes(b'[smtp]\nhost = "m\xe4il"\n')
    for config in (str(path), str(practice["tmp"]), str(practice["tmp"] / "missing.toml")):
        code, out, err = run(["--db", practice["db"], "--config", config, "credits"])
        assert code == 2, err
        assert len(err.strip().splitlines()) == 1, err
        assert "config" in err, err


# --- what the generators found, kept as plain cases -----------------------------------------------


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e308", "9223372036854775807"])
def test_a_config_number_out_of_range_is_refused(practice, value):
    path = practice["tmp"] / "vitosms.toml"
    path.write_text(f"[delivery]\nlease_seconds = {value}\nmax_attempts = {value}\n")
    code, out, err = run(["--db", practice["db"], "--config", str(path), "credits"])
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "config [delivery]" in err, err


@pytest.mark.parametrize(
    "argv",
    [
        ["credits", "order", "--mandant=\udcff", "--package=1"],  # bytes the terminal could not decode
        ["mandant", "set", "--", "HAU\udc80"],
        ["send", "--mandant=HAU", "--to=+41791234567", "--text=Gr\udcfcezi"],
        ["appointment", "cancel", "--", "99999999999999999999"],  # beyond a database integer
        ["messages", "--person=-99999999999999999999"],
        ["--now=0001-01-01T00:00", "credits"],  # beyond what a time zone can shift
        ["appointment", "add", "--mandant=HAU", "--person=1", "--start=9999-12-31T23:59", "--minutes=15"],
    ],
)
def test_undecodable_text_huge_numbers_and_far_off_years_are_refused_in_one_line(practice, argv):
    before = counts()
    code, out, err = run(["--db", practice["db"], "--json", *argv])
    assert code in (1, 2)
    check_answer(code, out, err, before, True)
