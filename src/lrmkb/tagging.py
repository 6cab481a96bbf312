"""Adding and removing tags on papers: one write transaction in plain SQL."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from .errors import BadInput

if TYPE_CHECKING:
    from .store import Database

TAG_RE = re.compile(r"^[\w][\w.+/-]{0,63}$")


class TagChange(TypedDict):
    """What `set_tags` did: the paper's key, the tags added or removed, the tags now."""

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


def set_tags(db: Database, ref: str, names: list[str], *, remove: bool = False) -> TagChange:
    """Add (or remove) tags on the paper `ref` (a key, alias, arXiv id or DOI); return what
    changed and the tags now. Raises `BadInput` for a bad tag, `NotFound` for no paper."""
    from .queries import find_paper
    from .search import refresh_index
    from .store import now

    wanted = check_tags(names)
    with db.transaction():
        paper = find_paper(db, ref)
        have = {
            r[0] for r in db.execute("SELECT tag FROM paper_tag WHERE paper_id = ?", (paper["id"],))
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
            refresh_index(db, [paper["key"]])
        return {"key": paper["key"], "changed": changed, "tags": sorted(have)}
