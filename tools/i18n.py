"""The interface catalogue: extract, update, compile and check.

    python tools/i18n.py update    # collect _() / N_() / ngettext() strings of vitosms_tui/ui
                                   # into locale/*/LC_MESSAGES/vitosms.po (translations kept)
    python tools/i18n.py compile   # .po -> .mo (the .mo files are committed)
    python tools/i18n.py check     # exit 1 if a German translation is missing or a .mo is stale

The source strings are English; German (the default) must be complete.
English needs no translations (its catalogue exists so that a language
switch finds a file).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "vitosms_tui" / "ui"
LOCALE = ROOT / "vitosms_tui" / "locale"
DOMAIN = "vitosms"
LANGUAGES = ("de", "en")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    template = Catalog(project="vitosms-tui", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        SOURCES, method_map=[("**.py", "python")], keywords=KEYWORDS, strip_comment_tags=True
    ):
        template.add(message, None, [(f"vitosms_tui/ui/{filename}", lineno)], auto_comments=comments, context=context)
    return template


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, project="vitosms-tui", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def write(language: str, catalog: Catalog) -> None:
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.header_comment = (
        f"# vitosms-tui: texts of the terminal interface, language {language}.\n"
        "# Source strings are English; edit msgstr here, then run tools/i18n.py compile."
    )
    catalog.fuzzy = False
    catalog.last_translator = "vitosms-tui"
    catalog.language_team = f"vitosms-tui {language}"
    catalog.msgid_bugs_address = ""
    buffer = io.BytesIO()
    write_po(
        buffer, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False, ignore_obsolete=True
    )
    path.write_bytes(buffer.getvalue())


def mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update() -> None:
    template = extract()
    for language in LANGUAGES:
        catalog = read(language)
        catalog.update(template, no_fuzzy_matching=True)
        write(language, catalog)
        print(f"{po_path(language).relative_to(ROOT)}: {len(catalog)} messages")


def compile_all() -> None:
    for language in LANGUAGES:
        target = po_path(language).with_suffix(".mo")
        target.write_bytes(mo_bytes(read(language)))
        print(f"{target.relative_to(ROOT)} written")


def problems() -> list[str]:
    """Missing German translations, strings not in the catalogue, stale .mo files."""
    found = []
    template = extract()
    for language in LANGUAGES:
        catalog = read(language)
        for message in template:
            if message.id and message.id not in catalog:
                found.append(f"{language}: not in the catalogue: {message.id!r} (run tools/i18n.py update)")
        mo = po_path(language).with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != mo_bytes(catalog):
            found.append(f"{language}: {mo.name} is stale (run tools/i18n.py compile)")
    for message in read("de"):
        if message.id and (not message.string or message.fuzzy):
            found.append(f"de: no translation for {message.id!r}")
    return found


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        issues = problems()
        for issue in issues:
            print(issue)
        return 1 if issues else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
