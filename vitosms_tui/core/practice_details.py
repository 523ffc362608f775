"""The practice's details in a text, and no broken sentence when one is missing.

Phone, address and signature belong to a Mandant (``Mandant.practice_phone``,
``practice_address``, ``signature``, set in the service settings); a Mandant
without its own phone takes the practice-wide one (setting ``practice_phone``).

A sentence of a template that depends on a detail nobody entered is left out
as a whole: "… bei Dr. Muster. Absage: {practice_phone}. Praxis" becomes
"… bei Dr. Muster. Praxis", never "Absage: .". A sentence runs from the end
of the previous one (``.``, ``!`` or ``?`` followed by a space, or a line
break) to its own end; only the template's own words count as ends, so a
value such as "Dr. med. Muster" never cuts a sentence short.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Mandant

# placeholders whose sentence is left out when they are empty
# ("answer": the invitation to answer by SMS, only when the gateway takes replies)
OPTIONAL = ("practice_phone", "practice_address", "signature", "answer")
_END_BEFORE = re.compile(r"(?:[.!?](?=\s)|\n)")
_END_AFTER = re.compile(r"[.!?]|\n")


def values_for(mandant: Mandant | None, practice: Mapping[str, object]) -> dict[str, str]:
    """The Mandant's details, the practice-wide phone where the Mandant has none."""
    from .phone import format_phone

    phone = " ".join(str(getattr(mandant, "practice_phone", None) or practice.get("practice_phone", "")).split())
    return {
        "practice_phone": format_phone(phone) if phone.startswith("+") else phone,
        "practice_address": " ".join(str(getattr(mandant, "practice_address", None) or "").split()),
        "signature": str(getattr(mandant, "signature", None) or "").strip(),
    }


def leave_out_empty(parts: Sequence[tuple[str, str]], context: Mapping[str, object]) -> list[tuple[str, str]]:
    """The parsed template without the sentences whose optional placeholder is empty."""
    kept = list(parts)
    while True:
        empty = next(
            (
                i
                for i, (kind, name) in enumerate(kept)
                if kind == "field" and name in OPTIONAL and not str(context.get(name, "")).strip()
            ),
            None,
        )
        if empty is None:
            return kept
        kept = _without_sentence(kept, empty)


def _without_sentence(parts: list[tuple[str, str]], index: int) -> list[tuple[str, str]]:
    start_part, start_at = 0, 0  # from the text's start unless an end of sentence comes first
    for i in range(index - 1, -1, -1):
        kind, text = parts[i]
        if kind == "text":
            ends = list(_END_BEFORE.finditer(text))
            if ends:
                start_part, start_at = i, ends[-1].end()
                break
    end_part, end_at = len(parts), 0  # to the text's end unless the sentence ends first
    for i in range(index + 1, len(parts)):
        kind, text = parts[i]
        if kind == "text":
            found = _END_AFTER.search(text)
            if found:
                # a sentence's full stop goes with it; a line break stays for the next line
                end_part, end_at = i, found.end() if found.group() != "\n" else found.start()
                break
    kept = parts[:start_part]
    if start_part < len(parts) and parts[start_part][0] == "text" and start_at:
        kept.append(("text", parts[start_part][1][:start_at]))
    if end_part < len(parts):
        rest = parts[end_part][1][end_at:]
        if kept and kept[-1][0] == "text" and kept[-1][1].endswith("\n") and rest.startswith("\n"):
            rest = rest.lstrip("\n") if kept[-1][1].endswith("\n\n") else rest[1:]  # no blank line left twice
        if rest:
            kept.append(("text", rest))
        kept.extend(parts[end_part + 1 :])
    # adjoining texts as one: the next sentence left out must see where this one ended
    merged: list[tuple[str, str]] = []
    for kind, text in kept:
        if kind == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged


_PHONE = re.compile(r"\+?[0-9][0-9 ./()-]{5,30}")
LIMITS = {"practice_phone": 40, "practice_address": 200, "signature": 500}


def check_detail(key: str, value: object) -> str | None:
    """A practice detail as stored (None: empty), or Refused (``invalid_<key>``) with the reason."""
    from .errors import Refused

    text = str(value or "").strip()
    if not text:
        return None
    what = key.replace("_", " ")
    lines = text.splitlines() if key == "signature" else [text]
    if len(lines) > 5 or any(not line.isprintable() for line in lines) or (key != "signature" and "\n" in text):
        raise Refused(f"invalid_{key}.not_printable", what=what)
    if len(text) > LIMITS[key]:
        raise Refused(f"invalid_{key}.too_long", what=what, limit=LIMITS[key])
    if key == "practice_phone" and not _PHONE.fullmatch(text):
        raise Refused("invalid_practice_phone", text=text)
    return text
