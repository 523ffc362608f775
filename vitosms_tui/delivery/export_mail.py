"""A ledger export sent to the staff member who made it, over the practice's SMTP server.

Over SSH the export lands on the server, where the desk cannot fetch it; a
staff entry with an e-mail address gets the file by mail instead. It is not
a patient message: no outbox, no credits, sent at once, and a failure is said
on the screen (the file stays in the export folder either way).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import aiosmtplib

from ..core import clock, header_text
from ..core.config import SmtpSettings
from ..core.errors import VitosmsError


async def mail_export(settings: SmtpSettings, to: str, path: Path, subject: str, text: str) -> None:
    """Send ``path`` as a CSV attachment to ``to``; a VitosmsError with the reason when it fails."""
    if not settings.host:
        raise VitosmsError("smtp.not_configured")
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = header_text.cleaned(subject)
    message["Date"] = format_datetime(clock.local(clock.now()))
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(text)
    message.add_attachment(path.read_bytes(), maintype="text", subtype="csv", filename=path.name)
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.host,
            port=settings.port or None,
            username=settings.username or None,
            password=settings.password or None,
            use_tls=settings.tls,
            start_tls=True if (settings.starttls and not settings.tls) else False,
            timeout=settings.timeout,
        )
    except (TimeoutError, aiosmtplib.SMTPException, OSError) as error:
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        raise VitosmsError("smtp.not_sent", reason=reason) from None
