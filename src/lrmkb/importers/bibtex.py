"""BibTeX → paper fields. Shared by the seeds builder (`paper_fields`) and `lrmkb import`
(`BibFile`: `read_bib`, then `parse_bib`, which decodes LaTeX to Unicode with
`latex.decode_latex`, then a `Record` per usable entry).

`parse_bib` runs bibtexparser without its default middlewares: it resolves `@string`s and
removes enclosing braces itself, and only in the fields lrmkb reads."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..files import read_regular
from ..gcpause import collector_paused
from ..ids import parse_arxiv_id, parse_doi
from ..records import Failure, Paper, Record
from .latex import decode_latex

VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "howpublished", "school", "institution")
"""Where a paper appeared, in order of preference (`journaltitle` is BibLaTeX's `journal`)."""
USED_FIELDS = frozenset(
    [
        "author",
        "editor",
        "title",
        "year",
        "date",
        "eprint",
        "archiveprefix",
        "eprinttype",
        "volume",
        "pages",
        "publisher",
        "note",
        "doi",
        "url",
        "code",
        "shortname",
        "abstract",
        "idsource",
    ]
).union(VENUE_FIELDS)  # what `paper_fields` reads; the rest of an entry is not decoded
_AND_RE = re.compile(r"\s+and\s+", re.I)
_BRACE_OR_AND_RE = re.compile(r"[{}]|\s+and\s+", re.I)
_CASE_BRACE_RE = re.compile(r"(?<!\\)[{}]")
_SPACE_MAKERS_RE = re.compile(r"[~$]|\\[ ,;]")  # LaTeX that decodes to a space


def split_authors(value: str, *, latex: bool = False) -> tuple[list[str], bool]:
    """Split a BibTeX name list on top-level `and`; a final `others` becomes a flag.
    With `latex`, each name is also decoded to Unicode."""
    if latex and _SPACE_MAKERS_RE.search(value):  # decoding could make an `and` of these
        value, latex = decode_latex(value, keep_braces=True), False
    # without braces a plain split is the common case, and gives what the walk gives
    names = _split_grouped(value) if "{" in value else _AND_RE.split(value)
    names = [(_latex_name if latex else normalise_name)(n) for n in names if n.strip()]
    more = bool(names) and names[-1].lower() == "others"
    return (names[:-1] if more else names), more


def _split_grouped(value: str) -> list[str]:
    """Split on `and` outside braces: `{Barnes and Noble}` is one name."""
    names, depth, start = [], 0, 0
    for m in _BRACE_OR_AND_RE.finditer(value):
        token = m.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            names.append(value[start : m.start()])
            start = m.end()
    names.append(value[start:])
    return names


@lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """`Last, First` → `First Last`; whitespace folded; protective braces dropped.
    (Cached: a bibliography names the same people entry after entry.)"""
    name = " ".join(name.split())
    parts = [p.strip() for p in _top_level_split(name, ",")] if "," in name else []
    if len(parts) == 2:
        name = f"{parts[1]} {parts[0]}"
    elif len(parts) == 3:  # von Last, Jr, First
        name = f"{parts[2]} {parts[0]} {parts[1]}"
    return strip_braces(name).strip()


@lru_cache(maxsize=4096)
def _latex_name(name: str) -> str:
    """One name decoded and normalised: split first, decoded after, each person once."""
    return normalise_name(decode_latex(name, keep_braces=True))


def _top_level_split(text: str, sep: str) -> list[str]:
    """Split on `sep` outside braces: `{Barnes and Noble, Inc.}` is one corporate name,
    while `{\\c{C}}elik, Ayşe` is `Last, First`."""
    if "{" not in text:
        return text.split(sep)
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def strip_braces(text: str) -> str:
    """Remove the braces BibTeX uses for case protection (`{LLM}s` → `LLMs`)."""
    return _CASE_BRACE_RE.sub("", text) if "{" in text or "}" in text else text


# --- entries → paper fields -----------------------------------------------------------------


_YEAR_RE = re.compile(r"\d{4}")


def _same(text: str) -> str:
    return text


def paper_fields(fields: dict[str, str], entry_type: str, *, latex: bool = False) -> Paper:
    """Map a BibTeX entry's fields onto `Paper` columns.

    The seeds are plain Unicode already (`latex=False`: only case braces are stripped
    from title and venue); an imported file's text is decoded from LaTeX (`latex=True`)
    and its title as written is kept in `title_latex` for export."""
    return _paper({k.lower(): " ".join(v.split()) for k, v in fields.items()}, entry_type, latex)


def _paper(f: dict[str, str], entry_type: str, latex: bool) -> Paper:
    """`paper_fields` for fields already keyed in lower case, whitespace folded."""
    text: Callable[[str], str] = decode_latex if latex else strip_braces
    prose: Callable[[str], str] = decode_latex if latex else _same
    names = f.get("author", "") or f.get("editor", "")
    authors, more = split_authors(names, latex=latex)
    title_raw = f.get("title", "")
    title = text(title_raw)
    if title is not title_raw:  # decoding can leave doubled spaces; the input has none
        title = " ".join(title.split())
    year_match = _YEAR_RE.search(f.get("year") or f.get("date", ""))  # BibLaTeX: date
    arxiv = None
    archive = f.get("archiveprefix") or f.get("eprinttype") or "arxiv"  # BibTeX, BibLaTeX
    if f.get("eprint") and archive.lower() == "arxiv":
        arxiv = parse_arxiv_id(f["eprint"])
    venue = next(filter(None, map(f.get, VENUE_FIELDS)), None)
    return {
        "title": title,
        "title_latex": title_raw if title_raw != title else None,
        "authors": authors,
        "authors_more": more,
        "year": int(year_match.group()) if year_match else None,
        "venue": text(venue) if venue else None,
        "entry_type": entry_type.lower(),
        "volume": _opt(prose, f.get("volume")),
        "pages": _opt(prose, f.get("pages")),
        "publisher": _opt(prose, f.get("publisher")),
        "note": _opt(prose, f.get("note")),
        "arxiv_id": arxiv.id if arxiv else None,
        "arxiv_version": arxiv.version if arxiv else None,
        "doi": parse_doi(doi) if (doi := f.get("doi")) else None,
        "url": f.get("url"),
        "code_url": f.get("code"),
        "short_name": _opt(prose, f.get("shortname")),
        "abstract": _opt(prose, f.get("abstract")),
        "id_source": f.get("idsource"),
    }


def _opt(convert: Callable[[str], str], value: str | None) -> str | None:
    return convert(value) if value else None


# --- reading a user's .bib file -------------------------------------------------------------


@dataclass(slots=True)
class BibEntry:
    """One usable entry: where it is in the file and its paper fields."""

    line: int  # 1-based line of the `@type{key,`
    bibkey: str
    fields: Paper


@dataclass(slots=True)
class BibProblem:
    """An entry that cannot be used, with the line where it starts and why."""

    line: int
    bibkey: str | None
    reason: str


MAX_ENTRIES = 250_000
"""Entries one `import` takes unless told otherwise (`--max-entries`): a bibliography
ten times the largest personal ones, about 100 MB of BibTeX. A bigger file is far more
likely a mistake (a database dump, a concatenation gone wrong) than a library."""
_ENTRY_START_RE = re.compile(r"^[ \t]*@(?![ \t]*(?:string|comment|preamble)\b)", re.M | re.I)


def count_entries(text: str) -> int:
    """About how many entries a .bib text holds, before parsing it: the blocks starting a
    line with `@`, other than `@string`, `@comment` and `@preamble`."""
    return sum(1 for _ in _ENTRY_START_RE.finditer(text))


class BibFile:
    """The entries of a .bib file, as records. Made, it has read the file (`read_bib`:
    `BadInput` for a file that is not text, or one with more than `max_entries`
    entries, default `MAX_ENTRIES`); iterated, it parses it and yields, in file
    order, a `Record` for each usable entry and a `Failure` (with its line and why) for
    each entry that cannot be used. A file with no entry at all raises `BadInput`."""

    def __init__(self, path: Path, *, max_entries: int | None = None) -> None:
        self.path = path
        self.text, self.encoding = read_bib(path)
        limit = max_entries or MAX_ENTRIES
        if (count := count_entries(self.text)) > limit:
            raise BadInput(
                f"{path.name} has about {count:,} entries, more than the {limit:,} an import takes",
                "import it in parts, or raise the limit with --max-entries",
            )

    @property
    def info(self) -> dict[str, str]:
        """What an import report says about the file."""
        return {"file": str(self.path), "encoding": self.encoding}

    def __iter__(self) -> Iterator[Record | Failure]:
        entries, problems = parse_bib(self.text)
        if not entries and not problems:
            raise BadInput(f"no BibTeX entries in {self.path}", "pass a .bib file")
        name = self.path.name
        items: list[Record | Failure] = [
            Record(f"{name}:{e.line}", "bibtex", e.fields, {"line": e.line, "bibkey": e.bibkey})
            for e in entries
        ]
        items += [
            Failure(f"{name}:{p.line}", p.reason, {"line": p.line, "bibkey": p.bibkey})
            for p in problems
        ]
        yield from sorted(items, key=lambda item: int(item.extra["line"]))


def read_bib(path: Path) -> tuple[str, str]:
    """The file's text and the encoding it was read with.

    UTF-8 (with or without BOM) is expected; Windows-1252, then Latin-1, is the fallback
    older exports need. UTF-16 and binary files are refused: decoding them as
    Latin-1 would import garbage."""
    data = read_regular(path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:65536]:
        raise BadInput(
            f"{path} is not a text BibTeX file (UTF-16 or binary)",
            "export it again as UTF-8 and retry",
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding.removesuffix("-sig")
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


MAX_FIELD_CHARS = 200_000  # ten times a long abstract; more is a broken file, not metadata
_KEY_IN_RAW_RE = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s]+)")


