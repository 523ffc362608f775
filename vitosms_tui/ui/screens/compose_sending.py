"""Ctrl+S in Compose: the batch costed once more, the desk asked with cost and Mandant, then queued.

A mixin of :class:`~.compose.ComposeScreen` (which provides ``batch()``,
``_show_cost`` and ``clear_form``). One worker reads top to bottom: the cost
and the queueing run in threads, the question waits in between.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from textual import work
from textual.widgets import Input

from ...core.db import connection
from ...core.drafts import Draft, check_send_time
from ...core.errors import VitosmsError
from ...core.models import Mandant
from ...core.outbox import enqueue_quoted
from ..i18n import _, format_datetime, ngettext
from ..modals.send_confirm import SendConfirm, SendSummary
from ..texts.refusals import refusal_text
from ..widgets.cost_meter import Batch, CostState, cost_of
from ..widgets.recipient_list import RecipientPanel
from ..widgets.send_time import SendTime
from .base import DIALOG


def _summary(state: CostState, when: datetime | None) -> SendSummary:
    return SendSummary(
        state.messages,
        state.sms,
        state.email,
        state.total,
        state.balance,
        state.balance_after,
        state.mandant_code,
        state.mandant_name,
        state.low,
        state.threshold,
        format_datetime(when) if when else "",
    )


def _queue(mandant_id: int, drafts: list[Draft], when: datetime | None, user: str) -> tuple[int, str]:
    """Queue the drafts (in a thread): how many, or why none."""
    try:
        with connection():
            due = check_send_time(when) if when is not None else None
            messages, _quote = enqueue_quoted(Mandant.get_by_id(mandant_id), drafts, user, scheduled_at=due)
    except VitosmsError as error:
        return 0, refusal_text(error)
    return len(messages), ""


class ComposeSending:
    """Sending from the compose screen (see the module docstring)."""

    def action_send(self) -> None:
        free = self.query_one("#compose-free", Input)
        if free.value.strip() and not self.query_one(RecipientPanel).add_free(free.value):
            free.focus()
            return
        send_time = self.query_one(SendTime)
        when, valid = send_time.read()
        if not valid:  # the line under the field may be cut: say it in full
            self.notify(_("Not sent: {reason}").format(reason=send_time.problem), severity="error")
            send_time.field.focus()
            return
        self.send(self.batch(), when)

    @work(group=DIALOG, exclusive=True)  # Ctrl+S pressed twice: ask once
    async def send(self, batch: Batch, when: datetime | None) -> None:
        state, drafts = await self.run_worker(partial(cost_of, batch), thread=True, group="compose-send").wait()
        self._show_cost(state, batch)
        if not state.sendable:
            self._not_sent(state.refusal or (state.problems[0] if state.problems else state.hint))
            return
        if not await self.app.push_screen_wait(SendConfirm(_summary(state, when))):
            return
        queue = partial(_queue, batch.mandant_id, drafts, when, self.app.user)
        count, reason = await self.run_worker(queue, thread=True, group="compose-send").wait()
        if reason:
            self._not_sent(reason)
            return
        self.notify(ngettext("{count} message queued.", "{count} messages queued.", count).format(count=count))
        self.clear_form()
        self.app.refresh_status()

    def _not_sent(self, reason: str) -> None:
        self.notify(reason, title=_("Not sent"), severity="error", markup=False)
