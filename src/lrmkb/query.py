"""The search query language: user text → `Query`, whose FTS5 text cannot be a syntax error.

Plain words are *ranked*, not required: stop words are dropped, and a document is scored
by the words it matches (bm25). Everything written as syntax keeps its strict meaning and
is *required*: `"a phrase"`, `prefix*`, `a OR b`, `author:x`, `title:x`; `-word` and
`NOT word` exclude; `year:`, `tag:`, `section:` filter. A word the index has never seen
is corrected to the closest word it has (`correct`)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import NamedTuple

from .errors import BadInput

MAX_TERMS = 32
MIN_PREFIX = 3  # `th*` would expand to most of a large library's vocabulary
FIELD_COLUMNS = {"author": "authors", "title": "{title short_name}"}
FILTER_FIELDS = ("year", "tag", "section")
# `name:` prefixes that are text, not a field: identifiers (which name a paper when they
# are one of the library's) and, like any `name://…`, web addresses
TEXT_SCHEMES = ("arxiv", "doi", "http", "https")

# Words that say how a question is asked, not what it is about: the Snowball English stop
# list (snowballstem.org/algorithms/english/stop.txt) with its contractions as FTS5 splits
# them (`don't` → `don` `t`) and NLTK's additions (can, will, just…); the function words,
# light verbs and quantifiers of the Glasgow IR group's list (also, even, less, get,
# made…) and a few like them (make, willing, tend, seem); and words that frame a request
# to a bibliography ("what is known about", "papers on", "really"). None names a thing
# of this field, so none is a topic's word. Not ids.STOP_WORDS: that list is part of the
# citation-key house style and must not move.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing would should could ought a an the and but if or because as until while of
    at by for with about against between into through during before after above below to
    from up down in out on off over under again further then once here there when where why
    how all any both each few more most other some such no nor not only own same so than too
    very can will just now don t s d ll m re ve isn aren wasn weren hasn haven hadn doesn
    didn won wouldn shan shouldn couldn mustn let
    also already although always among amongst another anyhow anyone anyway anywhere around
    become becomes became either else elsewhere enough etc even ever every everyone
    everything everywhere however indeed least less many may might much must neither never
    nevertheless nobody none nothing often otherwise perhaps rather several since somehow
    someone sometimes somewhere still thus together toward towards upon whether whose within
    without yet get gets got give gives gave given go goes going gone make makes made making
    take takes took taken come comes came seem seems seemed tend tends like likely willing
    able way ways lot lots
    known know tell please really actually anything something paper papers literature
    """.split()  # noqa: SIM905 - these words quoted one by one would be harder to read
)


def _singular(text: str) -> tuple[str, ...]:
    """Words with a plural `s` dropped, to compare phrases as FTS5's stemmer would."""
    return tuple(w.removesuffix("s") if len(w) > 3 else w for w in text.split())


# The field's abbreviations and what they stand for (as the survey introduces them): a
# query with either form also matches the other, so "supervised fine-tuning" finds what
# the survey calls SFT. Plurals (LRMs, SAEs) are matched by FTS5's porter stemmer.
ABBREVIATIONS = {
    "cot": "chain of thought",
    "grpo": "group relative policy optimization",
    "llm": "large language model",
    "lrm": "large reasoning model",
    "mi": "mechanistic interpretability",
    "ood": "out of distribution",
    "ppo": "proximal policy optimization",
    "prm": "process reward model",
    "rft": "reinforcement fine tuning",
    "rl": "reinforcement learning",
    "rlvr": "reinforcement learning with verifiable rewards",
    "sae": "sparse autoencoder",
    "sft": "supervised fine tuning",
    "tts": "test time scaling",
}
_EXPANSIONS = {_singular(long): short for short, long in ABBREVIATIONS.items()}
_LONGEST_EXPANSION = max(len(long.split()) for long in ABBREVIATIONS.values())


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


