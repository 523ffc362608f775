"""A message before it is queued: drafts, their checks and their cost.

:func:`quote` checks every draft the way :func:`outbox.enqueue` will (mobile
number or address, text, part limit, deceased persons, consent) and costs it
from the tariff, without writing anything: the compose screen and ``send
--dry-run`` show exactly what queueing would do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from functools import lru_cache

from . import bulk, clock, credits, header_text, sms_text
from .errors import NotFound, Refused
from .models import CHANNELS, PURPOSES, Appointment, Mandant, Person, Recall
from .phone import normalize_email, normalize_mobile
from .states import CONSENT_PURPOSES, Channel, Purpose

MAX_BODY = 10_000
MAX_SUBJECT = 200
# A send time a little in the past (typed "now", a slow terminal) means "now".
PAST_GRACE = timedelta(seconds=60)


@dataclass
class Draft:
    """One message to one recipient, before queueing (the body is already rendered)."""

    channel: str
    recipient: str
    body: str
    subject: str = ""
    person: Person | None = None
    appointment: Appointment | None = None
    recall: Recall | None = None
    purpose: str = Purpose.FREE
    auto_key: str | None = None
    # its moment (core.expiry); None: worked out from the purpose when it is queued
    expires_at: datetime | None = None


@dataclass
class QuoteLine:
    """What one draft will cost; ``recipient`` is normalised (E.164 or address)."""

    channel: str
    recipient: str
    encoding: str | None
    segments: int | None
    credits: int
    non_gsm: list[str] = field(default_factory=list)


@dataclass
class Quote:
    lines: list[QuoteLine]
    total_credits: int
    balance: int
    balance_after: int
    low_balance: bool

    @property
    def sufficient(self) -> bool:
        return self.balance_after >= 0


def _short_of(mandant: Mandant, needed: int, available: int) -> Refused:
    return Refused("insufficient_credits.needs", mandant=mandant.code, available=available, amount=needed)


def require_credits(mandant: Mandant, quote: Quote) -> None:
    """Refuse (``insufficient_credits``) a quote the balance cannot pay."""
    if not quote.sufficient:
        raise _short_of(mandant, quote.total_credits, quote.balance)


def check_send_time(at: datetime | str | None) -> datetime | None:
    """A requested send time as UTC; ISO text without offset is Zurich time.

    None means now; a time in the past is refused (up to a minute counts as now).
    """
    if at is None or at == "":
        return None
    value = clock.parse_instant(at) if isinstance(at, str) else clock.to_utc(at)
    now = clock.now()
    if value < now - PAST_GRACE:
        raise Refused("time_in_past", when=clock.iso(value))
    return max(value, now)


@dataclass(frozen=True)
class _Checked:
    """What the checks read of a person: not a whole person, and not handed on.

    A whole row costs several times more to read, which showed when thousands
    of reminders are queued at once.
    """

    id: int
    mobile: str | None
    deceased: bool
    consent_reminder: bool
    consent_recall: bool
    consent_birthday: bool
    consent_sms: bool

    @property
    def full_name(self) -> str:
        """The person's name for a refusal (read then: the checks of thousands need no names)."""
        return str(Person.get_by_id(self.id).full_name)

    def who(self) -> str:
        """The person's name and id for a refusal."""
        return f"{self.full_name} (person {self.id})"

    def consents(self, purpose: str) -> bool:
        """The person's consent to a purpose of :data:`CONSENT_PURPOSES`: its column of the person."""
        return bool(getattr(self, f"consent_{purpose}"))


def _read_persons(drafts: list[Draft]) -> dict[int, _Checked]:
    """Every person of the drafts read afresh, 500 to a query (not one query per draft)."""
    ids = list({owner.id for owner in map(_person_of, drafts) if owner is not None})
    columns = [getattr(Person, field.name) for field in fields(_Checked)]
    return {row[0]: _Checked(*row) for row in bulk.select_in(columns, Person.id, ids)}


def _person_of(draft: Draft) -> Person | None:
    return draft.person or _owner(draft)


def _check_person(person: Person | None, purpose: str, current: dict[int, _Checked]) -> _Checked | None:
    """The person as read afresh (consent may just have changed), with the rules applied."""
    if person is None:
        if purpose in CONSENT_PURPOSES:
            raise Refused("no_consent.no_person", purpose=purpose)
        return None
    checked = current.get(person.id)
    if checked is None:
        raise NotFound("not_found.person", person_id=person.id)
    if checked.deceased:
        raise Refused("deceased.no_messages", name=checked.full_name, person_id=checked.id)
    if purpose in CONSENT_PURPOSES and not checked.consents(purpose):
        raise Refused("no_consent.person", name=checked.full_name, person_id=checked.id, purpose=purpose)
    return checked


