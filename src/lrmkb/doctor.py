"""`lrmkb doctor`: problems in the content of a library — unlike `db check`, which asks
whether the database is sound, this asks whether what it says is right.

By default it looks at the user's library and says how to fix each problem with an lrmkb
command (`lrmkb edit …`, `lrmkb rename …`, `lrmkb rm …`, `lrmkb file …`): one arXiv id or
DOI on two papers, one short name on two papers, links that are not URLs, keys outside
[a-z0-9_-], papers filed under a section the survey has dropped. A paper outside the
survey is not a problem for being outside it. It notes when the database holds another
survey release than the one this lrmkb ships (`lrmkb db update` brings it in).

With `seeds=True` (`lrmkb dev doctor`, for maintainers of `seeds/`) it adds the
curation problems of the survey itself — survey papers in no section, sections without
papers, published survey papers without DOI or arXiv id — and phrases every problem of
a survey paper as a fix in `seeds/papers.bib` or `seeds/nodes/*.toml`.

Each issue is a `problem` (exit 1) or a `note` (reported, not a failure): a section the
survey deliberately leaves uncited (marked `uncited` in the seeds, e.g. B.2) is a note.

A library of more than `checks.WHOLE_UP_TO` papers is examined on a sample, as `db check`
examines it: the papers of `checks.sample_ids` (the newest and as many at random), each
compared with the whole library through indexes — the papers with its arXiv id or DOI,
with its short name (the search index's short-name column), or with a similar title in
its (first author, year ± 1) buckets — so that the cost follows the sample, not the
library. `full=True` (`doctor --full`) reads every paper."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any, Literal, NamedTuple

from .citation import UNSAFE_KEY_RE, is_arxiv_venue, is_url
from .queries import node_paper_keys, paper_dict
from .records import Paper

# Entry types that stand for a published (peer-reviewed or edited) work.
PUBLISHED_TYPES = {"article", "inproceedings", "conference", "incollection", "inbook", "book"}


@dataclass(frozen=True)
class Issue:
    check: str  # a stable name scripts can filter on
    severity: str  # problem | note
    subject: str  # the key or node code to look at
    message: str
    hint: str


class Diagnosis(NamedTuple):
    """The issues found, and how many papers a sampled diagnosis read (None: all)."""

    issues: list[Issue]
    sampled: int | None = None


def diagnose(db: sqlite3.Connection, *, seeds: bool = False, full: bool = False) -> Diagnosis:
    """Every check, in a fixed order, each sorted by subject; the survey's curation
    checks only with `seeds`. A big library on a sample unless `full` (see above)."""
    from .checks import sample_ids

    drawn = None if full else sample_ids(db)
    if drawn is None:
        papers = _papers(db, "SELECT * FROM paper ORDER BY key")
        arxiv = doi = named = papers
    else:
        papers = _papers(
            db,
            "SELECT * FROM paper WHERE id IN (SELECT value FROM json_each(?)) ORDER BY key",
            json.dumps(drawn[0]),
        )
        arxiv, doi = _sharing_id(db, papers, "arxiv_id"), _sharing_id(db, papers, "doi")
        named = _sharing_short_name(db, papers)
    fix = _Fixes(seeds)
    found = [
        *release_issues(db),
        *same_id(arxiv, "arxiv_id", "arXiv id", fix),
        *same_id(doi, "doi", "DOI", fix),
        *shared_short_names(named, fix),
        *bad_links(papers, fix),
        *bad_keys(papers, fix),
        *likely_duplicates(db, None if drawn is None else drawn[0]),
    ]
    if seeds:
        survey = _papers(db, "SELECT * FROM paper WHERE source = 'survey' ORDER BY key")
        found += [*papers_in_no_node(db), *empty_nodes(db), *missing_ids(survey)]
    return Diagnosis(found, None if drawn is None else len(papers))


def _papers(db: sqlite3.Connection, sql: str, *params: Any) -> list[Paper]:
    return [paper_dict(r) for r in db.execute(sql, params)]


def _sharing_id(
    db: sqlite3.Connection, papers: list[Paper], column: Literal["arxiv_id", "doi"]
) -> list[Paper]:
    """The papers that share an arXiv id (or a DOI, in any letter case) with one of
    `papers`, those included, by key (through ix_paper_arxiv_id, ix_paper_doi_nocase)."""
    found: dict[str, Paper] = {}
    for value in sorted({v for p in papers if (v := p[column])}):
        for row in db.execute(
            f"SELECT * FROM paper WHERE {column} = ?"
            + (" COLLATE NOCASE" if column == "doi" else ""),
            (value,),
        ):
            found.setdefault(row["key"], paper_dict(row))
    return sorted(found.values(), key=lambda p: p["key"])


def _sharing_short_name(db: sqlite3.Connection, papers: list[Paper]) -> list[Paper]:
    """The papers whose short name is one of `papers`' (in any letter case), those
    included, by key: found as a phrase in the search index's short-name column."""
    from .search import OFFSETS, SPAN

    found: dict[str, Paper] = {p["key"]: p for p in papers if p["short_name"]}
    for name in sorted({p["short_name"].casefold() for p in papers if p["short_name"]}):
        phrase = name.replace('"', '""')
        for row in db.execute(
            "SELECT p.* FROM search_index s JOIN paper p ON p.id = s.rowid"
            " WHERE search_index MATCH ? AND s.rowid > ? AND s.rowid < ?",
            (f'short_name : "{phrase}"', OFFSETS["paper"], OFFSETS["paper"] + SPAN),
        ):
            if (row["short_name"] or "").casefold() == name:
                found.setdefault(row["key"], paper_dict(row))
    return sorted(found.values(), key=lambda p: p["key"])


