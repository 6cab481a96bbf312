"""BibTeX (for bibtex + natbib) and BibLaTeX (for biber) entries.

arXiv ids always go to the eprint fields (`eprint` + `archivePrefix` + `primaryClass` for
BibTeX, `eprint` + `eprinttype` + `eprintclass` for BibLaTeX), never to `journal`; a venue
that only names an arXiv id is dropped and the entry becomes `@misc`. `CoRR` stays a
journal the DBLP way (`volume = {abs/ID}`), which plain.bst prints without a warning."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from ..citation import arxiv_of, arxiv_url, citation_keys, date_parts, venue_of
from ..latexencode import name_to_latex, pages_to_latex, title_to_latex, to_latex
from ..records import Paper

if TYPE_CHECKING:
    from . import ExportData, Options

Dialect = Literal["bibtex", "biblatex"]

# Where each entry type keeps its venue (BibLaTeX names in the second table).
VENUE_FIELD = {
    "article": "journal",
    "inproceedings": "booktitle",
    "conference": "booktitle",
    "incollection": "booktitle",
    "inbook": "booktitle",
    "phdthesis": "school",
    "mastersthesis": "school",
    "techreport": "institution",
}
BIBLATEX_FIELD = {"journal": "journaltitle", "school": "institution"}
# Types whose standard styles require the venue: without one, the entry is a @misc.
NEEDS_VENUE = {"article", "inproceedings", "conference", "incollection", "inbook"}


def render(data: ExportData, options: Options) -> str:
    """The selected papers as BibTeX, or BibLaTeX with `options.variant == "biblatex"`."""
    return entries(data.papers, "biblatex" if options.variant == "biblatex" else "bibtex")


def entries(papers: Iterable[Paper], dialect: Dialect = "bibtex") -> str:
    """All entries, in the order given, separated by blank lines."""
    papers = list(papers)
    keys = citation_keys(p["key"] for p in papers)
    return "\n".join(entry(p, keys[p["key"]], dialect) for p in papers)


def entry(paper: Paper, key: str, dialect: Dialect = "bibtex") -> str:
    entry_type, fields = _fields(paper, dialect)
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields if value)
    return f"@{entry_type}{{{key},\n{body}}}\n"


def _fields(paper: Paper, dialect: Dialect) -> tuple[str, list[tuple[str, str]]]:
    entry_type = (paper.get("entry_type") or "misc").lower()
    venue = venue_of(paper)
    if entry_type in NEEDS_VENUE and not venue:
        entry_type = "misc"
    venue_field = VENUE_FIELD.get(entry_type, "howpublished")
    arxiv = arxiv_of(paper)
    volume = paper.get("volume")
    if arxiv and not volume and entry_type == "article" and (venue or "").lower() == "corr":
        volume = f"abs/{arxiv}"
    authors = [name_to_latex(a) for a in paper.get("authors") or []]
    if paper.get("authors_more"):
        authors.append("others")
    fields = [
        ("author", " and ".join(authors)),
        ("title", title_to_latex(paper["title"], paper.get("title_latex"))),
    ]
    if dialect == "biblatex":
        fields.append(("date", "-".join(f"{n:02d}" for n in date_parts(paper))))
        venue_field = BIBLATEX_FIELD.get(venue_field, venue_field)
    else:
        fields.append(("year", str(paper["year"]) if paper.get("year") else ""))
    fields += [
        (venue_field, to_latex(venue) if venue else ""),
        ("volume", to_latex(volume) if volume else ""),
        ("pages", pages_to_latex(pages) if (pages := paper.get("pages")) else ""),
        ("publisher", to_latex(publisher) if (publisher := paper.get("publisher")) else ""),
        ("note", to_latex(note) if (note := paper.get("note")) else ""),
        ("doi", verbatim(doi) if (doi := paper.get("doi")) else ""),
    ]
    fields += _eprint(paper, dialect)
    url = paper.get("url") or (arxiv_url(arxiv) if arxiv and dialect == "bibtex" else None)
    fields.append(("url", verbatim(url) if url else ""))
    return entry_type, fields


def _eprint(paper: Paper, dialect: Dialect) -> list[tuple[str, str]]:
    arxiv = arxiv_of(paper)
    if not arxiv:
        return []
    category = paper.get("primary_category") or ""
    if dialect == "biblatex":
        return [("eprint", arxiv), ("eprinttype", "arxiv"), ("eprintclass", category)]
    return [("eprint", arxiv), ("archivePrefix", "arXiv"), ("primaryClass", category)]


def verbatim(value: str) -> str:
    """A URL or DOI as written: styles typeset these verbatim (url.sty and hyperref read
    `%` and `#` in `\\url{…}` as they are, biber treats them as verbatim fields); only
    braces and spaces, which would break the .bib itself, are percent-encoded."""
    return value.replace(" ", "%20").replace("{", "%7B").replace("}", "%7D")
