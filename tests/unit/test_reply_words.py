"""What a patient's answer says, in four languages, however it is typed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vitosms_tui.core.reply_words import CONFIRMED, DECLINED, NONE, STOP, understand

WORDS = {
    CONFIRMED: ["JA", "Oui", "sì", "SÌ", "si", "Yes", "1"],
    DECLINED: ["NEIN", "non", "No", "2"],
    STOP: ["STOP", "halt", "Stopp"],
}
ALL = [(word, action) for action, words in WORDS.items() for word in words]
PUNCTUATION = st.text(alphabet=" \t\n.,;:!?-–()…'\"👍🙂", max_size=4)


def _cases(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.lower(), word.upper(), word.capitalize()])


@given(
    st.sampled_from(ALL).flatmap(lambda pair: st.tuples(_cases(pair[0]), st.just(pair[1]))), PUNCTUATION, PUNCTUATION
)
def test_the_answer_word_alone_whatever_the_spacing_case_and_punctuation(pair, before, after):
    word, action = pair
    assert understand(f"{before}{word}{after}") == action


GREETINGS = [
    "gerne",
    "danke",
    "Vielen Dank!",
    "merci beaucoup",
    "grazie mille",
    "thanks",
    "Gruss Anna",
    "Liebe Grüsse, Hans Muster",
    "Cordialement, Marie Dupont",
    "saluti, Luca",
    "bis morgen",
    "schönen Tag",
    "à demain",
    "a domani",
    "see you tomorrow",
    "ciao",
]


@given(st.sampled_from(ALL), st.sampled_from(GREETINGS), PUNCTUATION)
def test_a_trailing_greeting_does_not_change_the_answer(pair, greeting, between):
    word, action = pair
    assert understand(f"{word}{between or ' '}{greeting}") == action


@pytest.mark.parametrize(
    "text, action",
    [
        ("Ja, gerne", CONFIRMED),
        ("Hallo, ja gerne!", CONFIRMED),
        ("Oui, merci. Bonne journée", CONFIRMED),
        ("Sì, grazie", CONFIRMED),
        ("YES!!", CONFIRMED),
        ("ja ja", CONFIRMED),
        ("1.", CONFIRMED),
        ("Nein danke", DECLINED),
        ("Nein, leider nicht.", DECLINED),
        ("Non, malheureusement pas", DECLINED),
        ("No, purtroppo", DECLINED),
        ("No, sorry", DECLINED),
        ("Non merci", DECLINED),
        ("No, grazie", DECLINED),
        ("2", DECLINED),
        ("STOP", STOP),
        ("Halt.", STOP),
    ],
)
def test_obvious_answers(text, action):
    assert understand(text) == action


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Ich kann nicht kommen",
        "Ja, aber erst um 11",
        "Nein, doch ja",
        "Ja nein",
        "12",
        "Jawohl",
        "Ja nicht",
        "Oui pas",
        "nonsense",
        "Stoppen Sie das bitte nicht",
        "Kann ich den Termin verschieben?",
        "No way I forgot, yes I will come",
        "ok",
        "👍",
    ],
)
def test_everything_else_waits_for_a_person(text):
    assert understand(text) == NONE


@given(st.text(max_size=40))
def test_any_text_gets_one_of_the_four_answers(text):
    assert understand(text) in (CONFIRMED, DECLINED, STOP, NONE)
