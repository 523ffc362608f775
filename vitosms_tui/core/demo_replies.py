"""A few patients' answers in the demo practice, one of each kind (``vitosms demo``).

Some appointments of the coming days get their confirmation by SMS, handed
over and delivered as the worker would record it, and the patients answer:
yes, no, STOP, something for a person to read, and a number nobody has. They
go through :func:`core.replies.receive`, so the agenda, the consents and the
inbox show them as in the practice.
"""

from __future__ import annotations

from datetime import timedelta

from . import agenda, clock, replies, sending
from .errors import VitosmsError
from .models import Appointment, Person

ANSWERS = ("Ja, gerne", "Nein, leider nicht", "Oui, merci", "No, grazie", "STOP",
           "Kann ich auch eine Stunde später kommen?")
STRANGER = ("+41791110000", "Wer ist da? Ich kenne diese Nummer nicht.")
WORKER = "demo-seed"


def _answerable(count: int) -> list[Appointment]:
    """Booked appointments of the coming week whose persons can get an SMS, one per person."""
    now = clock.now()
    found, persons = [], set()
    query = (Appointment.select(Appointment, Person).join(Person)
             .where((Appointment.status == "booked") & (Appointment.start > now + timedelta(hours=3))
                    & (Appointment.start < now + timedelta(days=7)) & Person.mobile.is_null(False)
                    & (Person.deceased == False)).order_by(Appointment.start))  # noqa: E712
    for appointment in query:
        if appointment.person_id in persons:
            continue
        try:
            agenda.remind(appointment, WORKER, kind="confirmation", channel="sms")
        except VitosmsError:  # quiet hours, no credits …: the next one
            continue
        persons.add(appointment.person_id)
        found.append(appointment)
        if len(found) == count:
            break
    return found


def add_demo_replies() -> int:
    """Confirmations sent to a few persons and their answers; how many replies were stored."""
    appointments = _answerable(len(ANSWERS))
    delivered = []
    for message in sending.claim_due(WORKER, len(appointments), 60):
        if sending.mark_sent(message.id, WORKER, f"demo-{message.id}"):
            delivered.append((f"demo-{message.id}", True, clock.now(), None))
    sending.record_reports(delivered)
    stored = 0
    later = clock.now() + timedelta(minutes=2)
    for index, (appointment, text) in enumerate(zip(appointments, ANSWERS)):
        incoming = replies.Incoming(appointment.person.mobile, text, later + timedelta(minutes=index),
                                    "demo", ref=f"demo-reply-{appointment.id}")
        stored += replies.receive(incoming) is not None
    number, text = STRANGER
    stored += replies.receive(replies.Incoming(number, text, later, "demo", ref="demo-reply-stranger")) is not None
    return stored
