"""Growing the knowledge base: the one way papers get into the store, whatever their
source. `ingest(db, items)` takes `Record`s from any source — `importers.arxiv.ArxivSource`,
`importers.bibtex.BibFile`, a list built by hand — and reports each `Failure` among them
as it is; a new source needs nothing here.

Every record goes down the dedupe ladder — arXiv id, then DOI, then a fuzzy title match
among papers with the same first-author surname and a year at most one apart (rapidfuzz
`fuzz.ratio` ≥ `FUZZY_THRESHOLD` on lower-case ASCII titles without punctuation). A match
is *enriched*: its empty fields are filled, nothing already set is overwritten. Anything
else is *added* under a new house key that never renames an existing one. Records are
planned in memory (the existing papers are indexed once, so a 10,000-entry file costs no
per-entry scans) and written with a handful of `executemany` statements in one
transaction: all of it lands, or none.

The source is read (fetched, parsed) and the records planned before the write lock is
taken, so a long import never locks other writers out while it parses; if another writer
committed meanwhile, the records are planned again under the lock, against what is there
now."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from rapidfuzz import fuzz, process

from .errors import NotFound
from .gcpause import collector_paused
from .ids import ascii_fold, base_key, parse_arxiv_id, surname
from .ids import unique_key as next_free_key
from .records import JSON_LIST_FIELDS, PAPER_FIELDS, SURVEY_FIELDS, Failure, Paper, Record
from .store import Database, now
from .tagging import check_tags

if TYPE_CHECKING:
    import sqlite3

    from .classify import Classifier, Suggestion

FUZZY_THRESHOLD = 90
"""Minimum `rapidfuzz.fuzz.ratio` (0-100) between normalised titles for a fuzzy match.
90 absorbs case, punctuation, accents, a dropped article or a typo; it does not merge
a paper with its differently-subtitled sequel."""

AUTO = "auto"
NOT_FILLABLE = frozenset(
    [
        "key",
        "title",
        "title_latex",
        "authors",
        "authors_more",
        "entry_type",
        "source",
        "id_source",
        "created",
        "updated",
        *SURVEY_FIELDS,
    ]
)
FILLABLE = tuple(f for f in PAPER_FIELDS if f not in NOT_FILLABLE)
"""Fields enrichment may fill when empty; identity, provenance and timestamps never."""
NOT_FILLED_FROM = {"arxiv": frozenset({"venue"})}
"""arXiv's `CoRR` is how a new preprint is cited; a paper already known may have appeared
elsewhere since, so arXiv never fills its venue."""
EMPTY: tuple[object, ...] = (None, "", [])
"""What counts as no value: enrichment fills these, and only these."""
Columns = dict[str, Any]
"""Column name → value, for code that goes over columns by name (`FILLABLE`)."""
OUTCOMES = ("added", "enriched", "skipped", "failed")
Progress = Callable[[int, int], None]
"""Told (records planned, records in all) as the planning goes on."""
Then = Callable[["Database", list["Outcome"]], None]
"""Writes what the caller records about the outcomes, in the ingest's own transaction."""
PROGRESS_EVERY = 250


@dataclass(slots=True)
class Outcome:
    """What happened to one source. `action` is one of OUTCOMES."""

    source: str
    action: str
    key: str | None = None
    matched_by: str | None = None
    filled: list[str] = field(default_factory=list)
    reason: str | None = None
    sections: list[str] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    exit_code: int = 0

    @classmethod
    def failed(cls, failure: Failure) -> Outcome:
        return cls(
            failure.source, "failed", reason=failure.reason, extra=failure.extra, exit_code=1
        )

    def as_dict(self) -> dict[str, Any]:
        data = {**self.extra, "source": self.source, "outcome": self.action, "key": self.key}
        data |= {"title": self.title, "matched_by": self.matched_by, "filled": self.filled}
        data |= {"sections": self.sections, "suggestions": self.suggestions}
        return data | {"reason": self.reason}


@dataclass
class Report:
    """The result of one `add` or `import`; `as_dict` is the `--json` output."""

    outcomes: list[Outcome]
    dry_run: bool
    info: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for outcome in self.outcomes:
            counts[outcome.action] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.info,
            "dry_run": self.dry_run,
            "summary": self.counts(),
            "results": [o.as_dict() for o in self.outcomes],
        }


