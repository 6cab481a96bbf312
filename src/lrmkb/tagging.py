"""Adding and removing tags on papers (a write: SQLModel, one transaction)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import BadInput

TAG_RE = re.compile(r"^[\w][\w.+/-]{0,63}$")


def check_tag(name: str) -> str:
    """Tags are short words (letters, digits, `- _ . + /`), compared case-insensitively."""
    tag = name.strip().lower()
    if not TAG_RE.match(tag):
        raise BadInput(
            f"invalid tag {name!r}", "use up to 64 letters, digits, '-', '_', '.', '+' or '/'"
        )
    return tag


def set_tags(path: Path, ref: str, names: list[str], *, remove: bool = False) -> dict[str, Any]:
    """Add (or remove) tags on the paper `ref`; return what changed and the tags now."""
    from sqlmodel import select

    from .models import Paper, PaperTag
    from .queries import find_paper
    from .search import refresh_index
    from .store import now, raw, write_session

    wanted = sorted({check_tag(n) for n in names})
    with write_session(path) as session:
        key = find_paper(_rows(raw(session)), ref)["key"]
        paper = session.exec(select(Paper).where(Paper.key == key)).one()
        have = {
            t.tag: t for t in session.exec(select(PaperTag).where(PaperTag.paper_id == paper.id))
        }
        if remove:
            changed = [t for t in wanted if t in have]
            for t in changed:
                session.delete(have.pop(t))
        else:
            changed = [t for t in wanted if t not in have]
            for t in changed:
                have[t] = PaperTag(paper_id=paper.id, tag=t)
                session.add(have[t])
        if changed:
            paper.updated = now()
            session.add(paper)
            session.flush()
            refresh_index(_rows(raw(session)), [key])
        return {"key": key, "changed": changed, "tags": sorted(have)}


def _rows(db: Any) -> Any:
    """The session's sqlite3 connection with name-addressable rows, for `queries`."""
    import sqlite3

    db.row_factory = sqlite3.Row
    return db
