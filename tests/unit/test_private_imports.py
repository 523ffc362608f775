"""The package keeps to the frameworks' public names; their private parts are used in ui/compat.py only.

Read from the sources: no import from a private module of Textual, textual-serve,
peewee, aiosmpplib, aiosmtpd, aiosmtplib, aiohttp or Rich, no ``obj._name`` of someone else's object, and no
assignment into a framework's module or class. Then at run time: no class of the
package that subclasses a framework's class uses a private name of that class.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import vitosms_tui

PACKAGE = Path(vitosms_tui.__file__).parent
COMPAT = PACKAGE / "ui" / "compat.py"
FRAMEWORKS = frozenset(
    {"textual", "textual_serve", "peewee", "playhouse", "aiosmpplib", "aiosmtpd", "aiosmtplib", "rich", "aiohttp"}
)
# underscored but public: peewee's model options (its documented Model._meta) and a named tuple's methods
PUBLIC_UNDERSCORED = frozenset({"_meta", "_replace", "_make", "_asdict", "_fields", "_field_defaults"})
OWN_OBJECTS = frozenset({"self", "cls"})


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _framework_module(dotted: str | None) -> bool:
    return bool(dotted) and dotted.split(".")[0] in FRAMEWORKS


def private_uses(source: str) -> list[str]:
    """The uses of private parts in a module's source, one line each ("3: from textual.widgets._footer …")."""
    tree = ast.parse(source)
    framework_names: set[str] = set()  # what the module imported from a framework (modules, classes)
    found = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _framework_module(alias.name):
                    framework_names.add(alias.asname or alias.name.split(".")[0])
                    if any(is_private(part) for part in alias.name.split(".")):
                        report(node, f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _framework_module(node.module):
            module = node.module or ""
            for alias in node.names:
                framework_names.add(alias.asname or alias.name)
                if any(is_private(part) for part in module.split(".")) or is_private(alias.name):
                    report(node, f"from {module} import {alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr) and node.attr not in PUBLIC_UNDERSCORED:
            if not (isinstance(node.value, ast.Name) and node.value.id in OWN_OBJECTS):
                report(node, f"{ast.unparse(node)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "setattr"):
            owner, name = (node.args + [None, None])[:2]
            own = isinstance(owner, ast.Name) and owner.id in OWN_OBJECTS
            if not own and isinstance(name, ast.Constant) and isinstance(name.value, str) and is_private(name.value):
                report(node, ast.unparse(node))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if (
                        isinstance(part, ast.Attribute)
                        and isinstance(part.value, ast.Name)
                        and part.value.id in framework_names
                    ):
                        report(node, f"assigns {ast.unparse(part)}")
    return sorted(set(found), key=lambda line: (int(line.split(":")[0]), line))


def package_sources() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if path != COMPAT)


def test_the_checker_finds_what_it_looks_for():
    planted = """
import peewee
import textual._compositor
from textual.widgets._footer import FooterKey
from textual.widgets import _footer
from textual_serve import server as textual_server
from aiosmpplib._codec import decode
screen._css_update_count = app._css_update_count
textual_server.AppService = Desk
peewee.psycopg = None
value = getattr(widget, "_bindings_ready")
self.app._css_update_count
"""
    assert private_uses(planted) == [
        "3: import textual._compositor",
        "4: from textual.widgets._footer import FooterKey",
        "5: from textual.widgets import _footer",
        "7: from aiosmpplib._codec import decode",
        "8: app._css_update_count",
        "8: screen._css_update_count",
        "9: assigns textual_server.AppService",
        "10: assigns peewee.psycopg",
        "11: getattr(widget, '_bindings_ready')",
        "12: self.app._css_update_count",
    ]


def test_the_checker_lets_public_names_and_own_private_ones_through():
    fine = """
import peewee
from textual.widgets import Footer
from .compat import FooterKey
table = Model._meta.table_name
moved = row._replace(status="sent")
self._own = 1
cls._cache = {}
name = value.__class__.__name__
widget = Footer()
widget.styles.height = 1
"""
    assert private_uses(fine) == []


def test_the_package_uses_no_private_part_of_a_framework_outside_the_compat_module():
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in package_sources()
        for line in private_uses(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "use a public name, or put the patch into vitosms_tui/ui/compat.py:\n" + "\n".join(found)


def _framework_private_names(cls: type, cache: dict[type, set[str]]) -> set[str]:
    """The private names a framework's class defines or sets on its instances."""
    if cls not in cache:
        try:
            source = inspect.getsource(cls)
        except (OSError, TypeError):
            source = ""
        names = {name for name in vars(cls) if is_private(name)}
        names |= set(re.findall(r"self\.(_[A-Za-z]\w*)", source)) | set(re.findall(r"def (_[A-Za-z]\w*)", source))
        cache[cls] = {name for name in names if is_private(name)}
    return cache[cls]


def test_no_class_of_the_package_uses_a_private_name_of_the_framework_class_it_extends():
    """``self._x`` in a subclass of Footer or DataTable is the framework's private part too,
    and a private name of our own that is also the base class's would silently replace it."""
    cache: dict[type, set[str]] = {}
    found = []
    for module_info in pkgutil.walk_packages(vitosms_tui.__path__, "vitosms_tui."):
        module = importlib.import_module(module_info.name)
        path = Path(module.__file__ or "")
        if path == COMPAT:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            cls = getattr(module, node.name, None) if isinstance(node, ast.ClassDef) else None
            if not inspect.isclass(cls):
                continue
            theirs: set[str] = set()
            for base in cls.__mro__[1:]:
                if base.__module__.split(".")[0] in FRAMEWORKS:
                    theirs |= _framework_private_names(base, cache)
            ours = {
                sub.attr
                for sub in ast.walk(node)
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self"
            } | {sub.name for sub in ast.walk(node) if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef))}
            for name in sorted(ours & theirs):
                found.append(f"{module_info.name}.{node.name}: {name}")
    assert found == [], "private names of a framework's class:\n" + "\n".join(found)