def group_fts(terms: list[Term], column: str | None = None) -> str:
    """Terms any of which may match, as one FTS5 expression."""
    inner = " OR ".join(t.fts(column) for t in terms)
    return f"({inner})" if len(terms) > 1 else inner


class Query:
    """What the user asked for: ranked words, required OR-groups, exclusions and filters.
    (A plain class: `dataclasses` would cost the command's start-up a few milliseconds.)

    `soft` holds the plain words, each an OR-group of its spellings (`rl` and
    `reinforcement learning`); `required` the groups every result must match."""

    def __init__(self) -> None:
        self.soft: list[list[Term]] = []
        self.required: list[list[Term]] = []
        self.exclude: list[Term] = []
        self.words: list[str] = []  # the plain words as typed (lower case), stop words too
        self.ignored: list[str] = []  # stop words left out of the ranking
        self.common: list[list[Term]] = []  # ranked words too common to rank (drop_common)
        self.years: tuple[int, int] | None = None
        self.tags: list[str] = []
        self.sections: list[str] = []
        self.not_years: list[tuple[int, int]] = []
        self.not_tags: list[str] = []
        self.not_sections: list[str] = []

    def groups(self) -> list[list[Term]]:
        """Every group that carries words: required first, then ranked."""
        return self.required + self.soft

    def match(self) -> str:
        """The FTS5 expression that ranks: any group may match (bm25 sums over them)."""
        return " OR ".join(group_fts(g) for g in self.groups())

    def must_match(self) -> str:
        """The FTS5 expression a result must satisfy: every required group, no exclusion;
        "" when there is nothing to require."""
        positive = " AND ".join(group_fts(g) for g in self.required)
        if not self.exclude:
            return positive
        excluded = " OR ".join(t.fts() for t in self.exclude)
        return f"({positive}) NOT ({excluded})" if positive else ""

    def has_filters(self) -> bool:
        return any(
            (self.years, self.tags, self.sections, self.not_years, self.not_tags, self.not_sections)
        )

    def papers_only(self) -> bool:
        """A filter or field only papers have (year, tag, author): findings and topics
        cannot match."""
        return bool(
            self.years
            or self.tags
            or self.not_years
            or any(t.column == "authors" for g in self.required for t in g)
        )


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
    """Plain words (ranked), "phrases", prefix*, `OR` between terms, `-word` (or
    `NOT word`), and the fields author: title: year: tag: section: (filters can be
    negated: -tag:x). Raises BadInput for what cannot be searched (an empty field, a
    too-short prefix, more than MAX_TERMS terms, a malformed year)."""
    query = Query()
    words: list[str] = []  # plain words in a row, until syntax interrupts them
    negate_next = join_next = False
    for m in _TOKEN_RE.finditer(clean(text)):
        if m["word"] in ("AND", "OR", "NOT") and not (m["neg"] or m["field"]):
            joinable = m["word"] == "OR" and bool(words or query.required)
            join_next, negate_next = joinable, m["word"] == "NOT"
            continue
        negated = bool(m["neg"]) or negate_next
        join = join_next and not negated
        negate_next = join_next = False
        name, value, prefix = _token(m)
        if name in FILTER_FIELDS:
            _add_filter(query, name, value.strip(), negated)
            continue
        parts = _WORDS_RE.findall(value)
        if not parts:
            if name:
                raise BadInput(f"{name}: needs a value", f"for example {_EXAMPLES[name]}")
            continue  # punctuation alone (`*`, `-`, `^`, `(`) means nothing to search
        if prefix and len(parts[-1]) < MIN_PREFIX:
            raise BadInput(
                f"{value}* is too short a prefix", f"give at least {MIN_PREFIX} letters before *"
            )
        term = Term(value, FIELD_COLUMNS.get(name), prefix)
        plain = not (name or prefix or m["phrase"] is not None or negated or join)
        if plain:
            words.append(value)
            continue
        if join and words:  # `a OR b`: the word before OR is part of the group
            query.required.append([Term(words.pop())])
        _add_soft(query, words)
        words = []
        if negated:
            query.exclude.append(term)
        elif join:
            query.required[-1].append(term)
        else:
            query.required.append([term])
    _add_soft(query, words)
    count = sum(len(g) for g in query.groups()) + len(query.exclude)
    if count > MAX_TERMS:
        raise BadInput(f"the query has {count} terms", f"use at most {MAX_TERMS}")
    return query


