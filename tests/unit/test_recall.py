"""Recalls: adding, the due list with who is left out and why, notices, booked, repeats."""

from __future__ import annotations

import json
from datetime import date

import pytest

from vitosms_tui.cli.main import main
from vitosms_tui.core import agenda, clock, credits, mandanten, persons, recall
from vitosms_tui.core.errors import NotFound, Refused, UsageError
from vitosms_tui.core.models import Message, Recall


@pytest.fixture(autouse=True)
def _monday():
    clock.set_now("2026-05-04T10:00")


def person(first="Anna", last="Muster", mobile="079 123 45 67", email=None, consents=None, **kw):
    data = persons.PersonInput(first_name=first, last_name=last, mobile=mobile, email=email, mandant="HAU", **kw)
    return persons.add_person(data, consents=consents, user="test")


@pytest.fixture
def anna(mandant):
    return person()


def due_ids(**kw) -> list[int]:
    return [row.recall.id for row in recall.due_recalls(**kw)]


# --- dates and adding ----------------------------------------------------------


@pytest.mark.parametrize(
    "day,months,expected",
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),
        (date(2026, 5, 4), 12, date(2027, 5, 4)),
        (date(2026, 11, 15), 6, date(2027, 5, 15)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_month_end(day, months, expected):
    assert recall.add_months(day, months) == expected


def test_add_recall_from_a_person_and_from_an_appointment(mandant, anna):
    made = recall.add_recall(anna, "HAU", "Diabetes-Kontrolle", "2026-06-01", 6, user="desk")
    assert (made.status, made.due, made.every_months, made.mandant_id) == ("open", date(2026, 6, 1), 6, mandant.id)
    appt = agenda.add_appointment(mandant, anna, "2026-05-08T10:00", 20, user="desk").appointment
    second = recall.add_recall(appointment=appt, reason="Nachkontrolle", every_months=3, user="desk")
    assert (second.person_id, second.mandant_id, second.appointment_id) == (anna.id, mandant.id, appt.id)
    assert second.due == date(2026, 8, 8)


@pytest.mark.parametrize(
    "kw,code",
    [
        (dict(reason=" "), "invalid_reason"),
        (dict(reason="a\nb"), "invalid_reason"),
        (dict(due="31.02.2026"), "invalid_date"),
        (dict(due="morgen"), "invalid_date"),
        (dict(every_months=0), "invalid_repeat"),
        (dict(every_months=121), "invalid_repeat"),
    ],
)
def test_add_recall_refuses_bad_input(mandant, anna, kw, code):
    args = dict(person=anna, mandant="HAU", reason="Kontrolle", due="2026-06-01") | kw
    with pytest.raises(Refused) as caught:
        recall.add_recall(**args)
    assert caught.value.code == code
    assert Recall.select().count() == 0


def test_add_recall_refuses_the_deceased_and_unknowns(mandant):
    gone = person(deceased=True)
    with pytest.raises(Refused) as caught:
        recall.add_recall(gone, "HAU", "Kontrolle", "2026-06-01")
    assert caught.value.code == "deceased"
    with pytest.raises(NotFound):
        recall.add_recall(gone.id + 1, "HAU", "Kontrolle", "2026-06-01")
    with pytest.raises(NotFound):
        recall.add_recall(gone, "XXX", "Kontrolle", "2026-06-01")
    with pytest.raises(UsageError):
        recall.add_recall(reason="Kontrolle", due="2026-06-01")


# --- the due list ------------------------------------------------------------------


def test_due_list_period_mandant_and_status(mandant, anna):
    other = mandanten.add_mandant("BER", "Dr. Berger", user="test")
    soon = recall.add_recall(anna, "HAU", "A", "2026-05-20")
    overdue = recall.add_recall(anna, "HAU", "B", "2026-03-01")
    later = recall.add_recall(anna, "HAU", "C", "2026-09-01")
    elsewhere = recall.add_recall(anna, other, "D", "2026-05-10")
    assert due_ids() == [overdue.id, elsewhere.id, soon.id]  # by due date, up to today + 30 days
    assert due_ids(mandant="HAU") == [overdue.id, soon.id]
    assert due_ids(mandant="HAU", since="2026-05-01", until="2026-12-31") == [soon.id, later.id]
    recall.cancel_recall(soon, "desk")
    assert due_ids(mandant="HAU") == [overdue.id]
    assert soon.id in due_ids(statuses=("open", "cancelled"))


def test_due_list_leaves_out_with_a_reason(mandant):
    ok = recall.add_recall(person("Eva", "Ok"), "HAU", "x", "2026-05-10")
    dead = person("Dora", "Tot")
    dead_recall = recall.add_recall(dead, "HAU", "x", "2026-05-10")
    dead.deceased = True
    dead.save()
    inactive = recall.add_recall(person("Ida", "Inaktiv", inactive=True), "HAU", "x", "2026-05-10")
    refused = recall.add_recall(person("Nora", "Nein", consents={"recall": False}), "HAU", "x", "2026-05-10")
    unreachable = recall.add_recall(person("Udo", "Ohne", mobile=None), "HAU", "x", "2026-05-10")
    mail = recall.add_recall(person("Emil", "Mail", mobile=None, email="emil@example.ch"), "HAU", "x", "2026-05-10")
    rows = {row.recall.id: row for row in recall.due_recalls()}
    assert (rows[ok.id].eligible, rows[ok.id].channel) == (True, "sms")
    assert (rows[mail.id].eligible, rows[mail.id].channel) == (True, "email")
    expected = {
        dead_recall.id: ("deceased", "the person is deceased"),
        inactive.id: ("inactive", "the person is inactive"),
        refused.id: ("no_consent", "no consent to recall messages"),
        unreachable.id: ("no_address", "no mobile number or e-mail address"),
    }
    for recall_id, (code, text) in expected.items():
        row = rows[recall_id]
        assert (row.eligible, row.excluded, row.reason_excluded, row.channel) == (False, code, text, None)
    doc = recall.recall_json(rows[refused.id])
    assert doc["eligible"] is False
    assert doc["reason_excluded"] == "no consent to recall messages"
    assert {
        "id",
        "person_id",
        "person",
        "mandant",
        "reason",
        "due",
        "every_months",
        "status",
        "eligible",
        "reason_excluded",
        "channel",
    } <= set(doc)


# --- notices -----------------------------------------------------------------------------


def test_quote_then_notify_by_each_persons_channel(mandant, anna):
    emil = person("Emil", "Mail", mobile=None, email="emil@example.ch")
    first = recall.add_recall(anna, "HAU", "Diabetes mellitus Typ 2", "2026-05-20")
    second = recall.add_recall(emil, "HAU", "Diabetes mellitus Typ 2", "2026-05-21")
    quote = recall.quote_recalls([first.id, second.id])
    assert [line.channel for line in quote.quote.lines] == ["sms", "email"]
    assert (quote.quote.total_credits, quote.quote.balance_after) == (2, 98)
    assert Message.select().count() == 0  # a quote writes nothing
    notice = recall.notify_recalls([first.id, second.id], "desk")
    assert [m.purpose for m in notice.messages] == ["recall", "recall"]
    assert [m.recall_id for m in notice.messages] == [first.id, second.id]
    assert credits.balance(mandant) == 98
    for message in notice.messages:
        assert "Diabetes" not in message.body
        assert "Diabetes" not in message.subject
    assert "20.05.2026" in notice.messages[0].body
    first, second = recall.get_recall(first.id), recall.get_recall(second.id)
    assert (first.status, second.status) == ("notified", "notified")
    assert first.notified_at is not None
    assert first.notified_at <= clock.now()


def test_notify_refuses_what_may_not_go_out(mandant, anna):
    fine = recall.add_recall(anna, "HAU", "x", "2026-05-20")
    nein = recall.add_recall(person("Nora", "Nein", consents={"recall": False}), "HAU", "x", "2026-05-20")
    other = mandanten.add_mandant("BER", "Dr. Berger", user="test")
    credits.purchase(other, 10, "test")
    foreign = recall.add_recall(anna, other, "x", "2026-05-20")
    for ids, code in (
        ([fine.id, nein.id], "no_consent"),
        ([fine.id, foreign.id], "several_mandanten"),
        ([fine.id, 999], "not_found"),
    ):
        with pytest.raises(Refused) as caught:
            recall.notify_recalls(ids, "desk")
        assert caught.value.code == code
    with pytest.raises(Refused) as caught:
        recall.notify_recalls([fine.id], "desk", channel="email")  # Anna has no e-mail address
    assert caught.value.code == "no_address"
    assert Message.select().count() == 0
    assert recall.get_recall(fine.id).status == "open"
    recall.notify_recalls([fine.id], "desk")
    with pytest.raises(Refused) as caught:  # the first notice still waits in the outbox
        recall.notify_recalls([fine.id], "desk")
    assert caught.value.code == "already_prepared"


def test_notify_is_all_or_nothing_when_credits_are_short(db):
    poor = mandanten.add_mandant("HAU", "Dr. Hauser", user="test")
    credits.purchase(poor, 1, "test")
    a = recall.add_recall(person(), "HAU", "x", "2026-05-20")
    b = recall.add_recall(person("Berta", "Beispiel", mobile="079 555 12 34"), "HAU", "x", "2026-05-20")
    assert not recall.quote_recalls([a.id, b.id]).quote.sufficient
    with pytest.raises(Refused) as caught:
        recall.notify_recalls([a.id, b.id], "desk")
    assert caught.value.code == "insufficient_credits"
    assert Message.select().count() == 0
    assert credits.balance(poor) == 1
    assert {r.status for r in Recall.select()} == {"open"}


# --- booked and repeats ---------------------------------------------------------------


def test_a_booking_after_the_notice_books_the_recall_and_a_repeat_follows(mandant, anna):
    earlier = agenda.add_appointment(mandant, anna, "2026-05-06T10:00", 15, user="desk").appointment
    yearly = recall.add_recall(anna, "HAU", "Jahreskontrolle", "2026-05-20", 12)
    once = recall.add_recall(anna, "HAU", "einmalig", "2026-05-21")
    assert recall.mark_booked_recalls() == 0  # an appointment is no answer to an open recall
    recall.notify_recalls([yearly.id, once.id], "desk")
    assert recall.mark_booked_recalls() == 0  # the appointment booked before the notice does not count
    clock.set_now("2026-05-05T11:00")
    booked = agenda.add_appointment(mandant, anna, "2026-05-22T09:00", 30, user="desk").appointment
    assert recall.mark_booked_recalls() == 2
    assert recall.mark_booked_recalls() == 0  # once
    yearly, once = recall.get_recall(yearly.id), recall.get_recall(once.id)
    assert (yearly.status, yearly.booked_appointment_id) == ("booked", booked.id)
    assert once.status == "booked"
    assert booked.id != earlier.id
    [following] = Recall.select().where(Recall.previous == yearly.id)
    assert (following.due, following.every_months, following.status) == (date(2027, 5, 20), 12, "open")
    assert not Recall.select().where(Recall.previous == once.id).exists()
    # done later: the successor exists already, no second one
    recall.complete_recall(yearly, "desk")
    assert Recall.select().where(Recall.previous == yearly.id).count() == 1


def test_another_mandants_appointment_does_not_book(mandant, anna):
    other = mandanten.add_mandant("BER", "Dr. Berger", user="test")
    r = recall.add_recall(anna, "HAU", "x", "2026-05-20")
    recall.notify_recalls([r.id], "desk")
    clock.set_now("2026-05-05T11:00")
    agenda.add_appointment(other, anna, "2026-05-22T09:00", 30, user="desk")
    assert recall.mark_booked_recalls() == 0
    assert recall.due_recalls(statuses=("notified",))[0].recall.status == "notified"


def test_complete_without_booking_schedules_the_repeat(mandant, anna):
    r = recall.add_recall(anna, "HAU", "x", "2026-01-31", 1)
    assert recall.complete_recall(r, "desk").status == "done"
    assert Recall.get(Recall.previous == r.id).due == date(2026, 2, 28)
    with pytest.raises(Refused):
        recall.cancel_recall(r, "desk")


# --- the command line -----------------------------------------------------------------------


def test_cli_add_due_notify(tmp_path, capsys):
    db = str(tmp_path / "cli.db")

    def cli(*argv):
        code = main(["--db", db, "--now", "2026-05-04T10:00", "--json", *argv])
        out, err = capsys.readouterr()
        return code, (json.loads(out) if out.strip() else None), err

    assert cli("init")[0] == 0
    assert cli("mandant", "add", "--code", "HAU", "--name", "Dr. Hauser")[0] == 0
    assert cli("staff", "add", "--login", "sd", "--name", "Service", "--role", "servicedesk")[0] == 0
    assert cli("--user", "sd", "credits", "order", "--mandant", "HAU", "--package", "1")[0] == 0
    code, anna, _ = cli("person", "add", "--first", "Anna", "--last", "Muster", "--mobile", "079 123 45 67")
    code, nein, _ = cli(
        "person", "add", "--first", "Nora", "--last", "Nein", "--mobile", "079 555 12 34", "--no-recalls"
    )
    code, made, _ = cli(
        "recall",
        "add",
        "--person",
        str(anna["id"]),
        "--mandant",
        "HAU",
        "--reason",
        "Diabetes",
        "--due",
        "2026-05-20",
        "--every-months",
        "6",
    )
    assert code == 0
    assert made["status"] == "open"
    assert made["every_months"] == 6
    code, other, _ = cli(
        "recall", "add", "--person", str(nein["id"]), "--mandant", "HAU", "--reason", "x", "--due", "2026-05-21"
    )
    code, rows, _ = cli("recall", "due")
    assert code == 0
    assert [r["id"] for r in rows] == [made["id"], other["id"]]
    assert rows[0]["eligible"]
    assert rows[0]["channel"] == "sms"
    assert rows[0]["person_id"] == anna["id"]
    assert not rows[1]["eligible"]
    assert rows[1]["reason_excluded"] == "no consent to recall messages"
    code, preview, _ = cli("recall", "notify", str(made["id"]), "--dry-run")
    [line] = preview["messages"]
    assert code == 0
    assert line["id"] is None
    assert line["status"] == "preview"
    assert (preview["total_credits"], line["recipient"], line["encoding"]) == (1, "+41791234567", "gsm7")
    balance = preview["balance_after"]
    code, sent, _ = cli("recall", "notify", str(made["id"]))
    assert code == 0
    assert isinstance(sent["messages"][0]["id"], int)
    assert sent["balance_after"] == balance
    assert sent["messages"][0]["status"] == "queued"
    code, error, err = cli("recall", "notify", str(other["id"]))
    assert code == 1
    assert error["error"]["code"] == "no_consent"
    assert "consent" in err
    code, error, _ = cli("recall", "add", "--person", str(anna["id"]), "--mandant", "HAU", "--reason", "x")
    assert code == 2
    assert error["error"]["code"] == "usage"
    code, error, _ = cli(
        "recall", "add", "--person", str(anna["id"]), "--mandant", "HAU", "--reason", "x", "--due", "2026-13-01"
    )
    assert code == 1
    assert error["error"]["code"] == "invalid_date"
