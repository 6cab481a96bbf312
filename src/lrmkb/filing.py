"""Filing papers under the survey's sections and research questions after they were added:
file (add a place), unfile (`remove`), or move (the given places replace all others).
`auto` files a paper under the section `classify` suggests first, as `lrmkb add
--section auto` does."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .errors import BadInput, UsageError

if TYPE_CHECKING:
    from .store import Database

AUTO = "auto"


def file_papers(
    db: Database,
    refs: Sequence[str],
    codes: Sequence[str],
    *,
    remove: bool = False,
    move: bool = False,
    dry_run: bool = False,
) -> dict[str, Any]:
    """File the papers `refs` under the nodes `codes` (codes of sections or questions,
    case-insensitive, or `auto`), unfile them from those nodes (`remove`), or make those
    nodes their only ones (`move`). All in one transaction; every key and code is checked
    before anything is written. Returns `{"papers": [{"key", "filed", "unfiled",
    "sections"}], "dry_run"}`."""
    from .changes import writing
    from .queries import find_node, find_papers
    from .search import refresh_index

    if remove and move:
        raise UsageError("--remove and --move do not go together", "use one of them")
    if not refs or not codes:
        raise UsageError("give papers and sections", "lrmkb file KEY... --section CODE")
    auto = any(c.strip().lower() == AUTO for c in codes)
    if auto and remove:
        raise UsageError("`auto` files a paper; it cannot unfile one", "name the section")
    with writing(db, dry_run=dry_run) as db:
        nodes = {
            row["id"]: row["code"]
            for row in (find_node(db, c) for c in codes if c.strip().lower() != AUTO)
        }
        papers = find_papers(db, refs)
        classifier = _classifier(db) if auto else None
        report = []
        for paper_id, row in papers.items():
            wanted = dict(nodes)
            if classifier is not None:
                wanted |= _best(db, classifier, row)
            have = _filed(db, paper_id)
            if remove:
                gone, new = {n: c for n, c in have.items() if n in wanted}, {}
            else:
                new = {n: c for n, c in wanted.items() if n not in have}
                gone = {n: c for n, c in have.items() if n not in wanted} if move else {}
            db.executemany(
                "DELETE FROM paper_node WHERE paper_id = ? AND node_id = ?",
                [(paper_id, n) for n in gone],
            )
            db.executemany(
                "INSERT INTO paper_node (paper_id, node_id) VALUES (?, ?)",
                [(paper_id, n) for n in new],
            )
            report.append(
                {
                    "key": row["key"],
                    "filed": _codes(new),
                    "unfiled": _codes(gone),
                    "sections": _codes(_filed(db, paper_id)),
                }
            )
        changed = [p["key"] for p in report if p["filed"] or p["unfiled"]]
        if changed:
            refresh_index(db, changed)
            from .store import now

            db.executemany(
                "UPDATE paper SET updated = ? WHERE key = ?", [(now(), k) for k in changed]
            )
        return {"papers": report, "dry_run": dry_run}


def _filed(db: sqlite3.Connection, paper_id: int) -> dict[int, str]:
    return dict(
        db.execute(
            "SELECT n.id, n.code FROM paper_node pn JOIN taxonomy_node n ON n.id = pn.node_id"
            " WHERE pn.paper_id = ?",
            (paper_id,),
        ).fetchall()
    )


def _codes(nodes: dict[int, str]) -> list[str]:
    from .importers.seeds import _code_key

    return sorted(nodes.values(), key=_code_key)


def _classifier(db: sqlite3.Connection) -> Any:
    from .classify import Classifier

    return Classifier.from_db(db)


def _best(db: sqlite3.Connection, classifier: Any, row: sqlite3.Row) -> dict[int, str]:
    """The node `classify` ranks first for the paper, as {id: code}."""
    ranked = classifier.suggest(row["title"], row["abstract"] or "")
    if not ranked:
        raise BadInput(
            f"no section suggests itself for {row['key']}", "name the section with --section CODE"
        )
    code = ranked[0]["code"]
    node = db.execute("SELECT id FROM taxonomy_node WHERE code = ?", (code,)).fetchone()
    return {node[0]: code}
