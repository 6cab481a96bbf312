"""A big .bib is parsed by several processes at once, in parts (`BibParse`): the result must
be exactly what one process gives — the same entries, problems, reasons and line numbers —
however the file is cut, whatever broken entries, duplicate keys or `@string`s it holds;
and the parts, put together, are that result unless the parse says it `revised` them."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import glottolog_text
from lrmkb.importers.bibtex import (
    PARTS_PER_JOB,
    BibEntry,
    BibParse,
    cut,
    parse_bib,
    string_definitions,
)

KEYS = st.sampled_from(["a", "b", "c", "A", "k-1", "x:2"])
WORDS = st.lists(
    st.sampled_from(["Reasoning", "{LLM}s", 'M{\\"u}ller', "50\\%", "a,b"]), min_size=1, max_size=4
).map(" ".join)
STRING_NAMES = st.sampled_from(["jn", "JN", "conf"])


def _entries(key: str, title: str, kind: str) -> str:
    return {
        "good": f"@article{{{key},\n  title = {{{title}}},\n  author = {{Li, Wei and Ng, A}},\n  year = 2024\n}}",
        "paren": f'@inproceedings({key}, title = "{title}", year = {{2023}})',
        "unbalanced": f"@article{{{key},\n  title = {{{title} {{open\n  year = 2020\n}}",
        "no comma": f"@article{{{key}\n  title = {{{title}}}\n}}",
        "dup field": f"@misc{{{key}, title = {{{title}}}, title = {{again}}}}",
        "no title": f"@misc{{{key}, year = 2021}}",
        "uses string": f'@article{{{key}, title = {{{title}}}, journal = jn # " x"}}',
        "bare string": f"@article{{{key}, title = {{{title}}}, journal = conf}}",
        "inner at": f"@article{{{key}, title = {{LeQua @ {{CLEF}} {title}}}}}",
        "line-start at": f"@article{{{key}, title = {{{title}\n@misc{{inner{key}, title = {{Inner}}}}\n}}",
        "string": f"@string{{{key} = {{{title}}}}}",
        "comment": f"@comment{{{title}}}",
        "implicit": f"% {title}",
    }[kind]


BLOCK = st.builds(
    _entries,
    st.one_of(KEYS, STRING_NAMES),
    WORDS,
    st.sampled_from(
        [
            *("good", "good", "paren", "unbalanced", "no comma", "dup field", "no title"),
            *("uses string", "bare string", "inner at", "line-start at", "string", "comment"),
            "implicit",
        ]
    ),
)
BIB = st.lists(BLOCK, min_size=2, max_size=30).flatmap(
    lambda blocks: st.lists(
        st.sampled_from(["\n", "\n\n", "\n  \n"]), min_size=len(blocks), max_size=len(blocks)
    ).map(lambda gaps: "".join(g + b for g, b in zip(gaps, blocks, strict=True)) + "\n")
)


def in_parts(text: str, jobs: int) -> tuple[BibParse, list[BibEntry]]:
    """A parse in parts, and the entries its batches gave, put together."""
    parse = BibParse(text, jobs)
    return parse, [entry for batch in parse.batches() for entry in batch]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=BIB, jobs=st.integers(2, 4))
def test_a_file_parsed_in_parts_gives_what_one_parse_gives(text: str, jobs: int) -> None:
    one = parse_bib(text, jobs=1)
    assume(len(cut(text, jobs * PARTS_PER_JOB)) > 1)  # a block starts a line after part 1
    parse, batched = in_parts(text, jobs)
    assert parse.result() == one
    if not parse.revised:
        assert batched == one[0]
    else:  # an entry given early lost its key to a later one
        assert {e.bibkey for e in batched} - {e.bibkey for e in one[0]}


def test_cut_keeps_every_character_and_counts_lines() -> None:
    text = "% head\n@article{a, title={A}}\n\n@article{b,\n title={B}}\n@misc{c, title={C}}\n"
    chunks = cut(text, 3)
    assert len(chunks) == 3
    # each chunk but the last ends with the next one's opening `@type{`, on its own line
    rebuilt = chunks[0].text.removesuffix("@article{") + chunks[1].text.removesuffix("@misc{")
    assert rebuilt + chunks[2].text == text
    assert [c.first_line for c in chunks] == [0, 3, 5]
    assert chunks[0].text.count("\n") == chunks[0].next_line


def test_string_definitions_are_read_ahead_as_the_parse_reads_them() -> None:
    text = '@string{jn = "Journal"}\n@article{a, journal = jn}\n  @STRING(Conf = {Conf})\n@string{jn = {Later}}\n'
    assert string_definitions(text) == {"jn": '"Journal"', "conf": "{Conf}"}


def test_a_string_the_read_ahead_cannot_see_makes_the_parse_fall_back() -> None:
    """`@string` after other text on one line is a definition to bibtexparser but not to
    the read-ahead: the parts disagree, so one process parses the file instead."""
    text = (
        "".join(f"@misc{{a{i}, title={{A}}}}\n" for i in range(5))
        + '@misc{b, title={B}} @string{jn = "J"}\n@article{c, title={C}, journal=jn}\n'
    )
    parse, _ = in_parts(text, 2)
    assert parse.revised
    entries, problems = parse.result()
    assert [e.fields["venue"] for e in entries if e.bibkey == "c"] == ["J"]
    assert problems == []


def test_duplicate_keys_across_parts_are_found() -> None:
    head = "@article{dup, title={First}}\n" + "".join(
        f"@misc{{m{i}, title={{M {i}}}}}\n" for i in range(40)
    )
    text = head + "@article{dup, title={Second}}\n"
    chunks = cut(text, 2)
    assert "dup, title={First}" in chunks[0].text and "{Second}" in chunks[1].text
    parse, batched = in_parts(text, 2)
    assert "dup" in {e.bibkey for e in batched}  # the first part could not know
    assert parse.revised
    entries, problems = parse.result()
    assert "dup" not in {e.bibkey for e in entries} and len(entries) == 40
    assert [(p.line, p.reason) for p in problems] == [
        (1, "duplicate key 'dup' in the file (again at line 42)"),
        (42, "duplicate key 'dup' in the file"),
    ]


@pytest.mark.parametrize("jobs", [2, 4])
def test_a_real_library_parsed_in_parts_gives_what_one_parse_gives(jobs: int) -> None:
    text = glottolog_text()
    parse, batched = in_parts(text, jobs)
    assert not parse.revised and parse.result() == parse_bib(text, jobs=1)
    assert batched == parse.result()[0]


def import_twice(
    cli,
    db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    blocks: list[str],
    *options: str,
    jobs: int,
) -> tuple[dict, dict, Path]:
    """Import the same file into two copies of the database, in one process and in
    `jobs`; both `--json` reports, and the second copy."""
    bib = tmp_path / "big.bib"
    bib.write_text("\n".join(blocks) + "\n", encoding="utf-8")
    other = tmp_path / "other.db"
    other.write_bytes(db.read_bytes())
    assert threading.active_count() == 1  # else `import_jobs` keeps to one process
    reports = []
    for n, target in (("1", db), (str(jobs), other)):
        monkeypatch.setenv("LRMKB_IMPORT_JOBS", n)
        result = cli("import", str(bib), "--json", *options, db=target)
        assert result.exit_code == 0, result.stderr  # broken entries are reported, not fatal
        reports.append(json.loads(result.stdout))
    return reports[0], reports[1], other


def test_import_with_several_processes_writes_what_one_process_writes(
    cli, db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = ['@string{jn = "Journal of Tests"}']
    for i in range(120):
        blocks.append(
            f"@article{{e{i}, title = {{Paper number {i}}}, author = {{Author{i}, A}}, year = {2000 + i % 20}, journal = jn}}"
        )
    blocks[75] = "@article{e20, title = {Same key as an earlier entry}}"
    blocks[90] = "@article{broken, title = {no end\n"
    blocks.append("@article{e10, title = {Paper number 10}, author = {Author10, A}, year = 2010}")
    one, several, other = import_twice(cli, db_file, tmp_path, monkeypatch, blocks, jobs=3)
    assert several == one
    assert one["summary"] == {"added": 116, "enriched": 0, "skipped": 0, "failed": 5}
    papers = "SELECT key, title, authors, year, venue FROM paper ORDER BY id"
    with sqlite3.connect(db_file) as a, sqlite3.connect(other) as b:
        assert a.execute(papers).fetchall() == b.execute(papers).fetchall()


@pytest.mark.parametrize("value", ["0", "two", "-1", "100"])
def test_a_bad_job_count_is_a_usage_error(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    bib = tmp_path / "one.bib"
    bib.write_text("@misc{a, title={A}}\n", encoding="utf-8")
    monkeypatch.setenv("LRMKB_IMPORT_JOBS", value)
    result = cli("import", str(bib))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: LRMKB_IMPORT_JOBS must be a number of processes (1-64), not {value!r} — fix or unset it"
    ]


def _content(db: Path) -> list[str]:
    """Every row of the tables and of the search index, timestamps masked (the two imports
    run seconds apart); not FTS5's own storage, which depends on the order of writes."""
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    with sqlite3.connect(db) as con:
        tables = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("search_")
        ]
        rows = [
            f"{t}: {row}" for t in sorted(tables) for row in con.execute(f'SELECT * FROM "{t}"')
        ]
        rows += [str(r) for r in con.execute("SELECT rowid, * FROM search_index ORDER BY rowid")]
    return [stamp.sub("T", r) for r in rows]