def _add_soft(query: Query, tokens: list[str]) -> None:
    """Plain tokens in the order typed → ranked groups: an abbreviation or its expansion
    matches both spellings (`sft`, `supervised fine-tuning`), a hyphenated compound is a
    phrase (`chain-of-thought`), and stop words are dropped unless nothing else is left."""
    words = [" ".join(w.lower() for w in _WORDS_RE.findall(t)) for t in tokens]
    words = [w for w in words if w]
    query.words += [part for w in words for part in w.split()]
    if all(w in STOP_WORDS for w in words):
        query.soft += [[Term(w)] for w in dict.fromkeys(words)]  # "the who": what else?
        return
    i = 0
    while i < len(words):
        span, short = _expansion_at(words, i)
        if short:
            group = [Term(" ".join(words[i : i + span])), Term(short)]
        elif words[i] in STOP_WORDS:
            query.ignored.append(words[i])
            group = []
        else:
            span, word = 1, words[i]
            long = ABBREVIATIONS.get(word) or ABBREVIATIONS.get(word.removesuffix("s"))
            group = [Term(word)] + ([Term(long)] if long else [])
        if group and group not in query.soft:
            query.soft.append(group)
        i += max(span, 1)


def _expansion_at(words: list[str], start: int) -> tuple[int, str | None]:
    """(how many of `words` it spans, the abbreviation) when an abbreviation's expansion
    starts at `start` (`supervised fine tuning` → sft; plurals count: `models`)."""
    for span in range(min(_LONGEST_EXPANSION, len(words) - start), 0, -1):
        flat = _singular(" ".join(words[start : start + span]))
        if flat in _EXPANSIONS:
            return span, _EXPANSIONS[flat]
    return 0, None


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
    if name and name not in _EXAMPLES:
        if name in TEXT_SCHEMES or value.startswith("/"):  # `arXiv:…`, `https://…`
            return "", m.group(0).lstrip("-").rstrip("*"), prefix
        *fields, last = (f"{field}:" for field in _EXAMPLES)
        raise BadInput(
            f"no field {m['field'] + ':'!r}",
            f"use {', '.join(fields)} or {last}, or put "
            f'"{m.group(0).lstrip("-")}" in quotes to search for the text',
        )
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


# --- words too common to rank -------------------------------------------------------------


def index_size(db: sqlite3.Connection) -> int:
    """How many rows the search index holds: papers, findings and taxonomy nodes."""
    tables = ("paper", "finding", "taxonomy_node")
    return sum(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables)


def drop_common(db: sqlite3.Connection, query: Query) -> None:
    """Leave out of the ranking, like stop words, the ranked words found in more than half
    of the index's rows: bm25 gives such a word no weight (FTS5 clamps its idf to almost
    zero), but ranking every row that holds it costs time ("models" in a library of
    100,000 papers: 2 s). Kept when every other ranked word matches nothing ("does RL make
    models dumber": "RL" is in most of the index, "dumber" nowhere)."""
    if len(query.soft) < 2:
        return
    half = index_size(db) // 2
    sql = "SELECT count(*) FROM (SELECT 1 FROM search_index WHERE search_index MATCH ? LIMIT ?)"
    hits = {id(g): db.execute(sql, (group_fts(g), half + 1)).fetchone()[0] for g in query.soft}
    common = [g for g in query.soft if hits[id(g)] > half]
    if any(hits[id(g)] for g in query.soft if hits[id(g)] <= half):
        query.soft = [g for g in query.soft if g not in common]
        query.common, query.ignored = common, query.ignored + [g[0].text for g in common]


