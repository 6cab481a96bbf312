"""Is an incoming record a paper the knowledge base already has? The dedupe ladder, and
the indexes that answer it without scanning the library.

The ladder, first rung that holds wins:

1. the same arXiv id (version ignored);
2. the same DOI (case-insensitive);
3. the same citation key (in any letter case), the same or a similar title, nothing
   contradicting (below) — the same entry imported again;
4. a similar title: rapidfuzz `fuzz.ratio` ≥ `FUZZY_THRESHOLD` between normalised titles
   (lower case, ASCII-folded, punctuation dropped), the same first-author family name, a
   year at most one apart — and nothing that contradicts it (`contradiction`): a
   different DOI, arXiv id, volume, number or first page, or titles that differ in a
   number, size, part or volume ("Part I"/"Part II", "7B"/"70B"). Records of one
   import (one file) are never merged on rung 3 or 4: two entries of one file with
   different keys are two papers unless an id says otherwise.

Candidates come from indexes (issue 17): dictionaries by arXiv id, DOI, key and exact
normalised title, and for the fuzzy rung the titles of one (family name, year) bucket —
scanned when the bucket is small, and through a q-gram index once it grows: a title
within the threshold shares at least one of the query's `D + 1` segments intact (`D`
being the largest indel distance the threshold allows), so the segments' rarest q-grams
find every candidate the scan would, at the cost of a few short posting lists."""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from .ids import ascii_fold
from .names import Name, from_csl, parse_display_name

FUZZY_THRESHOLD = 90
"""Minimum `rapidfuzz.fuzz.ratio` (0-100) between normalised titles for a fuzzy match.
90 absorbs case, punctuation, accents, a dropped article or a typo; it does not merge
a paper with its differently-subtitled sequel."""
SCAN_LIMIT = 1024
"""A bucket of at most this many titles is compared with all of them: rapidfuzz's batch
scorer does that (~0.15 µs a title) faster than the index picks candidates (~60-100 µs
a look-up, measured on the development machine); a bigger one through its index (built
when the bucket passes the limit), whose cost grows far slower than the bucket."""
Q = 3
SHORT = 9
"""Titles shorter than this reach the threshold only one insertion or deletion apart."""
EXACT_SHARE = 4
"""The exact look-up is used while its posting lists hold at most 1/EXACT_SHARE of the
bucket; beyond that, titles sharing one of the `WORDS` rarest words are the candidates."""
WORDS = 3
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGITS_RE = re.compile(r"\d+")
_MARKERS = frozenset(
    [
        "part",
        "parts",
        "volume",
        "vol",
        "book",
        "chapter",
        "section",
        "no",
        "number",
        "series",
        "phase",
        "stage",
        "level",
        "round",
        "edition",
        "issue",
        "paper",
        "episode",
        "track",
        "lecture",
        "supplement",
        "appendix",
    ]
)
_ROMAN_RE = re.compile(r"^(?=[ivxlc]+$)(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_NUMBER_WORDS = {
    w: n
    for n, words in enumerate(
        [
            ("one", "first"),
            ("two", "second"),
            ("three", "third"),
            ("four", "fourth"),
            ("five", "fifth"),
            ("six", "sixth"),
            ("seven", "seventh"),
            ("eight", "eighth"),
            ("nine", "ninth"),
            ("ten", "tenth"),
        ],
        1,
    )
    for w in words
}
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def fold(text: str) -> str:
    return (text if text.isascii() else ascii_fold(text)).lower()


def normalise_title(title: str) -> str:
    """Lower-case ASCII words: what two spellings of one title have in common."""
    return _NON_ALNUM.sub(" ", fold(title)).strip()


def family_key(name: Name) -> str:
    """A name's family part as the fuzzy rung compares it (ASCII letters and digits)."""
    return _NON_ALNUM.sub("", fold(name.family))


def first_family(paper: Mapping[str, Any]) -> str:
    """The first author's family name, folded (the first editor's for a book without
    authors): from the name objects when there are some, else from the first display
    name (`Sara Vera Marjanović` → `marjanovic`)."""
    names = paper.get("author_names") or (
        None if paper.get("authors") else paper.get("editor_names")
    )
    if names:
        return family_key(from_csl(names[0]))
    authors = paper.get("authors") or []
    return family_key(parse_display_name(authors[0])) if authors else ""


