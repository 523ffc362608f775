"""The ledger export from the interface writes only into the export folder.

Over SSH or in a browser the app runs as the practice's account: a path typed
there could overwrite the database, the config or plant a key in ``.ssh``.
This tries exactly those through the keys of F5 Credits and finds each one
untouched.
"""

from __future__ import annotations

import hashlib

from textual.widgets import Input, Static

from vitosms_tui.core.config import Settings
from vitosms_tui.core.models import CreditEntry, Mandant
from vitosms_tui.ui.screens.credits import CreditsScreen

from .pilot_helpers import settle


def fingerprint(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_database_config_and_ssh_paths_stay_untouched(practice, tmp_path):
    from vitosms_tui.ui.app import VitoSmsApp

    home = tmp_path / "home"
    ssh = home / ".ssh"
    ssh.mkdir(parents=True)
    config = tmp_path / "config.toml"
    config.write_text('[smtp]\nhost = "mail.praxis.example"\n')
    before_config = fingerprint(config)
    state = tmp_path / "state"
    entries = CreditEntry.select().count()
    targets = [str(config), str(ssh / "authorized_keys"), str(tmp_path / "practice.db"), practice]

    settings = Settings()
    settings.ui_language = "en"
    app = VitoSmsApp(user="empfang", settings=settings, db_url=practice, state_dir=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CreditsScreen)
        # x asks for nothing: no field to type a path into appears
        await pilot.press("x")
        await settle(pilot)
        assert not isinstance(app.focused, Input)
        assert not screen.query_one("#credits-prompt").display
        [made] = list((state / "exports").iterdir())
        # the one field of the view takes dates: a path typed there is refused as a date
        for target in targets:
            await pilot.press("r")
            await settle(pilot)
            field = screen.query_one("#prompt-input", Input)
            field.value = target
            await pilot.press("enter")
            await settle(pilot)
            assert "dd.mm.yyyy" in str(screen.query_one("#credits-message", Static).render())
            await pilot.press("escape")
            await settle(pilot)
        # an export folder replaced by a symlink to .ssh is refused, nothing lands there
        for item in (state / "exports").iterdir():
            item.unlink()
        (state / "exports").rmdir()
        (state / "exports").symlink_to(ssh)
        await pilot.press("x")
        await settle(pilot)
        assert "Not exported" in str(screen.query_one("#credits-message", Static).render())

    assert list(ssh.iterdir()) == []
    assert fingerprint(config) == before_config
    assert not (tmp_path / "practice.db").exists() or (tmp_path / "practice.db").read_bytes()[:16] == (
        b"SQLite format 3\x00"
    )
    assert CreditEntry.select().count() == entries
    assert Mandant.select().count() == 3
    assert made.name.startswith("ledger-DUB-")
    assert made.parent.name == "exports"


async def test_over_ssh_the_export_is_mailed_to_the_staff_members_own_address(practice, tmp_path):
    import mailbox

    from vitosms_tui.core.models import AuditEntry, Staff
    from vitosms_tui.delivery.sink import start_sink
    from vitosms_tui.ui.app import VitoSmsApp

    from .pilot_helpers import wait_until

    Staff.update(email="eva.empfang@praxis.example").where(Staff.login == "empfang").execute()
    controller, port = start_sink(tmp_path / "mailbox")
    settings = Settings()
    settings.ui_language = "en"
    settings.smtp.host, settings.smtp.port, settings.smtp.timeout = "127.0.0.1", port, 10
    settings.smtp.sender = "praxis@praxis.example"
    app = VitoSmsApp(user="empfang", settings=settings, db_url=practice, state_dir=tmp_path / "state")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f5")
            await settle(pilot)
            await pilot.press("x")
            await settle(pilot)
            message = lambda: str(app.screen.query_one("#credits-message", Static).render())  # noqa: E731
            await wait_until(pilot, lambda: message().startswith("Sent "))
            assert "eva.empfang@praxis.example" in message()
    finally:
        controller.stop()
    [made] = list((tmp_path / "state" / "exports").iterdir())
    [mail] = list(mailbox.Maildir(str(tmp_path / "mailbox"), create=False))
    assert mail["To"] == "eva.empfang@praxis.example"
    assert made.name in mail["Subject"]
    [attachment] = [part for part in mail.walk() if part.get_filename()]
    assert attachment.get_filename() == made.name
    assert attachment.get_payload(decode=True) == made.read_bytes()
    assert AuditEntry.select().where(AuditEntry.action == "export_mailed", AuditEntry.user == "empfang").count() == 1


async def test_a_failed_mail_says_so_and_keeps_the_file(practice, tmp_path):
    from tests.processes import free_port
    from vitosms_tui.core.models import Staff
    from vitosms_tui.ui.app import VitoSmsApp

    from .pilot_helpers import wait_until

    Staff.update(email="eva.empfang@praxis.example").where(Staff.login == "empfang").execute()
    settings = Settings()
    settings.ui_language = "en"
    settings.smtp.host, settings.smtp.port, settings.smtp.timeout = "127.0.0.1", free_port(), 5  # nobody listens
    app = VitoSmsApp(user="empfang", settings=settings, db_url=practice, state_dir=tmp_path / "state")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        line = app.screen.query_one("#credits-message", Static)
        await wait_until(pilot, lambda: str(line.render()).startswith("Not sent"))
        assert line.has_class("-error")
    [made] = list((tmp_path / "state" / "exports").iterdir())
    assert str(made) in str(line.render())
