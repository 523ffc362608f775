"""E-mail out through an SMTP server, over a small pool of reused connections.

Answers are sorted the way the outbox needs them:

* accepted (250 after DATA) -> the message is ``sent`` (e-mail has no report);
* a 4xx answer, a lost connection, a timeout, a refused login -> a *passing*
  fault: the worker retries with back-off;
* a 5xx answer (also for the one recipient) -> *permanent*: failed, refunded.

Without a server (no ``[smtp] host`` and no ``VITOSMS_SMTP_HOST``) every mail
is a passing fault "no SMTP server configured": the messages wait, retried with
back-off, until a server is configured or their attempts run out (then they
fail and their credits are refunded).

Every mail carries ``X-Vitosms-Ref: <idempotency key>`` and a Message-ID made
from that key, so a mail sent twice (a worker killed between the server's
"250" and recording it) can be recognised as the same message.

Subjects and display names are decoded and cleaned before they become
headers (``core.header_text``: an encoded word must not smuggle a line break
past Python's ``email`` package), and each built mail is read back: a mail
whose headers are not exactly the ones written here is never sent.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime, formataddr

import aiosmtplib

from ..core import clock, header_text
from ..core.config import SmtpSettings
from ..core.phone import mask_address
from .gateways.base import ACCEPTED, PASSING, PERMANENT

log = logging.getLogger("vitosms.delivery.smtp")

NOT_CONFIGURED = "no SMTP server configured ([smtp] host or VITOSMS_SMTP_HOST)"
# a connection unused for longer is checked with NOOP before it carries a mail
IDLE_CHECK_SECONDS = 10.0


@dataclass(frozen=True)
class Mail:
    """One e-mail to one recipient."""

    ref: str  # the message's idempotency key
    to: str
    subject: str
    body: str
    from_name: str  # the Mandant's name, shown as the sender's display name


@dataclass(frozen=True)
class MailResult:
    outcome: str  # ACCEPTED | PASSING | PERMANENT
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome == ACCEPTED


def _one_line(text: str, limit: int = 200) -> str:
    return " ".join(str(text).split())[:limit]


# the headers of every mail, in order; set_content adds the MIME ones
HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "X-Vitosms-Ref",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
)


def build_message(mail: Mail, sender: str) -> EmailMessage:
    """The mail as it goes out: From with the Mandant's name, Date, Message-ID, X-Vitosms-Ref.

    Raises ValueError when the flattened mail would carry other headers than
    :data:`HEADERS` (a header text that broke out of its line).
    """
    message = EmailMessage()
    message["From"] = formataddr((header_text.cleaned(mail.from_name, 120), sender))
    message["To"] = mail.to
    message["Subject"] = header_text.cleaned(mail.subject)
    message["Date"] = format_datetime(clock.local(clock.now()))
    domain = sender.rpartition("@")[2] or "vitosms.invalid"
    message["Message-ID"] = f"<{mail.ref}@{domain}>"
    message["X-Vitosms-Ref"] = mail.ref
    message.set_content(mail.body)
    _check_headers(message)
    return message


def _check_headers(message: EmailMessage) -> None:
    # flattened as aiosmtplib flattens it, then read back as a receiving server would
    raw = message.as_bytes(policy=policy.SMTPUTF8)
    found = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    if tuple(found.keys()) != HEADERS:
        raise ValueError("a header would not stay in its line")


def classify(error: BaseException) -> tuple[str, str, bool]:
    """(outcome, reason, drop the connection) for an error of a mail transaction."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        refused = error.recipients[0] if error.recipients else None
        code = refused.code if refused else 550
        reason = _one_line(f"recipient refused: {code} {refused.message if refused else ''}")
        return (PERMANENT if code >= 500 else PASSING), reason, False
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        # a wrong password is the practice's configuration, not the patient's fault
        return PASSING, _one_line(f"SMTP login refused: {error.code} {error.message}"), True
    if isinstance(
        error,
        (
            aiosmtplib.SMTPConnectError,
            aiosmtplib.SMTPServerDisconnected,
            aiosmtplib.SMTPTimeoutError,
            asyncio.TimeoutError,
            OSError,
        ),
    ):
        return PASSING, _one_line(f"SMTP connection: {error or type(error).__name__}"), True
    if isinstance(error, aiosmtplib.SMTPResponseException):
        reason = _one_line(f"SMTP answer {error.code} {error.message}")
        if 400 <= error.code < 500:
            return PASSING, reason, error.code == 421
        return PERMANENT, reason, False
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        return PERMANENT, _one_line(f"SMTP server cannot take this mail: {error}"), False
    if isinstance(error, ValueError):  # an address aiosmtplib will not put on the wire
        return PERMANENT, _one_line(f"address cannot be sent: {error}"), False
    return PASSING, _one_line(f"SMTP error: {type(error).__name__}"), True


