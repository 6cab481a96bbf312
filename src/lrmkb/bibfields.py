"""A paper's columns and what is derived from them kept in step after a change (`lrmkb
edit`, `db update`): the name objects and dedupe columns computed from the display
names and the title, and — for a paper imported from a .bib file — the fields as
written (`paper_field`), so that its export shows the edit."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from .records import Paper

# Which fields as written a column is spelt in (BibTeX and BibLaTeX names); `venue` is
# whichever venue field the entry has.
_WRITTEN_AS = {
    "authors": ("author",),
    "editor_names": ("editor",),
    "title": ("title",),
    "year": ("year", "date"),
    "venue": ("journal", "journaltitle", "booktitle", "howpublished", "school", "institution"),
    "volume": ("volume",),
    "number": ("number",),
    "pages": ("pages",),
    "publisher": ("publisher",),
    "note": ("note",),
    "doi": ("doi",),
    "url": ("url",),
    "abstract": ("abstract",),
    "arxiv_id": ("eprint",),
}


def after_change(db: sqlite3.Connection, paper_id: int, changed: Mapping[str, Any]) -> None:
    """Bring the derived columns and the fields as written of paper `paper_id` up to date
    with its `changed` columns (name → new value), in the caller's transaction."""
    from .dedupe import index_columns
    from .names import parse_display_name
    from .queries import paper_dict

    paper = paper_dict(db.execute("SELECT * FROM paper WHERE id = ?", (paper_id,)).fetchone())
    derived: dict[str, Any] = {}
    if "authors" in changed and "author_names" not in changed:
        names = [parse_display_name(a).csl() for a in paper["authors"]]
        derived["author_names"] = json.dumps(names, ensure_ascii=False) if names else None
        paper["author_names"] = names
    if {"authors", "author_names", "editor_names", "title"} & set(changed):
        derived |= index_columns(paper)
    if derived:
        sets = ", ".join(f"{name} = ?" for name in derived)
        db.execute(f"UPDATE paper SET {sets} WHERE id = ?", [*derived.values(), paper_id])
    _rewrite_fields(db, paper_id, paper, changed)


def _rewrite_fields(
    db: sqlite3.Connection, paper_id: int, paper: Paper, changed: Mapping[str, Any]
) -> None:
    """For each changed column, its field as written: rewritten in place (the LaTeX lrmkb
    writes for the new value), added after the others, or removed when the column was
    cleared. A paper not imported from a .bib file has no fields as written: nothing to do."""
    from .exporters.bibtex import column_fields

    written = db.execute(
        "SELECT position, name FROM paper_field WHERE paper_id = ? ORDER BY position", (paper_id,)
    ).fetchall()
    if not written:
        return
    last = written[-1][0]
    for column in changed:
        names = _WRITTEN_AS.get(column)
        if names is None:
            continue
        have = [(pos, name) for pos, name in written if name.lower() in names]
        new = column_fields(paper, [column])
        if column == "arxiv_id":
            new = [f for f in new if f[0] == "eprint"]
        elif column == "year":
            new = [f for f in new if f[0] == "year"]
        if not new:
            db.executemany(
                "DELETE FROM paper_field WHERE paper_id = ? AND position = ?",
                [(paper_id, pos) for pos, _ in have],
            )
            continue
        name, value, bare = new[0]
        if have:
            position = have[0][0]
            db.execute(
                "UPDATE paper_field SET value = ?, bare = ?, text = NULL"
                " WHERE paper_id = ? AND position = ?",
                (value, bare, paper_id, position),
            )
        else:
            last += 1
            db.execute(
                "INSERT INTO paper_field (paper_id, position, name, value, bare, text)"
                " VALUES (?, ?, ?, ?, ?, NULL)",
                (paper_id, last, name, value, bare),
            )
