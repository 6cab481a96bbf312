"""Growing the knowledge base: the one way papers get into the store, whatever their
source. `ingest(db, items)` takes `Record`s from any source — `importers.arxiv.ArxivSource`,
`importers.bibtex.BibFile`, a list built by hand — and reports each `Failure` among them
as it is; a new source needs nothing here.

Every record goes down the dedupe ladder (`dedupe`: arXiv id, DOI, the same key, a fuzzy
title match that nothing contradicts), its candidates looked up in indexes, never by
scanning the library. A match is *enriched*: its empty fields are filled, nothing already
set is overwritten (an author list only when it was cut short with "and others"); the
record's own key becomes an alias of the paper. Anything else is *added* under its own
key (a BibTeX entry's), with a suffix when another paper has that key, or under a house
key when it came without one; an existing key is never renamed. Every merge, skip, renamed
key and near miss is said in the outcome. Records are planned in memory and written with a
handful of `executemany` statements in one transaction: all of it lands, or none.

The source is read (fetched, parsed) and the records planned before the write lock is
taken, so a long import never locks other writers out while it parses; if another writer
committed meanwhile, the records are planned again under the lock, against what is there
now."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from json.encoder import encode_basestring
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from .dedupe import DuplicateIndex, Identity, Library, identity, index_columns
from .errors import NotFound
from .gcpause import collector_paused
from .ids import house_key, parse_arxiv_id
from .ids import unique_key as next_free_key
from .records import (
    JSON_LIST_FIELDS,
    PAPER_FIELDS,
    SURVEY_FIELDS,
    Failure,
    Paper,
    Record,
    WrittenField,
)
from .store import Database, now
from .tagging import check_tags

if TYPE_CHECKING:
    import sqlite3

    from .classify import Classifier, Suggestion

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
        "author_names",
        "first_family",
        "title_key",
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
    notes: list[str] = field(default_factory=list)  # said in the plain report too

    @classmethod
    def failed(cls, failure: Failure) -> Outcome:
        return cls(
            failure.source, "failed", reason=failure.reason, extra=failure.extra, exit_code=1
        )

    def as_dict(self) -> dict[str, Any]:
        data = {**self.extra, "source": self.source, "outcome": self.action, "key": self.key}
        data |= {"title": self.title, "matched_by": self.matched_by, "filled": self.filled}
        data |= {"sections": self.sections, "suggestions": self.suggestions}
        return data | {"reason": self.reason, "notes": self.notes}


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


# --- planning ------------------------------------------------------------------------------


@dataclass
class Plan:
    """Everything a batch will write, computed before anything is written."""

    new: dict[str, Paper] = field(default_factory=dict)  # key → paper
    changes: dict[str, Columns] = field(default_factory=dict)  # key → filled columns
    filed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # key → codes
    resolved: list[str] = field(default_factory=list)  # every key the records resolved to
    written: dict[str, list[WrittenField]] = field(default_factory=dict)  # key → .bib fields
    tags: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # key → tags
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)  # alias → key, reason
    keyed: list[tuple[str, str, str]] = field(default_factory=list)  # key, family, title_key
    enriched: dict[str, Paper] = field(default_factory=dict)  # key → paper, filled


class Keys:
    """Which citation keys are taken — by a paper or an alias, in any letter case (BibTeX
    matches keys without regard to case) — and by which paper. A small library is read
    at once; a big one is asked key by key (indexed)."""

    def __init__(self, db: sqlite3.Connection, library: Library) -> None:
        self.db = db
        self.known: dict[str, str] | None = None  # lower-case key or alias → paper key
        self.planned: dict[str, str] = {}
        if library.small():
            rows = db.execute(
                "SELECT key, key FROM paper UNION ALL SELECT a.alias, p.key"
                " FROM paper_alias a JOIN paper p ON p.id = a.paper_id"
            )
            self.known = {}
            for name, key in rows:
                self.known.setdefault(name.lower(), key)

    def owner(self, name: str) -> str | None:
        """The key of the paper `name` names (a key or an alias), or None."""
        lower = name.lower()
        if lower in self.planned:
            return self.planned[lower]
        if self.known is not None:
            return self.known.get(lower)
        row = self.db.execute(
            "SELECT key FROM paper WHERE key = ? COLLATE NOCASE UNION ALL"
            " SELECT p.key FROM paper_alias a JOIN paper p ON p.id = a.paper_id"
            " WHERE a.alias = ? COLLATE NOCASE LIMIT 1",
            (name, name),
        ).fetchone()
        return row[0] if row else None

    def take(self, name: str, key: str) -> None:
        self.planned[name.lower()] = key


class Planner:
    """Decides, record by record, whether to add, enrich or skip."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        library = Library(db)
        self.index = DuplicateIndex(library)
        self.keys = Keys(db, library)
        self.papers: dict[str, Paper] = {}  # the papers looked at, by key
        self.plan = Plan()
        for key, ident in library.unkeyed():  # an older database: index what it holds
            self.index.add(key, ident)
            self.plan.keyed.append((key, ident.family, ident.title))
        self.added: set[str] = set()  # keys of the papers planned as new
        self.first_source: dict[str, str] = {}
        self.batch = object()  # this ingest's records, told apart from the library's

    def take(self, item: Record, now: str) -> Outcome:
        fields = item.fields = _without_arxiv_url(item.fields)
        fields.update(cast(Paper, index_columns(fields)))
        ident = identity(fields, key=item.key)
        decision = self.index.decide(ident)
        apart = [f"kept apart from {k}: {why}" for k, why in decision.kept_apart]
        if decision.match is None:
            return self._add(item, ident, now, apart)
        key, rung = decision.match.key, decision.match.rung
        filled = self._fill(key, fields, item.origin)
        notes = [*self._alias(item, key), *apart]
        if item.tags:
            self.plan.tags[key].update(item.tags)
        if filled:
            return self._resolved(item, "enriched", key, rung, filled, notes)
        earlier = self.first_source.get(key)
        reason = f"same paper as {earlier}" if earlier else "already in the database"
        outcome = self._resolved(item, "skipped", key, rung, notes=notes)
        outcome.reason = f"{reason} ({key}, same {rung}); nothing new to fill"
        return outcome

    def _add(self, item: Record, ident: Identity, now: str, notes: list[str]) -> Outcome:
        """A new paper: under the record's own key, suffixed if another paper has it, or a
        house key (`{firstauthor}{year}{firstcontentword}`) when it came without one."""
        fields = item.fields
        if item.key:
            key = next_free_key(item.key, lambda k: self.keys.owner(k) is not None)
            if key != item.key:
                owner = self.keys.owner(item.key)
                notes = [f"key {item.key} is taken by {owner}: stored as {key}", *notes]
        else:
            base = house_key(ident.family, fields.get("year"), fields.get("title") or "")
            key = next_free_key(base, lambda k: self.keys.owner(k) is not None)
        self.keys.take(key, key)
        paper = _new_paper(key, item, now)
        self.papers[key] = self.plan.new[key] = paper
        if item.written:
            self.plan.written[key] = item.written
        if item.tags:
            self.plan.tags[key].update(item.tags)
        self.added.add(key)
        self.index.add(key, ident if ident.key == key else replace(ident, key=key), self.batch)
        return self._resolved(item, "added", key, notes=notes)

    def _alias(self, item: Record, key: str) -> list[str]:
        """The record's own key, when it is not the paper's, kept as an alias of it."""
        if not item.key or item.key.lower() == key.lower():
            return []
        owner = self.keys.owner(item.key)
        if owner is None:
            self.keys.take(item.key, key)
            self.plan.aliases[item.key] = (key, "merged")
            return [f"its key {item.key} is now an alias of {key}"]
        if owner.lower() == key.lower():
            return []
        return [f"its key {item.key} belongs to {owner}: not kept as an alias of {key}"]

    def _resolved(
        self,
        item: Record,
        action: str,
        key: str,
        rung: str | None = None,
        filled: list[str] | None = None,
        notes: list[str] | None = None,
    ) -> Outcome:
        self.plan.resolved.append(key)
        self.first_source.setdefault(key, item.source)
        title = self.papers[key]["title"]
        return Outcome(
            item.source,
            action,
            key,
            rung,
            filled or [],
            extra=item.extra,
            title=title,
            notes=[*(notes or ()), *item.notes],
        )

    def _stored(self, key: str) -> Paper:
        """The paper `key` as stored (read once, then kept with what this batch plans)."""
        if key not in self.papers:
            row = self.db.execute(
                f"SELECT authors_more, {', '.join(('key', 'title', 'authors', *FILLABLE))},"
                " author_names FROM paper WHERE key = ?",
                (key,),
            ).fetchone()
            paper = dict(row)
            for name in JSON_LIST_FIELDS:
                if name in paper:
                    paper[name] = json.loads(paper[name]) if paper[name] else []
            self.papers[key] = cast(Paper, paper)
        return self.papers[key]

    def _fill(self, key: str, incoming: Paper, origin: str) -> list[str]:
        """Fill the empty fields of paper `key` from `incoming`; return their names. An id
        is never written over another (`dedupe` has already refused a match whose ids
        differ); an author list is completed only when it was cut short ("and others")."""
        stored = self._stored(key)
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
        incoming_authors = incoming.get("authors") or []
        if _completes(stored, incoming_authors):
            # the names already stored keep their spelling; only the missing ones are added
            count = len(stored["authors"])
            filled["authors"] = stored["authors"] + incoming_authors[count:]
            filled["authors_more"] = bool(incoming.get("authors_more"))
            names = incoming.get("author_names") or []
            if len(stored.get("author_names") or []) == count and len(names) == len(
                incoming_authors
            ):
                filled["author_names"] = (stored.get("author_names") or []) + names[count:]
            if not stored["authors"]:
                filled |= index_columns({**stored, **filled})
        stored.update(cast(Paper, filled))
        if key not in self.plan.new and filled:
            self.plan.changes.setdefault(key, {}).update(filled)
            self.plan.enriched[key] = stored
        hidden = ("id_source", "authors_more", "author_names", "first_family", "title_key")
        return [c for c in filled if c not in hidden]


