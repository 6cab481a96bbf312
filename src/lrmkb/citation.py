"""How a paper is cited: its author-year label (`Zhang et al., 2025a`, the one
implementation every command and export uses), a citation key every processor accepts,
and what a reference shows — is it an arXiv preprint, where it lives on the web, when it
appeared, its venue."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import urlsplit

from .ids import letters, parse_arxiv_id, surname, unique_key
from .records import Paper

# Venues that only say "this is on arXiv": the id goes to eprint fields, never to `journal`.
_ARXIV_VENUE_RE = re.compile(r"^(arxiv(\s+preprint)?(\s+arxiv:\s*\S+)?|preprint|corr)$", re.I)
# A citation key every BibTeX, biber and pandoc reads: what lrmkb's own keys are made of.
UNSAFE_KEY_RE = re.compile(r"[^A-Za-z0-9_:.+/-]")


def is_arxiv_venue(venue: str | None) -> bool:
    """True for `CoRR`, `Preprint`, `arXiv preprint arXiv:2512.17901` and the like."""
    return venue is not None and bool(_ARXIV_VENUE_RE.match(venue.strip()))


def names_arxiv_id(venue: str | None) -> bool:
    """True for the Google Scholar habit `arXiv preprint arXiv:…`: a venue that is an id."""
    return venue is not None and is_arxiv_venue(venue) and "arxiv" in venue.lower()


def arxiv_of(paper: Paper) -> str | None:
    """The paper's arXiv id — or the one its venue names (`arXiv preprint arXiv:2512.19673`),
    so that dropping such a venue never loses the id."""
    if arxiv_id := paper.get("arxiv_id"):
        return arxiv_id
    venue = paper.get("venue") or ""
    found = parse_arxiv_id(venue.split(":")[-1]) if names_arxiv_id(venue) else None
    return found.id if found else None


def arxiv_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def doi_url(doi: str) -> str:
    return f"https://doi.org/{doi}"


def is_url(text: str | None) -> bool:
    """An absolute http(s) link with a host and no spaces."""
    if not text or any(c.isspace() for c in text):
        return False
    parts = urlsplit(text)
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and "." in parts.netloc


def month_of(paper: Paper) -> str | None:
    """`2025-01` from a new-style arXiv id (YYMM), else from the published date."""
    if arxiv_id := paper.get("arxiv_id"):
        m = re.match(r"^(\d{2})(\d{2})\.\d+$", arxiv_id) or re.search(
            r"/(\d{2})(\d{2})\d+$", arxiv_id
        )
        if m:
            century = "19" if int(m[1]) >= 91 else "20"
            return f"{century}{m[1]}-{m[2]}"
    published = paper.get("published") or ""
    if re.match(r"^\d{4}-\d{2}", published):
        return published[:7]
    return None


def date_parts(paper: Paper) -> list[int]:
    """[year, month, day] as far as known; the published date only when it agrees with the
    year (the survey's year is the citation year, arXiv's date may be the first version)."""
    year = paper.get("year")
    published = paper.get("published") or ""
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", published)
    if m and (year is None or int(m[1]) == year):
        return [int(m[1]), int(m[2]), int(m[3])]
    return [year] if year else []


def citation_keys(keys: Iterable[str]) -> dict[str, str]:
    """Each stored key → a key every citation processor accepts, all distinct."""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for key in sorted(keys):
        safe = UNSAFE_KEY_RE.sub("-", ascii_key(key)) or "paper"
        safe = unique_key(safe, lambda k: k.lower() in taken)
        taken.add(safe.lower())
        result[key] = safe
    return result


def ascii_key(key: str) -> str:
    return unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()


def who(authors: Sequence[str], more: bool) -> str:
    """The author part of a label: `Yue`, `Baek and Tegmark`, `Chen et al.` (three or more
    authors, or a list that ended in "and others")."""
    first = _surname(authors[0]) if authors else "Anonymous"
    if len(authors) <= 1 and not more:
        return first
    if len(authors) == 2 and not more:
        return f"{first} and {_surname(authors[1])}"
    return f"{first} et al."  # only the names a label shows are parsed: one or two


def author_year_labels(papers: Iterable[Paper]) -> dict[str, str]:
    """Key → label (`Ward et al., 2025b`) for each of `papers`, as natbib's author-year
    styles letter it and as the survey prints it: papers whose labels would read the same
    are lettered a, b, … in the order of the reference list, which sorts them by their
    full author lists (each name `Surname Given`, ASCII-folded, case-folded), then by
    title. Papers of the survey's own reference list (`survey_ref`) come first, so a
    paper added later never changes a letter the survey gave (without it, the same
    order: `tests/test_citation_labels.py` checks all 128 against the survey's text). A
    paper without a year is `Ward et al.` (`Ward et al., n.d.-a` when lettered).

    Letters depend on which papers are compared: give all that could share a label
    (`queries.citation_labels` does)."""
    groups: dict[tuple[str, int | None], list[Paper]] = {}
    for paper in papers:
        name = who(paper["authors"], paper["authors_more"])
        groups.setdefault((name, paper["year"]), []).append(paper)
    labels = {}
    for (name, year), group in groups.items():
        if len(group) > 1:  # a label no other paper has needs no letter, nor an order
            group.sort(key=_reference_order)
        for index, paper in enumerate(group):
            letter = letters(index) if len(group) > 1 else ""
            date = str(year) if year else ("n.d.-" if letter else "")
            labels[paper["key"]] = f"{name}, {date}{letter}" if date else name
    return labels


def _reference_order(paper: Paper) -> tuple[bool, str, str, str]:
    names = " ".join(map(_surname_first, paper["authors"]))
    not_in_survey = paper.get("survey_ref") is None
    return (not_in_survey, ascii_key(names).lower(), paper["title"].lower(), paper["key"])


_surname = lru_cache(maxsize=1 << 16)(surname)
"""`ids.surname`, once per name: a large library names the same people again and again."""


def _surname_first(name: str) -> str:
    """`Surname Given`: how a reference list sorts a name."""
    last = _surname(name)
    return f"{last} {name.removesuffix(last)}"


def venue_of(paper: Paper) -> str | None:
    """The venue worth printing: none for a venue that merely names an arXiv id."""
    venue = (paper.get("venue") or "").strip()
    return None if not venue or names_arxiv_id(venue) else venue
