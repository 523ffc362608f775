"""Ledger periods and the CSV export for Swiss Excel."""

from __future__ import annotations

import os
import stat
from datetime import date

import pytest

from vitosms_tui.core import clock, credits, ledger_export, mandanten
from vitosms_tui.core.errors import Refused
from vitosms_tui.core.ledger_export import Period, parse_range, period


def test_named_periods_around_a_day():
    day = date(2026, 1, 15)
    assert period("this_month", day) == Period("this_month", date(2026, 1, 1), date(2026, 1, 31))
    assert period("last_month", day) == Period("last_month", date(2025, 12, 1), date(2025, 12, 31))
    assert period("this_year", day) == Period("this_year", date(2026, 1, 1), date(2026, 12, 31))
    assert period("all", day) == Period("all")
    assert period("last_month", date(2028, 3, 31)).last == date(2028, 2, 29)
    assert [ledger_export.next_period(k) for k in ("this_month", "last_month", "this_year", "all", "range")] == [
        "last_month",
        "this_year",
        "all",
        "this_month",
        "this_month",
    ]
    with pytest.raises(Refused):
        period("fortnight", day)


def test_bounds_are_zurich_midnights_in_utc():
    since, until = Period("range", date(2026, 7, 1), date(2026, 7, 31)).bounds()
    assert (since.isoformat(), until.isoformat()) == ("2026-06-30T22:00:00+00:00", "2026-07-31T22:00:00+00:00")
    assert Period("all").bounds() == (None, None)


@pytest.mark.parametrize(
    "text, first, last",
    [
        ("01.10.2026 - 15.11.2026", date(2026, 10, 1), date(2026, 11, 15)),
        ("1.10.2026-15.11.2026", date(2026, 10, 1), date(2026, 11, 15)),
        ("01.10.2026 – 15.11.2026", date(2026, 10, 1), date(2026, 11, 15)),
        ("01.10.2026 15.11.2026", date(2026, 10, 1), date(2026, 11, 15)),
        (" 03.02.2026 ", date(2026, 2, 3), date(2026, 2, 3)),
    ],
)
def test_typed_ranges(text, first, last):
    assert parse_range(text) == Period("range", first, last)


@pytest.mark.parametrize(
    "text", ["", "gestern", "31.02.2026", "15.11.2026 - 01.10.2026", "1.1.2026 - 2.1.2026 - 3.1.2026"]
)
def test_bad_ranges_are_refused(text):
    with pytest.raises(Refused) as info:
        parse_range(text)
    assert info.value.code == "invalid_date"


def test_export_is_semicolon_utf8_bom_0600_with_running_balance(mandant, tmp_path):
    clock.set_now("2030-10-20T10:00")
    credits.purchase(mandant, 5, user="Käthi", note='=HYPERLINK("x")')  # a note a spreadsheet must not run
    clock.set_now("2030-11-27T09:00")
    credits.purchase(mandant, 7, user="empfang", note="Gutschrift; Zürich")
    done = ledger_export.export_to_folder(mandant, tmp_path / "state", period("this_month"))
    assert done.rows == 1
    assert done.path.parent == (tmp_path / "state" / "exports").resolve()
    raw = done.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert stat.S_IMODE(os.stat(done.path).st_mode) == 0o600
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "time;mandant;kind;credits;balance;message;order;user;note"
    # the fixture's 100 (bought today, years earlier) and the October 5 come before the period
    assert lines[1] == '27.11.2030 09:00;HAU;purchase;7;112;;;empfang;"Gutschrift; Zürich"'

    done = ledger_export.export_to_folder(
        mandant, tmp_path / "state", period("all"), headers=list("ABCDEFGHI"), kind_names={"purchase": "Kauf"}
    )
    assert done.rows == 3
    assert stat.S_IMODE(os.stat(done.path).st_mode) == 0o600
    rows = done.path.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "A;B;C;D;E;F;G;H;I"
    assert rows[2] == '20.10.2030 10:00;HAU;Kauf;5;105;;;Käthi;"\'=HYPERLINK(""x"")"'


def test_export_refuses_an_export_folder_it_cannot_write(mandant, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "exports").write_text("a file where the folder should be")
    with pytest.raises(Refused) as info:
        ledger_export.export_to_folder(mandant, state, period("all"))
    assert info.value.code == "invalid_path"
    assert (state / "exports").read_text() == "a file where the folder should be"


def test_state_folder_and_generated_names(mandant, tmp_path, monkeypatch):
    monkeypatch.delenv("VITOSMS_STATE_DIR", raising=False)
    state = ledger_export.state_dir_for(str(tmp_path / "practice.db"))
    assert state == tmp_path / "vitosms-state"
    monkeypatch.setenv("VITOSMS_STATE_DIR", str(tmp_path / "elsewhere"))
    assert ledger_export.state_dir_for(str(tmp_path / "practice.db")) == tmp_path / "elsewhere"
    at = clock.parse_instant("2026-11-27T09:00:05")
    assert ledger_export.export_name(mandant, Period("range", date(2026, 11, 1), date(2026, 11, 30)), at) == (
        "ledger-HAU-2026-11-01_2026-11-30-20261127-090005.csv"
    )
    assert ledger_export.export_name(mandant, Period("all"), at) == "ledger-HAU-all-20261127-090005.csv"


def test_export_to_folder_never_replaces_and_never_leaves_it(mandant, tmp_path, monkeypatch):
    clock.set_now("2030-11-27T09:00")
    name = ledger_export.export_name(mandant, period("all"))
    folder = tmp_path / "state" / "exports"
    folder.mkdir(parents=True)
    # a file (or a symlink to the database) already under the generated name is left alone
    (folder / name).write_text("earlier")
    elsewhere = tmp_path / "practice.db"
    elsewhere.write_text("database")
    taken = ledger_export.export_name(mandant, period("all")).replace(".csv", "-2.csv")
    (folder / taken).symlink_to(elsewhere)
    done = ledger_export.export_to_folder(mandant, tmp_path / "state", period("all"))
    assert done.path.parent == folder.resolve()
    assert done.path.name not in (name, taken)
    assert (folder / name).read_text() == "earlier"
    assert elsewhere.read_text() == "database"
    assert done.rows == 1
    assert stat.S_IMODE(os.stat(done.path).st_mode) == 0o600


def test_export_folder_that_is_a_symlink_is_refused(mandant, tmp_path):
    ssh = tmp_path / "home" / ".ssh"
    ssh.mkdir(parents=True)
    state = tmp_path / "state"
    state.mkdir()
    (state / "exports").symlink_to(ssh)
    with pytest.raises(Refused) as info:
        ledger_export.export_to_folder(mandant, state, period("all"))
    assert info.value.code == "invalid_path"
    assert list(ssh.iterdir()) == []


def test_lines_and_orders_for_the_view(mandant):
    clock.set_now("2030-11-27T09:00")
    mandanten.add_staff("leitung", "Praxisleitung", "frontdesk", user="test", may_order=True)
    placed = credits.order(mandant, 2, "leitung")
    lines = ledger_export.ledger_lines(mandant, period("this_month"))
    assert [(line.kind, line.delta, line.order_id) for line in lines] == [("purchase", 2000, placed.id)]
    assert ledger_export.count_entries(mandant, period("all")) == 2
    (order,) = ledger_export.order_lines(mandant)
    assert (order.package, order.credits, order.price_rappen, order.customer_number) == (
        "Praxis",
        2000,
        18000,
        placed.customer_number,
    )
