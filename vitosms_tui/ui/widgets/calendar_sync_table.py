"""The service settings' table of calendars: each Mandant's CalDAV sync with its last run.

The worker reads these calendars (``vitosms sync caldav … --every N``); the
desk sees here whether it went well, and the error when it did not, and may
read the current Mandant's calendar at once (:meth:`CalendarSyncTable.sync_now`,
on a thread: a slow server never holds up the screen). No password is shown:
it lives in the config file only.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.widgets import DataTable
from textual.worker import get_current_worker

from ...core.calendar_syncs import last_counts, list_syncs, sync_of
from ...core.db import connection
from ..i18n import N_, _, format_datetime, ngettext
from ..sanitize import clean, plain

MOVED_NAMES = {"regenerate": N_("new reminder"), "withdraw": N_("no reminder")}


@dataclass(frozen=True)
class SyncLine:
    """One calendar, as plain values (read on a thread, shown on the app's)."""

    code: str
    url: str
    every_minutes: int
    moved: str
    last_run_at: object
    last_error: str | None
    counts: dict


def fetch_syncs() -> list[SyncLine]:
    with connection():
        return [
            SyncLine(s.mandant.code, s.url, s.every_minutes, s.moved, s.last_run_at, s.last_error, last_counts(s))
            for s in list_syncs()
        ]


def counted(counts: dict) -> str:
    return _("{added} added, {moved} moved, {cancelled} cancelled, {rejected} rejected").format(
        added=counts.get("added", 0),
        moved=counts.get("moved", 0),
        cancelled=counts.get("cancelled", 0),
        rejected=counts.get("rejected", 0),
    )


def outcome(line: SyncLine) -> Text:
    """How the last run went: its counts, or its error in red."""
    if line.last_run_at is None:
        return Text(_("not run yet"), style="dim")
    if line.last_error:
        return Text(_("error: {reason}").format(reason=clean(line.last_error)), style="bold red")
    return Text(counted(line.counts), style="red" if line.counts.get("rejected") else "")


def interval(minutes: int) -> str:
    if not minutes:
        return _("by hand")
    return ngettext("every {count} minute", "every {count} minutes", minutes).format(count=minutes)


class CalendarSyncTable(DataTable):
    """Mandant, calendar address, interval, what a move does, last run and its outcome."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)

    def on_mount(self) -> None:
        self.add_column(_("Mandant"), key="mandant", width=8)
        self.add_column(_("Calendar"), key="url", width=34)
        self.add_column(_("Sync"), key="every", width=16)
        self.add_column(_("On a move"), key="moved", width=14)
        self.add_column(_("Last run"), key="last", width=17)
        self.add_column(_("Outcome"), key="outcome")
        self.load()

    @work(thread=True, exclusive=True, group="calendar-syncs")
    def load(self) -> None:
        lines = fetch_syncs()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show, lines)

    def sync_now(self, mandant_id: int, code: str) -> None:
        """Read the Mandant's calendar now; the outcome is noted in the table and told."""
        self._sync(mandant_id, code)

    @work(thread=True, exclusive=True, group="calendar-sync-now")
    def _sync(self, mandant_id: int, code: str) -> None:
        from ...delivery.caldav_sync import run_remembered  # the network client, only when asked

        with connection():
            sync = sync_of(mandant_id)
            if sync is None:
                result = (
                    None,
                    _("No calendar for {code}: set one up with vitosms sync caldav.").format(code=clean(code)),
                )
            else:
                report, error = run_remembered(self.app.settings, sync, self.app.user)
                result = (
                    report,
                    error and _("Calendar of {code}: {reason}").format(code=clean(code), reason=clean(error)),
                )
        self.app.call_from_thread(self._synced, code, *result)

    def _synced(self, code: str, report: dict | None, error: str | None) -> None:
        if error:
            self.app.notify(error, severity="error")
        else:
            counts = {**report, "rejected": len(report["rejected"])}
            self.app.notify(_("Calendar of {code} read: {counts}.").format(code=clean(code), counts=counted(counts)))
        self.load()

    def show(self, lines: list[SyncLine]) -> None:
        self.clear()  # none yet: the headers alone, the section title says how to set one up
        for line in lines:
            self.add_row(
                plain(line.code),
                plain(line.url[:34]),
                interval(line.every_minutes),
                _(MOVED_NAMES.get(line.moved, line.moved)),
                format_datetime(line.last_run_at) if line.last_run_at else "–",
                outcome(line),
            )