# --- typo correction ---------------------------------------------------------------------


Fixes = dict[tuple[str | None, str], str]  # (column, typed word) → the word meant


def correct(db: sqlite3.Connection, query: Query) -> Fixes:
    """Replace each word that matches nothing with the closest word in the index's
    vocabulary (same first letter, a small edit distance, the more common on a tie) — in
    a field's value (`title:`, `author:`), the closest word that field holds. Words in
    phrases are corrected one by one; prefixes and excluded words never are. Returns
    {(column, typed): corrected}."""
    fixes: Fixes = {}
    for group in query.groups():
        for i, term in enumerate(group):
            if term.prefix:
                continue
            text = term.text
            for word in dict.fromkeys(_LETTERS_RE.findall(text)):
                if not 4 <= len(word) <= 40 or _has_hits(db, word, term.column):
                    continue
                if better := _closest(db, word, term.column):
                    fixes[term.column, word] = better
                    text = replace_word(text, word, better)
            group[i] = term._replace(text=text)
    plain = {word: right for (column, word), right in fixes.items() if column is None}
    query.words = [plain.get(w, w) for w in query.words]
    return fixes


def corrected_text(text: str, fixes: Fixes) -> str:
    """`text` as `correct` read it: each corrected word replaced where it was corrected —
    in plain words, phrases and field values, never in a field's name, an excluded word
    (`-word`, `NOT word`), a prefix or a filter (`tag:`, `year:`, `section:`)."""
    if not fixes:
        return text
    pieces, done, negate_next = [], 0, False
    for m in _TOKEN_RE.finditer(text):
        if m["word"] in ("AND", "OR", "NOT") and not (m["neg"] or m["field"]):
            negate_next = m["word"] == "NOT"
            continue
        negated, negate_next = bool(m["neg"]) or negate_next, False
        name = (m["field"] or "").lower()
        prefix = bool(m["star"]) or (m["word"] or "").endswith("*")
        if negated or prefix or name in FILTER_FIELDS:
            continue
        column = FIELD_COLUMNS.get(name)
        start, end = m.span("phrase" if m["phrase"] is not None else "word")
        value = text[start:end]
        for (fixed_column, wrong), right in fixes.items():
            if fixed_column == column:
                value = replace_word(value, wrong, right)
        pieces += [text[done:start], value]
        done = end
    return "".join(pieces) + text[done:]


def replace_word(text: str, old: str, new: str) -> str:
    return re.sub(rf"\b{re.escape(old)}\b", new, text)


def _has_hits(db: sqlite3.Connection, word: str, column: str | None = None) -> bool:
    sql = "SELECT 1 FROM search_index WHERE search_index MATCH ? LIMIT 1"
    return db.execute(sql, (Term(word, column).fts(),)).fetchone() is not None


def fold(word: str) -> str:
    """Lower case without diacritics, as unicode61 stores words."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _closest(db: sqlite3.Connection, word: str, column: str | None = None) -> str | None:
    """Words sharing the first two letters are read first; all words with the same first
    letter only when none of those is one edit away (reading the vocabulary costs time).
    With a `column`, only words that column holds."""
    folded = fold(word)
    max_distance = 1 if len(folded) <= 5 else 2 if len(folded) <= 9 else 3
    best: tuple[int, int, str] | None = None
    for prefix in (folded[:2], folded[:1]):
        ranked = sorted(
            (d, -docs, t) for d, docs, t in _candidates(db, folded, prefix, max_distance)
        )
        found = next((c for c in ranked if column is None or _has_hits(db, c[2], column)), None)
        if found is not None and (best is None or found < best):
            best = found
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
