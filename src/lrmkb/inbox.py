"""The inbox: papers the watch queries found (`watch.run`), waiting for a decision.

`accept` files them as papers through the same write path as `lrmkb add`
(`ingest.ingest`: dedupe ladder, house keys, filing) and marks them accepted in
the same transaction; `reject` remembers the refusal, so a later run never brings the
paper back. Decided items stay in the table: they are what the digest reports."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .errors import BadInput, NotFound, UsageError

if TYPE_CHECKING:
    from .store import Database

STATUSES = ("waiting", "accepted", "rejected")
SORTS = {
    "score": "score DESC, published DESC, id",
    "date": "published DESC, score DESC, id",
    "node": "node_code, score DESC, id",
}
"""`lrmkb inbox --sort`: the best suggestion's score, the submission date (newest first),
or the suggested node (in code order, then by score)."""


def item_dict(row: sqlite3.Row) -> dict[str, Any]:
    """An inbox row as plain data: arXiv's metadata, which searches found it (and the
    terms that matched), the classifier's top 3 and the decision taken."""
    record = json.loads(row["record"])
    return {
        "id": row["id"],
        "arxiv_id": row["arxiv_id"],
        "title": row["title"],
        "authors": record.get("authors", []),
        "published": row["published"],
        "updated": record.get("updated"),
        "abstract": record.get("abstract"),
        "primary_category": record.get("primary_category"),
        "categories": record.get("categories") or [],
        "doi": record.get("doi"),
        "journal_ref": record.get("journal_ref"),
        "comment": record.get("comment"),
        "found_by": json.loads(row["found_by"]),
        "suggestions": json.loads(row["suggestions"]),
        "score": row["score"],
        "node": row["node_code"],
        "status": row["status"],
        "found": row["found"],
        "decided": row["decided"],
        "key": row["paper_key"],
    }


