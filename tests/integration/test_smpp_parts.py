"""The parts on the wire are the segments ``send`` counted: the client (aiosmpplib PDUs)
against the simulator's own codec, both on 127.0.0.1, at the borders of the standard."""

from __future__ import annotations

import json

import pytest

from vitosms_tui.core.sms_settings import SmsSettings
from vitosms_tui.core.sms_text import analyse
from vitosms_tui.core.sms_wire import gsm7_septets, unpack_septets
from vitosms_tui.delivery.gateways.base import ACCEPTED, PASSING, Sms
from vitosms_tui.delivery.gateways.smpp import SmppGateway
from vitosms_tui.delivery.smsc.server import Smsc

BORDERS = {
    "160 GSM-7": "a" * 160,
    "161 GSM-7": "a" * 161,
    "153 x 2": "b" * 306,
    "153 x 2 + 1": "b" * 307,
    "153 x 4": "c" * 612,
    "80 escapes, one part": "€" * 80,
    "escape at a part border": "a" * 152 + "€" + "a" * 10,
    "escapes across three parts": "[x]" * 70,
    "70 UCS-2": "ć" * 70,
    "71 UCS-2": "ć" * 71,
    "67 x 2": "ć" * 134,
    "67 x 2 + 1": "ć" * 135,
    "surrogate pair at a part border": "ć" * 66 + "😀" + "ć" * 10,
    "emoji only": "😀" * 40,
}


class WatchedSmsc(Smsc):
    """The real simulator; it also notes what each submit_sm carried."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def _submit(self, message):
        self.seen.append(message)
        return super()._submit(message)


def units_on_wire(message, packed: bool) -> int:
    _, _, _, octets = message.concatenation()
    if message.data_coding == 8:
        return len(octets) // 2
    if packed:
        header_bits = (len(message.short_message) - len(octets)) * 8
        return len(unpack_septets(octets, (7 - header_bits % 7) % 7))
    return len(octets)


@pytest.mark.parametrize("packed", [False, True], ids=["unpacked", "packed"])
async def test_each_border_case_goes_in_the_counted_parts(tmp_path, packed):
    smsc = WatchedSmsc(
        tmp_path / "smsc", system_id="praxis", password="geheim", report_delay_seconds=0.1, gsm7_packed=packed
    )
    port = await smsc.start("127.0.0.1", 0)
    gateway = SmppGateway(
        SmsSettings(
            gateway="smpp", host="127.0.0.1", port=port, system_id="praxis", password="geheim", gsm7_packed=packed
        ),
        tmp_path / "worker",
    )
    try:
        for name, text in BORDERS.items():
            analysis = analyse(text)
            smsc.seen.clear()
            [result] = await gateway.send_many([Sms(name, "+41791234567", "Praxis", text, analysis.segments)])
            assert result.outcome == ACCEPTED, (name, result)
            assert len(smsc.seen) == analysis.segments, name
            numbers = sorted(m.concatenation()[1:3] for m in smsc.seen)
            assert (
                numbers == [(analysis.segments, n) for n in range(1, analysis.segments + 1)] or analysis.segments == 1
            ), name
            # one concatenation reference for all parts of a message
            assert len({m.concatenation()[0] for m in smsc.seen}) == 1, name
            by_number = sorted(smsc.seen, key=lambda m: m.concatenation()[2])
            expected = [
                len(gsm7_septets(p)) if analysis.encoding == "gsm7" else len(p.encode("utf-16-le")) // 2
                for p in analysis.parts
            ]
            assert [units_on_wire(m, packed) for m in by_number] == expected, name
            assert {m.data_coding for m in smsc.seen} == {8 if analysis.encoding == "ucs2" else 0}
        handset = [json.loads(line) for line in (tmp_path / "smsc" / "sms-handset.jsonl").read_text().splitlines()]
        assert [(h["client_ref"], h["text"], h["segments"]) for h in handset] == [
            (name, text, analyse(text).segments) for name, text in BORDERS.items()
        ]
    finally:
        await gateway.close()
        await smsc.close()


async def test_an_alphanumeric_sender_and_a_number_as_sender_reach_the_handset(tmp_path):
    smsc = WatchedSmsc(tmp_path / "smsc", system_id="praxis", password="geheim")
    port = await smsc.start("127.0.0.1", 0)
    gateway = SmppGateway(
        SmsSettings(gateway="smpp", host="127.0.0.1", port=port, system_id="praxis", password="geheim"),
        tmp_path / "worker",
    )
    try:
        results = await gateway.send_many(
            [Sms("a", "+41791234567", "Dr. Muster", "Hallo", 1), Sms("b", "+41791234567", "+41445551234", "Hallo", 1)]
        )
        assert [r.outcome for r in results] == [ACCEPTED, ACCEPTED]
        assert [(m.source_ton, m.source, m.dest_ton, m.destination) for m in smsc.seen] == [
            (5, "Dr. Muster", 1, "41791234567"),
            (1, "41445551234", 1, "41791234567"),
        ]
    finally:
        await gateway.close()
        await smsc.close()


async def test_tls_with_the_providers_ca_and_a_clear_refusal_without_it(tmp_path):
    import ssl

    import trustme

    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server)
    ca_file = tmp_path / "provider-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    smsc = WatchedSmsc(tmp_path / "smsc", system_id="praxis", password="geheim")
    port = await smsc.start("127.0.0.1", 0, server)
    settings = dict(gateway="smpp", host="127.0.0.1", port=port, system_id="praxis", password="geheim", tls=True)
    trusted = SmppGateway(SmsSettings(**settings, tls_ca_file=str(ca_file)), tmp_path / "w1")
    untrusted = SmppGateway(SmsSettings(**settings), tmp_path / "w2")
    try:
        [sent] = await trusted.send_many([Sms("tls", "+41791234567", "Praxis", "Hallo", 1)])
        assert sent.outcome == ACCEPTED
        [refused] = await untrusted.send_many([Sms("no-ca", "+41791234567", "Praxis", "Hallo", 1)])
        assert refused.outcome == PASSING
        assert "CERTIFICATE_VERIFY_FAILED" in refused.error
        assert "\n" not in refused.error
        assert [m.client_ref for m in smsc.seen] == ["tls"]
    finally:
        await trusted.close()
        await untrusted.close()
        await smsc.close()


class SlowSmsc(WatchedSmsc):
    """Answers each submit_sm 50 ms late, and notes how many were unanswered at once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unanswered = self.most_unanswered = 0

    def _submit_pdu(self, session, sequence, body):
        import asyncio

        self.unanswered += 1
        self.most_unanswered = max(self.most_unanswered, self.unanswered)

        def answer():
            self.unanswered -= 1
            super(SlowSmsc, self)._submit_pdu(session, sequence, body)

        asyncio.get_running_loop().call_later(0.05, answer)