# --- matching ------------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    return (text if text.isascii() else ascii_fold(text)).lower()


def normalise_title(title: str) -> str:
    """Lower-case ASCII words: what two spellings of one title have in common."""
    return _NON_ALNUM.sub(" ", _fold(title)).strip()


def first_surname(authors: Sequence[str]) -> str:
    return _NON_ALNUM.sub("", _fold(surname(authors[0]))) if authors else ""


Identity = tuple[int | None, str, str]  # year, first-author surname, normalised title


def identity(paper: Paper) -> Identity:
    """What the fuzzy rung compares, computed once per record."""
    return paper.get("year"), first_surname(paper["authors"]), normalise_title(paper["title"])


class PaperIndex:
    """Papers by arXiv id, DOI and (year, first-author surname), built once per batch;
    records planned in the same batch join it, so duplicates within a file are found."""

    def __init__(self) -> None:
        self.by_arxiv: dict[str, str] = {}
        self.by_doi: dict[str, str] = {}
        self.buckets: dict[tuple[int | None, str], dict[str, str]] = defaultdict(dict)

    def add(self, key: str, paper: Paper, ident: Identity) -> None:
        if arxiv_id := paper.get("arxiv_id"):
            self.by_arxiv.setdefault(arxiv_id, key)
        if doi := paper.get("doi"):
            self.by_doi.setdefault(doi.lower(), key)
        self.buckets[ident[:2]].setdefault(ident[2], key)

    def match(self, paper: Paper, ident: Identity) -> tuple[str, str] | None:
        """The key of the paper `paper` duplicates and the rung that matched, or None."""
        if (arxiv_id := paper.get("arxiv_id")) and arxiv_id in self.by_arxiv:
            return self.by_arxiv[arxiv_id], "arxiv id"
        if (doi := paper.get("doi")) and doi.lower() in self.by_doi:
            return self.by_doi[doi.lower()], "doi"
        key = self._fuzzy(ident)
        return (key, "title, first author and year") if key else None

    def _fuzzy(self, ident: Identity) -> str | None:
        year, who, title = ident
        years = (year,) if year is None else (year, year - 1, year + 1)
        for y in years:
            bucket = self.buckets.get((y, who))
            if not bucket:
                continue
            if title in bucket:
                return bucket[title]
            best = process.extractOne(
                title, bucket.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD
            )
            if best:
                return bucket[best[0]]
        return None


# --- planning ------------------------------------------------------------------------------


@dataclass
class Plan:
    """Everything a batch will write, computed before anything is written."""

    new: dict[str, Paper] = field(default_factory=dict)  # key → paper
    changes: dict[str, Columns] = field(default_factory=dict)  # key → filled columns
    filed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # key → codes
    resolved: list[str] = field(default_factory=list)  # every key the records resolved to


