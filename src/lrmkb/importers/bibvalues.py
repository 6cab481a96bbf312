"""Field values as BibTeX evaluates them: `@string` macros, `#` concatenation, the month
macros every style defines, and `crossref` inheritance.

bibtexparser 2 splits a file into blocks and leaves each value as written
(`jai # "Intelligence Research"`); its `ResolveStringReferencesMiddleware` replaces a value
only when the *whole* value is one macro name, so `#` and macros inside a concatenation
stay unevaluated, and it has no crossref support at all ("TODO Middleware to resolve
Crossref" in bibtexparser/middlewares/interpolate.py). So the evaluation is ours, following
btxdoc §2 ("@STRING", "#") and §4 ("cross-referenced entries") and, where BibTeX says
nothing, biber's default inheritance rules (biblatex manual, appendix B)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

MONTHS = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}
"""The month macros of the standard styles (plain.bst `MACRO {jan} {"January"}` …); biblatex
defines the same names."""

_MACRO_STOP = frozenset(" \t\n\r\"#%'(),={}")  # characters a macro name cannot contain


class Value(NamedTuple):
    """A field's evaluated value: its LaTeX `text` without the outer `{}`/`""`, and
    whether it is written `bare` (a number, or a month macro such as `jan`, kept as the
    macro so that each style prints the month its own way). (A named tuple: one is made
    for every field of a file.)"""

    text: str
    bare: bool = False

    def bibtex(self) -> str:
        """The value as a .bib file writes it: `jan`, `2024` or `{…}`."""
        return self.text if self.bare else f"{{{self.text}}}"


class UndefinedString(ValueError):
    """A value names a macro that neither the file nor the styles define."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class BadValue(ValueError):
    """A value that is not BibTeX: an unclosed brace or quote, a dangling `#`."""


def evaluate(raw: str, strings: Mapping[str, str]) -> Value:
    """Evaluate a field value as BibTeX does (btxdoc §2): pieces joined by `#`, each a
    `{braced}` or `"quoted"` string, a number, or a macro — an `@string` of the file
    (`strings`: lower-case name → evaluated text) or a month (`jan`). A value that is a
    single number or a single month macro stays `bare`.

    Raises `UndefinedString` for an unknown macro and `BadValue` for broken syntax."""
    pieces: list[tuple[str, str]] = []  # (kind, text)
    pos, end = 0, len(raw)
    while True:
        pos = _skip_space(raw, pos)
        if pos >= end:
            raise BadValue("a value is missing")
        char = raw[pos]
        if char == "{":
            close = _closing_brace(raw, pos)
            pieces.append(("string", raw[pos + 1 : close]))
            pos = close + 1
        elif char == '"':
            close = _closing_quote(raw, pos)
            pieces.append(("string", raw[pos + 1 : close]))
            pos = close + 1
        else:
            start = pos
            while pos < end and raw[pos] not in _MACRO_STOP:
                pos += 1
            word = raw[start:pos]
            if not word:
                raise BadValue(f"unexpected {char!r}")
            pieces.append(("number" if word.isdigit() else "macro", word))
        pos = _skip_space(raw, pos)
        if pos >= end:
            break
        if raw[pos] != "#":
            raise BadValue(f"expected # before {raw[pos:][:20]!r}")
        pos += 1
    if len(pieces) == 1:
        kind, text = pieces[0]
        if kind == "number":
            return Value(text, bare=True)
        if kind == "macro" and text.lower() not in strings and text.lower() in MONTHS:
            return Value(text.lower(), bare=True)
    return Value("".join(_piece_text(kind, text, strings) for kind, text in pieces))


def _piece_text(kind: str, text: str, strings: Mapping[str, str]) -> str:
    if kind != "macro":
        return text
    name = text.lower()
    if name in strings:  # the file's own definition wins over the styles' months
        return strings[name]
    if name in MONTHS:
        return MONTHS[name]
    raise UndefinedString(text)


def _skip_space(raw: str, pos: int) -> int:
    while pos < len(raw) and raw[pos] in " \t\n\r":
        pos += 1
    return pos


