"""How search ranks findings, topics and papers: topic first, then the words.

1. **Own score.** Every row of the index (a paper, finding or taxonomy node) that
   matches any of the query's words gets its bm25 (FTS5, column weights in
   `search.WEIGHTS`), raised by up to `PROXIMITY` for query words that stand close
   together (`NEAR`: half for pairs at most 8 tokens apart, half more for pairs side by
   side — the windows of the sequential dependence model, Metzler and Croft 2005) and, for takeaways, by `TAKEAWAY_BOOST`. Scores are divided by the best
   of their kind, so each kind's best is 1.
2. **Topic score.** A node (section or research question) is scored by its own text
   (title, summary), its best-matching finding and its best-matching papers
   (`NODE_WEIGHTS`): a topic is what its findings and papers are about (cluster-based
   retrieval, Liu and Croft 2004). A section takes `UP` of its best question's score
   and a question `DOWN` of its section's; the best topic is the answer.
3. **Final score** of a finding or paper: `OWN` × its own score + `TOPIC` × the score of
   its best topic (relative to the answer), so what the survey files under the answer
   leads even when its own words differ.

A result is *listed* when its own words cover at least `COVERAGE` of the query
(each word weighted by its idf, the words it lacks count against it: Lucene's
minimum-should-match, weighted) or when it sits in a leading topic (one scoring at
least `LEADING` of the answer's); the totals count what is listed. The constants were
tuned on the tuning half of bench/relevance.toml (`make bench` reports both halves)."""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections.abc import Iterable
from typing import Any, NamedTuple

from .query import STOP_WORDS, Query, group_fts, index_size
from .search import KINDS, OFFSETS, SPAN, WEIGHTS

TAKEAWAY_BOOST = 2.0
PROXIMITY = 0.25
NEAR_WINDOWS = ((1, 0.5), (8, 0.5))  # (tokens apart at most, share): side by side counts twice
NODE_WEIGHTS = (1.0, 1.0, 0.5)  # own text, best findings, best papers
BEST_PAPERS = 3
BEST_FINDINGS = 3
UP, DOWN = 0.9, 0.9
OWN, TOPIC = 0.1, 1.0
ALONE = 1.0
EVIDENCE = 1.0
COVERAGE = 0.5
LEADING = 0.5
NAMED = 0.01

_MARKS = "\x01\x02"  # what highlight() puts around a matched token
_MARKED_RE = re.compile(r"[\x01\x02]|[^\W_]+")
_TABLES = {"paper": "paper", "finding": "finding", "node": "taxonomy_node"}
_READING_ORDER = {
    "paper": "t.year IS NULL, t.year DESC, t.key",
    "finding": "(SELECT code FROM taxonomy_node n WHERE n.id = t.node_id), t.kind = 'claim', t.id",
    "node": "t.code",
}


class Ranking(NamedTuple):
    """Per kind, the listed ids best first with their scores and whether each sits in a
    leading topic; the leading topics (node ids, best first)."""

    ranked: dict[str, list[tuple[int, float, bool]]]
    leading: list[int]


Filters = list[tuple[bool, str, list[Any]]]  # (negated, SQL selecting ids, its parameters)


def rank(
    db: sqlite3.Connection,
    query: Query,
    kinds: Iterable[str],
    first: Iterable[int] = (),
    by_topic: bool = True,
) -> Ranking:
    """Rank every kind in `kinds`; the papers in `first` (exact look-ups) lead, in order.
    `by_topic=False` ranks by the words alone (the query is a name, not a subject)."""
    wanted = [k for k in KINDS if k in set(kinds)]
    if not query.groups():
        ranked = {kind: _browse(db, kind, query) for kind in wanted}
        leading: list[int] = []
    else:
        scorer = _Scorer(db, query)
        topics = scorer.topics() if by_topic else {}
        answer = max(topics, key=lambda n: (topics[n], -n), default=None)
        best = topics[answer] if answer is not None else 0.0
        trust = scorer.confidence(best) if answer is not None else 0.0
        relative = {n: trust * s / best for n, s in topics.items()} if trust else {}
        leading = sorted((n for n, s in relative.items() if s >= LEADING), key=relative.__getitem__)
        leading.reverse()
        ranked = {kind: scorer.ranked(kind, relative) for kind in wanted}
    if "paper" in ranked and first:
        ranked["paper"] = lead(ranked["paper"], allowed_papers(db, query, first))
    return Ranking(ranked, leading)


