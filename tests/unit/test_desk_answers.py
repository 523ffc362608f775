"""The desk's answers are the rule; one reminder unless asked; booking with its confirmation;
failed messages stay in "needs attention" until dealt with. Through the command line and core."""

from __future__ import annotations

import json

import pytest

from vitosms_tui.cli.main import main
from vitosms_tui.core import (
    agenda,
    attention,
    automation,
    clock,
    credits,
    desk_answers,
    journal,
    mandanten,
    outbox,
    persons,
    sending,
)
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.errors import Refused
from vitosms_tui.core.models import Appointment, AuditEntry, Message

NOW = "2026-05-04T10:00"  # Monday


@pytest.fixture
def hau(mandant):
    clock.set_now(NOW)
    return mandanten.update_settings(mandant, auto_reminders=True)


@pytest.fixture
def luca(hau):
    data = persons.PersonInput(
        first_name="Luca", last_name="Rossi", mobile="+41 79 555 12 34", email="luca@example.ch", mandant="HAU"
    )
    return persons.add_person(data, user="test")


@pytest.fixture
def cli(db_path, luca, capsys):
    def call(*argv, now=NOW):
        code = main(["--db", str(db_path), "--now", now, "--user", "desk", "--json", *argv])
        out, err = capsys.readouterr()
        return code, (json.loads(out) if out.strip() else None), err

    return call


def book(luca, start="2026-05-05T14:00"):
    return agenda.add_appointment("HAU", luca, start, 15, user="desk").appointment


def reminders_of(appointment) -> list[Message]:
    return list(
        Message.select()
        .where((Message.appointment == appointment.id) & (Message.purpose == "reminder"))
        .order_by(Message.id)
    )


# --- "no reminder" ------------------------------------------------------------------------


def test_move_withdraw_on_the_command_line_keeps_automation_away(cli, luca):
    appt = book(luca)
    agenda.remind(appt, "desk")
    code, moved, err = cli("appointment", "move", str(appt.id), "--start", "2026-05-05T16:00", "--reminder", "withdraw")
    assert code == 0, err
    assert moved["no_reminder"] is True
    code, ran, _ = cli("automation", "run", now="2026-05-04T16:00")
    assert code == 0
    assert ran["reminders"] == 0
    assert [m.status for m in reminders_of(appt)] == ["cancelled"]
    code, shown, _ = cli("appointment", "show", str(appt.id))
    assert shown["no_reminder"] is True


def test_withdrawing_a_reminder_in_the_journal_means_no_reminder(hau, luca):
    appt = book(luca)
    assert automation.run_tick(clock.parse_instant("2026-05-04T10:00")).reminders == 1
    [made] = reminders_of(appt)
    desk_answers.withdraw_at_desk(made.id, "desk")
    assert Appointment.get_by_id(appt.id).no_reminder
    assert AuditEntry.select().where(AuditEntry.action == "no_reminder").count() == 1
    assert automation.run_tick(clock.parse_instant("2026-05-04T14:00")).reminders == 0
    # a free text withdrawn in the journal says nothing about reminders
    [free] = outbox.enqueue(hau, [Draft("sms", luca.mobile, "Hallo", person=luca, appointment=appt)], "desk")
    other = book(luca, "2026-05-06T09:00")
    desk_answers.withdraw_at_desk(free.id, "desk")
    assert not Appointment.get_by_id(other.id).no_reminder


# --- one reminder unless asked ---------------------------------------------------------------


def test_a_second_reminder_needs_again(cli, luca):
    appt = book(luca)
    code, first, err = cli("appointment", "remind", str(appt.id))
    assert code == 0, err
    code, refused, err = cli("appointment", "remind", str(appt.id))  # queued: it exists already
    assert code == 1
    assert refused["error"]["code"] == "already_reminded"
    Message.update(status="delivered").where(Message.id == first["id"]).execute()
    balance = credits.balance("HAU")
    code, refused, err = cli("appointment", "remind", str(appt.id))
    assert code == 1
    assert refused["error"]["code"] == "already_reminded"
    assert "--again" in err
    assert credits.balance("HAU") == balance
    assert len(reminders_of(appt)) == 1
    code, second, err = cli("appointment", "remind", str(appt.id), "--again")
    assert code == 0, err
    assert second["id"] != first["id"]
    code, third, err = cli("appointment", "remind", str(appt.id), "--again")  # asked for: also while one waits
    assert code == 0, err
    assert third["id"] not in (first["id"], second["id"])
    # a confirmation is a kind of its own
    code, _, err = cli("appointment", "remind", str(appt.id), "--kind", "confirmation")
    assert code == 0, err


# --- booking with its confirmation ---------------------------------------------------------


