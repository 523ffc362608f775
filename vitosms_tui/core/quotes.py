"""A written message for several recipients: its drafts, one per recipient, and what they cost.

The compose screen and ``vitosms send`` build drafts here: the text typed is
filled in for each person (placeholders in the person's language), so what the
desk previews, what is costed and what is queued are the same drafts. A batch
quote (:func:`quote_batch`) keeps going past a recipient whose text cannot be
filled or who cannot be reached, and names each one, so that the desk sees
every problem at once instead of the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from . import drafts as drafting
from . import templates
from .drafts import Draft, Quote
from .errors import VitosmsError
from .models import Mandant, Person


class Addressee(Protocol):
    """One recipient of a batch: a person on a channel, or a typed number or address."""

    channel: str
    address: str  # E.164 number or e-mail address, for the channel
    person: Person | None


def fill(
    purpose: str,
    channel: str,
    address: str,
    person: Person | None,
    body: str,
    subject: str | None,
    mandant: Mandant | None,
) -> Draft:
    """The draft one recipient gets: the typed text with its placeholders filled in for them.

    Without a person the text is filled as for a typed number. An e-mail with an
    empty subject gets the purpose's template subject. Refused (by the template
    rules) when a placeholder cannot be filled.
    """
    filled_subject, filled_body = templates.render_message(
        purpose, channel, person, mandant, body=body, subject=subject
    )
    return Draft(
        channel=channel, recipient=address, body=filled_body, subject=filled_subject, person=person, purpose=purpose
    )


def build_drafts(
    recipients: Sequence[Addressee], purpose: str, body: str, subject: str, mandant: Mandant | None
) -> tuple[list[Draft], list[tuple[Addressee, VitosmsError]]]:
    """A draft per recipient with its own text, and the recipients whose text cannot be filled."""
    drafts, problems = [], []
    for recipient in recipients:
        try:
            drafts.append(fill(purpose, recipient.channel, recipient.address, recipient.person, body, subject, mandant))
        except VitosmsError as error:
            problems.append((recipient, error))
    return drafts, problems


@dataclass
class BatchQuote:
    """What a batch would cost, or why (and for whom) it cannot go out."""

    drafts: list[Draft] = field(default_factory=list)  # empty unless the whole batch can be quoted
    quote: Quote | None = None
    problems: list[tuple[Addressee, VitosmsError]] = field(default_factory=list)  # one per recipient refused
    refusal: VitosmsError | None = None  # refused as a whole (inactive Mandant), not for one recipient

    @property
    def sendable(self) -> bool:
        return self.quote is not None and self.quote.sufficient and not self.problems and self.refusal is None


def quote_batch(mandant: Mandant, recipients: Sequence[Addressee], purpose: str, body: str, subject: str) -> BatchQuote:
    """Fill every recipient's text and cost the batch; writes nothing.

    The drafts returned are what a confirmation shows and what is queued, so
    nothing changes in between.
    """
    drafts, problems = build_drafts(recipients, purpose, body, subject, mandant)
    found = BatchQuote(problems=problems)
    if not drafts:
        return found
    try:
        quote = drafting.quote(mandant, drafts)
    except VitosmsError as error:
        if error.code in ("inactive_mandant", "no_recipient"):
            found.refusal = error
            return found
        # the quote stops at the first bad draft: name each recipient it is about
        refused = {id(recipient) for recipient, _error in problems}
        good = [recipient for recipient in recipients if id(recipient) not in refused]
        for recipient, draft in zip(good, drafts, strict=True):
            try:
                drafting.quote(mandant, [draft])
            except VitosmsError as single:
                found.problems.append((recipient, single))
        if not found.problems:
            found.refusal = error
        return found
    found.drafts, found.quote = drafts, quote
    return found
