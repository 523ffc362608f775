"""`send`, `messages` and `credits …` as CONTRACT.md writes them: JSON shapes and exit codes."""

import json

import pytest

from vitosms_tui.cli.main import main

NOW = "2026-11-27T09:00"


@pytest.fixture
def cli(tmp_path, capsys):
    db = str(tmp_path / "cli.db")

    def call(*argv, user="desk"):
        code = main(["--db", db, "--now", NOW, "--user", user, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    call.db = db
    assert call("init")[0] == 0  # every command but init, seed and demo wants the database made
    return call


@pytest.fixture
def practice(cli):
    """Mandant HAU with 500 credits, Mandant ZZ with none, a person and a service-desk login."""
    assert cli("mandant", "add", "--code", "HAU", "--name", "Dr. Hauser", "--sender", "DrHauser")[0] == 0
    assert cli("mandant", "add", "--code", "ZZ", "--name", "Dr. Zett")[0] == 0
    assert cli("staff", "add", "--login", "sd", "--name", "Service", "--role", "servicedesk")[0] == 0
    assert cli("credits", "order", "--mandant", "HAU", "--package", "1", user="sd")[0] == 0
    code, out, _ = cli(
        "person",
        "add",
        "--first",
        "Anna",
        "--last",
        "Muster",
        "--salutation",
        "Frau",
        "--mobile",
        "079 123 45 67",
        "--email",
        "anna@example.ch",
        "--json",
    )
    return json.loads(out)["id"]


def doc(result):
    code, out, err = result
    return code, json.loads(out)


def test_send_dry_run_shape(cli, practice):
    code, data = doc(
        cli(
            "send",
            "--mandant",
            "HAU",
            "--to",
            "079 123 45 67",
            "--to",
            "x@example.ch",
            "--text",
            "Grüezi 😀",
            "--dry-run",
            "--json",
        )
    )
    assert code == 0
    assert data == {
        "messages": [
            {
                "id": None,
                "channel": "sms",
                "recipient": "+41791234567",
                "encoding": "ucs2",
                "segments": 1,
                "credits": 1,
                "non_gsm": ["😀"],
                "status": "preview",
            },
            {
                "id": None,
                "channel": "email",
                "recipient": "x@example.ch",
                "encoding": None,
                "segments": None,
                "credits": 1,
                "non_gsm": [],
                "status": "preview",
            },
        ],
        "total_credits": 2,
        "balance_after": 498,
    }
    assert doc(cli("messages", "--json"))[1] == []


def test_send_queues_and_messages_lists(cli, practice):
    code, data = doc(
        cli(
            "send",
            "--mandant",
            "HAU",
            "--person",
            str(practice),
            "--to",
            "0791112233",
            "--text",
            "Hallo {first_name}",
            "--json",
        )
    )
    assert code == 0
    assert set(data) == {"messages", "total_credits", "balance_after"}
    assert [m["status"] for m in data["messages"]] == ["queued", "queued"]
    assert all(isinstance(m["id"], int) for m in data["messages"])
    assert data["total_credits"] == 2
    assert data["balance_after"] == 498
    code, listed = doc(cli("messages", "--mandant", "HAU", "--json"))
    assert code == 0
    assert len(listed) == 2
    for item in listed:
        assert {
            "id",
            "mandant",
            "channel",
            "recipient",
            "purpose",
            "status",
            "credits",
            "scheduled_at",
            "sent_at",
            "delivered_at",
            "attempts",
            "error",
            "appointment_id",
        } <= set(item)
        assert item["mandant"] == "HAU"
        assert item["purpose"] == "free"
        assert "text" not in item
    code, mine = doc(cli("messages", "--person", str(practice), "--status", "queued", "--json"))
    assert [m["recipient"] for m in mine] == ["+41791234567"]
    code, balances = doc(cli("credits", "--json"))
    assert balances == [
        {"id": balances[0]["id"], "mandant": "HAU", "balance": 498},
        {"id": balances[1]["id"], "mandant": "ZZ", "balance": 0},
    ]


def test_person_channel_and_placeholders(cli, practice):
    code, data = doc(
        cli(
            "send",
            "--mandant",
            "HAU",
            "--person",
            str(practice),
            "--channel",
            "email",
            "--text",
            "Guten Tag {last_name}",
            "--json",
        )
    )
    assert code == 0
    assert data["messages"][0]["recipient"] == "anna@example.ch"
    from vitosms_tui.core.models import Message

    message = Message.get_by_id(data["messages"][0]["id"])
    assert message.body == "Guten Tag Muster"
    assert message.subject


def test_send_later_and_human_output(cli, practice):
    code, out, _ = cli("send", "--mandant", "HAU", "--to", "0791234567", "--text", "Morgen", "--at", "2026-11-28T08:00")
    assert code == 0
    assert "queued" in out
    assert "total 1 credits" in out
    code, [item] = doc(cli("messages", "--json"))
    assert item["scheduled_at"] == "2026-11-28T08:00:00+01:00"


@pytest.mark.parametrize(
    "argv,exit_code,needle",
    [
        (["--to", "044 123 45 67"], 1, "not a mobile"),
        (["--to", "anna@"], 1, "e-mail"),
        (["--to", "079"], 1, "phone number"),
        (["--to", "0791234567", "--at", "2026-11-27T08:00"], 1, "past"),
        (["--to", "0791234567", "--at", "tomorrow"], 2, "ISO-8601"),
        (["--person", "4711"], 1, "no person"),
        (["--person", "x"], 2, "whole number"),
        (["--to", "0791234567", "--channel", "fax"], 2, "channel"),
        ([], 2, "recipient"),
    ],
)
def test_send_refusals_write_nothing(cli, practice, argv, exit_code, needle):
    code, out, err = cli("send", "--mandant", "HAU", "--text", "Hallo", *argv, "--json")
    assert code == exit_code
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "error" in json.loads(out)
    assert doc(cli("messages", "--json"))[1] == []
    assert doc(cli("credits", "--mandant", "HAU", "--json"))[1][0]["balance"] == 500


def test_too_few_credits_refuses_send_and_dry_run(cli, practice):
    for extra in ([], ["--dry-run"]):
        code, out, err = cli("send", "--mandant", "ZZ", "--to", "0791234567", "--text", "Hi", "--json", *extra)
        assert code == 1
        assert json.loads(out)["error"]["code"] == "insufficient_credits"
    assert doc(cli("messages", "--json"))[1] == []


def test_ledger_prices_order(cli, practice):
    code, prices = doc(cli("credits", "prices", "--json"))
    assert code == 0
    assert prices[0] == {"id": 1, "name": "Start", "credits": 500, "price_chf": "50.00"}
    code, order = doc(cli("credits", "order", "--mandant", "ZZ", "--package", "2", "--json", user="sd"))
    assert code == 0
    assert {k: order[k] for k in ("mandant", "package", "credits", "price_chf", "balance")} == {
        "mandant": "ZZ",
        "package": 2,
        "credits": 2000,
        "price_chf": "180.00",
        "balance": 2000,
    }
    assert isinstance(order["id"], int)
    assert order["customer_number"]
    cli("send", "--mandant", "HAU", "--to", "0791234567", "--text", "Hi")
    code, ledger = doc(cli("credits", "ledger", "--mandant", "HAU", "--json"))
    assert [(e["kind"], e["delta"]) for e in ledger] == [("spend", -1), ("purchase", 500)]
    assert set(ledger[0]) >= {"id", "mandant", "delta", "kind", "message_id", "note", "user", "at"}
    assert ledger[0]["message_id"]
    assert ledger[0]["user"] == "desk"
    assert ledger[0]["mandant"] == "HAU"
    assert cli("credits", "order", "--mandant", "HAU", "--package", "99", user="sd")[0] == 1
    assert cli("credits", "order", "--mandant", "HAU", "--package", "one", user="sd")[0] == 2


def test_transfer_is_for_the_service_desk(cli, practice):
    code, out, err = cli("credits", "transfer", "--from", "HAU", "--to", "ZZ", "--amount", "50")
    assert code == 1
    assert "service desk" in err
    assert cli("credits", "transfer", "--from", "HAU", "--to", "ZZ", "--amount", "1.5", user="sd")[0] == 2
    assert cli("credits", "transfer", "--from", "HAU", "--to", "ZZ", "--amount", "-5", user="sd")[0] == 1
    assert cli("credits", "transfer", "--from", "HAU", "--to", "ZZ", "--amount", "501", user="sd")[0] == 1
    code, moved = doc(
        cli(
            "credits",
            "transfer",
            "--from",
            "HAU",
            "--to",
            "ZZ",
            "--amount",
            "50",
            "--note",
            "Ausgleich",
            "--json",
            user="sd",
        )
    )
    assert code == 0
    assert (moved["balance_from"], moved["balance_to"]) == (450, 50)
    assert [e["kind"] for e in moved["entries"]] == ["transfer_out", "transfer_in"]


def test_migrate_legacy_splits_once(cli, practice):
    assert cli("credits", "migrate-legacy", "--balance", "101")[0] == 1  # front desk
    assert cli("credits", "migrate-legacy", "--balance", "lots", user="sd")[0] == 2
    code, shares = doc(cli("credits", "migrate-legacy", "--balance", "101", "--json", user="sd"))
    assert code == 0
    assert [(s["mandant"], s["credits"], s["balance"]) for s in shares] == [
        ("HAU", 51, 551),
        ("ZZ", 50, 50),
    ]
    assert cli("credits", "migrate-legacy", "--balance", "101", user="sd")[0] == 1