def parse_bib(text: str) -> tuple[list[BibEntry], list[BibProblem]]:
    """Every entry of a .bib text, split into usable ones and problems by line (never
    raises for bad entries: one broken entry must not cost the user the rest)."""
    with _quiet_splitter():
        library = _split(text)
    with collector_paused():
        return _entries(library.blocks, _string_values(library))


def _split(text: str) -> Any:
    """bibtexparser's split. A block it gave up on keeps the exception, whose traceback
    holds the parse's frames and through them the whole library: a reference cycle,
    which only the garbage collector would free — and an import pauses it."""
    import bibtexparser

    library = bibtexparser.parse_string(text, parse_stack=[])
    for block in library.failed_blocks:
        if isinstance(error := getattr(block, "error", None), BaseException):
            error.__traceback__ = None
    return library


def _string_values(library: Any) -> dict[str, str]:
    """`@string` names (case-insensitive) → raw values, as bibtexparser's middleware reads
    them: the first definition of a name counts."""
    return {key.lower(): s.value for key, s in library.strings_dict.items()}


def _entries(blocks: list[Any], strings: dict[str, str]) -> tuple[list[BibEntry], list[BibProblem]]:
    """Usable entries in file order, and problems by line. Keys count as bibtexparser's
    `Library` registers them: the first entry (or `@string`) of a key, a later one is a
    duplicate — and then neither entry is used, since which of the two the user's
    citations mean is unknown."""
    from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock, String

    first: dict[str, tuple[int, BibEntry | str]] = {}  # key → its first entry's line, fields
    again: dict[str, int] = {}  # key → the line of its last duplicate
    string_keys: set[str] = set()
    problems: list[BibProblem] = []
    for block in blocks:
        if isinstance(block, DuplicateBlockKeyBlock):
            block = block.ignore_error_block
        line = block.start_line + 1
        if isinstance(block, Entry | String) and block.key in (
            first if isinstance(block, Entry) else string_keys
        ):
            problems.append(BibProblem(line, block.key, f"duplicate key {block.key!r} in the file"))
            if isinstance(block, Entry):
                again[block.key] = line
        elif isinstance(block, Entry):
            first[block.key] = (line, _entry(block, line, strings))
        elif isinstance(block, String):
            string_keys.add(block.key)
        elif isinstance(block, ParsingFailedBlock):
            problems.append(_problem(block, line))
    entries = []
    for key, (line, got) in first.items():
        if key in again:
            reason = f"duplicate key {key!r} in the file (again at line {again[key]})"
            problems.append(BibProblem(line, key, reason))
        elif isinstance(got, BibEntry):
            entries.append(got)
        else:
            problems.append(BibProblem(line, key, got))
    problems.sort(key=lambda p: p.line)
    return entries, problems


