"""The demo practice at work: every state a newcomer should have seen once.

``vitosms demo`` adds these to a freshly seeded practice (``vitosms seed``
stays as it is): a few days of past messages in the journal, a failed SMS
and a failed e-mail (they need attention), a due recall, an appointment with
a prepared reminder and one whose reminder was delivered, and a Mandant with
a low balance.

Everything goes through the functions the desk and the worker use (queue,
claim, sent, delivery report, permanent failure, recall, transfer), each at
its own moment (:func:`clock.as_of`), so the ledger holds every credit and
the timelines read as they would in a practice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import peewee as pw

from . import agenda, clock, credits, outbox, recall, reminders, sending
from .drafts import Draft
from .errors import VitosmsError
from .models import Appointment, Mandant, Message, Person

WORKER = "demo"
PAST_DAYS = 4
# what the front desk writes on an ordinary day (no medical content, as in practice)
FREE_TEXTS = [
    "Ihr Rezept liegt ab heute bei uns am Empfang zur Abholung bereit.",
    "Bitte bringen Sie zum nächsten Termin Ihre Versichertenkarte mit.",
    "Ihre Unterlagen sind eingetroffen. Bitte melden Sie sich für einen Termin.",
]
SMS_REFUSED = "undelivered: number not reachable"
MAIL_REFUSED = "recipient refused: 550 5.1.1 mailbox unknown"  # as delivery.smtp words it
LOW_BALANCE_LEFT = 30  # below the default warning threshold of 50


def _reachable(channel: str) -> pw.ModelSelect[Person]:
    """Persons who may get a message on ``channel`` and have agreed to reminders."""
    query = Person.select().where(
        Person.deceased == False,
        Person.inactive == False,  # noqa: E712
        Person.consent_reminder == True,
    )  # noqa: E712
    query = (
        query.where(Person.mobile.is_null(False))
        if channel == "sms"
        else query.where(Person.email.is_null(False), Person.email != "")
    )
    return query.order_by(Person.id)


def _send(message: Message, at: datetime, delivered: bool | None = True, error: str = "") -> None:
    """The worker's part just after ``at``: claim, hand over, then the report (SMS) or the refusal."""
    with clock.as_of(at + timedelta(seconds=5)):  # after the queueing, which ran at ``at`` and on
        claimed = sending.claim(WORKER, 50, 60.0)
        sending.release_claims(WORKER, [job.id for job in claimed if job.id != message.id])
        if message.id not in {job.id for job in claimed}:
            return  # not due after all: it stays queued, as it would
        if message.channel == "email" and delivered is False:
            sending.mark_permanent_failure(message.id, WORKER, error)
            return
        provider_id = f"demo-{message.id}" if message.channel == "sms" else None
        sending.mark_sent(WORKER, {message.id: provider_id})
    if provider_id and delivered is not None:
        with clock.as_of(at + timedelta(minutes=1)):
            sending.record_reports([sending.DeliveryReport(provider_id, delivered, clock.now(), error or None)])


def _free_message(
    mandant: Mandant,
    person: Person,
    channel: str,
    text: str,
    at: datetime,
    delivered: bool | None = True,
    error: str = "",
) -> Message:
    address = person.mobile if channel == "sms" else person.email
    assert address is not None  # the demo writes to persons it can reach (_reachable)
    subject = outbox.default_subject(person, mandant) if channel == "email" else ""
    with clock.as_of(at):
        message = outbox.enqueue(mandant, [Draft(channel, address, text, subject, person=person)], "empfang")[0]
    _send(message, at, delivered, error)
    return message


