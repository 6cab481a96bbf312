"""Adding and removing tags on papers: one write transaction in plain SQL."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypedDict

from .errors import BadInput

if TYPE_CHECKING:
    from .store import Database

TAG_RE = re.compile(r"^[\w][\w.+/-]{0,63}$")


class TagChange(TypedDict):
    """What `tag_papers` did to one paper: its key, the tags added or removed, the tags now."""

    key: str
    changed: list[str]
    tags: list[str]


def check_tag(name: str) -> str:
    """Tags are short words (letters, digits, `- _ . + /`), compared case-insensitively.
    Raises `BadInput` for anything else."""
    tag = name.strip().lower()
    if not TAG_RE.match(tag):
        raise BadInput(
            f"invalid tag {name!r}", "use up to 64 letters, digits, '-', '_', '.', '+' or '/'"
        )
    return tag


def check_tags(names: Iterable[str]) -> list[str]:
    """`check_tag` on each name: the distinct tags, sorted."""
    return sorted({check_tag(n) for n in names})


def tag_papers(
    db: Database,
    refs: Sequence[str],
    names: Iterable[str],
    *,
    remove: bool = False,
    dry_run: bool = False,
) -> list[TagChange]:
    """Add (or remove) tags on each paper of `refs` (keys, aliases, arXiv ids or DOIs), in
    one transaction (on an in-memory copy for `dry_run`); what changed per paper, in the order
    given. Every ref is resolved first: a bad tag (`BadInput`) or an unknown paper
    (`NotFound`) writes nothing."""
    from .changes import writing
    from .queries import find_papers
    from .search import refresh_index
    from .store import now

    wanted = check_tags(names)
    if not wanted:
        raise BadInput("no tag given", "name the tags: lrmkb tag KEY TAG...")
    with writing(db, dry_run=dry_run) as db:
        papers = find_papers(db, refs)
        changes: list[TagChange] = []
        for paper in papers.values():
            have = {
                r[0]
                for r in db.execute("SELECT tag FROM paper_tag WHERE paper_id = ?", (paper["id"],))
            }
            if remove:
                changed = [t for t in wanted if t in have]
                sql = "DELETE FROM paper_tag WHERE paper_id = ? AND tag = ?"
                have -= set(changed)
            else:
                changed = [t for t in wanted if t not in have]
                sql = "INSERT INTO paper_tag (paper_id, tag) VALUES (?, ?)"
                have |= set(changed)
            if changed:
                db.executemany(sql, [(paper["id"], t) for t in changed])
                db.execute("UPDATE paper SET updated = ? WHERE id = ?", (now(), paper["id"]))
            changes.append({"key": paper["key"], "changed": changed, "tags": sorted(have)})
        refresh_index(db, [c["key"] for c in changes if c["changed"]])
        return changes


def query_keys(db: Database, query: str) -> list[str]:
    """The keys of every paper a search for `query` returns (the search language of
    `lrmkb search`), best first. Raises `BadInput` when the search would correct a word
    (a typo must not pick the papers a write goes to) or finds no paper."""
    from .search import search

    found = search(db, query, kinds=("paper",), limit=None)
    if found["corrected"]:
        raise BadInput(
            f"no paper matches {query!r} as written (a search would read it as "
            f"{found['corrected']!r})",
            "give the query as you mean it",
        )
    keys = [p["key"] for p in found["results"]["paper"]]
    if not keys:
        raise BadInput(f"no paper matches {query!r}", "try it with `lrmkb search` first")
    return keys