async def test_no_more_submit_sm_than_the_window_await_their_answer(tmp_path):
    smsc = SlowSmsc(tmp_path / "smsc", system_id="praxis", password="geheim")
    port = await smsc.start("127.0.0.1", 0)
    gateway = SmppGateway(
        SmsSettings(gateway="smpp", host="127.0.0.1", port=port, system_id="praxis", password="geheim", window=3),
        tmp_path / "worker",
    )
    try:
        results = await gateway.send_many([Sms(f"w{i}", "+41791234567", "Praxis", "Hallo", 1) for i in range(12)])
        assert {r.outcome for r in results} == {ACCEPTED}
        assert smsc.most_unanswered == 3
    finally:
        await gateway.close()
        await smsc.close()


class CountingSmsc(WatchedSmsc):
    """Notes every command it gets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands = []

    def _dispatch(self, session, command, status, sequence, body):
        self.commands.append(command)
        return super()._dispatch(session, command, status, sequence, body)


async def test_an_idle_link_is_kept_alive_with_enquire_link_and_unbound_at_the_end(tmp_path):
    import asyncio

    smsc = CountingSmsc(tmp_path / "smsc", system_id="praxis", password="geheim")
    port = await smsc.start("127.0.0.1", 0)
    gateway = SmppGateway(
        SmsSettings(
            gateway="smpp", host="127.0.0.1", port=port, system_id="praxis", password="geheim", enquire_link_seconds=1
        ),
        tmp_path / "worker",
    )
    try:
        gateway.listen()  # bound with nothing to send, as a running worker is
        await asyncio.sleep(3.5)
        assert smsc.commands[0] == 0x09  # bind_transceiver
        assert 2 <= smsc.commands.count(0x15) <= 4  # enquire_link about once a second while idle
        assert gateway.link.binds == 1
    finally:
        await gateway.close()
    await asyncio.sleep(0.1)
    assert smsc.commands[-1] == 0x06  # unbind
    await smsc.close()


class SilentSmsc(WatchedSmsc):
    """Takes submit_sm and never answers."""

    def _submit_pdu(self, session, sequence, body):
        self.seen.append(sequence)


async def test_no_answer_within_the_timeout_is_a_passing_fault_and_a_new_link(tmp_path):
    smsc = SilentSmsc(tmp_path / "smsc", system_id="praxis", password="geheim")
    port = await smsc.start("127.0.0.1", 0)
    gateway = SmppGateway(
        SmsSettings(
            gateway="smpp",
            host="127.0.0.1",
            port=port,
            system_id="praxis",
            password="geheim",
            response_timeout_seconds=0.3,
        ),
        tmp_path / "worker",
    )
    try:
        results = await gateway.send_many([Sms(f"t{i}", "+41791234567", "Praxis", "Hallo", 1) for i in range(3)])
        assert [r.outcome for r in results] == [PASSING] * 3
        assert all("no answer within 0.3 s" in r.error for r in results)
        assert len(smsc.seen) == 3
        assert gateway.link.binds == 1
    finally:
        await gateway.close()
        await smsc.close()
