"""What the Recall view shows, as plain values: periods, rows, the cost of a selection.

The ``fetch_*`` functions run in worker threads (each holds its own database
connection for the call) and return frozen dataclasses the screen draws.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from rich.text import Text

from ...core import automation, recall
from ...core.db import connection
from ...core.errors import VitosmsError
from ...core.models import Mandant
from ..i18n import N_, _, channel_counts, format_date, format_number, ngettext
from ..sanitize import clean
from ..texts.refusals import refusal_text

PERIODS = ("due_now", "next_month", "next_3_months")
PERIOD_NAMES = {
    "due_now": N_("Overdue and this month"),
    "next_month": N_("Next month"),
    "next_3_months": N_("Next 3 months"),
    "range": N_("Period"),
}
# why a recall is left out, by core's stable code
EXCLUDED_NAMES = {
    "deceased": N_("deceased"),
    "inactive": N_("inactive"),
    "no_consent": N_("no recall consent"),
    "no_address": N_("no mobile or e-mail"),
    "inactive_mandant": N_("Mandant inactive"),
    "status": N_("already dealt with"),
}


@dataclass(frozen=True)
class Period:
    kind: str
    since: date | None  # None: overdue ones included
    until: date


def period_of(kind: str, today: date) -> Period:
    """The dates of a named period, seen from ``today``."""
    first_next = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    if kind == "next_month":
        return Period(kind, first_next, recall.add_months(first_next, 1) - timedelta(days=1))
    if kind == "next_3_months":
        return Period(kind, today, recall.add_months(today, 3))
    return Period("due_now", None, first_next - timedelta(days=1))


_RANGE = re.compile(r"\s*(\d{1,2}\.\d{1,2}\.\d{4})?\s*[-–]\s*(\d{1,2}\.\d{1,2}\.\d{4})\s*")


def parse_period(text: str) -> Period:
    """``dd.mm.yyyy - dd.mm.yyyy`` (or ``- dd.mm.yyyy``: up to that day, overdue ones included).

    ValueError (or core's Refused for an impossible date) when the text is no period.
    """
    found = _RANGE.fullmatch(text or "")
    if found is None:
        raise ValueError(text)
    since = recall.parse_due(found.group(1)) if found.group(1) else None
    until = recall.parse_due(found.group(2))
    if since is not None and since > until:
        raise ValueError(text)
    return Period("range", since, until)


def period_text(chosen: Period) -> str:
    name = _(PERIOD_NAMES[chosen.kind])
    if chosen.since is None:
        return _("{name} (until {until})").format(name=name, until=format_date(chosen.until))
    return f"{name} ({format_date(chosen.since)} – {format_date(chosen.until)})"


@dataclass(frozen=True)
class RecallLine:
    """A row of the list (plain values, safe to pass between threads)."""

    id: int
    person_id: int
    name: str
    mandant_code: str
    reason: str
    due: date
    every_months: int | None
    eligible: bool
    excluded: str | None
    reason_excluded: str | None
    channel: str | None


@dataclass(frozen=True)
class Listing:
    mandant_id: int | None
    period: Period
    lines: list[RecallLine]
    warnings: list[str]


@dataclass(frozen=True)
class Cost:
    """The quote of a selection, or why it cannot be notified."""

    ids: tuple[int, ...]
    error: str | None = None
    sms: int = 0
    email: int = 0
    total: int = 0
    balance: int = 0
    after: int = 0
    low: bool = False
    threshold: int = 0
    mandant_code: str = ""
    mandant_name: str = ""

    @property
    def count(self) -> int:
        return self.sms + self.email

    @property
    def sufficient(self) -> bool:
        return self.after >= 0


def fetch_listing(mandant_id: int | None, chosen: Period) -> Listing:
    with connection():
        rows = recall.due_recalls(mandant=_mandant_code(mandant_id), since=chosen.since, until=chosen.until)
        lines = [
            RecallLine(
                r.recall.id,
                r.recall.person_id,
                f"{r.recall.person.last_name} {r.recall.person.first_name}",
                r.recall.mandant.code,
                r.recall.reason,
                r.recall.due,
                r.recall.every_months,
                r.eligible,
                r.excluded,
                r.reason_excluded,
                r.channel,
            )
            for r in rows
        ]
        return Listing(mandant_id, chosen, lines, automation.automation_warnings())


def _mandant_code(mandant_id: int | None) -> str | None:
    return Mandant.get_by_id(mandant_id).code if mandant_id is not None else None


def fetch_cost(ids: tuple[int, ...]) -> Cost:
    try:
        with connection():
            notice = recall.quote_recalls(list(ids))
    except VitosmsError as error:
        return Cost(ids, error=refusal_text(error))
    quote, mandant = notice.quote, notice.mandant
    channels = [draft.channel for draft in notice.drafts]
    return Cost(
        ids,
        None,
        channels.count("sms"),
        channels.count("email"),
        quote.total_credits,
        quote.balance,
        quote.balance_after,
        quote.low_balance,
        mandant.low_balance,
        mandant.code,
        mandant.name,
    )


def excluded_text(line: RecallLine) -> str:
    """Why a recall is left out, in the interface language."""
    if line.excluded in EXCLUDED_NAMES:
        return _(EXCLUDED_NAMES[line.excluded])
    return clean(line.reason_excluded or "")


def credits_text(count: int) -> str:
    return ngettext("{count} credit", "{count} credits", count).format(count=format_number(count))


def channels_text(cost: Cost) -> str:
    return channel_counts(cost.sms, cost.email)


def low_text(cost: Cost) -> str:
    """What the confirmation says about the low-balance threshold ('' when not reached)."""
    if not cost.low:
        return ""
    threshold = credits_text(cost.threshold)
    if cost.balance > cost.threshold:
        return _("This batch takes the balance below the low-balance threshold of {threshold}.").format(
            threshold=threshold
        )
    return _("The balance is already at or below the low-balance threshold of {threshold}.").format(threshold=threshold)


def confirm_text(cost: Cost) -> str:
    lines = [
        ngettext(
            "Send {count} recall notice ({channels})?", "Send {count} recall notices ({channels})?", cost.count
        ).format(count=format_number(cost.count), channels=channels_text(cost)),
        "",
        _("Mandant: {code} {name}").format(code=clean(cost.mandant_code), name=clean(cost.mandant_name)),
        _("Cost: {credits}").format(credits=credits_text(cost.total)),
        _("Balance after: {after} (now {balance})").format(
            after=format_number(cost.after), balance=format_number(cost.balance)
        ),
    ]
    if cost.low:
        lines += ["", "⚠ " + low_text(cost)]
    return "\n".join(lines)


def head_text(chosen: Period, mandant_code: str | None, lines: Sequence[RecallLine]) -> str:
    """``Due: <period> · Mandant DUB · 6 recalls · 3 may be notified`` (None: all Mandanten)."""
    who = _("Mandant {code}").format(code=clean(mandant_code)) if mandant_code else _("all Mandanten")
    count = len(lines)
    eligible = sum(1 for line in lines if line.eligible)
    found = ngettext("{count} recall", "{count} recalls", count).format(count=format_number(count))
    if count:
        found += " · " + ngettext("{count} may be notified", "{count} may be notified", eligible).format(
            count=format_number(eligible)
        )
    return _("Due: {period} · {who} · {found}").format(period=period_text(chosen), who=who, found=found)


def cost_text(cost: Cost) -> Text:
    """The line under the list: what the selection costs and the balance after."""
    count = len(cost.ids)
    selected = ngettext("{count} selected", "{count} selected", count).format(count=format_number(count))
    if cost.error:
        return Text.assemble(
            selected + " · ", (_("cannot be sent: {reason}").format(reason=clean(cost.error)), "bold red")
        )
    text = Text(end="")
    text.append(f"{selected} · {channels_text(cost)} · ")
    text.append(_("Cost {credits}").format(credits=credits_text(cost.total)), "bold")
    text.append(
        " · "
        + _("Balance {balance} → {after}").format(balance=format_number(cost.balance), after=format_number(cost.after))
    )
    if not cost.sufficient:
        text.append("  " + _("⚠ not enough credits"), "bold red")
    elif cost.low:
        text.append(
            "  " + _("⚠ below the low-balance threshold ({threshold})").format(threshold=format_number(cost.threshold)),
            "bold yellow",
        )
    return text
