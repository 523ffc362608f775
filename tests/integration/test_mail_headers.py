"""Header injection through encoded words (CVE-2024-6923), read at the SMTP server.

Python's ``email`` package before 3.11.10 / 3.12.5 writes a line break that an
encoded word hides onto the wire. These tests put such subjects and sender
names on queued messages (as a message queued by an older version, or a
template filled with a hostile Mandant name, would carry them), let the worker
send them to a real aiosmtpd server and read the raw bytes it received: the
mail has exactly the headers the app wrote, and the sink's duplicate check
still sees ``X-Vitosms-Ref``.
"""

from __future__ import annotations

import base64
from email.parser import BytesHeaderParser
from email.policy import compat32

import pytest

from tests.integration.test_smtp_delivery import settings_for, worker
from vitosms_tui.core import outbox, templates
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.errors import Refused
from vitosms_tui.core.models import Message, Setting
from vitosms_tui.delivery.sink import MaildirHandler, start_sink
from vitosms_tui.delivery.smtp import HEADERS

PAYLOAD = "Termin\r\nReply-To: x@evil.example\r\n\r\n<a href=//evil.example>OK</a>"


def b_word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def q_word(text: str) -> str:
    # letters and digits as they are, every other byte as =XX (the line breaks as =0D=0A)
    return "=?utf-8?q?" + "".join(chr(byte) if chr(byte).isalnum() else f"={byte:02X}" for byte in text.encode()) + "?="


SUBJECTS = {
    "b-encoded": f"Hallo {b_word(PAYLOAD)}",
    "q-encoded": f"Hallo {q_word(PAYLOAD)}",
    "folded over two encoded words": (
        f"Hallo {b_word('Termin' + chr(13))}\r\n {b_word(chr(10) + 'Reply-To: x@evil.example')}"
    ),
    "encoded twice": f"Hallo {b_word(b_word(PAYLOAD))}",
}


class RawHandler(MaildirHandler):
    """The sink, keeping the raw bytes of every mail as the server received them."""

    def __init__(self, maildir):
        super().__init__(maildir)
        self.raw: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.original_content)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def server(tmp_path):
    handler = RawHandler(tmp_path / "mailbox")
    controller, port = start_sink(tmp_path / "mailbox", port=0, handler=handler)
    yield handler, port
    controller.stop()


def queued_with(mandant, subject: str) -> Message:
    """A queued e-mail carrying ``subject`` (written to the row, past the checks of queueing)."""
    message = outbox.enqueue(
        mandant, [Draft("email", "anna.muster@example.ch", "Ihr Termin.", subject="Termin")], user="test"
    )[0]
    Message.update(subject=subject).where(Message.id == message.id).execute()
    return message


def headers_of(raw: bytes) -> list[str]:
    return list(BytesHeaderParser(policy=compat32).parsebytes(raw).keys())


@pytest.mark.parametrize("name", list(SUBJECTS))
async def test_an_encoded_line_break_in_the_subject_stays_in_the_subject(mandant, tmp_path, server, name):
    handler, port = server
    message = queued_with(mandant, SUBJECTS[name])
    tally = await worker(settings_for(port), tmp_path).run_once()
    assert tally.sent == 1
    [raw] = handler.raw
    assert headers_of(raw) == list(HEADERS)
    head, _blank, body = raw.partition(b"\r\n\r\n")
    assert b"Reply-To" not in head.split(b"\r\nSubject:")[0]
    assert b"<a href" not in body
    assert body.strip() == b"Ihr Termin."
    parsed = BytesHeaderParser(policy=compat32).parsebytes(raw)
    assert parsed["X-Vitosms-Ref"] == Message.get_by_id(message.id).idempotency_key
    # what a mail reader shows is one line: the text, without a break
    assert "\n" not in parsed["Subject"].replace("\r\n ", " ").replace("\n ", " ")


async def test_a_template_subject_filled_with_hostile_names(mandant, tmp_path, server):
    handler, port = server
    mandant.name = f"Praxis {b_word(PAYLOAD)}"  # the sender's display name
    mandant.save()
    Setting.create(key="practice_name", value=f"Praxis {q_word(PAYLOAD)}")  # the template's {practice}
    subject, _body = templates.render_message("free", "email", None, mandant, body="Hallo")
    assert "=?utf-8?q?" in subject  # the template's {practice} carried the encoded word along
    queued_with(mandant, subject)
    await worker(settings_for(port), tmp_path).run_once()
    [raw] = handler.raw
    assert headers_of(raw) == list(HEADERS)
    assert b'evil.example">' not in raw.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize("name", list(SUBJECTS))
def test_such_a_subject_is_refused_when_queued(mandant, name):
    before = Message.select().count()
    with pytest.raises(Refused) as info:
        outbox.enqueue(
            mandant,
            [Draft("email", "anna.muster@example.ch", "Ihr Termin.", subject=SUBJECTS[name])],
            user="test",
        )
    assert info.value.code == "invalid_subject"
    assert "one line" in info.value.message
    assert Message.select().count() == before


def test_a_template_subject_with_an_encoded_line_break_is_refused():
    with pytest.raises(Refused) as info:
        templates.validate_template("Text", f"Termin {q_word(PAYLOAD)}")
    assert "hidden in an encoded word" in info.value.message
