"""Identifiers: arXiv ids, DOIs and citation keys, normalised so that every spelling of
the same paper resolves to one record."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

ACCEPTED_ARXIV_FORMS = (
    "2505.22148, arxiv:2505.22148, arXiv:2505.22148v2, "
    "https://arxiv.org/abs/2505.22148v1, https://arxiv.org/pdf/2505.22148, "
    "http://export.arxiv.org/abs/2505.22148, 10.48550/arXiv.2505.22148, "
    "hep-th/9901001, math.GT/0309136"
)

_ID = (
    r"(?:(?P<new>\d{4}\.\d{4,5})"
    r"|(?P<old>(?P<archive>[a-zA-Z]+(?:-[a-zA-Z]+)*)(?:\.(?P<subject>[a-zA-Z]{2}))?/(?P<number>\d{7})))"
    r"(?:v(?P<version>[1-9]\d{0,2}))?"  # arXiv versions start at v1
)
_URL_RE = re.compile(  # re.A: `\d` is 0-9 only, so no other script's digits become an id
    rf"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/{_ID}(?:\.pdf)?/?$", re.I | re.A
)
_BARE_RE = re.compile(rf"^(?:arxiv:\s*)?{_ID}$", re.I | re.A)
_DOI_PREFIX = r"(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?"
_ARXIV_DOI_RE = re.compile(rf"^{_DOI_PREFIX}10\.48550/arxiv\.{_ID}$", re.I | re.A)
_DOI_RE = re.compile(rf"^{_DOI_PREFIX}(10\.\d{{4,9}}/\S+)$", re.I)


@dataclass(frozen=True)
class ArxivId:
    """A canonical arXiv id (no version) and the version asked for, if any.

    Canonical, per arXiv's identifier scheme (https://info.arxiv.org/help/arxiv_identifier.html):
    `YYMM.NNNNN` for new ids; `archive/YYMMNNN` for old ones, in lower case and without the
    subject class, which is no part of the identifier (`math.GT/0309136` is `math/0309136`)."""

    id: str
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id


def parse_arxiv_id(text: str) -> ArxivId | None:
    """Return the canonical id for any accepted spelling (`ACCEPTED_ARXIV_FORMS`, and the
    DOI arXiv registers for every paper, `10.48550/arXiv.ID`), or None if `text` is not one."""
    text = text.strip()
    if len(text) > 100:
        return None
    m = _URL_RE.match(text) or _BARE_RE.match(text) or _ARXIV_DOI_RE.match(text)
    if not m:
        return None
    version = int(m["version"]) if m["version"] else None
    if m["new"]:
        month = int(m["new"][2:4])
        if not 1 <= month <= 12:
            return None
        return ArxivId(m["new"], version)
    month = int(m["number"][2:4])
    if not 1 <= month <= 12:
        return None
    return ArxivId(f"{m['archive'].lower()}/{m['number']}", version)


def parse_doi(text: str) -> str | None:
    """Return a DOI in lower case without resolver prefix, or None."""
    m = _DOI_RE.match(text.strip())
    return m[1].lower() if m else None


# An arXiv reference where a venue or note goes: Zotero's `arXiv:2501.19393 [cs]`, Google
# Scholar's `arXiv preprint arXiv:2505.22148`, NASA ADS's `arXiv e-prints, arXiv:…`,
# Semantic Scholar's `ArXiv abs/2501.19393`, DBLP's `CoRR abs/…`.
_ARXIV_WORDS = r"(?:arxiv(?:\s+(?:preprint|e-?prints?))?|corr|preprint|e-?print)"
_IN_TEXT_ID = (
    r"(?:(?:arxiv:\s*|abs/)"
    r"(?P<id>\d{4}\.\d{4,5}(?:v\d+)?|[a-z]+(?:-[a-z]+)*(?:\.[a-z]{2})?/\d{7}(?:v\d+)?))"
)
_ARXIV_REFERENCE_RE = re.compile(
    rf"^\s*(?:{_ARXIV_WORDS}[\s,:]*)*{_IN_TEXT_ID}?"
    r"(?:\s*\[[a-z-]+(?:\.[a-z-]+)?\])?\s*$",
    re.I | re.A,
)


def arxiv_reference(text: str | None) -> ArxivId | bool:
    """Whether a venue, note or number says nothing but "arXiv" (`arXiv`, `CoRR`,
    `arXiv preprint`, `arXiv:2501.19393 [cs]`, `arXiv preprint arXiv:2505.22148`): the id
    it names, True when it names none, False when the text says something else."""
    if not text or len(text) > 200:
        return False
    m = _ARXIV_REFERENCE_RE.match(text)
    if m is None or not m.group().strip():
        return False
    if m["id"]:
        return parse_arxiv_id(m["id"]) or False
    return True


ARXIV_FIELDS: tuple[str, ...] = ("eprint", "doi", "url", "journal", "journaltitle", "number")
ARXIV_FIELDS += ("note", "volume")
ARXIV_FIELDS += ("howpublished", "publisher", "eid", "pages")
"""Where an entry may spell its arXiv id, in the order trusted."""
_ARCHIVE_FIELDS = ("archiveprefix", "eprinttype")


def arxiv_in_fields(fields: Mapping[str, str]) -> tuple[ArxivId, str] | None:
    """The arXiv id an entry gives in any of its fields (names in lower case), and the
    field it came from: `eprint` (unless `archivePrefix`/`eprinttype` names another
    archive), a `10.48550/arXiv.ID` DOI, an abs/pdf URL, or a field that is nothing but an
    arXiv reference (`journal = {arXiv:2501.19393 [cs]}`, `number = {arXiv:…}`,
    `journal = {CoRR}, volume = {abs/1706.03762}`)."""
    archive = next((fields[f] for f in _ARCHIVE_FIELDS if fields.get(f)), "arxiv")
    for name in ARXIV_FIELDS:
        value = fields.get(name)
        if not value:
            continue
        if name == "eprint":
            found = parse_arxiv_id(value) if archive.strip().lower() == "arxiv" else None
        elif name in ("doi", "url"):
            found = parse_arxiv_id(value)
        else:
            ref = arxiv_reference(value)
            found = ref if isinstance(ref, ArxivId) else None
        if found is not None:
            return found, name
    return None


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
    """The family name of a display name: `Sara Vera Marjanović`, `Chen, Xingyu`, `Ada B.
    Tester Jr.` (Tester), `Jan van der Berg` (Berg) — BibTeX's Last part
    (`names.parse_display_name`)."""
    from .names import parse_display_name

    return parse_display_name(name.strip().strip("{}")).family


def base_key(authors: Sequence[str], year: int | None, title: str) -> str:
    """`{firstauthor}{year}{firstcontentword}`, lowercase ASCII: the house key style."""
    return house_key(surname(authors[0]) if authors else "", year, title)


def house_key(family: str, year: int | None, title: str) -> str:
    """`base_key` from the first author's family name itself."""
    author = _slug(family)
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
