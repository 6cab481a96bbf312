"""`lrmkb db check`: is the database sound, is the search index in step with the
tables, and (optionally) are the seeds valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .store import connect


def check_database(path: Path, seeds: Path | None = None) -> dict[str, Any]:
    db = connect(path)
    problems: list[str] = []
    checked = ["integrity", "foreign keys", "search index"]
    problems += [f"integrity: {r[0]}" for r in db.execute("PRAGMA integrity_check") if r[0] != "ok"]
    problems += [
        f"foreign key: {r[0]} row {r[1]} points to a missing {r[2]}"
        for r in db.execute("PRAGMA foreign_key_check")
    ]
    problems += index_problems(db)
    if seeds is not None:
        from .importers.seeds import load, validate

        checked.append("seeds")
        problems += [f"seeds: {p}" for p in validate(load(seeds))]
    return {"path": str(path), "checked": checked, "problems": problems}


def index_problems(db: Any) -> list[str]:
    """Every paper, finding and node must be indexed exactly once, and nothing else."""
    expected = {
        "paper": "SELECT key FROM paper",
        "finding": "SELECT slug FROM finding",
        "node": "SELECT code FROM taxonomy_node",
    }
    problems = []
    for kind, sql in expected.items():
        have = [r[0] for r in db.execute("SELECT ref FROM search_index WHERE kind = ?", (kind,))]
        want = {r[0] for r in db.execute(sql)}
        missing, extra = want - set(have), set(have) - want
        dupes = len(have) - len(set(have))
        if missing:
            problems.append(
                f"search index lacks {len(missing)} {kind}(s), e.g. {sorted(missing)[0]}"
            )
        if extra:
            problems.append(
                f"search index has {len(extra)} stale {kind}(s), e.g. {sorted(extra)[0]}"
            )
        if dupes:
            problems.append(f"search index has {dupes} duplicate {kind} entries")
    return problems
