"""The schema, declared once as SQLModel tables: what each column is and holds. lrmkb
reads and writes in plain SQL through `store.Database` and never imports this module at
run time; `migrations.py` creates these tables, and a test checks that the migrated
database and these classes agree."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Paper(SQLModel, table=True):
    __tablename__ = "paper"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    title: str
    title_latex: str | None = None  # the title with its case-protecting braces, for export
    authors: str = "[]"  # JSON list of "First Last", in order
    authors_more: bool = False  # the source said "and others"
    year: int | None = None
    venue: str | None = None
    entry_type: str = "misc"
    volume: str | None = None
    pages: str | None = None
    publisher: str | None = None
    note: str | None = None
    arxiv_id: str | None = Field(default=None, index=True)
    arxiv_version: int | None = None
    doi: str | None = Field(default=None, index=True)
    url: str | None = None
    code_url: str | None = None
    short_name: str | None = None
    abstract: str | None = None
    primary_category: str | None = None
    categories: str | None = None  # JSON list
    published: str | None = None  # ISO date
    source: str = "manual"  # survey | arxiv | bibtex | manual
    id_source: str | None = None  # where the arXiv id came from when not the source itself
    created: str
    updated: str
    survey_title: str | None = None  # the title as the survey's reference list renders it
    survey_role: str | None = None  # survey (the survey itself) | reference (in its list)
    survey_ref: int | None = None  # entry number in the survey's reference list, as printed
    survey_page: int | None = None  # PDF page of that entry
    other_short_names: str | None = None  # JSON list: short names used elsewhere (awesome list)
    author_names: str | None = None  # JSON list of CSL name objects; NULL: read `authors`
    editor_names: str | None = None  # JSON list of CSL name objects
    number: str | None = None  # issue or report number
    first_family: str | None = Field(default=None, index=True)  # dedupe: folded family name
    title_key: str | None = None  # dedupe: the normalised title


class TaxonomyNode(SQLModel, table=True):
    __tablename__ = "taxonomy_node"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    title: str
    parent_id: int | None = Field(default=None, foreign_key="taxonomy_node.id")
    kind: str  # dimension | appendix | section | question
    position: int = 0
    summary: str = ""
    uncited: bool = False  # the survey cites no paper here on purpose
    survey_heading: str | None = None  # the heading as printed in the text (None: there is none)
    figure_heading: str | None = None  # the wording of Figure 1
    survey_page: int | None = None  # PDF page where the node's text begins
    origin: str = "seeds"  # seeds (the survey's) | user (`lrmkb node add`)


class Finding(SQLModel, table=True):
    __tablename__ = "finding"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True)
    text: str
    node_id: int = Field(foreign_key="taxonomy_node.id")
    kind: str  # takeaway | claim
    survey_order: int = Field(default=0, index=True)  # place in the survey's reading order
    survey_page: int | None = None  # PDF page of the passage
    source: str = "survey"  # survey | paper (states what only the cited paper says)
    debate: str | None = (
        None  # the disputed question, when the finding sets sides against each other
    )


class PaperNode(SQLModel, table=True):
    __tablename__ = "paper_node"

    paper_id: int = Field(foreign_key="paper.id", primary_key=True)
    node_id: int = Field(foreign_key="taxonomy_node.id", primary_key=True)


class FindingPaper(SQLModel, table=True):
    __tablename__ = "finding_paper"

    finding_id: int = Field(foreign_key="finding.id", primary_key=True)
    paper_id: int = Field(foreign_key="paper.id", primary_key=True)
    stance: str = "supports"  # supports | contradicts | mentions


class PaperTag(SQLModel, table=True):
    __tablename__ = "paper_tag"

    paper_id: int = Field(foreign_key="paper.id", primary_key=True)
    tag: str = Field(primary_key=True)


class PaperAlias(SQLModel, table=True):
    """Another citation key that resolves to a paper (merged import, rename, duplicate)."""

    __tablename__ = "paper_alias"

    alias: str = Field(primary_key=True)
    paper_id: int = Field(foreign_key="paper.id", index=True)
    reason: str = ""  # merged | renamed | duplicate reference …


class PaperNote(SQLModel, table=True):
    """The user's Markdown notes on a paper (`lrmkb note`)."""

    __tablename__ = "paper_note"

    paper_id: int = Field(foreign_key="paper.id", primary_key=True)
    text: str
    created: str
    updated: str


