"""Watching arXiv for new work on each node of the taxonomy: saved searches, and the run
that pages through them into the inbox (`inbox.py` decides what happens next).

Every section and research question carries one search in arXiv's own query syntax
(https://info.arxiv.org/help/api/user-manual.html#query_details: `ti:`, `au:`, `abs:`,
`cat:`… terms, `"phrases"`, `AND`/`OR`/`ANDNOT`, parentheses), curated in
`seeds/watch.toml` or set by the user (`set_query`). A run asks arXiv for each search's
newest submissions first, a page of `PAGE_SIZE` at a time, through one shared client
(`importers.arxiv.Client`: politeness delay, retries, deadline), and goes back until
the submission date where the previous run of that search stopped seeing new papers,
less `OVERLAP_DAYS`. Papers already in the knowledge base (the dedupe ladder of
`ingest.ingest`), already in the inbox or rejected there are not added again.

Each page is written in one transaction: its inbox rows and where the search got to.
A run that is killed keeps every page it wrote; the next run without `--since`
resumes it — searches it finished are not asked again, the one it was in goes on at
its next page, the others it had set out to do go back to its `--since` — and adds
nothing twice. A search the killed run did not set out to do (it was limited to some
sections) keeps its own stop date. A run that completes is finished, `--section` or
not: it is not resumed."""

from __future__ import annotations

import json
import re
import sqlite3
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .errors import BadInput, NotFound
from .importers.arxiv import PAGE_SIZE

if TYPE_CHECKING:
    from .classify import Classifier, Suggestion
    from .records import Paper
    from .store import Database

FIELDS = {
    "ti": "title",
    "au": "author",
    "abs": "abstract",
    "co": "comment",
    "jr": "journal reference",
    "cat": "category",
    "rn": "report number",
    "id": "arXiv id",
    "all": "all of these",
}
"""arXiv's field prefixes (API user manual, "search_query field prefixes")."""
OPERATORS = ("AND", "OR", "ANDNOT")
OVERLAP_DAYS = 3
"""How far before the newest submission date it saw a search goes back on its next run.
arXiv lists a submission one to three working days after it was made (its daily
cut-off is 14:00 US Eastern; nothing is announced on weekends), and papers put on hold
appear later still with their first submission date: a run that stopped exactly at the
last date seen would miss them. What the overlap finds again is skipped as known."""
FIRST_LOOKBACK_DAYS = 30
"""A search that never ran goes back this many days (unless `--since` says otherwise)."""
WATCHED_KINDS = ("section", "question")
"""The nodes the survey's curated searches cover (validated in seeds)."""
_TOKEN = re.compile(r'\s*(?:(\()|(\))|([A-Za-z]+):("[^"]*"?|[^\s()"]+)|("[^"]*"?)|([^\s()"]+))')


# --- the query language ------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One `field:value` of a query; `value` without quotes, `field` `all` for a bare word."""

    field: str
    value: str

    def __str__(self) -> str:
        value = f'"{self.value}"' if " " in self.value or "-" in self.value else self.value
        return f"{self.field}:{value}"


