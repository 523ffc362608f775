"""The outbox: queueing with credits, claims with leases, retries, reports, withdrawals."""

from datetime import timedelta

import pytest

from vitosms_tui.core import clock, credits, journal, mandanten, outbox, sending
from vitosms_tui.core.drafts import Draft, check_send_time, quote, require_credits
from vitosms_tui.core.errors import NotFound, Refused
from vitosms_tui.core.models import CreditEntry, Message, MessageEvent
from vitosms_tui.core.persons import PersonInput, add_person
from vitosms_tui.core.sending import DeliveryReport

START = "2026-11-27T09:00:00+01:00"


@pytest.fixture(autouse=True)
def _fixed_start():
    clock.set_now(START)


def advance(seconds: float) -> None:
    clock.set_now(clock.now() + timedelta(seconds=seconds))


@pytest.fixture
def anna(db):
    return add_person(
        PersonInput(first_name="Anna", last_name="Muster", mobile="079 123 45 67", email="anna@example.ch")
    )


def sms(to="079 555 12 34", text="Guten Tag", **kw):
    return Draft(channel="sms", recipient=to, body=text, **kw)


def rows() -> tuple[int, int, int]:
    return Message.select().count(), MessageEvent.select().count(), CreditEntry.select().count()


def kinds(message) -> list[str]:
    return [e.kind for e in journal.timeline(message.id)]


def test_enqueue_spends_and_stores(mandant, anna):
    [m1, m2] = outbox.enqueue(
        mandant, [sms(), Draft("email", "Anna@Example.ch", "Hallo", subject="Termin", person=anna)], "desk"
    )
    assert credits.balance(mandant) == 98
    m1, m2 = Message.get_by_id(m1.id), Message.get_by_id(m2.id)
    assert (m1.status, m1.recipient, m1.encoding, m1.segments, m1.credits) == ("queued", "+41795551234", "gsm7", 1, 1)
    assert m1.sender == mandant.sender
    assert m1.created_by == "desk"
    assert m2.recipient == "Anna@example.ch"
    assert m2.encoding is None
    assert m2.person_id == anna.id
    assert len({m1.idempotency_key, m2.idempotency_key}) == 2
    spends = list(CreditEntry.select().where(CreditEntry.kind == "spend").order_by(CreditEntry.id))
    assert [(e.message_id, e.delta) for e in spends] == [(m1.id, -1), (m2.id, -1)]
    assert kinds(m1) == ["queued"]


def test_cost_follows_segments_and_encoding(mandant):
    [long_gsm, ucs2] = outbox.enqueue(mandant, [sms(text="a" * 161), sms(text="Grüezi 😀")], "desk")
    assert (long_gsm.segments, long_gsm.credits) == (2, 2)
    assert (ucs2.encoding, ucs2.credits) == ("ucs2", 1)
    found = quote(mandant, [sms(text="Grüezi 😀")])
    assert found.lines[0].non_gsm == ["😀"]
    assert found.balance == 97
    assert found.balance_after == 96


def test_quote_writes_nothing_and_reports_shortage(mandant):
    before = rows()
    found = quote(mandant, [sms(text="x" * 900)] * 20)  # 6 segments each
    assert found.total_credits == 120
    assert found.balance_after == -20
    assert not found.sufficient
    assert found.low_balance
    with pytest.raises(Refused) as info:
        require_credits(mandant, found)
    assert info.value.code == "insufficient_credits"
    assert rows() == before


