"""Full-text search over papers, findings and taxonomy nodes (SQLite FTS5).

`search_index` (porter stemming, diacritics removed) answers queries and ranks them with
bm25. `search_words` indexes the same text unstemmed (its content is `search_index`'s, no
positions) only so that `search_vocab` (fts5vocab) lists the real words a typo is
corrected against.
A row's rowid says what it is: a paper's rowid is its id, findings and nodes live in
negative ranges, so "papers only" is a rowid range FTS5 can seek, not a filter on every hit.

`refresh_index` keeps both tables in step with the data; every write calls it inside its
own transaction (`index_new_papers` is its fast path for the papers an import inserts).
`parse` turns user text into a `Query` whose FTS5 text cannot be a syntax error; `search`
runs it: typo correction, then findings, topics and papers ranked apart."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from .errors import BadInput

KINDS = ("finding", "node", "paper")
SPAN = 1 << 40
OFFSETS = {"paper": 0, "finding": -SPAN, "node": -2 * SPAN}  # rowid = offset + id

COLUMNS = ("title", "short_name", "authors", "body", "tags", "context")
_WORDS_ROW = itemgetter(0, *range(3, 3 + len(COLUMNS)))  # an index row without kind and ref
# bm25 weights, in column order: what a paper is called counts most, then its tags and
# authors, then the titles of the sections it sits in, then abstract and claims.
WEIGHTS = (10.0, 8.0, 3.0, 1.0, 4.0, 2.0)
TAKEAWAY_BOOST = 2.0  # the survey's 💡 takeaways outrank claims of equal relevance
BULK = 1000  # re-indexing this many papers at once ends by merging the index segments
MAX_TERMS = 32
MIN_PREFIX = 3  # `th*` would expand to most of a large library's vocabulary

FIELD_COLUMNS = {"author": "authors", "title": "{title short_name}"}
FILTER_FIELDS = ("year", "tag", "section")


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


def index_new_papers(
    db: sqlite3.Connection,
    papers: Sequence[tuple[int, dict[str, Any], Iterable[int]]],
    tags: Iterable[str],
) -> None:
    """Index papers the caller has just inserted — (id, paper columns, node ids) each, all
    given `tags` — as `refresh_index` would, but from the caller's records: a new paper has
    no claims yet and only the tags and nodes its command gave it, so reading 10,000 of
    them back, and deleting index rows they cannot have, is an import's wasted time.
    Nor does it end with FTS5's `optimize`, which rewrites the whole index: FTS5 merges
    the new segments as it goes, and searches measured no faster after it (10,000 new
    papers; 4% faster after 100,000), while each import would rewrite a large library."""
    if not papers:
        return
    paths = _node_paths(db)
    tag_text = " ".join(sorted(set(tags)))  # what group_concat gives, in primary-key order
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
                tag_text,
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


def expected_index(db: sqlite3.Connection) -> Iterator[tuple[Any, ...]]:
    """Every row the index should hold, as `refresh_index` would write it (for `db check`)."""
    paths = _node_paths(db)
    yield from _paper_docs(db, paths, "", [])
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
        path, current = [], node_id
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
    import json

    rows = db.execute(
        f"""SELECT p.id, p.key, p.title, p.short_name, p.authors, p.abstract,
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
            r["short_name"],
            json.loads(r["authors"] or "[]"),
            " ".join(filter(None, [r["abstract"], r["claims"]])),
            r["tags"] or "",
            _context(paths, nodes),
        )


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
    """One paper's index row: its text as search ranks it (abstract and claims as body)."""
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


# --- the query language ------------------------------------------------------------------


class Term(NamedTuple):
    """One word or phrase, maybe limited to a column, maybe a prefix."""

    text: str
    column: str | None = None
    prefix: bool = False

    def fts(self, column: str | None = None) -> str:
        """The term as FTS5 text: always a quoted string, so never a syntax error."""
        quoted = '"' + self.text.replace('"', '""') + '"' + ("*" if self.prefix else "")
        col = column or self.column
        return f"{col} : {quoted}" if col else quoted


