"""`lrmkb export` writes the papers as it reads them (bench/scale_bench.py measures its
memory at 100,000 papers): the text is the one the whole-library rendering gave, byte for
byte, on the survey and on a library of imported BibTeX (crossrefs, tags, aliases).

The reference below is that rendering as it was before the export streamed: every paper
read first, then one string (`old_export`)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from conftest import BUNDLED_DB, FIXTURES
from lrmkb import queries
from lrmkb.citation import citation_keys
from lrmkb.exporters import bibtex, csl
from lrmkb.records import BibPaper
from lrmkb.store import Database
from reliability_fixtures import lrmkb_process

FORMATS = ("bib", "biblatex", "csl-json", "json")


def old_parents(db: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[sqlite3.Row]:
    have = {r["id"] for r in rows}
    wanted = list(rows)
    frontier = [r["id"] for r in rows]
    while frontier:
        marks = ",".join("?" * len(frontier))
        parents = db.execute(
            f"SELECT DISTINCT p.* FROM paper_field f JOIN paper p ON p.key = f.value COLLATE NOCASE"
            f" WHERE f.paper_id IN ({marks}) AND lower(f.name) = 'crossref'",
            frontier,
        ).fetchall()
        new = [p for p in parents if p["id"] not in have]
        have |= {p["id"] for p in new}
        wanted += new
        frontier = [p["id"] for p in new]
    return sorted(wanted, key=lambda r: r["id"])


def old_crossref_order(papers: Sequence[BibPaper]) -> list[BibPaper]:
    def crossref(paper: BibPaper) -> str | None:
        for f in paper["fields"]:
            if f["name"].lower() == "crossref":
                return str(f["value"]).strip().lower()
        return None

    by_key = {p["key"].lower(): p for p in papers}
    depth: dict[str, int] = {}
    for paper in papers:
        seen = {paper["key"].lower()}
        parent = crossref(paper)
        level = 1
        while parent and parent in by_key and parent not in seen:
            depth[parent] = max(depth.get(parent, 0), level)
            seen.add(parent)
            parent, level = crossref(by_key[parent]), level + 1
    position = {id(p): n for n, p in enumerate(papers)}
    return sorted(papers, key=lambda p: (depth.get(p["key"].lower(), 0), position[id(p)]))


def old_export(db: sqlite3.Connection, fmt: str, tags: list[str], keys: list[str]) -> str:
    rows = queries.papers(db, (), tags, keys)
    if fmt == "json":
        document = {
            "format": "lrmkb-export",
            "version": 1,
            "selection": {"sections": [], "tags": tags, "keys": keys},
            "papers": queries.paper_records(db, rows),
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt != "csl-json":
        rows = old_parents(db, rows)
    papers = queries.bibliography(db, rows)
    cite = citation_keys(p["key"] for p in papers)
    if fmt == "csl-json":
        items = [csl.item(p, cite[p["key"]]) for p in papers]
        return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    dialect: bibtex.Dialect = "biblatex" if fmt == "biblatex" else "bibtex"
    ordered = old_crossref_order(papers)
    return "\n".join(bibtex.entry(p, cite[p["key"]], dialect) for p in ordered)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The survey, biblatex's examples (books, their volumes and chapters by `crossref`),
    Better BibTeX's crossref cases, part of them tagged."""
    path = tmp_path_factory.mktemp("stream") / "library.db"
    shutil.copyfile(BUNDLED_DB, path)
    bib = FIXTURES / "bib"
    for name, extra in (
        ("biblatex-examples.bib", ["--tag", "examples"]),
        ("bbt-2373-crossref-children-inherit.bib", []),
        ("bbt-3514-crossref-incollection-date.bib", ["--tag", "examples"]),
    ):
        done = lrmkb_process("--db", str(path), "import", str(bib / name), *extra)
        assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("survey") / "survey.db"
    shutil.copyfile(BUNDLED_DB, path)
    return path


def chapter_and_book(db: Path) -> tuple[str, str]:
    """The key of a paper that `crossref`s another, and that other's key."""
    with Database.open(db) as conn:
        row = conn.execute(
            "SELECT p.key, f.value FROM paper_field f JOIN paper p ON p.id = f.paper_id"
            " WHERE lower(f.name) = 'crossref' ORDER BY p.key LIMIT 1"
        ).fetchone()
    return row[0], row[1]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("which", ["survey", "library"])
def test_the_whole_export_is_the_text_it_was(
    survey: Path, library: Path, which: str, fmt: str
) -> None:
    db = survey if which == "survey" else library
    done = lrmkb_process("--db", str(db), "export", "--format", fmt)
    assert done.returncode == 0, done.stderr
    with Database.open(db) as conn:
        expected = old_export(conn, fmt, [], [])
    assert done.stdout == expected
    assert len(expected) > 10_000


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_selection_with_crossref_parents_is_the_text_it_was(
    library: Path, fmt: str, tmp_path: Path
) -> None:
    chapter, book = chapter_and_book(library)
    out = tmp_path / "out.txt"
    done = lrmkb_process(
        "--db", str(library), "export", "--format", fmt, "--key", chapter, "--tag", "examples",
        "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with Database.open(library) as conn:
        expected = old_export(conn, fmt, ["examples"], [chapter])
    assert out.read_text(encoding="utf-8") == expected
    if fmt in ("bib", "biblatex"):  # the book comes along, after the entries citing it
        text = out.read_text(encoding="utf-8")
        assert text.index(f"{{{chapter},") < text.lower().index(f"{{{book.lower()},")


def test_an_empty_selection_is_the_text_it_was(library: Path) -> None:
    with Database.open(library) as conn:
        assert not queries.papers(conn, ["B.2"]), "B.2 has papers now: pick an empty section"
    expected = {
        "bib": "",
        "biblatex": "",
        "csl-json": "[]\n",
        "json": json.dumps(
            {
                "format": "lrmkb-export",
                "version": 1,
                "selection": {"sections": ["B.2"], "tags": [], "keys": []},
                "papers": [],
            },
            indent=2,
        )
        + "\n",
    }
    for fmt in FORMATS:
        done = lrmkb_process("--db", str(library), "export", "--format", fmt, "--section", "B.2")
        assert (done.returncode, done.stdout) == (0, expected[fmt])
        assert done.stderr == "warning: no papers in this selection\n"
