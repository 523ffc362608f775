"""SMS cost rules: GSM-7 / UCS-2, units, segments, parts, rewrite proposal."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vitosms_tui.core.errors import Refused
from vitosms_tui.core.sms_text import (
    GSM_BASIC,
    GSM_CHARS,
    GSM_EXTENSION,
    MAX_PARTS_DEFAULT,
    SmsAnalysis,
    analyse,
    check_parts,
    gsm_rewrite,
    is_gsm7,
    septets,
)

EMOJI = "\U0001f600"  # 😀, outside the BMP: two UTF-16 units


def test_tables_have_the_sizes_of_the_standard():
    assert len(GSM_BASIC) == 127  # 128 positions minus ESC
    assert len(GSM_EXTENSION) == 10
    assert "\x1b" not in GSM_CHARS
    assert GSM_BASIC.isdisjoint(GSM_EXTENSION)


@pytest.mark.parametrize(
    "char, expected",
    [
        ("a", 1),
        ("@", 1),
        ("£", 1),
        ("Ç", 1),
        ("\n", 1),
        ("\r", 1),
        ("Δ", 1),
        ("ß", 1),
        ("¤", 1),
        ("§", 1),
        ("¿", 1),
        ("ü", 1),
        ("à", 1),
        (" ", 1),
        ("€", 2),
        ("\f", 2),
        ("^", 2),
        ("{", 2),
        ("}", 2),
        ("\\", 2),
        ("[", 2),
        ("~", 2),
        ("]", 2),
        ("|", 2),
        ("ç", 0),
        ("ê", 0),
        ("’", 0),
        ("\x1b", 0),
        ("\t", 0),
        (EMOJI, 0),
        ("`", 0),
    ],
)
def test_septets_per_character(char, expected):
    assert septets(char) == expected


def test_septets_wants_one_character():
    with pytest.raises(ValueError):
        septets("ab")


@pytest.mark.parametrize(
    "text, encoding, units, non_gsm",
    [
        ("", "gsm7", 0, ()),
        ("Grüezi Frau Müller, Ihr Termin", "gsm7", 30, ()),
        ("äöüÄÖÜ éèàùìò ñÑ ß Æ", "gsm7", 20, ()),
        ("Preis 10€", "gsm7", 10, ()),
        ("[x]", "gsm7", 5, ()),
        ("Tête", "ucs2", 4, ("ê",)),
        ("Français", "ucs2", 8, ("ç",)),
        ("l’hôpital", "ucs2", 9, ("’", "ô")),
        ("hi " + EMOJI, "ucs2", 5, (EMOJI,)),
        ("ê€ê", "ucs2", 3, ("ê",)),  # in UCS-2 the € is one unit like any other
        ("tab\there", "ucs2", 8, ("\t",)),
    ],
)
def test_encoding_units_and_non_gsm(text, encoding, units, non_gsm):
    result = analyse(text)
    assert (result.encoding, result.units, result.non_gsm) == (encoding, units, non_gsm)
    assert is_gsm7(text) == (encoding == "gsm7")


def test_empty_text_is_one_segment_of_nothing():
    assert analyse("") == SmsAnalysis("gsm7", 0, 1, (), ("",), 160, 160)


@pytest.mark.parametrize(
    "text, segments, per_segment, remaining",
    [
        ("a" * 160, 1, 160, 0),
        ("a" * 161, 2, 153, 145),
        ("a" * 306, 2, 153, 0),
        ("a" * 307, 3, 153, 152),
        ("a" * 158 + "€", 1, 160, 0),
        ("a" * 159 + "€", 2, 153, 145),  # 161 septets
        ("€" * 80, 1, 160, 0),
        ("€" * 81, 2, 153, 153 - 10),  # 76 € fill 152 septets, the 77th moves on
        ("ê" * 70, 1, 70, 0),
        ("ê" * 71, 2, 67, 63),
        ("ê" * 134, 2, 67, 0),
        ("ê" * 135, 3, 67, 66),
        ("ê" * 68 + EMOJI, 1, 70, 0),
        ("ê" * 69 + EMOJI, 2, 67, 63),  # 71 units
    ],
)
def test_segment_borders(text, segments, per_segment, remaining):
    result = analyse(text)
    assert (result.segments, result.per_segment, result.remaining) == (
        segments,
        per_segment,
        remaining,
    )
    assert len(result.parts) == segments
    assert "".join(result.parts) == text


def test_plain_gsm_split_is_every_153():
    result = analyse("a" * 153 + "b" * 153 + "c")
    assert result.parts == ("a" * 153, "b" * 153, "c")


def test_escape_pair_is_not_cut_at_a_segment_border():
    text = "a" * 152 + "€" + "b" * 10
    result = analyse(text)
    assert result.parts == ("a" * 152, "€" + "b" * 10)
    assert result.remaining == 153 - 12


def test_moving_an_escape_pair_can_cost_one_more_segment():
    # 306 septets would be two full segments, but the € cannot be cut.
    text = "a" * 152 + "€" + "b" * 152
    result = analyse(text)
    assert result.units == 306
    assert result.segments == 3
    assert result.parts == ("a" * 152, "€" + "b" * 151, "b")


def test_surrogate_pair_is_not_cut_at_a_ucs2_border():
    text = "ê" * 66 + EMOJI + "x" * 10
    result = analyse(text)
    assert result.encoding == "ucs2"
    assert result.parts == ("ê" * 66, EMOJI + "x" * 10)
    assert result.remaining == 67 - 12


def test_moving_a_surrogate_pair_can_cost_one_more_segment():
    text = "ê" * 66 + EMOJI + "ê" * 66  # 134 units: two full segments if cut
    result = analyse(text)
    assert result.units == 134
    assert result.segments == 3
    assert result.parts == ("ê" * 66, EMOJI + "ê" * 65, "ê")


def test_non_gsm_is_distinct_in_order_of_first_appearance():
    assert analyse("ç ê ç ô ê " + EMOJI + " ô").non_gsm == ("ç", "ê", "ô", EMOJI)


def test_many_distinct_non_gsm_characters_keep_their_order():
    cjk = [chr(0x4E00 + i) for i in range(100)]
    text = "".join(reversed(cjk)) + "".join(cjk)
    assert analyse(text).non_gsm == tuple(reversed(cjk))


def test_lone_surrogate_does_not_crash():
    result = analyse("a\ud800b")
    assert (result.encoding, result.units, result.non_gsm) == ("ucs2", 3, ("\ud800",))
    assert gsm_rewrite("a\ud800b") == "a?b"


@pytest.mark.parametrize(
    "segments, max_parts, refused",
    [
        (1, MAX_PARTS_DEFAULT, False),
        (6, MAX_PARTS_DEFAULT, False),
        (7, MAX_PARTS_DEFAULT, True),
        (2, 1, True),
        (2, 2, False),
    ],
)
def test_check_parts(segments, max_parts, refused):
    text = "a" * (153 * segments if segments > 1 else 10)
    analysis = analyse(text)
    assert analysis.segments == segments
    if not refused:
        check_parts(analysis, max_parts)
        return
    with pytest.raises(Refused) as caught:
        check_parts(analysis, max_parts)
    assert caught.value.code == "too_long"
    assert caught.value.exit_code == 1
    assert str(segments) in caught.value.message
    assert "\n" not in caught.value.message


def test_check_parts_reason():
    with pytest.raises(Refused, match=r"^the text needs 7 SMS parts, at most 6 are allowed$"):
        check_parts(analyse("a" * (153 * 6 + 1)))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Grüezi Frau Müller", "Grüezi Frau Müller"),
        ("äöüÄÖÜ éèàùìò Ç €[]", "äöüÄÖÜ éèàùìò Ç €[]"),
        ("Tête à tête", "Tete à tete"),
        ("Noël, Hôpital, Maïs, Château", "Noel, Hopital, Mais, Chateau"),
        ("Tomás, Crème brûlée, Île", "Tomas, Crème brulée, Ile"),
        ("Français / FRANÇAIS", "Francais / FRANÇAIS"),
        ("l’heure ‘x’ ‚y‛", "l'heure 'x' 'y'"),
        ("“a” „b“ «c» »d«", '"a" "b" "c" "d"'),
        ("8–10 Uhr — bitte", "8-10 Uhr - bitte"),
        ("Bis bald…", "Bis bald..."),
        ("10\u00a0Uhr\u202f30", "10 Uhr 30"),
        ("Œuvre, cœur", "OEuvre, coeur"),
        ("Zero\u200bwidth\u00adsoft", "Zerowidthsoft"),
        ("smile " + EMOJI, "smile ?"),
        ("漢字", "??"),
        ("½ ﬁ ²", "1/2 fi 2"),
        ("5 µg", "5 ug"),
        ("a\tb", "a b"),
        ("ＡＢＣ", "ABC"),
    ],
)
def test_gsm_rewrite(text, expected):
    assert gsm_rewrite(text) == expected
    assert is_gsm7(gsm_rewrite(text))


GSM_ALPHABET = "".join(sorted(GSM_CHARS))


ANY_CODE_POINT = st.characters(exclude_categories=())  # lone surrogates too
# Few characters, many of them pairs (escape, surrogate, lone halves), long
# enough to meet segment borders often.
PAIRS = st.sampled_from(["a", "ê", "€", "[", EMOJI, "\ud83d", "\ude00"])


@settings(max_examples=300)
@given(
    st.text()
    | st.text(ANY_CODE_POINT)
    | st.text(ANY_CODE_POINT, min_size=60, max_size=400)
    | st.text(PAIRS, min_size=60, max_size=400)
)
def test_any_text_is_analysed_consistently(text):
    result = analyse(text)
    assert "".join(result.parts) == text
    assert result.segments == len(result.parts) >= 1
    assert result.encoding == ("gsm7" if is_gsm7(text) else "ucs2")
    if result.encoding == "gsm7":
        cost = lambda part: sum(septets(c) for c in part)  # noqa: E731
        assert result.non_gsm == ()
    else:
        cost = lambda part: len(part.encode("utf-16-le", "surrogatepass")) // 2  # noqa: E731
        assert set(result.non_gsm) == set(text) - GSM_CHARS
        assert len(set(result.non_gsm)) == len(result.non_gsm)
    assert sum(cost(p) for p in result.parts) == result.units
    assert all(cost(p) <= result.per_segment for p in result.parts)
    assert all(p for p in result.parts) or text == ""
    assert result.remaining == result.per_segment - cost(result.parts[-1])
    single = 160 if result.encoding == "gsm7" else 70
    assert (result.segments == 1) == (result.units <= single)


@settings(max_examples=300)
@given(st.text(alphabet="a€", min_size=150, max_size=500))
def test_escape_pairs_near_borders(text):
    result = analyse(text)
    assert "".join(result.parts) == text
    assert all(sum(septets(c) for c in p) <= result.per_segment for p in result.parts)
    # A segment is only left short when the next character is an escape pair.
    for part, following in itertools.pairwise(result.parts):
        used = sum(septets(c) for c in part)
        assert used == 153 or (used == 152 and following[0] == "€")


@settings(max_examples=300)
@given(st.text(alphabet="ê" + EMOJI, min_size=60, max_size=300))
def test_surrogate_pairs_near_borders(text):
    result = analyse(text)
    assert "".join(result.parts) == text
    for part, following in itertools.pairwise(result.parts):
        used = len(part.encode("utf-16-le")) // 2
        assert used == 67 or (used == 66 and following[0] == EMOJI)


def test_separate_surrogate_code_points_are_not_merged():
    text = "ê" * 66 + "\ud83d\ude00" + "ê" * 10  # a pair spelled as two code points
    result = analyse(text)
    assert "".join(result.parts) == text
    assert result.units == 78
    assert result.segments == 2


@given(st.text() | st.text(ANY_CODE_POINT))
def test_rewrite_always_gives_gsm7(text):
    assert is_gsm7(gsm_rewrite(text))


@given(st.text(alphabet=GSM_ALPHABET))
def test_rewrite_keeps_gsm_text(text):
    assert gsm_rewrite(text) == text
    assert analyse(text).encoding == "gsm7"