@pytest.mark.parametrize(
    "case,code",
    [
        ("bad number", "invalid_number"),
        ("landline", "landline"),
        ("bad email", "invalid_email"),
        ("no consent", "no_consent"),
        ("deceased", "deceased"),
        ("too few credits", "insufficient_credits"),
        ("too many parts", "too_long"),
        ("empty text", "empty_text"),
        ("subject with a line break", "invalid_subject"),
    ],
)
def test_refusal_writes_nothing(mandant, case, code):
    person = add_person(
        PersonInput(first_name="Bea", last_name="Beispiel", mobile="0791112233", deceased=case == "deceased"),
        consents={"reminder": False},
    )
    good = sms()
    bad = {
        "bad number": sms(to="12"),
        "landline": sms(to="044 123 45 67"),
        "bad email": Draft("email", "anna@", "Hallo", subject="x"),
        "no consent": sms(to=person.mobile, person=person, purpose="reminder"),
        "deceased": sms(to=person.mobile, person=person),
        "too few credits": sms(text="y" * 153 * 6),
        "too many parts": sms(text="z" * (153 * 6 + 1)),
        "empty text": sms(text="  \n"),
        "subject with a line break": Draft("email", "a@example.ch", "Hi", subject="a\nBcc: x"),
    }[case]
    drafts = [good] + [bad] * (17 if case == "too few credits" else 1)  # 1 + 17*6 > 100 credits
    before, balance = rows(), credits.balance(mandant)
    with pytest.raises(Refused) as info:
        outbox.enqueue(mandant, drafts, "desk")
    assert info.value.code == code
    assert rows() == before
    assert credits.balance(mandant) == balance


def test_reminder_without_a_person_is_refused(mandant):
    with pytest.raises(Refused, match="consented"):
        outbox.enqueue(mandant, [sms(purpose="reminder")], "auto")


def test_automatic_key_is_unique(mandant):
    outbox.enqueue(mandant, [sms(auto_key="birthday:1:2026")], "auto")
    before = rows()
    with pytest.raises(Refused) as info:
        outbox.enqueue(mandant, [sms(auto_key="birthday:1:2026")], "auto")
    assert info.value.code == "duplicate"
    assert rows() == before


def test_send_time_in_the_past_is_refused():
    with pytest.raises(Refused):
        check_send_time("2026-11-27T08:00")
    assert check_send_time(None) is None
    assert check_send_time("2026-11-27T10:00") == clock.parse_instant("2026-11-27T10:00+01:00")


def test_two_workers_never_claim_the_same_message(mandant):
    outbox.enqueue(mandant, [sms(text=f"Nachricht {i}") for i in range(20)], "desk")
    seen = []
    for turn in range(20):
        batch = sending.claim(f"w{turn % 2}", 3, 30)
        if not batch:
            break
        rows = Message.select().where(Message.id.in_([job.id for job in batch]))
        assert all(m.status == "sending" and m.claimed_by == f"w{turn % 2}" for m in rows)
        seen += [m.id for m in batch]
    assert len(seen) == len(set(seen)) == 20
    assert sending.claim("w9", 10, 30) == []


def test_scheduled_message_waits(mandant):
    later = clock.now() + timedelta(hours=2)
    [m] = outbox.enqueue(mandant, [sms()], "desk", scheduled_at=later)
    assert sending.claim("w1", 10, 30) == []
    advance(2 * 3600 + 1)
    assert [x.id for x in sending.claim("w1", 10, 30)] == [m.id]


def test_expired_lease_is_taken_over_and_the_late_worker_changes_nothing(mandant):
    [m] = outbox.enqueue(mandant, [sms()], "desk")
    [first] = sending.claim("w1", 5, lease_seconds=30)
    assert first.attempts == 1
    assert sending.claim("w2", 5, 30) == []  # still leased
    advance(31)
    [again] = sending.claim("w2", 5, 30)
    assert again.id == m.id
    assert Message.get_by_id(m.id).claimed_by == "w2"
    assert again.attempts == 2
    assert "lease of w1 expired" in journal.timeline(m.id)[-1].detail
    # the dead worker wakes up: it no longer holds the message
    assert sending.mark_sent("w1", {m.id: "late"}) == set()
    assert sending.mark_permanent_failure(m.id, "w1", "late") is False
    assert sending.mark_passing_fault(m.id, "w1", "late", 5, 1, 10) == "lost"
    assert sending.mark_sent("w2", {m.id: "prov-1"}) == {m.id}
    m = Message.get_by_id(m.id)
    assert (m.status, m.provider_id, m.idempotency_key) == ("sent", "prov-1", first.ref)
    assert credits.balance(mandant) == 99


