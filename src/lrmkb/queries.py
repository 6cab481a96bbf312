"""Read-only queries in plain SQL over sqlite3 (a `store.Database` or any connection with
`sqlite3.Row` rows)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypedDict, cast

from .errors import NotFound
from .ids import parse_arxiv_id, parse_doi
from .records import (
    JSON_LIST_FIELDS,
    PAPER_FIELDS,
    BibField,
    BibPaper,
    BibParts,
    Evidence,
    Finding,
    FindingText,
    Node,
    NodeRef,
    Paper,
    PaperFinding,
    PaperRecord,
)

STANCES = ("supports", "contradicts", "mentions")


def paper_dict(row: sqlite3.Row) -> Paper:
    """A paper row as plain data, JSON lists decoded."""
    columns = dict(zip(row.keys(), row, strict=True))  # faster than row[name], by name
    data = {name: columns[name] for name in PAPER_FIELDS}
    for name in JSON_LIST_FIELDS:
        text = columns[name]
        data[name] = json.loads(text) if text and text != "[]" else []
    data["authors_more"] = bool(columns["authors_more"])
    return cast(Paper, data)


def citation_labels(db: sqlite3.Connection, keys: Iterable[str] | None = None) -> dict[str, str]:
    """Key → author-year label (`Ward et al., 2025b`, `citation.author_year_labels`) for
    every paper, or for those of `keys`: each lettered among all the papers of the
    database that would share its label (only papers of the same years are read)."""
    from .citation import author_year_labels

    sql = "SELECT key, title, authors, authors_more, year, survey_ref FROM paper"
    params: list[Any] = []
    if keys is not None:
        keys = list(keys)
        sql += (
            " WHERE year IS NULL OR year IN (SELECT year FROM paper WHERE key IN"
            " (SELECT value FROM json_each(?)))"
        )
        params.append(json.dumps(keys))
    papers: list[Paper] = [
        {
            "key": r["key"],
            "title": r["title"],
            "authors": json.loads(r["authors"] or "[]"),
            "authors_more": bool(r["authors_more"]),
            "year": r["year"],
            "survey_ref": r["survey_ref"],
        }
        for r in db.execute(sql, params)
    ]
    labels = author_year_labels(papers)
    return labels if keys is None else {k: labels[k] for k in keys if k in labels}


SUGGEST_FROM_ALL = 5000
"""Up to this many papers, "did you mean" weighs every key and title; in a bigger library,
only the keys that begin as the text does (`_key_neighbours`), so that a mistyped key
costs the same at 100,000 papers as at 100."""


def suggestions(db: sqlite3.Connection, text: str, limit: int = 3) -> list[str]:
    """Keys of the papers whose key or title is closest to `text` (for "did you mean"),
    best first, by rapidfuzz's WRatio (≥ 60 of 100) on lower-cased words."""
    from rapidfuzz import fuzz, process, utils

    small = db.execute("SELECT 1 FROM paper LIMIT 1 OFFSET ?", (SUGGEST_FROM_ALL,)).fetchone()
    if small is None:
        rows = db.execute("SELECT key, title FROM paper").fetchall()
    else:
        rows = _key_neighbours(db, text)
    choices = {r["key"]: f"{r['key']} {r['title']}" for r in rows}
    found = process.extract(
        text,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,  # case and punctuation do not count
        limit=limit,
        score_cutoff=60,
    )
    return [key for _, _, key in found]


def _key_neighbours(db: sqlite3.Connection, text: str, enough: int = 50) -> list[sqlite3.Row]:
    """Papers whose key begins with the longest start of `text` that some key begins
    with, then with shorter starts (down to three characters) until `enough` are found:
    a typo after the first letters still finds its key, through ix_paper_key_nocase."""
    found: dict[str, sqlite3.Row] = {}
    start = text.strip()
    for end in range(len(start), 2, -1):
        prefix = start[:end]
        for row in db.execute(
            "SELECT key, title FROM paper WHERE key >= ? COLLATE NOCASE"
            " AND key < ? COLLATE NOCASE ORDER BY key COLLATE NOCASE LIMIT ?",
            (prefix, prefix + "\U0010ffff", enough),
        ):
            found.setdefault(row["key"], row)
        if len(found) >= enough:
            break
    return list(found.values())