@dataclass(frozen=True, slots=True)
class Identity:
    """What the ladder compares, computed once per record."""

    key: str | None
    entry_type: str
    arxiv_id: str | None
    doi: str | None
    year: int | None
    family: str
    title: str  # normalised
    volume: str | None
    number: str | None
    first_page: str | None
    distinguishers: tuple[str, ...]


def identity(paper: Mapping[str, Any], key: str | None = None) -> Identity:
    """A record's `Identity` (`paper`: Paper columns; `first_family` and `title_key` are
    computed unless given)."""
    title = paper.get("title_key")
    if title is None:
        title = normalise_title(paper.get("title") or "")
    family = paper.get("first_family")
    return Identity(
        key=key if key is not None else paper.get("key"),
        entry_type=(paper.get("entry_type") or "misc").lower(),
        arxiv_id=paper.get("arxiv_id") or None,
        doi=(paper.get("doi") or "").lower() or None,
        year=paper.get("year"),
        family=first_family(paper) if family is None else family,
        title=title,
        volume=_plain(paper.get("volume")),
        number=_plain(paper.get("number")),
        first_page=_first_page(paper.get("pages")),
        distinguishers=distinguishers(title),
    )


def _plain(value: Any) -> str | None:
    """A volume or issue number as compared: lower-case words, numbers without leading
    zeros (`05` is `5`)."""
    if value in (None, ""):
        return None
    words = _NON_ALNUM.sub(" ", fold(str(value))).split()
    return " ".join(w.lstrip("0") or "0" if w.isdigit() else w for w in words) or None


def _first_page(pages: Any) -> str | None:
    words = _NON_ALNUM.sub(" ", fold(str(pages or ""))).split()
    return (words[0].lstrip("0") or "0") if words else None


def distinguishers(title: str) -> tuple[str, ...]:
    """The parts of a normalised title that tell one paper of a series from another:
    every number (`7` of `7b`, `70` of `70b`, `2` of `gpt 2`) and the numeral after a
    word such as `part` or `volume` (`part ii`, `volume two`, `part b`), sorted."""
    tokens = title.split()
    found = [str(int(d)) for d in _DIGITS_RE.findall(title)]
    if _MARKERS.isdisjoint(tokens):  # most titles: no word to look after
        return tuple(sorted(found))
    for before, token in itertools.pairwise(tokens):
        if before not in _MARKERS or token.isdigit():
            continue
        if token in _NUMBER_WORDS:
            found.append(str(_NUMBER_WORDS[token]))
        elif _ROMAN_RE.match(token):
            found.append(str(_roman(token)))
        elif len(token) == 1:
            found.append(token)
    return tuple(sorted(found))


def _roman(text: str) -> int:
    values = [_ROMAN[c] for c in text]
    return sum(-v if v < w else v for v, w in zip(values, [*values[1:], 0], strict=True))


def contradiction(a: Identity, b: Identity) -> str | None:
    """Why two records with similar titles are different papers, or None when nothing
    says so. Only fields both records have are compared."""
    for what, x, y in (
        ("DOI", a.doi, b.doi),
        ("arXiv id", a.arxiv_id, b.arxiv_id),
        ("volume", a.volume, b.volume),
        ("number", a.number, b.number),
        ("pages", a.first_page, b.first_page),
    ):
        if x and y and x != y:
            return f"different {what} ({y} / {x})"
    if a.distinguishers != b.distinguishers:
        return "titles differ in a number, size, part or volume"
    return None


def within_threshold(title: str, titles: Sequence[str]) -> list[tuple[str, float, int]]:
    """(title, score, index) of each of `titles` within `FUZZY_THRESHOLD` of `title`: the
    fuzzy rung's one comparison (rapidfuzz's ratio, all at once)."""
    from rapidfuzz import fuzz, process

    return process.extract(
        title, titles, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD, limit=None
    )


