"""Person names: BibTeX's four parts (First, von, Last, Jr) as btxdoc §4 and bibtex.web
define them, the CSL-JSON name object they become, and the forms lrmkb writes back.

A BibTeX name list is split on top-level `and` (bibtexparser's
`split_multiple_persons_names`, which does what BibTeX does); a final `others` says the
list is cut short. Each name is then split into parts by our own `parse_name`, because
bibtexparser's `parse_single_name_into_parts` differs from BibTeX in ways a user sees
(each checked against `bibtex` itself in tests/test_names.py):

- a two-word name never gets a von part: `de Gaulle` comes out First `de`, Last `Gaulle`;
- a special character decides a word's case (btxdoc §4: `{\\"u}ber` is lower case, and
  `{\\oe}`, `{\\i}`, `{\\ss}`… are lower, `{\\OE}`, `{\\AE}`, `{\\O}`… upper) — bibtexparser
  gives `{\\oe}uvre` no case at all, and ignores the case of `{\\"u}ber` in two-word names.

Two deliberate differences from bibtex.web, both as biber reads names: letters outside
ASCII have a case (`über Tester` has a von part, as `{\\"u}ber Tester` has; BibTeX looks
at ASCII letters only), and a hyphen joins a word instead of splitting it (`Si-jian Ren`
is Given `Si-jian`; BibTeX makes `jian` a von part).

A name that is one brace group and nothing else (`{Example Committee on Model
Evaluation}`) is a *literal*: an organisation, never split, CSL's `literal`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

# Control sequences that are letters in their own right, and their case (bibtex.web §?:
# `control_seq_ilk`): `{\\oe}uvre` is lower case, `{\\OE}dipe` upper.
_LETTER_MACROS = {
    "i": True,
    "j": True,
    "oe": True,
    "ae": True,
    "aa": True,
    "o": True,
    "l": True,
    "ss": True,
    "OE": False,
    "AE": False,
    "AA": False,
    "O": False,
    "L": False,
}
_WHITESPACE = frozenset(" \t\n\r")
_SEPARATORS = frozenset("~")  # a tie separates words too (a hyphen does not: see above)
_WORD_RE = re.compile(r"([ \t\n\r~]*)([^ \t\n\r~]+)")
_AND_RE = re.compile(r"[ \t\n\r]+and[ \t\n\r]+", re.I)
_AND_KEPT_RE = re.compile(r"([ \t\n\r]+and[ \t\n\r]+)", re.I)
_SUFFIXES = frozenset(["jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v"])


@dataclass(frozen=True, slots=True)
class Name:
    """One person (or organisation) as BibTeX's four parts, each the text as written
    (LaTeX from a .bib file; Unicode after `map`). `literal` is set, alone, for a name
    that must never be split: an organisation written `{…}`."""

    first: str = ""
    von: str = ""
    last: str = ""
    jr: str = ""
    literal: str = ""

    def map(self, convert: Callable[[str], str]) -> Name:
        """The same name with every part converted (e.g. LaTeX → Unicode)."""
        return Name(*(convert(p) if p else "" for p in self.parts()))

    def parts(self) -> tuple[str, str, str, str, str]:
        return (self.first, self.von, self.last, self.jr, self.literal)

    @property
    def family(self) -> str:
        """What a citation key and an author-year label start from: Last (or the literal)."""
        return self.literal or self.last

    def display(self) -> str:
        """`First von Last Jr` (or the literal): how lrmkb shows a name."""
        if self.literal:
            return self.literal
        return " ".join(p for p in (self.first, self.von, self.last, self.jr) if p)

    def label(self) -> str:
        """`von Last`: what natbib's author-year labels print (plainnat's `{vv~}{ll}`)."""
        return self.literal or " ".join(p for p in (self.von, self.last) if p)

    def bibtex(self) -> str:
        """`von Last, Jr, First`, the unambiguous BibTeX form (btxdoc §4); a literal is
        braced whole. The parts must already be LaTeX."""
        if self.literal:
            return f"{{{self.literal}}}"
        von_last = " ".join(p for p in (self.von, self.last) if p)
        if self.jr:
            return f"{von_last}, {self.jr}, {self.first}"
        return f"{von_last}, {self.first}" if self.first else von_last

    def csl(self) -> dict[str, str]:
        """A CSL-JSON name object (CSL 1.0.2 schema, `name-variable`): `family`, `given`,
        `non-dropping-particle` (BibTeX's von: it is kept in front of the family name, as
        pandoc and Better BibTeX map it), `suffix`; or `literal`."""
        if self.literal:
            return {"literal": self.literal}
        data = {
            "family": self.last,
            "given": self.first,
            "non-dropping-particle": self.von,
            "suffix": self.jr,
        }
        return {k: v for k, v in data.items() if v}


def from_csl(data: dict[str, Any]) -> Name:
    """A stored CSL name object back as a `Name` (`dropping-particle` joins the von part:
    BibTeX has one place for particles)."""
    if data.get("literal"):
        return Name(literal=str(data["literal"]))
    particles = [data.get("dropping-particle"), data.get("non-dropping-particle")]
    return Name(
        first=str(data.get("given") or ""),
        von=" ".join(str(p) for p in particles if p),
        last=str(data.get("family") or ""),
        jr=str(data.get("suffix") or ""),
    )


def split_names(value: str) -> tuple[list[str], bool]:
    """A BibTeX name list → the names as written, and whether it ended in `and others`.
    `and` splits only outside braces, in any letter case (`{Barnes and Noble}` is one)."""
    names = [n.strip() for n in _split_on_and(value) if n.strip()]
    more = bool(names) and names[-1].lower() == "others"
    return (names[:-1] if more else names), more


def _split_on_and(value: str) -> list[str]:
    """The split of bibtexparser's `split_multiple_persons_names` (a test checks that it is
    the same on every value with balanced braces), by a regex and brace counts instead of
    a walk over every character: it runs on every author list of a file."""
    parts = _AND_RE.split(value.strip(" \t\n\r"))
    if "{" not in value or len(parts) == 1:
        return parts
    pieces = _AND_KEPT_RE.split(value.strip(" \t\n\r"))
    names, current = [], pieces[0]
    depth = current.count("{") - current.count("}")
    for separator, piece in zip(pieces[1::2], pieces[2::2], strict=True):
        if depth > 0:  # the `and` is inside braces: part of one name
            current += separator + piece
        else:
            names.append(current)
            current = piece
            depth = 0
        depth += piece.count("{") - piece.count("}")
    return [*names, current]


def parse_names(value: str) -> tuple[list[Name], bool]:
    """`split_names`, each name split into its parts."""
    names, more = split_names(value)
    return [parse_name(n) for n in names], more


# --- one name ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Token:
    text: str
    separator: str  # what came before it: " " or "~" ("" for the first of a section)


@lru_cache(maxsize=4096)
def parse_name(name: str) -> Name:
    """One BibTeX name → its parts, by bibtex.web's rules (btxdoc §4):

    - `First von Last`: von starts at the first lower-case word that is not the last
      word and ends at the last lower-case word before Last; Last is never empty;
    - `von Last, First` and `von Last, Jr, First`: von is everything up to the last
      lower-case word before the comma, except the last word; more commas join First.

    A word's case is its first letter outside braces; a brace group is skipped unless it
    starts with a backslash (a special character), whose letter decides. Never raises:
    unbalanced braces are read as BibTeX reads them (closed at the end). Cached: a
    bibliography names the same people entry after entry."""
    return _parts(_sections(name))


def _parts(sections: list[list[_Token]]) -> Name:
    """btxdoc §4 on a name already cut into comma sections of words."""
    if not sections:
        return Name()
    if len(sections) == 1:
        tokens = sections[0]
        if len(tokens) == 1 and _is_one_group(tokens[0].text):
            return Name(literal=tokens[0].text[1:-1].strip())
        von_start = next((i for i in range(len(tokens) - 1) if _is_von(tokens[i].text)), None)
        if von_start is None:
            von_start = von_end = len(tokens) - 1
        else:
            von_end = _von_end(tokens, von_start)
        first, von, last = tokens[:von_start], tokens[von_start:von_end], tokens[von_end:]
        return Name(first=_join(first), von=_join(von), last=_join(last))
    head = sections[0]
    von_end = _von_end(head, 0) if head else 0
    jr = sections[1] if len(sections) >= 3 else []
    first = [t for section in sections[2 if len(sections) >= 3 else 1 :] for t in section]
    return Name(
        first=_join(first), von=_join(head[:von_end]), last=_join(head[von_end:]), jr=_join(jr)
    )


def _von_end(tokens: list[_Token], von_start: int) -> int:
    """Where von ends: after the last lower-case word before the last word."""
    von_end = len(tokens) - 1
    while von_end > von_start and not _is_von(tokens[von_end - 1].text):
        von_end -= 1
    return von_end


def _join(tokens: list[_Token]) -> str:
    if not tokens:
        return ""
    return tokens[0].text + "".join(t.separator + t.text for t in tokens[1:])


def _sections(name: str) -> list[list[_Token]]:
    """The comma-separated sections of a name, each a list of words (split at white
    space and `~` outside braces). Empty sections at the end (a trailing comma) are
    dropped; more than three are joined into the third."""
    sections = _sections_walked(name) if "{" in name or "}" in name else _sections_plain(name)
    while sections and not sections[-1]:
        sections.pop()
    if len(sections) > 3:  # BibTeX complains and reads the rest as First
        rest = [[_Token(s[0].text, " "), *s[1:]] for s in sections[3:] if s]
        sections = [*sections[:2], sections[2] + [t for s in rest for t in s]]
    return sections


def _sections_plain(name: str) -> list[list[_Token]]:
    """`_sections_walked` of a name without braces (most names), by a regex: each word
    with the white space and ties before it, which separate it by a tie if there is one."""
    sections = []
    for part in name.split(","):
        tokens: list[_Token] = []
        for m in _WORD_RE.finditer(part):
            gap = "" if not tokens else "~" if "~" in m[1] else " "
            tokens.append(_Token(m[2], gap))
        sections.append(tokens)
    return sections


def _sections_walked(name: str) -> list[list[_Token]]:
    """The comma sections of a name, walked character by character (braces group)."""
    sections: list[list[_Token]] = [[]]
    word: list[str] = []
    separator = ""
    depth = 0
    for char in name:
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:  # a stray closing brace: kept as text, as BibTeX warns and goes on
                word.append(char)
                continue
            depth -= 1
        elif depth == 0 and (char in _WHITESPACE or char in _SEPARATORS or char == ","):
            if word:
                sections[-1].append(_Token("".join(word), separator))
                word, separator = [], ""
            if char == ",":
                sections.append([])
                separator = ""
            elif sections[-1]:
                # the separator kept between two words: a tie over white space
                separator = char if char in _SEPARATORS or not separator else separator
                separator = " " if separator in _WHITESPACE else separator
            continue
        word.append(char)
    if word:
        text = "".join(word) + "}" * depth  # BibTeX closes what a name left open
        sections[-1].append(_Token(text, separator))
    return sections


def _is_one_group(word: str) -> bool:
    """`{…}` as a whole: one brace group from the first character to the last."""
    if not (word.startswith("{") and word.endswith("}")):
        return False
    depth = 0
    for i, char in enumerate(word):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return i == len(word) - 1
    return False


_CONTROL_WORD_RE = re.compile(r"\\([A-Za-z]+|.?)")


def _is_von(word: str) -> bool:
    """bibtex.web's `von_token_found`: is the word's first letter lower case? Brace
    groups are skipped, except a special character (`{\\"u}`, `{\\oe}`), whose letter counts;
    outside braces a backslash is no letter (`\\v{C}ech` is lower case: `v`). Unlike
    BibTeX, any Unicode letter has a case (see the module docstring)."""
    i = 0
    while i < len(word):
        char = word[i]
        if char.isalpha():
            return char.islower()
        if char == "{":
            if word.startswith("{\\", i) and len(word) - i > 2:
                return _special_is_lower(word, i + 1)
            i = _after_group(word, i)
            continue
        i += 1
    return False


def _special_is_lower(word: str, start: int) -> bool:
    """The case of a special character `{\\…}` starting at `word[start]` (the backslash)."""
    m = _CONTROL_WORD_RE.match(word, start)
    assert m is not None
    if m[1] in _LETTER_MACROS:
        return _LETTER_MACROS[m[1]]
    depth = 1
    for char in word[m.end() :]:
        if char.isalpha():
            return char.islower()
        if char == "}":
            depth -= 1
            if depth == 0:
                return False
        elif char == "{":
            depth += 1
    return False


def _after_group(word: str, start: int) -> int:
    depth = 0
    for i in range(start, len(word)):
        if word[i] == "{":
            depth += 1
        elif word[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(word)


# --- names from sources without BibTeX structure ---------------------------------------------


@lru_cache(maxsize=4096)
def parse_display_name(name: str) -> Name:
    """A name as arXiv or a display string gives it (`Ada B. Tester Jr.`, `Jan van der
    Berg`): plain Unicode, so words are split at white space and commas only (a brace or
    a `~` is just a character), then BibTeX's rules — plus one guess BibTeX does not make:
    a last word such as `Jr.`, `Sr.`, `III` is the Jr part (only in a name without
    commas: `Tester, Jr., Ada` says so itself)."""
    sections = [
        [_Token(word, " " if i else "") for i, word in enumerate(part.split())]
        for part in name.split(",")
    ]
    while sections and not sections[-1]:
        sections.pop()
    if len(sections) > 3:
        sections = [*sections[:2], [t for section in sections[2:] for t in section]]
    if len(sections) == 1 and len(sections[0]) >= 3 and sections[0][-1].text.lower() in _SUFFIXES:
        return replace(_parts([sections[0][:-1]]), jr=sections[0][-1].text)
    if len(sections) == 1 and len(sections[0]) == 1:
        return Name(last=sections[0][0].text)  # never a literal: braces mean nothing here
    return _parts(sections)