class Query:
    """What the user asked for: an AND of OR-groups of terms, exclusions and filters.
    (A plain class: `dataclasses` would cost the command's start-up a few milliseconds.)"""

    def __init__(self) -> None:
        self.groups: list[list[Term]] = []
        self.exclude: list[Term] = []
        self.years: tuple[int, int] | None = None
        self.tags: list[str] = []
        self.sections: list[str] = []
        self.not_years: list[tuple[int, int]] = []
        self.not_tags: list[str] = []
        self.not_sections: list[str] = []

    def match(self) -> str:
        """The FTS5 expression, or "" when only filters were given."""
        if not self.groups:
            return ""
        positive = " AND ".join(_group(g) for g in self.groups)
        if not self.exclude:
            return positive
        return f"({positive}) NOT ({' OR '.join(t.fts() for t in self.exclude)})"

    def has_filters(self) -> bool:
        return any(
            (self.years, self.tags, self.sections, self.not_years, self.not_tags, self.not_sections)
        )


def _group(terms: list[Term], column: str | None = None) -> str:
    inner = " OR ".join(t.fts(column) for t in terms)
    return f"({inner})" if len(terms) > 1 else inner


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_TOKEN_RE = re.compile(
    r"(?P<neg>-(?=\S))?(?:(?P<field>[A-Za-z]+):(?=\S))?"
    r'(?:"(?P<phrase>[^"]*)(?:"|$)(?P<star>\*)?|(?P<word>[^\s"]+))'
)
_YEAR_RE = re.compile(r"(?P<lo>\d{4})?(?P<range>\.\.)?(?P<hi>\d{4})?")
_WORDS_RE = re.compile(r"[^\W_]+")  # runs of what FTS5's unicode61 keeps as word characters
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_EXAMPLES = {
    "author": "author:chen",
    "title": 'title:"steering vectors"',
    "year": "year:2025 or year:2024..2025",
    "tag": "tag:to-read",
    "section": "section:4.3",
}


def clean(text: str) -> str:
    """Drop what SQLite or a terminal cannot take: NULs, control characters, lone surrogates."""
    return " ".join(_CONTROL_RE.sub(" ", text).split())


def parse(text: str) -> Query:
    """Words (AND), "phrases", prefix*, `OR` between terms, `-word` (or `NOT word`), and
    the fields author: title: year: tag: section: (filters can be negated: -tag:x)."""
    query = Query()
    negate_next = join_next = False
    for m in _TOKEN_RE.finditer(clean(text)):
        if m["word"] in ("AND", "OR", "NOT") and not (m["neg"] or m["field"]):
            join_next, negate_next = m["word"] == "OR" and bool(query.groups), m["word"] == "NOT"
            continue
        negated = bool(m["neg"]) or negate_next
        join = join_next and not negated
        negate_next = join_next = False
        name, value, prefix = _token(m)
        if name in FILTER_FIELDS:
            _add_filter(query, name, value.strip(), negated)
            continue
        words = _WORDS_RE.findall(value)
        if not words:
            if name:
                raise BadInput(f"{name}: needs a value", f"for example {_EXAMPLES[name]}")
            continue  # punctuation alone (`*`, `-`, `^`, `(`) means nothing to search
        if prefix and len(words[-1]) < MIN_PREFIX:
            raise BadInput(
                f"{value}* is too short a prefix", f"give at least {MIN_PREFIX} letters before *"
            )
        term = Term(value, FIELD_COLUMNS.get(name), prefix)
        if negated:
            query.exclude.append(term)
        elif join:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
    count = sum(len(g) for g in query.groups) + len(query.exclude)
    if count > MAX_TERMS:
        raise BadInput(f"the query has {count} terms", f"use at most {MAX_TERMS}")
    return query


def _token(m: re.Match[str]) -> tuple[str, str, bool]:
    """(field name or "", value, is a prefix) of one matched token."""
    name = (m["field"] or "").lower()
    if (m["word"] or "").endswith(":") and m["word"][:-1].lower() in _EXAMPLES:
        name = m["word"][:-1].lower()  # `author:` with nothing after it
        raise BadInput(f"{name}: needs a value", f"for example {_EXAMPLES[name]}")
    if m["phrase"] is not None:
        value, prefix = m["phrase"], bool(m["star"])
    else:
        value, prefix = m["word"].rstrip("*"), m["word"].endswith("*")
    if name and name not in _EXAMPLES:  # `foo:bar`, `http://…` are plain text
        return "", m.group(0).lstrip("-").rstrip("*"), prefix
    return name, value, prefix