def _years(ident: Identity) -> tuple[int | None, ...]:
    """The years whose papers the fuzzy rung compares with `ident`: its own, one either
    side (preprint and publication)."""
    return (None,) if ident.year is None else (ident.year, ident.year - 1, ident.year + 1)


# --- the index -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """The paper a record duplicates and the rung that said so."""

    key: str
    rung: str  # "arxiv id" | "doi" | "key" | "title, first author and year"
    score: float = 100.0


@dataclass(slots=True)
class Decision:
    """The ladder's answer: a match or none, and the similar papers kept apart, each
    with the reason (shown in the report)."""

    match: Match | None
    kept_apart: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class _Entry:
    identity: Identity
    key: str
    batch: object
    order: int  # when it was added: ties go to the earlier paper


class _Bucket:
    """The titles of one (family name, year): a list, and once it has more than
    `scan_limit`, a q-gram index (and, for titles of at most `SHORT`, one by length)."""

    __slots__ = ("entries", "grams", "scan_limit", "short", "titles", "words")

    def __init__(self, scan_limit: int) -> None:
        self.entries: list[_Entry] = []
        self.titles: list[str] = []  # the entries' titles, for rapidfuzz's batch scorer
        self.grams: dict[str, list[int]] | None = None
        self.words: dict[str, list[int]] = defaultdict(list)
        self.short: dict[int, list[int]] = defaultdict(list)
        self.scan_limit = scan_limit

    def add(self, entry: _Entry) -> None:
        self.entries.append(entry)
        self.titles.append(entry.identity.title)
        if self.grams is not None:
            self._index(len(self.entries) - 1)
        elif len(self.entries) > self.scan_limit:
            self.grams = defaultdict(list)
            for n in range(len(self.entries)):
                self._index(n)

    def _index(self, n: int) -> None:
        assert self.grams is not None
        title = self.titles[n]
        if len(title) <= SHORT:  # a short title's look-alikes are at most one longer
            self.short[len(title)].append(n)
        for gram in {title[i : i + Q] for i in range(len(title) - Q + 1)}:
            self.grams[gram].append(n)
        for word in set(title.split()):
            self.words[word].append(n)

    def similar(self, title: str) -> list[tuple[float, _Entry]]:
        """(score, entry) for each entry whose title is within the threshold."""
        picked = self.candidates(title)
        titles = self.titles if picked is None else [self.titles[n] for n in picked]
        found = within_threshold(title, titles)
        if picked is None:
            return [(score, self.entries[n]) for _, score, n in found]
        return [(score, self.entries[picked[n]]) for _, score, n in found]

    def candidates(self, title: str) -> list[int] | None:
        """The entries whose title may be within the threshold of `title`, or None for all
        of them (a small bucket).

        A title differs from `title` by at most `D` insertions and deletions, `D` being the
        largest indel distance the threshold allows for its length; each breaks at most
        one of a set of non-overlapping q-grams of `title`, so a title within the
        threshold shares one of any `D + 1` of them. The rarest such set is looked up —
        exact, the scan would find nothing more — unless its posting lists together hold
        more than 1/`EXACT_SHARE` of the bucket and the title has `WORDS` words or more:
        then the titles that share one of its `WORDS` rarest words (among those any title
        here has) are the candidates — every title that lacks fewer than `WORDS` of its
        words, as a look-alike does (case, accents and punctuation are normalised away; a
        dropped word or a typo touches one word) — at the cost of a few short lists. A title of at most `SHORT` characters
        (`D` ≤ 1) is compared with the titles one character longer or shorter."""
        if self.grams is None:
            return None
        length = len(title)
        if length < SHORT:
            return [
                n for size in (length - 1, length, length + 1) for n in self.short.get(size, ())
            ]
        longest = length * (200 - FUZZY_THRESHOLD) // FUZZY_THRESHOLD  # |a - b| <= distance
        needed = (100 - FUZZY_THRESHOLD) * (length + longest) // 100 + 1
        grams, sizes = _rare_grams(title, self.grams, needed)
        words = set(title.split())
        if sum(sizes) * EXACT_SHARE > len(self.entries) and len(words) >= WORDS:
            rare = sorted(filter(self.words.__contains__, words), key=self._rarity)[:WORDS]
            return sorted(set().union(*map(self.words.__getitem__, rare)))
        return sorted(
            set().union(*map(self.grams.__getitem__, filter(self.grams.__contains__, grams)))
        )

    def _rarity(self, word: str) -> int:
        return len(self.words[word])