def find_paper(db: sqlite3.Connection, ref: str) -> sqlite3.Row:
    """Resolve a citation key, an alias of one (`paper_alias`), any spelling of an arXiv id,
    or a DOI to one paper; NotFound (with near misses) when nothing matches."""
    if found := resolve_paper(db, ref):
        return found[0]
    near = suggestions(db, ref)
    hint = f"did you mean {', '.join(near)}?" if near else "try `lrmkb search WORDS`"
    raise NotFound(f"no paper {ref!r}", hint)


def find_papers(db: sqlite3.Connection, refs: Iterable[str]) -> dict[int, sqlite3.Row]:
    """`find_paper` of each ref, by paper id, in the order first named: two refs to one
    paper (its key and its arXiv id) give it once."""
    papers: dict[int, sqlite3.Row] = {}
    for ref in refs:
        row = find_paper(db, ref)
        papers.setdefault(row["id"], row)
    return papers


def node_paper_keys(db: sqlite3.Connection, node_id: int) -> list[str]:
    """The keys of the papers filed directly under a node, sorted."""
    rows = db.execute(
        "SELECT p.key FROM paper_node pn JOIN paper p ON p.id = pn.paper_id"
        " WHERE pn.node_id = ? ORDER BY p.key",
        (node_id,),
    )
    return [r[0] for r in rows]


def resolve_paper(db: sqlite3.Connection, ref: str) -> tuple[sqlite3.Row, str] | None:
    """The paper `ref` names and how it names it — `key`, `alias`, `arxiv` or `doi` — or
    None. The ladder: exact key, alias, arXiv id, DOI, key in another case."""
    row = db.execute("SELECT * FROM paper WHERE key = ?", (ref,)).fetchone()
    if row is not None:
        return row, "key"
    row = db.execute(
        "SELECT paper.* FROM paper_alias JOIN paper ON paper.id = paper_alias.paper_id"
        " WHERE paper_alias.alias = ?",
        (ref,),
    ).fetchone()
    if row is not None:
        return row, "alias"
    if arxiv := parse_arxiv_id(ref):
        row = db.execute(
            "SELECT * FROM paper WHERE arxiv_id = ? ORDER BY id LIMIT 1", (arxiv.id,)
        ).fetchone()
        if row is not None:
            return row, "arxiv"
    if doi := parse_doi(ref):
        row = db.execute(
            "SELECT * FROM paper WHERE doi = ? COLLATE NOCASE ORDER BY id LIMIT 1",  # ix_paper_doi_nocase
            (doi,),
        ).fetchone()
        if row is not None:
            return row, "doi"
    row = db.execute(  # ix_paper_key_nocase
        "SELECT * FROM paper WHERE key = ? COLLATE NOCASE ORDER BY id LIMIT 1", (ref,)
    ).fetchone()
    return (row, "key") if row is not None else None


def paper_record(db: sqlite3.Connection, row: sqlite3.Row) -> PaperRecord:
    """Everything known about one paper: metadata, its author-year label (`cite`), nodes,
    findings, tags and the user's notes (Markdown, or None)."""
    return paper_records(db, [row])[0]