def _without_arxiv_url(fields: Paper) -> Paper:
    """`url` is for a paper's non-arXiv home (as in the seeds); a link to its own arXiv
    page says nothing its arXiv id does not, so it is not stored."""
    url, arxiv_id = fields.get("url"), fields.get("arxiv_id")
    linked = parse_arxiv_id(url) if url and arxiv_id else None
    if linked and linked.id == arxiv_id:
        return {**fields, "url": None}
    return fields


def _completes(stored: Paper, incoming: list[str]) -> bool:
    """A longer author list completes a stored one only when the stored one says it was
    cut short ("and others") — or is empty — and the incoming one starts with the same
    people. A list given whole (the survey's) is never extended."""
    have = stored.get("authors") or []
    if not have:
        return bool(incoming)
    if not stored.get("authors_more") or len(incoming) <= len(have):
        return False
    return [_family(a) for a in have] == [_family(a) for a in incoming[: len(have)]]


def _family(name: str) -> str:
    from .dedupe import family_key
    from .names import parse_display_name

    return family_key(parse_display_name(name))


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
    db.executemany(
        "UPDATE paper SET first_family = ?, title_key = ? WHERE key = ?",
        [(family, title, key) for key, family, title in plan.keyed],
    )
    touched = list(dict.fromkeys(plan.resolved))
    # new rows get ids above the last one; the few papers found again are looked up by key
    ids = dict(db.execute("SELECT key, id FROM paper WHERE id > ?", (last_id,)).fetchall())
    ids |= _paper_ids(db, [k for k in touched if k not in plan.new])
    _write_fields(db, plan, ids)
    db.executemany(
        "INSERT OR IGNORE INTO paper_alias (alias, paper_id, reason) VALUES (?, ?, ?)",
        [(alias, ids[key], reason) for alias, (key, reason) in plan.aliases.items()],
    )
    node_ids = dict(db.execute("SELECT code, id FROM taxonomy_node").fetchall())
    db.executemany(
        "INSERT OR IGNORE INTO paper_node (paper_id, node_id) VALUES (?, ?)",
        [(ids[key], node_ids[code]) for key, codes in plan.filed.items() for code in codes],
    )
    db.executemany(
        "INSERT OR IGNORE INTO paper_tag (paper_id, tag) VALUES (?, ?)",
        [
            (ids[key], tag)
            for key in touched
            for tag in sorted(plan.tags.get(key, set()) | set(tags))
        ],
    )
    index_new_papers(
        db,
        [
            (ids[key], paper, [node_ids[code] for code in plan.filed.get(key, ())])
            for key, paper in plan.new.items()
        ],
        tags,
        {key: sorted(found) for key, found in plan.tags.items()},
    )
    refresh_index(
        db,
        [
            k
            for k in touched
            if k not in plan.new
            and (k in plan.changes or plan.filed.get(k) or tags or plan.tags.get(k))
        ],
    )


