import json
import os

import pytest

from vitosms_tui.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli(tmp_path, capsys):
    db = str(tmp_path / "cli.db")

    def call(*argv):
        return run(capsys, "--db", db, "--now", "2026-11-27T09:00", *argv)

    assert call("init")[0] == 0  # every command but init, seed and demo wants the database made
    return call


def test_init_twice_is_fine(cli):
    code, out, _ = cli("init", "--json")
    assert code == 0
    assert json.loads(out)["schema_version"] >= 1
    code, out, _ = cli("init", "--json")
    assert code == 0
    assert json.loads(out)["added_columns"] == []


def test_mandant_and_person_round_trip(cli):
    assert cli("mandant", "add", "--code", "HAU", "--name", "Dr. Hauser", "--sender", "DrHauser")[0] == 0
    code, out, _ = cli("mandant", "list", "--json")
    [m] = json.loads(out)
    assert m["code"] == "HAU"
    assert m["balance"] == 0
    assert isinstance(m["id"], int)
    assert m["quiet_hours"] == "20:00-08:00"
    assert m["lead_hours"] == 24
    assert not m["auto_reminders"]
    code, out, _ = cli(
        "person",
        "add",
        "--first",
        "Anna",
        "--last",
        "Müller",
        "--mobile",
        "079 123 45 67",
        "--mandant",
        "HAU",
        "--birthday-greetings",
        "--no-recalls",
        "--json",
    )
    person = json.loads(out)
    assert code == 0
    assert person["mobile"] == "+41791234567"
    assert person["mandant"] == "HAU"
    assert person["consents"]["birthday"]["given"]
    assert not person["consents"]["recall"]["given"]
    assert person["consents"]["reminder"]["source"] == "cli"
    code, out, _ = cli("person", "list", "--search", "mül", "--json")
    assert [p["id"] for p in json.loads(out)] == [person["id"]]


@pytest.mark.parametrize(
    "argv,code,needle",
    [
        (["person", "add", "--first", "A", "--last", "B", "--mobile", "044 123 45 67"], 1, "not a mobile"),
        (["person", "add", "--first", "A", "--last", "B", "--email", "nope"], 1, "e-mail"),
        (["person", "add", "--first", "A", "--last", "B", "--mandant", "XX"], 1, "Mandant"),
        (["person", "add", "--first", "A"], 2, "--last"),
        (["mandant", "add", "--code", "A", "--name", "N", "--sender", "twelve chars"], 1, "sender"),
        (["mandant", "set", "NOPE", "--lead-hours", "3"], 1, "NOPE"),
        (["staff", "add", "--login", "x", "--name", "X", "--role", "boss"], 2, "role"),
        (["no-such-command"], 2, "invalid choice"),
        (["seed", "--persons", "many"], 2, "whole number"),
    ],
)
def test_refusals_and_usage_errors_are_one_line(cli, argv, code, needle):
    got, out, err = cli(*argv, "--json")
    assert got == code
    assert err.count("\n") == 1
    assert needle in err
    assert json.loads(out)["error"]["message"]


def test_mandant_set_changes_service_settings(cli):
    cli("mandant", "add", "--code", "HAU", "--name", "Dr. Hauser")
    code, out, _ = cli(
        "mandant",
        "set",
        "HAU",
        "--auto-reminders",
        "on",
        "--lead-hours",
        "48",
        "--quiet",
        "21:00-07:30",
        "--birthday-time",
        "10:15",
        "--low-balance",
        "20",
        "--json",
    )
    m = json.loads(out)
    assert code == 0
    assert m["auto_reminders"]
    assert m["lead_hours"] == 48
    assert m["quiet_hours"] == "21:00-07:30"
    assert m["birthday_time"] == "10:15"
    assert m["low_balance"] == 20
    assert cli("mandant", "set", "HAU", "--quiet", "25:00-07:00")[0] == 1


def test_bad_config_is_a_usage_error(cli, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[smtp\nhost=")
    code, _, err = cli("--config", str(config), "mandant", "list")
    assert code == 2
    assert "not valid TOML" in err


def test_config_with_password_readable_by_others_warns(cli, tmp_path):
    config = tmp_path / "open.toml"
    config.write_text('[smtp]\nhost = "127.0.0.1"\npassword = "secret"\n')
    os.chmod(config, 0o644)
    code, _, err = cli("--config", str(config), "mandant", "list")
    assert code == 0
    assert "readable by others" in err


def test_import_persons_report(cli, tmp_path):
    cli("init")
    csv = tmp_path / "p.csv"
    csv.write_text("Vorname;Name;Natel\nAnna;Muster;079 123 45 67\nBeat;Bad;044 111 22 33\n", encoding="utf-8")
    code, out, _ = cli("import-persons", str(csv), "--json")
    report = json.loads(out)
    assert code == 0
    assert report["imported"] == 1
    assert report["rejected"][0]["line"] == 3
    assert cli("import-persons", str(tmp_path / "missing.csv"))[0] == 2


def test_seed_builds_a_deterministic_practice(tmp_path, capsys):
    def seeded(name):
        db = str(tmp_path / name)
        code, out, _ = run(capsys, "--db", db, "--now", "2026-11-27T09:00", "seed", "--json")
        assert code == 0
        code, listing, _ = run(capsys, "--db", db, "person", "list", "--limit", "1000", "--json")
        return json.loads(out), json.loads(listing)

    summary, people = seeded("a.db")
    assert summary["mandanten"] == 3
    assert summary["persons"] == 300
    assert summary["appointments"] > 500
    assert {p["language"] for p in people} >= {"de", "fr", "it"}
    assert any(p["deceased"] for p in people)
    assert any(p["mobile"] is None for p in people)
    assert any(p["email"] is None for p in people)
    assert any(p["consents"]["birthday"]["given"] for p in people)
    _, again = seeded("b.db")
    strip = lambda ps: [{k: v for k, v in p.items() if k != "consents"} for p in ps]  # noqa: E731
    assert strip(again) == strip(people)
    code, out, _ = run(capsys, "--db", str(tmp_path / "a.db"), "mandant", "list", "--json")
    assert all(m["balance"] == 500 for m in json.loads(out))
    assert run(capsys, "--db", str(tmp_path / "a.db"), "seed")[0] == 1  # not twice
