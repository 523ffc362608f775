"""The practice's records: who, when, what was sent and what it cost.

All instants are stored as UTC (see :class:`UtcDateTimeField`); amounts of
credits are integers; a balance is never stored, it is the sum of the ledger.
"""

from __future__ import annotations

from datetime import datetime

import peewee as pw

from . import clock, states
from .db import database
from .record_fields import UtcDateTimeField as UtcDateTimeField
from .record_fields import id_of as id_of
from .states import Channel, Purpose, Status

CHANNELS = tuple(channel.value for channel in Channel)
LANGUAGES = ("de", "fr", "it", "en")
ROLES = ("frontdesk", "servicedesk")
# as plain text (command-line choices, lists of words); the words themselves are in core.states
PURPOSES = tuple(purpose.value for purpose in Purpose)
CONSENT_PURPOSES = tuple(purpose.value for purpose in states.CONSENT_PURPOSES)
STATUSES = tuple(status.value for status in Status)
LEDGER_KINDS = ("purchase", "spend", "refund", "transfer_out", "transfer_in", "migration", "correction")
APPOINTMENT_STATUSES = ("booked", "cancelled")
RECALL_STATUSES = ("open", "notified", "booked", "done", "cancelled")


def _now() -> datetime:
    return clock.now()


class BaseModel(pw.Model):
    """The models below name for the type checker what peewee adds by itself: ``id =
    pw.AutoField()`` (the same column peewee would make) and ``<foreign key>_id: int``
    (the id accessor of each foreign key; peewee ignores bare annotations)."""

    class Meta:
        database = database
        legacy_table_names = False


class Setting(BaseModel):
    """Practice-wide values: schema version, practice name, customer number, …"""

    key = pw.CharField(primary_key=True, max_length=64)
    value = pw.TextField()


class Mandant(BaseModel):
    """A billing entity (usually one doctor): owns credits and appointments."""

    id = pw.AutoField()
    code = pw.CharField(unique=True, max_length=16)
    name = pw.CharField(max_length=120)
    sender = pw.CharField(max_length=11)  # alphanumeric SMS sender
    active = pw.BooleanField(default=True)
    auto_reminders = pw.BooleanField(default=False)
    lead_hours = pw.IntegerField(default=24)
    auto_birthday = pw.BooleanField(default=False)
    birthday_time = pw.CharField(default="09:00", max_length=5)
    quiet_start = pw.CharField(default="20:00", max_length=5)
    quiet_end = pw.CharField(default="08:00", max_length=5)
    low_balance = pw.IntegerField(default=50)
    channel_order = pw.CharField(default="sms,email", max_length=16)
    # the practice's details in this Mandant's texts (core.practice_details)
    practice_phone = pw.CharField(max_length=40, null=True)
    practice_address = pw.CharField(max_length=200, null=True)
    signature = pw.TextField(null=True)
    created_at = UtcDateTimeField(default=_now)


class Staff(BaseModel):
    id = pw.AutoField()
    login = pw.CharField(unique=True, max_length=64)
    name = pw.CharField(max_length=120)
    role = pw.CharField(max_length=16, default="frontdesk")
    # orders cost the practice money: the service desk may, front-desk staff only with this
    may_order = pw.BooleanField(default=False)
    # where an export made over SSH is sent (the file stays on the server otherwise)
    email = pw.CharField(max_length=254, null=True)


