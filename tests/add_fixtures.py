"""Helpers for the `add` and `import` tests: read what the database holds, the way a
user would check that something landed — or that nothing did."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

TABLES = ("paper", "paper_node", "paper_tag", "taxonomy_node", "finding", "finding_paper")


def snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the knowledge base's tables: equal snapshots mean nothing was written."""
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}


def paper(db: Path, key: str) -> dict[str, Any] | None:
    """One paper row as a dict (authors and categories decoded), or None."""
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM paper WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    data = dict(row)
    data["authors"] = json.loads(data["authors"])
    data["categories"] = json.loads(data["categories"]) if data["categories"] else None
    return data


def paper_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM paper").fetchone()[0]


def sections_of(db: Path, key: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            """SELECT n.code FROM paper_node pn JOIN taxonomy_node n ON n.id = pn.node_id
               JOIN paper p ON p.id = pn.paper_id WHERE p.key = ? ORDER BY n.code""",
            (key,),
        )
        return [r[0] for r in rows]


def tags_of(db: Path, key: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT t.tag FROM paper_tag t JOIN paper p ON p.id = t.paper_id"
            " WHERE p.key = ? ORDER BY t.tag",
            (key,),
        )
        return [r[0] for r in rows]


OUTCOME_COLUMNS = ("action", "key", "source", "title", "sections", "detail")


def outcomes(result: Any) -> list[dict[str, str]]:
    """The rows `add` and `import` print on a pipe (docs/output.md), keyed by column."""
    return [
        dict(zip(OUTCOME_COLUMNS, line.split("\t"), strict=True))
        for line in result.stdout.splitlines()
    ]
