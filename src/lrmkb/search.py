"""Search: the FTS5 index over papers, findings and taxonomy nodes, and `search`, which
answers a query from it.

`search_index` (porter stemming, diacritics removed) answers queries and ranks them with
bm25. `search_words` indexes the same text unstemmed (its content is `search_index`'s, no
positions) only so that `search_vocab` (fts5vocab) lists the real words a typo is
corrected against.
A row's rowid says what it is: a paper's rowid is its id, findings and nodes live in
negative ranges, so "papers only" is a rowid range FTS5 can seek, not a filter on every hit.

`refresh_index` keeps both tables in step with the data; every write calls it inside its
own transaction (`index_new_papers` is its fast path for the papers an import inserts).
`search` reads the query (`query.py`), looks up what it names exactly (a key, an arXiv id,
a DOI, a paper's short name or title, an author), ranks the rest (`ranking.py`) and
describes the results: the answer (the best topic, its takeaways, key claims and contrary
evidence), then topics, findings and papers, each with its total."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from .errors import BadInput
from .query import Query, clean, correct, corrected_text, drop_common, fold, parse

if TYPE_CHECKING:
    from .records import Paper

KINDS = ("finding", "node", "paper")
SPAN = 1 << 40
OFFSETS = {"paper": 0, "finding": -SPAN, "node": -2 * SPAN}  # rowid = offset + id

COLUMNS = ("title", "short_name", "authors", "body", "tags", "context")
_WORDS_ROW = itemgetter(0, *range(3, 3 + len(COLUMNS)))  # an index row without kind and ref
# bm25 weights, in column order: what a paper is called counts most, then its tags and
# authors, then the titles of the sections it sits in, then abstract and claims.
WEIGHTS = (10.0, 8.0, 3.0, 1.0, 4.0, 2.0)
BULK = 1000  # re-indexing this many papers at once ends by merging the index segments
KEY_CLAIMS = 3  # claims an answer shows
AUTHOR_WORDS = 3  # a query of up to this many words may be an author's name


# --- the index ---------------------------------------------------------------------------


def refresh_index(db: sqlite3.Connection, paper_keys: Iterable[str] | None = None) -> None:
    """Re-index the given papers (new, changed or deleted), or everything when None."""
    paths = _node_paths(db)
    if paper_keys is None:
        db.execute("DELETE FROM search_index")
        db.execute("INSERT INTO search_words (search_words) VALUES ('delete-all')")
        _insert(db, list(_paper_docs(db, paths, "", [])))
        _insert(db, list(_finding_docs(db, paths)))
        _insert(db, list(_node_docs(db, paths)))
        return
    keys = list(dict.fromkeys(paper_keys))
    for chunk in _chunks(keys, 500):
        marks = ",".join("?" * len(chunk))
        ids = dict(
            db.execute(f"SELECT key, id FROM paper WHERE key IN ({marks})", chunk).fetchall()
        )
        stale = set(ids.values())
        if gone := [k for k in chunk if k not in ids]:  # deleted papers: find them by key
            stale |= {
                r[0]
                for r in db.execute(
                    f"SELECT rowid FROM search_index WHERE kind = 'paper'"
                    f" AND ref IN ({','.join('?' * len(gone))})",
                    gone,
                )
            }
        _delete(db, sorted(stale))
        id_marks = ",".join("?" * len(ids))
        _insert(db, list(_paper_docs(db, paths, f"WHERE p.id IN ({id_marks})", list(ids.values()))))
    if len(keys) >= BULK:
        for table in ("search_index", "search_words"):
            db.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")


def refresh_nodes(db: sqlite3.Connection, node_ids: Iterable[int]) -> None:
    """Re-index taxonomy nodes just added, changed or removed (the user's own: `lrmkb
    node`); the papers filed under them are the caller's to re-index."""
    rowids = {OFFSETS["node"] + node_id for node_id in node_ids}
    _delete(db, sorted(rowids))
    _insert(db, [doc for doc in _node_docs(db, _node_paths(db)) if doc[0] in rowids])


def index_new_papers(
    db: sqlite3.Connection,
    papers: Sequence[tuple[int, Paper, Iterable[int]]],
    tags: Iterable[str],
    own_tags: Mapping[str, Iterable[str]] | None = None,
) -> None:
    """Index papers the caller has just inserted — (id, paper columns, node ids) each, all
    given `tags`, and each its `own_tags` by key (an entry's keywords) — as `refresh_index` would, but from the caller's records: a new paper has
    no claims yet and only the tags and nodes its command gave it, so reading 10,000 of
    them back, and deleting index rows they cannot have, is an import's wasted time.
    Nor does it end with FTS5's `optimize`, which rewrites the whole index: FTS5 merges
    the new segments as it goes, and searches measured no faster after it (10,000 new
    papers; 4% faster after 100,000), while each import would rewrite a large library."""
    if not papers:
        return
    paths = _node_paths(db)
    tags = set(tags)
    own_tags = own_tags or {}

    def tag_text(key: str) -> str:  # what group_concat gives, in primary-key order
        return " ".join(sorted(tags.union(own_tags.get(key, ()))))

    _delete(db, _leftovers(db, {OFFSETS["paper"] + paper_id for paper_id, _, _ in papers}))
    _insert(
        db,
        [
            _paper_doc(
                paper_id,
                p["key"],
                p["title"],
                p["short_name"],
                p["authors"] or [],
                p["abstract"],
                tag_text(p["key"]),
                _context(paths, sorted(nodes)) if nodes else "",
            )
            for paper_id, p, nodes in papers
        ],
    )


def _leftovers(db: sqlite3.Connection, rowids: set[int]) -> list[int]:
    """Which of `rowids` the index holds already: a row left behind by a paper deleted
    without its index row would make inserting a new paper that got its id fail."""
    rows = db.execute(
        "SELECT rowid FROM search_index WHERE rowid >= ? AND rowid <= ?", (min(rowids), max(rowids))
    )
    return [r[0] for r in rows if r[0] in rowids]


def expected_index(
    db: sqlite3.Connection, paper_ids: Sequence[int] | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every row the index should hold, as `refresh_index` would write it (for `db check`);
    with `paper_ids`, only those papers' rows, and every finding's and node's."""
    paths = _node_paths(db)
    if paper_ids is None:
        yield from _paper_docs(db, paths, "", [])
    else:
        where = "WHERE p.id IN (SELECT value FROM json_each(?))"
        yield from _paper_docs(db, paths, where, [json.dumps(list(paper_ids))])
    yield from _finding_docs(db, paths)
    yield from _node_docs(db, paths)


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert(db: sqlite3.Connection, docs: list[tuple[Any, ...]]) -> None:
    cols = ", ".join(COLUMNS)
    marks = ", ".join("?" * len(COLUMNS))
    db.executemany(
        f"INSERT INTO search_index (rowid, kind, ref, {cols}) VALUES (?, ?, ?, {marks})", docs
    )
    db.executemany(
        f"INSERT INTO search_words (rowid, {cols}) VALUES (?, {marks})",
        map(_WORDS_ROW, docs),
    )


def _delete(db: sqlite3.Connection, rowids: list[int]) -> None:
    """An external-content table forgets a row only when told exactly what it held (so
    `search_words` is told before `search_index` forgets)."""
    cols = ", ".join(COLUMNS)
    params = [(rowid,) for rowid in rowids]
    db.executemany(
        f"INSERT INTO search_words (search_words, rowid, {cols})"
        f" SELECT 'delete', rowid, {cols} FROM search_index WHERE rowid = ?",
        params,
    )
    db.executemany("DELETE FROM search_index WHERE rowid = ?", params)


def _node_paths(db: sqlite3.Connection) -> dict[int, list[str]]:
    """Each node's title followed by its ancestors' titles: a paper in 4.3.1 is about
    "Overthinking" (4.3) even though 4.3.1's own title never says so."""
    rows = {
        r[0]: (r[1], r[2]) for r in db.execute("SELECT id, title, parent_id FROM taxonomy_node")
    }
    paths: dict[int, list[str]] = {}
    for node_id in rows:
        path: list[str] = []
        current = node_id
        while current is not None and current in rows and len(path) < 16:
            title, current = rows[current]
            path.append(title)
        paths[node_id] = path
    return paths


def _context(paths: dict[int, list[str]], node_ids: Iterable[int]) -> str:
    titles = dict.fromkeys(t for n in node_ids for t in paths.get(n, []))
    return " ".join(titles)


def _paper_docs(
    db: sqlite3.Connection, paths: dict[int, list[str]], where: str, params: list[Any]
) -> Iterator[tuple[Any, ...]]:
    rows = db.execute(
        f"""SELECT p.id, p.key, p.title, p.short_name, p.other_short_names, p.authors,
                p.abstract,
                (SELECT text FROM paper_note n WHERE n.paper_id = p.id) AS notes,
                (SELECT group_concat(f.text, ' ') FROM finding_paper fp
                    JOIN finding f ON f.id = fp.finding_id WHERE fp.paper_id = p.id) AS claims,
                (SELECT group_concat(tag, ' ') FROM paper_tag t WHERE t.paper_id = p.id) AS tags,
                (SELECT group_concat(node_id, ' ') FROM paper_node pn
                    WHERE pn.paper_id = p.id) AS nodes
            FROM paper p {where} ORDER BY p.id""",
        params,
    )
    for r in rows:
        nodes = [int(n) for n in (r["nodes"] or "").split()]
        yield _paper_doc(
            r["id"],
            r["key"],
            r["title"],
            " ".join(_short_names(r["short_name"], r["other_short_names"])),
            json.loads(r["authors"] or "[]"),
            " ".join(filter(None, [r["abstract"], r["claims"], r["notes"]])),
            r["tags"] or "",
            _context(paths, nodes),
        )


def _short_names(short_name: str | None, others: str | None) -> list[str]:
    """A paper's short name and the others it goes by (a JSON list, as the survey's
    companion list spells them)."""
    return [n for n in [short_name, *json.loads(others or "[]")] if n]


def _paper_doc(
    paper_id: int,
    key: str,
    title: str,
    short_name: str | None,
    authors: list[str],
    body: str | None,
    tags: str,
    context: str,
) -> tuple[Any, ...]:
    """One paper's index row: its text as search ranks it (every short name it goes by in
    `short_name`; abstract, claims and the user's notes as body)."""
    return (
        OFFSETS["paper"] + paper_id,
        "paper",
        key,
        title,
        short_name or "",
        " ".join(authors),
        body or "",
        tags,
        context,
    )


def _finding_docs(db: sqlite3.Connection, paths: dict[int, list[str]]) -> Iterator[tuple[Any, ...]]:
    for r in db.execute("SELECT id, slug, text, node_id FROM finding ORDER BY id"):
        yield (
            OFFSETS["finding"] + r["id"],
            "finding",
            r["slug"],
            "",
            "",
            "",
            r["text"],
            "",
            _context(paths, [r["node_id"]]),
        )


def _node_docs(db: sqlite3.Connection, paths: dict[int, list[str]]) -> Iterator[tuple[Any, ...]]:
    for r in db.execute(
        "SELECT id, code, title, summary, parent_id FROM taxonomy_node ORDER BY id"
    ):
        parent = [r["parent_id"]] if r["parent_id"] is not None else []
        yield (
            OFFSETS["node"] + r["id"],
            "node",
            r["code"],
            r["title"],
            "",
            "",
            r["summary"],
            "",
            _context(paths, parent),
        )


# --- searching -----------------------------------------------------------------------------


def search(
    db: sqlite3.Connection,
    text: str,
    *,
    kinds: Iterable[str] = KINDS,
    sections: Iterable[str] = (),
    tags: Iterable[str] = (),
    limit: int | None = 20,
) -> dict[str, Any]:
    """Answer `text`: what it names exactly, then topics, findings and papers ranked by
    how well they and their topics match (`ranking.py`), `limit` of each (None or 0: all).

    Returns {query, corrected, corrections, ignored, fts, lookup, topics, answer, totals,
    results}: `results` maps each kind asked for to its best results, `totals` to how many
    there are; `lookup` says the query only named papers (by key or its surname-and-year
    start, id, DOI, title or a short name nothing else uses), and
    the results are those papers, their topics and the findings that cite them.
    Raises BadInput for a query with nothing to search for (or malformed: see
    `query.parse`) and NotFound for an unknown section or tag."""
    from .ranking import allowed_papers, lead, rank

    text = clean(text)
    kinds = [k for k in KINDS if k in set(kinds)]
    named, rest = _named_by_ids(db, text)
    query = parse(rest)
    query.sections += list(sections)
    query.tags += [t.lower() for t in tags]
    if query.tags or query.not_tags:  # as `export --tag`: a tag no paper has is a typo
        from .queries import check_tags

        check_tags(db, [*query.tags, *query.not_tags])
    if not named and not query.groups() and not query.has_filters():
        if query.exclude:
            raise BadInput(f"{text!r} only excludes words", "add a word or a filter to search for")
        raise BadInput(
            f"nothing to search for in {text!r}",
            'give words, "a phrase", prefix*, or a filter such as author:chen or year:2025',
        )
    fixes = correct(db, query)
    drop_common(db, query)
    by_words = _named_by_words(db, query)
    titled = [item for item in by_words if _names_only(db, item, query.words)]
    if titled and not query.required and not query.exclude and not query.has_filters():
        named, query.soft = named + titled, []  # a whole title: the paper, not a topic
    else:
        named += by_words
    first = list(dict.fromkeys(paper_id for paper_id, _ in named))
    lookup = bool(first) and not query.groups()
    if lookup:  # filters and exclusions only narrow what was named
        ranked, leading = _about(db, allowed_papers(db, query, first), kinds), list[int]()
    else:
        by_author = any(how == "author" for _, how in named)  # a name, not a subject
        ranked, leading = rank(db, query, kinds, first, by_topic=not by_author)
    answer = None
    if leading and kinds == list(KINDS) and not query.papers_only():
        listed = [f for f, _, _ in ranked["finding"]]
        answer, takeaways = _answer(db, leading[0], listed)
        ranked["finding"] = lead(ranked["finding"], [f for f in takeaways if f in listed])
    limit = limit or None
    how = dict(reversed(named))  # the first way a paper was named wins
    results = {kind: _describe(db, kind, ranked[kind][:limit], how) for kind in kinds}
    return {
        "query": text,
        "corrected": corrected_text(text, fixes) if fixes else None,
        "corrections": [
            {"from": w, "to": r} for w, r in dict.fromkeys((w, r) for (_, w), r in fixes.items())
        ],
        "ignored": query.ignored,
        "fts": query.match(),
        "lookup": lookup,
        "topics": [_code(db, n) for n in leading],
        "answer": answer,
        "totals": {kind: len(ranked[kind]) for kind in kinds},
        "results": results,
    }


# --- exact look-ups ------------------------------------------------------------------------

_ID_LIKE_RE = re.compile(r"\d")  # keys carry a year; arXiv ids and DOIs are mostly digits


def _named_by_ids(db: sqlite3.Connection, text: str) -> tuple[list[tuple[int, str]], str]:
    """Papers named by the whole text or by a word of it — a citation key (or an alias),
    an arXiv id in any spelling, a DOI — as [(paper id, how)], and the text left over.
    Only text with a digit is tried (keys carry a year; ids and DOIs are mostly digits),
    which spares a plain search loading the id parsers."""
    if not _ID_LIKE_RE.search(text):
        return [], text
    if found := _resolve(db, text):
        return [(found[0]["id"], found[1])], ""
    named, rest = [], []
    for word in text.split():
        found = _resolve(db, word) if _ID_LIKE_RE.search(word) else None
        if found:
            named.append((found[0]["id"], found[1]))
        elif stubbed := _by_key_stub(db, word):
            named += [(paper_id, "key prefix") for paper_id in stubbed]
        else:
            rest.append(word)
    return named, " ".join(rest)


# A surname and a year, as citation keys begin (`marjanovic2025` for
# marjanovic2025deepseekr1: the house style is {firstauthor}{year}{firstcontentword}).
_KEY_STUB_RE = re.compile(r"[a-z]+(?:19|20)\d\d")


def _by_key_stub(db: sqlite3.Connection, word: str) -> list[int]:
    """The papers whose keys begin with `word` when it is a surname and a year (any case,
    accents aside), in key order; [] for any other word."""
    stub = fold(word.strip(_WRAPPING))
    if not _KEY_STUB_RE.fullmatch(stub):
        return []
    rows = db.execute(  # ix_paper_key_nocase
        "SELECT id FROM paper WHERE key >= ? COLLATE NOCASE AND key < ? COLLATE NOCASE"
        " ORDER BY key COLLATE NOCASE",
        (stub, stub + chr(0x10FFFF)),
    )
    return [r[0] for r in rows]


# What a pasted id is often wrapped in: "(arXiv:2504.07128)", "see 2504.07128.", "10.1/x,"
_WRAPPING = ".,;:!?()[]{}<>\"'`“”‘’"


def _resolve(db: sqlite3.Connection, ref: str) -> tuple[sqlite3.Row, str] | None:
    """`queries.resolve_paper`, then again without the punctuation around `ref` (tried
    second: a DOI may end in a bracket)."""
    from .queries import resolve_paper

    found = resolve_paper(db, ref)
    if found is None and (bare := ref.strip(_WRAPPING)) not in ("", ref):
        found = resolve_paper(db, bare)
    return found


def _named_by_words(db: sqlite3.Connection, query: Query) -> list[tuple[int, str]]:
    """Papers the plain words name: by short name or title (the words are all of it, or
    at least half of a short name: "Harmful Prompts Decomposition"), then by author (every
    word in one paper's author list: "tegmark", "neel nanda"), newest first."""
    if query.required or not query.soft:
        return []
    words = [fold(w) for w in query.words]
    phrase = " ".join(words)
    rows = db.execute(
        "SELECT p.id, p.title, p.short_name, p.other_short_names FROM search_index s"
        " JOIN paper p ON p.id = s.rowid WHERE search_index MATCH ? AND s.rowid > ? AND s.rowid < ?",
        (f'{{title short_name}} : "{phrase}"', OFFSETS["paper"], OFFSETS["paper"] + SPAN),
    )
    named = []
    for paper_id, title, short_name, others in rows:
        if how := _names(words, title, _short_names(short_name, others)):
            named.append((paper_id, how))
    if 0 < len(query.soft) <= AUTHOR_WORDS and all(len(g) == 1 for g in query.soft):
        match = " AND ".join(f"authors : {g[0].fts()}" for g in query.soft)
        rows = db.execute(
            "SELECT p.id FROM search_index s JOIN paper p ON p.id = s.rowid"
            " WHERE search_index MATCH ? AND s.rowid > ? AND s.rowid < ?"
            " ORDER BY p.year IS NULL, p.year DESC, p.key",
            (match, OFFSETS["paper"], OFFSETS["paper"] + SPAN),
        )
        named += [(r[0], "author") for r in rows]
    return named


_NAME_WORDS_RE = re.compile(r"[^\W_]+")


def _names_only(db: sqlite3.Connection, named: tuple[int, str], typed: list[str]) -> bool:
    """Whether the `typed` words name one paper and nothing else, so that they are a
    look-up: its whole title, or the whole of a short name no other paper's title or short
    name and no topic of the survey uses ("Thought Anchors", "R1 Thoughtology"; not
    "Steering Vectors" or "Sparse Autoencoders", which are short names too but name a
    topic and several papers)."""
    paper_id, how = named
    if how == "title":
        return True
    if how != "short name":
        return False
    words = [fold(w) for w in typed]
    row = db.execute(
        "SELECT short_name, other_short_names FROM paper WHERE id = ?", (paper_id,)
    ).fetchone()
    whole = [n for n in _short_names(*row) if [fold(w) for w in _NAME_WORDS_RE.findall(n)] == words]
    if not whole:
        return False
    phrase = '"' + " ".join(words).replace('"', '""') + '"'
    others = db.execute(
        "SELECT 1 FROM search_index WHERE search_index MATCH ?"
        " AND ((rowid > ? AND rowid < ? AND rowid != ?) OR (rowid > ? AND rowid < ?)) LIMIT 1",
        (
            f"{{title short_name body}} : {phrase}",
            OFFSETS["paper"],
            OFFSETS["paper"] + SPAN,
            OFFSETS["paper"] + paper_id,
            OFFSETS["node"],
            OFFSETS["node"] + SPAN,
        ),
    ).fetchone()
    return others is None


def _names(typed: list[str], title: str, short_names: list[str]) -> str | None:
    """How the `typed` words (folded) name a paper: one of its short names whole or at
    least half of one, or its whole title (case, accents and punctuation aside); None if
    they do not."""
    for name in short_names:
        said = [fold(w) for w in _NAME_WORDS_RE.findall(name)]
        if said == typed or _half_of(typed, said):
            return "short name"
    return "title" if [fold(w) for w in _NAME_WORDS_RE.findall(title)] == typed else None


def _half_of(typed: list[str], said: list[str]) -> bool:
    n = len(typed)
    return 2 * n >= len(said) and any(said[i : i + n] == typed for i in range(len(said) - n + 1))


def _about(
    db: sqlite3.Connection, papers: list[int], kinds: list[str]
) -> dict[str, list[tuple[int, float, bool]]]:
    """What a look-up shows: the papers named, their topics and the findings citing them."""
    if not papers:
        return {kind: [] for kind in kinds}
    marks = ",".join("?" * len(papers))
    out: dict[str, list[tuple[int, float, bool]]] = {"paper": [(p, 0.0, False) for p in papers]}
    out["node"] = [
        (r[0], 0.0, False)
        for r in db.execute(
            f"SELECT DISTINCT n.id FROM paper_node pn JOIN taxonomy_node n ON n.id = pn.node_id"
            f" WHERE pn.paper_id IN ({marks}) ORDER BY n.code",
            papers,
        )
    ]
    out["finding"] = [
        (r[0], 0.0, False)
        for r in db.execute(
            f"SELECT DISTINCT f.id FROM finding_paper fp JOIN finding f ON f.id = fp.finding_id"
            f" JOIN taxonomy_node n ON n.id = f.node_id WHERE fp.paper_id IN ({marks})"
            f" ORDER BY n.code, f.kind = 'claim', f.id",
            papers,
        )
    ]
    return {kind: out[kind] for kind in kinds}


# --- what results show ---------------------------------------------------------------------


def _code(db: sqlite3.Connection, node_id: int) -> str:
    return str(db.execute("SELECT code FROM taxonomy_node WHERE id = ?", (node_id,)).fetchone()[0])


def _describe(
    db: sqlite3.Connection,
    kind: str,
    ranked: Sequence[tuple[int, float, bool]],
    how: dict[int, str],
) -> list[dict[str, Any]]:
    """What each result shows, in ranked order, with its score and whether it sits in a
    leading topic (papers also say how they were named: `match`)."""
    ids = [i for i, _, _ in ranked]
    described = {"paper": _papers, "finding": _findings, "node": _nodes}[kind](db, ids)
    out = []
    for i, score, in_topic in ranked:
        item = {**described[i], "score": round(score, 3), "in_topic": in_topic}
        if kind == "paper":
            item["match"] = how.get(i)
        out.append(item)
    return out


def _id_list(ids: Sequence[int]) -> str:
    return json.dumps(list(ids))


def _papers(db: sqlite3.Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    rows = db.execute(
        """SELECT p.id, p.key, p.year, p.title, p.short_name,
                (SELECT group_concat(code, ' ') FROM (SELECT n.code FROM paper_node pn
                    JOIN taxonomy_node n ON n.id = pn.node_id
                    WHERE pn.paper_id = p.id ORDER BY n.code)) AS sections
            FROM paper p WHERE p.id IN (SELECT value FROM json_each(?))""",
        (_id_list(ids),),
    )
    return {
        r["id"]: {
            "key": r["key"],
            "year": r["year"],
            "title": r["title"],
            "short_name": r["short_name"],
            "sections": (r["sections"] or "").split(),
        }
        for r in rows
    }


def _findings(db: sqlite3.Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each finding with the papers behind it by stance (`supports`, `contradicts`,
    `mentions`: lists of keys)."""
    rows = db.execute(
        """SELECT f.id, f.slug, f.kind, f.text, n.code FROM finding f
            JOIN taxonomy_node n ON n.id = f.node_id
            WHERE f.id IN (SELECT value FROM json_each(?))""",
        (_id_list(ids),),
    )
    out = {
        r["id"]: {
            "id": r["slug"],
            "kind": r["kind"],
            "node": r["code"],
            "text": r["text"],
            "supports": [],
            "contradicts": [],
            "mentions": [],
        }
        for r in rows
    }
    for finding_id, stance, key in db.execute(
        """SELECT fp.finding_id, fp.stance, p.key FROM finding_paper fp
            JOIN paper p ON p.id = fp.paper_id
            WHERE fp.finding_id IN (SELECT value FROM json_each(?))
            ORDER BY p.year, p.key""",
        (_id_list(ids),),
    ):
        out[finding_id][stance].append(key)
    return out


def _nodes(db: sqlite3.Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    rows = db.execute(
        """SELECT id, code, title, kind, summary FROM taxonomy_node
            WHERE id IN (SELECT value FROM json_each(?))""",
        (_id_list(ids),),
    )
    return {
        r["id"]: {
            "code": r["code"],
            "title": r["title"],
            "kind": r["kind"],
            "summary": r["summary"],
        }
        for r in rows
    }


def _answer(
    db: sqlite3.Connection, node_id: int, ranked_findings: list[int]
) -> tuple[dict[str, Any], list[int]]:
    """The best topic as an answer: where it sits (`path`, root first), its summary, its
    takeaways (a research question without one shows its section's), its key claims (the
    best-ranked claims under it that no paper contradicts) and the contrary evidence (the
    claims under it that some paper contradicts). Also returns the takeaways' ids."""
    nodes = {
        r["id"]: r
        for r in db.execute("SELECT id, code, title, kind, summary, parent_id FROM taxonomy_node")
    }
    path: list[dict[str, str]] = []
    current = node_id
    while current is not None and len(path) < 16:
        path.append({"code": nodes[current]["code"], "title": nodes[current]["title"]})
        current = nodes[current]["parent_id"]
    path.reverse()
    under = {n for n in nodes if _is_under(nodes, n, node_id)}
    findings = {
        r[0]: (r[1], r[2]) for r in db.execute("SELECT id, node_id, kind FROM finding ORDER BY id")
    }
    takeaways = [f for f, (n, kind) in findings.items() if kind == "takeaway" and n in under]
    section = nodes[node_id]["parent_id"]
    if not takeaways and nodes[node_id]["kind"] == "question" and section is not None:
        scope = {n for n in nodes if _is_under(nodes, n, section)}  # the section's own
        takeaways = [f for f, (n, kind) in findings.items() if kind == "takeaway" and n in scope]
    contradicted = {
        r[0]
        for r in db.execute(
            "SELECT DISTINCT finding_id FROM finding_paper WHERE stance = 'contradicts'"
        )
    }
    contrary = [f for f, (n, _) in findings.items() if f in contradicted and n in under]
    claims = [
        f
        for f in ranked_findings
        if findings[f][1] == "claim" and findings[f][0] in under and f not in contrary
    ]
    described = _findings(db, takeaways + claims[:KEY_CLAIMS] + contrary)
    node = nodes[node_id]
    return {
        "code": node["code"],
        "title": node["title"],
        "kind": node["kind"],
        "summary": node["summary"],
        "path": path,
        "takeaways": [described[f] for f in takeaways],
        "claims": [described[f] for f in claims[:KEY_CLAIMS]],
        "contrary": [described[f] for f in contrary],
    }, takeaways


def _is_under(nodes: dict[int, sqlite3.Row], node: int | None, ancestor: int) -> bool:
    depth = 0
    while node is not None and depth < 16:
        if node == ancestor:
            return True
        node, depth = nodes[node]["parent_id"], depth + 1
    return False
