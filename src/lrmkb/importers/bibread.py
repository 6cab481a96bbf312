"""A .bib text → its entries, read as BibTeX reads them, each kept whole.

Every entry keeps its key, its type and all of its fields in their order, as written
(`records.WrittenField`: LaTeX with `@string`s, `#` and month macros evaluated — `bibvalues`), beside
the paper columns lrmkb reads from them (`reading`: Unicode, names split by BibTeX's
rules — `names` —, crossref'd fields inherited, the arXiv id from whichever field spells
it — `ids.arxiv_in_fields`). `keywords` become tags.

bibtexparser 2 splits the file into blocks (without its default middlewares: string
resolution, enclosing removal and name splitting are done here, once, the BibTeX way;
see `bibvalues` and `names` for where its middlewares fall short)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from ..ids import ArxivId, arxiv_in_fields, arxiv_reference, parse_doi
from ..keywords import tags_of_keywords
from ..names import Name, parse_name, split_names
from ..records import Paper, WrittenField
from .bibvalues import MONTHS, BadValue, Record, UndefinedString, Value, evaluate, inherit
from .bibvalues import evaluate_strings as _evaluate_strings
from .latex import decode_latex

MAX_FIELD_CHARS = 200_000  # ten times a long abstract; more is a broken file, not metadata
VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "howpublished", "school", "institution")
"""Where a paper appeared, in order of preference (`journaltitle` is BibLaTeX's `journal`)."""
VERBATIM_FIELDS = frozenset(
    ["url", "doi", "eprint", "file", "pdf", "urlraw", "verba", "verbb", "verbc", "isbn", "issn"]
)
"""Fields read as written, never as LaTeX (biblatex's `verbatim` and `uri` fields, and
identifiers): their Unicode reading is the value itself."""
NAME_FIELDS = ("author", "editor")
_SPACE_RE = re.compile(r"\s+")
_COMMAND_ARG_RE = re.compile(r"\\[A-Za-z]+\s*\{[^{}]*\}")  # `\noopsort{1973c}`
_YEAR_RE = re.compile(r"(?<!\d)\d{4}(?!\d)")


@dataclass(slots=True)
class BibEntry:
    """One usable entry. `fields` are `paper` columns (the Unicode reading, crossref'd
    fields included); `raw` are the entry's own fields as written, in order; `tags`
    come from its `keywords`."""

    line: int  # 1-based line of the `@type{key,`
    bibkey: str  # "" when the entry has none
    entry_type: str  # lower case
    raw: list[WrittenField]
    fields: Paper
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the report says about it


@dataclass(slots=True)
class BibProblem:
    """An entry that cannot be used, with the line where it starts and why."""

    line: int
    bibkey: str | None
    reason: str


def read_entries(text: str) -> tuple[list[BibEntry], list[BibProblem]]:
    """Every entry of a .bib text, split into usable ones and problems, in file order
    (never raises for bad entries: one broken entry must not cost the user the rest).

    Unusable: a block bibtexparser cannot split (unbalanced braces, no comma after the
    key), a key used by two entries (both: which one the user's citations mean is
    unknown), a field given twice, a macro the file never defines, a broken value, a
    field over `MAX_FIELD_CHARS`."""
    from ..gcpause import collector_paused

    # a few objects per block and per field, kept to the end: nothing for a full
    # collection to free (young ones go on, for bibtexparser's short-lived cycles)
    with _quiet_splitter(), collector_paused():
        return _entries(_split(text))


def _entries(library: Any) -> tuple[list[BibEntry], list[BibProblem]]:
    from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock, String

    definitions: list[tuple[str, str]] = []
    blocks: list[tuple[int, Any]] = []
    problems: list[BibProblem] = []
    for block in library.blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            block = block.ignore_error_block
        if isinstance(block, String):
            definitions.append((block.key, block.value))
        elif isinstance(block, Entry):
            blocks.append((line, block))
        elif isinstance(block, ParsingFailedBlock):
            problems.append(_problem(block, line))
    strings = _evaluate_strings(definitions)
    lines_of: dict[str, list[int]] = {}
    for line, entry in blocks:
        if entry.key:
            lines_of.setdefault(entry.key, []).append(line)
    evaluated: list[tuple[int, Any, _Fields, list[str]]] = []
    crossrefs = False
    for line, entry in blocks:
        lines = lines_of.get(entry.key, [line])
        if len(lines) > 1:
            again = next((n for n in lines if n != line), line)
            where = f"again at line {again}" if again > line else f"first at line {again}"
            reason = f"duplicate key {entry.key!r} in the file ({where})"
            problems.append(BibProblem(line, entry.key, reason))
            continue
        notes: list[str] = []
        found = _raw_fields(entry.fields, strings, notes)
        if isinstance(found, str):
            problems.append(BibProblem(line, entry.key or None, found))
        else:
            evaluated.append((line, entry, found, notes))
            crossrefs = crossrefs or "crossref" in found.latex
    inherited: dict[str, dict[str, Value]] = {}
    if crossrefs:
        records = [
            Record(
                e.entry_type.lower(),
                e.key,
                {f.name.lower(): Value(f.value, f.bare) for f in found.raw},
            )
            for _, e, found, _ in evaluated
            if e.key
        ]
        inherited = inherit(records)
    entries = [
        _entry(line, e.key, e.entry_type.lower(), found, inherited.get(e.key, {}), notes)
        for line, e, found, notes in evaluated
    ]
    problems.sort(key=lambda p: p.line)
    return entries, problems


class _Fields(NamedTuple):
    """An entry's own fields: as written, in order (`raw`), and by lower-case name, as
    LaTeX (`latex`) and as read (`text`) — but for a macro the file does not define,
    which has nothing to read."""

    raw: list[WrittenField]
    latex: dict[str, str]
    text: dict[str, str]


def _raw_fields(
    fields: Iterable[Any], strings: Mapping[str, str], notes: list[str]
) -> _Fields | str:
    """An entry's fields evaluated, or why they cannot be used; what the report should
    say about them goes to `notes`. A macro the file does not define is kept as written
    (a style may define it) with an empty reading."""
    raw: list[WrittenField] = []
    latex: dict[str, str] = {}
    texts: dict[str, str] = {}
    seen: set[str] = set()
    repeated: list[str] = []
    for f in fields:
        name = f.key
        lname = name.lower()
        if lname in seen:
            repeated.append(lname)
            continue
        seen.add(lname)
        written = f.value
        if len(written) > MAX_FIELD_CHARS:
            return f"field {name} is too long ({len(written):,} characters)"
        try:
            value = evaluate_fast(written, strings)
        except UndefinedString as exc:
            # a style may define it (plain.bst's `cacm`…): kept as written, read as nothing
            notes.append(
                f"{name} uses @string {exc.name[:40]}, which the file does not define:"
                " kept as written"
            )
            raw.append(WrittenField(name, " ".join(written.split()), True, ""))
            continue
        except BadValue as exc:
            return f"{name}: {exc}"
        text = _reading(lname, value)
        raw.append(WrittenField(name, value.text, value.bare, text))
        if text is None:
            latex[lname] = texts[lname] = value.text
        elif text:
            latex[lname], texts[lname] = value.text, text
    if repeated:
        return f"duplicate field(s): {', '.join(sorted(set(repeated)))}"
    return _Fields(raw, latex, texts)


def evaluate_fast(raw: str, strings: Mapping[str, str]) -> Value:
    """`bibvalues.evaluate`, with the common cases first: a value without `#` is one
    piece (the splitter has checked its syntax), so a braced or quoted one is its
    inside, and only a bare word needs a look-up."""
    if "#" not in raw and raw:
        first = raw[0]
        if first == "{" or first == '"':
            return Value(raw[1:-1])
        if raw.isdigit():
            return Value(raw, bare=True)
    return evaluate(raw, strings)


def _reading(name: str, value: Value) -> str | None:
    """A field's Unicode reading, None when it is the value itself."""
    if name in VERBATIM_FIELDS:
        return None
    if value.bare:
        return MONTHS.get(value.text) if name == "month" else None
    text = _fold(decode_latex(value.text))
    return None if text == value.text else text


def _fold(text: str) -> str:
    """White space as BibTeX reads it: runs of it are one space."""
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        return _SPACE_RE.sub(" ", text).strip()
    return text.strip()


# --- the paper columns ---------------------------------------------------------------------


def _entry(
    line: int,
    key: str,
    entry_type: str,
    own: _Fields,
    inherited: Mapping[str, Value],
    notes: list[str],
) -> BibEntry:
    latex, texts = own.latex, own.text
    if inherited:
        latex = {name: v.text for name, v in inherited.items()} | own.latex
        texts = {name: _reading(name, v) or v.text for name, v in inherited.items()} | texts
    fields = reading(latex, texts, own.latex, entry_type)
    tags = tags_of_keywords(latex["keywords"]) if "keywords" in latex else []
    return BibEntry(line, key, entry_type, own.raw, fields, tags, notes)


def reading(
    latex: Mapping[str, str],
    text: Mapping[str, str],
    own: Mapping[str, str],
    entry_type: str,
    decode: Callable[[str], str] = decode_latex,
) -> Paper:
    """The `paper` columns of an entry: `latex` and `text` are its fields (own and
    inherited, lower-case names) as written and as read; `own` its own fields as written —
    ids come from those only (a chapter is not its book). `decode` turns a name part into
    Unicode."""
    authors, more = _names(latex.get("author", ""), decode)
    editors, _ = _names(latex.get("editor", ""), decode)
    venue = next((text[f] for f in VENUE_FIELDS if text.get(f) and not _names_id(text[f])), None)
    found = arxiv_in_fields(own)
    doi = parse_doi(own["doi"]) if own.get("doi") else None
    title_latex = _fold(latex.get("title", ""))
    title = _fold(text.get("title", ""))
    return {
        "title": title,
        "title_latex": title_latex if title_latex != title else None,
        "authors": [n.display() for n in authors],
        "author_names": [n.csl() for n in authors],
        "authors_more": more,
        "editor_names": [n.csl() for n in editors],
        "year": year_of(latex.get("year") or latex.get("date") or ""),
        "venue": venue,
        "entry_type": entry_type,
        "volume": text.get("volume") or None,
        "number": text.get("number") or None,
        "pages": text.get("pages") or None,
        "publisher": text.get("publisher") or None,
        "note": text.get("note") or None,
        "arxiv_id": found[0].id if found else None,
        "arxiv_version": found[0].version if found else None,
        "doi": None if doi is None or doi.startswith("10.48550/") else doi,
        "url": own.get("url") or None,
        "code_url": own.get("code") or None,
        "short_name": text.get("shortname") or None,
        "abstract": text.get("abstract") or None,
        "id_source": own.get("idsource") or None,
    }


def _names_id(venue: str) -> bool:
    """A venue that is an arXiv id (`arXiv:2501.19393 [cs]`, `arXiv preprint arXiv:…`): no
    venue at all (the id is the paper's arXiv id). `CoRR` and `arXiv` alone stay."""
    return isinstance(arxiv_reference(venue), ArxivId)


def _names(value: str, decode: Callable[[str], str]) -> tuple[list[Name], bool]:
    """A name list as Unicode `Name`s: split and parted on the LaTeX (braces decide),
    each part decoded after."""
    if not value:
        return [], False
    names, more = split_names(value)
    if decode is decode_latex:
        return [_decoded_name(n) for n in names], more
    return [parse_name(n).map(lambda part: _fold(decode(part))) for n in names], more


@lru_cache(maxsize=8192)
def _decoded_name(name: str) -> Name:
    """One name, parted and decoded (cached: a file names the same people again and
    again)."""
    return parse_name(name).map(lambda part: _fold(decode_latex(part)))


def year_of(text: str) -> int | None:
    """The year of a `year` or `date` field: `2024`, `2024-05-01`, `{\\noopsort{1973c}}1981`
    (1981: what BibTeX prints, the sort key being for sorting only)."""
    if "\\" in text:
        text = _COMMAND_ARG_RE.sub("", text)
    m = _YEAR_RE.search(text)
    return int(m.group()) if m else None


# --- bibtexparser ----------------------------------------------------------------------------

_KEY_IN_RAW_RE = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s]+)")