def allowed_papers(db: sqlite3.Connection, query: Query, papers: Iterable[int]) -> list[int]:
    """The `papers` (in order, once each) that the query's filters and exclusions allow."""
    papers = list(dict.fromkeys(papers))
    filters = _filters(db, "paper", query) or []
    allowed = _allowed(db, "paper", papers, filters) if filters and papers else set(papers)
    return [p for p in papers if p in allowed]


def lead(ranked: list[tuple[int, float, bool]], first: list[int]) -> list[tuple[int, float, bool]]:
    """`first` ahead of the rest, keeping their scores where they had one."""
    known = {item[0]: item for item in ranked}
    return [known.get(i, (i, 0.0, False)) for i in first] + [
        item for item in ranked if item[0] not in set(first)
    ]


class _Words(NamedTuple):
    """How each index row (by rowid) stands to the query's ranked words: the share of
    their idf it covers, and the share of adjacent word pairs it holds close together."""

    coverage: dict[int, float]
    proximity: dict[int, float]


class _Scorer:
    """One query's scores, each FTS5 pass run once."""

    def __init__(self, db: sqlite3.Connection, query: Query) -> None:
        self.db = db
        self.query = query
        self.words = _words(db, query)
        self._own: dict[tuple[str, str, str], dict[int, float]] = {}

    def own(self, kind: str, match: str, filters: Filters) -> dict[int, float]:
        """Id → own score of the rows of `kind` matching `match` and `filters`:
        bm25 raised for words close together (and takeaways), divided by the best."""
        cache_key = (kind, match, repr(filters))
        if cache_key not in self._own:
            scores = _bm25(self.db, kind, match, filters)
            if self.words is not None:
                near, off = self.words.proximity, OFFSETS[kind]
                scores = {
                    i: s * (1.0 + PROXIMITY * near.get(off + i, 0.0)) for i, s in scores.items()
                }
            best = max(scores.values(), default=0.0) or 1.0
            self._own[cache_key] = {i: s / best for i, s in scores.items()}
        return self._own[cache_key]

    def topics(self) -> dict[int, float]:
        """Node id → topic score, from the words of the query (column-bound terms such as
        author:x and the paper-only filters say nothing about a topic)."""
        query = self.query
        groups = [g for g in query.groups() if all(t.column is None for t in g)]
        if not groups:
            return {}
        match = " OR ".join(group_fts(g) for g in groups)
        if query.exclude:
            match = f"({match}) NOT ({' OR '.join(t.fts() for t in query.exclude)})"
        scope = _section_filters(self.db, "node", query)
        rows = self.db.execute(
            _with_filters("SELECT t.id, t.parent_id, t.kind FROM taxonomy_node t", scope),
            _params(scope),
        ).fetchall()
        tree = {r[0] for r in rows}
        questions = {r[0]: r[1] for r in rows if r[2] == "question"}
        nodes = self.own("node", match, scope)
        findings = self.own("finding", match, _section_filters(self.db, "finding", query))
        papers = self.own("paper", match, [])
        evidence: dict[int, dict[str, dict[int, float]]] = {n: {"f": {}, "p": {}} for n in tree}
        for finding_id, node_id in self.db.execute("SELECT id, node_id FROM finding"):
            if finding_id in findings and node_id in tree:
                evidence[node_id]["f"][finding_id] = findings[finding_id]
        for node_id, paper_id in _memberships(self.db, papers):
            if node_id in tree:
                evidence[node_id]["p"][paper_id] = papers[paper_id]
        text_weight, finding_weight, paper_weight = NODE_WEIGHTS
        score = {
            n: text_weight * nodes.get(n, 0.0)
            + finding_weight * _top_mean(evidence[n]["f"].values(), BEST_FINDINGS)
            + paper_weight * _top_mean(evidence[n]["p"].values(), BEST_PAPERS)
            for n in tree
        }
        best = max(score.values(), default=0.0)
        every_word = " OR ".join(group_fts(g) for g in groups + query.common)
        for node_id, words in _named_topics(self.db, every_word).items():
            if node_id in score:  # the query names it: it leads, the most specific first
                score[node_id] = best * (1.0 + NAMED * words)
        return _propagate(score, questions)

    def confidence(self, score: float) -> float:
        """How far the answer topic can be taken for what the query asks about, 0 to 1:
        its score as a share of `EVIDENCE`. A topic whose own text and findings match
        scores 1 or more; one found only through a paper's words (a tag, a rare name)
        scores less, and then that paper leads and the topic's other papers stay out."""
        return min(1.0, score / EVIDENCE)

    def ranked(self, kind: str, relative: dict[int, float]) -> list[tuple[int, float, bool]]:
        """The listed ids of `kind`, best first: (id, final score, in a leading topic)."""
        filters = _filters(self.db, kind, self.query)
        if filters is None:
            return []
        off = OFFSETS[kind]
        if must := self.query.must_match():
            filters.append((False, _fts_ids(kind), [must]))
        own = self.own(kind, self.query.match(), filters)
        topic_of = relative if kind == "node" else _topic_of(self.db, kind, relative)
        coverage = self.words.coverage if self.words else None
        listed = []
        for i in set(own) | set(topic_of):
            topic = topic_of.get(i, 0.0)
            covered = i in own and (coverage is None or coverage.get(off + i, 0.0) >= COVERAGE)
            if not covered and topic < LEADING:
                continue
            mine = own.get(i, 0.0)
            score = topic if kind == "node" else max(ALONE * mine, OWN * mine + TOPIC * topic)
            listed.append((i, score, topic >= LEADING))
        if filters and (brought := [i for i, _, _ in listed if i not in own]):
            allowed = _allowed(self.db, kind, brought, filters)
            listed = [item for item in listed if item[0] in own or item[0] in allowed]
        listed.sort(key=lambda item: (-item[1], item[0]))
        return listed