def parse_query(query: str) -> list[Term]:
    """Check `query` against arXiv's query syntax and return its terms that must match
    (those not under `ANDNOT`), in order.

    Raises `BadInput` naming the first problem: an empty query, an unknown field prefix,
    an unclosed quote or parenthesis, a lower-case or misplaced operator."""
    text = query.strip()
    if not text:
        raise BadInput("the query is empty", 'give arXiv search terms, e.g. abs:"overthinking"')
    terms: list[Term] = []
    depth, expect_operand, negated_depth = 0, True, None
    position = 0
    while position < len(text):
        found = _TOKEN.match(text, position)
        if found is None or found.end() == position:
            break
        position = found.end()
        open_, close, prefix, value, phrase, word = found.groups()
        if open_:
            _need(expect_operand, "a '(' must follow an operator", query)
            depth += 1
            continue
        if close:
            _need(
                not expect_operand and depth > 0,
                "a ')' without its '(' or after an operator",
                query,
            )
            depth -= 1
            if negated_depth is not None and depth < negated_depth:
                negated_depth = None
            continue
        if word in OPERATORS or (word and word.upper() in OPERATORS):
            if word not in OPERATORS:
                raise BadInput(
                    f"{word!r} in {query!r} is not an operator to arXiv",
                    f"write it in capitals ({word.upper()}) or quote it as a word",
                )
            _need(not expect_operand, f"{word} needs a term on both sides", query)
            expect_operand = True
            negated_depth = (
                depth
                if word == "ANDNOT"
                else (
                    negated_depth if negated_depth is not None and depth > negated_depth else None
                )
            )
            continue
        _need(expect_operand, "two terms need AND, OR or ANDNOT between them", query)
        expect_operand = False
        field_name = (prefix or "all").lower()
        if prefix and field_name not in FIELDS:
            known = ", ".join(f"{k} ({v})" for k, v in FIELDS.items())
            raise BadInput(
                f"unknown field {prefix + ':'!r} in {query!r}", f"arXiv's fields: {known}"
            )
        raw = value if prefix else (phrase or word or "")
        if raw.startswith('"') and (len(raw) == 1 or not raw.endswith('"')):
            raise BadInput(f"an unclosed quote in {query!r}", 'close the "phrase"')
        raw = raw.strip('"').strip()
        if not raw:
            raise BadInput(
                f"an empty term in {query!r}", 'give a word or a "phrase" after the field'
            )
        if negated_depth is None:
            terms.append(Term(field_name, " ".join(raw.split())))
    _need(position >= len(text.rstrip()), "characters arXiv cannot read", query)
    _need(depth == 0, "an unclosed '('", query)
    _need(not expect_operand, "it ends with an operator", query)
    return terms


def _need(condition: bool, problem: str, query: str) -> None:
    if not condition:
        raise BadInput(
            f"{problem} in {query!r}", "see arXiv's query syntax in `lrmkb watch set --help`"
        )


_WORDS = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    """Lower-case ASCII words, a final plural `s` dropped, so `models` meets `model`."""
    from .ids import ascii_fold

    words = _WORDS.findall(ascii_fold(text).lower())
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words]


def matched_terms(terms: Sequence[Term], entry: dict[str, Any]) -> list[str]:
    """The terms of a query that an arXiv entry visibly matches: the reason it was found
    (arXiv's own matching — stemming, its tokeniser — may differ in the details)."""
    texts = {
        "ti": entry.get("title") or "",
        "abs": entry.get("abstract") or "",
        "au": " ".join(entry.get("authors") or []),
        "co": entry.get("comment") or "",
        "jr": entry.get("journal_ref") or "",
        "cat": " ".join(entry.get("categories") or []),
        "id": entry.get("arxiv_id") or "",
    }
    texts["all"] = " ".join(texts[k] for k in ("ti", "abs", "au", "co", "jr", "cat"))
    found = []
    for term in terms:
        haystack = f" {' '.join(_words(texts.get(term.field, '')))} "
        wanted = term.value.rstrip("*")
        needle = " ".join(_words(wanted))
        hit = (
            (f" {needle}" in haystack) if term.value.endswith("*") else (f" {needle} " in haystack)
        )
        if needle and hit and str(term) not in found:
            found.append(str(term))
    return found


# --- saved searches ----------------------------------------------------------------------


def seed_queries(root: Path) -> tuple[dict[str, str], list[str]]:
    """The curated searches in `root/watch.toml` (code → query) and the problems found
    reading them: TOML errors, a code given twice, a query arXiv would not accept."""
    path = root / "watch.toml"
    if not path.is_file():
        return {}, ["watch.toml: missing (every section and question needs a watch query)"]
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"watch.toml: {exc}"]
    queries: dict[str, str] = {}
    problems = []
    for item in doc.get("query", []):
        code, query = str(item.get("code", "")), " ".join(str(item.get("query", "")).split())
        if code in queries:
            problems.append(f"watch.toml: two queries for {code}")
        try:
            parse_query(query)
        except BadInput as exc:
            problems.append(f"watch.toml: query for {code or '?'}: {exc.what}")
        queries[code] = query
    return queries, problems