def _add_filter(query: Query, name: str, value: str, negated: bool) -> None:
    if not value:
        raise BadInput(f"{name}: needs a value", f"for example {_EXAMPLES[name]}")
    if name == "year":
        years = _years(value)
        if negated:
            query.not_years.append(years)
        else:
            lo, hi = query.years or years
            query.years = (max(lo, years[0]), min(hi, years[1]))
    elif name == "tag":
        (query.not_tags if negated else query.tags).append(value.lower())
    else:
        (query.not_sections if negated else query.sections).append(value)


def _years(value: str) -> tuple[int, int]:
    """`2025`, `2024..2025`, `2024..`, `..2023` → an inclusive range."""
    m = _YEAR_RE.fullmatch(value)
    if not m or not (m["lo"] or m["hi"]) or (m["lo"] and m["hi"] and not m["range"]):
        raise BadInput(
            f"year:{value} is not a year or a range of years",
            "use year:2025, year:2024..2025, year:2024.. or year:..2023",
        )
    lo = int(m["lo"]) if m["lo"] else 0
    hi = int(m["hi"]) if m["hi"] else (9999 if m["range"] else lo)
    if lo > hi:
        raise BadInput(f"year:{value} runs backwards", f"write year:{hi}..{lo}")
    return lo, hi


# --- typo correction ---------------------------------------------------------------------


def correct(db: sqlite3.Connection, query: Query) -> dict[str, str]:
    """Replace each word that matches nothing with the closest word in the index's
    vocabulary (same first letter, a small edit distance, the more common on a tie)."""
    fixes: dict[str, str] = {}
    for group in query.groups:
        for i, term in enumerate(group):
            if term.prefix:
                continue
            text = term.text
            for word in dict.fromkeys(_LETTERS_RE.findall(text)):
                if not 4 <= len(word) <= 40 or _has_hits(db, word):
                    continue
                if better := _closest(db, word):
                    fixes[word] = better
                    text = _replace_word(text, word, better)
            group[i] = term._replace(text=text)
    return fixes


def _replace_word(text: str, old: str, new: str) -> str:
    return re.sub(rf"\b{re.escape(old)}\b", new, text)


def _has_hits(db: sqlite3.Connection, word: str) -> bool:
    sql = "SELECT 1 FROM search_index WHERE search_index MATCH ? LIMIT 1"
    return db.execute(sql, (Term(word).fts(),)).fetchone() is not None


