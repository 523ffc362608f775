"""The timeline, the ledger's notes and the providers' answers as the core stores them
(codes and values beside the English text), said in the interface's language; rows
written before the codes existed show their stored text."""

from __future__ import annotations

import pytest

from vitosms_tui.core import clock, credits, journal, outbox, sending
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import CreditEntry, Message, MessageEvent
from vitosms_tui.core.sending import DeliveryReport
from vitosms_tui.ui.i18n import set_language
from vitosms_tui.ui.texts.events import event_text, ledger_note
from vitosms_tui.ui.texts.reasons import error_text

WORKER = "vm:14076:137748"


@pytest.fixture
def german():
    set_language("de")
    yield
    set_language("de")


def _queue(mandant, due=None):
    draft = Draft(channel="sms", recipient="+41791234567", body="Guten Tag")
    return outbox.enqueue(mandant, [draft], "root", scheduled_at=due)[0]


def _timeline(message_id) -> list[str]:
    return [event_text(event) for event in journal.timeline(message_id)]


def _fail(mandant, answer: str) -> Message:
    message = _queue(mandant)
    sending.claim(WORKER, 10, 60)
    assert sending.mark_permanent_failure(message.id, WORKER, answer)
    return Message.get_by_id(message.id)


def test_a_failed_sms_reads_german_from_queueing_to_refund(mandant, german):
    clock.set_now("2026-12-01T10:00")
    message = _queue(mandant, due=clock.parse_instant("2026-12-02T11:00"))
    clock.set_now("2026-12-02T11:00")
    assert [m.id for m in sending.claim(WORKER, 10, 60)] == [message.id]
    assert sending.mark_permanent_failure(message.id, WORKER, "SMSC: 0x0000000B ESME_RINVDSTADR")
    number = "Diese Nummer kann keine SMS empfangen: die Natelnummer in den Personendaten prüfen (ESME_RINVDSTADR)"
    assert _timeline(message.id) == [
        "durch root, 1 Credit, für 02.12.2026 11:00",
        f"Versuch 1 durch {WORKER}",
        f"Versuch 1: {number}",
        number,
        "1 Credit",
    ]
    failed = Message.get_by_id(message.id)
    assert failed.error == "SMSC: 0x0000000B ESME_RINVDSTADR"  # scripts read the provider's answer
    assert failed.error_code == "number_invalid" and error_text(failed) == number
    [refund] = CreditEntry.select().where(CreditEntry.kind == "refund")
    assert refund.note == f"message {message.id} failed"  # the ledger keeps its stable form
    assert refund.note_code == "message"
    assert ledger_note(refund.note, refund.note_code, refund.note_data) == f"Nachricht {message.id} fehlgeschlagen"


def test_a_withdrawn_message_names_why_and_who(mandant, german):
    message = _queue(mandant)
    outbox.withdraw(message.id, "root", reason="appointment moved")
    assert _timeline(message.id)[1:] == ["Termin verschoben durch root", "1 Credit"]
    [refund] = CreditEntry.select().where(CreditEntry.kind == "refund")
    assert ledger_note(refund.note, refund.note_code, refund.note_data) == f"Nachricht {message.id} Termin verschoben"


def test_a_passing_fault_then_delivery(mandant, german):
    clock.set_now("2026-12-02T11:00")
    message = _queue(mandant)
    sending.claim(WORKER, 10, 60)
    sending.mark_passing_fault(message.id, WORKER, "gateway busy, try again later (1 of 2)", 5, 5, 60)
    clock.set_now("2026-12-02T11:01")
    sending.claim(WORKER, 10, 60)
    assert sending.mark_sent(WORKER, {message.id: "p-77"})
    assert sending.record_reports([DeliveryReport("p-77", True, clock.now())])
    lines = _timeline(message.id)
    assert lines[2] == "Versuch 1: Der SMS-Anbieter ist ausgelastet; das SMS wird von selbst nochmals versucht"
    assert lines[3] == "in 5 s, um 02.12.2026 11:00"
    assert lines[4:] == [
        f"Versuch 2 durch {WORKER}",
        f"durch {WORKER}, Kennung beim Anbieter p-77",
        "Zustellbericht vom 02.12.2026 11:01",
    ]
    assert Message.get_by_id(message.id).error_code is None  # delivered: no error left


