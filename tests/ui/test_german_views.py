"""No English word in the German interface.

Reads the pictures of every German view (``test_snapshots_sizes.py``, at
80×24 and 140×42, with a failed SMS and e-mail, a timeline, a ledger with
refunds and a package) and fails on any word that is English. The English
words are those of the interface's own source texts (the msgids of the
catalogue) that no German translation uses, and the words the core writes
into timelines, errors and ledger notes; a small allow-list names the words
both languages share here.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from .screen_text import screen_lines

HERE = Path(__file__).parent
PICTURES = HERE / "__snapshots__" / "test_snapshots_sizes"
LOCALE = HERE.parent.parent / "vitosms_tui" / "locale"
WORD = re.compile(r"[A-Za-zÀ-ÿ]+")

# words the core stores in English (timeline, errors, ledger notes) and Textual's own texts
STORED_WORDS = {
    "by",
    "credit",
    "credits",
    "for",
    "attempt",
    "lease",
    "expired",
    "provider",
    "id",
    "report",
    "of",
    "message",
    "failed",
    "package",
    "demo",
    "starting",
    "withdrawn",
    "appointment",
    "moved",
    "cancelled",
    "rejected",
    "gateway",
    "number",
    "undelivered",
    "invalid",
    "destination",
    "busy",
    "try",
    "again",
    "later",
    "recipient",
    "refused",
    "answer",
    "connection",
    "error",
    "gave",
    "up",
    "after",
    "attempts",
    "dismiss",
    "menu",
    "show",
    "quiet",
    "hours",
    "waits",
    "until",
    "marked",
    "done",
    "not",
    "enough",
    "needs",
    "has",
    "released",
    "begun",
    "which",
    "stopped",
    "queued",
    "from",
    "as",
    "legacy",
    "balance",
    "space",
    "del",
    "ctrl",
}
# shared by both languages, or names and codes that stand in German views as they are
ALLOWED = {
    "sms",
    "e",
    "mail",
    "credits",
    "credit",
    "mandant",
    "mandanten",
    "recall",
    "recalls",
    "status",
    "journal",
    "agenda",
    "name",
    "person",
    "start",
    "demo",
    "gsm",
    "esc",
    "ok",
    "smtp",
    "smsc",
    "esme",
    "caldav",
    "url",
    "csv",
    "vitosms",
    "seed",
    "empfang",
    "servicedesk",
    "desk",
    "test",
    "ab",
    "dr",
    "med",
    "méd",
    "check",
    "up",
    "service",
    "f",
    "p",
    "q",
    "s",
    "n",
    "r",
    "c",
    "m",
    "d",
    "o",
    "t",
    "x",
    "g",
    "w",
    "a",
    "j",
    "k",
    "h",
    "l",
    "i",
    "sync",
    "every",
    "minuten",
    "vs",
    "chf",
    "de",
    "fr",
    "it",
    "en",
    "mo",
    "di",
    "mi",
    "do",
    "so",
    "sa",  # weekdays: "Do." is Thursday
}


def _catalogue_words() -> tuple[set[str], set[str]]:
    with (LOCALE / "de" / "LC_MESSAGES" / "vitosms.po").open("rb") as handle:
        catalogue = read_po(handle)
    english, german = set(), set()
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english.update(word.lower() for word in WORD.findall(re.sub(r"\{\w+\}", "", text)))
        for text in strings:
            german.update(word.lower() for word in WORD.findall(re.sub(r"\{\w+\}", "", text or "")))
    return english, german


def english_words() -> set[str]:
    english, german = _catalogue_words()
    return (english | STORED_WORDS) - german - ALLOWED


def english_in(lines: list[str], vocabulary: set[str]) -> list[tuple[str, str]]:
    found = []
    for line in lines:
        if re.search(r"\{\w+\}", line):
            continue  # a template's text: in the patient's language, as the practice wrote it
        for word in WORD.findall(line):
            if word.lower() in vocabulary:
                found.append((word, line.strip()))
    return found


def test_the_pictures_of_the_german_views_are_there():
    names = {path.name for path in PICTURES.glob("*.svg")}
    for view in (
        "agenda_day",
        "agenda_week",
        "compose",
        "journal",
        "message_detail",
        "credits",
        "recall",
        "persons",
        "service_settings",
    ):
        for size in ("80x24", "140x42"):
            assert f"test_view[{view}-{size}].svg" in names


def test_no_english_word_in_the_german_views():
    vocabulary = english_words()
    assert {"attempt", "failed", "dismiss", "package", "by"} <= vocabulary  # the check can find them
    found = {}
    for path in sorted(PICTURES.glob("*.svg")):
        words = english_in(screen_lines(path.read_text(encoding="utf-8")), vocabulary)
        if words:
            found[path.name] = words
    assert found == {}


def test_the_check_finds_the_english_it_was_made_for():
    vocabulary = english_words()
    lines = [
        "27.11.2026 09:00  queued  by root, 1 credit, for 2026-12-02T11:00:00+01:00",
        "Fehler: number rejected by the gateway",
        "Nachricht 10 failed",
        "esc Dismiss menu",
    ]
    assert {word.lower() for word, _line in english_in(lines, vocabulary)} >= {
        "queued",
        "by",
        "for",
        "number",
        "rejected",
        "gateway",
        "failed",
        "dismiss",
        "menu",
    }


async def test_textuals_own_keys_are_german_too(make_app):
    """An open Select list brings Textual's own key ("esc Dismiss menu"): German in the footer."""
    from textual.widgets import Select
    from textual.widgets._footer import FooterKey

    from .pilot_helpers import settle
    from .view_tour import VIEWS, practice_day

    state = practice_day()
    async with make_app().run_test(size=(140, 42)) as pilot:
        await VIEWS["service_settings"](pilot, state)
        select = pilot.app.screen.query(Select).first()
        select.focus()
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        described = [key.description for key in pilot.app.screen.query(FooterKey)]
        assert "Liste schliessen" in described
        assert "Dismiss menu" not in described
