"""A deterministic demo practice: three Mandanten, Swiss persons, a busy agenda.

The same ``--seed`` gives the same practice. Large sizes (50,000 persons,
200,000 appointments, 100,000 messages of past years) are written in chunks
inside one transaction.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import peewee as pw

from . import audit, clock, credits
from .coded import Coded, dumps
from .db import tuples_of, write_transaction
from .errors import Refused
from .models import Appointment, CreditEntry, Mandant, Message, MessageEvent, Person, Setting, Staff
from .persons import fold, search_name_of
from .states import Channel, Purpose, Status

MANDANTEN = [
    ("HAU", "Dr. med. Anna Hauser", "Dr Hauser"),
    ("DUB", "Dr méd. Claire Dubois", "Dr Dubois"),
    ("ROS", "Dr. med. Marco Rossi", "Dr Rossi"),
    ("WEB", "Dr. med. Lukas Weber", "Dr Weber"),
    ("FAV", "Dr méd. Julien Favre", "Dr Favre"),
]
NAMES = {
    "de": (
        [
            "Müller",
            "Meier",
            "Schmid",
            "Keller",
            "Weber",
            "Huber",
            "Schneider",
            "Steiner",
            "Fischer",
            "Gerber",
            "Brunner",
            "Baumann",
            "Frei",
            "Zimmermann",
            "Moser",
            "Widmer",
            "Wyss",
            "Graf",
            "Roth",
            "Bühler",
            "Zürcher",
            "Bachmann",
            "Käser",
            "Schürch",
            "Ammann",
        ],
        [
            ("Anna", "Frau"),
            ("Laura", "Frau"),
            ("Sarah", "Frau"),
            ("Lea", "Frau"),
            ("Nina", "Frau"),
            ("Ursula", "Frau"),
            ("Andrea", "Frau"),
            ("Jürg", "Herr"),
            ("Daniel", "Herr"),
            ("Thomas", "Herr"),
            ("Martin", "Herr"),
            ("Peter", "Herr"),
            ("Lukas", "Herr"),
            ("Beat", "Herr"),
            ("Reto", "Herr"),
            ("Urs", "Herr"),
            ("Käthi", "Frau"),
            ("Rösli", "Frau"),
        ],
    ),
    "fr": (
        [
            "Dubois",
            "Favre",
            "Rochat",
            "Perret",
            "Bonvin",
            "Girard",
            "Morel",
            "Fontaine",
            "Chevalley",
            "Reymond",
            "Jaquet",
            "Pittet",
            "Mercier",
            "Rey",
            "Aebischer",
        ],
        [
            ("Claire", "Frau"),
            ("Sophie", "Frau"),
            ("Léa", "Frau"),
            ("Chloé", "Frau"),
            ("Élodie", "Frau"),
            ("Julien", "Herr"),
            ("Nicolas", "Herr"),
            ("Pierre", "Herr"),
            ("Mathieu", "Herr"),
            ("François", "Herr"),
            ("Hélène", "Frau"),
            ("Jérôme", "Herr"),
        ],
    ),
    "it": (
        [
            "Bernasconi",
            "Rossi",
            "Ferrari",
            "Bianchi",
            "Colombo",
            "Fontana",
            "Galli",
            "Lombardi",
            "Pedrazzini",
            "Rusconi",
            "Gianini",
            "Bernardi",
        ],
        [
            ("Giulia", "Frau"),
            ("Francesca", "Frau"),
            ("Chiara", "Frau"),
            ("Sara", "Frau"),
            ("Marco", "Herr"),
            ("Luca", "Herr"),
            ("Matteo", "Herr"),
            ("Alessandro", "Herr"),
            ("Nicolò", "Herr"),
        ],
    ),
    "en": (
        ["Smith", "Brown", "Taylor", "Wilson"],
        [("Emily", "Frau"), ("James", "Herr"), ("Olivia", "Frau"), ("Oliver", "Herr")],
    ),
}
LANGUAGE_WEIGHTS = [("de", 62), ("fr", 24), ("it", 11), ("en", 3)]
# Internal only: the reason never appears in a message text.
REASONS = [
    "Kontrolle",
    "Konsultation",
    "Impfung",
    "Check-up",
    "Nachkontrolle",
    "Blutentnahme",
    "Besprechung",
    "Vorsorge",
]
STARTING_CREDITS = 500
_STARTING_NOTE = Coded("demo_start", "demo starting credits")
_HISTORY_NOTE = Coded("demo_history", "demo credits for the history of messages")


def _mobile(rng: random.Random) -> str:
    while True:
        number = f"+417{rng.choice('6789')}{rng.randrange(10_000_000):07d}"
        if not number.startswith("+417999901"):  # keep clear of the mock gateway's test numbers
            return number


# a table row for the bulk insert: column name -> value, of the column's type
Row = dict[str, Any]


def _person_rows(count: int, rng: random.Random, mandanten: list[Mandant], stamp: str) -> list[Row]:
    languages = [lang for lang, weight in LANGUAGE_WEIGHTS for _ in range(weight)]
    today = clock.today()
    rows: list[Row] = []
    for index in range(count):
        language = rng.choice(languages)
        last_names, first_names = NAMES[language]
        first, salutation = rng.choice(first_names)
        last = rng.choice(last_names)
        birth = today - timedelta(days=rng.randrange(365 * 2, 365 * 92))
        has_mobile = rng.random() < 0.85
        has_email = rng.random() < 0.6
        if index % 97 == 5:  # a few persons can be reached by neither channel
            has_mobile = has_email = False
        mail_name = fold(f"{first}.{last}").replace(" ", "").replace("'", "")
        row: Row = {
            "salutation": salutation,
            "first_name": first,
            "last_name": last,
            "birth_date": birth,
            "language": language,
            "mobile": _mobile(rng) if has_mobile else None,
            "email": f"{mail_name}{index}@example.ch" if has_email else None,
            "preferred_channel": rng.choice([None, None, "sms", "email"]) if has_email else None,
            "deceased": index % 101 == 7,
            "inactive": index % 89 == 3,
            "mandant": rng.choice(mandanten).id,
            "search_name": search_name_of(first, last),
            "created_at": stamp,
        }
        for purpose, chance in (("reminder", 0.9), ("recall", 0.85), ("birthday", 0.35)):
            row[f"consent_{purpose}"] = rng.random() < chance
            row[f"consent_{purpose}_at"] = stamp
            row[f"consent_{purpose}_source"] = "seed"
        rows.append(row)
    return rows


def _working_days(around: date, weeks: int = 4) -> list[date]:
    days = [around + timedelta(days=offset) for offset in range(-7 * weeks, 7 * weeks + 1)]
    return [d for d in days if d.weekday() < 5]


def _history_days(years: int) -> list[date]:
    """Working days of the last ``years`` years and the coming eight weeks."""
    today = clock.today()
    days = [today + timedelta(days=offset) for offset in range(-365 * years, 8 * 7 + 1)]
    return [d for d in days if d.weekday() < 5]


def _appointment_rows(
    count: int | None,
    rng: random.Random,
    mandanten: list[Mandant],
    person_ids: list[int],
    stamp: str,
    years: int = 0,
) -> list[Row]:
    days = _history_days(years) if years and count is not None else _working_days(clock.today())
    rows: list[Row] = []
    if count is None:
        # a realistic agenda: about eight appointments per Mandant and day, no overlaps
        for day in days:
            for mandant in mandanten:
                for slot in sorted(rng.sample(range(20), 8)):  # 30-minute slots 08:00-18:00
                    minute = 8 * 60 + slot * 30
                    rows.append(
                        _appointment(rng, mandant.id, rng.choice(person_ids), day, minute, rng.choice([15, 30]), stamp)
                    )
        return rows
    for _ in range(count):
        minute = 8 * 60 + rng.randrange(40) * 15
        rows.append(
            _appointment(
                rng,
                rng.choice(mandanten).id,
                rng.choice(person_ids),
                rng.choice(days),
                minute,
                rng.choice([15, 15, 30, 45]),
                stamp,
            )
        )
    return rows


_starts: dict[tuple[date, int], str] = {}


def _start(day: date, minute: int) -> str:
    """The stored form of a wall-clock start in Zurich (few distinct values: cached)."""
    key = (day, minute)
    if key not in _starts:
        _starts[key] = Appointment.start.db_value(clock.zurich_datetime(day, minute // 60, minute % 60))
    return _starts[key]


def _appointment(
    rng: random.Random, mandant_id: int, person_id: int, day: date, minute: int, minutes: int, stamp: str
) -> Row:
    return {
        "mandant": mandant_id,
        "person": person_id,
        "start": _start(day, minute),
        "minutes": minutes,
        "reason": rng.choice(REASONS),
        "status": "booked",
        "created_at": stamp,
        "created_by": "seed",
    }


# a history of messages: how they ended (a queued one waits for a day to come)
MESSAGE_FATES = [
    (Status.DELIVERED, 80),
    (Status.FAILED, 6),
    (Status.CANCELLED, 4),
    (Status.QUEUED, 2),
    (Status.SENT, 8),
]
MESSAGE_PURPOSES = [(Purpose.REMINDER, 60), (Purpose.RECALL, 15), (Purpose.BIRTHDAY, 5), (Purpose.FREE, 20)]
MESSAGE_BODY = "Guten Tag, wir erinnern Sie an Ihren Termin bei {sender}. Bei Verhinderung bitte 044 123 45 67 anrufen."
HISTORY_DAYS = 5 * 365


def _messages(count: int, rng: random.Random, mandanten: list[Mandant]) -> None:
    """``count`` messages of the last five years with their timeline and ledger entries.

    As the outbox leaves them: each spent its credits, a failed or cancelled one
    was refunded; the few queued ones are scheduled for the coming weeks, so a
    worker on the practice finds nothing due. An SMS ends delivered (it would
    wait for a report in ``sent``), an e-mail in ``sent``.
    """
    if count <= 0:
        return
    fates = [fate for fate, weight in MESSAGE_FATES for _ in range(weight)]
    purposes = [purpose for purpose, weight in MESSAGE_PURPOSES for _ in range(weight)]
    people = list(tuples_of(Person.select(Person.id, Person.mandant, Person.mobile, Person.email).order_by(Person.id)))
    tariff = credits.tariff()
    now = clock.now()
    instants: dict[int, str] = {}

    def at(minutes_ago: int) -> str:
        if minutes_ago not in instants:
            instants[minutes_ago] = Message.created_at.db_value(now - timedelta(minutes=minutes_ago))
        return instants[minutes_ago]

    rows: list[Row] = []
    fates_of: list[tuple[Status, str]] = []
    spent = {m.id: 0 for m in mandanten}
    by_id = {m.id: m for m in mandanten}
    for index in range(count):
        person_id, mandant_id, mobile, email = rng.choice(people)
        mandant = by_id.get(mandant_id) or rng.choice(mandanten)
        channel = Channel.SMS if mobile and (not email or rng.random() < 0.75) else Channel.EMAIL
        recipient = (mobile if channel == Channel.SMS else email) or f"patient{index}@example.ch"
        fate = rng.choice(fates)
        if fate == Status.SENT and channel == Channel.SMS:
            fate = Status.DELIVERED
        if fate == Status.DELIVERED and channel == Channel.EMAIL:
            fate = Status.SENT
        ago = rng.randrange(60, HISTORY_DAYS * 24 * 60) // 15 * 15  # minutes ago, quarter hours
        due = at(ago) if fate != Status.QUEUED else at(-rng.randrange(1, 30 * 24 * 60) // 15 * 15)
        cost = tariff.cost(channel, 1)
        spent[mandant.id] += cost
        done = at(max(0, ago - 1)) if fate in (Status.SENT, Status.DELIVERED) else None
        rows.append(
            {
                "mandant": mandant.id,
                "person": person_id,
                "channel": channel,
                "recipient": recipient,
                "sender": mandant.sender if channel == Channel.SMS else mandant.name,
                "subject": "Ihr Termin" if channel == Channel.EMAIL else "",
                "body": MESSAGE_BODY.format(sender=mandant.name),
                "purpose": rng.choice(purposes),
                "status": fate,
                "encoding": "gsm" if channel == Channel.SMS else None,
                "segments": 1 if channel == Channel.SMS else None,
                "credits": cost,
                "idempotency_key": f"seed{index:08d}{rng.getrandbits(32):08x}",
                "scheduled_at": due,
                "next_attempt_at": due,
                "attempts": 0 if fate in (Status.QUEUED, Status.CANCELLED) else 1,
                "provider_id": f"seed-{index}" if channel == Channel.SMS and fate != Status.QUEUED else None,
                "sent_at": done,
                "delivered_at": done if fate == Status.DELIVERED else None,
                "error": "undelivered: number not reachable" if fate == Status.FAILED else None,
                "error_code": "undelivered" if fate == Status.FAILED else None,
                "error_data": "{}" if fate == Status.FAILED else None,
                "created_at": at(ago),
                "created_by": "seed",
            }
        )
        fates_of.append((fate, at(ago)))
    for mandant in mandanten:
        CreditEntry.create(
            mandant=mandant,
            delta=spent[mandant.id],
            kind="purchase",
            user="seed",
            note=_HISTORY_NOTE.text,
            note_code=_HISTORY_NOTE.code,
        )
    _insert(Message, rows)
    ids = [
        mid
        for (mid,) in tuples_of(
            Message.select(Message.id)
            .order_by(Message.id)
            .limit(count)
            .where(Message.idempotency_key.startswith("seed"))
        )
    ]
    ledger: list[Row] = []
    events: list[Row] = []
    for message_id, row, (fate, created) in zip(ids, rows, fates_of, strict=True):
        ledger.append(
            {
                "mandant": row["mandant"],
                "delta": -row["credits"],
                "kind": "spend",
                "message": message_id,
                "note": "",
                "user": "seed",
                "at": created,
                "note_code": None,
                "note_data": None,
            }
        )
        cost = row["credits"]
        plural = "s" if cost != 1 else ""
        events.append(
            _event(message_id, created, "queued", f"by seed, {cost} credit{plural}", user="seed", credits=cost)
        )
        if fate == Status.QUEUED:
            continue
        if fate == Status.CANCELLED:
            events.append(_event(message_id, created, "cancelled", "withdrawn by seed", why="withdrawn", user="seed"))
        else:
            events.append(_event(message_id, created, "claimed", "attempt 1 by seed", attempt=1, worker="seed"))
            if fate == Status.FAILED:
                events.append(
                    _event(message_id, row["sent_at"] or created, "failed", row["error"], fault="undelivered")
                )
            else:
                events.append(_event(message_id, row["sent_at"] or created, "sent", "by seed", worker="seed"))
            if fate == Status.DELIVERED:
                events.append(_event(message_id, row["delivered_at"], "delivered", "report"))
        if fate in (Status.FAILED, Status.CANCELLED):
            note = Coded("message", f"message {message_id} {fate}", {"message_id": message_id, "why": str(fate)})
            ledger.append(
                {
                    "mandant": row["mandant"],
                    "delta": cost,
                    "kind": "refund",
                    "message": message_id,
                    "note": note.text,
                    "user": "seed",
                    "at": created,
                    "note_code": note.code,
                    "note_data": note.data(),
                }
            )
            events.append(_event(message_id, created, "refunded", f"{cost} credit{plural}", credits=cost))
    _insert(CreditEntry, ledger)
    _insert(MessageEvent, events)


def _event(message_id: int, at: str, kind: str, detail: str, **values: object) -> Row:
    """A timeline row with its English detail and its values."""
    return {"message": message_id, "at": at, "kind": kind, "detail": detail, "data": dumps(values)}


def _insert(model: type[pw.Model], rows: list[Row], chunk: int = 5000) -> None:
    """Bulk insert with executemany: peewee's per-row SQL building is too slow for 250,000 rows."""
    if not rows:
        return
    db = model._meta.database
    fields = [model._meta.fields[name] for name in rows[0]]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        model._meta.table_name, ", ".join(f.column_name for f in fields), ", ".join([db.param] * len(fields))
    )
    names = list(rows[0])
    plain = (str, int, float, type(None))  # stored as they are; others need the field's conversion
    for start in range(0, len(rows), chunk):
        values = [
            tuple(
                v if type(v) in plain else f.db_value(v)
                for f, v in zip(fields, map(row.__getitem__, names), strict=True)
            )
            for row in rows[start : start + chunk]
        ]
        db.cursor().executemany(sql, values)


