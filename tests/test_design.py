"""docs/design.md stays true: its table of modules names every module of the package, and
each module imports only what its row says it may (read from the source with `ast`)."""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "lrmkb"
ROW = re.compile(r"^\| (?P<modules>`[^|]+) \| (?P<job>[^|]+) \| (?P<imports>[^|]+) \|$", re.M)
THIRD_PARTY_ONLY_IN_CLI = ("rich", "typer")


def table() -> list[tuple[list[str], set[str]]]:
    """The rows of the module table: the path patterns of a row (`store.py`, `importers/`,
    `cli/*.py`) and the modules it may import (`everything above` for the CLI)."""
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    rows = []
    for match in ROW.finditer(text):
        patterns = re.findall(r"`([^`]+)`", match["modules"])
        allowed = {a.strip().split(" ")[0] for a in match["imports"].split(",")}
        if "everything" in match["imports"]:
            allowed.add("*")
        rows.append((patterns, allowed - {"—"}))
    return rows


def module_path(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def matches(pattern: str, path: str) -> bool:
    if pattern.endswith("/"):
        return path.startswith(pattern)
    return fnmatch.fnmatchcase(path, pattern)


def row_of(path: str, rows: list[tuple[list[str], set[str]]]) -> tuple[list[str], set[str]]:
    """The row naming `path` itself, else the row of its folder or a pattern."""
    exact = [row for row in rows if path in row[0]]
    return (
        exact or [row for row in rows if any(matches(p, path) for p in row[0])] or [([], set())]
    )[0]


def imports_of(path: Path) -> set[str]:
    """Dotted names of what a module imports, package modules relative to `lrmkb`
    (`store`, `importers.bibtex`, `cli.output`), other packages by their top name."""
    package = path.relative_to(PACKAGE).parent.parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - (node.level - 1)])
            if node.module:
                found.add(".".join([*base, *node.module.split(".")]))
            else:
                found |= {".".join([*base, alias.name]) for alias in node.names}
    return found


def internal(name: str) -> bool:
    top = name.split(".")[0]
    return (PACKAGE / f"{top}.py").exists() or (PACKAGE / top).is_dir()


def allowed(name: str, own: list[str], may: set[str]) -> bool:
    """Whether the module `name` may be imported by a module of the row `own`."""
    if "*" in may:
        return True
    path = name.replace(".", "/")
    if any(matches(p, path + ".py") or matches(p, path + "/") for p in own):
        return True  # a module of the same row (importers/ among themselves)
    return name in may or name.split(".")[0] in may or f"{name.split('.')[0]}/" in may


def test_every_module_has_a_row() -> None:
    rows = table()
    assert len(rows) >= 20
    missing = [
        module_path(p)
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.name != "__init__.py" and row_of(module_path(p), rows)[0] == []
    ]
    assert missing == [], "add these modules to docs/design.md's table"


def test_modules_import_only_what_their_row_allows() -> None:
    rows = table()
    undeclared = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        own, may = row_of(module_path(path), rows)
        for name in sorted(imports_of(path)):
            if internal(name) and not allowed(name, own, may):
                undeclared.append(f"{module_path(path)} imports {name}")
    assert undeclared == [], "declare these imports in docs/design.md (or remove them)"


def test_nothing_outside_the_cli_imports_the_cli_or_rich() -> None:
    """The library is usable from Python without the CLI's dependencies."""
    offenders = [
        f"{module_path(path)} imports {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not module_path(path).startswith("cli/") and path.name != "__main__.py"
        for name in imports_of(path)
        if name.split(".")[0] in ("cli", *THIRD_PARTY_ONLY_IN_CLI)
    ]
    assert offenders == []


def test_the_design_page_stays_one_page() -> None:
    assert len((ROOT / "docs" / "design.md").read_text(encoding="utf-8").splitlines()) <= 130


def test_every_test_the_guarantees_name_exists() -> None:
    """docs/guarantees.md names, for each promise, the tests that check it: each must be
    a test function in that file, so that the page never points at a test that is gone."""
    text = (ROOT / "docs" / "guarantees.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", text)
    assert len(named) >= 30, named
    missing = []
    for path, name in sorted(set(named)):
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        tests = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        if name not in tests:
            missing.append(f"{path}::{name}")
    assert missing == []
