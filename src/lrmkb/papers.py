"""A paper's identity in the library: `rename` (the old key stays an alias, so documents
that cite it still resolve; an inbox item accepted as the paper follows it) and `remove`
(the paper and everything attached to it; an inbox item accepted as it waits again).

Both run in one transaction (`changes.writing`), resolve keys the way every command
does (`queries.find_paper`: key, alias, arXiv id or DOI) and leave no row behind that
`lrmkb db check` would report."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .errors import BadInput

if TYPE_CHECKING:
    from .store import Database


def check_key(key: str) -> str:
    """A citation key lrmkb writes: lowercase ASCII letters, digits, `_` and `-` (the house
    style of `ids.base_key`, which every BibTeX, biber and pandoc reads)."""
    from .ids import KEY_RE

    if not KEY_RE.match(key):
        raise BadInput(
            f"invalid key {key!r}",
            "use lowercase letters a-z, digits, '_' and '-' (e.g. chen2024think)",
        )
    return key


def rename(db: Database, ref: str, new_key: str, *, dry_run: bool = False) -> dict[str, Any]:
    """Give paper `ref` the key `new_key`; its old key becomes an alias (reason
    `renamed`). Returns `{"old", "new", "aliases", "dry_run"}`. Raises `BadInput` when
    `new_key` is malformed or belongs to another paper, `NotFound` for an unknown `ref`."""
    from .changes import writing
    from .editing import record_changes
    from .queries import find_paper

    check_key(new_key)
    with writing(db, dry_run=dry_run) as db:
        row = find_paper(db, ref)
        old = row["key"]
        if new_key == old:
            raise BadInput(f"{old} already has the key {new_key}", "give another key")
        _check_free(db, new_key, row["id"])
        db.execute("DELETE FROM paper_alias WHERE alias = ? AND paper_id = ?", (new_key, row["id"]))
        db.execute(
            "INSERT INTO paper_alias (alias, paper_id, reason) VALUES (?, ?, 'renamed')",
            (old, row["id"]),
        )
        record_changes(db, row["id"], {"key": old}, {"key": new_key}, via="edit")
        db.execute(  # an inbox item accepted as this paper follows it
            "UPDATE inbox SET paper_key = ? WHERE status = 'accepted' AND paper_key IN"
            " (SELECT alias FROM paper_alias WHERE paper_id = ?)",
            (new_key, row["id"]),
        )
        return {"old": old, "new": new_key, "aliases": aliases(db, row["id"]), "dry_run": dry_run}


def _check_free(db: sqlite3.Connection, key: str, paper_id: int) -> None:
    """`key` may become paper `paper_id`'s key: no other paper has it as key or alias."""
    other = db.execute("SELECT key FROM paper WHERE key = ?", (key,)).fetchone()
    if other:
        raise BadInput(f"{key} is the key of another paper", "choose a key no paper has")
    alias = db.execute(
        "SELECT p.key FROM paper_alias a JOIN paper p ON p.id = a.paper_id"
        " WHERE a.alias = ? AND a.paper_id != ?",
        (key, paper_id),
    ).fetchone()
    if alias:
        raise BadInput(
            f"{key} is another name of {alias['key']} (an alias)", "choose a key no paper has"
        )


def aliases(db: sqlite3.Connection, paper_id: int) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "SELECT alias FROM paper_alias WHERE paper_id = ? ORDER BY alias", (paper_id,)
        )
    ]


def remove(db: Database, refs: Sequence[str], *, dry_run: bool = False) -> dict[str, Any]:
    """Remove the papers `refs` with their filings, finding links, tags, notes, aliases,
    edit log and search index rows. Every ref is resolved before anything goes: one
    unknown key (`NotFound`) removes nothing. An inbox item accepted as one of them
    waits in the inbox again (its `inbox` ids): it can be accepted again, and a watch
    run counts it as waiting. Returns `{"removed": [what each paper took with it],
    "orphaned_findings": [findings now without a paper], "dry_run"}`."""
    from .changes import writing
    from .queries import find_papers
    from .search import refresh_index

    if not refs:
        raise BadInput("no paper given", "name the papers to remove: lrmkb rm KEY...")
    with writing(db, dry_run=dry_run) as db:
        rows = find_papers(db, refs)
        removed = [_attached(db, row) for row in rows.values()]
        ids = list(rows)
        marks = ",".join("?" * len(ids))
        before = _findings_with_papers(db)
        for r in removed:  # an inbox item accepted as the paper waits again
            r["inbox"] = [
                i[0]
                for i in db.execute(
                    "UPDATE inbox SET status = 'waiting', decided = NULL, paper_key = NULL"
                    " WHERE status = 'accepted' AND paper_key IN (SELECT value FROM json_each(?))"
                    " RETURNING id",
                    (json.dumps([r["key"], *r["aliases"]]),),
                )
            ]
        db.execute(f"DELETE FROM paper WHERE id IN ({marks})", ids)
        orphaned = sorted(before - _findings_with_papers(db))
        refresh_index(db, [r["key"] for r in removed])
        return {"removed": removed, "orphaned_findings": orphaned, "dry_run": dry_run}


def _attached(db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    """What goes with a paper: where it is filed, the findings citing it, its tags, note,
    aliases and logged edits."""
    paper_id = row["id"]

    def column(sql: str) -> list[Any]:
        return [r[0] for r in db.execute(sql, (paper_id,))]

    return {
        "key": row["key"],
        "title": row["title"],
        "sections": column(
            "SELECT n.code FROM paper_node pn JOIN taxonomy_node n ON n.id = pn.node_id"
            " WHERE pn.paper_id = ? ORDER BY n.code"
        ),
        "findings": column(
            "SELECT f.slug FROM finding_paper fp JOIN finding f ON f.id = fp.finding_id"
            " WHERE fp.paper_id = ? ORDER BY f.slug"
        ),
        "tags": column("SELECT tag FROM paper_tag WHERE paper_id = ? ORDER BY tag"),
        "note": bool(column("SELECT 1 FROM paper_note WHERE paper_id = ?")),
        "aliases": aliases(db, paper_id),
        "edits": column("SELECT count(*) FROM paper_edit WHERE paper_id = ?")[0],
    }


def _findings_with_papers(db: sqlite3.Connection) -> set[str]:
    return {
        r[0]
        for r in db.execute(
            "SELECT DISTINCT f.slug FROM finding f JOIN finding_paper fp ON fp.finding_id = f.id"
        )
    }