def check_seed_queries(queries: dict[str, str], nodes: Iterable[dict[str, Any]]) -> list[str]:
    """Every section and research question has a query, and every query a node."""
    codes = {n.get("code"): n.get("kind") for n in nodes}
    problems = [f"watch.toml: query for unknown node {c}" for c in queries if c not in codes]
    problems += [
        f"watch.toml: {code} ({kind}) has no watch query"
        for code, kind in codes.items()
        if kind in WATCHED_KINDS and code not in queries
    ]
    return problems


def queries(db: sqlite3.Connection, codes: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The saved searches in reading order, with their state and how many inbox items
    they found; only those under `codes` (a section includes its questions) if given."""
    from .importers.seeds import _code_key

    rows = db.execute(
        """SELECT n.code, n.title, n.kind, w.node_id, w.query, w.origin, w.last_run,
                  w.newest, w.resume_start, w.resume_stop, w.resume_newest,
                  (SELECT count(*) FROM inbox i, json_each(i.found_by) f
                    WHERE json_extract(f.value, '$.code') = n.code
                      AND i.status = 'waiting') AS waiting
           FROM watch_query w JOIN taxonomy_node n ON n.id = w.node_id"""
    ).fetchall()
    found = [dict(r) for r in rows]
    if codes:
        wanted = _subtree_codes(db, codes)
        found = [q for q in found if q["code"] in wanted]
    return sorted(found, key=lambda q: _code_key(q["code"]))


def _subtree_codes(db: sqlite3.Connection, codes: Sequence[str]) -> set[str]:
    from . import queries as q

    wanted = {q.find_node(db, code)["code"] for code in codes}
    for code, parent in db.execute(
        "SELECT n.code, p.code FROM taxonomy_node n LEFT JOIN taxonomy_node p ON p.id = n.parent_id"
        " ORDER BY n.id"
    ):
        if parent in wanted:
            wanted.add(code)
    return wanted


def set_query(db: Database, code: str, query: str) -> dict[str, Any]:
    """Save `query` as the search of node `code` (replacing its curated or earlier one).
    A changed search starts afresh: its run state is cleared."""
    from . import queries as q

    query = " ".join(query.split())
    parse_query(query)
    with db.transaction():
        node = q.find_node(db, code)
        old = db.execute(
            "SELECT query FROM watch_query WHERE node_id = ?", (node["id"],)
        ).fetchone()
        db.execute(
            """INSERT INTO watch_query (node_id, query, origin) VALUES (?, ?, 'user')
               ON CONFLICT (node_id) DO UPDATE SET query = excluded.query, origin = 'user',
                 last_run = NULL, newest = NULL, resume_start = NULL, resume_stop = NULL,
                 resume_newest = NULL
               WHERE query != excluded.query""",
            (node["id"], query),
        )
    replaced = old[0] if old and old[0] != query else None
    return {"code": node["code"], "title": node["title"], "query": query, "replaced": replaced}


def remove_query(db: Database, code: str) -> dict[str, Any]:
    """Stop watching node `code`. Its inbox items stay."""
    from . import queries as q

    with db.transaction():
        node = q.find_node(db, code)
        gone = db.execute(
            "DELETE FROM watch_query WHERE node_id = ? RETURNING query", (node["id"],)
        ).fetchone()
        if gone is None:
            raise NotFound(f"{node['code']} has no watch query", "see `lrmkb watch list`")
    return {"code": node["code"], "title": node["title"], "query": gone[0]}


# --- the run -------------------------------------------------------------------------------


@dataclass
class QueryRun:
    """What one search did in a run."""

    code: str
    query: str
    since: str  # the submission date it went back to (YYYY-MM-DD)
    pages: int = 0
    fetched: int = 0  # entries arXiv returned down to `since`
    new: int = 0  # put in the inbox
    known: int = 0  # already in the knowledge base
    again: int = 0  # already in the inbox (waiting, or accepted there)
    rejected: int = 0  # rejected in the inbox before
    resumed: bool = False  # went on from an interrupted run
    skipped: bool = False  # finished in the interrupted run: not asked again
    capped: bool = False  # stopped at --max before reaching `since`
    refused: str | None = None  # arXiv refused the query: its reason

    def refusal(self) -> str:
        """What to tell the user about a refused search, and what to do."""
        return (
            f"arXiv refused the watch query of {self.code}, {self.query!r} ({self.refused})"
            f" — change it (`lrmkb watch set {self.code} QUERY`) or drop it"
            f" (`lrmkb watch rm {self.code}`)"
        )


COUNTS = ("pages", "fetched", "new", "known", "again", "rejected")


@dataclass
class RunReport:
    """The result of `run`: `as_dict` is the `--json` output."""

    queries: list[QueryRun] = field(default_factory=list)
    new: list[dict[str, Any]] = field(default_factory=list)  # inbox rows added (would be)
    dry_run: bool = False
    resumed: bool = False
    requests: int = 0

    def totals(self) -> dict[str, int]:
        return {k: sum(getattr(q, k) for q in self.queries) for k in COUNTS}

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "resumed": self.resumed,
            "requests": self.requests,
            "summary": self.totals(),
            "queries": [asdict(q) for q in self.queries],
            "new": self.new,
        }


Progress = Callable[[str, QueryRun], None]
"""Told `("query", run)` when a search starts, `("page", run)` after each page and
`("refused", run)` when arXiv refuses it."""


def plan(db: sqlite3.Connection, sections: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The searches a run asks, in reading order (a progress bar's total)."""
    found = queries(db, sections)
    if not found:
        where = f" under {', '.join(sections)}" if sections else ""
        raise NotFound(f"no watch query{where}", "add one with `lrmkb watch set CODE QUERY`")
    return found


def run(
    db: Database,
    *,
    since: date | None = None,
    sections: Sequence[str] = (),
    max_results: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    report: RunReport | None = None,
) -> RunReport:
    """Run the saved searches (all, or those under `sections`: a section includes its
    questions) and put what is new in the inbox. `since` overrides where every search
    stops and starts a fresh run instead of resuming an interrupted one (without it, the
    searches an interrupted run had left go on with it: `_interrupted`); `max_results` caps the entries
    taken per search. `report`, if given, is filled as the run goes (what an interrupted
    run got done).

    A search arXiv refuses (HTTP 400: it cannot read the query) is reported in its
    `QueryRun.refused` and the run goes on with the others; it does not hold the run
    open, so the next run is a fresh one that asks it again.

    Only one run (not dry) at a time on a database: a second one raises
    `DatabaseProblem` at once, before asking arXiv anything. Raises `ServiceError` when
    arXiv fails past its retries or the deadline, `NotFound` for an unknown section: the
    pages written so far stay, and the next run resumes."""
    from .store import exclusive

    if dry_run:  # writes nothing: it may run beside a real run
        return _run(db, since, sections, max_results, dry_run, progress, report)
    hint = (
        "wait for it to finish (`lrmkb watch list` shows what it has done), or stop it: "
        "the next `lrmkb watch run` resumes it"
    )
    with exclusive(db, "watch", hint):
        return _run(db, since, sections, max_results, dry_run, progress, report)


def _run(
    db: Database,
    since: date | None,
    sections: Sequence[str],
    max_results: int | None,
    dry_run: bool,
    progress: Progress | None,
    report: RunReport | None,
) -> RunReport:
    from .importers.arxiv import Client
    from .store import now

    report = report if report is not None else RunReport()
    report.dry_run = dry_run
    wanted = plan(db, sections)
    # an explicit --since starts every search afresh; otherwise the searches that an
    # interrupted run had set out to do go on with it (its start and its --since)
    interrupted = None if since is not None else _interrupted(db, [q["code"] for q in wanted])
    owed = interrupted["codes"] if interrupted else set()
    report.resumed = interrupted is not None
    started = interrupted["started"] if interrupted else now()
    fresh = since is not None
    owed_since = (
        date.fromisoformat(interrupted["since"]) if interrupted and interrupted["since"] else None
    )
    if not dry_run and not interrupted:
        _start_run(db, started, since, [q["code"] for q in wanted])
    client = Client()
    session = _Session(db, client, started, max_results, report, progress, _Suggester(db))
    today = datetime.now(UTC).date()
    try:
        for saved in wanted:
            owes = saved["code"] in owed
            if owes and saved["last_run"] and saved["last_run"] >= started:
                done = QueryRun(saved["code"], saved["query"], saved["newest"] or "", skipped=True)
                report.queries.append(done)
                continue
            stop, start, newest = _bounds(saved, owed_since if owes else since, today, fresh)
            outcome = QueryRun(saved["code"], saved["query"], stop, resumed=start > 0)
            report.queries.append(outcome)
            _run_query(session, saved, outcome, start, newest)
    finally:
        report.requests = client.requests
    if not dry_run:
        _finish_runs(db, started, [q.code for q in report.queries if q.refused])
    return report


def _interrupted(db: sqlite3.Connection, codes: Sequence[str]) -> dict[str, Any] | None:
    """The latest run that was interrupted (never finished) and had set out to do some
    of the searches `codes`: its start, its `--since` and those of `codes` it covers."""
    for row in db.execute(
        "SELECT started, since, codes FROM watch_run WHERE finished IS NULL ORDER BY id DESC"
    ):
        covered = set(codes) if row["codes"] is None else set(json.loads(row["codes"]))
        if covered & set(codes):
            return {"started": row["started"], "since": row["since"], "codes": covered}
    return None


def _bounds(
    saved: dict[str, Any], since: date | None, today: date, fresh: bool
) -> tuple[str, int, str | None]:
    """Where a search goes back to, the position it starts at, and the newest date an
    interrupted run of it had seen."""
    if saved["resume_start"] is not None and not fresh:
        return saved["resume_stop"], saved["resume_start"], saved["resume_newest"]
    if since is not None:
        return since.isoformat(), 0, None
    anchor = saved["newest"] or (saved["last_run"] or "")[:10]
    if anchor:
        return (date.fromisoformat(anchor) - timedelta(days=OVERLAP_DAYS)).isoformat(), 0, None
    return (today - timedelta(days=FIRST_LOOKBACK_DAYS)).isoformat(), 0, None


@dataclass
class _Session:
    """What every search of one run shares."""

    db: Database
    client: Any  # importers.arxiv.Client
    started: str  # the run's start (ISO timestamp): a search done since then is done
    max_results: int | None
    report: RunReport
    progress: Progress | None
    suggest: Callable[[dict[str, Any]], list[Suggestion]]


def _run_query(
    session: _Session, saved: dict[str, Any], outcome: QueryRun, start: int, newest: str | None
) -> None:
    """Page through one search, newest first, down to `outcome.since`."""
    db, client, report, progress = session.db, session.client, session.report, session.progress
    max_results = session.max_results
    terms = parse_query(saved["query"])
    if progress:
        progress("query", outcome)
    while True:
        try:
            page = client.search(saved["query"], start)
        except NotFound as exc:  # arXiv's HTTP 400 "Error" entry: it cannot read the query
            outcome.refused = exc.what.removeprefix("arXiv rejected the request: ")
            if progress:
                progress("refused", outcome)
            return  # the pages it saved stay; the run goes on with the next search
        entries = [e for e in page.entries if e["published"] >= outcome.since]
        reached = len(entries) < len(page.entries)
        if max_results is not None and outcome.fetched + len(entries) >= max_results:
            outcome.capped = not reached or outcome.fetched + len(entries) > max_results
            entries = entries[: max_results - outcome.fetched]
        outcome.pages += 1
        outcome.fetched += len(entries)
        newest = max([newest or "", *(e["published"] for e in entries)]) or None
        start += len(page.entries)
        # a short page is the last one (arXiv's total is an estimate that may run on)
        done = reached or outcome.capped or len(page.entries) < PAGE_SIZE or start >= page.total
        planned = {r["arxiv_id"]: r for r in report.new} if report.dry_run else {}
        rows, again = _sort_page(session, saved, terms, entries, outcome, planned)
        if not report.dry_run:
            state = (done, start, outcome.since, newest, session.started)
            _write_page(db, saved["node_id"], rows, again, state)
        report.new += rows
        if progress:
            progress("page", outcome)
        if done:
            return


Found = dict[str, Any]  # {code, query, terms}: which search found an item, and why


def _sort_page(
    session: _Session,
    saved: dict[str, Any],
    terms: list[Term],
    entries: list[dict[str, Any]],
    outcome: QueryRun,
    planned: dict[str, dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[tuple[int, Found]]]:
    """Sort a page's entries: papers already in the knowledge base (the dedupe ladder of
    `add`, run dry), inbox items found again (the search is added to what found them),
    rejected ones, and new ones — returned as inbox rows with the classifier's top 3.
    `planned` are the rows a dry run would have written already."""
    from .ingest import ingest
    from .records import Record

    db, suggest = session.db, session.suggest
    by_id = {e["arxiv_id"]: e for e in entries if e.get("arxiv_id")}

    def found(entry: dict[str, Any]) -> Found:
        return {
            "code": saved["code"],
            "query": saved["query"],
            "terms": matched_terms(terms, entry),
        }

    seen = db.execute(
        "SELECT id, arxiv_id, status, found_by FROM inbox"
        " WHERE arxiv_id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(by_id)),),
    ).fetchall()
    again = []
    for row in seen:
        if row["status"] == "rejected":
            outcome.rejected += 1
            continue
        outcome.again += 1
        if saved["code"] not in {f["code"] for f in json.loads(row["found_by"])}:
            again.append((row["id"], found(by_id[row["arxiv_id"]])))
    for arxiv_id in by_id.keys() & planned.keys():
        outcome.again += 1
        planned[arxiv_id]["found_by"].append(found(by_id[arxiv_id]))
    known = {r["arxiv_id"] for r in seen} | planned.keys()
    fresh = [e for i, e in by_id.items() if i not in known]
    items = [Record(f"arxiv:{e['arxiv_id']}", "arxiv", _paper_part(e)) for e in fresh]
    results = ingest(db, items, dry_run=True).outcomes if items else []
    rows = []
    for entry, result in zip(fresh, results, strict=True):
        if result.action != "added":
            outcome.known += 1
            continue
        suggestions = suggest(entry)
        best = suggestions[0] if suggestions else None
        rows.append(
            {
                "arxiv_id": entry["arxiv_id"],
                "title": entry["title"],
                "published": entry["published"],
                "record": entry,
                "found_by": [found(entry)],
                "suggestions": suggestions,
                "score": best["score"] if best else 0.0,
                "node_code": best["code"] if best else None,
            }
        )
    outcome.new += len(rows)
    return rows, again


class _Suggester:
    """The classifier's top 3 for a run: built on the first new paper, then reused (a
    run changes no node's text, and building it reads every node and member paper)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.classifier: Classifier | None = None

    def __call__(self, entry: dict[str, Any]) -> list[Suggestion]:
        if self.classifier is None:
            from .classify import Classifier

            self.classifier = Classifier.from_db(self.db)
        return self.classifier.suggest(entry["title"], entry.get("abstract") or "")


def _paper_part(entry: dict[str, Any]) -> Paper:
    """The `Paper` columns of an arXiv entry (`entry_fields` has a few more)."""
    from .records import PAPER_FIELDS

    return cast("Paper", {k: v for k, v in entry.items() if k in PAPER_FIELDS})


def _write_page(
    db: Database,
    node_id: int,
    rows: list[dict[str, Any]],
    again: list[tuple[int, Found]],
    state: tuple[bool, int, str, str | None, str],
) -> None:
    """One page, in one transaction: its new inbox rows, the searches added to items
    found again, and where the search got to — its next page, or, when it is done, the
    run it completed and the newest submission date it has seen."""
    from .store import now

    done, next_start, stop, newest, started = state
    stamp = now()
    with db.transaction():
        for row in rows:
            inserted = db.execute(
                """INSERT INTO inbox (arxiv_id, title, published, record, found_by, suggestions,
                                      score, node_code, found)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arxiv_id) DO NOTHING""",
                (
                    row["arxiv_id"],
                    row["title"],
                    row["published"],
                    json.dumps(row["record"], ensure_ascii=False),
                    json.dumps(row["found_by"], ensure_ascii=False),
                    json.dumps(row["suggestions"], ensure_ascii=False),
                    row["score"],
                    row["node_code"],
                    stamp,
                ),
            ).rowcount
            if not inserted:  # another run put it there meanwhile
                item_id = db.execute(
                    "SELECT id FROM inbox WHERE arxiv_id = ?", (row["arxiv_id"],)
                ).fetchone()[0]
                again.append((item_id, row["found_by"][0]))
        for item_id, found in again:
            db.execute(
                """UPDATE inbox SET found_by = json_insert(found_by, '$[#]', json(?))
                   WHERE id = ? AND NOT EXISTS (SELECT 1 FROM json_each(found_by)
                     WHERE json_extract(value, '$.code') = ?)""",
                (json.dumps(found, ensure_ascii=False), item_id, found["code"]),
            )
        if done:
            db.execute(
                """UPDATE watch_query SET last_run = ?, resume_start = NULL, resume_stop = NULL,
                     resume_newest = NULL,
                     newest = CASE WHEN coalesce(newest, '') >= coalesce(?, '') THEN newest
                                   ELSE ? END
                   WHERE node_id = ?""",
                (started, newest, newest, node_id),
            )
        else:
            db.execute(
                "UPDATE watch_query SET resume_start = ?, resume_stop = ?, resume_newest = ?"
                " WHERE node_id = ?",
                (next_start, stop, newest, node_id),
            )


def _start_run(db: Database, started: str, since: date | None, codes: Sequence[str]) -> None:
    with db.transaction():
        db.execute(
            "INSERT INTO watch_run (started, since, codes) VALUES (?, ?, ?)",
            (started, since.isoformat() if since else None, json.dumps(list(codes))),
        )


def _finish_runs(db: Database, started: str, refused: Sequence[str] = ()) -> None:
    """Mark finished every open run (up to the one that started at `started`) whose
    searches have all completed since it started, or were refused by arXiv in this run
    (asking one again at once would be refused again, and a run held open by it would
    skip every other search from then on). A run limited to some sections is finished
    once those are done; only a run that was interrupted stays open, to be resumed."""
    from .store import now

    with db.transaction():
        for run_id, run_started, codes in db.execute(
            "SELECT id, started, codes FROM watch_run WHERE finished IS NULL AND started <= ?",
            (started,),
        ).fetchall():
            pending = db.execute(
                """SELECT count(*) FROM watch_query w JOIN taxonomy_node n ON n.id = w.node_id
                   WHERE (w.last_run IS NULL OR w.last_run < ?1)
                     AND n.code NOT IN (SELECT value FROM json_each(?2))
                     AND (?3 IS NULL OR n.code IN (SELECT value FROM json_each(?3)))""",
                (run_started, json.dumps(list(refused)), codes),
            ).fetchone()[0]
            if not pending:
                db.execute("UPDATE watch_run SET finished = ? WHERE id = ?", (now(), run_id))
