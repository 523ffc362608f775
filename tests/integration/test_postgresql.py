"""What only PostgreSQL has: a server to reach, schemas made by `vitosms init`, row locks."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import psycopg
import pytest

from tests import postgres
from vitosms_tui.core import credits, mandanten, outbox, sending
from vitosms_tui.core.db import open_database, postgresql_parameters, redact
from vitosms_tui.core.drafts import Draft
from vitosms_tui.core.errors import UsageError
from vitosms_tui.core.models import Message


def vitosms(db: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "vitosms_tui.cli.main", "--db", db, *args], capture_output=True, text=True, timeout=120
    )


def test_init_creates_the_schema_in_an_empty_database_and_a_second_init_changes_nothing():
    server = postgres.server()
    url = postgres.with_database(server.url, server.new_database(empty=True))
    first = vitosms(url, "--json", "init")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["from_version"] == 0
    again = vitosms(url, "--json", "init")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["from_version"] == json.loads(again.stdout)["schema_version"]
    assert json.loads(again.stdout)["added_columns"] == []
    seeded = vitosms(url, "--json", "seed", "--persons", "20")
    assert seeded.returncode == 0, seeded.stderr


def test_a_server_that_does_not_answer_is_one_line_without_the_password():
    url = "postgresql://desk:geheim@127.0.0.1:9/praxis?connect_timeout=2"
    run = vitosms(url, "init")
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1
    assert "Traceback" not in run.stderr
    assert "cannot connect to PostgreSQL" in run.stderr
    assert "geheim" not in run.stderr
    assert "desk:***@" in run.stderr


@pytest.mark.parametrize("url", ["postgresql://host/", "postgresql://host:99999/praxis", "postgresql://host/a/b"])
def test_a_url_without_a_database_or_with_a_bad_port_is_refused(url):
    with pytest.raises(UsageError):
        open_database(url)


def test_url_parameters_reach_the_driver_and_the_password_is_never_shown():
    params = postgresql_parameters("postgresql://praxis%40see:p%2Fw@db.local:5433/vitosms?sslmode=require")
    assert params == {
        "dbname": "vitosms",
        "user": "praxis@see",
        "password": "p/w",
        "host": "db.local",
        "port": 5433,
        "sslmode": "require",
    }
    assert redact("postgresql://a:secret@h/db") == "postgresql://a:***@h/db"


def test_a_worker_claims_past_a_message_another_transaction_holds_instead_of_waiting(pg_url):
    """FOR UPDATE SKIP LOCKED: a row locked elsewhere is skipped, the others are claimed."""
    open_database(pg_url)
    mandant = mandanten.add_mandant("HAU", "Dr. Hauser", "DrHauser", user="test")
    credits.purchase(mandant, 50, user="test")
    queued = outbox.enqueue(mandant, [Draft("sms", f"+4179123450{i}", "Termin") for i in range(3)], user="desk")
    held = queued[0].id
    holder = psycopg.connect(**postgresql_parameters(pg_url))
    holder.execute("SELECT id FROM message WHERE id = %s FOR UPDATE", (held,))
    try:
        result: list = []
        # in a thread, so that a claim that waited for the lock would show as a hang, not a pass
        claim = threading.Thread(target=lambda: result.extend(sending.claim("w1", 10, 60)))
        claim.start()
        claim.join(20)
        assert not claim.is_alive(), "the claim waited for the locked row"
        assert sorted(m.id for m in result) == sorted(m.id for m in queued[1:])
    finally:
        holder.rollback()
        holder.close()
    assert [m.id for m in sending.claim("w2", 10, 60)] == [held]
    assert Message.select().where(Message.status == "sending").count() == 3


def test_init_brings_a_database_of_version_1_up_to_date_and_keeps_its_data(pg_url):
    from vitosms_tui.core import persons

    open_database(pg_url)
    mandanten.add_mandant("HAU", "Dr. Hauser", "DrHauser", user="test")
    persons.add_person(persons.PersonInput(first_name="Anna", last_name="Müller", mandant="HAU"), user="test")
    with psycopg.connect(**postgresql_parameters(pg_url)) as raw:  # as version 1 left it
        raw.execute("DROP INDEX person_search_name")
        raw.execute("ALTER TABLE person DROP COLUMN search_name")
        raw.execute("ALTER TABLE mandant DROP COLUMN channel_order")
        raw.execute("UPDATE setting SET value = '1' WHERE key = 'schema_version'")
    from vitosms_tui.core.db import database

    database.obj.close_all()  # the pool's connections knew the old columns
    run = vitosms(pg_url, "--json", "init")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["from_version"] == 1
    assert {"person.search_name", "mandant.channel_order"} <= set(result["added_columns"])
    listed = vitosms(pg_url, "--json", "person", "list", "--search", "müller")
    assert listed.returncode == 0, listed.stderr
    assert "Müller" in listed.stdout