def _fold(word: str) -> str:
    """Lower case without diacritics, as unicode61 stores words."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _closest(db: sqlite3.Connection, word: str) -> str | None:
    """Words sharing the first two letters are read first; all words with the same first
    letter only when none of those is one edit away (reading the vocabulary costs time)."""
    folded = _fold(word)
    max_distance = 1 if len(folded) <= 5 else 2 if len(folded) <= 9 else 3
    best: tuple[int, int, str] | None = None
    for prefix in (folded[:2], folded[:1]):
        for distance, docs, term in _candidates(db, folded, prefix, max_distance):
            if best is None or (distance, -docs, term) < best:
                best = (distance, -docs, term)
        if best is not None and best[0] <= 1:
            break
    return best[2] if best else None


def _candidates(
    db: sqlite3.Connection, word: str, prefix: str, max_distance: int
) -> Iterator[tuple[int, int, str]]:
    """(edit distance, documents, term) for vocabulary terms starting with `prefix`."""
    if not prefix:
        return
    rows = db.execute(
        "SELECT term, doc FROM search_vocab WHERE term >= ? AND term < ?",
        (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)),
    )
    docs = {t: d for t, d in rows if abs(len(t) - len(word)) <= max_distance}
    if not docs:
        return
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    for term, distance, _ in process.extract(
        word, list(docs), scorer=OSA.distance, score_cutoff=max_distance, limit=None
    ):
        yield distance, docs[term], term


# --- searching ---------------------------------------------------------------------------

_TABLES = {"paper": "paper", "finding": "finding", "node": "taxonomy_node"}
_BROWSE_ORDER = {
    "paper": "t.year IS NULL, t.year DESC, t.key",
    "finding": "(SELECT code FROM taxonomy_node n WHERE n.id = t.node_id), t.kind = 'claim', t.id",
    "node": "t.code",
}


def search(
    db: sqlite3.Connection,
    text: str,
    *,
    kinds: Iterable[str] = KINDS,
    sections: Iterable[str] = (),
    tags: Iterable[str] = (),
    limit: int = 20,
) -> dict[str, Any]:
    """Findings, topics (nodes) and papers matching `text`, each group ranked by bm25.

    Results inside the topics whose titles match the query come first in every group: a
    paper cited under "Overthinking" is about overthinking even if its title is not."""
    text = clean(text)
    query = parse(text)
    query.sections += list(sections)
    query.tags += [t.lower() for t in tags]
    if not query.groups and not query.has_filters():
        if query.exclude:
            raise BadInput(f"{text!r} only excludes words", "add a word or a filter to search for")
        raise BadInput(
            f"nothing to search for in {text!r}",
            'give words, "a phrase", prefix*, or a filter such as author:chen or year:2025',
        )
    fixes = correct(db, query)
    topics = _topics(db, query)
    focus = _with_descendants(db, [t["id"] for t in topics])
    results = {
        kind: _results(db, kind, query, focus, limit) for kind in KINDS if kind in set(kinds)
    }
    corrected = text
    for wrong, right in fixes.items():
        corrected = _replace_word(corrected, wrong, right)
    return {
        "query": text,
        "corrected": corrected if fixes else None,
        "corrections": [{"from": w, "to": r} for w, r in fixes.items()],
        "fts": query.match(),
        "topics": sorted(t["code"] for t in topics),
        "results": results,
    }


def _topics(db: sqlite3.Connection, query: Query) -> list[sqlite3.Row]:
    """Nodes whose own title matches every free word of the query."""
    free = [g for g in query.groups if all(t.column is None for t in g)]
    if not free:
        return []
    off = OFFSETS["node"]
    return db.execute(
        """SELECT s.rowid - ? AS id, s.ref AS code FROM search_index s
            WHERE search_index MATCH ? AND s.rowid > ? AND s.rowid < ?""",
        (off, " AND ".join(_group(g, "title") for g in free), off, off + SPAN),
    ).fetchall()


def _with_descendants(db: sqlite3.Connection, node_ids: list[int]) -> list[int]:
    """The nodes and all below them: a topic includes its research questions."""
    if not node_ids:
        return []
    children: dict[int | None, list[int]] = {}
    for node_id, parent in db.execute("SELECT id, parent_id FROM taxonomy_node"):
        children.setdefault(parent, []).append(node_id)
    found, todo = set(), list(node_ids)
    while todo:
        node_id = todo.pop()
        if node_id not in found:
            found.add(node_id)
            todo += children.get(node_id, [])
    return sorted(found)


def _weights() -> str:
    return ", ".join(str(w) for w in WEIGHTS)


def _members(kind: str, node_ids: list[int]) -> tuple[str, list[Any]]:
    """SQL for the ids of `kind` that sit in one of `node_ids`."""
    marks = ",".join("?" * len(node_ids))
    sql = {
        "paper": f"SELECT paper_id FROM paper_node WHERE node_id IN ({marks})",
        "finding": f"SELECT id FROM finding WHERE node_id IN ({marks})",
        "node": f"SELECT id FROM taxonomy_node WHERE id IN ({marks})",
    }[kind]
    return sql, list(node_ids)


def _filters(
    db: sqlite3.Connection, kind: str, query: Query
) -> list[tuple[bool, str, list[Any]]] | None:
    """(negated, SQL for ids, params) for each filter; None when `kind` cannot match
    (a finding has no year, tag or author)."""
    papers_only = (
        query.years or query.tags or any(t.column == "authors" for g in query.groups for t in g)
    )
    if kind != "paper" and papers_only:
        return None
    out: list[tuple[bool, str, list[Any]]] = []
    if kind == "paper":
        year_sql = "SELECT id FROM paper WHERE year BETWEEN ? AND ?"
        out += [(False, year_sql, list(query.years))] if query.years else []
        out += [(True, year_sql, list(y)) for y in query.not_years]
        tag_sql = "SELECT paper_id FROM paper_tag WHERE tag = ?"
        out += [(False, tag_sql, [t]) for t in query.tags]
        out += [(True, tag_sql, [t]) for t in query.not_tags]
    for negated, codes in ((False, query.sections), (True, query.not_sections)):
        if codes:
            from .queries import subtree_ids  # checks the codes, suggests near misses

            out.append((negated, *_members(kind, subtree_ids(db, codes))))
    if query.exclude and not query.groups:  # no FTS expression to hang `NOT` on
        off = OFFSETS[kind]
        out.append(
            (
                True,
                f"SELECT rowid - {off} FROM search_index"
                f" WHERE search_index MATCH ? AND rowid > {off} AND rowid < {off + SPAN}",
                [" OR ".join(t.fts() for t in query.exclude)],
            )
        )
    return out


def _results(
    db: sqlite3.Connection, kind: str, query: Query, focus: list[int], limit: int
) -> list[dict[str, Any]]:
    filters = _filters(db, kind, query)
    if filters is None:
        return []
    sql, params = _ranking(kind, query.match(), filters, focus)
    rows = db.execute(f"{sql} LIMIT ?", [*params, limit]).fetchall()
    described = _describe(db, kind, [r["id"] for r in rows])
    return [
        {**described[r["id"]], "score": round(r["score"], 3), "in_topic": bool(r["in_topic"])}
        for r in rows
    ]


def _ranking(
    kind: str, match: str, filters: list[tuple[bool, str, list[Any]]], focus: list[int]
) -> tuple[str, list[Any]]:
    """SQL for the ranked ids of `kind`: in a matching topic first, then by bm25 (takeaways
    boosted); with no words to match, in reading order (newest papers first)."""
    off = OFFSETS[kind]
    if match:
        ident = f"(s.rowid - {off})"
        score = f"-bm25(search_index, {_weights()})"
        if kind == "finding":
            score += (
                f" * (CASE WHEN {ident} IN (SELECT id FROM finding WHERE kind = 'takeaway')"
                f" THEN {TAKEAWAY_BOOST} ELSE 1.0 END)"
            )
        source = "search_index s WHERE search_index MATCH ? AND s.rowid > ? AND s.rowid < ?"
        params: list[Any] = [match, off, off + SPAN]
        order = "score DESC, id"
    else:
        ident, score, source, params = "t.id", "0.0", f"{_TABLES[kind]} t WHERE 1", []
        order = _BROWSE_ORDER[kind]
    focus_sql, focus_params = _members(kind, focus)
    sql = f"SELECT {ident} AS id, {score} AS score, {ident} IN ({focus_sql}) AS in_topic"
    sql += f" FROM {source}"
    params = focus_params + params
    for negated, sub, sub_params in filters:
        sql += f" AND {ident} {'NOT IN' if negated else 'IN'} ({sub})"
        params += sub_params
    if kind == "node" and focus:  # a topic and its questions, as the survey reads
        order = f"CASE WHEN in_topic THEN (SELECT code FROM taxonomy_node WHERE id = {ident}) END, {order}"
    return f"{sql} ORDER BY in_topic DESC, {order}", params


def _describe(db: sqlite3.Connection, kind: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    """What a result shows, by id."""
    marks = ",".join("?" * len(ids))
    if kind == "paper":
        rows = db.execute(
            f"""SELECT p.id, p.key, p.year, p.title, p.short_name,
                    (SELECT group_concat(code, ' ') FROM (SELECT n.code FROM paper_node pn
                        JOIN taxonomy_node n ON n.id = pn.node_id
                        WHERE pn.paper_id = p.id ORDER BY n.code)) AS sections
                FROM paper p WHERE p.id IN ({marks})""",
            ids,
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
    if kind == "finding":
        rows = db.execute(
            f"""SELECT f.id, f.slug, f.kind, f.text, n.code FROM finding f
                JOIN taxonomy_node n ON n.id = f.node_id WHERE f.id IN ({marks})""",
            ids,
        )
        return {
            r["id"]: {"id": r["slug"], "kind": r["kind"], "node": r["code"], "text": r["text"]}
            for r in rows
        }
    rows = db.execute(
        f"SELECT id, code, title, kind, summary FROM taxonomy_node WHERE id IN ({marks})", ids
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