def _closing_brace(raw: str, start: int) -> int:
    depth = 0
    for i in range(start, len(raw)):
        if raw[i] == "{":
            depth += 1
        elif raw[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise BadValue("unbalanced braces")


def _closing_quote(raw: str, start: int) -> int:
    """The `"` that ends a quoted string: the first one outside braces (btxdoc §2)."""
    depth = 0
    for i in range(start + 1, len(raw)):
        char = raw[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            return i
    raise BadValue("unclosed quote")


def evaluate_strings(definitions: Iterable[tuple[str, str]]) -> dict[str, str]:
    """`@string` definitions (name, raw value) in file order → lower-case name → text.
    Each may use the ones before it; a later definition of a name replaces the earlier
    one, as in BibTeX. A definition that cannot be evaluated is left out (the entries
    that use it then report the macro as undefined)."""
    strings: dict[str, str] = {}
    for name, raw in definitions:
        try:
            strings[name.lower()] = evaluate(raw, strings).text
        except (UndefinedString, BadValue):
            strings.pop(name.lower(), None)
    return strings


# --- crossref ------------------------------------------------------------------------------

NOT_INHERITED = frozenset(
    [
        "crossref",
        "xref",
        "xdata",
        "ids",
        "entryset",
        "entrysubtype",
        "execute",
        "key",
        "label",
        "options",
        "presort",
        "related",
        "relatedoptions",
        "relatedstring",
        "relatedtype",
        "shorthand",
        "shorthandintro",
        "sortkey",
        "keywords",
        "file",
    ]
)
"""Fields a child never takes from its parent (biber's defaults: identity and data about
the entry itself, not about the work; lrmkb adds `keywords` and `file`, which are the
user's own notes on the parent)."""

_WHOLES = frozenset(["book", "collection", "proceedings", "reference"])
_PARTS = frozenset(
    [
        "inbook",
        "bookinbook",
        "suppbook",
        "incollection",
        "suppcollection",
        "inproceedings",
        "inreference",
        "conference",
    ]
)
_TITLE_FIELDS = ("title", "subtitle", "titleaddon")


def _title_targets(parent_type: str, child_type: str) -> tuple[str, ...] | None:
    """Where a parent's title goes in a child, by biber's default inheritance rules
    (biblatex manual, appendix B): a multi-volume work's title is its volumes' and their
    parts' `maintitle`, a book's (collection's, proceedings') is its parts' `booktitle`, a
    periodical's is its articles' `journaltitle`; None when titles pass on as titles."""
    if parent_type.startswith("mv") and parent_type[2:] in _WHOLES:
        if child_type in _WHOLES or child_type in _PARTS:
            return ("maintitle", "mainsubtitle", "maintitleaddon")
    elif parent_type in _WHOLES and child_type in _PARTS:
        return ("booktitle", "booksubtitle", "booktitleaddon")
    elif parent_type == "periodical" and child_type in ("article", "suppperiodical"):
        return ("journaltitle", "journalsubtitle", "journaltitleaddon")
    return None


@dataclass(slots=True)
class Record:
    """An entry as `inherit` sees it: type, key and evaluated fields by lower-case name."""

    entry_type: str
    key: str
    fields: dict[str, Value]


def inherit(records: list[Record]) -> dict[str, dict[str, Value]]:
    """For each entry with a `crossref` to another entry of the file: the fields it takes
    from its parent (btxdoc §4: every field the child lacks), by child key.

    A parent's `title` is no title for a part of it: it fills the child's `booktitle`
    (`maintitle`, `journaltitle`: see `_title_targets`), as biber does; the parent's own
    `booktitle`, if it has one, wins, as in BibTeX. A parent's inherited fields pass on to its children (biber); a cycle stops.
    Keys are matched without regard to case, as BibTeX matches them."""
    by_key = {r.key.lower(): r for r in records}
    result: dict[str, dict[str, Value]] = {}
    for record in records:
        inherited = _inherited(record, by_key, seen={record.key.lower()})
        if inherited:
            result[record.key] = inherited
    return result


def _inherited(record: Record, by_key: dict[str, Record], seen: set[str]) -> dict[str, Value]:
    ref = record.fields.get("crossref")
    parent = by_key.get(ref.text.strip().lower()) if ref else None
    if parent is None or parent.key.lower() in seen:
        return {}
    seen.add(parent.key.lower())
    available = {**_inherited(parent, by_key, seen), **parent.fields}
    targets = _title_targets(parent.entry_type.lower(), record.entry_type.lower())
    taken: dict[str, Value] = {}
    for source, target in zip(_TITLE_FIELDS, targets or (), strict=False):
        value = available.get(target) or available.get(source)
        if value is not None and target not in record.fields:
            taken[target] = value
    for name, value in available.items():
        if name in NOT_INHERITED or name in record.fields or name in taken:
            continue
        if targets and name in _TITLE_FIELDS:
            continue
        taken[name] = value
    return taken
