"""Full-text search over papers, findings and taxonomy nodes (SQLite FTS5).

`refresh_index` keeps the index in step with the tables; every write calls it inside
its own transaction. `search` turns user text into a safe FTS5 query."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from typing import Any

from .queries import author_year, subtree_ids

# bm25 weights, in column order: title, short_name, authors, body, tags, context
WEIGHTS = (10.0, 8.0, 3.0, 1.0, 4.0, 2.0)


def _paper_docs(db: sqlite3.Connection, where: str, params: list[Any]) -> Iterable[tuple]:
    rows = db.execute(
        f"""SELECT p.id, p.key, p.title, p.short_name, p.authors, p.abstract, p.year,
                (SELECT group_concat(f.text, ' ') FROM finding_paper fp
                    JOIN finding f ON f.id = fp.finding_id WHERE fp.paper_id = p.id) AS claims,
                (SELECT group_concat(tag, ' ') FROM paper_tag t WHERE t.paper_id = p.id) AS tags,
                (SELECT group_concat(n.code || ' ' || n.title, ' ') FROM paper_node pn
                    JOIN taxonomy_node n ON n.id = pn.node_id WHERE pn.paper_id = p.id) AS nodes
            FROM paper p {where}""",
        params,
    )
    for r in rows:
        authors = " ".join(json.loads(r["authors"] or "[]"))
        body = " ".join(filter(None, [r["abstract"], r["claims"]]))
        yield (
            "paper",
            r["key"],
            r["title"],
            r["short_name"] or "",
            authors,
            body,
            r["tags"] or "",
            r["nodes"] or "",
        )


def refresh_index(db: sqlite3.Connection, paper_keys: Iterable[str] | None = None) -> None:
    """Re-index the given papers, or everything when `paper_keys` is None."""
    if paper_keys is None:
        db.execute("DELETE FROM search_index")
        docs = list(_paper_docs(db, "", []))
        docs += [
            ("finding", r["slug"], r["node_title"], "", "", r["text"], "", r["code"])
            for r in db.execute(
                """SELECT f.slug, f.text, n.code, n.title AS node_title FROM finding f
                   JOIN taxonomy_node n ON n.id = f.node_id"""
            )
        ]
        docs += [
            ("node", r["code"], r["title"], "", "", r["summary"], "", r["parent"] or "")
            for r in db.execute(
                """SELECT n.code, n.title, n.summary, p.title AS parent FROM taxonomy_node n
                   LEFT JOIN taxonomy_node p ON p.id = n.parent_id"""
            )
        ]
    else:
        keys = list(paper_keys)
        for key in keys:
            db.execute("DELETE FROM search_index WHERE kind = 'paper' AND ref = ?", (key,))
        marks = ",".join("?" * len(keys))
        docs = list(_paper_docs(db, f"WHERE p.key IN ({marks})", keys)) if keys else []
    db.executemany(
        "INSERT INTO search_index (kind, ref, title, short_name, authors, body, tags, context)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        docs,
    )


_TERM_RE = re.compile(r'"[^"]*"|\S+')


def to_fts_query(text: str) -> str:
    """Quote every user term so that no input can be an FTS5 syntax error."""
    terms = []
    for token in _TERM_RE.findall(text.replace("\x00", " ")):
        word = token.strip('"').replace('"', "")
        prefix = word.endswith("*")
        word = word.rstrip("*")
        if not re.search(r"\w", word):
            continue
        terms.append(f'"{word}"' + ("*" if prefix else ""))
    return " ".join(terms)


def search(
    db: sqlite3.Connection,
    text: str,
    *,
    kinds: Iterable[str] = ("finding", "node", "paper"),
    sections: Iterable[str] = (),
    tags: Iterable[str] = (),
    limit: int = 20,
) -> dict[str, Any]:
    """Ranked results grouped by kind: findings, nodes (topics), papers."""
    query = to_fts_query(text)
    results: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    if not query:
        return {"query": text, "fts": query, "results": results}
    section_ids = subtree_ids(db, sections) if sections else None
    weights = ", ".join(str(w) for w in WEIGHTS)
    for kind in kinds:
        rows = db.execute(
            f"""SELECT ref, bm25(search_index, {weights}) AS score FROM search_index
                WHERE search_index MATCH ? AND kind = ? ORDER BY score LIMIT ?""",
            (query, kind, limit * 5 if (section_ids or tags) else limit),
        ).fetchall()
        for row in rows:
            item = _describe(db, kind, row["ref"], section_ids, list(tags))
            if item is not None:
                item["score"] = round(-row["score"], 3)
                results[kind].append(item)
        results[kind] = results[kind][:limit]
    return {"query": text, "fts": query, "results": results}


def _describe(
    db: sqlite3.Connection, kind: str, ref: str, section_ids: list[int] | None, tags: list[str]
) -> dict[str, Any] | None:
    if kind == "paper":
        p = db.execute("SELECT * FROM paper WHERE key = ?", (ref,)).fetchone()
        nodes = db.execute(
            "SELECT n.id, n.code FROM paper_node pn JOIN taxonomy_node n ON n.id = pn.node_id"
            " WHERE pn.paper_id = ? ORDER BY n.code",
            (p["id"],),
        ).fetchall()
        if section_ids is not None and not {n["id"] for n in nodes} & set(section_ids):
            return None
        paper_tags = {
            r[0] for r in db.execute("SELECT tag FROM paper_tag WHERE paper_id = ?", (p["id"],))
        }
        if tags and not set(tags) <= paper_tags:
            return None
        return {
            "key": p["key"],
            "year": p["year"],
            "title": p["title"],
            "short_name": p["short_name"],
            "cite": author_year(json.loads(p["authors"]), bool(p["authors_more"]), p["year"]),
            "sections": [n["code"] for n in nodes],
        }
    if tags:
        return None
    if kind == "finding":
        f = db.execute(
            "SELECT f.slug, f.kind, f.text, f.node_id, n.code FROM finding f"
            " JOIN taxonomy_node n ON n.id = f.node_id WHERE f.slug = ?",
            (ref,),
        ).fetchone()
        if section_ids is not None and f["node_id"] not in section_ids:
            return None
        return {"id": f["slug"], "kind": f["kind"], "node": f["code"], "text": f["text"]}
    n = db.execute(
        "SELECT id, code, title, kind, summary FROM taxonomy_node WHERE code = ?", (ref,)
    ).fetchone()
    if section_ids is not None and n["id"] not in section_ids:
        return None
    return {"code": n["code"], "title": n["title"], "kind": n["kind"], "summary": n["summary"]}
