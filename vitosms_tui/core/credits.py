"""Credits are a ledger: every change of a balance is an entry, a balance is
the sum of a Mandant's entries and never goes below zero.

Functions that check a balance and then write must run inside
:func:`core.db.write_transaction`, which holds SQLite's write lock from the
first read: two terminals can never both spend the last credit.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import peewee as pw

from . import audit, roles
from .coded import Coded
from .db import tuples_of, write_transaction
from .errors import NotFound, Refused, UsageError
from .models import CreditEntry, Mandant, Message, Order, Setting
from .paths import data_dir


@dataclass(frozen=True)
class Tariff:
    sms_per_segment: int
    email: int

    def cost(self, channel: str, segments: int | None) -> int:
        if channel == "email":
            return self.email
        return self.sms_per_segment * max(1, segments or 1)


@dataclass(frozen=True)
class Package:
    id: int
    name: str
    credits: int
    price_rappen: int

    @property
    def price_chf(self) -> str:
        return f"{self.price_rappen // 100}.{self.price_rappen % 100:02d}"


def _read_toml(name: str) -> dict[str, Any]:
    path = data_dir() / name
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError("usage.data_file_missing", name=name) from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError("usage.data_file_valid", name=name, reason=exc) from None


def tariff() -> Tariff:
    """Credits per SMS segment and per e-mail, from ``data/tariff.toml``."""
    raw = _read_toml("tariff.toml")
    try:
        result = Tariff(int(raw["sms_per_segment"]), int(raw["email"]))
    except (KeyError, TypeError, ValueError):
        raise UsageError("usage.tariff_whole_numbers") from None
    if result.sms_per_segment < 0 or result.email < 0:
        raise UsageError("usage.tariff_negative")
    return result


def packages() -> list[Package]:
    """The price list of the order window, from ``data/prices.toml``."""
    raw = _read_toml("prices.toml")
    result = []
    for item in raw.get("package", []):
        try:
            price = Decimal(str(item["price_chf"]))
            result.append(Package(int(item["id"]), str(item["name"]), int(item["credits"]), int(price * 100)))
        except (KeyError, TypeError, ValueError, InvalidOperation):
            raise UsageError("usage.data_prices_toml") from None
    return result


def package(package_id: int) -> Package:
    for item in packages():
        if item.id == package_id:
            return item
    raise NotFound("not_found.credit_package", package_id=package_id)


def balance(mandant: Mandant | int) -> int:
    """The Mandant's balance: the sum of its ledger."""
    total = (
        CreditEntry.select(pw.fn.COALESCE(pw.fn.SUM(CreditEntry.delta), 0))
        .where(CreditEntry.mandant == mandant)
        .scalar()
    )
    return int(total or 0)


def balances() -> dict[int, int]:
    """Balance per Mandant id, for all Mandanten (zero where no entry)."""
    sums: dict[int, int | None] = dict(
        tuples_of(CreditEntry.select(CreditEntry.mandant, pw.fn.SUM(CreditEntry.delta)).group_by(CreditEntry.mandant))
    )
    return {m.id: int(sums.get(m.id) or 0) for m in Mandant.select(Mandant.id)}


def _entry(
    mandant: Mandant | int,
    delta: int,
    kind: str,
    user: str,
    note: str | Coded = "",
    message: Message | None = None,
    order: Order | None = None,
) -> CreditEntry:
    """A ledger line; a note the program writes is a :class:`Coded` (its code and values stored beside it)."""
    code, data = (note.code, note.data()) if isinstance(note, Coded) else (None, None)
    text = note.text if isinstance(note, Coded) else note
    return CreditEntry.create(
        mandant=mandant,
        delta=delta,
        kind=kind,
        user=user,
        note=text,
        message=message,
        order=order,
        note_code=code,
        note_data=data,
    )


def spend(mandant: Mandant, amount: int, message: Message, user: str) -> CreditEntry | None:
    """Take ``amount`` credits for ``message``; refuse when the balance is short.

    Call inside write_transaction(), together with storing the message.
    """
    if amount <= 0:
        return None
    available = balance(mandant)
    if available < amount:
        raise Refused("insufficient_credits.needs", mandant=mandant.code, amount=amount, available=available)
    return _entry(mandant, -amount, "spend", user, message=message)


def refund(message: Message, user: str, note: str | Coded = "") -> int:
    """Give back what a message still holds; a second refund gives nothing."""
    held = -int(
        CreditEntry.select(pw.fn.COALESCE(pw.fn.SUM(CreditEntry.delta), 0))
        .where(CreditEntry.message == message)
        .scalar()
        or 0
    )
    if held <= 0:
        return 0
    _entry(message.mandant_id, held, "refund", user, note=note, message=message)
    return held