def items(
    db: sqlite3.Connection,
    *,
    status: str = "waiting",
    sort: str = "score",
    sections: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Inbox items with `status` (or `all`), sorted by `sort` (a key of `SORTS`); only
    those suggested for or found by a search of a node under `sections` if given."""
    if status != "all" and status not in STATUSES:
        raise UsageError(f"no status {status!r}", f"use one of {', '.join(STATUSES)} or all")
    if sort not in SORTS:
        raise UsageError(f"cannot sort by {sort!r}", f"use one of {', '.join(SORTS)}")
    rows = db.execute(
        f"SELECT * FROM inbox WHERE ? IN ('all', status) ORDER BY {SORTS[sort]}", (status,)
    ).fetchall()
    found = [item_dict(r) for r in rows]
    if sections:
        from .watch import _subtree_codes

        wanted = _subtree_codes(db, sections)
        found = [i for i in found if wanted & ({i["node"]} | {f["code"] for f in i["found_by"]})]
    return found


def item(db: sqlite3.Connection, item_id: int) -> dict[str, Any]:
    """One inbox item (`item_dict`), with `filed`: where its paper is filed now, if it
    was accepted."""
    row = db.execute("SELECT * FROM inbox WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise NotFound(f"no inbox item {item_id}", "see `lrmkb inbox --status all`")
    found = item_dict(row)
    found["filed"] = filings(db, [found["key"]]).get(found["key"], []) if found["key"] else []
    return found


def filings(db: sqlite3.Connection, keys: Sequence[str]) -> dict[str, list[str]]:
    """Paper key → the codes of the nodes it is filed under, in reading order (the keys
    of accepted items: `rename` keeps them the paper's key)."""
    from .importers.seeds import _code_key

    filed: dict[str, list[str]] = {}
    for key, code in db.execute(
        "SELECT p.key, n.code FROM paper_node pn JOIN paper p ON p.id = pn.paper_id"
        " JOIN taxonomy_node n ON n.id = pn.node_id"
        " WHERE p.key IN (SELECT value FROM json_each(?))",
        (json.dumps(list(keys)),),
    ):
        filed.setdefault(key, []).append(code)
    return {key: sorted(codes, key=_code_key) for key, codes in filed.items()}


def _refuse_accepted(rows: Iterable[sqlite3.Row], what_to_do: str) -> None:
    """BadInput for the first item already accepted: it cannot be accepted or rejected."""
    for row in rows:
        if row["status"] == "accepted":
            raise BadInput(
                f"inbox item {row['id']} was accepted already, as {row['paper_key']}",
                what_to_do,
            )


def _chosen(
    db: sqlite3.Connection, ids: Sequence[int], min_score: float | None
) -> list[sqlite3.Row]:
    """The rows named by `ids`, plus every waiting one scoring at least `min_score`; an
    unknown id or one already accepted is an error before anything is written."""
    if not ids and min_score is None:
        raise UsageError("no inbox item given", "name items by id, or pass --min-score X")
    rows = {
        r["id"]: r
        for r in db.execute(
            "SELECT * FROM inbox WHERE id IN (SELECT value FROM json_each(?))"
            " OR (status = 'waiting' AND score >= ?) ORDER BY id",
            (json.dumps(list(ids)), min_score if min_score is not None else float("inf")),
        )
    }
    missing = [i for i in dict.fromkeys(ids) if i not in rows]
    if missing:
        raise NotFound(
            f"no inbox item {', '.join(map(str, missing))}",
            "nothing was written; see `lrmkb inbox --status all`",
        )
    return list(rows.values())


def accept(
    db: Database,
    ids: Sequence[int] = (),
    *,
    min_score: float | None = None,
    sections: Sequence[str] = (),
    tags: Sequence[str] = (),
    dry_run: bool = False,
) -> list[dict[str, Any]]:
    """File inbox items as papers, all in one transaction: under `sections` when given
    (node codes), else under each item's best suggestion (as `lrmkb inbox` shows it).
    A paper that reached the knowledge base meanwhile is enriched, not added twice.

    Raises `NotFound` for an unknown id, `BadInput` for an item already accepted; nothing
    is written then."""
    from .ingest import ingest, resolve_sections
    from .records import Record
    from .store import now
    from .watch import _paper_part

    rows = _chosen(db, ids, min_score)
    _refuse_accepted(rows, "nothing was written; leave it out")
    resolve_sections(db, sections)
    known = {r[0] for r in db.execute("SELECT code FROM taxonomy_node")}
    if not rows:
        return []
    records = [
        Record(
            f"inbox:{row['id']}",
            "arxiv",
            _paper_part(json.loads(row["record"])),
            {"inbox": row["id"], "arxiv_id": row["arxiv_id"]},
            suggested=(row["node_code"],) if row["node_code"] in known else (),
        )
        for row in rows
    ]
    stamp = now()

    def mark(db: sqlite3.Connection, outcomes: list[Any]) -> None:
        db.executemany(
            "UPDATE inbox SET status = 'accepted', decided = ?, paper_key = ? WHERE id = ?",
            [(stamp, o.key, o.extra["inbox"]) for o in outcomes],
        )

    report = ingest(
        db,
        records,
        sections=sections,
        tags=tags,
        dry_run=dry_run,
        suggest=not sections,
        then=mark,
    )
    return [o.as_dict() for o in report.outcomes]


def reject(db: Database, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Mark inbox items rejected (one transaction): no run brings them back. Rejecting
    an accepted item is an error (the paper is in the knowledge base: remove it there)."""
    from .store import now

    stamp = now()
    with db.transaction():
        rows = _chosen(db, ids, None)
        _refuse_accepted(rows, "nothing was written; the paper is in the knowledge base now")
        db.executemany(
            "UPDATE inbox SET status = 'rejected', decided = ? WHERE id = ? AND status != 'rejected'",
            [(stamp, row["id"]) for row in rows],
        )
        return [
            {
                "id": row["id"],
                "arxiv_id": row["arxiv_id"],
                "title": row["title"],
                "was": row["status"],
            }
            for row in rows
        ]