def paper_records(db: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> list[PaperRecord]:
    """`paper_record` for each row, the labels read once for all."""
    labels = citation_labels(db, [r["key"] for r in rows])
    return [_record(db, row, labels[row["key"]]) for row in rows]


def _record(db: sqlite3.Connection, row: sqlite3.Row, cite: str) -> PaperRecord:
    nodes = [
        cast(NodeRef, dict(r))
        for r in db.execute(
            """SELECT n.code, n.title, n.kind FROM paper_node pn
               JOIN taxonomy_node n ON n.id = pn.node_id
               WHERE pn.paper_id = ? ORDER BY n.code""",
            (row["id"],),
        )
    ]
    findings = [
        cast(PaperFinding, dict(r))
        for r in db.execute(
            """SELECT f.slug AS id, f.kind, n.code AS node, fp.stance, f.text, f.source,
                      f.debate, f.survey_page FROM finding_paper fp
               JOIN finding f ON f.id = fp.finding_id
               JOIN taxonomy_node n ON n.id = f.node_id
               WHERE fp.paper_id = ? ORDER BY f.survey_order, f.id""",
            (row["id"],),
        )
    ]
    tags = [
        r[0]
        for r in db.execute(
            "SELECT tag FROM paper_tag WHERE paper_id = ? ORDER BY tag", (row["id"],)
        )
    ]
    note = db.execute("SELECT text FROM paper_note WHERE paper_id = ?", (row["id"],)).fetchone()
    return PaperRecord(
        **paper_dict(row),
        cite=cite,
        nodes=nodes,
        findings=findings,
        tags=tags,
        notes=note[0] if note else None,
        **bib_parts(db, [row["id"]])[row["id"]],
    )


def bibliography(db: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> list[BibPaper]:
    """The papers of `rows` as a bibliography export needs them: columns, `fields` (an
    imported entry's fields as written), `aliases` and `tags` — four queries for all."""
    ids = [r["id"] for r in rows]
    parts = bib_parts(db, ids)
    tags: dict[int, list[str]] = {i: [] for i in ids}
    for r in db.execute(
        "SELECT paper_id, tag FROM paper_tag"
        " WHERE paper_id IN (SELECT value FROM json_each(?)) ORDER BY tag",
        (json.dumps(ids),),
    ):
        tags[r[0]].append(r[1])
    return [BibPaper(**paper_dict(r), **parts[r["id"]], tags=tags[r["id"]]) for r in rows]


def bib_parts(db: sqlite3.Connection, ids: list[int]) -> dict[int, BibParts]:
    """Per paper id: `fields` — its BibTeX fields as written, in order (`paper_field`:
    name, LaTeX value, bare, Unicode text; empty for a paper that did not come from a
    .bib file) — and `aliases`, its other keys."""
    parts = {i: BibParts(fields=[], aliases=[]) for i in ids}
    if not ids:
        return parts
    chosen = json.dumps(ids)
    fields: list[BibField] = []
    last = None
    for paper_id, name, value, bare, text in db.execute(
        "SELECT paper_id, name, value, bare, text FROM paper_field"
        " WHERE paper_id IN (SELECT value FROM json_each(?)) ORDER BY paper_id, position",
        (chosen,),
    ):
        if paper_id != last:
            fields, last = parts[paper_id]["fields"], paper_id
        fields.append({"name": name, "value": value, "bare": bool(bare), "text": text})
    for r in db.execute(
        "SELECT paper_id, alias FROM paper_alias"
        " WHERE paper_id IN (SELECT value FROM json_each(?)) ORDER BY alias",
        (chosen,),
    ):
        parts[r[0]]["aliases"].append(r[1])
    return parts


def find_node(db: sqlite3.Connection, code: str) -> sqlite3.Row:
    """A taxonomy node by its code (`4.3`, `4.3.2`, `B`), case-insensitive."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM taxonomy_node WHERE upper(code) = upper(?)", (code,)
    ).fetchone()
    if row is None:
        from rapidfuzz import process

        codes = {
            r["code"]: f"{r['code']} {r['title']}"
            for r in db.execute("SELECT * FROM taxonomy_node")
        }
        near = [c for _, _, c in process.extract(code, codes, limit=3, score_cutoff=50)]
        hint = f"did you mean {', '.join(near)}?" if near else "see `lrmkb tree` for the codes"
        raise NotFound(f"no section {code!r}", hint)
    return row


def subtree_ids(db: sqlite3.Connection, codes: Iterable[str]) -> list[int]:
    """Ids of the given nodes and all their descendants (a section includes its questions)."""
    roots = [find_node(db, code)["id"] for code in codes]
    if not roots:
        return []
    marks = ",".join("?" * len(roots))
    return [
        r[0]
        for r in db.execute(
            f"""WITH RECURSIVE sub(id) AS (
                    SELECT id FROM taxonomy_node WHERE id IN ({marks})
                    UNION SELECT n.id FROM taxonomy_node n JOIN sub ON n.parent_id = sub.id)
                SELECT id FROM sub""",
            roots,
        )
    ]


def taxonomy(db: sqlite3.Connection) -> list[Node]:
    """All nodes in reading order, each with its direct and subtree paper counts."""
    rows = db.execute(
        """SELECT n.id, n.code, n.title, n.kind, n.position, n.summary, p.code AS parent,
                  n.survey_heading, n.figure_heading, n.survey_page,
                  (SELECT count(*) FROM paper_node pn WHERE pn.node_id = n.id) AS own_papers
           FROM taxonomy_node n LEFT JOIN taxonomy_node p ON p.id = n.parent_id"""
    ).fetchall()
    nodes = {r["code"]: dict(r) for r in rows}
    counts = _papers_under(db)
    ordered: list[Node] = []

    def walk(parent: str | None, depth: int) -> None:
        children = sorted(
            (n for n in nodes.values() if n["parent"] == parent),
            key=lambda n: (n["position"], n["code"]),
        )
        for node in children:
            papers = counts[node.pop("id")]
            ordered.append(cast(Node, {**node, "papers": papers, "depth": depth}))
            walk(node["code"], depth + 1)

    walk(None, 0)
    return ordered


def _papers_under(db: sqlite3.Connection) -> dict[int, int]:
    """Node id → the number of distinct papers filed under the node or any node below
    it. One read of `paper_node`, then each node's papers added to its ancestors' sets:
    a recursive query joining every filing to every ancestor took twice as long at
    100,000 papers."""
    parents = dict(db.execute("SELECT id, parent_id FROM taxonomy_node").fetchall())
    filed: dict[int, set[int]] = {}
    for node, paper in db.execute("SELECT node_id, paper_id FROM paper_node"):
        filed.setdefault(node, set()).add(paper)
    under: dict[int, set[int]] = {node: set() for node in parents}
    for node, papers in filed.items():
        while node is not None:
            under[node] |= papers
            node = parents[node]
    return {node: len(papers) for node, papers in under.items()}


def findings(
    db: sqlite3.Connection, sections: Iterable[str] = (), *, debates: bool = False
) -> list[Finding]:
    """Findings in the survey's reading order, with the papers behind them and where in
    the survey each comes from; `debates` keeps only those that set papers against each
    other."""
    sections = list(sections)
    clauses: list[str] = []
    params: list[int] = []
    if sections:
        ids = subtree_ids(db, sections)
        clauses.append(f"f.node_id IN ({','.join('?' * len(ids))})")
        params = ids
    if debates:
        clauses.append("f.debate IS NOT NULL")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = db.execute(
        f"""SELECT f.id, f.slug, f.kind, f.text, f.source, f.debate, f.survey_page, f.survey_order,
                   n.code AS node, n.title AS node_title, n.survey_heading
            FROM finding f JOIN taxonomy_node n ON n.id = f.node_id {where}
            ORDER BY f.survey_order, f.id""",
        params,
    ).fetchall()
    evidence: dict[int, list[Evidence]] = {}
    cited = db.execute(
        """SELECT fp.finding_id, fp.stance, p.key, p.short_name
           FROM finding_paper fp JOIN paper p ON p.id = fp.paper_id
           ORDER BY fp.finding_id, CASE fp.stance WHEN 'supports' THEN 0
                    WHEN 'contradicts' THEN 1 ELSE 2 END, p.year, p.key"""
    ).fetchall()
    labels = citation_labels(db, {r["key"] for r in cited})
    for r in cited:
        evidence.setdefault(r["finding_id"], []).append(
            {
                "key": r["key"],
                "stance": r["stance"],
                "cite": labels[r["key"]],
                "short_name": r["short_name"],
            }
        )
    return [
        {
            "id": r["slug"],
            "kind": r["kind"],
            "node": r["node"],
            "node_title": r["node_title"],
            "text": r["text"],
            "source": r["source"],
            "debate": r["debate"],
            "survey": {
                "order": r["survey_order"],
                "section": r["node"],
                "heading": r["survey_heading"],
                "page": r["survey_page"],
            },
            "papers": evidence.get(r["id"], []),
        }
        for r in rows
    ]


class Side(TypedDict):
    """A paper on one side of a debate."""

    key: str
    cite: str
    short_name: str | None


class Debate(FindingText):
    """A finding that sets papers against each other (`debates`)."""

    question: str | None
    sides: dict[str, list[Side]]  # stance → the papers that take it


def debates(db: sqlite3.Connection, sections: Iterable[str] = ()) -> list[Debate]:
    """The disagreements the survey stages, in its reading order: each debate finding with
    the disputed `question` and its papers grouped by side (`supports` answer yes,
    `contradicts` no, `mentions` bridge the two)."""
    found = []
    for item in findings(db, sections, debates=True):
        sides: dict[str, list[Side]] = {s: [] for s in STANCES}
        for e in item["papers"]:
            sides[e["stance"]].append(
                {"key": e["key"], "cite": e["cite"], "short_name": e["short_name"]}
            )
        found.append(
            Debate(
                question=item["debate"],
                id=item["id"],
                kind=item["kind"],
                node=item["node"],
                node_title=item["node_title"],
                text=item["text"],
                source=item["source"],
                survey=item["survey"],
                sides=sides,
            )
        )
    return found


def papers(
    db: sqlite3.Connection,
    sections: Iterable[str] = (),
    tags: Iterable[str] = (),
    keys: Iterable[str] = (),
) -> list[sqlite3.Row]:
    """Papers selected by sections (with their questions), tags or keys; all if none given.
    Selections combine as a union, ordered by key."""
    return _select(db, "*", sections, tags, keys).fetchall()


def selected(
    db: sqlite3.Connection,
    sections: Iterable[str] = (),
    tags: Iterable[str] = (),
    keys: Iterable[str] = (),
) -> tuple[list[int], list[str]]:
    """The ids and the keys of the papers `papers` selects, in its order: little to hold
    for a whole library, whose rows are then read a batch at a time (`row_batches`)."""
    ids: list[int] = []
    found: list[str] = []
    for paper_id, key in _select(db, "id, key", sections, tags, keys):
        ids.append(paper_id)
        found.append(key)
    return ids, found


def _select(
    db: sqlite3.Connection,
    columns: str,
    sections: Iterable[str],
    tags: Iterable[str],
    keys: Iterable[str],
) -> sqlite3.Cursor:
    sections, tags, keys = list(sections), list(tags), list(keys)
    if not (sections or tags or keys):
        return db.execute(f"SELECT {columns} FROM paper ORDER BY key")
    ids: set[int] = set()
    if sections:
        node_ids = subtree_ids(db, sections)
        marks = ",".join("?" * len(node_ids))
        ids |= {
            r[0]
            for r in db.execute(
                f"SELECT paper_id FROM paper_node WHERE node_id IN ({marks})", node_ids
            )
        }
    for tag in tags:
        ids |= {r[0] for r in db.execute("SELECT paper_id FROM paper_tag WHERE tag = ?", (tag,))}
    for key in keys:
        ids.add(find_paper(db, key)["id"])
    return db.execute(
        f"SELECT {columns} FROM paper WHERE id IN (SELECT value FROM json_each(?)) ORDER BY key",
        (json.dumps(sorted(ids)),),
    )


def crossrefs(
    db: sqlite3.Connection, ids: Sequence[int]
) -> list[tuple[int, str, int | None, str | None]]:
    """The `crossref` fields of the papers of `ids`: (paper id, the value, id and key of
    each paper whose key it names in any letter case, or None), by paper, in field
    order."""
    return [
        (r[0], r[1], r[2], r[3])
        for r in db.execute(
            "SELECT f.paper_id, f.value, p.id, p.key FROM paper_field f"
            " LEFT JOIN paper p ON p.key = f.value COLLATE NOCASE"
            " WHERE f.paper_id IN (SELECT value FROM json_each(?))"
            " AND lower(f.name) = 'crossref' ORDER BY f.paper_id, f.position, p.id",
            (json.dumps(list(ids)),),
        )
    ]


BATCH = 500
"""Papers read at once by the iterators below (`rows_of`): enough to keep the queries
few, few enough that memory stays flat however large the library."""


def row_batches(db: sqlite3.Connection, ids: Sequence[int]) -> Iterator[list[sqlite3.Row]]:
    """The paper rows of `ids`, in that order, `BATCH` at a time."""
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found = {
            r["id"]: r
            for r in db.execute(
                "SELECT * FROM paper WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(chunk)),),
            )
        }
        yield [found[i] for i in chunk]


def rows_of(db: sqlite3.Connection, ids: Sequence[int]) -> list[sqlite3.Row]:
    """The paper rows of `ids`, in that order, all at once."""
    return [row for batch in row_batches(db, ids) for row in batch]


def bibliographies(db: sqlite3.Connection, ids: Sequence[int]) -> Iterator[BibPaper]:
    """`bibliography` of the papers of `ids`, in that order, read as they are iterated."""
    for batch in row_batches(db, ids):
        yield from bibliography(db, batch)


def records_of(db: sqlite3.Connection, ids: Sequence[int]) -> Iterator[PaperRecord]:
    """`paper_record` of the papers of `ids`, in that order, read as they are iterated
    (the labels once for all, first)."""
    keys = db.execute(
        "SELECT key FROM paper WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(ids)),),
    )
    labels = citation_labels(db, [k for (k,) in keys])
    for batch in row_batches(db, ids):
        for row in batch:
            yield _record(db, row, labels[row["key"]])


def tags(db: sqlite3.Connection) -> list[dict[str, Any]]:
    return [
        {"tag": r[0], "papers": r[1]}
        for r in db.execute("SELECT tag, count(*) FROM paper_tag GROUP BY tag ORDER BY tag")
    ]


def survey_release(db: sqlite3.Connection) -> dict[str, str] | None:
    """The survey release the database holds (`lrmkb db update`), or None."""
    row = db.execute("SELECT release, built, applied FROM survey_release").fetchone()
    return dict(row) if row else None


def check_tags(db: sqlite3.Connection, names: Iterable[str]) -> None:
    """A selection by a tag no paper has is a typo, not an empty result (docs/output.md):
    raises NotFound naming the tags there are. Tags are stored in lower case."""
    known = [t["tag"] for t in tags(db)]
    for name in names:
        if name.lower() not in known:
            hint = f"known tags: {', '.join(known)}" if known else "no paper has tags yet"
            raise NotFound(f"no tag {name!r}", hint)


def stats(db: sqlite3.Connection) -> dict[str, Any]:
    """Counts a curator checks: totals, papers per section and per year."""

    def one(sql: str) -> int:
        return int(db.execute(sql).fetchone()[0])

    kinds = dict(db.execute("SELECT kind, count(*) FROM taxonomy_node GROUP BY kind").fetchall())
    finding_kinds = dict(db.execute("SELECT kind, count(*) FROM finding GROUP BY kind").fetchall())
    by_year: dict[int | None, int] = {}
    by_source: dict[str, int] = {}
    # one pass over ix_paper_year_source (an index, not the table) gives all three counts
    for year, source, count in db.execute(
        "SELECT year, source, count(*) FROM paper GROUP BY year, source"
    ):
        by_year[year] = by_year.get(year, 0) + count
        by_source[source] = by_source.get(source, 0) + count
    return {
        "papers": sum(by_source.values()),
        "nodes": one("SELECT count(*) FROM taxonomy_node"),
        "node_kinds": kinds,
        "findings": one("SELECT count(*) FROM finding"),
        "takeaways": finding_kinds.get("takeaway", 0),
        "claims": finding_kinds.get("claim", 0),
        "tags": one("SELECT count(DISTINCT tag) FROM paper_tag"),
        "notes": one("SELECT count(*) FROM paper_note"),
        "survey_release": survey_release(db),
        "papers_by_source": dict(sorted(by_source.items())),
        "papers_per_section": [
            {"code": n["code"], "title": n["title"], "papers": n["papers"]}
            for n in taxonomy(db)
            if n["kind"] != "question"
        ],
        "papers_per_year": [
            {"year": year, "papers": by_year[year]}
            for year in sorted(by_year, key=lambda y: (y is None, y or 0))
        ],
    }


def history(db: sqlite3.Connection, paper_id: int) -> list[dict[str, Any]]:
    """Every logged change of a paper (`lrmkb edit`, `db update`), oldest first: `{"field", "old", "new", "via",
    "who", "at"}` with the values decoded."""
    return [
        {
            "field": r["field"],
            "old": json.loads(r["old_value"]) if r["old_value"] is not None else None,
            "new": json.loads(r["new_value"]) if r["new_value"] is not None else None,
            "via": r["via"],
            "who": r["who"],
            "at": r["at"],
        }
        for r in db.execute(
            "SELECT field, old_value, new_value, via, who, at FROM paper_edit"
            " WHERE paper_id = ? ORDER BY id",
            (paper_id,),
        )
    ]
