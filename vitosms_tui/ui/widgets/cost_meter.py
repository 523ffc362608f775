"""What a message costs, shown while it is written.

Three pieces for the compose view:

- :func:`preview` shows the text one recipient gets, the characters that are
  not in GSM-7 marked;
- :func:`sms_meter` says encoding, parts and room left (``sms_text.analyse``,
  cheap enough for every keystroke), and names the non-GSM characters;
- :class:`CostMeter` shows the quote of the whole batch (``quotes.quote_batch``):
  total credits, the balance before and after, the low-balance warning and,
  when the batch cannot go out, the reason.

Refusals from the core are codes with values; :func:`.refusal_text` says them
in the interface language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.widgets import Static

from ...core import quotes
from ...core.db import connection
from ...core.models import Mandant
from ...core.sms_text import GSM_CHARS, SmsAnalysis
from ..i18n import _, channel_counts, format_number, ngettext
from ..sanitize import clean
from ..texts.refusals import refusal_text


def _marked(line: str, style: str) -> Text:
    """One line of text with the characters outside GSM-7 in ``style``."""
    text = Text(line, end="")
    if style and not GSM_CHARS.issuperset(line):
        for index, char in enumerate(line):
            if char not in GSM_CHARS:
                text.stylize(style, index, index + 1)
    return text


def preview(body: str, subject: str = "", channel: str = "sms", mark: str = "reverse bold") -> Text:
    """The filled text as it will be read, line by line, nothing interpreted as markup."""
    out = Text(end="")
    if channel == "email":
        out.append(_("Subject: "), "dim")
        out.append(clean(subject), "bold")
        out.append("\n\n")
    lines = [clean(line) for line in body.replace("\r\n", "\n").split("\n")]
    for index, line in enumerate(lines):
        if index:
            out.append("\n")
        out.append_text(_marked(line, mark if channel == "sms" else ""))
    return out


def encoding_name(encoding: str) -> str:
    return "GSM-7" if encoding == "gsm7" else "UCS-2"


def sms_meter(analysis: SmsAnalysis, mark: str = "reverse bold") -> Text:
    """``GSM-7 · 1 SMS part · 118 of 160 left`` and the non-GSM characters."""
    parts = ngettext("{count} SMS part", "{count} SMS parts", analysis.segments).format(count=analysis.segments)
    out = Text(end="")
    out.append(encoding_name(analysis.encoding), "bold")
    out.append(f" · {parts} · ")
    out.append(_("{left}/{size} free").format(left=analysis.remaining, size=analysis.per_segment))
    if analysis.non_gsm:
        out.append("\n")
        out.append(_("Not in GSM-7: "))
        for index, char in enumerate(analysis.non_gsm):
            if index:
                out.append(" ")
            out.append(clean(char) or "?", mark)
        out.append("  ")
        out.append(_("(F9 writes them in GSM-7)"), "dim")
    return out


@dataclass
class CostState:
    """The batch's cost as the meter shows it (plain values, built in a worker thread)."""

    messages: int = 0
    sms: int = 0
    email: int = 0
    total: int = 0
    balance: int = 0
    balance_after: int = 0
    low: bool = False
    threshold: int = 0
    mandant_code: str = ""
    mandant_name: str = ""
    problems: list[str] = field(default_factory=list)  # "Name: reason", one per recipient
    refusal: str = ""  # why nothing can be sent (empty: it can)
    hint: str = ""  # what is still missing (no recipient, no text): not an error yet
    quoted: bool = False  # total and balances are known

    @property
    def sendable(self) -> bool:
        return self.quoted and not self.refusal and not self.problems


class CostMeter(Static):
    """The cost area: total, balance after, warnings, the reason for a refusal."""

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.state = CostState()

    def show(self, state: CostState) -> None:
        self.state = state
        self.update(describe_cost(state))


def describe_cost(state: CostState) -> Text:
    out = Text(end="")
    if state.quoted:
        out.append(
            ngettext("{count} message", "{count} messages", state.messages).format(count=format_number(state.messages)),
            "bold",
        )
        kinds = channel_counts(state.sms, state.email)
        if kinds:
            out.append(f" ({kinds})")
        out.append(" · ")
        out.append(
            ngettext("{count} credit", "{count} credits", state.total).format(count=format_number(state.total)), "bold"
        )
        out.append("\n")
        out.append(
            _("Balance {mandant}: {before} → {after}").format(
                mandant=clean(state.mandant_code),
                before=format_number(state.balance),
                after=format_number(state.balance_after),
            )
        )
        if state.low and state.balance_after >= 0:
            out.append("\n")
            out.append(
                _("⚠ Low balance: at or below the threshold of {threshold} credits.").format(
                    threshold=format_number(state.threshold)
                ),
                "bold yellow",
            )
    if state.hint:
        out.append(state.hint, "dim")
    if state.refusal:
        if out:
            out.append("\n")
        out.append("✗ " + state.refusal, "bold red")
    for problem in state.problems[:3]:
        out.append("\n" if out else "")
        out.append("✗ " + problem, "red")
    if len(state.problems) > 3:
        out.append("\n")
        out.append(_("… and {count} more").format(count=len(state.problems) - 3), "red")
    return out


@dataclass(frozen=True)
class Batch:
    """What the form holds, as plain values for a worker thread."""

    recipients: tuple
    purpose: str
    body: str
    subject: str
    mandant_id: int | None


def cost_of(batch: Batch) -> tuple[CostState, list]:
    """The meter's state and the drafts of the batch (``core.quotes``; runs in a worker thread)."""
    with connection():
        mandant = Mandant.get_or_none(Mandant.id == batch.mandant_id) if batch.mandant_id else None
        if mandant is None:
            return CostState(refusal=_("No paying Mandant: choose one with F8.")), []
        state = CostState(mandant_code=mandant.code, mandant_name=mandant.name, threshold=mandant.low_balance)
        if not batch.recipients:
            state.hint = _("No recipient yet: Ctrl+O adds persons, or type a number or address.")
            return state, []
        if not batch.body.strip():
            state.hint = _("Write the text.")
            return state, []
        found = quotes.quote_batch(mandant, batch.recipients, batch.purpose, batch.body, batch.subject)
    state.problems = [f"{clean(recipient.name)}: {refusal_text(error)}" for recipient, error in found.problems]
    if found.refusal is not None:
        state.refusal = refusal_text(found.refusal)
    quote = found.quote
    if quote is None:
        return state, []
    state.messages = len(quote.lines)
    state.sms = sum(1 for line in quote.lines if line.channel == "sms")
    state.email = state.messages - state.sms
    state.total, state.balance, state.balance_after = (quote.total_credits, quote.balance, quote.balance_after)
    state.low, state.quoted = quote.low_balance, True
    if not quote.sufficient:
        state.refusal = _("Not enough credits: {needed} needed, {balance} available.").format(
            needed=format_number(quote.total_credits), balance=format_number(quote.balance)
        )
    return state, found.drafts