def seed_practice(
    mandanten: int = 3,
    persons: int = 300,
    appointments: int | None = None,
    seed: int = 1,
    user: str = "seed",
    messages: int = 0,
    years: int = 0,
) -> dict[str, int]:
    """Fill an empty database with a demo practice; refuses a database with data.

    ``appointments`` lie within four weeks of today, or with ``years`` over that
    many years and the coming eight weeks (a practice with a long history).
    """
    if not 1 <= mandanten <= len(MANDANTEN):
        raise Refused("invalid_amount.demo_mandanten", count=len(MANDANTEN))
    if persons < 1:
        raise Refused("invalid_amount.demo_persons")
    rng = random.Random(seed)
    stamp = Person.created_at.db_value(clock.now())  # one instant, converted once
    with write_transaction():
        if Mandant.select().exists() or Person.select().exists():
            raise Refused("not_empty")
        # each with the practice's details its texts name (phone for cancellations, address, signature)
        created = [
            Mandant.create(
                code=code,
                name=name,
                sender=sender,
                practice_phone=f"044 123 45 6{i}",
                practice_address="Seestrasse 12, 8002 Zürich",
                signature=f"{name}, Praxis am See",
            )
            for i, (code, name, sender) in enumerate(MANDANTEN[:mandanten])
        ]
        for login, name, role in (("empfang", "Empfang", "frontdesk"), ("servicedesk", "Service Desk", "servicedesk")):
            Staff.get_or_create(login=login, defaults={"name": name, "role": role})  # type: ignore[no-untyped-call]
        if user and user != "seed":
            # whoever builds a demo practice may try the order window in it
            Staff.get_or_create(  # type: ignore[no-untyped-call]  # peewee's stubs leave it unannotated
                login=user, defaults={"name": user, "role": "frontdesk", "may_order": True}
            )
        for key, value in (("practice_name", "Praxis am See"), ("practice_phone", "044 123 45 67")):
            Setting.insert(key=key, value=value).on_conflict_ignore().execute()
        for mandant in created:
            CreditEntry.create(
                mandant=mandant,
                delta=STARTING_CREDITS,
                kind="purchase",
                user=user,
                note=_STARTING_NOTE.text,
                note_code=_STARTING_NOTE.code,
            )
        _insert(Person, _person_rows(persons, rng, created, stamp))
        person_ids = [pid for (pid,) in tuples_of(Person.select(Person.id).order_by(Person.id))]
        appointment_rows = _appointment_rows(appointments, rng, created, person_ids, stamp, years)
        _insert(Appointment, appointment_rows)
        _messages(messages, rng, created)
        audit.record(
            user,
            "seed",
            persons=persons,
            appointments=len(appointment_rows),
            **({"messages": messages} if messages else {}),
        )
    result = {
        "mandanten": len(created),
        "persons": persons,
        "appointments": len(appointment_rows),
        "credits_per_mandant": STARTING_CREDITS,
    }
    if messages:
        result["messages"] = messages
    return result