class _Slot:
    """One connection of the pool (connected lazily, again after a failure)."""

    def __init__(self) -> None:
        self.smtp: aiosmtplib.SMTP | None = None
        self.used_at = 0.0


class SmtpPool:
    """Sends mails over at most ``pool_size`` reused connections."""

    def __init__(self, settings: SmtpSettings, pool_size: int | None = None):
        self.settings = settings
        self.size = max(1, int(pool_size or settings.pool_size or 1))
        self._slots: asyncio.LifoQueue[_Slot] | None = None
        self._all: list[_Slot] = []
        self._local_hostname = socket.gethostname() or "localhost"
        self.seconds_per_mail: float | None = None  # moving average of one accepted mail

    def _note_duration(self, seconds: float) -> None:
        average = self.seconds_per_mail
        self.seconds_per_mail = seconds if average is None else 0.8 * average + 0.2 * seconds

    def mails_per_second(self) -> float | None:
        """What the pool has been managing lately (None before the first mail)."""
        if not self.seconds_per_mail:
            return None
        return self.size / self.seconds_per_mail

    @property
    def configured(self) -> bool:
        return bool(self.settings.host)

    def _queue(self) -> asyncio.LifoQueue[_Slot]:
        # made on first use, so the pool binds to the loop that runs the worker
        if self._slots is None:
            self._slots = asyncio.LifoQueue()
            for _ in range(self.size):
                slot = _Slot()
                self._all.append(slot)
                self._slots.put_nowait(slot)
        return self._slots

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self.settings
        smtp = aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port or None,
            username=s.username or None,
            password=s.password or None,
            timeout=s.timeout or None,
            use_tls=s.tls,
            start_tls=True if (s.starttls and not s.tls) else False,
            local_hostname=self._local_hostname,
        )
        await smtp.connect()
        return smtp

    async def _ready(self, slot: _Slot) -> aiosmtplib.SMTP:
        smtp = slot.smtp
        if smtp is not None and smtp.is_connected and time.monotonic() - slot.used_at > IDLE_CHECK_SECONDS:
            try:  # the server may have dropped an idle connection: find out before DATA
                await smtp.noop()
            except (TimeoutError, aiosmtplib.SMTPException, OSError):
                self._drop(slot)
        if slot.smtp is None or not slot.smtp.is_connected:
            self._drop(slot)
            slot.smtp = await self._connect()
        return slot.smtp

    @staticmethod
    def _drop(slot: _Slot) -> None:
        if slot.smtp is not None:
            try:
                slot.smtp.close()
            except Exception:  # closing a broken connection may itself fail
                pass
            slot.smtp = None

    async def send(self, mail: Mail, begun: Callable[[], object] | None = None) -> MailResult:
        """Send one mail; never raises for a fault of this mail or the server.

        ``begun`` is called once a connection is free and the mail goes out: until
        then a stopping worker may cancel the call and give the message back.
        """
        if not self.configured:
            return MailResult(PASSING, NOT_CONFIGURED)
        try:
            message = build_message(mail, self.settings.sender)
        except (ValueError, TypeError) as error:  # e.g. a header that cannot be encoded
            return MailResult(PERMANENT, _one_line(f"mail cannot be built: {error}"))
        queue = self._queue()
        slot = await queue.get()
        if begun is not None:
            begun()
        began = time.monotonic()
        try:
            smtp = await self._ready(slot)
            await smtp.send_message(message, sender=self.settings.sender, recipients=[mail.to])
            slot.used_at = time.monotonic()
            self._note_duration(slot.used_at - began)
            return MailResult(ACCEPTED)
        except asyncio.CancelledError:
            self._drop(slot)
            raise
        except Exception as error:  # sorted into passing/permanent below
            outcome, reason, drop = classify(error)
            if drop or (slot.smtp is not None and not slot.smtp.is_connected):
                self._drop(slot)
            # the server's text may quote the address: log only its code
            log.info(
                "mail to %s: %s fault (%s)",
                mask_address(mail.to),
                outcome,
                getattr(error, "code", None) or type(error).__name__,
            )
            return MailResult(outcome, reason)
        finally:
            queue.put_nowait(slot)

    async def close(self) -> None:
        """Say QUIT on every open connection."""
        for slot in self._all:
            if slot.smtp is not None and slot.smtp.is_connected:
                try:
                    await asyncio.wait_for(slot.smtp.quit(), timeout=2)
                except Exception:  # the server may be gone already
                    pass
            self._drop(slot)