def _rare_grams(
    title: str, postings: Mapping[str, list[int]], count: int
) -> tuple[list[str], list[int]]:
    """`count` q-grams of `title` that do not overlap — the rarest q-gram of each of `count`
    equal pieces of the title — rarest first, and their posting sizes."""
    grams = [title[i : i + Q] for i in range(len(title) - Q + 1)]
    sizes = [len(p) for p in map(postings.get, grams, repeat(()))]
    bounds = [k * len(title) // count for k in range(count + 1)]
    taken = [
        min(range(bounds[k], bounds[k + 1] - Q + 1), key=sizes.__getitem__) for k in range(count)
    ]
    taken.sort(key=sizes.__getitem__)
    return [grams[i] for i in taken], [sizes[i] for i in taken]


class DuplicateIndex:
    """The papers seen so far, indexed for the ladder: `add` registers a paper under its
    key, `decide` runs the ladder for an incoming record.

    `batch` marks the records of one import: they are registered by id only, so they
    never match each other on the key or title rungs (two entries of one file are two
    papers unless an id says otherwise) and cost the fuzzy rung nothing. Papers already
    in the database come from `library` as they are needed — a (family name, year) bucket
    at a time, ids one by one — or all at once when the library is small. (`scan_limit`
    is for tests: 0 always uses the q-gram index.)"""

    def __init__(self, library: Library | None = None, scan_limit: int = SCAN_LIMIT) -> None:
        self.by_arxiv: dict[str, str] = {}
        self.by_doi: dict[str, str] = {}
        self.types: dict[str, str] = {}  # key → entry type, for the records of `batch`
        self.by_key: dict[str, tuple[str, Identity]] = {}  # lower-case key → key, identity
        self.added = 0
        self.scan_limit = scan_limit
        self.buckets: dict[tuple[int | None, str], _Bucket] = {}
        self.library = library
        if library is not None and library.small():
            self.library = None  # everything is here: nothing to fetch later
            for key, ident in library.everything():
                self.add(key, ident)

    def add(self, key: str, ident: Identity, batch: object = None) -> None:
        if batch is not None:
            self.types[key] = ident.entry_type
        if ident.arxiv_id:
            self.by_arxiv.setdefault(ident.arxiv_id, key)
        if ident.doi:
            self.by_doi.setdefault(ident.doi, key)
        if batch is None:
            self.by_key.setdefault(key.lower(), (key, ident))
        if ident.title and batch is None:
            self.added += 1
            self._bucket(ident.year, ident.family).add(_Entry(ident, key, batch, self.added))

    def _bucket(self, year: int | None, family: str) -> _Bucket:
        bucket = self.buckets.get((year, family))
        if bucket is None:
            bucket = self.buckets[(year, family)] = _Bucket(self.scan_limit)
            if self.library is not None:
                for key, ident in self.library.bucket(family, year):
                    self.added += 1
                    bucket.add(_Entry(ident, key, None, self.added))
        return bucket

    def decide(self, ident: Identity) -> Decision:
        """The ladder for one record (see the module docstring). Two entries of one import
        that share an id but are of different types (biblatex-examples.bib's `@article`
        and `@online` of one arXiv paper) are two entries the user keeps on purpose:
        both stay, said in `kept_apart`."""
        kept_apart: list[tuple[str, str]] = []
        for rung, value, known in (
            ("arxiv id", ident.arxiv_id, self.by_arxiv),
            ("doi", ident.doi, self.by_doi),
        ):
            key = self._by_id(rung, value, known) if value else None
            if key is None:
                continue
            other_type = self.types.get(key)
            if other_type is None or other_type == ident.entry_type:
                return Decision(Match(key, rung))
            kept_apart.append(
                (key, f"the same {rung}, but @{other_type} and @{ident.entry_type} of one file")
            )
        if ident.key and (same := self._same_key(ident)):
            return Decision(Match(same, "key"), kept_apart)
        if not ident.title:
            return Decision(None, kept_apart)
        for score, entry in self._similar(ident):
            reason = contradiction(ident, entry.identity)
            if reason is None:
                same_key = ident.key is not None and ident.key.lower() == entry.key.lower()
                rung = "key" if same_key else "title, first author and year"
                return Decision(Match(entry.key, rung, score), kept_apart)
            kept_apart.append((entry.key, reason))
        return Decision(None, kept_apart)

    def _same_key(self, ident: Identity) -> str | None:
        """The paper with the record's own key (in any letter case), if it is the same
        work: the same title or one within the threshold, and nothing contradicting."""
        from rapidfuzz import fuzz

        assert ident.key is not None
        found = self.by_key.get(ident.key.lower())
        if found is None and self.library is not None:
            found = self.library.by_key(ident.key)
            if found is not None:
                self.by_key[ident.key.lower()] = found
        if found is None:
            return None
        key, other = found
        similar = other.title == ident.title or (
            fuzz.ratio(other.title, ident.title, score_cutoff=FUZZY_THRESHOLD) > 0
        )
        return key if similar and contradiction(ident, other) is None else None

    def _by_id(self, rung: str, value: str, known: dict[str, str]) -> str | None:
        if value not in known and self.library is not None:
            found = self.library.by_id("arxiv_id" if rung == "arxiv id" else "doi", value)
            if found is not None:
                known[value] = found
        return known.get(value)

    def _similar(self, ident: Identity) -> list[tuple[float, _Entry]]:
        """Papers whose title is within the threshold, same family name, year ±1: the one
        with the same key first, then by score, then in the order they were added."""
        found: list[tuple[bool, float, int, _Entry]] = []
        for year in _years(ident):
            bucket = self.buckets.get((year, ident.family))
            if bucket is None and self.library is not None:
                bucket = self._bucket(year, ident.family)
            if not bucket or not bucket.entries:
                continue
            for score, entry in bucket.similar(ident.title):
                other_key = ident.key is None or entry.key.lower() != ident.key.lower()
                found.append((other_key, -score, entry.order, entry))
        found.sort(key=lambda t: t[:3])
        return [(-t[1], t[3]) for t in found]

    def similar_pairs(self) -> Iterator[tuple[str, str, float]]:
        """Pairs of indexed papers that the fuzzy rung would call one paper and nothing
        contradicts — the likely duplicates `doctor` lists (each pair once)."""
        for bucket in list(self.buckets.values()):
            for entry in bucket.entries:
                for score, other in self._similar(entry.identity):
                    if other is entry or other.key <= entry.key:
                        continue
                    if contradiction(entry.identity, other.identity) is None:
                        yield entry.key, other.key, score


# --- papers in the database ------------------------------------------------------------------

PRELOAD_LIMIT = 5_000
"""A library of at most this many papers is read whole, in one query, when an import
starts; a bigger one a bucket at a time (an `add` at 100,000 papers reads a few rows)."""
_IDENTITY_COLUMNS = "key, arxiv_id, doi, year, first_family, title_key, volume, number, pages"
_UNKEYED_COLUMNS = [
    "key",
    "title",
    "authors",
    "author_names",
    "editor_names",
    "year",
    "arxiv_id",
    "doi",
    "volume",
    "number",
    "pages",
    "entry_type",
]


class Library:
    """The papers of a database as the ladder asks for them, in plain SQL over indexed
    columns (`arxiv_id`, `doi`, and `first_family, year`; `title_key` is the normalised
    title, stored with each paper so that no title is normalised twice)."""

    def __init__(self, db: sqlite3.Connection, *, preload: bool = False) -> None:
        self.db = db
        self.preload = preload  # read everything at once, whatever the size

    def small(self) -> bool:
        if self.preload:
            return True
        (count,) = self.db.execute("SELECT count(*) FROM paper").fetchone()
        return bool(count <= PRELOAD_LIMIT)

    def everything(self) -> Iterator[tuple[str, Identity]]:
        rows = self.db.execute(
            f"SELECT {_IDENTITY_COLUMNS} FROM paper WHERE title_key IS NOT NULL ORDER BY id"
        )
        return map(_stored_identity, rows)

    def unkeyed(self) -> Iterator[tuple[str, Identity]]:
        """Papers written without `first_family` and `title_key` (by an older lrmkb), with
        those computed: the caller indexes them and writes the columns (`index_columns`)."""
        rows = self.db.execute(
            "SELECT key, title, authors, author_names, editor_names, year, arxiv_id, doi,"
            " volume, number, pages, entry_type FROM paper WHERE title_key IS NULL ORDER BY id"
        )
        for row in rows:
            paper = dict(zip(_UNKEYED_COLUMNS, row, strict=True))
            for name in ("authors", "author_names", "editor_names"):
                paper[name] = json.loads(paper[name]) if paper[name] else []
            yield paper["key"], identity(paper)

    def likely_pairs(self, ids: Sequence[int]) -> Iterator[tuple[str, str, float]]:
        """The pairs `DuplicateIndex.similar_pairs` finds in the whole library that hold
        one of the papers of `ids` (`doctor` on a sample): each paper's (family name,
        year ± 1) read through ix_paper_dedupe as raw rows, their titles scored at once,
        an `Identity` made only for those within the threshold — a big library's
        buckets are long, and most titles in them are nothing alike."""
        rows = self.db.execute(
            f"SELECT {_IDENTITY_COLUMNS} FROM paper WHERE id IN (SELECT value FROM json_each(?))"
            " AND title_key != '' ORDER BY id",
            (json.dumps(list(ids)),),
        )
        for key, ident in map(_stored_identity, rows.fetchall()):
            for year in _years(ident):
                near = self.db.execute(
                    "SELECT id, title_key FROM paper WHERE first_family = ? AND year IS ?"
                    " AND title_key != ''",
                    (ident.family, year),
                ).fetchall()
                for _, score, n in within_threshold(ident.title, [r[1] for r in near]):
                    row = self.db.execute(
                        f"SELECT {_IDENTITY_COLUMNS} FROM paper WHERE id = ?", (near[n][0],)
                    ).fetchone()
                    other_key, other = _stored_identity(row)
                    if other_key != key and contradiction(ident, other) is None:
                        yield min(key, other_key), max(key, other_key), score

    def bucket(self, family: str, year: int | None) -> Iterator[tuple[str, Identity]]:
        rows = self.db.execute(
            f"SELECT {_IDENTITY_COLUMNS} FROM paper WHERE first_family = ? AND year IS ?"
            " AND title_key != '' ORDER BY id",
            (family, year),
        )
        return map(_stored_identity, rows)

    def by_key(self, key: str) -> tuple[str, Identity] | None:
        row = self.db.execute(
            f"SELECT {_IDENTITY_COLUMNS} FROM paper WHERE key = ? COLLATE NOCASE"
            " AND title_key IS NOT NULL LIMIT 1",
            (key,),
        ).fetchone()
        return _stored_identity(row) if row else None

    def by_id(self, column: str, value: str) -> str | None:
        assert column in ("arxiv_id", "doi")
        row = self.db.execute(
            f"SELECT key FROM paper WHERE {column} = ? ORDER BY id LIMIT 1", (value,)
        ).fetchone()
        return row[0] if row else None


def _stored_identity(row: Sequence[Any]) -> tuple[str, Identity]:
    key, arxiv_id, doi, year, family, title, volume, number, pages = row
    ident = Identity(
        key=key,
        entry_type="",  # not compared for papers already stored
        arxiv_id=arxiv_id or None,
        doi=(doi or "").lower() or None,
        year=year,
        family=family or "",
        title=title or "",
        volume=_plain(volume),
        number=_plain(number),
        first_page=_first_page(pages),
        distinguishers=distinguishers(title or ""),
    )
    return key, ident


def index_columns(paper: Mapping[str, Any]) -> dict[str, str]:
    """The columns a paper is found by on the title rung: `first_family` and `title_key`
    (written with every paper, by every path into the store)."""
    return {
        "first_family": first_family(paper),
        "title_key": normalise_title(paper.get("title") or ""),
    }
