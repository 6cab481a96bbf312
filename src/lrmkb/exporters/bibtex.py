"""BibTeX (for bibtex + natbib) and BibLaTeX (for biber) entries.

A paper imported from a .bib file is written back as the user wrote it: its fields in
their order, its LaTeX as written (`paper["fields"]`, from `paper_field`), month macros
bare — with three changes: `keywords` follows the paper's tags (kept in the user's
spelling while they agree), an arXiv id spelt as a journal (`arXiv:2501.19393 [cs]`)
moves to the eprint fields, and a BibLaTeX export lists the paper's other keys in
`ids`. Fields lrmkb added later (enrichment) are in `paper["fields"]` too.

Other papers (the survey's, arXiv's) are written from their columns: names as
`von Last, Jr, First`, arXiv ids in the eprint fields (`eprint` + `archivePrefix` +
`primaryClass` for BibTeX, `eprint` + `eprinttype` + `eprintclass` for BibLaTeX), never
in `journal`; a venue that only names an arXiv id is dropped and the entry becomes
`@misc`. `CoRR` stays a journal the DBLP way (`volume = {abs/ID}`), which plain.bst
prints without a warning.

Entries are in the order given, except that an entry another one `crossref`s comes after
it (BibTeX needs the parent last): those wait, the others are written as they are read."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from ..citation import arxiv_of, arxiv_url, citation_keys, date_parts, venue_of
from ..ids import arxiv_reference
from ..keywords import keywords_for
from ..latexencode import balance_braces, defuse, pages_to_latex, title_to_latex, to_latex
from ..names import Name, from_csl, parse_display_name
from ..records import BibField, BibPaper, Paper

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
Field = tuple[str, str, bool]  # name, value (LaTeX), bare
Role = Literal["author", "editor"]


def render(data: ExportData, options: Options) -> Iterator[str]:
    """The selected papers as BibTeX, or BibLaTeX with `options.variant == "biblatex"`,
    an entry at a time as the papers are read."""
    dialect: Dialect = "biblatex" if options.variant == "biblatex" else "bibtex"
    return _entries(data.papers, citation_keys(data.keys), data.depths, dialect)


def entries(papers: Iterable[BibPaper], dialect: Dialect = "bibtex") -> str:
    """All entries, parents after the entries that `crossref` them, separated by blank
    lines."""
    papers = list(papers)
    keys = citation_keys(p["key"] for p in papers)
    depths = crossref_depths([(p["key"].lower(), _crossref(p)) for p in papers])
    return "".join(_entries(papers, keys, depths, dialect))


def _entries(
    papers: Iterable[BibPaper], keys: Mapping[str, str], depths: Mapping[str, int], dialect: Dialect
) -> Iterator[str]:
    """Each entry as it comes, except that an entry others `crossref` waits until they are
    written (the deepest parents last); a blank line between entries."""
    parents: list[tuple[int, int, BibPaper]] = []
    first = True
    for position, paper in enumerate(papers):
        if depth := depths.get(paper["key"].lower(), 0):
            parents.append((depth, position, paper))
            continue
        yield ("" if first else "\n") + entry(paper, keys[paper["key"]], dialect)
        first = False
    for _, _, paper in sorted(parents, key=lambda p: (p[0], p[1])):
        yield ("" if first else "\n") + entry(paper, keys[paper["key"]], dialect)
        first = False


def crossref_depths(links: Sequence[tuple[str, str | None]]) -> dict[str, int]:
    """Lower-case key → how many levels of `crossref` lead up to the paper (a book after
    its chapters, a multi-volume work after its volumes, after their chapters), from the
    (lower-case key, its `crossref`) of the papers in their order — at least of every
    paper that has a `crossref` or is named by one. Where two keys differ only in case,
    the later paper's `crossref` continues the chain."""
    by_key = dict(links)
    depth: dict[str, int] = {}
    for key, parent in links:
        seen = {key}
        level = 1
        while parent and parent in by_key and parent not in seen:
            depth[parent] = max(depth.get(parent, 0), level)
            seen.add(parent)
            parent, level = by_key[parent], level + 1
    return depth


def _crossref(paper: BibPaper) -> str | None:
    for f in paper["fields"]:
        if f["name"].lower() == "crossref":
            return str(f["value"]).strip().lower()
    return None


def entry(paper: BibPaper, key: str, dialect: Dialect = "bibtex") -> str:
    if paper["fields"]:
        entry_type, fields = _as_written(paper, dialect)
    else:
        entry_type, fields = _from_columns(paper, dialect)
    body = "".join(
        f"  {name} = {defuse(value) if bare else '{' + defuse(value) + '}'},\n"
        for name, value, bare in fields
    )  # nothing in a field may run when the bibliography is compiled
    return f"@{entry_type}{{{key},\n{body}}}\n"


# --- papers imported from BibTeX -----------------------------------------------------------


def _as_written(paper: BibPaper, dialect: Dialect) -> tuple[str, list[Field]]:
    entry_type = (paper.get("entry_type") or "misc").lower()
    raw = paper["fields"]
    names = {f["name"].lower() for f in raw}
    fields: list[Field] = []
    dropped_venue = False
    for f in raw:
        name, value, bare = f["name"], f["value"], f["bare"]
        lname = name.lower()
        if lname == "keywords":
            value = keywords_for(value, paper["tags"])
            if not value:
                continue
        elif lname in ("journal", "journaltitle") and arxiv_reference(f["text"] or value):
            dropped_venue = True  # an arXiv id is no journal: it goes to the eprint fields
            continue
        elif lname == "ids" and dialect == "biblatex":
            continue  # written below, with every alias
        fields.append((name, value, bare))
    if "keywords" not in names and paper["tags"]:
        fields.append(("keywords", ", ".join(paper["tags"]), False))
    if paper.get("arxiv_id") and "eprint" not in names:
        fields += [(n, v, False) for n, v in _eprint(paper, dialect) if v]
    if dialect == "biblatex" and (aliases := _aliases(paper, raw)):
        fields.append(("ids", ", ".join(aliases), False))
    if dropped_venue and entry_type == "article":
        entry_type = "misc"  # an article without its journal: styles want a @misc
    return entry_type, fields


