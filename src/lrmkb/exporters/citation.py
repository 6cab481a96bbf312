"""What every export format needs to know about a paper: is it an arXiv preprint, where it
lives on the web, when it appeared, and how a reader cites it (`Zhang et al., 2025a`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from ..ids import parse_arxiv_id, surname, unique_key
from ..queries import author_year

# Venues that only say "this is on arXiv": the id goes to eprint fields, never to `journal`.
_ARXIV_VENUE_RE = re.compile(r"^(arxiv(\s+preprint)?(\s+arxiv:\s*\S+)?|preprint|corr)$", re.I)
# A citation key every BibTeX, biber and pandoc reads: what lrmkb's own keys are made of.
_SAFE_KEY_RE = re.compile(r"[^A-Za-z0-9_:.+/-]")


def is_arxiv_venue(venue: str | None) -> bool:
    """True for `CoRR`, `Preprint`, `arXiv preprint arXiv:2512.17901` and the like."""
    return bool(venue) and bool(_ARXIV_VENUE_RE.match(venue.strip()))


def names_arxiv_id(venue: str | None) -> bool:
    """True for the Google Scholar habit `arXiv preprint arXiv:…`: a venue that is an id."""
    return bool(venue) and is_arxiv_venue(venue) and "arxiv" in venue.lower()


def arxiv_of(paper: dict[str, Any]) -> str | None:
    """The paper's arXiv id — or the one its venue names (`arXiv preprint arXiv:2512.19673`),
    so that dropping such a venue never loses the id."""
    if paper.get("arxiv_id"):
        return paper["arxiv_id"]
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


def month_of(paper: dict[str, Any]) -> str | None:
    """`2025-01` from a new-style arXiv id (YYMM), else from the published date."""
    if paper.get("arxiv_id"):
        m = re.match(r"^(\d{2})(\d{2})\.\d+$", paper["arxiv_id"]) or re.search(
            r"/(\d{2})(\d{2})\d+$", paper["arxiv_id"]
        )
        if m:
            century = "19" if int(m[1]) >= 91 else "20"
            return f"{century}{m[1]}-{m[2]}"
    published = paper.get("published") or ""
    if re.match(r"^\d{4}-\d{2}", published):
        return published[:7]
    return None


def date_parts(paper: dict[str, Any]) -> list[int]:
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
        safe = _SAFE_KEY_RE.sub("-", ascii_key(key)) or "paper"
        safe = unique_key(safe, lambda k: k.lower() in taken)
        taken.add(safe.lower())
        result[key] = safe
    return result


def ascii_key(key: str) -> str:
    return unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()


def author_year_labels(papers: Iterable[dict[str, Any]]) -> dict[str, str]:
    """`Zhang et al., 2025a` / `Zhang et al., 2025b`: a label per key, told apart the way
    natbib does when two papers would read the same — in the order of their full author
    lists, then titles (so the whole survey gets exactly the survey's own suffixes)."""
    by_label: dict[str, list[dict[str, Any]]] = {}
    for paper in papers:
        label = author_year(paper["authors"], paper["authors_more"], paper["year"])
        by_label.setdefault(label, []).append(paper)
    labels = {}
    for label, group in by_label.items():
        for index, paper in enumerate(sorted(group, key=_bibliography_order)):
            labels[paper["key"]] = label + (_suffix(index) if len(group) > 1 else "")
    return labels


def _bibliography_order(paper: dict[str, Any]) -> tuple[str, str, str]:
    names = " ".join(
        f"{surname(name)} {name.removesuffix(surname(name))}" for name in paper["authors"]
    )
    return (ascii_key(names).lower(), paper["title"].lower(), paper["key"])


def _suffix(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def venue_of(paper: dict[str, Any]) -> str | None:
    """The venue worth printing: none for a venue that merely names an arXiv id."""
    venue = (paper.get("venue") or "").strip()
    return None if not venue or names_arxiv_id(venue) else venue
