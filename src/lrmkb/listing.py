"""`lrmkb list`: the papers of the library, filtered and sorted, with the total — the
plain listing a reference manager opens with (papis `list`, pubs `list`).

Filters of one kind are alternatives (`--section 2.1 --section 4.3`: in either), filters
of different kinds all apply (`--section 4.3 --tag to-read`: in 4.3 *and* tagged)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import BadInput

SOURCES = ("survey", "arxiv", "bibtex", "manual")
SORTS = {
    "added": "p.created DESC, p.id DESC",
    "year": "p.year IS NULL, p.year DESC, p.key",
    "key": "p.key",
    "title": "p.title COLLATE NOCASE, p.key",
}
"""`added` and `year` put the newest first; `key` and `title` go A to Z."""
_AGO_RE = re.compile(r"(?P<n>\d{1,5})(?P<unit>[dw])")


@dataclass
class Filters:
    """What `lrmkb list` selects; empty means everything."""

    sections: Sequence[str] = ()
    tags: Sequence[str] = ()
    years: tuple[int, int] | None = None
    sources: Sequence[str] = ()
    added_since: str | None = None  # an ISO timestamp, compared with `paper.created`


def parse_years(text: str) -> tuple[int, int]:
    """`2025`, `2024..2025`, `2024..` or `..2023` → an inclusive range of years: the
    syntax (and the parser) of the search filter `year:`."""
    from .query import _years

    try:
        return _years(text.strip())
    except BadInput:
        raise BadInput(
            f"{text!r} is not a year or a range of years",
            "use 2025, 2024..2025, 2024.. or ..2023 (from the earlier year to the later)",
        ) from None


def parse_since(text: str, today: datetime | None = None) -> str:
    """`2026-01-28` (a date or a full ISO timestamp), or `7d` / `2w` ago → the ISO
    timestamp `paper.created` is compared with (UTC, as lrmkb stores it)."""
    text = text.strip()
    if m := _AGO_RE.fullmatch(text):
        days = int(m["n"]) * (7 if m["unit"] == "w" else 1)
        start = (today or datetime.now(UTC)) - timedelta(days=days)
        return start.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(
            f"{text!r} is not a date",
            "use YYYY-MM-DD, an ISO timestamp, or 7d / 2w for days / weeks ago",
        ) from None
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def check_source(name: str) -> str:
    if name not in SOURCES:
        raise BadInput(f"no source {name!r}", f"use one of {', '.join(SOURCES)}")
    return name


def list_papers(
    db: sqlite3.Connection, filters: Filters, *, sort: str = "key", limit: int | None = None
) -> dict[str, Any]:
    """`{"total": papers matching, "papers": [{"key", "year", "title", "short_name",
    "source", "created", "sections", "tags"}]}`, at most `limit` of them in `sort`
    order (`SORTS`). Unknown sections and tags raise `NotFound`; tags match in lower case."""
    from .queries import check_tags, subtree_ids

    if sort not in SORTS:
        raise BadInput(f"cannot sort by {sort!r}", f"use one of {', '.join(SORTS)}")
    where: list[str] = ["1"]
    params: list[Any] = []
    if filters.sections:
        ids = subtree_ids(db, filters.sections)
        where.append(
            "p.id IN (SELECT paper_id FROM paper_node WHERE node_id IN"
            f" ({','.join('?' * len(ids))}))"
        )
        params += ids
    if filters.tags:
        tags = [t.strip().lower() for t in filters.tags]
        check_tags(db, tags)  # a tag no paper has is a typo, as for search and export
        where.append(
            f"p.id IN (SELECT paper_id FROM paper_tag WHERE tag IN ({','.join('?' * len(tags))}))"
        )
        params += tags
    if filters.years:
        where.append("p.year BETWEEN ? AND ?")
        params += list(filters.years)
    if filters.sources:
        where.append(f"p.source IN ({','.join('?' * len(filters.sources))})")
        params += [check_source(s) for s in filters.sources]
    if filters.added_since:
        where.append("p.created >= ?")
        params.append(filters.added_since)
    condition = " AND ".join(where)
    total = db.execute(f"SELECT count(*) FROM paper p WHERE {condition}", params).fetchone()[0]
    rows = db.execute(
        f"""SELECT p.key, p.year, p.title, p.short_name, p.source, p.created,
               (SELECT json_group_array(code) FROM (SELECT n.code FROM paper_node pn
                   JOIN taxonomy_node n ON n.id = pn.node_id
                   WHERE pn.paper_id = p.id ORDER BY n.code)) AS sections,
               (SELECT json_group_array(tag) FROM (SELECT tag FROM paper_tag t
                   WHERE t.paper_id = p.id ORDER BY tag)) AS tags
            FROM paper p WHERE {condition} ORDER BY {SORTS[sort]}
            {"LIMIT ?" if limit is not None else ""}""",
        [*params, *([limit] if limit is not None else [])],
    ).fetchall()
    import json

    papers = [
        dict(r) | {"sections": json.loads(r["sections"]), "tags": json.loads(r["tags"])}
        for r in rows
    ]
    return {"total": total, "papers": papers}