def _aliases(paper: BibPaper, raw: Sequence[BibField]) -> list[str]:
    """The paper's other keys for BibLaTeX's `ids`: those the entry listed itself, then
    lrmkb's aliases (merged entries' keys), each once."""
    written = next((f["value"] for f in raw if f["name"].lower() == "ids"), "")
    found = [a.strip() for a in str(written).split(",") if a.strip()]
    found += [a for a in paper["aliases"] if a not in found]
    return [a for a in found if a.lower() != paper["key"].lower()]


# --- papers from their columns -------------------------------------------------------------


def _from_columns(paper: BibPaper, dialect: Dialect) -> tuple[str, list[Field]]:
    entry_type = (paper.get("entry_type") or "misc").lower()
    venue = venue_of(paper)
    if entry_type in NEEDS_VENUE and not venue:
        entry_type = "misc"
    venue_field = VENUE_FIELD.get(entry_type, "howpublished")
    arxiv = arxiv_of(paper)
    volume = paper.get("volume")
    if arxiv and not volume and entry_type == "article" and (venue or "").lower() == "corr":
        volume = f"abs/{arxiv}"
    authors = [name_to_bibtex(n) for n in names_of(paper, "author")]
    if paper.get("authors_more"):
        authors.append("others")
    fields: list[tuple[str, str]] = [
        ("author", " and ".join(authors)),
        ("editor", " and ".join(name_to_bibtex(n) for n in names_of(paper, "editor"))),
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
        ("number", to_latex(number) if (number := paper.get("number")) else ""),
        ("pages", pages_to_latex(pages) if (pages := paper.get("pages")) else ""),
        ("publisher", to_latex(publisher) if (publisher := paper.get("publisher")) else ""),
        ("note", to_latex(note) if (note := paper.get("note")) else ""),
        ("doi", verbatim(doi) if (doi := paper.get("doi")) else ""),
    ]
    fields += _eprint(paper, dialect)
    url = paper.get("url") or (arxiv_url(arxiv) if arxiv and dialect == "bibtex" else None)
    fields.append(("url", verbatim(url) if url else ""))
    if paper["tags"]:
        fields.append(("keywords", ", ".join(paper["tags"])))
    if dialect == "biblatex" and paper["aliases"]:
        fields.append(("ids", ", ".join(paper["aliases"])))
    return entry_type, [(name, balance_braces(value), False) for name, value in fields if value]


def names_of(paper: Paper, role: Role) -> list[Name]:
    """A paper's authors (or editors) as `Name`s: from the stored name objects, else from
    the display names (`Jan van der Berg`, `Ada Tester Jr.`)."""
    if role == "editor":
        return [from_csl(n) for n in paper.get("editor_names") or ()]
    if stored := paper.get("author_names"):
        return [from_csl(n) for n in stored]
    return [parse_display_name(a) for a in paper.get("authors") or []]


def name_to_bibtex(name: Name) -> str:
    """One name as BibTeX reads it back unchanged: `von Last, Jr, First`, each part
    escaped; an organisation braced whole."""
    latex = name.map(to_latex)
    if name.literal:
        return latex.bibtex()
    if not (name.first or name.von or name.jr) and (" " in name.last or "," in name.last):
        return f"{{{latex.last}}}"  # one family name of several words: keep it whole
    return latex.bibtex()


def _eprint(paper: Paper, dialect: Dialect) -> list[tuple[str, str]]:
    arxiv = arxiv_of(paper)
    if not arxiv:
        return []
    category = paper.get("primary_category") or ""
    if dialect == "biblatex":
        return [("eprint", arxiv), ("eprinttype", "arxiv"), ("eprintclass", category)]
    return [("eprint", arxiv), ("archivePrefix", "arXiv"), ("primaryClass", category)]


def column_fields(paper: Paper, columns: Iterable[str]) -> list[Field]:
    """BibTeX fields for some columns of a paper, in the form `_from_columns` writes them:
    for the columns enrichment filled (or `lrmkb edit` changed) in a paper kept as
    written. `authors` is the `author` field, `arxiv_id` the eprint fields, `venue` the
    venue field of the entry type."""
    _, fields = _from_columns(BibPaper(**paper, fields=[], aliases=[], tags=[]), "bibtex")
    wanted = {name for c in columns for name in _FIELDS_OF.get(c, (c,))}
    if "venue" in wanted:
        wanted.add(VENUE_FIELD.get((paper.get("entry_type") or "misc").lower(), "howpublished"))
    found = [f for f in fields if f[0] in wanted]
    if "abstract" in wanted and (abstract := paper.get("abstract")):
        found.append(("abstract", to_latex(abstract), False))
    return found


_FIELDS_OF = {
    "authors": ("author",),
    "editor_names": ("editor",),
    "arxiv_id": ("eprint", "archivePrefix", "primaryClass"),
}


def verbatim(value: str) -> str:
    """A URL or DOI as written: styles typeset these verbatim (url.sty and hyperref read
    `%` and `#` in `\\url{…}` as they are, biber treats them as verbatim fields); only
    braces and spaces, which would break the .bib itself, are percent-encoded."""
    return value.replace(" ", "%20").replace("{", "%7B").replace("}", "%7D")
