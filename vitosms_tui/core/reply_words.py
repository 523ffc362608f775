"""What a patient's SMS answer says: confirmed, declined, stop, or none.

Only the obvious answers are understood, in German, French, Italian and
English: the answer word first (after an optional "Hallo"), then nothing but
politeness ("gerne", "merci", "thanks") or a sign-off ("Gruss Anna") that may
run on freely. Case, accents, punctuation and emoji do not matter. Anything
else ("Ja, aber erst um 11", "Ich kann nicht kommen") is ``none``: a person
at the desk reads it, because a wrong guess would confirm or free a slot the
patient did not mean.
"""

from __future__ import annotations

import re
import unicodedata

CONFIRMED, DECLINED, STOP, NONE = "confirmed", "declined", "stop", "none"
ACTIONS = (CONFIRMED, DECLINED, STOP, NONE)

# after folding (lower case, no accents): SÌ is "si"; STOPP is the German spelling of STOP
ANSWER_WORDS = {
    **dict.fromkeys(("ja", "oui", "si", "yes", "1"), CONFIRMED),
    **dict.fromkeys(("nein", "non", "no", "2"), DECLINED),
    **dict.fromkeys(("stop", "stopp", "halt"), STOP),
}
# words that may stand before the answer
_OPENING = frozenset(
    """hallo hoi gruezi gruetzi guten tag morgen abend bonjour bonsoir salut
    buongiorno buonasera salve hello hi dear liebe lieber""".split()
)
# words that may follow the answer without changing it
_POLITE = frozenset(
    """gerne gern danke dank vielen herzlichen bitte sehr ok okay klar sicher
    natuerlich bis dann bald morgen schonen schoenen tag merci beaucoup volontiers bien sur d
    accord a demain bonne journee grazie mille certo va bene volentieri domani buona giornata
    thanks thank you please sure of course see tomorrow then have nice day leider malheureusement
    desole purtroppo mi dispiace unfortunately sorry""".split()
)
# a "no" may say it twice ("Nein, leider nicht")
_NEGATION = frozenset("nicht pas not".split())
# the start of a sign-off: whatever follows (a name) does not count
_SIGN_OFF = frozenset(
    """gruss grusse gruessli gruessle lg mfg freundliche beste herzliche
    liebe tschuss tschau ciao adieu cordialement salutations amities bises saluti cordiali
    distinti regards cheers best kind""".split()
)
# what the reminder and confirmation ask for ({answer}): words understood below
INVITATION = {"de": "JA oder NEIN", "fr": "OUI ou NON", "it": "SI o NO", "en": "YES or NO"}
_WORD = re.compile(r"[a-z0-9]+")


def words_of(text: str) -> list[str]:
    """The words of ``text`` folded: lower case, accents and punctuation gone ("Sì!" -> ["si"])."""
    folded = unicodedata.normalize("NFKD", str(text or "").casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c)).replace("ß", "ss")
    return _WORD.findall(plain)


def understand(text: str) -> str:
    """The action an answer asks for: ``confirmed``, ``declined``, ``stop`` or ``none``."""
    words = words_of(text)
    while words and words[0] in _OPENING and words[0] not in ANSWER_WORDS:
        words.pop(0)
    if not words or words[0] not in ANSWER_WORDS:
        return NONE
    action = ANSWER_WORDS[words[0]]
    for word in words[1:]:
        if word in _SIGN_OFF:
            break
        if word in _POLITE or ANSWER_WORDS.get(word) == action or (action == DECLINED and word in _NEGATION):
            continue
        return NONE
    return action