def test_parts_written_as_they_are_parsed_give_what_one_batch_gives(
    cli, db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big file's parts are planned and written while later parts are being parsed; a
    later entry that is the same paper as one written with an earlier part enriches it
    (an UPDATE, then a fresh index row) — the database ends up as one batch leaves it."""
    blocks = [
        f"@article{{p{i}, title = {{Study {i} of {'abcdefghij'[i % 10]}{i * 7919 % 1000}}},"
        f" author = {{Writer{i}, Q}}, year = {2001 + i % 20}, doi = {{10.1234/p{i}}}}}"
        for i in range(240)
    ]
    blocks[200] = (  # the same paper as p10 (DOI), with what p10 lacks
        "@article{again10, title = {Study 10 of a}, author = {Writer10, Q and Other, O},"
        " year = 2011, doi = {10.1234/p10}, abstract = {Found again, with an abstract.}}"
    )
    blocks[220] = (
        "@misc{survey, title = {Towards a Mechanistic Understanding of Large Reasoning Models: A Survey of Training, Inference, and Failures}, author = {Hu, Yi}, year = 2026, note = {read twice}}"
    )
    parse = BibParse("\n".join(blocks) + "\n", 2)
    assert len(list(parse.batches())) == 12 and not parse.revised  # 6 parts per process
    options = ("--tag", "mine", "--section", "4.3")
    one, parts, other = import_twice(cli, db_file, tmp_path, monkeypatch, blocks, *options, jobs=2)
    assert parts == one
    assert one["summary"] == {"added": 238, "enriched": 2, "skipped": 0, "failed": 0}
    enriched = {r["bibkey"]: (r["key"], r["filled"]) for r in one["results"] if r["filled"]}
    assert enriched == {
        "again10": ("writer102011study", ["abstract", "authors"]),
        "survey": ("hu2026mechanistic", ["note"]),
    }
    assert _content(other) == _content(db_file)
    assert cli("db", "check", db=other).exit_code == 0


def test_a_worker_that_dies_costs_time_not_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    """If a worker process ends without sending its parts (killed, out of memory), the
    parse says so (`revised`) and its result is the one-process parse."""
    from lrmkb.importers import bibtex

    text = "".join(f"@misc{{m{i}, title={{Paper {i}}}}}\n" for i in range(400))
    parent, read_chunk = os.getpid(), bibtex.read_chunk

    def dies_in_a_worker(chunk, strings=None):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            os._exit(1)
        if chunk.first_line == 0:
            time.sleep(0.5)  # the workers take their first parts meanwhile
        return read_chunk(chunk, strings)

    monkeypatch.setattr(bibtex, "read_chunk", dies_in_a_worker)
    parse, _ = in_parts(text, 3)
    assert parse.revised
    assert parse.result() == parse_bib(text, jobs=1)
    assert len(parse.result()[0]) == 400
