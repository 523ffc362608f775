"""The core's reasons for a message's fate, in the interface language.

The core writes a message's error and its timeline in English (scripts read
them); the reasons the desk meets every day, why a message expired or waited
for the morning, who dealt with a failure and what the provider or the mail
server answered (:mod:`.fault_texts`), are said here in the interface's
language. Any other text is shown as the core wrote it, so nothing is ever
hidden, also not the texts of older databases.
"""

from __future__ import annotations

import re

from ..i18n import N_, _
from .fault_texts import fault_text

RECALL_STATES = {"booked": N_("booked"), "done": N_("done"), "cancelled": N_("cancelled")}
_REASONS = [
    (re.compile(r"its appointment began at (?P<when>.+)"), N_("its appointment began at {when}")),
    (re.compile(r"its birthday was over at (?P<when>.+)"), N_("its birthday was over at {when}")),
    (
        re.compile(r"its recall is (?P<state>\w+): the notice is no longer needed"),
        N_("its recall is {state}: the notice is no longer needed"),
    ),
    (
        re.compile(r"the quiet hours last beyond its moment \((?P<when>.+)\): not sent at all"),
        N_("the quiet hours last beyond its moment ({when}): not sent at all"),
    ),
    (re.compile(r"quiet hours: waits until (?P<when>.+)"), N_("quiet hours: waits until {when}")),
    (re.compile(r"marked done by (?P<who>.+)"), N_("marked done by {who}")),
]


def reason_text(text: str | None) -> str:
    """``text`` in the interface language when it is one of the reasons above."""
    text = text or ""
    for pattern, words in _REASONS:
        found = pattern.fullmatch(text)
        if found:
            values = found.groupdict()
            if "state" in values:
                values["state"] = _(RECALL_STATES.get(values["state"], values["state"]))
            return _(words).format(**values)
    return fault_text(text) or text