@pytest.mark.parametrize(
    ("answer", "code", "german_text"),
    [
        ("number rejected by the gateway", "number_rejected", "Der Anbieter hat die Nummer abgelehnt"),
        ("undelivered: handset not reachable", "undelivered", "Das SMS ist nicht beim Handy angekommen"),
        (
            "recipient refused: 550 5.1.1 <lea@example.org>: Recipient address rejected",
            "mailbox_unknown",
            "Diese E-Mail-Adresse gibt es nicht: mit dem Patienten prüfen (550)",
        ),
        ("SMTP answer 452 4.2.2 Mailbox full", "mail_busy", "Der Mailserver nimmt gerade nichts an"),
        ("SMTP answer 554 5.7.1 Spam", "mail_refused", "Der Mailserver hat das E-Mail abgelehnt"),
        ("SMTP login refused: 535 5.7.8 bad credentials", "auth_failed", "Anmeldung der Praxis abgelehnt"),
        ("SMTP connection: Connection refused", "server_unreachable", "Der Mailserver war nicht erreichbar"),
        ("SMSC: 0x00000058 ESME_RTHROTTLED", "throttled", "(ESME_RTHROTTLED)"),
        ("SMSC: 0x000000FF", "provider_refused", "Der Anbieter hat das SMS abgelehnt"),
        (
            "gateway error: TimeoutError (gave up after 5 attempts)",
            "gateway_unreachable",
            "Der SMS-Anbieter war nicht erreichbar; das SMS wird von selbst nochmals versucht; "
            "aufgegeben nach 5 Versuchen",
        ),
    ],
)
def test_providers_answers_in_words_of_the_desk(mandant, german, answer, code, german_text):
    failed = _fail(mandant, answer)
    assert failed.error_code == code
    assert german_text in error_text(failed)


def test_rows_written_before_the_codes_show_their_stored_text(mandant, german):
    # an older database: no values beside the English; a note a person typed stays as typed
    message = _queue(mandant)
    old = MessageEvent.create(message=message, kind="queued", detail="queued by the old version")
    assert event_text(old) == "queued by the old version"
    Message.update(error="gateway: number unknown", error_code=None, error_data=None).where(
        Message.id == message.id
    ).execute()
    assert error_text(Message.get_by_id(message.id)) == "gateway: number unknown"
    # an old failure of a known form is still explained (the core's map of the answers)
    Message.update(error="number rejected by the gateway").where(Message.id == message.id).execute()
    assert error_text(Message.get_by_id(message.id)).startswith("Der Anbieter hat die Nummer abgelehnt")
    assert ledger_note("message 10 failed") == "message 10 failed"
    assert ledger_note("Umbuchung Ferien") == "Umbuchung Ferien"


def test_program_notes_and_packages(german):
    assert ledger_note("demo starting credits", "demo_start") == "Startguthaben der Demo"
    assert ledger_note("package Start", "package", '{"name":"Start"}') == "Paket Start"
    assert ledger_note("legacy SMS balance", "legacy") == "SMS-Guthaben der alten Version"


def test_english_keeps_the_meaning(mandant):
    set_language("en")
    try:
        message = _queue(mandant)
        assert _timeline(message.id) == ["by root, 1 credit"]
        failed = _fail(mandant, "number rejected by the gateway")
        assert error_text(failed).startswith("The provider rejected the number")
        assert ledger_note("package Start", "package", '{"name":"Start"}') == "package Start"
    finally:
        set_language("de")


def test_the_command_line_keeps_the_stored_texts(mandant):
    message = _queue(mandant)
    outbox.withdraw(message.id, "root")
    notes = [entry.note for entry in credits.ledger(mandant)]
    assert f"message {message.id} withdrawn" in notes
    assert [event.detail for event in journal.timeline(message.id)] == [
        "by root, 1 credit",
        "withdrawn by root",
        "1 credit",
    ]
