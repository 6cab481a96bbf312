"""One way into the store: `ingest` takes records from any source the same way. A source
made up here (CSL-JSON, the format Zotero and pandoc exchange) needs nothing of the sink
but to yield `Record`s and `Failure`s; the source is read before the write lock is
taken, and a writer that commits while the records are planned is planned around."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from add_fixtures import paper, paper_count, sections_of, snapshot, tags_of
from lrmkb.errors import NotFound
from lrmkb.ingest import ingest
from lrmkb.records import Failure, Paper, Record
from lrmkb.store import Database

CSL_ITEMS = [
    {
        "id": "okafor2025",
        "type": "article-journal",
        "title": "Wombat-scale chain-of-thought distillation",
        "author": [{"family": "Okafor", "given": "Ngozi"}, {"family": "Lund", "given": "Per"}],
        "issued": {"date-parts": [[2025, 3]]},
        "container-title": "Journal of Marsupial Reasoning",
        "DOI": "10.1234/WOMBAT.2025",
    },
    {  # the survey's own DeepSeek-R1 paper, known here by its arXiv id: enriched, not added
        "id": "r1",
        "type": "article",
        "title": "DeepSeek-R1",
        "author": [{"literal": "DeepSeek-AI"}],
        "number": "arXiv:2501.12948",
        "page": "1-22",
    },
    {"id": "broken", "type": "book"},  # no title: reported, never written
]


def csl_source(items: list[dict]) -> Iterator[Record | Failure]:
    """A third source, written the way `importers/arxiv.py` and `importers/bibtex.py` are:
    map the format's fields onto paper columns, yield a record (or a failure) each."""
    for n, item in enumerate(items):
        where = f"refs.json#{n}"
        if not item.get("title"):
            yield Failure(where, "no title", {"id": item["id"]})
            continue
        fields: Paper = {
            "title": item["title"],
            "authors": [
                a.get("literal") or f"{a['given']} {a['family']}" for a in item.get("author", [])
            ],
            "year": item["issued"]["date-parts"][0][0] if "issued" in item else None,
            "venue": item.get("container-title"),
            "doi": item["DOI"].lower() if "DOI" in item else None,
            "pages": item.get("page"),
            "arxiv_id": item["number"].removeprefix("arXiv:") if "number" in item else None,
            "entry_type": "article",
        }
        yield Record(where, "csl-json", fields, {"id": item["id"]})


def test_a_new_source_needs_no_change_to_the_sink(db_file: Path) -> None:
    with Database.open(db_file, write=True) as db:
        report = ingest(db, csl_source(CSL_ITEMS), sections=["4.3"], tags=["csl"])
    results = report.as_dict()["results"]
    assert [(r["source"], r["outcome"], r["id"]) for r in results] == [
        ("refs.json#0", "added", "okafor2025"),
        ("refs.json#1", "enriched", "r1"),
        ("refs.json#2", "failed", "broken"),
    ]
    new = paper(db_file, "okafor2025wombatscale")
    assert new is not None
    assert new["authors"] == ["Ngozi Okafor", "Per Lund"]
    assert (new["source"], new["venue"], new["doi"]) == (
        "csl-json",
        "Journal of Marsupial Reasoning",
        "10.1234/wombat.2025",
    )
    assert sections_of(db_file, "okafor2025wombatscale") == ["4.3"]
    assert tags_of(db_file, "okafor2025wombatscale") == ["csl"]
    assert results[1]["filled"] == ["pages"]
    assert results[2]["reason"] == "no title"
    with Database.open(db_file) as db:  # the search index followed the write
        hits = db.execute(
            "SELECT ref FROM search_index WHERE search_index MATCH 'wombat'"
        ).fetchall()
    assert [h[0] for h in hits] == ["okafor2025wombatscale"]


def test_a_dry_run_writes_nothing_and_says_what_would_happen(db_file: Path) -> None:
    before = snapshot(db_file)
    with Database.open(db_file) as db:
        report = ingest(db, csl_source(CSL_ITEMS), dry_run=True)
    assert report.counts() == {"added": 1, "enriched": 1, "skipped": 0, "failed": 1}
    assert snapshot(db_file) == before


def test_a_source_that_fails_midway_writes_nothing(db_file: Path) -> None:
    def failing() -> Iterator[Record | Failure]:
        yield from csl_source(CSL_ITEMS[:1])
        raise NotFound("the rest of the source is gone", "try again")

    before = snapshot(db_file)
    with Database.open(db_file, write=True) as db, pytest.raises(NotFound):
        ingest(db, failing())
    assert snapshot(db_file) == before


def test_the_source_is_read_before_the_write_lock_is_taken(db_file: Path) -> None:
    """While the source is being read (a long parse, a slow network), another writer
    gets the lock at once: with a zero busy timeout, it would fail if ingest held it."""

    def meanwhile_another_writer() -> Iterator[Record | Failure]:
        yield from csl_source(CSL_ITEMS[:1])
        other = sqlite3.connect(db_file, timeout=0)
        other.execute(
            "INSERT INTO paper_tag SELECT id, 'other' FROM paper WHERE key = 'chen2024think'"
        )
        other.commit()
        other.close()

    with Database.open(db_file, write=True) as db:
        report = ingest(db, meanwhile_another_writer())
    assert report.counts()["added"] == 1
    assert tags_of(db_file, "chen2024think") == ["other"]


def test_a_paper_committed_by_another_writer_while_planning_is_not_added_twice(
    db_file: Path,
) -> None:
    """The records are planned before the lock; when another writer commits in between,
    they are planned again under the lock — here the other writer added the same paper,
    so this ingest finds it instead of adding a second copy."""
    Database.open(db_file, write=True).close()  # WAL: a writer may commit beside a reader
    committed = []

    def other_writer_commits(done: int, total: int) -> None:
        if committed:
            return
        with Database.open(db_file, write=True) as other:
            ingest(other, csl_source(CSL_ITEMS[:1]))
        committed.append(done)

    count = paper_count(db_file)
    with Database.open(db_file, write=True) as db:
        report = ingest(db, csl_source(CSL_ITEMS[:1]), progress=other_writer_commits)
    assert committed
    assert paper_count(db_file) == count + 1
    assert [o.action for o in report.outcomes] == ["skipped"]