def _past_days(mandanten: list[Mandant], now: datetime) -> int:
    """A few messages on each of the last days, between 09:00 and 16:00."""
    texted = list(_reachable("sms").limit(PAST_DAYS * 3))
    mailed = list(_reachable("email").limit(PAST_DAYS))
    today = clock.local(now).date()
    # the practice's last working days (closed at the weekend), the oldest first
    days = [today - timedelta(days=back) for back in range(1, 3 * PAST_DAYS)]
    days = sorted(day for day in days if day.weekday() < 5)[-PAST_DAYS:]
    count = 0
    for number, day in enumerate(days, start=1):
        for index, hour in enumerate((9, 11, 14)):
            person = texted[(number * 3 + index) % len(texted)]
            mandant = person.mandant or mandanten[0]
            _free_message(mandant, person, "sms", FREE_TEXTS[index], clock.zurich_datetime(day, hour, 15))
            count += 1
        person = mailed[number % len(mailed)]
        _free_message(person.mandant or mandanten[0], person, "email", FREE_TEXTS[1], clock.zurich_datetime(day, 16, 0))
        count += 1
    return count


def _failures(mandanten: list[Mandant], now: datetime) -> None:
    """The last working day: an SMS its handset never took, an e-mail the mailbox refused."""
    day = clock.local(now).date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    person = list(_reachable("sms").limit(PAST_DAYS * 3 + 1))[-1]
    _free_message(
        person.mandant or mandanten[0],
        person,
        "sms",
        FREE_TEXTS[2],
        clock.zurich_datetime(day, 10, 30),
        delivered=False,
        error=SMS_REFUSED,
    )
    person = list(_reachable("email").limit(PAST_DAYS + 1))[-1]
    _free_message(
        person.mandant or mandanten[0],
        person,
        "email",
        FREE_TEXTS[2],
        clock.zurich_datetime(day, 10, 45),
        delivered=False,
        error=MAIL_REFUSED,
    )


def _appointments_from(start: datetime) -> pw.ModelSelect[Appointment]:
    return (
        Appointment.select()
        .join(Person)
        .where(
            Appointment.status == "booked",
            Appointment.start >= start,
            Person.deceased == False,  # noqa: E712
            Person.consent_reminder == True,
            Person.mobile.is_null(False),
        )  # noqa: E712
        .order_by(Appointment.start, Appointment.id)
    )


def _reminders(now: datetime) -> dict[str, int]:
    """A reminder delivered (an appointment of the coming day, else of the last days) and one
    prepared (in a few days)."""
    done: dict[str, int] = {}
    candidates = [
        *_appointments_from(now + timedelta(hours=1)).limit(20),
        *_appointments_from(now - timedelta(days=3)).limit(20),
    ]
    for appointment in candidates:
        asked = appointment.start - timedelta(days=3)
        planned = reminders.plan("reminder", appointment, asked)
        if not planned.sends or planned.send_at is None or planned.send_at >= now - timedelta(minutes=5):
            continue  # none, or its moment is still ahead: not the one wanted here
        with clock.as_of(asked):
            message = agenda.remind(appointment.id, "empfang").message
        _send(message, message.scheduled_at)
        done["delivered"] = appointment.id
        break
    for appointment in _appointments_from(now + timedelta(days=3)).limit(20):
        try:
            agenda.remind(appointment.id, "empfang")
        except VitosmsError:
            continue  # the rule sends none for this one: try the next
        done["prepared"] = appointment.id
        break
    return done


def add_demo_states(user: str = "demo") -> dict[str, int | str]:
    """Add the states above to a freshly seeded practice; says what was added."""
    now = clock.now()
    mandanten = list(Mandant.select().order_by(Mandant.id))
    added: dict[str, int | str] = {"past_messages": _past_days(mandanten, now)}
    _failures(mandanten, now)
    added["failed"] = 2
    added.update(_reminders(now))
    person = _reachable("sms").first()
    added["recall"] = recall.add_recall(
        person=person,
        mandant=person.mandant or mandanten[0],
        reason="Jahreskontrolle",
        due=clock.local(now).date() - timedelta(days=5),
        every_months=12,
        user=user,
    ).id
    if len(mandanten) > 1:  # the last one runs low: the status line and the credits view warn
        low, rich = mandanten[-1], mandanten[0]
        amount = credits.balance(low) - LOW_BALANCE_LEFT
        if amount > 0:
            credits.transfer(low, rich, amount, "servicedesk")
            added["low_balance"] = low.code
    return added
