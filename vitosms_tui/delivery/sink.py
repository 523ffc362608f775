"""An SMTP server on loopback that keeps every mail in a Maildir (the demo's inbox).

``vitosms demo`` starts it when no ``[smtp]`` server is configured and points
the worker at it; tests and benchmarks use it as a real SMTP peer. Mails hold
patient data, so the Maildir folders are 0700 and the mail files 0600
whatever the process umask is.
"""

from __future__ import annotations

import itertools
import logging
import mailbox
import os
import socket
import time
from pathlib import Path

from aiosmtpd.controller import Controller

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
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    os.rename(temporary, maildir / "new" / name)
    return name


class MaildirHandler:
    """aiosmtpd handler: every accepted mail becomes one file in the Maildir."""

    def __init__(self, maildir: Path):
        self.maildir = prepare_maildir(maildir)
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        name = deliver(self.maildir, data)
        self.received += 1
        return f"250 OK queued as {name.split('.')[0]}.{self.received}"


class SinkController(Controller):
    """aiosmtpd's threaded controller, able to listen on an ephemeral port (port 0)."""

    def _trigger_server(self):
        # the server is bound now: learn the port the system gave before connecting to it
        if not self.port and self.server is not None and self.server.sockets:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def start_sink(maildir: Path, host: str = "127.0.0.1", port: int = 0, handler=None):
    """Start the sink in its own thread; returns ``(controller, port)``. Stop with ``controller.stop()``."""
    # aiosmtpd logs every envelope address at INFO: our logs never hold addresses
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = SinkController(handler or MaildirHandler(Path(maildir)), hostname=host, port=port,
                                enable_SMTPUTF8=True, server_hostname="vitosms-sink")
    controller.start()
    return controller, controller.port
