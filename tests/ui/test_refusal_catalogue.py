"""One catalogue per language for the practice's refusals and the delivery faults.

Every key the package raises has the core's English sentence (the command line)
and an entry of the interface's catalogue with its German translation; the
command line's sentences stay as scripts know them.
"""

from __future__ import annotations

import ast
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import vitosms_tui
from vitosms_tui.core import faults
from vitosms_tui.core.errors import TEXTS, NotFound, Refused, UsageError
from vitosms_tui.core.expiry import why
from vitosms_tui.ui.i18n import set_language
from vitosms_tui.ui.texts.faults import FAULTS
from vitosms_tui.ui.texts.refusals import REFUSALS, refusal_text
from vitosms_tui.ui.texts.usage import USAGE

PACKAGE = Path(vitosms_tui.__file__).parent
RAISERS = {"Refused", "NotFound", "UsageError", "CalendarUnreachable", "VitosmsError"}


def _keys_raised() -> dict[str, str]:
    """Every key written as text in a raise of the package, with where it is."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in RAISERS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found[first.value] = f"{path.relative_to(PACKAGE)}:{node.lineno}"
    return found


def _names(template: str) -> set[str]:
    return {field.split(".")[0].split("[")[0] for _, field, _, _ in string.Formatter().parse(template) if field}


def _german() -> dict[str, str]:
    po = PACKAGE / "locale" / "de" / "LC_MESSAGES" / "vitosms.po"
    with po.open("rb") as handle:
        return {message.id: message.string for message in read_po(handle) if message.id}


def test_every_key_raised_is_in_the_core_catalogue():
    missing = {key: where for key, where in _keys_raised().items() if key not in TEXTS}
    assert not missing


def test_every_key_has_a_sentence_for_the_desk_in_german():
    interface = {**REFUSALS, **USAGE}
    assert set(TEXTS) - set(interface) == set()
    german = _german()
    untranslated = sorted({text for text in interface.values() if text != "{problem}" and not german.get(text)})
    assert not untranslated


# a date's refusal always carries the form the field expects (core.dates.DateRefused)
ALWAYS_GIVEN = {"invalid_date.needs_time": {"form"}}


def test_the_desk_sentence_names_only_values_the_core_gives():
    interface = {**REFUSALS, **USAGE}
    wrong = {}
    for key in TEXTS:
        extra = _names(interface[key]) - _names(TEXTS[key]) - ALWAYS_GIVEN.get(key, set())
        if extra:
            wrong[key] = extra
    assert not wrong


def test_every_fault_code_has_a_sentence_in_german():
    produced = set(faults._SMSC_NAMES.values()) | set(faults._FIXED.values()) | {code for _, code in faults._PREFIXES}
    produced |= {"mailbox_unknown", "mail_refused", "mail_busy", "auth_failed", "unknown", "no_credits"}
    at = datetime(2026, 12, 2, 10, tzinfo=UTC)
    produced |= {why("reminder", at).code, why("birthday", at).code, why("recall", at, "booked").code}
    produced |= {why("free", at).code, why("reminder", at, cause="quiet").code}
    assert produced - {"unknown"} <= set(FAULTS)
    german = _german()
    assert not [text for text in FAULTS.values() if not german.get(text)]


@pytest.mark.parametrize(
    ("error", "code", "cli"),
    [
        (
            Refused("no_address.sms", name="Muster Anna", person_id=7),
            "no_address",
            "Muster Anna (person 7) has no mobile number",
        ),
        (
            Refused("insufficient_credits.needs", mandant="HAU", amount=3, available=1),
            "insufficient_credits",
            "not enough credits for Mandant HAU: needs 3, has 1",
        ),
        (NotFound("not_found.person", person_id=99), "not_found", "no person with id 99"),
        (UsageError("usage.whole_number", text="x"), "usage", "not a whole number: 'x'"),
    ],
)
def test_the_command_line_keeps_its_code_and_sentence(error, code, cli):
    assert (error.code, error.message) == (code, cli)


def test_the_desk_reads_german_with_swiss_values():
    set_language("de")
    error = Refused("insufficient_credits.needs", mandant="HAU", amount=1200, available=30)
    assert refusal_text(error) == "Zu wenig Credits: 1'200 nötig, 30 vorhanden."
    assert refusal_text(Refused("no_address.email", name="Muster Anna", person_id=7)) == "Keine E-Mail-Adresse."
    assert refusal_text(Refused("deceased.recall", recall_id=3, name="Muster Anna")).startswith(
        "Recall von Muster Anna: "
    )
