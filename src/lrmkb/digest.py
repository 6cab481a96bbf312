"""The watch digest (`lrmkb watch report`): what the watch queries brought in since a
date, per section and research question — accepted papers where they were filed,
waiting ones where the classifier suggests — each with the reason it was found (the
search and the terms of it that matched)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from typing import Any


def gather(db: sqlite3.Connection, since: str) -> dict[str, Any]:
    """Items accepted since `since` (an ISO date) and items found since then that still
    wait, grouped by node in reading order. Rejected items are left out."""
    from .importers.seeds import _code_key
    from .inbox import filings, item_dict

    rows = db.execute(
        """SELECT * FROM inbox
           WHERE (status = 'accepted' AND decided >= ?) OR (status = 'waiting' AND found >= ?)
           ORDER BY published DESC, id""",
        (since, since),
    ).fetchall()
    nodes = {
        r["code"]: dict(r)
        for r in db.execute(
            "SELECT n.code, n.title, n.kind, p.code AS parent FROM taxonomy_node n"
            " LEFT JOIN taxonomy_node p ON p.id = n.parent_id"
        )
    }
    filed = filings(db, [r["paper_key"] for r in rows if r["status"] == "accepted"])
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        item = item_dict(row)
        where = filed.get(item["key"] or "", []) or [item["node"] or ""]
        item["filed"] = where if item["status"] == "accepted" else []
        for code in where[:1]:
            groups[code].append(item)
    ordered = sorted(groups, key=lambda c: _code_key(c) if c else ((2, ""),))
    return {
        "since": since,
        "accepted": sum(r["status"] == "accepted" for r in rows),
        "waiting": sum(r["status"] == "waiting" for r in rows),
        "nodes": [
            {
                "code": code,
                "title": nodes.get(code, {}).get("title", "Not classified"),
                "kind": nodes.get(code, {}).get("kind"),
                "parent": nodes.get(code, {}).get("parent"),
                "parent_title": nodes.get(nodes.get(code, {}).get("parent") or "", {}).get("title"),
                "items": groups[code],
            }
            for code in ordered
        ],
    }


def reason(item: dict[str, Any]) -> str:
    """One line: which searches found the item, and the terms of each that matched
    (category filters left out: every curated search has them)."""
    parts = []
    for found in item["found_by"]:
        terms = [t for t in found["terms"] if not t.startswith("cat:")]
        parts.append(f"{found['code']} ({', '.join(terms)})" if terms else found["code"])
    return "found by " + "; ".join(parts)


def markdown(data: dict[str, Any]) -> str:
    """The digest as Markdown: a heading per section, one per question under it, a
    bullet per paper with its place and the reason it was found."""
    from .exporters.markdown import escape

    lines = [
        f"# What's new on arXiv since {data['since']}",
        "",
        f"{data['accepted']} accepted, {data['waiting']} waiting in the inbox"
        " (`lrmkb inbox` to decide).",
    ]
    shown_parent = None
    for node in data["nodes"]:
        if node["kind"] == "question" and node["parent"] != shown_parent:
            lines += ["", f"## {node['parent']} {escape(node['parent_title'] or '')}".rstrip()]
            shown_parent = node["parent"]
        elif node["kind"] != "question":
            shown_parent = node["code"]
        level = "###" if node["kind"] == "question" else "##"
        lines += ["", f"{level} {node['code']} {escape(node['title'])}".rstrip(), ""]
        for item in node["items"]:
            lines.append(_bullet(item, escape))
    return "\n".join(lines) + "\n"


def _bullet(item: dict[str, Any], escape: Any) -> str:
    authors = item["authors"]
    who = ", ".join(authors[:3]) + (" et al." if len(authors) > 3 else "")
    link = f"[arXiv:{item['arxiv_id']}](https://arxiv.org/abs/{item['arxiv_id']})"
    if item["status"] == "accepted":
        place = f"accepted as `{item['key']}`, filed under {', '.join(item['filed'])}"
    else:
        best = item["suggestions"][0] if item["suggestions"] else None
        place = f"waiting (inbox {item['id']})" + (
            f", suggested {best['code']} ({best['score']:.2f})" if best else ""
        )
    return (
        f"- **{escape(item['title'])}** — {escape(who)} ({item['published']}) {link}  \n"
        f"  {place} · {escape(reason(item))}"
    )
