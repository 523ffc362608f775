"""Delivery receipts as providers send them: the text, the TLVs, or both; parts of a long SMS."""

from __future__ import annotations

import asyncio

from aiosmpplib import DeliverSm, OptionalParam, PhoneNumber

from vitosms_tui.delivery.smpp.receipts import MESSAGE_STATE, RECEIPTED_MESSAGE_ID, ReceiptBook, read_receipt


def receipt(text: str, *tlvs) -> DeliverSm:
    return DeliverSm(
        short_message=text,
        source=PhoneNumber("41791234567"),
        destination=PhoneNumber("Praxis"),
        esm_class=0x04,
        optional_params=[OptionalParam(t, v) for t, v in tlvs],
    )


def test_the_receipt_text_alone_is_enough():
    text = "id:abc123 sub:001 dlvrd:001 submit date:2612020930 done date:2612020931 stat:DELIVRD err:000 text:"
    assert read_receipt(receipt(text)) == ("abc123", "DELIVRD")


def test_the_tlvs_win_over_the_text():
    text = "id:wrong sub:001 dlvrd:000 submit date:2612020930 done date:2612020931 stat:ENROUTE err:000 text:"
    found = read_receipt(receipt(text, (RECEIPTED_MESSAGE_ID, "right"), (MESSAGE_STATE, 5)))
    assert found == ("right", "UNDELIV")


def test_an_intermediate_state_is_no_report():
    text = "id:x sub:001 dlvrd:000 submit date:2612020930 done date:2612020931 stat:ENROUTE err:000 text:"
    assert read_receipt(receipt(text)) is None


def test_a_long_sms_is_reported_once_every_part_has_its_receipt(tmp_path):
    book = ReceiptBook(tmp_path)

    def take(part_id, state):
        state_tlv = (MESSAGE_STATE, {"DELIVRD": 2, "EXPIRED": 3}[state])
        asyncio.run(book.take(receipt(f"id:{part_id} stat:{state} text:", state_tlv)))

    take("p1", "DELIVRD")
    assert book.reports(["p1 p2"]) == []
    take("p2", "EXPIRED")
    [report] = book.reports(["p1 p2"])
    assert not report.delivered
    assert "EXPIRED" in report.error
    # another worker (or this one after a restart) reads the same receipts from the file
    [again] = ReceiptBook(tmp_path).reports(["p1 p2"])
    assert again.provider_id == "p1 p2"
    assert not again.delivered
    assert oct((tmp_path / "smpp-receipts.jsonl").stat().st_mode & 0o777) == "0o600"


def test_a_reply_is_kept_and_not_taken_for_a_receipt(tmp_path):
    book = ReceiptBook(tmp_path)
    reply = DeliverSm(short_message="JA", source=PhoneNumber("41791234567"), destination=PhoneNumber("Praxis"))
    assert asyncio.run(book.take(reply)) == 0
    assert '"text": "JA"' in (tmp_path / "sms-inbound.jsonl").read_text()
    assert not (tmp_path / "smpp-receipts.jsonl").exists()
