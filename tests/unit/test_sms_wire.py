"""An SMS text as octets on the wire: GSM-7 (packed or not), UCS-2, concatenation headers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vitosms_tui.core.sms_text import GSM_CHARS, analyse
from vitosms_tui.core.sms_wire import UDH_LENGTH, gsm7_septets, gsm7_text, pack_septets, unpack_septets, wire_parts

GSM_TEXT = st.text(st.sampled_from(sorted(GSM_CHARS)), min_size=1, max_size=700)


def test_packing_matches_the_example_of_the_standard():
    # "hellohello" packed, the classic example of GSM 03.38
    assert pack_septets(gsm7_septets("hellohello")).hex().upper() == "E8329BFD4697D9EC37"


def test_seven_spare_bits_hold_a_cr_not_an_at_sign():
    packed = pack_septets(gsm7_septets("1234567"))  # 49 bits: 7 spare in the 7th octet
    assert packed[-1] >> 1 == 0x0D
    assert gsm7_text(unpack_septets(packed)) == "1234567"


def test_extension_characters_are_escaped():
    assert gsm7_septets("€[") == bytes([0x1B, 0x65, 0x1B, 0x3C])


@given(GSM_TEXT)
def test_gsm7_parts_join_to_the_text_packed_or_not(text):
    analysis = analyse(text)
    for packed in (False, True):
        coding, parts = wire_parts(text, 42, packed=packed)
        assert coding == 0
        assert len(parts) == analysis.segments
        header = UDH_LENGTH if len(parts) > 1 else 0
        if packed:
            fill = (7 - header * 8 % 7) % 7
            texts = [gsm7_text(unpack_septets(p[header:], fill)) for p in parts]
        else:
            texts = [gsm7_text(p[header:]) for p in parts]
        assert "".join(texts) == text
        assert texts == list(analysis.parts)
        assert all(len(p) <= 140 if packed else len(p) <= 160 for p in parts)
        if header:
            assert [p[:UDH_LENGTH] for p in parts] == [
                bytes([5, 0, 3, 42, len(parts), n]) for n in range(1, len(parts) + 1)
            ]


@given(st.text(min_size=1, max_size=400).filter(lambda t: analyse(t).encoding == "ucs2"))
def test_ucs2_parts_join_to_the_text_and_fit_140_octets(text):
    coding, parts = wire_parts(text, 7)
    header = UDH_LENGTH if len(parts) > 1 else 0
    assert coding == 8
    assert len(parts) == analyse(text).segments
    assert "".join(p[header:].decode("utf-16-be", "surrogatepass") for p in parts) == text
    assert all(len(p) <= 140 for p in parts)