def test_a_message_whose_workers_keep_dying_is_given_up_and_refunded(mandant):
    [m] = outbox.enqueue(mandant, [sms()], "desk")
    for worker in ("w1", "w2", "w3"):
        assert [c.id for c in sending.claim(worker, 5, 30, max_attempts=3)] == [m.id]
        advance(31)  # the worker died while sending: its lease runs out
    assert sending.claim("w4", 5, 30, max_attempts=3) == []
    m = Message.get_by_id(m.id)
    assert m.status == "failed"
    assert "worker stopped" in m.error
    assert m.attempts == 3
    assert credits.balance(mandant) == 100


def test_passing_faults_back_off_exponentially_then_fail_with_refund(mandant):
    [m] = outbox.enqueue(mandant, [sms()], "desk")
    delays = []
    for attempt in (1, 2):
        [claimed] = sending.claim("w1", 1, 30)
        assert claimed.attempts == attempt
        faulted_at = clock.now()
        assert sending.mark_passing_fault(m.id, "w1", "gateway busy", 3, 10, 15) == "queued"
        row = Message.get_by_id(m.id)
        assert row.status == "queued"
        assert row.claimed_by is None
        assert row.error == "gateway busy"
        delays.append((row.next_attempt_at - faulted_at).total_seconds())
        assert sending.claim("w1", 1, 30) == []  # not yet due
        advance(delays[-1] + 1)
    # 10 * 2**1 = 20, capped at 15
    assert 10 <= delays[0] < 11
    assert 15 <= delays[1] < 16
    sending.claim("w1", 1, 30)
    assert sending.mark_passing_fault(m.id, "w1", "gateway busy", 3, 10, 15) == "failed"
    assert Message.get_by_id(m.id).status == "failed"
    assert credits.balance(mandant) == 100
    assert kinds(m) == [
        "queued",
        "claimed",
        "error",
        "retry",
        "claimed",
        "error",
        "retry",
        "claimed",
        "error",
        "failed",
        "refunded",
    ]


def test_permanent_failure_refunds_once(mandant):
    [m] = outbox.enqueue(mandant, [sms(text="b" * 200)], "desk")
    assert credits.balance(mandant) == 98
    sending.claim("w1", 1, 30)
    assert sending.mark_permanent_failure(m.id, "w1", "550 unknown subscriber") is True
    assert sending.mark_permanent_failure(m.id, "w1", "again") is False
    assert credits.refund(Message.get_by_id(m.id), "someone") == 0
    refunds = CreditEntry.select().where((CreditEntry.kind == "refund") & (CreditEntry.message == m.id))
    assert [e.delta for e in refunds] == [2]
    assert credits.balance(mandant) == 100
    row = Message.get_by_id(m.id)
    assert (row.status, row.error) == ("failed", "550 unknown subscriber")


def test_email_ends_at_sent_and_sms_waits_for_its_report(mandant):
    [mail, text] = outbox.enqueue(mandant, [Draft("email", "a@example.ch", "Hi", subject="s"), sms()], "desk")
    sending.claim("w1", 5, 30)
    assert sending.mark_sent("w1", {mail.id: None})
    assert sending.mark_sent("w1", {text.id: "p-1"})
    assert [m.id for m in journal.awaiting_reports()] == [text.id]


