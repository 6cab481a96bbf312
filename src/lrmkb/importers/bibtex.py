"""BibTeX → paper fields. Shared by the seeds builder (`paper_fields`) and `lrmkb import`
(`read_bib`, then `parse_bib` — or its two steps `split_bib` and `read_entries` — which
also decode LaTeX to Unicode).

The LaTeX decoder is our own: it covers what real reference managers write (accents,
special letters, escaped specials, dashes, quotes, formatting commands) in one regex
pass, because pylatexenc's general decoder costs more than parsing the file itself.
Text without a backslash or `$` (most of a real file) never reaches the regexes."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..ids import parse_arxiv_id, parse_doi

VENUE_FIELDS = ("journal", "booktitle", "howpublished", "school", "institution")
USED_FIELDS = frozenset(
    [
        "author",
        "editor",
        "title",
        "year",
        "eprint",
        "archiveprefix",
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


def split_authors(value: str) -> tuple[list[str], bool]:
    """Split a BibTeX name list on top-level `and`; a final `others` becomes a flag."""
    # without braces a plain split is the common case, and gives what the walk gives
    names = _split_grouped(value) if "{" in value else _AND_RE.split(value)
    names = [normalise_name(n) for n in names if n.strip()]
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


# --- LaTeX → Unicode ------------------------------------------------------------------------

_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
_NAMED = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "ng": "ŋ",
    "NG": "Ŋ",
    "dj": "đ",
    "DJ": "Đ",
    "textendash": "–",
    "textemdash": "—",
    "textbackslash": "\\",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "ldots": "…",
    "dots": "…",
    "textquoteleft": "‘",
    "textquoteright": "’",
    "textquotedblleft": "“",
    "textquotedblright": "”",
    "guillemotleft": "«",
    "guillemotright": "»",
    "copyright": "©",
    "textregistered": "®",
    "texttrademark": "™",
    "pounds": "£",
    "euro": "€",
    "S": "§",
    "P": "¶",
    "times": "×",
    "pm": "±",
    "leq": "≤",
    "geq": "≥",
    "le": "≤",
    "ge": "≥",
    "neq": "≠",
    "approx": "≈",
    "infty": "∞",
    "rightarrow": "→",
    "to": "→",
    "leftarrow": "←",
    "cdot": "·",
    "LaTeX": "LaTeX",
    "TeX": "TeX",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
}
# Commands that only format their argument: the command goes, the argument stays.
_FORMATTING = frozenset(
    [
        "emph",
        "textit",
        "textbf",
        "textsc",
        "texttt",
        "textrm",
        "textsf",
        "textsl",
        "textup",
        "textnormal",
        "textmd",
        "mathrm",
        "mathbf",
        "mathit",
        "mathsf",
        "mathtt",
        "mathcal",
        "mathbb",
        "mbox",
        "hbox",
        "text",
        "it",
        "bf",
        "sc",
        "tt",
        "rm",
        "sf",
        "em",
        "sl",
        "upshape",
        "itshape",
        "bfseries",
        "scshape",
        "normalfont",
        "url",
        "nocase",
        "NoCaseChange",
    ]
)
_ESCAPED = {"&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " "}
_ESCAPED |= {",": " ", ";": " ", "-": "\xad"}  # `\\-`: a discretionary (soft) hyphen
_DASHES_QUOTES = {"---": "—", "--": "–", "``": "“", "''": "”", "~": " "}

# Accents first, repeatedly, innermost out: `{\~{\^{e}}}` → `{\~{ê}}` → `{ễ}`.
_ACCENT_RE = re.compile(
    r"""\\(?:
        (?P<acc>[`'^"~=.])\s*(?:\{\s*(?P<a1>\\[A-Za-z]+|[^\W\d_])?\s*\}|(?P<a2>\\[A-Za-z]+|[A-Za-z]))
      | (?P<lacc>[uvHckrdb])(?:\s*\{\s*(?P<l1>\\[A-Za-z]+|[^\W\d_])?\s*\}|\s+(?P<l2>[A-Za-z]))
    )""",
    re.X,
)
# Then everything else in one pass, so that nothing a token turns into is read again.
# Every alternative starts with a literal character: `re` then skips straight to the next
# candidate instead of trying six alternatives at each character of a long abstract.
_TOKEN_RE = re.compile(
    r"""\$(?<!\\\$)(?P<body>[^$]+?)(?<!\\)\$
      | \\(?: ensuremath\{(?P<ensure>(?:[^{}]|\{[^{}]*\})*)\}
            | (?P<esc>[&%$\#_{}\ ,;-])
            | (?P<cmd>[A-Za-z]+)(?P<sep>\{\}|[ \t\n]*)(?P<arg>(?=\{))? )
      | ---? | `` | '' | ~ | \{ | \}""",
    re.X,
)
_ASCII_WORD_RE = re.compile(r"[A-Za-z0-9\\]")
_SPECIAL_RE = re.compile(r"[\\{}~$`']")


def _compose(accent: str, base: str | None) -> str | None:
    """Put a combining accent on its letter (`\\'{\\i}` → `í`, `\\={\\CYRI}` → `Ӣ`); a lone
    accent stays visible; None when the base is a macro that is no letter."""
    if base is None:
        return unicodedata.normalize("NFC", " " + accent).strip() or accent
    if base.startswith("\\"):
        letter = base[1:] if base[1:] in ("i", "j") else _macro_text(base[1:])
        if not letter or len(letter) != 1:
            return None
        base = letter
    return unicodedata.normalize("NFC", base + accent)


def _accent(m: re.Match[str]) -> str:
    if m["acc"]:
        composed = _compose(_ACCENTS[m["acc"]], m["a1"] or m["a2"])
    else:
        composed = _compose(_ACCENTS[m["lacc"]], m["l1"] or m["l2"])
    return m.group() if composed is None else composed


@lru_cache(maxsize=1024)
def _pylatexenc(latex: str) -> str:
    """pylatexenc's reading of a rare piece of LaTeX: its table is complete where ours is
    short, and lrmkb's own export spells rare characters with it."""
    from pylatexenc.latex2text import LatexNodes2Text

    return unicodedata.normalize("NFC", LatexNodes2Text(math_mode="text").latex_to_text(latex))


def _macro_text(name: str) -> str | None:
    """What a macro means (`\\ss` → ß, `\\texteuro` → €), or None when nothing known."""
    if name in _NAMED:
        return _NAMED[name]
    text = _pylatexenc(f"\\{name}{{}}")
    return text if text.strip() and "\\" not in text else None


def _math(body: str) -> str:
    """Inline math stays math (`$f(x)$`, as the survey's titles have it), except math that
    only spells a symbol: `$\\alpha$` → α, `$\\acute\\alpha$` → ά, `$<$` → <."""
    symbol = _pylatexenc(f"${body}$")
    return symbol if symbol.strip() and not _ASCII_WORD_RE.search(symbol) else f"${body}$"


def _token(m: re.Match[str], keep_braces: bool) -> str:
    token = m.group()
    first = token[0]
    if first in "{}":
        return token if keep_braces else ""
    if first == "$":
        return _math(m["body"])
    if first != "\\":
        return _DASHES_QUOTES[token]
    if m["esc"]:
        return token if keep_braces and m["esc"] in "{}" else _ESCAPED[m["esc"]]
    if m["ensure"] is not None:
        return _math(m["ensure"])
    name = m["cmd"]
    if name in _FORMATTING:
        return ""
    text = _macro_text(name)
    if text is not None:
        return text
    # unknown command: kept as written, apart from its argument, so nothing is lost
    return token + (" " if m["arg"] is not None else "")


def _token_plain(m: re.Match[str]) -> str:
    return _token(m, keep_braces=False)


def _token_grouped(m: re.Match[str]) -> str:
    return _token(m, keep_braces=True)


def decode_latex(text: str, *, keep_braces: bool = False) -> str:
    """LaTeX as reference managers (and lrmkb's own export) write it → plain Unicode text.

    `keep_braces` leaves grouping braces in place (author lists need them to split
    `{Barnes and Noble}` correctly); otherwise case-protecting braces are removed."""
    if not _SPECIAL_RE.search(text) and "--" not in text:
        return text
    if "\\" not in text and "$" not in text:
        return _decode_plain(text, keep_braces)
    for _ in range(4):  # again only while accents were resolved and commands remain
        if "\\" not in text:
            break
        text, resolved = _ACCENT_RE.subn(_accent, text)
        if not resolved:
            break
    return _TOKEN_RE.sub(_token_grouped if keep_braces else _token_plain, text)


def _decode_plain(text: str, keep_braces: bool) -> str:
    """What `_TOKEN_RE` does to text without commands or math: dashes, quotes and ties
    become characters, braces go. Each token is a run of one character that no other
    token uses, so replacing them one kind at a time (`---` before `--`) is the same."""
    for ligature, char in _DASHES_QUOTES.items():
        if ligature in text:
            text = text.replace(ligature, char)
    return text if keep_braces else text.replace("{", "").replace("}", "")


# --- entries → paper fields -----------------------------------------------------------------


_YEAR_RE = re.compile(r"\d{4}")


def _same(text: str) -> str:
    return text


def paper_fields(fields: dict[str, str], entry_type: str, *, latex: bool = False) -> dict[str, Any]:
    """Map a BibTeX entry's fields onto `Paper` columns.

    The seeds are plain Unicode already (`latex=False`: only case braces are stripped
    from title and venue); an imported file's text is decoded from LaTeX (`latex=True`)
    and its title as written is kept in `title_latex` for export."""
    return _paper({k.lower(): " ".join(v.split()) for k, v in fields.items()}, entry_type, latex)


def _paper(f: dict[str, str], entry_type: str, latex: bool) -> dict[str, Any]:
    """`paper_fields` for fields already keyed in lower case, whitespace folded."""
    text: Callable[[str], str] = decode_latex if latex else strip_braces
    prose: Callable[[str], str] = decode_latex if latex else _same
    names = f.get("author", "") or f.get("editor", "")
    authors, more = split_authors(decode_latex(names, keep_braces=True) if latex else names)
    title_raw = f.get("title", "")
    title = text(title_raw)
    if title is not title_raw:  # decoding can leave doubled spaces; the input has none
        title = " ".join(title.split())
    year_match = _YEAR_RE.search(f.get("year", ""))
    arxiv = None
    if f.get("eprint") and f.get("archiveprefix", "arxiv").lower() == "arxiv":
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
        "doi": parse_doi(f["doi"]) if f.get("doi") else None,
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
    fields: dict[str, Any]


@dataclass(slots=True)
class BibProblem:
    """An entry that cannot be used, with the line where it starts and why."""

    line: int
    bibkey: str | None
    reason: str


def read_bib(path: Path) -> tuple[str, str]:
    """The file's text and the encoding it was read with.

    UTF-8 (with or without BOM) is expected; Windows-1252, then Latin-1, is the fallback
    older exports need. UTF-16 and binary files are refused: decoding them as
    Latin-1 would import garbage."""
    data = path.read_bytes()
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
    """Every entry of a .bib text, split into usable ones and problems (never raises
    for bad entries: one broken entry must not cost the user the rest)."""
    return read_entries(*split_bib(text))


def read_entries(library: Any, strings: dict[str, str]) -> tuple[list[BibEntry], list[BibProblem]]:
    """`parse_bib` after bibtexparser's part: the entries of a split file as paper fields."""
    problems = [_problem(block) for block in library.failed_blocks]
    duplicated = {p.bibkey: p.line for p in problems if p.reason.startswith("duplicate key")}
    entries: list[BibEntry] = []
    for entry in library.entries:
        key, line = entry.key, entry.start_line + 1
        if key in duplicated:  # which of the two the user's citations mean is unknown
            reason = f"duplicate key {key!r} in the file (again at line {duplicated[key]})"
        else:
            fields, reason = _usable_fields(entry.fields, strings)
            if reason is None:
                paper = _paper(fields, entry.entry_type, latex=True)
                if paper["title"]:
                    entries.append(BibEntry(line, key, paper))
                    continue
                reason = "no title"
        problems.append(BibProblem(line, key, reason))
    problems.sort(key=lambda p: p.line)
    return entries, problems


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


def split_bib(text: str) -> tuple[Any, dict[str, str]]:
    """bibtexparser's parse without its default middlewares, and the file's `@string`s
    (lower-case name → value): `_usable_fields` resolves them, and removes enclosing
    braces, only in the fields lrmkb reads — the default stack would do both to every
    field of every entry, which is what keeps an import within 1.5× of the bare parse."""
    import bibtexparser

    splitter_log = logging.getLogger("bibtexparser.splitter")
    level = splitter_log.level
    splitter_log.setLevel(logging.ERROR)  # its warnings would reach the user's terminal
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    finally:
        splitter_log.setLevel(level)
    # as the middleware reads them: names are case-insensitive
    strings = {key.lower(): s.value for key, s in library.strings_dict.items()}
    return library, strings


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


def _problem(block: Any) -> BibProblem:
    """Say why bibtexparser gave up on a block, in the user's terms."""
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock

    line = block.start_line + 1
    if isinstance(block, DuplicateBlockKeyBlock):
        return BibProblem(line, block.key, f"duplicate key {block.key!r} in the file")
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