class Person(BaseModel):
    """A patient's master data, with consent recorded per purpose."""

    id = pw.AutoField()
    salutation = pw.CharField(max_length=16, default="")
    first_name = pw.CharField(max_length=80)
    last_name = pw.CharField(max_length=80, index=True)
    birth_date = pw.DateField(null=True, index=True)
    language = pw.CharField(max_length=2, default="de")
    mobile = pw.CharField(max_length=20, null=True, index=True)  # E.164
    email = pw.CharField(max_length=254, null=True)
    consent_reminder = pw.BooleanField(default=True)
    consent_reminder_at = UtcDateTimeField(null=True)
    consent_reminder_source = pw.CharField(max_length=32, null=True)
    consent_recall = pw.BooleanField(default=True)
    consent_recall_at = UtcDateTimeField(null=True)
    consent_recall_source = pw.CharField(max_length=32, null=True)
    consent_birthday = pw.BooleanField(default=False)
    consent_birthday_at = UtcDateTimeField(null=True)
    consent_birthday_source = pw.CharField(max_length=32, null=True)
    # SMS at all: the patient answered STOP (source "reply"); no SMS of any purpose then
    consent_sms = pw.BooleanField(default=True, constraints=[pw.SQL("DEFAULT TRUE")])
    consent_sms_at = UtcDateTimeField(null=True)
    consent_sms_source = pw.CharField(max_length=32, null=True)
    preferred_channel = pw.CharField(max_length=5, null=True)
    deceased = pw.BooleanField(default=False)
    inactive = pw.BooleanField(default=False)
    mandant = pw.ForeignKeyField(Mandant, null=True, backref="persons", on_delete="SET NULL")
    mandant_id: int | None
    # lower-case "last first" without accents, for incremental search
    search_name = pw.CharField(max_length=170, index=True, default="")
    created_at = UtcDateTimeField(default=_now)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def consents(self, purpose: str) -> bool:
        """Whether the person agreed to messages of this purpose (free texts need none)."""
        if purpose in (Purpose.FREE, Purpose.CONFIRMATION):
            return True
        if purpose == Purpose.RECALL:
            return self.consent_recall
        if purpose == Purpose.BIRTHDAY:
            return self.consent_birthday
        return self.consent_reminder


class Appointment(BaseModel):
    id = pw.AutoField()
    mandant = pw.ForeignKeyField(Mandant, backref="appointments")
    mandant_id: int
    person = pw.ForeignKeyField(Person, backref="appointments")
    person_id: int
    start = UtcDateTimeField(index=True)
    minutes = pw.IntegerField(default=15)
    reason = pw.CharField(max_length=200, default="")
    status = pw.CharField(max_length=12, default="booked", index=True)
    copied_from: pw.ForeignKeyField[Appointment | None] = pw.ForeignKeyField("self", null=True, on_delete="SET NULL")
    copied_from_id: int | None
    created_at = UtcDateTimeField(default=_now)
    created_by = pw.CharField(max_length=64, default="")
    # brought in from another agenda: "" (booked here), "ical" (.ics file or CalDAV) or "csv";
    # external_id is the UID or CSV ID there, external_version what that agenda said last time
    # (a default in the table too: bulk inserts that name only the older columns still work)
    source = pw.CharField(max_length=8, default="", constraints=[pw.SQL("DEFAULT ''")])
    external_id = pw.CharField(max_length=255, null=True)
    external_version = pw.CharField(max_length=80, null=True)
    # the desk said "no reminder" (a move answered "withdraw", a reminder withdrawn in the
    # journal): automation leaves the appointment alone until someone makes one by hand
    # (a default in the database too: bulk inserts such as the seed's leave it out)
    no_reminder = pw.BooleanField(default=False, constraints=[pw.SQL("DEFAULT FALSE")])
    # the patient's answer by SMS (core.replies): "confirmed", "declined" or None
    answer = pw.CharField(max_length=10, null=True)

    class Meta:
        indexes = ((("mandant", "start"), False), (("mandant", "source", "external_id"), False))

    @property
    def end(self) -> datetime:
        from datetime import timedelta

        return self.start + timedelta(minutes=self.minutes)


class Recall(BaseModel):
    id = pw.AutoField()
    person = pw.ForeignKeyField(Person, backref="recalls")
    person_id: int
    mandant = pw.ForeignKeyField(Mandant, backref="recalls")
    mandant_id: int
    reason = pw.CharField(max_length=200)
    due = pw.DateField(index=True)
    every_months = pw.IntegerField(null=True)
    status = pw.CharField(max_length=12, default="open", index=True)
    appointment = pw.ForeignKeyField(Appointment, null=True, backref="recalls", on_delete="SET NULL")
    appointment_id: int | None
    notified_at = UtcDateTimeField(null=True)
    booked_appointment = pw.ForeignKeyField(Appointment, null=True, on_delete="SET NULL")
    booked_appointment_id: int | None
    previous: pw.ForeignKeyField[Recall | None] = pw.ForeignKeyField(
        "self", null=True, backref="next_recalls", on_delete="SET NULL"
    )
    previous_id: int | None
    created_at = UtcDateTimeField(default=_now)
    created_by = pw.CharField(max_length=64, default="")