def _bm25(db: sqlite3.Connection, kind: str, match: str, filters: Filters) -> dict[int, float]:
    """Id → bm25 (higher is better) of the rows of `kind` matching `match` and `filters`;
    takeaways count TAKEAWAY_BOOST times."""
    off = OFFSETS[kind]
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = _with_filters(
        f"SELECT s.rowid - {off} AS id, -bm25(search_index, {weights}) FROM search_index s"
        " WHERE search_index MATCH ? AND s.rowid > ? AND s.rowid < ?",
        filters,
        ident=f"s.rowid - {off}",
    )
    scores = dict(db.execute(sql, [match, off, off + SPAN, *_params(filters)]).fetchall())
    if kind == "finding" and scores:
        takeaways = {r[0] for r in db.execute("SELECT id FROM finding WHERE kind = 'takeaway'")}
        scores = {i: s * (TAKEAWAY_BOOST if i in takeaways else 1.0) for i, s in scores.items()}
    return scores


def _fts_ids(kind: str) -> str:
    """SQL for the ids of `kind` whose index row matches the parameter."""
    off = OFFSETS[kind]
    return (
        f"SELECT rowid - {off} FROM search_index WHERE search_index MATCH ?"
        f" AND rowid > {off} AND rowid < {off + SPAN}"
    )


def _with_filters(sql: str, filters: Filters, ident: str = "t.id") -> str:
    """`sql` narrowed to the ids every filter allows (parameters: `_params(filters)`)."""
    conditions = [f"{ident} {'NOT IN' if negated else 'IN'} ({sub})" for negated, sub, _ in filters]
    if not conditions:
        return sql
    return sql + (" AND " if " WHERE " in sql else " WHERE ") + " AND ".join(conditions)


