"""The whole command line of CONTRACT.md, driven with generated arguments.

The grammar is read from the parser itself, so every command and option of
the contract takes part (a new one joins without touching this file): each
example is one command with some of its options, required ones sometimes
left out, values of the wrong type, empty, with control characters or huge,
and the global options around it. The answer must be exit code 0, 1 or 2,
never a traceback, one line on stderr for a refusal, and a refused command
must leave every table as it was (``test_bad_input.check_answer``).

Bounded: a fixed, derandomised set of examples, in this process;
``FUZZ_EXAMPLES=500`` explores afresh.
"""

from __future__ import annotations

import argparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit import test_bad_input
from tests.unit.test_bad_input import EXPLORE, FUZZ, anything, check_answer, counts, run
from vitosms_tui.cli.main import build_parser

# the practice (a database and a configuration) that test_bad_input's tests use as well
practice = test_bad_input.practice

# commands that open the interface, serve, run until stopped or write files wherever told
LEFT_OUT = {"ui", "demo", "serve", "backup", "restore"}
GLOBAL = {"db", "config", "state_dir", "user", "now", "json", "help"}
# a sensible value now and then, so that examples get past the first check
GOOD = {
    "mandant": ("HAU", "MUE"),
    "from": ("HAU",),
    "to": ("MUE", "+41791234567", "anna@example.ch"),
    "person": ("1",),
    "id": ("1",),
    "ids": ("1",),
    "appointment": ("1",),
    "text": ("Hallo",),
    "subject": ("Termin",),
    "start": ("2030-01-07T10:00",),
    "minutes": ("15",),
    "at": ("2030-01-07T10:00",),
    "due": ("2030-01-01",),
    "package": ("1",),
    "amount": ("5",),
    "balance": ("10",),
    "code": ("HAU", "ZIM"),
    "name": ("Dr. Zim",),
    "login": ("mia",),
    "first": ("Anna",),
    "last": ("Muster",),
    "birth": ("1970-01-01",),
    "mobile": ("079 123 45 67",),
    "email": ("anna@example.ch",),
    "reason": ("Kontrolle",),
    "lead_hours": ("24",),
    "quiet": ("20:00-08:00",),
    "birthday_time": ("09:00",),
}


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command words, its argparse actions) for every command of the parser."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, [a for a in parser._actions if a.dest not in GLOBAL]
        return
    for name, sub in subs[0].choices.items():
        if name not in LEFT_OUT:
            yield from commands(sub, path + (name,))


def value_of(action: argparse.Action) -> st.SearchStrategy[str]:
    good = tuple(action.choices or ()) + GOOD.get(action.dest, ())
    # half of the values sensible, so that an example gets past the first check to the next
    return st.one_of(st.sampled_from(good), anything(*good)) if good else anything()


def argv_of(path: tuple[str, ...], actions: list[argparse.Action], files: dict) -> st.SearchStrategy:
    @st.composite
    def build(draw) -> list[str]:
        argv = list(path)
        if path == ("worker",):
            argv.append("--once")  # a worker without it runs until stopped
        for action in actions:
            # required ones are given nine times in ten, the others now and then
            if not draw(st.integers(0, 9) if action.required else st.booleans()):
                continue
            if action.nargs == 0:
                argv.append(action.option_strings[0])
            elif action.option_strings:
                argv.append(f"{action.option_strings[0]}={draw(value_of(action))}")
        positional = [a for a in actions if not a.option_strings]
        if positional:
            argv.append("--")  # after "--" even "-h" is a value
            for action in positional:
                if action.dest == "file":
                    argv.append(draw(st.sampled_from(files["import"])))
                else:
                    argv.append(draw(value_of(action)))
        return argv

    return build()


def global_options(files: dict) -> st.SearchStrategy[list[str]]:
    options = {
        "--now": anything("2026-05-04T10:00"),
        "--user": anything("sd", "empfang", ""),
        "--config": st.sampled_from(files["config"]),
        "--state-dir": st.sampled_from(files["state"]),
    }

    @st.composite
    def build(draw) -> list[str]:
        # mostly none: a broken global option ends the example before its command is looked at
        chosen = {name: draw(value) for name, value in options.items() if draw(st.integers(0, 5)) == 0}
        argv = [f"{name}={value}" for name, value in chosen.items()]
        if draw(st.booleans()):
            argv.append("--json")
        return argv

    return build()


@pytest.fixture
def files(practice):
    tmp = practice["tmp"]
    (tmp / "persons.csv").write_text("Vorname;Name;Natel\nAnna;Muster;079 123 45 67\nBeat;\x1b[31m;x\n")
    (tmp / "good.toml").write_text("[delivery]\nmax_attempts = 3\n")
    (tmp / "bad.toml").write_text("[smtp]\nport = 99999\n")
    (tmp / "blocker").write_text("")
    return {
        "import": [str(tmp / "persons.csv"), str(tmp / "missing.csv"), str(tmp), "", "-"],
        "config": [str(tmp / "good.toml"), str(tmp / "bad.toml"), str(tmp / "missing.toml")],
        "state": [practice["state"], str(tmp / "blocker")],
    }


def test_any_command_of_the_contract_given_anything(practice, files):
    grammar = st.one_of([argv_of(path, actions, files) for path, actions in commands(build_parser())])

    # a database URL that cannot be read (never a path: a typo would make a file)
    database = st.sampled_from([practice["db"]] * 9 + ["postgresql://praxis:geheim@[::1/vitosms"])

    @settings(FUZZ, max_examples=EXPLORE or 250)
    @given(command=grammar, around=global_options(files), db=database)
    def check(command, around, db):
        before = counts()
        argv = ["--db", db, "--state-dir", practice["state"], *around, *command]
        code, out, err = run(argv)
        check_answer(code, out, err, before, "--json" in around)
        assert "geheim" not in err

    check()


def test_the_grammar_holds_every_command_of_the_contract():
    found = {" ".join(path) for path, _actions in commands(build_parser())}
    assert {
        "send",
        "messages",
        "credits order",
        "credits transfer",
        "staff add",
        "import-persons",
        "appointment move",
        "recall notify",
        "worker",
        "automation run",
        "seed",
        "init",
    } <= found