def _entry(entry: Any, line: int, strings: dict[str, str]) -> BibEntry | str:
    """An entry's paper fields, or why they cannot be used."""
    fields, reason = _usable_fields(entry.fields, strings)
    if reason is not None:
        return reason
    paper = _paper(fields, entry.entry_type, latex=True)
    return BibEntry(line, entry.key, paper) if paper["title"] else "no title"


def _usable_fields(fields: list[Any], strings: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """The fields lrmkb reads — `@string`s resolved, unenclosed, keyed in lower case,
    whitespace folded — or why the entry cannot be trusted: a bare word is an `@string`
    the file never defines, and a field of megabytes is not metadata."""
    usable = {}
    for f in fields:
        name = f.key.lower()
        if name not in USED_FIELDS:
            continue
        value = f.value  # stripped by the splitter
        bare = not value or value[0] not in '{"'
        if bare and strings:
            # as `ResolveStringReferencesMiddleware` does: a name never starts with { or "
            value = strings.get(value.lower(), value).strip()
            bare = not value or value[0] not in '{"'
        if len(value) > MAX_FIELD_CHARS:
            return {}, f"field {f.key} is too long ({len(value):,} characters)"
        if bare and value and not value.isdigit():
            return {}, f"{f.key} uses an undefined @string: {value[:40]}"
        usable[name] = " ".join(unenclose(value).split())
    return usable, None


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


def unenclose(value: str) -> str:
    """A field value without the `{…}` or `"…"` around the whole of it (`{A} and {B}` keeps
    its braces: they are two groups, not one enclosing pair)."""
    value = value.strip()
    if len(value) < 2:
        return value
    if value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    if value[0] != "{" or value[-1] != "}":
        return value
    if value.count("{") == 1:
        return value[1:-1]
    depth = 0
    for m in _CASE_BRACE_RE.finditer(value, 0, len(value) - 1):
        depth += 1 if m.group() == "{" else -1
        if depth == 0:
            return value  # the first group closes before the end
    return value[1:-1]


def _problem(block: Any, line: int) -> BibProblem:
    """Say why bibtexparser gave up on a block, in the user's terms."""
    from bibtexparser.model import DuplicateFieldKeyBlock

    if isinstance(block, DuplicateFieldKeyBlock):
        inner = block.ignore_error_block
        dupes = ", ".join(sorted(block.duplicate_keys))
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
