"""`vitosms serve`: where it may listen, and the command each browser connection runs."""

from __future__ import annotations

import json
import shlex
import socket
import sys

import pytest

from vitosms_tui.cli import serve
from vitosms_tui.cli.main import _defaults, build_parser, main
from vitosms_tui.core.errors import UsageError


def parsed(*argv):
    return _defaults(build_parser().parse_args(list(argv)))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_loopback_addresses_are_loopback(host):
    assert serve.is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "praxis.example", "localhost.example"])
def test_other_addresses_are_not(host):
    assert not serve.is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "praxis.example"])
def test_serve_refuses_a_remote_address_with_one_line(host, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["--db", str(tmp_path / "practice.db"), "serve", "--host", host])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "--allow-remote" in err
    assert host in err
    assert "login" in err
    assert not (tmp_path / "practice.db").exists()  # refused before anything was opened


def test_allow_remote_lets_the_address_through_the_check():
    with pytest.raises(UsageError, match="--allow-remote"):
        serve.check_listen("0.0.0.0", 8000, allow_remote=False)
    assert serve.check_listen("0.0.0.0", 8000, allow_remote=True) is None  # no refusal


@pytest.mark.parametrize("port", ["0", "65536", "-1"])
def test_serve_refuses_a_port_out_of_range(port, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["serve", "--port", port]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--port" in err


@pytest.mark.parametrize("url", ["ftp://praxis.example", "praxis.example", "https://", "https://x.example/?a=1"])
def test_serve_refuses_a_public_url_browsers_could_not_use(url, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["serve", "--public-url", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--public-url" in err


def test_public_url_loses_its_trailing_slash():
    assert serve.check_public_url("https://sms.praxis.example/") == "https://sms.praxis.example"


def test_serve_refuses_a_database_it_cannot_open_before_listening(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    assert main(["--json", "--db", str(tmp_path / "folder"), "serve", "--port", "1"]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1
    assert "folder" in err
    assert json.loads(out)["error"]["code"]


def test_serve_names_a_port_already_taken_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["--db", str(tmp_path / "practice.db"), "init"]) == 0
    capsys.readouterr()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["--db", str(tmp_path / "practice.db"), "serve", "--port", str(port)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"vitosms: serve: cannot listen on 127.0.0.1 port {port}: address already in use\n"


def test_each_connection_runs_the_ui_of_this_interpreter_with_the_global_options():
    args = parsed(
        "--db",
        "my practice.db",
        "--user",
        "empfang",
        "--now",
        "2026-03-02T09:00",
        "--json",
        "serve",
        "--config",
        "praxis's.toml",
        "--state-dir",
        "state",
        "--port",
        "8123",
    )
    argv = shlex.split(serve.ui_command(args))
    assert argv == [
        "exec",
        sys.executable,
        "-P",
        "-m",
        "vitosms_tui.cli.main",
        "--db",
        "my practice.db",
        "--config",
        "praxis's.toml",
        "--state-dir",
        "state",
        "--user",
        "empfang",
        "--now",
        "2026-03-02T09:00",
        "ui",
    ]


def test_without_global_options_the_connection_runs_the_plain_ui():
    argv = shlex.split(serve.ui_command(parsed("serve")))
    assert argv == ["exec", sys.executable, "-P", "-m", "vitosms_tui.cli.main", "ui"]


@pytest.mark.parametrize(
    "url, origin",
    [
        ("https://SMS.praxis.example/", "https://sms.praxis.example"),
        ("https://sms.praxis.example:443/desk", "https://sms.praxis.example"),
        ("http://sms.praxis.example:8080", "http://sms.praxis.example:8080"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_origin_is_written_as_browsers_send_it(url, origin):
    assert serve.origin_of(url) == origin


def test_sessions_open_from_the_public_address_and_on_loopback_from_local_names():
    behind_proxy = serve.allowed_origins("https://sms.praxis.example", "127.0.0.1", 8000)
    assert "https://sms.praxis.example" in behind_proxy
    assert "http://localhost:8000" in behind_proxy
    for foreign in ("https://evil.example", "http://localhost:8001", "null", "http://127.0.0.1"):
        assert serve.origin_of(foreign) not in behind_proxy
    remote = serve.allowed_origins("http://192.168.1.20:8000", "192.168.1.20", 8000)
    assert remote == {"http://192.168.1.20:8000"}
