"""Exports: the knowledge base as text other programs read (BibTeX, BibLaTeX, CSL-JSON,
JSON, Markdown, an awesome list, taxonomy diagrams).

`FORMATS` is the one table of formats. `export()` gathers plain data through `queries`
once (`gather`); each format module has one function, `render(data, options)`, which
yields the text in chunks, pure over that data, so it can be used and tested without a
database. The formats of papers (BibTeX, BibLaTeX, CSL-JSON, JSON) get them as an
iterator that reads the database a batch at a time while the chunks are written, so an
export of 100,000 papers holds a few hundred at once (`bench/scale_bench.py` measures
its peak memory). What formats share (citation labels and keys, links, LaTeX escaping)
lives outside this folder, in `citation.py` and `latexencode.py`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .. import queries
from ..errors import NotFound
from ..records import BibPaper, Finding, Node, PaperRecord

SURVEY_ARXIV_ID = "2601.19928"  # the survey this knowledge base is built from


@dataclass(frozen=True)
class Selection:
    """What to export: sections (with their questions), tags and keys, as a union."""

    sections: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.sections or self.tags or self.keys)

    def as_dict(self) -> dict[str, list[str]]:
        return {"sections": list(self.sections), "tags": list(self.tags), "keys": list(self.keys)}


@dataclass
class ExportData:
    """Everything a format may need, as plain dicts and lists. `papers` and `records`
    are read once, as they are written, by the formats of papers (`Format.reads` is
    "papers" or "records"); the survey's formats get lists."""

    selection: Selection
    keys: Sequence[str]  # the keys of the papers exported, in their order
    papers: Iterable[BibPaper] = ()  # the selected papers, in the order of `keys`
    records: Iterable[PaperRecord] = ()  # the same, whole (`reads` "records" or "survey")
    depths: dict[str, int] = field(default_factory=dict)  # lower-case key → levels of
    # `crossref` below the paper (BibTeX writes a parent after the entries that cite it)
    nodes: list[Node] = field(default_factory=list)  # the taxonomy, reading order
    roots: list[str] = field(default_factory=list)  # codes of the sections to write out
    shown: set[str] = field(default_factory=set)  # codes of every node to show
    picked: set[str] = field(default_factory=set)  # keys chosen by --tag or --key
    findings: list[Finding] = field(default_factory=list)  # findings under `roots`
    library: dict[str, PaperRecord] = field(default_factory=dict)  # every paper cited
    survey: BibPaper | None = None  # the survey's own record, for titles
    since: str | None = None  # awesome: a "What's new" block of papers added since (ISO date)


@dataclass(frozen=True)
class Options:
    """How to write a format: `variant` picks among the formats one module writes
    (`bibtex` or `biblatex`, `mermaid` or `dot`)."""

    variant: str = ""


Render = Callable[[ExportData, Options], Iterable[str]]
Reads = Literal["papers", "records", "survey"]


@dataclass(frozen=True)
class Format:
    """One export format: the module under `exporters/` whose `render(data, options)`
    writes it, the options it gets, the `--output` suffixes that choose it, what it reads
    (`papers` for a bibliography, streamed; `records`, whole records with nodes,
    findings and tags, streamed; `survey`, lists of those and the taxonomy and findings
    around them) and whether it holds the selected papers and nothing else (and, for
    BibTeX, the papers they `crossref`)."""

    name: str
    module: str
    options: Options = Options()
    suffixes: tuple[str, ...] = ()
    reads: Reads = "survey"
    papers_only: bool = False
    parents: bool = False  # BibTeX: the papers a selected one `crossref`s come along

    def render(self, data: ExportData) -> Iterable[str]:
        from importlib import import_module

        renderer: Render = import_module(f"{__name__}.{self.module}").render
        return renderer(data, self.options)


FORMATS = {
    f.name: f
    for f in (
        Format("bib", "bibtex", Options("bibtex"), (".bib",), "papers", True, parents=True),
        Format("biblatex", "bibtex", Options("biblatex"), (), "papers", True, parents=True),
        Format("csl-json", "csl", reads="papers", papers_only=True),
        Format("json", "json", suffixes=(".json",), reads="records", papers_only=True),
        Format("md", "markdown", suffixes=(".md",)),
        Format("awesome", "awesome"),
        Format("mermaid", "diagram", Options("mermaid"), (".mmd",)),
        Format("dot", "diagram", Options("dot"), (".dot", ".gv")),
    )
}
"""Every export format, by the name `--format` takes, in the order `--help` lists them.
(The modules load only when an export runs.)"""
DEFAULT_FORMAT = "bib"


def format_for(name: str | None, output: Path | None) -> Format | None:
    """The format `--format NAME` asks for; without one, the format the `--output`
    suffix names, else BibTeX. None for a name that is no format."""
    if name is None:
        suffix = output.suffix.lower() if output else ""
        return next((f for f in FORMATS.values() if suffix in f.suffixes), FORMATS[DEFAULT_FORMAT])
    return FORMATS.get(name)


def export(
    db: sqlite3.Connection, fmt: Format, selection: Selection, since: str | None = None
) -> tuple[Generator[str, None, None], int]:
    """The text of the export, in chunks to write as they come, and the number of papers
    in it. `since` (an ISO date) gives the awesome list a "What's new" block of the
    papers added since then. Everything is read in one snapshot of the database (a read
    transaction, ended when the chunks are all written or the iterator is closed), so a
    writer meanwhile changes nothing in the file."""
    db.execute("BEGIN")
    try:
        data = gather(db, selection, fmt.reads, parents=fmt.parents)
        data.since = since
        chunks = fmt.render(data)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return _in_snapshot(db, chunks), len(data.keys)