def _write_fields(db: sqlite3.Connection, plan: Plan, ids: dict[str, int]) -> None:
    """The fields of imported entries as written (`paper_field`); and for a paper kept as
    written that enrichment filled, the filled columns as fields after its own (unless
    it has a field of that name already), so that its export shows them."""
    from .exporters.bibtex import column_fields

    last_id = min((ids[key] for key in plan.new), default=None)
    if last_id is not None:  # rows a paper deleted behind lrmkb's back left for its id
        db.execute("DELETE FROM paper_field WHERE paper_id >= ?", (last_id,))
    rows = [
        (ids[key], position, *written)
        for key, fields in plan.written.items()
        for position, written in enumerate(fields)
    ]
    enriched = {ids[key]: key for key in plan.enriched if key in ids}
    if enriched:
        have: dict[int, tuple[int, set[str]]] = {}
        for paper_id, position, name in db.execute(
            "SELECT paper_id, position, name FROM paper_field"
            " WHERE paper_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(enriched)),),
        ):
            last, seen = have.get(paper_id, (-1, set()))
            have[paper_id] = (max(last, position), seen | {name.lower()})
        for paper_id, (last, seen) in have.items():
            key = enriched[paper_id]
            filled = plan.changes.get(key, {})
            added = [
                f for f in column_fields(plan.enriched[key], filled) if f[0].lower() not in seen
            ]
            rows += [(paper_id, last + n, *f, None) for n, f in enumerate(added, 1)]
    db.executemany(
        "INSERT INTO paper_field (paper_id, position, name, value, bare, text)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


_AUTHORS_AT = PAPER_FIELDS.index("authors")
_OBJECT_LISTS = ("author_names", "editor_names")
_LISTS_AT = [
    PAPER_FIELDS.index(name)
    for name in JSON_LIST_FIELDS
    if name != "authors" and name not in _OBJECT_LISTS
]
_OBJECT_LISTS_AT = [PAPER_FIELDS.index(name) for name in _OBJECT_LISTS]
_paper_values = itemgetter(*PAPER_FIELDS)
_json = json.JSONEncoder(ensure_ascii=False).encode
"""`json.dumps(value, ensure_ascii=False)`, without making an encoder for each value."""


def _row(paper: Paper) -> list[Any]:
    """A planned paper as the INSERT's parameters (lists stored as JSON text; authors
    always a list, the other lists NULL when empty)."""
    row = list(_paper_values(paper))
    row[_AUTHORS_AT] = _names_json(row[_AUTHORS_AT] or [])
    for at in _LISTS_AT:
        row[at] = _names_json(row[at]) if row[at] else None
    for at in _OBJECT_LISTS_AT:
        row[at] = _json(row[at]) if row[at] else None
    return row


def _names_json(names: list[str]) -> str:
    """`json.dumps(names, ensure_ascii=False)`, with the string escaping `json` itself
    uses, at a sixth of the cost: it runs once per imported paper."""
    return "[" + ", ".join(map(encode_basestring, names)) + "]"


def _sql_value(column: str, value: Any) -> Any:
    if column in _OBJECT_LISTS:
        return _json(value) if value else None
    return _names_json(value) if column in JSON_LIST_FIELDS else value


def _paper_ids(db: sqlite3.Connection, keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    rows = db.execute(
        "SELECT key, id FROM paper WHERE key IN (SELECT value FROM json_each(?))",
        (json.dumps(keys),),
    )
    return {r[0]: r[1] for r in rows}