class Planner:
    """Decides, record by record, whether to add, enrich or skip."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.papers: dict[str, Paper] = {}
        self.index = PaperIndex()
        for row in db.execute(
            f"SELECT authors_more, {', '.join(('key', 'title', 'authors', *FILLABLE))}"
            " FROM paper ORDER BY id"
        ):
            paper = cast(Paper, {**row, "authors": json.loads(row["authors"] or "[]")})
            self.papers[paper["key"]] = paper
            self.index.add(paper["key"], paper, identity(paper))
        self.plan = Plan()
        self.added: set[str] = set()  # keys of the papers planned as new
        self.first_source: dict[str, str] = {}

    def take(self, item: Record, now: str) -> Outcome:
        fields = item.fields = _without_arxiv_url(item.fields)
        ident = identity(fields)
        found = self.index.match(fields, ident)
        if found is None:
            key = next_free_key(
                base_key(fields["authors"], fields.get("year"), fields["title"]),
                self.papers.__contains__,
            )
            paper = _new_paper(key, item, now)
            self.papers[key] = self.plan.new[key] = paper
            self.added.add(key)
            self.index.add(key, paper, ident)
            return self._resolved(item, "added", key)
        key, rung = found
        filled = self._fill(key, fields, item.origin)
        if filled:
            return self._resolved(item, "enriched", key, rung, filled)
        earlier = self.first_source.get(key)
        reason = f"same paper as {earlier}" if earlier else "already in the database"
        outcome = self._resolved(item, "skipped", key, rung)
        outcome.reason = f"{reason} ({key}); nothing new to fill"
        return outcome

    def _resolved(
        self,
        item: Record,
        action: str,
        key: str,
        rung: str | None = None,
        filled: list[str] | None = None,
    ) -> Outcome:
        self.plan.resolved.append(key)
        self.first_source.setdefault(key, item.source)
        title = self.papers[key]["title"]
        return Outcome(item.source, action, key, rung, filled or [], extra=item.extra, title=title)

    def _fill(self, key: str, incoming: Paper, origin: str) -> list[str]:
        """Fill the empty fields of paper `key` from `incoming`; return their names."""
        stored: Columns = cast(Columns, self.papers[key])
        given: Columns = cast(Columns, incoming)
        skip = NOT_FILLED_FROM.get(origin, frozenset())
        filled = {
            col: given[col]
            for col in FILLABLE
            if stored.get(col) in EMPTY and given.get(col) not in EMPTY and col not in skip
        }
        if "arxiv_version" in filled and incoming.get("arxiv_id") != (
            stored.get("arxiv_id") or filled.get("arxiv_id")
        ):
            del filled["arxiv_version"]
        if "arxiv_id" in filled and key not in self.added:
            filled["id_source"] = origin
        if _completes(stored["authors"], bool(stored["authors_more"]), incoming["authors"]):
            # the names already stored keep their spelling; only the missing ones are added
            filled["authors"] = stored["authors"] + incoming["authors"][len(stored["authors"]) :]
            filled["authors_more"] = bool(incoming.get("authors_more"))
        stored.update(filled)
        if key not in self.plan.new and filled:
            self.plan.changes.setdefault(key, {}).update(filled)
        return [c for c in filled if c not in ("id_source", "authors_more")]


def _without_arxiv_url(fields: Paper) -> Paper:
    """`url` is for a paper's non-arXiv home (as in the seeds); a link to its own arXiv
    page says nothing its arXiv id does not, so it is not stored."""
    url, arxiv_id = fields.get("url"), fields.get("arxiv_id")
    linked = parse_arxiv_id(url) if url and arxiv_id else None
    if linked and linked.id == arxiv_id:
        return {**fields, "url": None}
    return fields


def _completes(stored: list[str], stored_more: bool, incoming: list[str]) -> bool:
    """A longer author list replaces a stored one only when it starts with the same
    people: a list cut short ("and others") is completed, a different one never."""
    if not incoming or len(incoming) <= len(stored):
        return False
    if not stored:
        return True
    same = [first_surname([a]) for a in stored] == [
        first_surname([a]) for a in incoming[: len(stored)]
    ]
    return same and (stored_more or len(stored) < len(incoming))


_BLANK_PAPER = dict.fromkeys(PAPER_FIELDS)


def _new_paper(key: str, item: Record, now: str) -> Paper:
    """A full row: every column present, the importer's fields over blanks."""
    paper = cast(Paper, {**_BLANK_PAPER, **item.fields})
    paper |= {"key": key, "source": item.origin, "created": now, "updated": now}
    paper["authors_more"] = bool(paper["authors_more"])
    paper["entry_type"] = paper["entry_type"] or "misc"
    return paper


# --- sections and tags ---------------------------------------------------------------------


def resolve_sections(db: sqlite3.Connection, codes: Iterable[str]) -> tuple[list[str], bool]:
    """The canonical node codes asked for, and whether `auto` was among them."""
    rows = db.execute("SELECT code FROM taxonomy_node").fetchall()
    known = {r[0].upper(): r[0] for r in rows}
    wanted, auto = [], False
    for code in codes:
        if code.strip().lower() == AUTO:
            auto = True
        elif code.strip().upper() in known:
            wanted.append(known[code.strip().upper()])
        else:
            listing = ", ".join(sorted(known.values(), key=_code_order))
            raise NotFound(
                f"no section {code!r}", f"use `auto` or one of: {listing} (see `lrmkb tree`)"
            )
    return list(dict.fromkeys(wanted)), auto


def _code_order(code: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in code.split("."))


# --- the write -----------------------------------------------------------------------------


