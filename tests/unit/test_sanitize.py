"""Person-supplied text reaches the screen as text: no markup, no terminal commands."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.text import Text

from vitosms_tui.ui.sanitize import clean, plain


def test_markup_stays_literal():
    result = plain("[bold]x[/] [link=http://evil]click[/link]")
    assert isinstance(result, Text)
    assert result.plain == "[bold]x[/] [link=http://evil]click[/link]"
    assert result.spans == []


def test_escape_sequences_are_removed():
    assert clean("Evil\x1b[2JName") == "EvilName"
    assert clean("a\x1b[31;1mred\x1b[0m") == "ared"
    assert clean("title\x1b]0;pwned\x07!") == "title!"
    assert clean("osc\x1b]8;;http://x\x1b\\link") == "osclink"
    assert clean("dcs\x1bPq#0;2;0;0;0\x1b\\end") == "dcsend"
    assert clean("keypad\x1b=x") == "keypadx"
    assert clean("c1\x9b2Jz") == "c1z"


def test_controls_and_bidi_overrides_are_removed_and_breaks_become_spaces():
    assert clean("bell\x07 nul\x00 del\x7f c1\x85") == "bell nul del c1"
    assert clean("two\nlines\tand\r\ntabs") == "two lines and tabs"
    assert clean("abc\u202edcba\u2066x\u2069") == "abcdcbax"


def test_none_and_non_text():
    assert clean(None) == ""
    assert clean(42) == "42"
    assert plain(None).plain == ""


def test_ordinary_names_pass_unchanged():
    for name in ("Müller", "Zoë d'Aubigné", "Nicolò", "Jean-François", "O'Neil", "李", "Ødegård"):
        assert clean(name) == name


@given(st.text())
def test_nothing_that_steers_a_terminal_survives(text):
    result = clean(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in result)
    assert "\x1b" not in result