class Template(BaseModel):
    """A message text with placeholders, per purpose and language (and Mandant)."""

    id = pw.AutoField()
    purpose = pw.CharField(max_length=16)
    language = pw.CharField(max_length=2)
    channel = pw.CharField(max_length=5, default="sms")
    mandant = pw.ForeignKeyField(Mandant, null=True, backref="templates", on_delete="CASCADE")
    mandant_id: int | None
    name = pw.CharField(max_length=80, default="")
    subject = pw.CharField(max_length=200, default="")
    body = pw.TextField()
    updated_at = UtcDateTimeField(default=_now)

    class Meta:
        indexes = ((("purpose", "language", "channel", "mandant"), True),)


class Message(BaseModel):
    """One SMS or e-mail to one recipient, from queueing to its fate."""

    id = pw.AutoField()
    mandant = pw.ForeignKeyField(Mandant, backref="messages")
    mandant_id: int
    person = pw.ForeignKeyField(Person, null=True, backref="messages", on_delete="SET NULL")
    person_id: int | None
    appointment = pw.ForeignKeyField(Appointment, null=True, backref="messages", on_delete="SET NULL")
    appointment_id: int | None
    recall = pw.ForeignKeyField(Recall, null=True, backref="messages", on_delete="SET NULL")
    recall_id: int | None
    channel = pw.CharField(max_length=5)
    recipient = pw.CharField(max_length=254)
    sender = pw.CharField(max_length=254, default="")
    subject = pw.CharField(max_length=200, default="")
    body = pw.TextField()
    purpose = pw.CharField(max_length=16, default=Purpose.FREE, index=True)
    status = pw.CharField(max_length=10, default=Status.QUEUED)
    encoding = pw.CharField(max_length=5, null=True)
    segments = pw.IntegerField(null=True)
    credits = pw.IntegerField(default=0)
    # handed to the provider (client_ref, X-Vitosms-Ref): a retry is harmless
    idempotency_key = pw.CharField(max_length=64, unique=True)
    # automation's "once per appointment / person-and-year", kept by the database
    auto_key = pw.CharField(max_length=64, null=True, unique=True)
    scheduled_at = UtcDateTimeField(default=_now)
    next_attempt_at = UtcDateTimeField(default=_now)
    attempts = pw.IntegerField(default=0)
    claimed_by = pw.CharField(max_length=64, null=True)
    lease_until = UtcDateTimeField(null=True)
    provider_id = pw.CharField(max_length=128, null=True, index=True)
    sent_at = UtcDateTimeField(null=True)
    delivered_at = UtcDateTimeField(null=True)
    error = pw.TextField(null=True)
    resent_from: pw.ForeignKeyField[Message | None] = pw.ForeignKeyField("self", null=True, on_delete="SET NULL")
    resent_from_id: int | None
    # its moment (see core.expiry): never handed over from then on, expired and refunded
    expires_at = UtcDateTimeField(null=True)
    # a failed message someone has dealt with (out of "needs attention"), who and when
    attention_done_by = pw.CharField(max_length=64, null=True)
    attention_done_at = UtcDateTimeField(null=True)
    created_at = UtcDateTimeField(default=_now)
    created_by = pw.CharField(max_length=64, default="")
    # why it failed or expired as a code (core.faults, or a refusal's key) with values (JSON)
    error_code = pw.CharField(max_length=48, null=True)
    error_data = pw.TextField(null=True)

    class Meta:
        indexes = (
            (("status", "next_attempt_at"), False),
            (("mandant", "created_at"), False),
        )


class MessageEvent(BaseModel):
    """A line of a message's timeline: queued, claimed, attempt, error, sent, …"""

    id = pw.AutoField()
    message = pw.ForeignKeyField(Message, backref="events", on_delete="CASCADE")
    message_id: int
    at = UtcDateTimeField(default=_now)
    kind = pw.CharField(max_length=16)
    detail = pw.TextField(default="")
    # the detail's values (JSON, core.coded); None in rows written before them
    data = pw.TextField(null=True)