def customer_number() -> str | None:
    row = Setting.get_or_none(Setting.key == "customer_number")
    return row.value if row else None


def _open_customer_account() -> str:
    """The first order opens the practice's account with the provider."""
    existing = customer_number()
    if existing:
        return existing
    from . import clock

    number = "VS-" + clock.now().strftime("%Y%m%d%H%M%S")
    Setting.create(key="customer_number", value=number)
    return number


def order(mandant: Mandant, package_id: int, user: str) -> Order:
    """Buy a credit package for a Mandant: an order plus a ``purchase`` entry.

    Only for the service desk and staff allowed to order (:func:`roles.may_order`).
    """
    roles.require_order_right(user)
    item = package(package_id)
    with write_transaction():
        number = _open_customer_account()
        placed = Order.create(
            mandant=mandant,
            package=str(item.id),
            credits=item.credits,
            price_rappen=item.price_rappen,
            customer_number=number,
            user=user,
        )
        _entry(
            mandant,
            item.credits,
            "purchase",
            user,
            note=Coded("package", f"package {item.name}", {"name": item.name}),
            order=placed,
        )
        audit.record(
            user, "order", mandant=mandant, package=item.id, credits=item.credits, price_rappen=item.price_rappen
        )
    return placed


def purchase(mandant: Mandant, amount: int, user: str, note: str | Coded = "") -> CreditEntry:
    """Book credits without an order (seed data, corrections by support)."""
    if amount <= 0:
        raise Refused("invalid_amount.purchase")
    with write_transaction():
        return _entry(mandant, amount, "purchase", user, note=note)


def transfer(
    source: Mandant, target: Mandant, amount: int, user: str, note: str = ""
) -> tuple[CreditEntry, CreditEntry]:
    """Move credits between Mandanten (service desk only): an atomic out/in pair."""
    roles.require_servicedesk(user, "transfer credits")
    if source.id == target.id:
        raise Refused("invalid_transfer")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise Refused("invalid_amount.transfer")
    with write_transaction():
        available = balance(source)
        if amount > available:
            raise Refused("insufficient_credits.transfer", source=source.code, available=available)
        text = note or f"{source.code} -> {target.code}"
        out = _entry(source, -amount, "transfer_out", user, note=text)
        into = _entry(target, amount, "transfer_in", user, note=text)
        audit.record(user, "transfer", mandant=source, to=target.code, amount=amount, note=note)
    return out, into


def split_evenly(total: int, codes: list[str]) -> dict[str, int]:
    """Split ``total`` over the codes; the remainder goes one each in code order."""
    ordered = sorted(codes)
    share, rest = divmod(total, len(ordered))
    return {code: share + (1 if index < rest else 0) for index, code in enumerate(ordered)}


def migrate_legacy(total: int, user: str) -> dict[str, int]:
    """Carry the old version's SMS balance over, split evenly; runs once."""
    roles.require_servicedesk(user, "migrate the legacy balance")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise Refused("invalid_amount.legacy")
    with write_transaction():
        if Setting.get_or_none(Setting.key == "legacy_migrated"):
            raise Refused("already_migrated")
        mandanten = {m.code: m for m in Mandant.select().where(Mandant.active == True)}  # noqa: E712
        if not mandanten:
            raise Refused("no_mandant")
        shares = split_evenly(total, list(mandanten))
        for code, share in shares.items():
            if share:
                _entry(mandanten[code], share, "migration", user, note=Coded("legacy", "legacy SMS balance"))
        from . import clock

        Setting.create(key="legacy_migrated", value=clock.now().isoformat())
        audit.record(user, "migrate_legacy", total=total, shares=shares)
    return shares


def ledger(
    mandant: Mandant, since: datetime | None = None, until: datetime | None = None
) -> pw.ModelSelect[CreditEntry]:
    """The Mandant's entries, newest first, optionally within a period."""
    query = CreditEntry.select().where(CreditEntry.mandant == mandant)
    if since is not None:
        query = query.where(CreditEntry.at >= since)
    if until is not None:
        query = query.where(CreditEntry.at < until)
    # the ledger's sequence is its ids: replays with --now may repeat an instant
    return query.order_by(CreditEntry.id.desc())


def is_low(mandant: Mandant, value: int | None = None) -> bool:
    """Whether the balance is at or below the Mandant's warning threshold."""
    return (balance(mandant) if value is None else value) <= mandant.low_balance
