"""The shortcuts that keep a 10,000-entry import fast give what the general paths give:
new papers are indexed from memory exactly as a refresh would index them, `@string`s are
resolved only in the fields lrmkb reads but as bibtexparser resolves them, text without
commands skips the LaTeX regexes, authors are stored as `json` would write them, and the
garbage collector paused during an import is running again afterwards."""

from __future__ import annotations

import gc
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrmkb.errors import BadInput
from lrmkb.importers import latex
from lrmkb.importers.bibtex import BibFile
from lrmkb.ingest import _names_json, ingest
from lrmkb.store import Database

ENTRY = "@article{{{key},\n  author = {{{author}}},\n  title = {{{title}}},\n  year = {year},\n}}\n"


def write_bib(tmp_path: Path, *entries: str, name: str = "mine.bib") -> Path:
    path = tmp_path / name
    path.write_text("".join(entries), encoding="utf-8")
    return path


def import_json(cli, bib: Path, *options: str) -> dict:
    result = cli("import", str(bib), "--json", *options)
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def db_check(cli) -> dict:
    result = cli("db", "check", "--json")
    assert result.exit_code == 0, result.stdout
    return json.loads(result.stdout)


def paper_hits(cli, query: str) -> list[str]:
    result = cli("search", *query.split(), "--json", "--type", "paper")
    assert result.exit_code == 0, result.stdout + result.stderr
    return [hit["key"] for hit in json.loads(result.stdout)["results"]["paper"]]


def test_new_papers_are_indexed_as_a_full_refresh_would_index_them(cli, tmp_path: Path) -> None:
    """`db check` compares every index row with what a refresh would write now."""
    bib = write_bib(
        tmp_path,
        ENTRY.format(
            key="q1", author="Quokka, Quentin and Wombat, Wanda", title="Quokka Steering", year=2024
        ),
        ENTRY.format(
            key="q2", author='M{\\"u}ller, J{\\"o}rg', title="{LLM}s and Quokkas", year=2025
        ),
    )
    report = import_json(cli, bib, "--tag", "zoo", "--tag", "animals", "--section", "4.3")
    keys = [r["key"] for r in report["results"]]
    assert [r["outcome"] for r in report["results"]] == ["added", "added"]
    assert db_check(cli)["problems"] == []
    # the index holds their authors, tags and the titles of the sections they were filed in
    assert set(paper_hits(cli, "quokka* tag:zoo")) == set(keys)
    assert paper_hits(cli, "author:müller") == [keys[1]]
    assert set(keys) <= set(paper_hits(cli, "overthinking quokka*"))


def test_a_paper_deleted_behind_lrmkbs_back_does_not_block_the_next_import(
    cli, db_file: Path, tmp_path: Path
) -> None:
    """The next new paper gets the deleted one's id, whose index row is still there."""
    first = import_json(
        cli,
        write_bib(
            tmp_path, ENTRY.format(key="a", author="Ann, A.", title="Wombat Reasoning", year=2020)
        ),
    )
    with sqlite3.connect(db_file) as conn:
        conn.execute("DELETE FROM paper WHERE key = ?", (first["results"][0]["key"],))
    second = import_json(
        cli,
        write_bib(
            tmp_path,
            ENTRY.format(key="b", author="Bo, B.", title="Numbat Planning", year=2021),
            name="b.bib",
        ),
    )
    assert second["summary"]["added"] == 1
    assert db_check(cli)["problems"] == []
    assert paper_hits(cli, "numbat") == [second["results"][0]["key"]]
    assert paper_hits(cli, "wombat") == []


def test_strings_resolve_as_bibtex_resolves_them(cli, tmp_path: Path) -> None:
    bib = write_bib(
        tmp_path,
        '@String{JAIR = "Journal of {AI} Research"}\n@string{yr = 2023}\n',
        "@article{s1, author = {Poe, P.}, title = {Case}, journal = jair, year = yr}\n",
        '@article{s2, author = {Poe, P.}, title = {Quoted}, journal = "jair", year = 2023}\n',
        "@article{s3, author = {Poe, P.}, title = {Concat}, journal = jair # { x}, year = 2023}\n",
        "@article{s4, author = {Poe, P.}, title = {Other}, journal = {J}, year = 2023, x = nosuch}\n",
    )
    results = {r["bibkey"]: r for r in import_json(cli, bib)["results"]}
    shown = {
        k: json.loads(cli("show", r["key"], "--json").stdout)
        for k, r in results.items()
        if r["key"]
    }
    assert (shown["s1"]["venue"], shown["s1"]["year"]) == ("Journal of AI Research", 2023)
    assert shown["s2"]["venue"] == "jair"  # a quoted value is text, never a name
    assert shown["s3"]["venue"] == "Journal of AI Research x"  # `#` joins the pieces
    assert results["s4"]["outcome"] == "added"  # a macro no one defines: kept as written
    assert results["s4"]["notes"] == [
        "x uses @string nosuch, which the file does not define: kept as written"
    ]


TIES_DASHES_QUOTES = st.text(alphabet="-`'~{} aZ\u00e9\n", max_size=40)


@given(TIES_DASHES_QUOTES, st.booleans())
def test_text_without_commands_decodes_as_the_general_path_decodes_it(
    text: str, keep_braces: bool
) -> None:
    general = latex._token_grouped if keep_braces else latex._token_plain
    assert latex.decode_latex(text, keep_braces=keep_braces) == latex._TOKEN_RE.sub(general, text)


@given(st.lists(st.text(), max_size=5))
def test_authors_are_stored_as_json_writes_them(names: list[str]) -> None:
    assert _names_json(names) == json.dumps(names, ensure_ascii=False)


@pytest.mark.parametrize("enabled", [True, False])
def test_an_import_leaves_the_garbage_collector_as_it_found_it(
    db_file: Path, tmp_path: Path, enabled: bool
) -> None:
    good = write_bib(tmp_path, ENTRY.format(key="g", author="Gee, G.", title="Gnu", year=2020))
    empty = write_bib(tmp_path, "% no entries\n", name="empty.bib")
    (gc.enable if enabled else gc.disable)()
    try:
        with Database.open(db_file, write=True) as db:
            assert ingest(db, BibFile(good)).counts()["added"] == 1
            assert gc.isenabled() is enabled
            with pytest.raises(BadInput):
                ingest(db, BibFile(empty))
            assert gc.isenabled() is enabled
    finally:
        gc.enable()
