"""The embedded SMTP sink keeps a mail once per X-Vitosms-Ref, like the gateway with client_ref."""

import asyncio
from email.message import EmailMessage

import aiosmtplib

from vitosms_tui.delivery.sink import start_sink


def _mail(ref: str, text: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "praxis@example.ch"
    mail["To"] = "anna@example.ch"
    mail["Subject"] = "Termin"
    mail["X-Vitosms-Ref"] = ref
    mail.set_content(text)
    return mail


def _send(port: int, *mails: EmailMessage) -> list[str]:
    async def go():
        answers = []
        for mail in mails:
            _, reply = await aiosmtplib.send(mail, hostname="127.0.0.1", port=port)
            answers.append(reply)
        return answers

    return asyncio.run(go())


def test_a_mail_handed_over_twice_is_kept_once_also_after_a_restart(tmp_path):
    maildir = tmp_path / "mailbox"
    controller, port = start_sink(maildir)
    try:
        answers = _send(port, _mail("ref-1", "first"), _mail("ref-1", "first"), _mail("ref-2", "second"))
    finally:
        controller.stop()
    assert "already delivered" in answers[1]
    assert len(list((maildir / "new").iterdir())) == 2

    controller, port = start_sink(maildir)  # the sink remembers what its Maildir holds
    try:
        _send(port, _mail("ref-2", "second"), _mail("ref-3", "third"))
    finally:
        controller.stop()
    assert len(list((maildir / "new").iterdir())) == 3
