"""Patients' replies: stored once, matched to the newest SMS, acted on; through core and the CLI."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from vitosms_tui.cli.main import main
from vitosms_tui.core import agenda, automation, clock, credits, mandanten, outbox, persons, replies, sending, templates
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.errors import Refused
from vitosms_tui.core.models import Appointment, AuditEntry, Message, Person, Reply
from vitosms_tui.core.replies import Incoming

NOW = "2026-05-04T10:00"  # Monday
FAMILY = "+41795551234"


@pytest.fixture
def hau(mandant):
    clock.set_now(NOW)
    return mandant


def _person(first: str, mobile: str = FAMILY, email: str | None = None) -> Person:
    return persons.add_person(
        persons.PersonInput(first_name=first, last_name="Rossi", mobile=mobile, email=email, mandant="HAU"), user="test"
    )


def _booked(person: Person, day: int, hour: int = 9) -> Appointment:
    return agenda.add_appointment("HAU", person, f"2026-05-{day:02d}T{hour:02d}:00", 20, user="test").appointment


def _confirm_sent(appointment: Appointment) -> Message:
    """The confirmation queued and handed to the gateway now, as the worker does."""
    message = agenda.remind(appointment, "test", kind="confirmation").message
    claimed = sending.claim("w1", 10, 30)
    assert message.id in [m.id for m in claimed]
    assert sending.mark_sent("w1", {message.id: f"p{message.id}"})
    return Message.get_by_id(message.id)


def _reply(text: str, sender: str = FAMILY, ref: str | None = None, minutes: int = 5) -> Reply | None:
    return replies.receive(Incoming(sender, text, clock.now() + timedelta(minutes=minutes), "smpp:Dr Hauser", ref))


def test_ja_confirms_the_appointment_of_the_message_answered(hau):
    luca = _person("Luca")
    appointment = _booked(luca, 6)
    message = _confirm_sent(appointment)
    reply = _reply("Ja, gerne!", ref="r1")
    assert (reply.action, reply.person_id, reply.message_id, reply.appointment_id) == (
        "confirmed",
        luca.id,
        message.id,
        appointment.id,
    )
    assert Appointment.get_by_id(appointment.id).answer == "confirmed"
    assert replies.unread_count() == 1


def test_the_newest_message_to_a_shared_number_wins_and_the_desk_can_reassign(hau):
    mother, son = _person("Maria"), _person("Marco")
    first, second = _booked(mother, 6), _booked(son, 7)
    _confirm_sent(first)
    clock.set_now(clock.now() + timedelta(minutes=30))
    _confirm_sent(second)
    reply = _reply("NEIN", ref="r2")
    assert (reply.person_id, reply.appointment_id, reply.action) == (son.id, second.id, "declined")
    assert Appointment.get_by_id(second.id).answer == "declined"
    moved = replies.reassign(reply, mother, "desk")
    assert (moved.person_id, moved.appointment_id) == (mother.id, first.id)
    assert Appointment.get_by_id(first.id).answer == "declined"
    assert AuditEntry.select().where(AuditEntry.action == "reply_reassigned").count() == 1
    stranger = _person("Eva", mobile="+41795559999")
    with pytest.raises(Refused) as refused:
        replies.reassign(reply, stranger, "desk")
    assert refused.value.code == "other_number"


def test_a_message_older_than_14_days_is_not_answered(hau):
    luca = _person("Luca")
    _confirm_sent(_booked(luca, 29))
    clock.set_now(clock.now() + timedelta(days=15))
    reply = _reply("JA", ref="r3")
    assert reply.message_id is None
    assert reply.appointment_id is None
    assert reply.person_id == luca.id  # the only person with that number


def test_a_reply_from_an_unknown_number_waits_in_the_inbox(hau):
    reply = _reply("Wer ist da?", sender="+41790000001", ref="r4")
    assert (reply.person_id, reply.message_id, reply.action) == (None, None, "none")
    assert [r.id for r in replies.inbox(unread=True)] == [reply.id]


def test_a_reply_delivered_twice_is_stored_once(hau):
    _person("Luca")
    assert _reply("JA", ref="smsc-7") is not None
    assert _reply("JA", ref="smsc-7", minutes=6) is None
    # without the SMSC's id: the same text from the same number shortly after is the SMSC again
    assert _reply("Danke", minutes=10) is not None
    assert _reply("Danke", minutes=11) is None
    assert _reply("Danke", minutes=30) is not None  # later: the patient wrote it again
    assert Reply.select().count() == 3


def test_an_answer_about_a_past_or_moved_appointment_changes_nothing(hau):
    luca = _person("Luca")
    appointment = _booked(luca, 4, hour=11)
    _confirm_sent(appointment)
    clock.set_now("2026-05-04T12:00")  # the appointment has begun
    _reply("JA", ref="r5")
    assert Appointment.get_by_id(appointment.id).answer is None
    later = _booked(luca, 8)
    _confirm_sent(later)
    _reply("JA", ref="r6")
    assert Appointment.get_by_id(later.id).answer == "confirmed"
    agenda.move_appointment(later, "2026-05-09T09:00", "desk", reminder="withdraw")
    assert Appointment.get_by_id(later.id).answer is None  # the JA was about the old date


def test_stop_ends_every_sms_to_that_number_automatic_ones_too(hau):
    mandanten.update_settings(hau, auto_reminders=True)
    luca = _person("Luca", email="luca@example.ch")
    anna = _person("Anna")  # the same handset
    _confirm_sent(_booked(luca, 6))
    queued = outbox.enqueue(hau, [Draft("sms", FAMILY, "Bis bald", person=anna)], "desk")[0]
    balance = credits.balance(hau)
    reply = _reply("STOP", ref="r7")
    assert reply.action == "stop"
    for person in (luca, anna):
        fresh = Person.get_by_id(person.id)
        assert (fresh.consent_sms, fresh.consent_sms_source) == (False, "reply")
        assert fresh.consent_sms_at is not None
    assert Message.get_by_id(queued.id).status == "cancelled"
    assert credits.balance(hau) == balance + queued.credits
    for draft in (Draft("sms", FAMILY, "Hallo"), Draft("sms", FAMILY, "Hallo", person=anna)):
        with pytest.raises(Refused) as refused:
            outbox.enqueue(hau, [draft], "desk")
        assert refused.value.code == "sms_stopped"
    # automation reminds Luca by e-mail now, Anna (no address) not at all
    _booked(luca, 5, hour=9)
    _booked(anna, 5, hour=10)
    clock.set_now("2026-05-04T10:30")
    automation.run_tick()
    made = Message.select().where(Message.purpose == "reminder")
    assert [(m.person_id, m.channel) for m in made] == [(luca.id, "email")]
    persons.set_consent(Person.get_by_id(anna.id), "sms", True, "desk")  # she told the desk: SMS again
    assert outbox.enqueue(hau, [Draft("sms", FAMILY, "Hallo", person=anna)], "desk")


def test_the_inbox_lists_unread_first_newest_first(hau):
    _person("Luca")
    first, second, third = (_reply(t, ref=t, minutes=m) for t, m in (("a", 1), ("b", 2), ("c", 3)))
    replies.mark_read(third, "desk")
    assert [r.id for r in replies.inbox()] == [second.id, first.id, third.id]
    assert [r.id for r in replies.inbox(unread=True)] == [second.id, first.id]
    assert replies.unread_count() == 2


def test_the_templates_invite_an_answer_only_when_replies_come_in(hau):
    luca = _person("Luca")
    appointment = _booked(luca, 6)
    _, without = templates.render_message("reminder", "sms", None, None, appointment=appointment)
    replies.set_receiving(True)
    _, with_answer = templates.render_message("reminder", "sms", None, None, appointment=appointment)
    assert "NEIN" not in without
    assert "Antworten Sie" not in without
    assert with_answer.replace(" Antworten Sie JA oder NEIN.", "") == without
    _, email = templates.render_message("reminder", "email", None, None, appointment=appointment)
    assert "JA oder NEIN" not in email


@pytest.fixture
def cli(db_path, hau, capsys):
    def call(*argv):
        code = main(["--db", str(db_path), "--now", NOW, "--user", "desk", "--json", *argv])
        out, err = capsys.readouterr()
        return code, (json.loads(out) if out.strip() else None), err

    return call


def test_inbox_and_appointment_show_on_the_command_line(cli):
    luca = _person("Luca")
    appointment = _booked(luca, 6)
    message = _confirm_sent(appointment)
    reply = _reply("Oui merci", ref="r8")
    _reply("Hallo?", sender="+41790000001", ref="r9")
    code, rows, _ = cli("inbox")
    assert code == 0
    assert len(rows) == 2
    assert rows[1] == {
        "id": reply.id,
        "from": FAMILY,
        "person_id": luca.id,
        "text": "Oui merci",
        "received_at": clock.iso(reply.received_at),
        "message_id": message.id,
        "appointment_id": appointment.id,
        "action": "confirmed",
        "read_at": None,
    }
    replies.mark_read(reply, "desk")
    code, rows, _ = cli("inbox", "--unread")
    assert code == 0
    assert [r["text"] for r in rows] == ["Hallo?"]
    code, shown, _ = cli("appointment", "show", str(appointment.id))
    assert code == 0
    assert shown["answer"] == "confirmed"
    assert [r["id"] for r in shown["replies"]] == [reply.id]


def test_the_demo_practice_has_answers_of_each_kind(db):
    from vitosms_tui.core.demo_replies import add_demo_replies
    from vitosms_tui.core.seed import seed_practice

    clock.set_now("2026-11-27T07:00")  # in the quiet hours: the demo has its answers all the same
    seed_practice(mandanten=3, persons=300, seed=1, user="seed")
    assert add_demo_replies() == 7
    assert clock.local(clock.now()).strftime("%d.%m. %H:%M") == "27.11. 07:00"  # the clock runs on as before
    actions = [r.action for r in Reply.select().order_by(Reply.id)]
    assert sorted(set(actions)) == ["confirmed", "declined", "none", "stop"]
    assert Appointment.select().where(Appointment.answer == "declined").count() == 2
    assert Appointment.select().where(Appointment.answer == "confirmed").count() == 2
    assert Person.select().where(Person.consent_sms == False).count() >= 1  # noqa: E712
    assert Message.select().where((Message.purpose == "confirmation") & (Message.status == "delivered")).count() == 6
    assert Reply.select().where(Reply.person.is_null()).count() == 1  # the number nobody has
