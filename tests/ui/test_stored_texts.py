"""The timeline, the ledger's notes and the providers' answers as the core stores them,
said again in the interface's language; texts of another form stay as they are."""

from __future__ import annotations

import pytest

from vitosms_tui.core import clock, credits, journal, outbox, sending
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import CreditEntry
from vitosms_tui.core.sending import DeliveryReport
from vitosms_tui.ui.i18n import set_language
from vitosms_tui.ui.widgets.event_texts import event_detail, ledger_note
from vitosms_tui.ui.widgets.reasons import reason_text

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
    return [event_detail(event.kind, event.detail) for event in journal.timeline(message_id)]


def test_a_failed_sms_reads_german_from_queueing_to_refund(mandant, german):
    clock.set_now("2026-12-01T10:00")
    message = _queue(mandant, due=clock.parse_instant("2026-12-02T11:00"))
    clock.set_now("2026-12-02T11:00")
    assert [m.id for m in sending.claim(WORKER, 10, 60)] == [message.id]
    assert sending.mark_permanent_failure(message.id, WORKER, "SMSC: 0x0000000B ESME_RINVDSTADR")
    assert _timeline(message.id) == [
        "durch root, 1 Credit, für 02.12.2026 11:00",
        f"Versuch 1 durch {WORKER}",
        "Versuch 1: Die Nummer wurde vom Anbieter abgelehnt (ESME_RINVDSTADR)",
        "Die Nummer wurde vom Anbieter abgelehnt (ESME_RINVDSTADR)",
        "1 Credit",
    ]
    [refund] = CreditEntry.select().where(CreditEntry.kind == "refund")
    assert refund.note == f"message {message.id} failed"  # the ledger keeps its stable form
    assert ledger_note(refund.note) == f"Nachricht {message.id} fehlgeschlagen"


def test_a_withdrawn_message_names_why_and_who(mandant, german):
    message = _queue(mandant)
    outbox.withdraw(message.id, "root", reason="appointment moved")
    assert _timeline(message.id)[1:] == ["Termin verschoben durch root", "1 Credit"]
    assert ledger_note(f"message {message.id} appointment moved") == f"Nachricht {message.id} Termin verschoben"


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
    assert lines[2] == "Versuch 1: Der Anbieter ist ausgelastet; das SMS wird nochmals versucht"
    assert lines[3] == "in 5 s, um 02.12.2026 11:00"
    assert lines[4:] == [
        f"Versuch 2 durch {WORKER}",
        f"durch {WORKER}, Kennung beim Anbieter p-77",
        "Zustellbericht vom 02.12.2026 11:01",
    ]


@pytest.mark.parametrize(
    ("stored", "german_text"),
    [
        ("number rejected by the gateway", "Die Nummer wurde vom Anbieter abgelehnt"),
        ("undelivered", "Das SMS ist beim Handy nicht angekommen"),
        (
            "recipient refused: 550 5.1.1 <lea@example.org>: Recipient address rejected",
            "Der Mailserver hat die Adresse nicht angenommen (550)",
        ),
        ("SMTP answer 452 4.2.2 Mailbox full", "Der Mailserver nimmt gerade nichts an; neuer Versuch folgt (452)"),
        ("SMTP answer 554 5.7.1 Spam", "Der Mailserver hat die E-Mail abgelehnt (554)"),
        ("SMTP connection: Connection refused", "Keine Verbindung zum Mailserver; neuer Versuch folgt"),
        (
            "SMSC: 0x00000058 ESME_RTHROTTLED",
            "Der Anbieter ist ausgelastet; das SMS wird nochmals versucht (ESME_RTHROTTLED)",
        ),
        ("SMSC: 0x000000FF", "Der Anbieter hat das SMS abgelehnt (0x000000FF)"),
        (
            "gateway error: TimeoutError (gave up after 5 attempts)",
            "Der SMS-Anbieter war nicht erreichbar; neuer Versuch folgt; aufgegeben nach 5 Versuchen",
        ),
        ("not enough credits (needs 2, has 0)", "Nicht genug Credits (nötig 2, vorhanden 0)"),
    ],
)
def test_providers_answers_in_words_of_the_desk(stored, german_text, german):
    assert reason_text(stored) == german_text


def test_texts_of_another_form_stay_as_stored(german):
    # an older database, or a note a person typed: shown as it is, never lost
    assert event_detail("queued", "queued by the old version") == "queued by the old version"
    assert reason_text("gateway: number unknown") == "gateway: number unknown"
    assert ledger_note("Umbuchung Ferien") == "Umbuchung Ferien"
    assert ledger_note("DUB -> HAU") == "DUB -> HAU"


def test_program_notes_and_packages(german):
    assert ledger_note("demo starting credits") == "Startguthaben der Demo"
    assert ledger_note("package Start") == "Paket Start"
    assert ledger_note("legacy SMS balance") == "SMS-Guthaben der alten Version"


def test_english_keeps_the_meaning(mandant):
    set_language("en")
    try:
        message = _queue(mandant)
        assert _timeline(message.id) == ["by root, 1 credit"]
        assert reason_text("number rejected by the gateway") == "The provider rejected the number"
        assert ledger_note("package Start") == "package Start"
    finally:
        set_language("de")


def test_the_command_line_keeps_the_stored_texts(mandant):
    message = _queue(mandant)
    outbox.withdraw(message.id, "root")
    notes = [entry.note for entry in credits.ledger(mandant)]
    assert f"message {message.id} withdrawn" in notes