def release_issues(db: sqlite3.Connection) -> list[Issue]:
    """How the library stands to the survey release this lrmkb ships: a note when it holds
    another (or none), and, when it holds this one, the sections the survey dropped that
    `db update` kept because the user's papers are filed there."""
    from .errors import LrmkbError
    from .queries import survey_release
    from .survey_update import release_nodes

    try:
        shipped, codes = release_nodes()
    except LrmkbError:  # an installation without its survey database: nothing to compare
        return []
    held = survey_release(db)
    if held is None or held["release"] != shipped:
        what = f"survey release {held['release']}" if held else "no survey release"
        return [
            Issue(
                "survey-release",
                "note",
                "survey",
                f"this database holds {what}; lrmkb ships survey release {shipped}",
                "bring it in with `lrmkb db update` (your edits, tags, notes and papers stay)",
            )
        ]
    found = []
    for node in db.execute(
        "SELECT id, code, title FROM taxonomy_node WHERE origin = 'seeds' ORDER BY code"
    ):
        if node["code"] in codes:
            continue
        keys = node_paper_keys(db, node["id"])
        where = f"{node['code']} {node['title']} is no longer in the survey"
        if not keys:
            found.append(
                Issue(
                    "dropped-section",
                    "note",
                    node["code"],
                    f"{where} and holds nothing",
                    "`lrmkb db update` removes it",
                )
            )
            continue
        listed = " ".join(keys)
        found.append(
            Issue(
                "dropped-section",
                "problem",
                node["code"],
                f"{where}; {len(keys)} of your papers are filed there: {', '.join(keys)}",
                f"file them elsewhere (`lrmkb file {listed} --section CODE`), unfile them "
                f"(`lrmkb file {listed} --section {node['code']} --remove`), then "
                "`lrmkb db update` removes the section",
            )
        )
    return found


class _Fixes:
    """How to fix a paper's problem: an lrmkb command, or (`dev doctor`, a survey paper)
    the seeds file to edit."""

    def __init__(self, seeds: bool) -> None:
        self.seeds = seeds

    def __call__(self, paper: Paper, command: str, seeds_fix: str) -> str:
        if self.seeds and paper["source"] == "survey":
            return seeds_fix
        return command


def same_id(
    papers: list[Paper], column: Literal["arxiv_id", "doi"], what: str, fix: _Fixes
) -> list[Issue]:
    """One arXiv id (or DOI) on two records: a duplicate, or one of them has the wrong id."""
    by_id: dict[str, list[Paper]] = {}
    for paper in papers:
        if value := paper[column]:
            by_id.setdefault(value.lower(), []).append(paper)
    field = "eprint" if column == "arxiv_id" else "doi"
    found = []
    for value, group in sorted(by_id.items()):
        if len(group) < 2:
            continue
        titles = "; ".join(f"{p['key']} “{p['title']}”" for p in group)
        same = len({p["title"].casefold() for p in group}) == 1
        extra = group[-1]
        hint = (
            fix(
                extra,
                f"remove the extra copy: `lrmkb rm {extra['key']}`",
                "merge the duplicates in seeds/papers.bib",
            )
            if same
            else fix(
                extra,
                f"correct the {what} of the paper it is not, e.g. `lrmkb edit {extra['key']} {field}=…`",
                f"correct the {what} of the paper it is not in seeds/papers.bib",
            )
        )
        found.append(
            Issue(
                f"duplicate-{column.replace('_', '-')}",
                "problem",
                group[0]["key"],
                f"{what} {value} is on {len(group)} papers"
                + (" with the same title" if same else " with different titles")
                + f": {titles}",
                hint,
            )
        )
    return found


