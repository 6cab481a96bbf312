"""`lrmkb edit`: change a paper's fields — given as `FIELD=VALUE` or as an edited BibTeX
entry — in one transaction, with every change logged (who, when, old and new value) in
`paper_edit`. Survey papers can be corrected like any other: `db update` merges a new
survey release against the release's own record, so an edit is never silently reverted.

Usable from Python: `edit_fields(Database.open(path, write=True), "chen2024think",
["year=2025"])`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .errors import BadInput

if TYPE_CHECKING:
    from .store import Database
from .fields import (
    Column,
    diff_lines,
    editable,
    entry_lines,
    entry_text,
    paper_values,
    parse_entry,
    parse_value,
)


def edit_fields(
    db: Database, ref: str, assignments: Sequence[str], *, dry_run: bool = False
) -> dict[str, Any]:
    """Apply `FIELD=VALUE` assignments (an empty VALUE clears the field) to paper `ref`.
    Returns `{"key", "dry_run", "changes": [{"field", "old", "new"}], "diff": [...]}`.
    Raises `BadInput` for an unknown field or a bad value, `NotFound` for an unknown
    paper; nothing is written then."""
    from .changes import writing

    if not assignments:
        raise BadInput("nothing to change", "give FIELD=VALUE pairs, e.g. year=2025")
    with writing(db, dry_run=dry_run) as db:
        columns = editable(db)
        changes = _Changes()
        for assignment in assignments:
            name, eq, text = assignment.partition("=")
            if not eq:
                raise BadInput(
                    f"{assignment!r} is not FIELD=VALUE", "e.g. title='A better title' or doi="
                )
            column = _column(columns, name)
            changes.add(column, parse_value(column, text))
        return _apply(db, ref, changes, dry_run)


def editor_entry(db: sqlite3.Connection, ref: str) -> tuple[str, str]:
    """The key of paper `ref` and the BibTeX entry to edit (see `fields.entry_text`)."""
    from .queries import find_paper

    paper = paper_values(find_paper(db, ref))
    return paper["key"], entry_text(paper, editable(db))


def edit_entry(
    db: Database, key: str, original: str | None, edited: str, *, dry_run: bool = False
) -> dict[str, Any]:
    """Apply an edited entry: `original` is the text the editor opened (from
    `editor_entry`), `edited` what the user saved. Only the fields whose text differs
    from the paper's are read; a field removed is cleared. If the paper changed in the
    database since `original` was made, nothing is written (`BadInput`), so no one's
    change is lost; `original=None` skips that check (an entry saved in a file)."""
    from .changes import writing
    from .queries import find_paper

    with writing(db, dry_run=dry_run) as db:
        columns = editable(db)
        paper = paper_values(find_paper(db, key))
        if original is not None and entry_text(paper, columns) != original:
            raise BadInput(
                f"{key} was changed by another command while you were editing",
                "run `lrmkb edit` again",
            )
        entry_type, fields = parse_entry(edited, paper["key"], columns)
        before = {c.name: text for c, text in _by_column(columns, entry_lines(paper, columns))}
        after = {c.name: text for c, text in _by_column(columns, list(fields.items()))}
        changes = _Changes()
        if entry_type != paper["entry_type"]:
            changes.add(_column(columns, "entry_type"), {"entry_type": entry_type})
        for column in columns:
            old, new = before.get(column.name, ""), after.get(column.name, "")
            if old != new:
                changes.add(column, parse_value(column, new))
        return _apply(db, key, changes, dry_run)


def _by_column(columns: list[Column], lines: list[tuple[str, str]]) -> list[tuple[Column, str]]:
    """Editor lines by the column they set; two lines for one column are an error."""
    seen: dict[str, str] = {}
    out = []
    for name, text in lines:
        column = _column(columns, name)
        if column.name in seen:
            raise BadInput(
                f"{seen[column.name]} and {name} both set {column.bibtex}", "keep one of them"
            )
        seen[column.name] = name
        out.append((column, text))
    return out


def _column(columns: list[Column], name: str) -> Column:
    from .fields import resolve_field

    return resolve_field(columns, name)


class _Changes:
    """What a user's fields set: the columns they name (`explicit`), what their text says
    about other columns (`said`: `author = {… and others}` sets authors_more, an arXiv
    id with a version sets arxiv_version — an explicit value of those wins), and what a
    change of a column entails (`effects`, only if it really changes: a new title drops
    the case-protected LaTeX spelling of the old one; a new arXiv id is the user's)."""

    def __init__(self) -> None:
        self.explicit: dict[str, Any] = {}
        self.said: dict[str, Any] = {}
        self.effects: dict[str, dict[str, Any]] = {}

    def add(self, column: Column, values: dict[str, Any]) -> None:
        if column.name in self.explicit:
            raise BadInput(f"{column.bibtex} is given twice", "give each field once")
        value = self.explicit[column.name] = values.pop(column.name)
        self.said.update(values)
        if column.name == "title":
            self.effects["title"] = {"title_latex": None}
        elif column.name == "arxiv_id":
            self.effects["arxiv_id"] = {"id_source": "manual" if value else None}

    def resolve(self, before: dict[str, Any]) -> dict[str, Any]:
        """Column → new value, given the paper `before` (a `paper_dict`)."""
        out = self.said | self.explicit
        for trigger, effects in self.effects.items():
            if before.get(trigger) != out[trigger]:
                for name, value in effects.items():
                    out.setdefault(name, value)
        return out


def _apply(db: sqlite3.Connection, ref: str, changes: _Changes, dry_run: bool) -> dict[str, Any]:
    """Write `changes` to paper `ref`; log each changed column."""
    from .queries import find_paper

    row = find_paper(db, ref)
    before = paper_values(row)
    changed = record_changes(db, row["id"], before, changes.resolve(before), via="edit")
    after = paper_values(find_paper(db, before["key"]))
    columns = editable(db)
    return {
        "key": before["key"],
        "dry_run": dry_run,
        "changes": changed,
        "diff": [
            {"mark": mark, "field": name, "text": text}
            for mark, name, text in diff_lines(before, after, columns)
        ],
    }


def record_changes(
    db: sqlite3.Connection,
    paper_id: int,
    before: dict[str, Any],
    changes: dict[str, Any],
    *,
    via: str,
    who: str | None = None,
) -> list[dict[str, Any]]:
    """Set the columns in `changes` that differ from `before` (a `paper_dict`), log each
    in `paper_edit`, bump `updated` and re-index the paper. Returns `[{"field", "old",
    "new"}]` for the columns that really changed."""
    from .bibfields import after_change
    from .changes import who as login
    from .fields import stored
    from .search import refresh_index
    from .store import now

    order = list(before)  # schema order
    changed = [
        {"field": name, "old": before.get(name), "new": value}
        for name, value in sorted(changes.items(), key=lambda item: order.index(item[0]))
        if before.get(name) != value
    ]
    if not changed:
        return []
    stamp, author = now(), who or login()
    sets = ", ".join(f"{c['field']} = ?" for c in changed)
    db.execute(
        f"UPDATE paper SET {sets}, updated = ? WHERE id = ?",
        [*(stored(c["field"], c["new"]) for c in changed), stamp, paper_id],
    )
    after_change(db, paper_id, {c["field"]: c["new"] for c in changed})
    db.executemany(
        "INSERT INTO paper_edit (paper_id, field, old_value, new_value, via, who, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (paper_id, c["field"], _json(c["old"]), _json(c["new"]), via, author, stamp)
            for c in changed
        ],
    )
    refresh_index(db, [before["key"], changes.get("key", before["key"])])
    return changed


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
