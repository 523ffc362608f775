"""A few patients' answers in the demo practice, one of each kind (``vitosms demo``).

Some appointments of the coming days got their confirmation by SMS yesterday
afternoon, handed over and delivered as the worker records it, and the
patients answered: yes, no, STOP, something for a person to read, and a number
nobody has. It is played on the clock at that hour (whatever the hour of the
demo, no quiet hours in the way) through the outbox and
:func:`core.replies.receive`, so the agenda, the consents and the inbox show
it as in the practice.
"""

from __future__ import annotations

from datetime import timedelta

from . import clock, outbox, reminders, replies, sending
from .errors import VitosmsError
from .models import Appointment, Person

ANSWERS = (
    "Ja, gerne",
    "Nein, leider nicht",
    "Oui, merci",
    "No, grazie",
    "STOP",
    "Kann ich auch eine Stunde später kommen?",
)
STRANGER = ("+41791110000", "Wer ist da? Ich kenne diese Nummer nicht.")
WORKER = "demo-seed"
SENT_AT = (14, 0)  # yesterday, Zurich time


def _answerable(count: int) -> list[Appointment]:
    """Booked appointments of the coming week whose persons have a mobile, one per person."""
    now = clock.now()
    found: list[Appointment] = []
    persons: set[int] = set()
    query = (
        Appointment.select(Appointment, Person)
        .join(Person)
        .where(
            (Appointment.status == "booked")
            & (Appointment.start > now + timedelta(hours=3))
            & (Appointment.start < now + timedelta(days=7))
            & Person.mobile.is_null(False)
            & (Person.deceased == False)
        )
        .order_by(Appointment.start)
    )  # noqa: E712
    for appointment in query:
        if appointment.person_id not in persons:
            persons.add(appointment.person_id)
            found.append(appointment)
        if len(found) == count:
            break
    return found


def _confirm(appointments: list[Appointment]) -> list[Appointment]:
    """Their confirmations queued, handed over and delivered; the appointments that got one."""
    confirmed = []
    for appointment in appointments:
        try:
            draft = reminders.reminder_draft(appointment, "confirmation", "sms")
            outbox.enqueue(appointment.mandant, [draft], WORKER)
        except VitosmsError:  # no consent, no credits …: not this one
            continue
        confirmed.append(appointment)
    handed_over = sending.mark_sent(
        WORKER, {job.id: f"demo-{job.id}" for job in sending.claim(WORKER, len(confirmed), 60)}
    )
    sending.record_reports([sending.DeliveryReport(f"demo-{mid}", True, clock.now()) for mid in handed_over])
    return confirmed


def add_demo_replies() -> int:
    """Confirmations sent to a few persons yesterday and their answers; how many replies were stored."""
    appointments = _answerable(len(ANSWERS))
    yesterday = clock.local(clock.now()).date() - timedelta(days=1)
    stored = 0
    with clock.as_of(clock.zurich_datetime(yesterday, *SENT_AT)):
        confirmed = _confirm(appointments)
        for index, (appointment, text) in enumerate(zip(confirmed, ANSWERS, strict=False), start=1):
            mobile = appointment.person.mobile
            assert mobile is not None  # _answerable() takes persons with a mobile only
            incoming = replies.Incoming(
                mobile,
                text,
                clock.now() + timedelta(minutes=index),
                "demo",
                ref=f"demo-reply-{appointment.id}",
            )
            stored += replies.receive(incoming) is not None
        number, text = STRANGER
        stored += (
            replies.receive(
                replies.Incoming(number, text, clock.now() + timedelta(minutes=30), "demo", ref="demo-reply-stranger")
            )
            is not None
        )
    return stored