def ingest(
    db: Database,
    items: Iterable[Record | Failure],
    *,
    sections: Sequence[str] = (),
    tags: Sequence[str] = (),
    dry_run: bool = False,
    suggest: bool = False,
    progress: Progress | None = None,
    info: dict[str, Any] | None = None,
    then: Then | None = None,
) -> Report:
    """Add or enrich a paper for each record of `items`, in one transaction (none with
    `dry_run`); `Failure`s are reported in their place. `sections` are node codes or
    `auto` (the best suggestion); `tags` go on every paper the records resolve to;
    `suggest` adds the three nearest nodes to each added paper filed nowhere; a record's
    own `suggested` nodes file it when no `sections` are given. `info` is echoed at the
    top of the report (`file`, `encoding`). `then(db, outcomes)` runs inside the write
    transaction, for what the caller records about the papers (the inbox marks its
    items accepted).

    Raises, before reading `items`: `BadInput` for a bad tag, `NotFound` for an unknown
    section; while reading them, whatever the source raises; nothing is written then."""
    tag_names = check_tags(tags)
    codes, auto = resolve_sections(db, sections)
    options = _Options(codes, auto, suggest, now())
    items = list(items)  # the source does its work (network, parse) here, before any lock
    with collector_paused():
        if dry_run:
            outcomes = _planned(db, items, options, progress)[1]
        else:
            outcomes = _write(db, items, options, progress, tag_names, then)
    return Report(outcomes, dry_run, info or {})


@dataclass(frozen=True)
class _Options:
    codes: list[str]  # nodes to file every record under
    auto: bool  # and under the best suggestion, if filed nowhere yet
    suggest: bool  # suggest nodes for added papers filed nowhere
    stamp: str  # `created`/`updated` of what this ingest writes


def _write(
    db: Database,
    items: list[Record | Failure],
    options: _Options,
    progress: Progress | None,
    tags: list[str],
    then: Then | None = None,
) -> list[Outcome]:
    """Plan on a snapshot, then write under the lock — planning again first if another
    connection committed in between (SQLite's `data_version` says so)."""
    seen = _data_version(db)
    plan, outcomes = _planned(db, items, options, progress)
    with db.transaction():
        if _data_version(db) != seen:
            plan, outcomes = _plan(db, items, options, None)
        write_plan(db, plan, tags, options.stamp)
        if then:
            then(db, outcomes)
    return outcomes


def _data_version(db: sqlite3.Connection) -> int:
    """Changes when another connection commits to the file (`PRAGMA data_version`)."""
    return int(db.execute("PRAGMA data_version").fetchone()[0])


def _planned(
    db: Database, items: list[Record | Failure], options: _Options, progress: Progress | None
) -> tuple[Plan, list[Outcome]]:
    """`_plan` on one consistent snapshot of the database (a read transaction)."""
    db.execute("BEGIN")
    try:
        return _plan(db, items, options, progress)
    finally:
        db.execute("COMMIT")


def _plan(
    db: sqlite3.Connection,
    items: list[Record | Failure],
    options: _Options,
    progress: Progress | None,
) -> tuple[Plan, list[Outcome]]:
    """Decide for every record, in order, what to write; nothing is written."""
    planner = Planner(db)
    outcomes: list[Outcome] = []
    for n, item in enumerate(items, 1):
        if isinstance(item, Failure):
            outcomes.append(Outcome.failed(item))
        else:
            outcomes.append(planner.take(item, options.stamp))
        if progress and (n % PROGRESS_EVERY == 0 or n == len(items)):
            progress(n, len(items))
    suggested = any(isinstance(item, Record) and item.suggested for item in items)
    if options.codes or options.auto or options.suggest or suggested:
        classifier = _classifier(db) if (options.auto or options.suggest) else None
        filed_already = _filed_keys(db)
        for item, outcome in zip(items, outcomes, strict=True):
            if outcome.key is not None and isinstance(item, Record):
                _file(planner, outcome, options, classifier, filed_already, item.suggested)
    return planner.plan, outcomes