class Order(BaseModel):
    """A purchase of a credit package in the order window."""

    id = pw.AutoField()
    mandant = pw.ForeignKeyField(Mandant, backref="orders")
    mandant_id: int
    package = pw.CharField(max_length=32)
    credits = pw.IntegerField()
    price_rappen = pw.IntegerField()  # CHF * 100, money is never a float
    customer_number = pw.CharField(max_length=32)
    user = pw.CharField(max_length=64)
    at = UtcDateTimeField(default=_now)


class CreditEntry(BaseModel):
    """One line of a Mandant's ledger; the balance is the sum of its deltas."""

    id = pw.AutoField()
    mandant = pw.ForeignKeyField(Mandant, backref="ledger")
    mandant_id: int
    delta = pw.IntegerField()
    kind = pw.CharField(max_length=16)
    message = pw.ForeignKeyField(Message, null=True, backref="ledger", on_delete="SET NULL")
    message_id: int | None
    order = pw.ForeignKeyField(Order, null=True, backref="ledger", on_delete="SET NULL")
    order_id: int | None
    note = pw.CharField(max_length=200, default="")
    user = pw.CharField(max_length=64, default="")
    at = UtcDateTimeField(default=_now)
    # what the program wrote as the note, as a code with values (JSON); None for a typed note
    note_code = pw.CharField(max_length=32, null=True)
    note_data = pw.TextField(null=True)

    class Meta:
        indexes = ((("mandant", "delta"), False),)


class AuditEntry(BaseModel):
    """Who did what that matters: orders, transfers, consents, withdrawals."""

    id = pw.AutoField()
    at = UtcDateTimeField(default=_now, index=True)
    user = pw.CharField(max_length=64)
    action = pw.CharField(max_length=32)
    mandant = pw.ForeignKeyField(Mandant, null=True, on_delete="SET NULL")
    mandant_id: int | None
    person = pw.ForeignKeyField(Person, null=True, on_delete="SET NULL")
    person_id: int | None
    detail = pw.TextField(default="")


class CalendarSync(BaseModel):
    """A Mandant's CalDAV calendar: where it is, how often the worker reads it, how it went."""

    id = pw.AutoField()
    mandant = pw.ForeignKeyField(Mandant, unique=True, backref="calendar_syncs", on_delete="CASCADE")
    mandant_id: int
    url = pw.CharField(max_length=500)
    login = pw.CharField(max_length=120, default="")
    moved = pw.CharField(max_length=10, default="regenerate")
    every_minutes = pw.IntegerField(default=0)  # 0: only by hand (`vitosms sync caldav`)
    last_run_at = UtcDateTimeField(null=True)
    last_ok_at = UtcDateTimeField(null=True)
    last_error = pw.TextField(null=True)
    last_result = pw.TextField(null=True)  # the counts of the last run, as JSON


class Reply(BaseModel):
    """An SMS a patient sent back, matched to the message it answers (core.replies)."""

    id = pw.AutoField()
    # the SMSC's id of the reply, else one made from its content: kept once however often it comes
    key = pw.CharField(max_length=80, unique=True)
    sender = pw.CharField(max_length=20, index=True)  # E.164
    text = pw.TextField()
    received_at = UtcDateTimeField(default=_now, index=True)
    link = pw.CharField(max_length=64, default="")  # the gateway and number it came in on
    person = pw.ForeignKeyField(Person, null=True, backref="replies", on_delete="SET NULL")
    person_id: int | None
    message = pw.ForeignKeyField(Message, null=True, backref="replies", on_delete="SET NULL")
    message_id: int | None
    appointment = pw.ForeignKeyField(Appointment, null=True, backref="replies", on_delete="SET NULL")
    appointment_id: int | None
    recall = pw.ForeignKeyField(Recall, null=True, backref="replies", on_delete="SET NULL")
    recall_id: int | None
    action = pw.CharField(max_length=10, default="none")  # confirmed | declined | stop | none
    read_at = UtcDateTimeField(null=True, index=True)  # the status line counts the unread ones
    read_by = pw.CharField(max_length=64, null=True)
    # a person of the desk gave it to another person (one number shared by a family)
    reassigned_by = pw.CharField(max_length=64, null=True)


ALL_MODELS = [
    Setting,
    Mandant,
    Staff,
    Person,
    Appointment,
    Recall,
    Template,
    Message,
    MessageEvent,
    Order,
    CreditEntry,
    AuditEntry,
    CalendarSync,
    Reply,
]