def shared_short_names(papers: list[Paper], fix: _Fixes) -> list[Issue]:
    by_name: dict[str, list[Paper]] = {}
    for paper in papers:
        if paper["short_name"]:
            by_name.setdefault(paper["short_name"].casefold(), []).append(paper)
    return [
        Issue(
            "duplicate-short-name",
            "problem",
            group[0]["key"],
            f"short name {name!r} is used by {', '.join(p['key'] for p in group)}",
            fix(
                group[-1],
                f"give each paper its own: `lrmkb edit {group[-1]['key']} shortname=NAME`",
                "give each paper its own short name (`shortname` in seeds/papers.bib)",
            ),
        )
        for name, group in sorted(by_name.items())
        if len(group) > 1
    ]


def papers_in_no_node(db: sqlite3.Connection) -> list[Issue]:
    """Survey papers filed nowhere: the survey cites every paper somewhere."""
    rows = db.execute(
        """SELECT key FROM paper WHERE source = 'survey' AND survey_role IS NOT 'survey'
           AND id NOT IN (SELECT paper_id FROM paper_node) ORDER BY key"""
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


def bad_links(papers: list[Paper], fix: _Fixes) -> list[Issue]:
    found = []
    for paper in papers:
        for value, field, what in [
            (paper["code_url"], "code", "code link"),
            (paper["url"], "url", "web link"),
        ]:
            if value and not is_url(value):
                found.append(
                    Issue(
                        "bad-link",
                        "problem",
                        paper["key"],
                        f"{paper['key']}: {what} {value!r} is not an http(s) URL",
                        fix(
                            paper,
                            f"write the full address: `lrmkb edit {paper['key']} {field}=https://…`",
                            f"write the full address in `{field}` in seeds/papers.bib",
                        ),
                    )
                )
    return found


def bad_keys(papers: list[Paper], fix: _Fixes) -> list[Issue]:
    """Keys a LaTeX document cannot cite as they are (a space, a comma, a brace…): the
    export has to write them differently. A user's own keys (`Aagesen1987`,
    `Bert:2001:SQL`) are fine."""
    return [
        Issue(
            "bad-key",
            "problem",
            p["key"],
            f"key {p['key']!r} has characters \\cite cannot take (outside A-Z a-z 0-9 _ : . + / -)",
            fix(
                p,
                f"rename it (the old key stays an alias): `lrmkb rename '{p['key']}' {_house_key(p)}`",
                "rename it in seeds/papers.bib to the house style (lowercase ASCII letters, "
                "digits, _ and -)",
            ),
        )
        for p in papers
        if UNSAFE_KEY_RE.search(p["key"]) or not p["key"].isascii()
    ]


def likely_duplicates(db: sqlite3.Connection, ids: list[int] | None = None) -> list[Issue]:
    """Pairs of papers the fuzzy rung of the dedupe ladder would call one paper — similar
    titles, same first author, years at most one apart, nothing contradicting — that
    are two records all the same (two entries of one file are never merged on title):
    listed for the user to decide. Given `ids`, the pairs that hold one of those papers
    (their buckets read through ix_paper_dedupe)."""
    from .dedupe import DuplicateIndex, Library

    if ids is None:
        index = DuplicateIndex(Library(db, preload=True))
        for key, ident in Library(db).unkeyed():
            index.add(key, ident)
        pairs = set(index.similar_pairs())
    else:
        pairs = set(Library(db).likely_pairs(ids))
    return [
        Issue(
            "likely-duplicate",
            "note",
            first,
            f"{first} and {second} look like one paper (titles {score:.0f}% alike,"
            " same first author and year)",
            f"if they are one paper: `lrmkb rm {second}`; if not, nothing to do",
        )
        for first, second, score in sorted(pairs)
    ]


def _house_key(paper: Paper) -> str:
    """The key `add` and `import` would give the paper."""
    from .ids import base_key

    return base_key(paper["authors"], paper["year"], paper["title"])


def missing_ids(papers: list[Paper]) -> list[Issue]:
    """A published survey paper with neither DOI nor arXiv id cannot be looked up or
    deduplicated."""
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


def report(diagnosis: Diagnosis) -> dict[str, Any]:
    """The `--json` document (`sampled`: the papers a sampled diagnosis read, as in
    `db check --json`)."""
    issues = diagnosis.issues
    problems = sum(1 for i in issues if i.severity == "problem")
    found: dict[str, Any] = {
        "ok": not problems,
        "problems": problems,
        "notes": len(issues) - problems,
        "issues": [asdict(i) for i in issues],
    }
    if diagnosis.sampled is not None:
        found["sampled"] = diagnosis.sampled
    return found