def _check_texts(draft: Draft) -> None:
    body = draft.body if isinstance(draft.body, str) else ""
    if not body.strip():
        raise Refused("empty_text.message")
    if len(body) > MAX_BODY:
        raise Refused("text_too_long.message", limit=MAX_BODY)
    subject = draft.subject or ""
    if draft.channel == Channel.EMAIL:
        # a line break in a subject (also one hidden in an encoded word) would be a header of its own
        header_text.check(subject, "the subject", MAX_SUBJECT, "invalid_subject")


_E164 = re.compile(r"\+\d{8,15}")


@lru_cache(maxsize=1024)
def _analysed(body: str) -> sms_text.SmsAnalysis:
    """The analysis of a text, once per distinct text: a batch of reminders often shares one."""
    return sms_text.analyse(body)


def _line(draft: Draft, tariff: credits.Tariff, max_parts: int, person: _Checked | None = None) -> QuoteLine:
    """Check one draft (channel, purpose, recipient, text) and cost it."""
    if draft.channel not in CHANNELS:
        raise Refused("invalid_channel.draft", channel=draft.channel)
    if draft.purpose not in PURPOSES:
        raise Refused("invalid_purpose.draft", purpose=draft.purpose)
    _check_texts(draft)
    if draft.channel == Channel.SMS:
        if person is not None and draft.recipient == person.mobile and _E164.fullmatch(draft.recipient):
            # the person's own mobile was checked when it was stored: parsing it again
            # was most of the cost of queueing thousands of reminders
            recipient = draft.recipient
        else:
            recipient = normalize_mobile(draft.recipient)
        analysis = _analysed(draft.body)
        sms_text.check_parts(analysis, max_parts)
        return QuoteLine(
            Channel.SMS,
            recipient,
            analysis.encoding,
            analysis.segments,
            tariff.cost(Channel.SMS, analysis.segments),
            list(analysis.non_gsm),
        )
    recipient = normalize_email(draft.recipient)
    return QuoteLine(Channel.EMAIL, recipient, None, None, tariff.cost(Channel.EMAIL, None), [])


def check_drafts(mandant: Mandant, drafts: list[Draft], max_parts: int) -> tuple[Quote, list[int | None]]:
    """The quote, and the id of each draft's person as checked now (None where there is none)."""
    if not drafts:
        raise Refused("no_recipient")
    if not mandant.active:
        raise Refused("inactive_mandant", mandant=mandant.code)
    tariff = credits.tariff()
    lines: list[QuoteLine] = []
    person_ids: list[int | None] = []
    current = _read_persons(drafts)
    for draft in drafts:
        person = _check_person(_person_of(draft), draft.purpose, current)
        person_ids.append(person.id if person is not None else None)
        lines.append(_line(draft, tariff, max_parts, person))
        if lines[-1].channel == Channel.SMS and person is not None and person.consent_sms is False:
            raise _stopped(lines[-1].recipient, person)
    _refuse_stopped_numbers([line for line, owner in zip(lines, person_ids, strict=True) if owner is None])
    total = sum(line.credits for line in lines)
    balance = credits.balance(mandant)
    after = balance - total
    return Quote(lines, total, balance, after, credits.is_low(mandant, after)), person_ids


def _stopped(number: str, person: _Checked | None) -> Refused:
    who = person.who() if person is not None else number
    return Refused("sms_stopped", who=who, number=number)


def _refuse_stopped_numbers(lines: list[QuoteLine]) -> None:
    """An SMS to a number (no person named) whose owner answered STOP is refused.

    A person named is asked alone: one of a family sharing the number may agree again.
    """
    from .replies import stopped_numbers

    stopped = stopped_numbers([line.recipient for line in lines if line.channel == Channel.SMS])
    if stopped:
        raise _stopped(next(line.recipient for line in lines if line.recipient in stopped), None)


def _owner(draft: Draft) -> Person | None:
    """The person an appointment or recall belongs to, when the draft names none."""
    source = draft.appointment or draft.recall
    return source.person if source is not None else None


def quote(mandant: Mandant, drafts: list[Draft], max_parts: int = sms_text.MAX_PARTS_DEFAULT) -> Quote:
    """Check every draft and cost them; Refused on the first bad one; writes nothing.

    A balance that is too small is not refused here (the compose screen shows
    it): see :func:`require_credits` and :attr:`Quote.sufficient`.
    """
    return check_drafts(mandant, drafts, max_parts)[0]