def _params(filters: Filters) -> list[Any]:
    return [p for _, _, params in filters for p in params]


def _rowids(db: sqlite3.Connection, match: str) -> set[int]:
    sql = "SELECT rowid FROM search_index WHERE search_index MATCH ?"
    return {r[0] for r in db.execute(sql, (match,))}


def _idf(matches: int, total: int) -> float:
    """bm25's idf, as FTS5 computes it (never below a hair above zero)."""
    return max(math.log((total - matches + 0.5) / (matches + 0.5)), 1e-6)


def _words(db: sqlite3.Connection, query: Query) -> _Words | None:
    """None when there are fewer than two ranked words (every match covers the query)."""
    if len(query.soft) < 2:
        return None
    total = index_size(db)
    sets = [_rowids(db, group_fts(g)) for g in query.soft]
    idf = [_idf(len(s), total) for s in sets]
    coverage: dict[int, float] = {}
    for rows, weight in zip(sets, idf, strict=True):
        for row in rows:
            coverage[row] = coverage.get(row, 0.0) + weight / sum(idf)
    proximity: dict[int, float] = {}
    pairs = [(i, i + 1) for i in range(len(query.soft) - 1)]
    pair_weight = sum(idf[i] + idf[j] for i, j in pairs)
    for i, j in pairs:
        share = (idf[i] + idf[j]) / pair_weight
        for distance, weight in NEAR_WINDOWS:
            near = f"NEAR({query.soft[i][0].fts()} {query.soft[j][0].fts()}, {distance})"
            for row in _rowids(db, near):
                proximity[row] = proximity.get(row, 0.0) + weight * share
    return _Words(coverage, proximity)


def _named_topics(db: sqlite3.Connection, match: str) -> dict[int, int]:
    """Node id → how many words its title has, for the nodes whose title's words (stop
    words aside) the query holds, stemmed: "why do reasoning models overthink" names
    "Overthinking" (4.3), "do reasoning models hallucinate more?" names both
    "Hallucination" (4.1) and "Do reasoning models hallucinate more?" (4.1.1)."""
    off = OFFSETS["node"]
    rows = db.execute(
        "SELECT rowid - ?, highlight(search_index, 2, char(1), char(2)) FROM search_index"
        " WHERE search_index MATCH ? AND rowid > ? AND rowid < ?",
        (off, match, off, off + SPAN),
    )
    return {node_id: words for node_id, marked in rows if (words := _all_marked(marked))}


def _all_marked(marked: str) -> int:
    """How many words (stop words aside) a highlighted title has, if every one of them
    was matched (inside the marks); else 0."""
    inside, words = False, 0
    for token in _MARKED_RE.findall(marked):
        if token in _MARKS:
            inside = token == _MARKS[0]
        elif token.lower() not in STOP_WORDS:
            if not inside:
                return 0
            words += 1
    return words


def _memberships(db: sqlite3.Connection, papers: dict[int, float]) -> list[tuple[int, int]]:
    """(node id, paper id) for the papers given."""
    if not papers:
        return []
    sql = "SELECT node_id, paper_id FROM paper_node WHERE paper_id IN (SELECT value FROM json_each(?))"
    return db.execute(sql, (json.dumps(list(papers)),)).fetchall()


def _top_mean(values: Iterable[float], n: int) -> float:
    """The mean of the `n` best values (missing ones count as 0)."""
    return sum(sorted(values, reverse=True)[:n]) / n


def _propagate(scores: dict[int, float], questions: dict[int, int]) -> dict[int, float]:
    """A section is as good as `UP` × its best research question, and a question as
    `DOWN` × its section. `questions` maps each question to its section; dimensions and
    appendices are containers and pass nothing on."""
    up = dict(scores)
    for question, section in questions.items():
        if section in up:
            up[section] = max(up[section], UP * scores[question])
    down = {
        n: max(s, DOWN * up[questions[n]]) if questions.get(n) in up else s for n, s in up.items()
    }
    return {n: s for n, s in down.items() if s > 0}


