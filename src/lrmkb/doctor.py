"""`lrmkb doctor`: the curation problems a maintainer should fix — unlike `db check`, which
asks whether the database is sound, this asks whether its content is.

Each issue is a `problem` (exit 1) or a `note` (reported, not a failure): a section the
survey deliberately leaves uncited (marked `uncited` in the seeds, e.g. B.2) is a note."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from .citation import is_arxiv_venue, is_url
from .ids import KEY_RE

# Entry types that stand for a published (peer-reviewed or edited) work.
PUBLISHED_TYPES = {"article", "inproceedings", "conference", "incollection", "inbook", "book"}


@dataclass(frozen=True)
class Issue:
    check: str  # a stable name scripts can filter on
    severity: str  # problem | note
    subject: str  # the key or node code to look at
    message: str
    hint: str


def diagnose(db: sqlite3.Connection) -> list[Issue]:
    """Every check, in a fixed order, each sorted by subject."""
    papers = [dict(r) for r in db.execute("SELECT * FROM paper ORDER BY key")]
    return [
        *same_id(papers, "arxiv_id", "arXiv id"),
        *same_id(papers, "doi", "DOI"),
        *shared_short_names(papers),
        *papers_in_no_node(db),
        *empty_nodes(db),
        *bad_links(papers),
        *bad_keys(papers),
        *missing_ids(papers),
    ]


def same_id(papers: list[dict[str, Any]], column: str, what: str) -> list[Issue]:
    """One arXiv id (or DOI) on two records: a duplicate, or one of them has the wrong id."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for paper in papers:
        if paper[column]:
            by_id.setdefault(paper[column].lower(), []).append(paper)
    found = []
    for value, group in sorted(by_id.items()):
        if len(group) < 2:
            continue
        titles = "; ".join(f"{p['key']} “{p['title']}”" for p in group)
        same = len({p["title"].casefold() for p in group}) == 1
        found.append(
            Issue(
                f"duplicate-{column.replace('_', '-')}",
                "problem",
                group[0]["key"],
                f"{what} {value} is on {len(group)} papers"
                + (" with the same title" if same else " with different titles")
                + f": {titles}",
                "merge the duplicates" if same else f"correct the {what} of the paper it is not",
            )
        )
    return found


def shared_short_names(papers: list[dict[str, Any]]) -> list[Issue]:
    by_name: dict[str, list[str]] = {}
    for paper in papers:
        if paper["short_name"]:
            by_name.setdefault(paper["short_name"].casefold(), []).append(paper["key"])
    return [
        Issue(
            "duplicate-short-name",
            "problem",
            keys[0],
            f"short name {name!r} is used by {', '.join(keys)}",
            "give each paper its own short name (`shortname` in seeds/papers.bib)",
        )
        for name, keys in sorted(by_name.items())
        if len(keys) > 1
    ]


def papers_in_no_node(db: sqlite3.Connection) -> list[Issue]:
    rows = db.execute(
        """SELECT key FROM paper WHERE id NOT IN (SELECT paper_id FROM paper_node)
           AND survey_role IS NOT 'survey' ORDER BY key"""
    )
    return [
        Issue(
            "paper-in-no-node",
            "problem",
            r["key"],
            f"{r['key']} is filed under no section or question",
            "list it in the `papers` of a section or question (seeds/nodes/*.toml)",
        )
        for r in rows
    ]


def empty_nodes(db: sqlite3.Connection) -> list[Issue]:
    """Sections and questions without a paper in their subtree."""
    from .queries import taxonomy

    uncited = {r[0] for r in db.execute("SELECT code FROM taxonomy_node WHERE uncited")}
    found = []
    for node in taxonomy(db):
        if node["papers"] or node["kind"] not in {"section", "question"}:
            continue
        deliberate = node["code"] in uncited
        found.append(
            Issue(
                "empty-node",
                "note" if deliberate else "problem",
                node["code"],
                f"{node['code']} {node['title']} has no papers"
                + (" (the survey cites none here)" if deliberate else ""),
                "nothing to do"
                if deliberate
                else "file papers under it, or mark it `uncited = true` in its seeds file",
            )
        )
    return found


def bad_links(papers: list[dict[str, Any]]) -> list[Issue]:
    found = []
    for paper in papers:
        for column, what in [("code_url", "code link"), ("url", "web link")]:
            value = paper[column]
            if value and not is_url(value):
                found.append(
                    Issue(
                        "bad-link",
                        "problem",
                        paper["key"],
                        f"{paper['key']}: {what} {value!r} is not an http(s) URL",
                        "write the full address, e.g. https://github.com/OWNER/REPO",
                    )
                )
    return found


def bad_keys(papers: list[dict[str, Any]]) -> list[Issue]:
    return [
        Issue(
            "bad-key",
            "problem",
            p["key"],
            f"key {p['key']!r} has characters outside [a-z0-9_-]",
            "rename it to the house style (lowercase ASCII letters, digits, _ and -)",
        )
        for p in papers
        if not KEY_RE.match(p["key"])
    ]


def missing_ids(papers: list[dict[str, Any]]) -> list[Issue]:
    """A published paper with neither DOI nor arXiv id cannot be looked up or deduplicated."""
    return [
        Issue(
            "missing-id",
            "problem",
            p["key"],
            f"{p['key']} is published ({p['venue']}) but has neither a DOI nor an arXiv id",
            "add its `doi` (or `eprint` with `archiveprefix = {arXiv}`) in seeds/papers.bib",
        )
        for p in papers
        if (p["entry_type"] or "").lower() in PUBLISHED_TYPES
        and p["venue"]
        and not is_arxiv_venue(p["venue"])
        and not p["doi"]
        and not p["arxiv_id"]
    ]


def report(issues: list[Issue]) -> dict[str, Any]:
    """The `--json` document."""
    problems = sum(1 for i in issues if i.severity == "problem")
    return {
        "ok": not problems,
        "problems": problems,
        "notes": len(issues) - problems,
        "issues": [asdict(i) for i in issues],
    }
