"""A big .bib is parsed by several processes at once (`parse_parallel`): the result must be
exactly what one process gives — the same entries, problems, reasons and line numbers —
however the file is cut, whatever broken entries, duplicate keys or `@string`s it holds."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import SHARED
from lrmkb.importers.bibtex import cut, parse_bib, parse_parallel, string_definitions

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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=BIB, jobs=st.integers(2, 4))
def test_a_file_parsed_in_parts_gives_what_one_parse_gives(text: str, jobs: int) -> None:
    one = parse_bib(text, jobs=1)
    assume(len(cut(text, jobs)) > 1)  # a block starts a line after the middle
    assert parse_parallel(text, jobs) == one


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
    assert parse_parallel(text, 2) is None
    entries, problems = parse_bib(text, jobs=2)
    assert [e.fields["venue"] for e in entries if e.bibkey == "c"] == ["J"]
    assert problems == []


def test_duplicate_keys_across_parts_are_found() -> None:
    head = "@article{dup, title={First}}\n" + "".join(
        f"@misc{{m{i}, title={{M {i}}}}}\n" for i in range(40)
    )
    text = head + "@article{dup, title={Second}}\n"
    chunks = cut(text, 2)
    assert "dup, title={First}" in chunks[0].text and "{Second}" in chunks[1].text
    entries, problems = parse_parallel(text, 2) or ([], [])
    assert "dup" not in {e.bibkey for e in entries} and len(entries) == 40
    assert [(p.line, p.reason) for p in problems] == [
        (1, "duplicate key 'dup' in the file (again at line 42)"),
        (42, "duplicate key 'dup' in the file"),
    ]


@pytest.mark.parametrize("jobs", [2, 4])
def test_a_real_library_parsed_in_parts_gives_what_one_parse_gives(jobs: int) -> None:
    bib = SHARED / "fixtures" / "bib" / "glottolog-zurich.bib"
    if not bib.exists():
        pytest.skip(f"{bib} is not here")
    text = bib.read_text(encoding="utf-8")
    assert parse_parallel(text, jobs) == parse_bib(text, jobs=1)


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
    bib = tmp_path / "many.bib"
    bib.write_text("\n".join(blocks) + "\n", encoding="utf-8")
    other = tmp_path / "other.db"
    other.write_bytes(db_file.read_bytes())

    def run(jobs: str, db: Path) -> dict:
        monkeypatch.setenv("LRMKB_IMPORT_JOBS", jobs)
        result = cli("import", str(bib), "--json", db=db)
        assert result.exit_code == 0, result.stderr  # broken entries are reported, not fatal
        return json.loads(result.stdout)

    assert threading.active_count() == 1  # else `import_jobs` keeps to one process
    one, several = run("1", db_file), run("3", other)
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
