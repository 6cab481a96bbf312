"""Identifiers: arXiv ids, DOIs and citation keys, normalised so that every spelling of
the same paper resolves to one record."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

ACCEPTED_ARXIV_FORMS = (
    "2505.22148, arxiv:2505.22148, arXiv:2505.22148v2, "
    "https://arxiv.org/abs/2505.22148v1, https://arxiv.org/pdf/2505.22148, "
    "http://export.arxiv.org/abs/2505.22148, hep-th/9901001, math.GT/0309136"
)

_ID = (
    r"(?:(?P<new>\d{4}\.\d{4,5})|(?P<old>[a-zA-Z]+(?:-[a-zA-Z]+)*(?:\.[a-zA-Z]{2})?/\d{7}))"
    r"(?:v(?P<version>[1-9]\d{0,2}))?"  # arXiv versions start at v1
)
_URL_RE = re.compile(  # re.A: `\d` is 0-9 only, so no other script's digits become an id
    rf"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/{_ID}(?:\.pdf)?/?$", re.I | re.A
)
_BARE_RE = re.compile(rf"^(?:arxiv:\s*)?{_ID}$", re.I | re.A)
_DOI_RE = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.I)


@dataclass(frozen=True)
class ArxivId:
    """A canonical arXiv id (no version) and the version asked for, if any."""

    id: str
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id


def parse_arxiv_id(text: str) -> ArxivId | None:
    """Return the canonical id for any accepted spelling, or None if `text` is not one."""
    text = text.strip()
    if len(text) > 100:
        return None
    m = _URL_RE.match(text) or _BARE_RE.match(text)
    if not m:
        return None
    version = int(m["version"]) if m["version"] else None
    if m["new"]:
        month = int(m["new"][2:4])
        if not 1 <= month <= 12:
            return None
        return ArxivId(m["new"], version)
    archive, number = m["old"].split("/")
    if "." in archive:
        name, subject = archive.split(".")
        archive = f"{name.lower()}.{subject.upper()}"
    else:
        archive = archive.lower()
    month = int(number[2:4])
    if not 1 <= month <= 12:
        return None
    return ArxivId(f"{archive}/{number}", version)


def parse_doi(text: str) -> str | None:
    """Return a DOI in lower case without resolver prefix, or None."""
    m = _DOI_RE.match(text.strip())
    return m[1].lower() if m else None


_TRANSLIT = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "Æ": "AE"}
    | {"œ": "oe", "Œ": "OE", "þ": "th", "Þ": "Th", "ı": "i"}
)

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "on",
        "in",
        "for",
        "to",
        "and",
        "or",
        "with",
        "via",
        "by",
        "from",
        "at",
        "is",
        "are",
        "be",
        "do",
        "does",
        "can",
        "we",
        "how",
        "what",
        "when",
        "which",
        "why",
        "not",
        "no",
        "as",
        "into",
        "its",
        "it",
        "our",
        "your",
        "their",
        "this",
        "that",
        "toward",
        "towards",
        "beyond",
        "between",
        "about",
        "under",
        "over",
        "i",
        "have",
        "here",
    ]
)


def ascii_fold(text: str) -> str:
    """Transliterate to plain ASCII (Marjanović → Marjanovic); other scripts are dropped."""
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    return text.encode("ascii", "ignore").decode()


_NOT_SLUG_RE = re.compile(r"[^a-z0-9]")
_TITLE_WORD_RE = re.compile(r"[\w'’$()\-]+")


def _slug(word: str) -> str:
    # ASCII has nothing to transliterate: skipping the fold is the common, cheap case
    return _NOT_SLUG_RE.sub("", (word if word.isascii() else ascii_fold(word)).lower())


def surname(name: str) -> str:
    """The family name of `First Last` or `Last, First`."""
    name = name.strip().strip("{}")
    if "," in name:
        return name.split(",")[0].strip()
    parts = name.split()
    return parts[-1] if parts else ""


def base_key(authors: Sequence[str], year: int | None, title: str) -> str:
    """`{firstauthor}{year}{firstcontentword}`, lowercase ASCII: the house key style."""
    author = _slug(surname(authors[0])) if authors else ""
    word = ""
    for token in _TITLE_WORD_RE.findall(title):
        slug = _slug(token)
        if slug and slug not in STOP_WORDS:
            word = slug
            break
    return f"{author or 'anon'}{year or ''}{word}" or "paper"


def unique_key(base: str, taken: Callable[[str], bool]) -> str:
    """`base`, or `base` + a, b, … z, aa, … for the first key not taken."""
    if not taken(base):
        return base
    return next(base + letters(n) for n in itertools.count() if not taken(base + letters(n)))


def letters(n: int) -> str:
    """The `n`th (from 0) of a, b, … z, aa, ab, …: the suffixes that tell apart keys
    and labels that would otherwise be the same (bijective base 26)."""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


KEY_RE = re.compile(r"^[a-z0-9_-]+$")
