"""The user's notes on a paper: one Markdown text per paper (`paper_note`), written whole
(`lrmkb note KEY` in an editor) or grown a paragraph at a time (`--add TEXT`). Notes are
searched (the paper's index row carries them), shown by `show` and exported (JSON, Markdown)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from .errors import BadInput

if TYPE_CHECKING:
    from .store import Database

MAX_NOTE_CHARS = 1_000_000  # a book's worth: more is a paste gone wrong, not a note


def note_of(db: sqlite3.Connection, paper_id: int) -> str | None:
    row = db.execute("SELECT text FROM paper_note WHERE paper_id = ?", (paper_id,)).fetchone()
    return row[0] if row else None


def set_note(
    db: Database, ref: str, text: str, *, append: bool = False, dry_run: bool = False
) -> dict[str, Any]:
    """Replace the note of paper `ref` with `text` (empty text removes it), or with
    `append` add `text` as a new paragraph. Line ends become `\\n`, trailing blank lines
    go. Returns `{"key", "note", "action": added|replaced|appended|removed|unchanged,
    "dry_run"}`; raises `NotFound` for an unknown paper, `BadInput` for an empty `--add`."""
    from .changes import writing
    from .queries import find_paper
    from .search import refresh_index
    from .store import now

    text = _normalise(text)
    if append and not text:
        raise BadInput("nothing to add", "give the text to add: lrmkb note KEY --add 'TEXT'")
    if len(text) > MAX_NOTE_CHARS:
        raise BadInput(f"the note has {len(text):,} characters", "keep it under a million")
    with writing(db, dry_run=dry_run) as db:
        row = find_paper(db, ref)
        old = note_of(db, row["id"])
        new = f"{old}\n\n{text}" if append and old else text
        action = _action(old, new, append)
        stamp = now()
        if not new:
            db.execute("DELETE FROM paper_note WHERE paper_id = ?", (row["id"],))
        elif new != old:
            db.execute(
                "INSERT INTO paper_note (paper_id, text, created, updated) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (paper_id) DO UPDATE SET text = excluded.text,"
                " updated = excluded.updated",
                (row["id"], new, stamp, stamp),
            )
        if action != "unchanged":
            refresh_index(db, [row["key"]])
        return {"key": row["key"], "note": new or None, "action": action, "dry_run": dry_run}


def _normalise(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _action(old: str | None, new: str, append: bool) -> str:
    if (old or "") == new:
        return "unchanged"
    if not new:
        return "removed"
    if old is None:
        return "added"
    return "appended" if append else "replaced"