def _in_snapshot(db: sqlite3.Connection, chunks: Iterable[str]) -> Generator[str, None, None]:
    try:
        yield from chunks
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")  # it only read


def gather(
    db: sqlite3.Connection,
    selection: Selection,
    reads: Reads = "survey",
    parents: bool = False,
) -> ExportData:
    """Read what the selection covers: for `papers` and `records`, the keys now and the
    papers as they are iterated. Unknown sections, tags or keys are errors, so a typo
    never produces a silently empty file."""
    queries.check_tags(db, selection.tags)
    ids, keys = queries.selected(db, selection.sections, selection.tags, selection.keys)
    if reads == "papers":
        depths: dict[str, int] = {}
        if parents:
            from .bibtex import crossref_depths

            ids, keys, links = _with_crossref_parents(db, ids, keys)
            depths = crossref_depths(links)
        return ExportData(selection, keys, queries.bibliographies(db, ids), depths=depths)
    if reads == "records":
        return ExportData(selection, keys, records=queries.records_of(db, ids))
    papers = queries.paper_records(db, queries.rows_of(db, ids))
    nodes = queries.taxonomy(db)
    roots = _roots(db, nodes, selection)
    picked = (
        set(queries.selected(db, (), selection.tags, selection.keys)[1])
        if selection.tags or selection.keys
        else set()
    )
    holding = {n["code"] for p in papers if p["key"] in picked for n in p["nodes"]}
    shown = _with_ancestors(nodes, _subtrees(nodes, roots) | holding)
    findings = queries.findings(db, roots) if roots else []
    library = {p["key"]: p for p in papers}
    cited = sorted({e["key"] for f in findings for e in f["papers"]} - set(library))
    library |= {
        p["key"]: p
        for p in queries.paper_records(db, [queries.find_paper(db, key) for key in cited])
    }
    return ExportData(
        selection,
        [p["key"] for p in papers],
        papers,
        papers,
        nodes=nodes,
        roots=roots,
        shown=shown,
        picked=picked,
        findings=findings,
        library=library,
        survey=_survey(db),
    )


def _with_crossref_parents(
    db: sqlite3.Connection, ids: list[int], keys: list[str]
) -> tuple[list[int], list[str], list[tuple[str, str | None]]]:
    """The ids and keys of the chosen papers and of the papers they `crossref` (and those
    theirs), so that a chapter exported alone still compiles with its book's fields — in
    the order the papers were written to the database: the survey's in key order, an
    imported file's in its own order (which decides how BibTeX and biber order entries
    that sort alike). Also, in that order, the (lower-case key, `crossref`) of each paper
    that has one or is named by one (`bibtex.crossref_depths`)."""
    have = set(ids)
    ids, keys = list(ids), list(keys)
    refs: dict[int, str] = {}
    frontier = list(ids)
    while frontier:
        new: dict[int, str] = {}
        for child, value, parent, key in queries.crossrefs(db, frontier):
            refs.setdefault(child, str(value).strip().lower())  # its first crossref
            if parent is not None and key is not None and parent not in have:
                new[parent] = key
        have |= set(new)
        ids += new
        keys += new.values()
        frontier = list(new)
    order = sorted(range(len(ids)), key=ids.__getitem__)
    ids, keys = [ids[n] for n in order], [keys[n] for n in order]
    named = set(refs.values())
    links = [
        (k.lower(), refs.get(i))
        for i, k in zip(ids, keys, strict=True)
        if i in refs or k.lower() in named
    ]
    return ids, keys, links


def _roots(db: sqlite3.Connection, nodes: list[Node], selection: Selection) -> list[str]:
    """The sections to write out, in reading order, none inside another; all top-level
    nodes when nothing is selected; none when only tags or keys are."""
    if not selection:
        return [n["code"] for n in nodes if n["parent"] is None]
    chosen = {queries.find_node(db, code)["code"] for code in selection.sections}
    parents = {n["code"]: n["parent"] for n in nodes}

    def inside_another(code: str) -> bool:
        parent = parents.get(code)
        while parent:
            if parent in chosen:
                return True
            parent = parents.get(parent)
        return False

    return [n["code"] for n in nodes if n["code"] in chosen and not inside_another(n["code"])]


def _subtrees(nodes: list[Node], roots: list[str]) -> set[str]:
    shown = set(roots)
    for node in nodes:  # reading order: a parent always comes before its children
        if node["parent"] in shown:
            shown.add(node["code"])
    return shown


def _with_ancestors(nodes: list[Node], codes: set[str]) -> set[str]:
    """The nodes and every node above them, so a diagram or list keeps its headings."""
    parents = {n["code"]: n["parent"] for n in nodes}
    shown: set[str] = set()
    for start in codes:
        code: str | None = start
        while code and code not in shown:
            shown.add(code)
            code = parents.get(code)
    return shown


def _survey(db: sqlite3.Connection) -> BibPaper | None:
    try:
        return queries.bibliography(db, [queries.find_paper(db, SURVEY_ARXIV_ID)])[0]
    except NotFound:
        return None
