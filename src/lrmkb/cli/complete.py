"""Shell completion of the values lrmkb knows: citation keys (and aliases), section codes,
tags, and the fixed choices of `--format`, `--type`, `--sort` and `--source`.

Install it with `lrmkb --install-completion` (bash, zsh, fish, PowerShell). A completer
runs on every Tab: it reads the database read-only with plain SQL, never creates the
user's copy, and answers nothing rather than fail."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import typer

MAX_CHOICES = 200


def _database(ctx: typer.Context) -> Path | None:
    """The database the command line names (`--db`, `LRMKB_DB`), or the default user copy
    — or, before that copy exists, the bundled survey it will be made from."""
    from ..store import bundled_db_path, resolve_db_path

    path, is_default = resolve_db_path(ctx.find_root().params.get("db"))
    if is_default and not path.exists():
        path = bundled_db_path()
    return path if path.is_file() else None


def _values(ctx: typer.Context, sql: str, incomplete: str) -> list[str]:
    path = _database(ctx)
    if path is None:
        return []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.5)
        try:
            rows = db.execute(sql, (_like_prefix(incomplete),)).fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return []
    return [r[0] for r in rows][:MAX_CHOICES]


def _like_prefix(text: str) -> str:
    """A LIKE pattern for "starts with `text`": its `%`, `_` and `\\` match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def keys(ctx: typer.Context, incomplete: str) -> list[str]:
    """Citation keys and aliases starting with what was typed."""
    return _values(
        ctx,
        "SELECT key FROM paper WHERE key LIKE ?1 ESCAPE '\\'"
        " UNION SELECT alias FROM paper_alias WHERE alias LIKE ?1 ESCAPE '\\' ORDER BY 1",
        incomplete,
    )


def sections(ctx: typer.Context, incomplete: str) -> list[str]:
    """Section and question codes, in reading order."""
    return _values(
        ctx, "SELECT code FROM taxonomy_node WHERE code LIKE ?1 ESCAPE '\\' ORDER BY id", incomplete
    )


def tags(ctx: typer.Context, incomplete: str) -> list[str]:
    return _values(
        ctx,
        "SELECT DISTINCT tag FROM paper_tag WHERE tag LIKE ?1 ESCAPE '\\' ORDER BY tag",
        incomplete.lower(),
    )


def choices(*names: str) -> Callable[[str], list[str]]:
    """A completer for a fixed set of values."""

    def complete(incomplete: str) -> list[str]:
        return [n for n in names if n.startswith(incomplete)]

    return complete


def formats(incomplete: str) -> list[str]:
    """The export formats (`lrmkb export --format`)."""
    from ..exporters import FORMATS

    return choices(*FORMATS)(incomplete)