def test_add_with_confirm_books_and_confirms_in_one_step(cli, luca):
    code, booked, err = cli(
        "appointment",
        "add",
        "--mandant",
        "HAU",
        "--person",
        str(luca.id),
        "--start",
        "2026-05-08T10:00",
        "--minutes",
        "20",
        "--confirm",
        "auto",
    )
    assert code == 0, err
    confirmation = booked["confirmation"]
    assert (confirmation["purpose"], confirmation["channel"], confirmation["status"]) == (
        "confirmation",
        "sms",
        "queued",
    )
    assert confirmation["appointment_id"] == booked["id"]
    code, booked, err = cli(
        "appointment",
        "add",
        "--mandant",
        "HAU",
        "--person",
        str(luca.id),
        "--start",
        "2026-05-08T11:00",
        "--minutes",
        "20",
        "--confirm",
        "email",
    )
    assert code == 0
    assert booked["confirmation"]["channel"] == "email"


def test_add_with_a_confirmation_that_cannot_go_books_nothing(cli, hau):
    nobody = persons.add_person(persons.PersonInput(first_name="Otto", last_name="Ohne", mandant="HAU"))
    before = Appointment.select().count(), Message.select().count(), credits.balance("HAU")
    code, refused, err = cli(
        "appointment",
        "add",
        "--mandant",
        "HAU",
        "--person",
        str(nobody.id),
        "--start",
        "2026-05-08T10:00",
        "--minutes",
        "20",
        "--confirm",
        "sms",
    )
    assert code == 1
    assert refused["error"]["code"] == "no_address"
    assert "mobile" in err
    assert (Appointment.select().count(), Message.select().count(), credits.balance("HAU")) == before
    code, _, err = cli(
        "appointment",
        "add",
        "--mandant",
        "HAU",
        "--person",
        str(nobody.id),
        "--start",
        "2026-05-08T10:00",
        "--minutes",
        "20",
        "--confirm",
        "fax",
    )
    assert code == 2
    assert "--confirm" in err


# --- attention until dealt with -------------------------------------------------------------


def fail(message: Message) -> None:
    """As a worker records a permanent refusal."""
    sending.claim("w", 50, 30)
    assert sending.mark_permanent_failure(message.id, "w", "rejected")


def test_a_twice_failed_message_stays_in_attention_until_dealt_with(cli, hau, luca):
    [first] = outbox.enqueue(hau, [Draft("sms", luca.mobile, "Bitte anrufen", person=luca)], "desk")
    fail(first)
    assert [m.id for m in journal.list_messages(attention=True)] == [first.id]
    again = outbox.resend(first.id, "desk")
    assert journal.attention_count() == 0  # on its way again
    fail(again)
    # the patient still got nothing: the newest of the chain asks for attention, once
    assert [m.id for m in journal.list_messages(attention=True)] == [again.id]
    code, listed, _ = cli("messages", "--attention")
    assert code == 0
    assert [m["id"] for m in listed] == [again.id] == [m.id for m in journal.list_messages(attention=True)]
    assert journal.attention_count() == len(listed) == 1
    # resent from the original once more, and that one is delivered: the chain is dealt with
    third = outbox.resend(first.id, "desk")
    Message.update(status="delivered").where(Message.id == third.id).execute()
    assert journal.attention_count() == 0


def test_marking_done_says_who_and_when(cli, hau, luca):
    [message] = outbox.enqueue(hau, [Draft("sms", luca.mobile, "Bitte anrufen", person=luca)], "desk")
    with pytest.raises(Refused) as refused:
        attention.mark_done(message.id, "desk")
    assert refused.value.code == "not_failed"
    fail(message)
    clock.set_now("2026-05-04T11:30")
    done = attention.mark_done(message.id, "maria")
    assert done.attention_done_by == "maria"
    assert clock.iso(done.attention_done_at.replace(microsecond=0)) == "2026-05-04T11:30:00+02:00"
    [event] = [e for e in journal.timeline(message.id) if e.kind == "dealt_with"]
    assert event.detail == "marked done by maria"
    attention.mark_done(message.id, "other")  # once is enough: the first mark stays
    assert Message.get_by_id(message.id).attention_done_by == "maria"
    code, listed, _ = cli("messages", "--attention", now="2026-05-04T11:31")
    assert listed == []
    assert journal.attention_count() == 0


def test_what_stands_in_the_way_of_sending_again_is_known_before_the_desk_chooses(hau, luca):
    appt = book(luca, "2026-05-04T14:00")  # short notice: the reminder goes out at once
    [reminder] = [agenda.remind(appt, "desk").message]
    fail(reminder)
    reminder = Message.get_by_id(reminder.id)
    assert attention.resend_obstacle(reminder, luca) == ""
    assert attention.resend_obstacle(reminder, None, other=True) == "no_person"
    luca.email = None
    assert attention.resend_obstacle(reminder, luca, other=True) == "no_address"
    luca.consent_reminder = False
    assert attention.resend_obstacle(reminder, luca) == "no_consent"
    luca.deceased = True
    assert attention.resend_obstacle(reminder, luca) == "deceased"
    clock.set_now("2026-05-04T14:00")  # the appointment has begun
    assert attention.resend_obstacle(reminder, persons.get_person(luca.id)) == "expired"
    with pytest.raises(Refused) as refused:  # and the outbox says the same when asked anyway
        outbox.resend(reminder.id, "desk")
    assert refused.value.code == "expired"