def _file(
    planner: Planner,
    outcome: Outcome,
    options: _Options,
    classifier: Classifier | None,
    filed_already: set[str],
    suggested: Sequence[str] = (),
) -> None:
    """File the paper under the codes asked for; `auto`, the record's own `suggested`
    codes and the classifier's suggestions only concern papers that are in no section
    yet (an existing paper keeps its place)."""
    key = outcome.key
    assert key is not None
    unplaced = key not in filed_already and not planner.plan.filed.get(key)
    wanted = list(options.codes)
    if unplaced and suggested and not options.codes and not options.auto:
        wanted += suggested
    elif classifier is not None and unplaced:
        paper = planner.papers[key]
        ranked = classifier.suggest(paper["title"], paper.get("abstract") or "")
        if options.auto and ranked:
            wanted.append(ranked[0]["code"])
        elif not options.codes:
            outcome.suggestions = ranked
    planner.plan.filed[key].update(wanted)
    outcome.sections = list(dict.fromkeys(wanted))


def _classifier(db: sqlite3.Connection) -> Classifier:
    from .classify import Classifier

    return Classifier.from_db(db)


def _filed_keys(db: sqlite3.Connection) -> set[str]:
    return {
        r[0]
        for r in db.execute(
            "SELECT DISTINCT p.key FROM paper_node pn JOIN paper p ON p.id = pn.paper_id"
        )
    }


def write_plan(db: sqlite3.Connection, plan: Plan, tags: Sequence[str], stamp: str) -> None:
    """Write a plan with plain SQL in the caller's transaction, then bring the search index
    up to date: new papers are indexed from the plan itself, the others re-read."""
    from .search import index_new_papers, refresh_index

    names = PAPER_FIELDS
    last_id = db.execute("SELECT coalesce(max(id), 0) FROM paper").fetchone()[0]
    db.executemany(
        f"INSERT INTO paper ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        map(_row, plan.new.values()),
    )
    for key, changes in plan.changes.items():
        cols = [*changes, "updated"]
        values = [_sql_value(c, v) for c, v in changes.items()]
        db.execute(
            f"UPDATE paper SET {', '.join(f'{c} = ?' for c in cols)} WHERE key = ?",
            [*values, stamp, key],
        )
    touched = list(dict.fromkeys(plan.resolved))
    # new rows get ids above the last one; the few papers found again are looked up by key
    ids = dict(db.execute("SELECT key, id FROM paper WHERE id > ?", (last_id,)).fetchall())
    ids |= _paper_ids(db, [k for k in touched if k not in plan.new])
    node_ids = dict(db.execute("SELECT code, id FROM taxonomy_node").fetchall())
    db.executemany(
        "INSERT OR IGNORE INTO paper_node (paper_id, node_id) VALUES (?, ?)",
        [(ids[key], node_ids[code]) for key, codes in plan.filed.items() for code in codes],
    )
    db.executemany(
        "INSERT OR IGNORE INTO paper_tag (paper_id, tag) VALUES (?, ?)",
        [(ids[key], tag) for key in touched for tag in tags],
    )
    index_new_papers(
        db,
        [
            (ids[key], paper, [node_ids[code] for code in plan.filed.get(key, ())])
            for key, paper in plan.new.items()
        ],
        tags,
    )
    refresh_index(
        db,
        [
            k
            for k in touched
            if k not in plan.new and (k in plan.changes or plan.filed.get(k) or tags)
        ],
    )


_AUTHORS_AT = PAPER_FIELDS.index("authors")
_LISTS_AT = [PAPER_FIELDS.index(name) for name in JSON_LIST_FIELDS if name != "authors"]
_paper_values = itemgetter(*PAPER_FIELDS)


def _row(paper: Paper) -> list[Any]:
    """A planned paper as the INSERT's parameters (lists stored as JSON text; authors
    always a list, the other lists NULL when empty)."""
    row = list(_paper_values(paper))
    row[_AUTHORS_AT] = _names_json(row[_AUTHORS_AT] or [])
    for at in _LISTS_AT:
        row[at] = _names_json(row[at]) if row[at] else None
    return row


def _names_json(names: list[str]) -> str:
    """`json.dumps(names, ensure_ascii=False)`, with the string escaping `json` itself
    uses, at a sixth of the cost: it runs once per imported paper."""
    return "[" + ", ".join(map(encode_basestring, names)) + "]"


def _sql_value(column: str, value: Any) -> Any:
    return _names_json(value) if column in JSON_LIST_FIELDS else value


def _paper_ids(db: sqlite3.Connection, keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    rows = db.execute(
        "SELECT key, id FROM paper WHERE key IN (SELECT value FROM json_each(?))",
        (json.dumps(keys),),
    )
    return {r[0]: r[1] for r in rows}