def test_reports_delivered_and_undelivered(mandant):
    [ok, lost] = outbox.enqueue(mandant, [sms(), sms(to="0799990102")], "desk")
    sending.claim("w1", 5, 30)
    sending.mark_sent("w1", {ok.id: "p-ok"})
    sending.mark_sent("w1", {lost.id: "p-lost"})
    at = clock.now()
    assert sending.record_reports([DeliveryReport("p-ok", True, at)]) != (0, 0)
    assert sending.record_reports([DeliveryReport("p-lost", False, at, "absent subscriber")]) != (0, 0)
    assert sending.record_reports([DeliveryReport("p-lost", False, at)]) == (0, 0)  # idempotent
    assert sending.record_reports([DeliveryReport("p-ok", False, at)]) == (0, 0)  # a delivered message stays delivered
    assert sending.record_reports([DeliveryReport("unknown", True, at)]) == (0, 0)
    ok, lost = Message.get_by_id(ok.id), Message.get_by_id(lost.id)
    assert ok.status == "delivered"
    assert ok.delivered_at is not None
    assert (lost.status, lost.error) == ("failed", "absent subscriber")
    assert credits.balance(mandant) == 99
    assert journal.awaiting_reports() == []


def test_withdraw_refunds_and_twice_is_refused(mandant):
    [m, busy] = outbox.enqueue(mandant, [sms(), sms()], "desk")
    withdrawn = outbox.withdraw(m.id, "desk")
    assert withdrawn.status == "cancelled"
    assert credits.balance(mandant) == 99
    with pytest.raises(Refused) as info:
        outbox.withdraw(m.id, "desk")
    assert info.value.code == "not_withdrawable"
    assert credits.balance(mandant) == 99
    sending.claim("w1", 5, 30)
    with pytest.raises(Refused):
        outbox.withdraw(busy.id, "desk")  # being sent: too late
    with pytest.raises(NotFound):
        outbox.withdraw(999, "desk")
    assert kinds(m)[-2:] == ["cancelled", "refunded"]


def test_resend_sms_as_email(mandant, anna):
    [m] = outbox.enqueue(mandant, [sms(to=anna.mobile, person=anna, text="Bitte rufen Sie an")], "desk")
    sending.claim("w1", 1, 30)
    sending.mark_permanent_failure(m.id, "w1", "rejected")
    assert credits.balance(mandant) == 100
    again = outbox.resend(m.id, "desk", channel="email")
    assert (again.channel, again.recipient, again.body) == ("email", "anna@example.ch", "Bitte rufen Sie an")
    assert again.resent_from_id == m.id
    assert again.subject
    assert again.status == "queued"
    assert credits.balance(mandant) == 99
    assert kinds(m)[-1] == "resent"
    assert kinds(again) == ["queued", "resent"]
    with pytest.raises(Refused) as info:
        outbox.resend(m.id, "desk")
    assert info.value.code == "already_resent"
    with pytest.raises(Refused):
        outbox.resend(again.id, "desk")  # queued, not failed


def test_resend_on_another_channel_needs_a_person(mandant):
    [m] = outbox.enqueue(mandant, [sms()], "desk")
    outbox.withdraw(m.id, "desk")
    with pytest.raises(Refused, match="no person"):
        outbox.resend(m.id, "desk", channel="email")
    assert outbox.resend(m.id, "desk").channel == "sms"


def test_list_and_json(mandant, anna):
    other = mandanten.add_mandant("ZZ", "Dr. Zett")
    credits.purchase(other, 5, "test")
    outbox.enqueue(mandant, [sms(to=anna.mobile, person=anna)], "desk")
    outbox.enqueue(other, [sms()], "desk")
    assert [m.mandant.code for m in journal.list_messages()] == ["ZZ", "HAU"]
    [mine] = journal.list_messages(mandant=mandant, person=anna, status="queued")
    data = journal.message_json(mine)
    for key in (
        "id",
        "mandant",
        "channel",
        "recipient",
        "purpose",
        "status",
        "credits",
        "scheduled_at",
        "sent_at",
        "delivered_at",
        "attempts",
        "error",
        "appointment_id",
    ):
        assert key in data
    assert data["mandant"] == "HAU"
    assert data["scheduled_at"].endswith("+01:00")
    assert "text" not in data
    assert journal.message_json(mine, with_body=True)["text"] == "Guten Tag"
    assert journal.list_messages(status="failed") == []