def _topic_of(db: sqlite3.Connection, kind: str, relative: dict[int, float]) -> dict[int, float]:
    """Finding or paper id → the relative score of its best topic."""
    if not relative:
        return {}
    sql = {
        "finding": "SELECT id, node_id FROM finding",
        "paper": "SELECT paper_id, node_id FROM paper_node",
    }[kind]
    sql += " WHERE node_id IN (SELECT value FROM json_each(?))"
    out: dict[int, float] = {}
    for item, node_id in db.execute(sql, (json.dumps(list(relative)),)):
        out[item] = max(out.get(item, 0.0), relative[node_id])
    return out


def _allowed(db: sqlite3.Connection, kind: str, ids: list[int], filters: Filters) -> set[int]:
    """Which of `ids` pass every filter (for results brought in by their topic)."""
    sql = _with_filters(
        f"SELECT t.id FROM {_TABLES[kind]} t WHERE t.id IN (SELECT value FROM json_each(?))",
        filters,
    )
    return {r[0] for r in db.execute(sql, [json.dumps(ids), *_params(filters)])}


def _browse(db: sqlite3.Connection, kind: str, query: Query) -> list[tuple[int, float, bool]]:
    """Filters alone: everything they select, in reading order (newest papers first)."""
    filters = _filters(db, kind, query)
    if filters is None:
        return []
    sql = _with_filters(f"SELECT t.id FROM {_TABLES[kind]} t", filters)
    rows = db.execute(f"{sql} ORDER BY {_READING_ORDER[kind]}", _params(filters))
    return [(r[0], 0.0, False) for r in rows]


# --- filters -------------------------------------------------------------------------------


def _members(kind: str, node_ids: list[int]) -> tuple[str, list[Any]]:
    """SQL for the ids of `kind` that sit in one of `node_ids`."""
    marks = ",".join("?" * len(node_ids))
    sql = {
        "paper": f"SELECT paper_id FROM paper_node WHERE node_id IN ({marks})",
        "finding": f"SELECT id FROM finding WHERE node_id IN ({marks})",
        "node": f"SELECT id FROM taxonomy_node WHERE id IN ({marks})",
    }[kind]
    return sql, list(node_ids)


def _section_filters(db: sqlite3.Connection, kind: str, query: Query) -> Filters:
    """`section:` and `-section:` as filters on `kind` (a section includes its questions)."""
    out: Filters = []
    for negated, codes in ((False, query.sections), (True, query.not_sections)):
        if codes:
            from .queries import subtree_ids  # checks the codes, suggests near misses

            out.append((negated, *_members(kind, subtree_ids(db, codes))))
    return out


def _filters(db: sqlite3.Connection, kind: str, query: Query) -> Filters | None:
    """Every filter of the query on `kind`, exclusions included; None when `kind` cannot
    match (a finding has no year, tag or author)."""
    if kind != "paper" and query.papers_only():
        return None
    out: Filters = []
    if kind == "paper":
        year_sql = "SELECT id FROM paper WHERE year BETWEEN ? AND ?"
        out += [(False, year_sql, list(query.years))] if query.years else []
        out += [(True, year_sql, list(y)) for y in query.not_years]
        # every tag in one filter, however many are given (one filter each would nest
        # the SQL past SQLite's expression depth: 2,000 `--tag`s were a "database error")
        tagged = "SELECT paper_id FROM paper_tag WHERE tag IN (SELECT value FROM json_each(?))"
        if wanted := sorted(set(query.tags)):
            all_of = f"{tagged} GROUP BY paper_id HAVING count(DISTINCT tag) = ?"
            out.append((False, all_of, [json.dumps(wanted), len(wanted)]))
        if query.not_tags:
            out.append((True, tagged, [json.dumps(sorted(set(query.not_tags)))]))
    out += _section_filters(db, kind, query)
    if query.exclude:
        out.append((True, _fts_ids(kind), [" OR ".join(t.fts() for t in query.exclude)]))
    return out