def _split(text: str) -> Any:
    """bibtexparser's split, without its default middlewares. A block it gave up on keeps
    the exception, whose traceback holds the parse's frames and through them the whole
    library: a reference cycle, which only the garbage collector would free — and an
    import pauses it."""
    import bibtexparser

    library = bibtexparser.parse_string(text, parse_stack=[])
    for block in library.failed_blocks:
        if isinstance(error := getattr(block, "error", None), BaseException):
            error.__traceback__ = None
    return library


@contextmanager
def _quiet_splitter() -> Iterator[None]:
    """bibtexparser logs a warning for each block it gives up on (an error for one it
    failed on unexpectedly, e.g. out of memory); lrmkb reports those itself, and the
    messages would otherwise reach the user's terminal."""
    splitter_log = logging.getLogger("bibtexparser.splitter")
    level = splitter_log.level
    splitter_log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        splitter_log.setLevel(level)


def _problem(block: Any, line: int) -> BibProblem:
    """Say why bibtexparser gave up on a block, in the user's terms."""
    from bibtexparser.model import DuplicateFieldKeyBlock

    if isinstance(block, DuplicateFieldKeyBlock):
        inner = block.ignore_error_block
        dupes = ", ".join(sorted(k.lower() for k in block.duplicate_keys))
        return BibProblem(line, getattr(inner, "key", None), f"duplicate field(s): {dupes}")
    key_match = _KEY_IN_RAW_RE.match(block.raw or "")
    message = " ".join(str(getattr(block.error, "abort_reason", block.error)).split())
    if "closing" in message:
        reason = "unbalanced braces or quotes"
    elif "comma after entry key" in message:
        reason = "no comma after the entry key"
    else:
        reason = message.split(":", 1)[-1].strip() or "cannot be parsed"
    return BibProblem(line, key_match[1] if key_match else None, reason)
