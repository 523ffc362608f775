"""Every test checks something: a test that only runs code passes whatever the code does.

A test counts as checking when it holds an ``assert``, ``pytest.raises``/``warns``/``fail``
or a snapshot comparison, or when it calls a helper of the tests that asserts and says so
by its name (``check_…``, ``expect_…``, ``assert_…``, ``wait_for…``, ``wait_until…``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SKIPPED_FOLDERS = {"bench", "__snapshots__"}
CHECKS = {"raises", "warns", "fail", "deprecated_call", "snap_compare"}
HELPER_NAME = re.compile(r"^(check_|expect_|assert_|wait_for|wait_until)")
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def names_called(node: ast.AST) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            function = call.func
            names.add(function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", ""))
    return names


def checks_by_itself(node: ast.AST, raising_counts: bool) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Assert) or (raising_counts and isinstance(inner, ast.Raise)):
            return True
    return bool(names_called(node) & CHECKS)


def helpers(trees: list[ast.Module]) -> dict[str, list[ast.AST]]:
    """The functions of the test modules and helper modules that are no test: top level and in classes."""
    found: dict[str, list[ast.AST]] = {}
    for tree in trees:
        for node in tree.body:
            members = node.body if isinstance(node, ast.ClassDef) else [node]
            for member in members:
                if isinstance(member, FUNCTIONS) and not member.name.startswith("test_"):
                    found.setdefault(member.name, []).append(member)
    return found


def asserting_helpers(found: dict[str, list[ast.AST]]) -> set[str]:
    """Helpers named as checks that assert or raise, themselves or through another such helper."""
    named = {name: nodes for name, nodes in found.items() if HELPER_NAME.match(name)}
    asserting = {name for name, nodes in named.items() if any(checks_by_itself(n, raising_counts=True) for n in nodes)}
    while True:
        more = {name for name, nodes in named.items() if any(names_called(n) & asserting for n in nodes)} - asserting
        if not more:
            return asserting
        asserting |= more


def the_tests_files() -> dict[Path, ast.Module]:
    return {
        path: ast.parse(path.read_text(), str(path))
        for path in sorted(TESTS.rglob("*.py"))
        if not SKIPPED_FOLDERS & set(path.relative_to(TESTS).parts)
    }


def test_every_test_asserts_or_calls_a_helper_that_does():
    trees = the_tests_files()
    asserting = asserting_helpers(helpers(list(trees.values())))
    unchecked = []
    for path, tree in trees.items():
        if not path.name.startswith("test_"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, FUNCTIONS) and node.name.startswith("test_"):
                if not checks_by_itself(node, raising_counts=False) and not names_called(node) & asserting:
                    unchecked.append(f"{path.relative_to(TESTS.parent)}:{node.lineno} {node.name}")
    assert unchecked == [], "tests that check nothing:\n" + "\n".join(unchecked)


def test_the_scan_tells_a_checking_test_from_one_that_only_runs_code():
    tree = ast.parse(
        "def check_reply(x):\n    assert x\n"
        "def expect_done(x):\n    check_reply(x)\n"
        "def check_nothing(x):\n    return x\n"
        "def test_a():\n    assert 1\n"
        "def test_b():\n    expect_done(1)\n"
        "def test_c():\n    check_nothing(1)\n"
    )
    asserting = asserting_helpers(helpers([tree]))
    assert asserting == {"check_reply", "expect_done"}
    tests = {n.name: n for n in tree.body if n.name.startswith("test_")}
    assert checks_by_itself(tests["test_a"], raising_counts=False)
    assert names_called(tests["test_b"]) & asserting
    assert not checks_by_itself(tests["test_c"], raising_counts=False)
    assert not names_called(tests["test_c"]) & asserting
