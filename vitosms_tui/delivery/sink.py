"""An SMTP server on loopback that keeps every mail in a Maildir (the demo's inbox).

``vitosms demo`` starts it when no ``[smtp]`` server is configured and points
the worker at it; tests and benchmarks use it as a real SMTP peer. Mails hold
patient data, so the Maildir folders are 0700 and the mail files 0600
whatever the process umask is.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import mailbox
import os
import socket
import time
from email.parser import BytesHeaderParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

_counter = itertools.count(1)
_HOST = socket.gethostname().replace("/", "\\057").replace(":", "\\072") or "localhost"


def prepare_maildir(path: Path) -> Path:
    """Create the Maildir (tmp, new, cur) for the owner only."""
    path = Path(path)
    mailbox.Maildir(str(path), create=True)
    for folder in (path, path / "tmp", path / "new", path / "cur"):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
    return path


def deliver(maildir: Path, data: bytes) -> str:
    """Write one mail the Maildir way (into tmp/, then renamed into new/); its file name."""
    now = time.time()
    name = f"{int(now)}.M{int(now * 1e6) % 1_000_000}P{os.getpid()}Q{next(_counter)}.{_HOST}"
    temporary = maildir / "tmp" / name
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    os.rename(temporary, maildir / "new" / name)
    return name


REF_HEADER = "X-Vitosms-Ref"
_headers = BytesHeaderParser()


def reference_of(data: bytes) -> str | None:
    """The idempotency key a mail carries, if any."""
    value = _headers.parsebytes(data).get(REF_HEADER)
    return str(value).strip() if value else None


class MaildirHandler:
    """aiosmtpd handler: every accepted mail becomes one file in the Maildir.

    Like the mock gateway with ``client_ref``, the sink keeps a mail once per
    ``X-Vitosms-Ref``: a worker killed after the server's 250 but before it
    recorded the acceptance hands the mail over again, and the second copy
    is acknowledged without being stored.
    """

    def __init__(self, maildir: Path):
        self.maildir = prepare_maildir(maildir)
        self.received = 0
        self.references = set()
        for folder in ("new", "cur"):
            for path in (self.maildir / folder).iterdir():
                with open(path, "rb") as handle:
                    ref = reference_of(handle.read(16_384))
                if ref:
                    self.references.add(ref)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or envelope.content
        assert data is not None  # aiosmtpd hands over an envelope once its DATA came
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        ref = reference_of(data)
        if ref and ref in self.references:
            return "250 OK already delivered"
        name = deliver(self.maildir, data)
        if ref:
            self.references.add(ref)
        self.received += 1
        return f"250 OK queued as {name.split('.')[0]}.{self.received}"


class SinkController(Controller):
    """aiosmtpd's threaded controller, able to listen on an ephemeral port (port 0)."""

    def _trigger_server(self) -> None:
        # the server is bound now: learn the port the system gave before connecting to it
        if not self.port and isinstance(self.server, asyncio.Server) and self.server.sockets:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]  # aiosmtpd leaves it unannotated


def start_sink(
    maildir: Path, host: str = "127.0.0.1", port: int = 0, handler: object = None
) -> tuple[SinkController, int]:
    """Start the sink in its own thread; returns ``(controller, port)``. Stop with ``controller.stop()``."""
    # aiosmtpd logs every envelope address at INFO: our logs never hold addresses
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = SinkController(
        handler or MaildirHandler(Path(maildir)),
        hostname=host,
        port=port,
        enable_SMTPUTF8=True,
        server_hostname="vitosms-sink",
    )
    controller.start()
    return controller, controller.port