class PaperEdit(SQLModel, table=True):
    """One field changed by `lrmkb edit` (via `edit`) or `lrmkb db update` (via `update`):
    values as JSON, so that a cleared field (null) differs from an empty one."""

    __tablename__ = "paper_edit"

    id: int | None = Field(default=None, primary_key=True)
    paper_id: int = Field(foreign_key="paper.id")
    field: str
    old_value: str | None = None
    new_value: str | None = None
    via: str  # edit | update
    who: str  # the login name of the user, or `survey RELEASE`
    at: str


class SurveyRelease(SQLModel, table=True):
    """The one survey release the database holds (`lrmkb stats`, `lrmkb db update`)."""

    __tablename__ = "survey_release"

    id: int | None = Field(default=None, primary_key=True)  # always 1
    release: str
    built: str
    applied: str


class SurveyBase(SQLModel, table=True):
    """Each survey paper as the held release gave it (JSON): `db update`'s merge base."""

    __tablename__ = "survey_base"

    key: str = Field(primary_key=True)
    record: str


class WatchQuery(SQLModel, table=True):
    """A node's saved arXiv search (arXiv's own syntax) and where its runs got to."""

    __tablename__ = "watch_query"

    node_id: int = Field(foreign_key="taxonomy_node.id", primary_key=True)
    query: str
    origin: str = "user"  # seeds | user
    last_run: str | None = None  # when its last complete run started (UTC timestamp)
    newest: str | None = None  # newest submission date it has seen (YYYY-MM-DD)
    resume_start: int | None = None  # an interrupted run: position of its next page,
    resume_stop: str | None = None  # the submission date it goes back to,
    resume_newest: str | None = None  # and the newest date it had seen


class WatchRun(SQLModel, table=True):
    """One `lrmkb watch run`; `finished` stays empty while it is running or was killed."""

    __tablename__ = "watch_run"

    id: int | None = Field(default=None, primary_key=True)
    started: str
    since: str | None = None  # the --since it was run with (a resumed run keeps it)
    finished: str | None = None
    codes: str | None = None  # JSON list of the codes it set out to run; NULL: every search


class InboxItem(SQLModel, table=True):
    """A paper a watch query found, waiting for (or after) the user's decision."""

    __tablename__ = "inbox"

    id: int | None = Field(default=None, primary_key=True)
    arxiv_id: str = Field(unique=True)  # without version
    title: str
    published: str  # first submission date (YYYY-MM-DD)
    record: str  # JSON: arXiv's metadata (importers.arxiv.entry_fields)
    found_by: str = "[]"  # JSON list of {code, query, terms}
    suggestions: str = "[]"  # JSON: the classifier's top 3 [{code, title, score}]
    score: float = 0.0  # the best suggestion's score
    node_code: str | None = None  # the best suggestion's node
    status: str = Field(default="waiting", index=True)  # waiting | accepted | rejected
    found: str  # when a run first put it here (UTC timestamp)
    decided: str | None = None  # when it was accepted or rejected
    paper_key: str | None = None  # the paper it became


class PaperField(SQLModel, table=True):
    """A field of an imported BibTeX entry as written (macros and `#` evaluated), in order,
    beside its Unicode reading: what export writes back."""

    __tablename__ = "paper_field"

    paper_id: int = Field(foreign_key="paper.id", primary_key=True)
    position: int = Field(primary_key=True)
    name: str  # as written: `journal`, `date-added`, `Keywords`
    value: str  # LaTeX, without the enclosing {} or ""
    bare: bool = False  # written without delimiters: a number or a month macro (`jan`)
    text: str | None = None  # the Unicode reading; NULL when the same as `value`
