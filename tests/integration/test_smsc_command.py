"""``vitosms smsc`` and ``vitosms smsc reply`` on the command line: TLS, and bad input refused."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.processes import WAIT
from tests.smsc_helpers import SmscProcess, smpp_config
from vitosms_tui.core import credits, outbox
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.models import Message


def vitosms(tmp_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "vitosms_tui.cli.main", "--state-dir", str(tmp_path / "smsc-state"), *args],
        capture_output=True,
        text=True,
        timeout=WAIT,
    )


def test_a_worker_drains_over_tls_to_the_simulator(tmp_path, db_path, mandant):
    import trustme

    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    cert, key, ca = tmp_path / "smsc.pem", tmp_path / "smsc.key", tmp_path / "ca.pem"
    certificate.cert_chain_pems[0].write_to_path(str(cert))
    certificate.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(ca))
    smsc = SmscProcess(tmp_path, "--tls-cert", str(cert), "--tls-key", str(key)).start()
    credits.purchase(mandant, 10, user="test")
    [message] = outbox.enqueue(mandant, [Draft("sms", "+41791234567", "Hallo")], user="test")
    try:
        config = smpp_config(tmp_path / "w.toml", smsc.port, tls=True, tls_ca_file=str(ca))
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "vitosms_tui.cli.main",
                "--db",
                str(db_path),
                "--config",
                config,
                "--state-dir",
                str(tmp_path / "state"),
                "worker",
                "--drain",
            ],
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
    finally:
        smsc.stop()
    assert run.returncode == 0, run.stderr
    assert Message.get_by_id(message.id).status == "delivered"
    assert smsc.handset_refs() == {Message.get_by_id(message.id).idempotency_key: 1}


@pytest.mark.parametrize(
    "options, said",
    [
        (["--tls-cert", "missing.pem"], "--tls-cert and --tls-key go together"),
        (["--tls-cert", "missing.pem", "--tls-key", "missing.key"], "cannot use the certificate missing.pem"),
        (["--port", "seventy"], "not a whole number"),
    ],
)
def test_bad_simulator_options_are_one_line_and_exit_2(tmp_path, options, said):
    run = vitosms(tmp_path, "smsc", *options)
    assert run.returncode == 2
    assert said in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "options, code",
    [
        (["--from", "+41441234567", "--text", "JA"], 1),  # a landline sends no SMS
        (["--from", "+41791234567", "--text", "x" * 161], 2),  # more than one SMS
        (["--from", "+41791234567", "--text", "  "], 2),
    ],
)
def test_a_reply_that_is_not_one_sms_from_a_mobile_is_refused(tmp_path, options, code):
    run = vitosms(tmp_path, "smsc", "reply", *options)
    assert run.returncode == code, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert not (tmp_path / "smsc-state" / "sms-handset-replies.jsonl").exists()
