"""The user's own taxonomy nodes beside the survey's: a research question of theirs under
one of the survey's sections (or a section of theirs under a dimension), to file papers
under (`lrmkb file`), watch on arXiv (`lrmkb watch set`) and have the classifier suggest.

A node of the user's is marked `origin = 'user'`; `db update` never changes or removes
it, and `doctor` never counts it as dropped by the survey. Its code must contain a part
that no survey code has — a word of two or more characters beside the survey's numbers
and appendix letters (`4.3.mech`, `faithfulness`) — so that no later survey release can
take it, whatever case it is typed in."""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING, Any

from .errors import BadInput, UsageError

if TYPE_CHECKING:
    from .store import Database

_CODE = re.compile(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*")
KIND_UNDER = {None: "section", "dimension": "section", "appendix": "section", "section": "question"}
"""The kind a new node takes from its parent's (None: no parent, at the top)."""


def check_code(code: str) -> str:
    """`code` stripped, if it is one a user may give a node: letters, digits and `.`,
    `-`, `_` between them, with a part (between dots) that is not a number or a single
    letter, as the survey's codes are (`4.3.2`, `B.1`). Raises `UsageError`."""
    code = code.strip()
    if not _CODE.fullmatch(code):
        raise UsageError(
            f"{code!r} is not a node code",
            "use letters, digits and . - _ between them, e.g. 4.3.mech",
        )
    if all(part.isdigit() or len(part) == 1 for part in code.split(".")):
        raise UsageError(
            f"{code!r} looks like one of the survey's codes, which a later release may take",
            "give it a word of two or more letters, e.g. 4.3.mech or faithfulness",
        )
    return code


def add_node(
    db: Database,
    code: str,
    title: str,
    *,
    parent: str | None = None,
    summary: str = "",
    dry_run: bool = False,
) -> dict[str, Any]:
    """Add a node of the user's: `code` (see `check_code`), a one-line `title`, under the
    node `parent` (a dimension or appendix: a section; a section: a research question;
    none: a section at the top), after its siblings. One transaction.

    Raises `UsageError` for a malformed code, `BadInput` for a code taken (in any case),
    an empty title or a parent that is a research question, `NotFound` for an unknown
    parent. Returns `{code, title, kind, parent, summary, dry_run}`."""
    from .changes import writing
    from .queries import find_node
    from .search import refresh_nodes

    code = check_code(code)
    title, summary = " ".join(title.split()), summary.strip()
    if not title:
        raise BadInput("the node's title is empty", "give it a title, e.g. 'Probing for doubt'")
    with writing(db, dry_run=dry_run) as db:
        taken = db.execute(
            "SELECT code FROM taxonomy_node WHERE upper(code) = upper(?)", (code,)
        ).fetchone()
        if taken:
            raise BadInput(f"there is a node {taken[0]} already", "choose another code")
        above = find_node(db, parent) if parent is not None else None
        kind = KIND_UNDER.get(above["kind"] if above else None)
        if kind is None:
            assert above is not None  # a parent-less node is a section
            raise BadInput(
                f"{above['code']} is a research question: nodes go under a section or dimension",
                f"put it under {_parent_code(db, above)}",
            )
        parent_id = above["id"] if above else None
        position = db.execute(
            "SELECT coalesce(max(position), 0) + 1 FROM taxonomy_node WHERE parent_id IS ?",
            (parent_id,),
        ).fetchone()[0]
        node_id = db.execute(
            "INSERT INTO taxonomy_node (code, title, parent_id, kind, position, summary, origin)"
            " VALUES (?, ?, ?, ?, ?, ?, 'user')",
            (code, title, parent_id, kind, position, summary),
        ).lastrowid
        assert node_id is not None
        refresh_nodes(db, [node_id])
    return {
        "code": code,
        "title": title,
        "kind": kind,
        "parent": above["code"] if above else None,
        "summary": summary,
        "dry_run": dry_run,
    }


def _parent_code(db: sqlite3.Connection, node: sqlite3.Row) -> str:
    row = db.execute("SELECT code FROM taxonomy_node WHERE id = ?", (node["parent_id"],)).fetchone()
    return str(row[0]) if row else "a section"


def remove_node(db: Database, code: str, *, dry_run: bool = False) -> dict[str, Any]:
    """Remove a node of the user's, in one transaction: the papers filed under it stay in
    the library, unfiled from it; its watch query goes; what the inbox found through it
    stays there. Raises `NotFound` for an unknown code, `BadInput` for one of the
    survey's nodes or a node with nodes under it. Returns `{code, title, unfiled (keys),
    query (the watch query removed, or None), dry_run}`."""
    from .changes import writing
    from .queries import find_node, node_paper_keys
    from .search import refresh_index, refresh_nodes

    with writing(db, dry_run=dry_run) as db:
        node = find_node(db, code)
        if node["origin"] != "user":
            raise BadInput(
                f"{node['code']} is the survey's: only nodes you added can be removed",
                "see `lrmkb tree`",
            )
        children = [
            r[0]
            for r in db.execute(
                "SELECT code FROM taxonomy_node WHERE parent_id = ? ORDER BY code", (node["id"],)
            )
        ]
        if children:
            raise BadInput(
                f"{node['code']} holds {', '.join(children)}",
                "remove those first (`lrmkb node rm CODE`)",
            )
        unfiled = node_paper_keys(db, node["id"])
        query = db.execute(
            "SELECT query FROM watch_query WHERE node_id = ?", (node["id"],)
        ).fetchone()
        db.execute("DELETE FROM taxonomy_node WHERE id = ?", (node["id"],))  # cascades
        refresh_nodes(db, [node["id"]])
        refresh_index(db, unfiled)
    return {
        "code": node["code"],
        "title": node["title"],
        "unfiled": unfiled,
        "query": query[0] if query else None,
        "dry_run": dry_run,
    }
