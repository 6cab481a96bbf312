"""`lrmkb file` (file, move, unfile, auto) and `lrmkb tag` on several papers or on every
paper a search returns."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from export_fixtures import add_paper
from reliability_fixtures import assert_clean_failure, snapshot


def sections_of(db: Path, key: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT n.code FROM paper_node pn JOIN taxonomy_node n ON n.id = pn.node_id"
                " JOIN paper p ON p.id = pn.paper_id WHERE p.key = ? ORDER BY n.code",
                (key,),
            )
        ]


@pytest.fixture
def mine(db_file: Path) -> Path:
    add_paper(
        db_file,
        key="lee2025mine",
        title="Entropy of my own",
        authors=["A Lee"],
        year=2025,
        nodes=(),
    )
    add_paper(
        db_file, key="kim2024other", title="Another one", authors=["B Kim"], year=2024, nodes=()
    )
    return db_file


def test_file_move_and_unfile(cli, mine: Path) -> None:
    result = cli("file", "lee2025mine", "kim2024other", "--section", "4.3.2", "--section", "2.2")
    assert result.stdout.splitlines() == [  # key, filed, unfiled, sections now
        "lee2025mine\t2.2 4.3.2\t\t2.2 4.3.2",
        "kim2024other\t2.2 4.3.2\t\t2.2 4.3.2",
    ]
    assert cli("file", "lee2025mine", "--section", "4.3.2").stdout == (
        "lee2025mine\t\t\t2.2 4.3.2\n"
    )
    assert cli("file", "lee2025mine", "--section", "4.3.1", "--move").stdout == (
        "lee2025mine\t4.3.1\t2.2 4.3.2\t4.3.1\n"
    )
    assert sections_of(mine, "lee2025mine") == ["4.3.1"]
    assert cli("file", "kim2024other", "--section", "2.2", "--remove").stdout == (
        "kim2024other\t\t2.2\t4.3.2\n"
    )
    papers = json.loads(cli("list", "--section", "4.3.1", "--json").stdout)["papers"]
    assert "lee2025mine" in [p["key"] for p in papers]
    found = json.loads(cli("search", "entropy", "section:4.3.1", "--json").stdout)
    assert [p["key"] for p in found["results"]["paper"]] == ["lee2025mine"]  # re-indexed
    assert cli("db", "check").exit_code == 0


def test_file_auto_and_dry_run(cli, mine: Path) -> None:
    before = snapshot(mine)
    result = cli("file", "lee2025mine", "--section", "auto", "--dry-run", "--json")
    [paper] = json.loads(result.stdout)["papers"]
    assert len(paper["filed"]) == 1 and paper["sections"] == paper["filed"]
    assert snapshot(mine) == before
    assert cli("file", "lee2025mine", "--section", "AUTO").exit_code == 0
    assert sections_of(mine, "lee2025mine") == paper["filed"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("lee2025mine", "--section", "9.9"), 1, "no section '9.9'"),
        (("lee2025mine", "nosuch", "--section", "4.3"), 1, "no paper 'nosuch'"),
        (("lee2025mine", "--section", "4.3", "--remove", "--move"), 2, "do not go together"),
        (("lee2025mine", "--section", "auto", "--remove"), 2, "cannot unfile"),
        (("lee2025mine",), 2, "Missing option '--section'"),
    ],
)
def test_bad_filings_write_nothing(
    cli, mine: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    before = snapshot(mine)
    assert message in assert_clean_failure(cli("file", *args), code, mine, before)


# --- tags on many papers ---------------------------------------------------------------------


def tags_of(db: Path) -> set[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return set(
            conn.execute(
                "SELECT p.key, t.tag FROM paper_tag t JOIN paper p ON p.id = t.paper_id"
            ).fetchall()
        )


def test_tag_several_keys(cli, db_file: Path) -> None:
    result = cli("tag", "chen2024think", "sui2025stop", "--tag", "overthinking", "--tag", "Survey")
    assert result.stdout.splitlines() == [  # key, tag, change
        "chen2024think\toverthinking\tadded",
        "chen2024think\tsurvey\tadded",
        "sui2025stop\toverthinking\tadded",
        "sui2025stop\tsurvey\tadded",
    ]
    assert result.stderr == (
        "note: tags are stored in lower case: Survey → survey\n2 of 2 papers changed\n"
    )
    assert cli("tag", "chen2024think", "sui2025stop", "--tag", "survey", "--remove").exit_code == 0
    assert tags_of(db_file) == {("chen2024think", "overthinking"), ("sui2025stop", "overthinking")}


def test_tag_every_paper_a_search_returns(cli, db_file: Path) -> None:
    query = "section:4.3.3 year:2025"
    expected = {
        p["key"]
        for p in json.loads(
            cli("search", query, "--type", "paper", "--limit", "100", "--json").stdout
        )["results"]["paper"]
    }
    assert len(expected) > 1
    before = snapshot(db_file)
    dry = cli("tag", "--query", query, "mechanism", "--dry-run")
    assert dry.stderr.splitlines()[-1] == f"{len(expected)} of {len(expected)} papers would change"
    assert {line.split("\t")[0] for line in dry.stdout.splitlines()} == expected
    assert snapshot(db_file) == before
    result = cli("tag", "--query", query, "--tag", "mechanism", "--json")
    data = json.loads(result.stdout)
    assert {c["key"] for c in data["papers"]} == expected
    assert tags_of(db_file) == {(key, "mechanism") for key in expected}
    assert json.loads(cli("tags", "--json").stdout) == [
        {"tag": "mechanism", "papers": len(expected)}
    ]


def test_tag_query_refuses_a_typo_and_an_empty_result(cli, db_file: Path) -> None:
    before = snapshot(db_file)
    line = assert_clean_failure(cli("tag", "--query", "overthinkng", "x"), 1, db_file, before)
    assert "a search would read it as 'overthinking'" in line
    line = assert_clean_failure(cli("tag", "--query", "year:1800", "x"), 1, db_file, before)
    assert "no paper matches 'year:1800'" in line


def test_tag_many_is_all_or_nothing(cli, db_file: Path) -> None:
    before = snapshot(db_file)
    line = assert_clean_failure(
        cli("tag", "chen2024think", "nosuch2025", "--tag", "x"), 1, db_file, before
    )
    assert "no paper 'nosuch2025'" in line
    line = assert_clean_failure(cli("tag", "chen2024think", "--tag", "bad tag"), 1, db_file, before)
    assert "invalid tag 'bad tag'" in line
    assert "name the tags" in assert_clean_failure(cli("tag", "chen2024think"), 2, db_file, before)
