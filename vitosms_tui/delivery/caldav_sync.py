"""Reading a Mandant's calendar from a CalDAV server (``vitosms sync caldav``
and the worker's regular run), with the `caldav` library.

The server is read first, outside any transaction; then the events go through
the same matching and sync rules as an .ics file (:mod:`core.appointment_sync`).
A server that is down, refuses the login or answers nonsense is one line of
error and changes nothing. The password is never logged, never stored in the
database, and never in a message: errors name the server, not the account.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from urllib.parse import urlsplit

from ..core.appointment_feed import parse_ics, window
from ..core.appointment_sync import SyncReport, apply_feed
from ..core.config import Settings
from ..core.errors import UsageError, VitosmsError
from ..core.models import CalendarSync

log = logging.getLogger("vitosms.caldav")
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class CalendarUnreachable(VitosmsError):
    """The calendar server could not be read: nothing was changed (exit 1)."""

    # keys calendar_unreachable.*: the calendar server could not be read


def _checked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError("usage.caldav_address_https", url=url)
    if parts.username or parts.password:
        raise UsageError("usage.address_holds_login")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        # the password would cross the network in clear text
        raise UsageError("usage.calendar_server_reached", hostname=parts.hostname)
    return url


def fetch_calendar(settings: Settings, url: str, login: str = "") -> list[bytes]:
    """The calendar objects (iCalendar texts) of the collection at ``url`` in the import window."""
    from caldav.davclient import DAVClient
    from caldav.lib import error as dav_error

    url = _checked_url(url)
    login = login or settings.caldav.login
    host = urlsplit(url).hostname
    since, until = window()
    client = DAVClient(
        url=url,
        username=login or None,
        password=settings.caldav.password,
        timeout=int(settings.caldav.timeout) or None,
        require_tls=url.startswith("https:"),
        enable_rfc6764=False,
    )
    try:
        with client:
            calendar = client.calendar(url=url)
            # a day of margin: the window is checked again per occurrence
            found = calendar.search(event=True, start=since - timedelta(days=1), end=until + timedelta(days=1))
            return [obj.data.encode("utf-8") if isinstance(obj.data, str) else obj.data for obj in found]
    except dav_error.AuthorizationError:
        # a configuration error (exit 2): the login or the password in the config is wrong
        raise UsageError("usage.calendar_server_refused", host=host, value=" " + repr(login) if login else "") from None
    except dav_error.NotFoundError:
        raise CalendarUnreachable("calendar_unreachable.no_calendar", url=url) from None
    except dav_error.DAVError as exc:
        reason = " ".join(str(exc).split())[:160]
        raise CalendarUnreachable("calendar_unreachable.error", host=host, reason=reason) from None
    except OSError as exc:  # refused, timed out, name unknown, TLS
        raise CalendarUnreachable("calendar_unreachable.unreachable", host=host, reason=_why(exc)) from None
    except Exception as exc:  # niquests' connection errors are no OSError
        if type(exc).__module__.split(".")[0] in ("niquests", "urllib3", "urllib3_future", "requests"):
            raise CalendarUnreachable("calendar_unreachable.unreachable", host=host, reason=_why(exc)) from None
        raise


def _why(exc: Exception) -> str:
    """The gist of a connection error, which the HTTP library buries in a long repr."""
    text = " ".join(str(exc).split())
    for gist in ("connection refused", "timed out", "name or service not known", "certificate"):
        if gist in text.lower():
            return gist
    return text[:160]


def sync_calendar(
    settings: Settings,
    mandant: str,
    url: str,
    login: str | None = None,
    moved: str = "regenerate",
    user: str = "",
    dry_run: bool = False,
) -> SyncReport:
    """Read the calendar and bring the agenda of ``mandant`` in line; the import's report."""
    from ..core.mandanten import get_mandant

    get_mandant(mandant)  # an unknown Mandant is refused before the server is asked
    raw = fetch_calendar(settings, url, login or "")
    try:
        feed = parse_ics(raw, mandant)
    except UsageError as exc:
        raise CalendarUnreachable(
            "calendar_unreachable.not_icalendar", url=url, reason=exc.message.removeprefix("the file ")
        ) from None
    return apply_feed(feed, "ical", mandant, moved, user, dry_run)


def run_remembered(settings: Settings, sync: CalendarSync, user: str) -> tuple[SyncReport | None, str | None]:
    """Sync one remembered calendar and note how it went: (report, None) or (None, error)."""
    from ..core.calendar_syncs import record_run

    try:
        report = sync_calendar(settings, sync.mandant.code, sync.url, sync.login, sync.moved, user)
    except VitosmsError as exc:
        record_run(sync.id, None, exc.message)
        log.warning("calendar sync of Mandant %s failed: %s", sync.mandant.code, exc.message)
        return None, exc.message
    record_run(sync.id, report, None)
    return report, None


def run_due_syncs(settings: Settings, user: str = "caldav") -> int:
    """Sync every calendar whose interval has passed; the number run. Errors are recorded, not raised."""
    from ..core.calendar_syncs import due_syncs

    due = due_syncs()
    for sync in due:
        run_remembered(settings, sync, user)
    return len(due)


class CalendarTicker:
    """Runs the due calendar syncs beside the delivery worker, one run at a time.

    A server that answers slowly must not hold up the delivery of messages,
    so the run has a thread (and database connection) of its own.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._thread: threading.Thread | None = None

    def __call__(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._run, name="calendar-sync", daemon=True)
        self._thread.start()

    def wait(self, seconds: float) -> None:
        """Let a run in progress finish (the worker is stopping)."""
        if self._thread is not None:
            self._thread.join(seconds)

    def _run(self) -> None:
        from ..core.db import database

        try:
            run_due_syncs(self.settings)
        except Exception:  # a sync must never stop the worker
            log.exception("calendar sync failed")
        finally:
            if not database.obj.is_closed():
                database.obj.close()
