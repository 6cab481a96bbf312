"""The shapes of the data lrmkb passes between its modules: the rows the read API returns
(`Paper`, `PaperRecord`, `Node`, `Finding`) and the `Record`s a source hands to the store.

Column names and meanings are those of `models.py` (the schema); a test checks that
`Paper` has exactly the `paper` table's columns, in order. JSON lists stored as text
(`JSON_LIST_FIELDS`) are Python lists here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypedDict


class Paper(TypedDict, total=False):
    """A paper's columns (all but `id`, in table order). A row of the read API
    (`queries.paper_dict`) has every one of them; a source's `Record` has those it knows.
    Names are `First Last`, in order; `authors_more` when the list ended in "and others"."""

    key: str  # the citation key (house style `{firstauthor}{year}{firstcontentword}`)
    title: str
    title_latex: str | None  # the title with its case-protecting braces, for export
    authors: list[str]
    authors_more: bool
    year: int | None
    venue: str | None
    entry_type: str | None  # BibTeX entry type, lower case (`misc` when stored without)
    volume: str | None
    pages: str | None
    publisher: str | None
    note: str | None
    arxiv_id: str | None  # canonical, without version (`ids.parse_arxiv_id`)
    arxiv_version: int | None
    doi: str | None  # lower case, no resolver prefix (`ids.parse_doi`)
    url: str | None
    code_url: str | None
    short_name: str | None
    abstract: str | None
    primary_category: str | None  # arXiv subject class, e.g. cs.CL
    categories: list[str]  # every arXiv subject class
    published: str | None  # ISO date of the first arXiv version
    source: str  # survey | arxiv | bibtex | manual: where the record came from
    id_source: str | None  # where the arXiv id came from when not the source itself
    created: str  # ISO 8601 UTC timestamps
    updated: str
    survey_title: str | None  # the title as the survey's reference list renders it
    survey_role: str | None  # survey (the survey itself) | reference (in its list)
    survey_ref: int | None  # entry number in the survey's reference list, as printed
    survey_page: int | None  # PDF page of that entry
    other_short_names: list[str]  # short names used elsewhere (the awesome list)
    author_names: list[dict[str, str]]  # CSL name objects (`names.Name.csl`); [] = see authors
    editor_names: list[dict[str, str]]  # CSL name objects of the editors
    number: str | None  # issue or report number
    first_family: str | None  # dedupe: the first author's folded family name
    title_key: str | None  # dedupe: the normalised title (`dedupe.normalise_title`)


class NodeRef(TypedDict):
    """A node a paper is filed under."""

    code: str
    title: str
    kind: str


class PaperFinding(TypedDict):
    """A finding about a paper, and where the paper stands on it."""

    id: str  # the finding's slug, e.g. 4.3.1-claim-2
    kind: str  # takeaway | claim
    node: str
    stance: str  # supports | contradicts | mentions
    text: str
    source: str  # survey | paper (what only the cited paper says)
    debate: str | None  # the disputed question, when the finding sets sides
    survey_page: int | None


class BibField(TypedDict):
    """A field of an imported entry as written (`paper_field`): the name as written, the
    LaTeX value (no enclosing braces), written bare (a number, a month macro), and its
    Unicode reading (None: the value itself)."""

    name: str
    value: str
    bare: bool
    text: str | None


class BibParts(TypedDict):
    """What a bibliography export needs beside a paper's columns (`queries.bib_parts`)."""

    fields: list[BibField]  # its .bib entry's fields as written, in order ([]: not imported)
    aliases: list[str]  # its other keys (a merged entry's, an old key after `rename`)


class BibPaper(Paper, BibParts):
    """A paper as the BibTeX and CSL-JSON exports get it (`queries.bibliography`)."""

    tags: list[str]


class PaperRecord(BibPaper):
    """Everything known about a paper (`queries.paper_record`): its columns, its fields as
    written and aliases, its label, the nodes it is filed under, the findings about it,
    its tags, the user's notes."""

    cite: str  # author-year label, e.g. Ward et al., 2025b
    nodes: list[NodeRef]
    findings: list[PaperFinding]
    notes: str | None  # the user's notes on it (Markdown)


class PaperView(PaperRecord, total=False):
    """A `PaperRecord` as `lrmkb show` gives it: with its links and its edit log."""

    links: dict[str, str]  # kind (abs, pdf, doi, url, code) → URL
    edits: list[dict[str, Any]]  # `editing.history`: field, old, new, via, who, at


class Node(TypedDict):
    """A taxonomy node in reading order (`queries.taxonomy`)."""

    code: str
    title: str
    kind: str  # dimension | appendix | section | question
    position: int
    summary: str
    parent: str | None  # the parent's code
    survey_heading: str | None
    figure_heading: str | None
    survey_page: int | None
    own_papers: int  # filed under this node itself
    papers: int  # filed under it or any node below
    depth: int  # 0 for a dimension


class Evidence(TypedDict):
    """A paper behind a finding."""

    key: str
    stance: str
    cite: str
    short_name: str | None


class SurveyPlace(TypedDict):
    """Where a finding is in the survey."""

    order: int
    section: str
    heading: str | None
    page: int | None


class FindingText(TypedDict):
    """What every view of a takeaway or claim carries: where it is, what it says, and
    whether the survey or only the cited paper says it (`source`)."""

    id: str
    kind: str
    node: str
    node_title: str
    text: str
    source: str
    survey: SurveyPlace


class Finding(FindingText):
    """A takeaway or claim with its evidence (`queries.findings`)."""

    debate: str | None
    papers: list[Evidence]


PAPER_FIELDS: tuple[str, ...] = tuple(Paper.__annotations__)
"""The `paper` table's columns but `id`, in table order."""
JSON_LIST_FIELDS = ("authors", "categories", "other_short_names", "author_names", "editor_names")
"""Columns that hold a JSON list as text (a list in `Paper`)."""
SURVEY_FIELDS = ("survey_title", "survey_role", "survey_ref", "survey_page")
"""Where a paper sits in the survey lrmkb is built from (set by the seeds only)."""


class WrittenField(NamedTuple):
    """A field of a .bib entry as the user wrote it (`paper_field`): the name as written,
    the LaTeX value (macros and `#` evaluated, no enclosing braces), whether it is written
    bare (a number, a month macro), and its Unicode reading (None: the value itself)."""

    name: str
    value: str
    bare: bool
    text: str | None


@dataclass(slots=True)
class Record:
    """One paper from a source, for `ingest.ingest`. `source` says where it came from in
    the user's terms (`arxiv:2505.22148`, `refs.bib:12`); `origin` is what the paper's
    `source` column will say (arxiv, bibtex, …); `extra` is echoed in the report (a
    BibTeX entry's line and key). A BibTeX entry also brings its own citation `key`
    (kept), every field as written (`written`, exported back), the tags of its
    `keywords`, and `notes` for the report (a line decoded alone…)."""

    source: str
    origin: str
    fields: Paper
    extra: dict[str, Any] = field(default_factory=dict)
    suggested: tuple[str, ...] = ()  # node codes to file it under when no section is given
    key: str | None = None
    written: list[WrittenField] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Failure:
    """An item of a source that cannot be used, and why (reported, never written)."""

    source: str
    reason: str
    extra: dict[str, Any] = field(default_factory=dict)
