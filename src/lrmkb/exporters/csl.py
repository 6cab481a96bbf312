"""CSL-JSON (the Citation Style Language data schema, version 1.0.2), as pandoc --citeproc,
Zotero and citeproc-js read it. `id` is the citation key, the same as in the BibTeX export.

Types and variables follow the schema (csl-data.json): a book is a `book`, a chapter a
`chapter`, a conference paper a `paper-conference`, an arXiv preprint an `article` (the
schema's type for preprints and working papers) with `publisher` arXiv and `number`
arXiv:ID… Names are the schema's name objects (`family`, `given`,
`non-dropping-particle`, `suffix`, or `literal`), from BibTeX's name parts. TeX math in
a title becomes readable text (`texmath`). A paper imported from BibTeX also gives its
other fields (series, address, edition, number, month, ISBN…) from their Unicode
reading."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..citation import arxiv_of, arxiv_url, citation_keys, date_parts, is_arxiv_venue, venue_of
from ..names import Name
from ..records import BibPaper, Paper
from ..texmath import math_to_text
from .bibtex import Role, names_of
from .json import json_array

if TYPE_CHECKING:
    from . import ExportData, Options

# BibTeX / BibLaTeX entry type → CSL type (as pandoc's and Better BibTeX's mappings).
CSL_TYPE = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "collection": "book",
    "mvcollection": "book",
    "proceedings": "book",
    "mvproceedings": "book",
    "reference": "book",
    "mvreference": "book",
    "manual": "book",
    "inbook": "chapter",
    "bookinbook": "chapter",
    "incollection": "chapter",
    "suppbook": "chapter",
    "suppcollection": "chapter",
    "inreference": "entry-encyclopedia",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "booklet": "pamphlet",
    "unpublished": "manuscript",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "patent": "patent",
    "dataset": "dataset",
    "software": "software",
    "periodical": "periodical",
    "suppperiodical": "article-journal",
}
NEEDS_CONTAINER = frozenset(["article-journal", "chapter", "paper-conference"])
_GENRE = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}
_MONTHS = {
    m: n
    for n, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
# CSL variable ← fields of the entry (Unicode readings), first found
_TEXT_VARIABLES = {
    "collection-title": ("series",),
    "publisher-place": ("location", "address"),
    "edition": ("edition",),
    "ISBN": ("isbn",),
    "ISSN": ("issn",),
    "language": ("langid", "language"),
}


def render(data: ExportData, options: Options) -> Iterator[str]:
    """The selected papers as a CSL-JSON array (as `json.dumps(items, indent=2)` writes
    it), an item at a time as the papers are read."""
    keys = citation_keys(data.keys)
    yield from json_array((item(p, keys[p["key"]]) for p in data.papers), "")
    yield "\n"


def item(paper: BibPaper, key: str) -> dict[str, Any]:
    """One CSL item; empty fields are left out, as the schema expects."""
    fields = field_texts(paper)
    venue = venue_of(paper)
    arxiv = arxiv_of(paper)
    preprint = bool(arxiv) and (not venue or is_arxiv_venue(venue))
    csl_type = _type(paper, venue, preprint)
    data: dict[str, Any] = {
        "id": key,
        "type": csl_type,
        "title": math_to_text(paper["title"]),
        "author": [_name(n, display) for n, display in _people(paper, "author")],
        "editor": [_name(n, display) for n, display in _people(paper, "editor")],
    }
    if parts := _issued(paper, fields):
        data["issued"] = {"date-parts": [parts]}
    if preprint:
        data["publisher"] = "arXiv"
        data["number"] = f"arXiv:{arxiv}"
    elif venue and not is_arxiv_venue(venue):
        data["container-title"] = math_to_text(venue)
    if csl_type == "thesis":
        data["genre"] = fields.get("type") or _GENRE.get(paper.get("entry_type") or "")
        data["publisher"] = fields.get("school") or fields.get("institution")
    elif csl_type == "report":
        data["genre"] = fields.get("type")
        data["publisher"] = paper.get("publisher") or fields.get("institution")
    number = paper.get("number")
    if number and "number" not in data:
        data["issue" if csl_type in ("article-journal", "periodical") else "number"] = number
    for csl, value in (
        ("volume", paper.get("volume")),
        ("publisher", paper.get("publisher")),
        ("note", paper.get("note")),
    ):
        if value and not data.get(csl):
            data[csl] = value
    for csl, names in _TEXT_VARIABLES.items():
        data[csl] = next((fields[n] for n in names if fields.get(n)), None)
    if pages := paper.get("pages"):
        data["page"] = pages.replace("–", "-").replace("—", "-")
    if paper.get("doi"):
        data["DOI"] = paper["doi"]
    url = paper.get("url") or (arxiv_url(arxiv) if arxiv else None)
    if url:
        data["URL"] = url
    if paper.get("abstract"):
        data["abstract"] = paper["abstract"]
    if paper["tags"]:
        data["keyword"] = ", ".join(paper["tags"])
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def field_texts(paper: BibPaper) -> dict[str, str]:
    """An imported paper's fields by lower-case name, as Unicode (empty for others)."""
    return {
        f["name"].lower(): f["text"] if f["text"] is not None else f["value"]
        for f in paper["fields"]
    }


def _type(paper: Paper, venue: str | None, preprint: bool) -> str:
    if preprint:
        return "article"  # CSL's type for preprints and working papers
    entry_type = (paper.get("entry_type") or "misc").lower()
    csl_type = CSL_TYPE.get(entry_type)
    if csl_type and (venue or csl_type not in NEEDS_CONTAINER):
        return csl_type
    return "webpage" if paper.get("url") else "document"


def _people(paper: Paper, role: Role) -> list[tuple[Name, str | None]]:
    """(Name, the display name when the name has no stored structure)."""
    structured = role == "editor" or bool(paper.get("author_names"))
    displays = [] if structured else paper.get("authors") or []
    names = names_of(paper, role)
    return [(n, displays[i] if i < len(displays) else None) for i, n in enumerate(names)]


def _name(name: Name, display: str | None) -> dict[str, str]:
    """A CSL name object. A one-word name known only as a display string (`DeepSeek-AI`)
    is an organisation: `literal`."""
    data = name.csl()
    if display is not None and set(data) == {"family"}:
        return {"literal": display}
    return data


def _issued(paper: Paper, fields: Mapping[str, str]) -> list[int]:
    """[year, month, day] as far as known: a BibLaTeX `date`, else the year and `month`
    of the entry, else the year with arXiv's date (`citation.date_parts`)."""
    date = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", fields.get("date", ""))
    if date and (paper.get("year") in (None, int(date[1]))):
        return [int(p) for p in date.groups() if p]
    month = _month(fields.get("month", ""))
    if (year := paper.get("year")) and month:
        return [year, month]
    return date_parts(paper)


def _month(text: str) -> int | None:
    text = text.strip().lower()
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    return _MONTHS.get(text[:3])
