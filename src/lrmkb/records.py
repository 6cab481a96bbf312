"""The shapes of the data lrmkb passes between its modules: the rows the read API returns
(`Paper`, `PaperRecord`, `Node`, `Finding`) and the `Record`s a source hands to the store.

Column names and meanings are those of `models.py` (the schema); a test checks that
`Paper` has exactly the `paper` table's columns, in order. JSON lists stored as text
(`JSON_LIST_FIELDS`) are Python lists here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict


class PaperFields(TypedDict, total=False):
    """What a source knows about a paper, as `paper` columns (any may be missing):
    names as `First Last`, in order; `authors_more` when the list ended in "and others"."""

    title: str
    title_latex: str | None  # the title with its case-protecting braces, for export
    authors: list[str]
    authors_more: bool
    year: int | None
    venue: str | None
    entry_type: str | None  # BibTeX entry type, lower case
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
    categories: list[str] | None  # every arXiv subject class
    published: str | None  # ISO date of the first arXiv version
    id_source: str | None  # where the arXiv id came from when not the source itself


class Paper(TypedDict):
    """One row of `paper`, as the read API returns it (`queries.paper_dict`)."""

    key: str
    title: str
    title_latex: str | None
    authors: list[str]
    authors_more: bool
    year: int | None
    venue: str | None
    entry_type: str
    volume: str | None
    pages: str | None
    publisher: str | None
    note: str | None
    arxiv_id: str | None
    arxiv_version: int | None
    doi: str | None
    url: str | None
    code_url: str | None
    short_name: str | None
    abstract: str | None
    primary_category: str | None
    categories: list[str]
    published: str | None
    source: str  # survey | arxiv | bibtex | manual: where the record came from
    id_source: str | None
    created: str  # ISO 8601 UTC timestamps
    updated: str
    survey_title: str | None  # the title as the survey's reference list renders it
    survey_role: str | None  # survey (the survey itself) | reference (in its list)
    survey_ref: int | None  # entry number in the survey's reference list, as printed
    survey_page: int | None  # PDF page of that entry
    other_short_names: list[str]  # short names used elsewhere (the awesome list)


PAPER_FIELDS: tuple[str, ...] = tuple(Paper.__annotations__)
"""The `paper` table's columns but `id`, in table order."""
JSON_LIST_FIELDS = ("authors", "categories", "other_short_names")
"""Columns that hold a JSON list as text (decoded in `Paper`, `PaperFields`)."""
SURVEY_FIELDS = ("survey_title", "survey_role", "survey_ref", "survey_page")
"""Where a paper sits in the survey lrmkb is built from (set by the seeds only)."""


@dataclass(slots=True)
class Record:
    """One paper from a source, for `ingest.ingest`. `source` says where it came from in
    the user's terms (`arxiv:2505.22148`, `refs.bib:12`); `origin` is what the paper's
    `source` column will say (arxiv, bibtex, …); `extra` is echoed in the report (a
    BibTeX entry's line and key)."""

    source: str
    origin: str
    fields: PaperFields
    extra: dict[str, Any] = field(default_factory=dict)
    suggested: tuple[str, ...] = ()  # node codes to file it under when no section is given


@dataclass(slots=True)
class Failure:
    """An item of a source that cannot be used, and why (reported, never written)."""

    source: str
    reason: str
    extra: dict[str, Any] = field(default_factory=dict)
