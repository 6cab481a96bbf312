"""`lrmkb list`: filters, sort orders, the total, JSON, and stable tab-separated lines
(docs/output.md: no header, the total on stderr)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from export_fixtures import add_paper
from reliability_fixtures import assert_clean_failure, snapshot

COLUMNS = ("key", "year", "source", "sections", "tags", "short_name", "title")


def rows(result) -> list[list[str]]:
    listed = [line.split("\t") for line in result.stdout.splitlines()]
    assert all(len(row) == len(COLUMNS) for row in listed)
    return listed


def test_everything_by_key_with_the_total_on_stderr(cli) -> None:
    result = cli("list")
    assert result.exit_code == 0
    listed = rows(result)
    assert len(listed) == 128
    assert [r[0] for r in listed] == sorted(r[0] for r in listed)
    assert result.stderr == "128 papers\n"
    assert [
        "marjanovic2025deepseekr1",
        "2025",
        "survey",
        "3.1.1 4.3.1",
        "",
        "R1 Thoughtology",
        "DeepSeek-R1 Thoughtology: Let's <think> about LLM Reasoning",
    ] in listed


def test_a_section_includes_its_questions_and_the_limit_keeps_the_total(cli) -> None:
    result = cli("list", "--section", "4.3", "--limit", "5")
    assert len(rows(result)) == 5
    assert result.stderr == "showing 5 of 22 papers\n"
    data = json.loads(cli("list", "--section", "4.3", "--json").stdout)
    assert data["total"] == len(data["papers"]) == 22
    assert all(
        any(code == "4.3" or code.startswith("4.3.") for code in p["sections"])
        for p in data["papers"]
    )


def test_limit_0_means_all_as_in_search(cli) -> None:
    """`search --limit 0` shows all; `list --limit 0` was refused (exit 2)."""
    result = cli("list", "--section", "4.3", "--limit", "0")
    assert result.exit_code == 0, result.stderr
    assert (len(rows(result)), result.stderr) == (22, "22 papers\n")
    assert "0 for all" in cli("list", "--help").stdout
    assert "0 for all" in cli("search", "--help").stdout


def test_filters_of_one_kind_are_alternatives_of_different_kinds_all_apply(cli) -> None:
    either = json.loads(cli("list", "--section", "2.1", "--section", "4.3", "--json").stdout)
    assert either["total"] == 17 + 22 - _shared(cli, "2.1", "4.3")
    assert cli("tag", "chen2024think", "to-read").exit_code == 0
    assert cli("tag", "marjanovic2025deepseekr1", "to-read").exit_code == 0
    both = json.loads(cli("list", "--section", "4.3.1", "--tag", "to-read", "--json").stdout)
    assert [p["key"] for p in both["papers"]] == ["chen2024think", "marjanovic2025deepseekr1"]
    narrowed = json.loads(
        cli("list", "--tag", "TO-READ", "--year", "2024", "--source", "survey", "--json").stdout
    )
    assert [p["key"] for p in narrowed["papers"]] == ["chen2024think"]
    assert narrowed["papers"][0]["tags"] == ["to-read"]


def _shared(cli, a: str, b: str) -> int:
    first = {p["key"] for p in json.loads(cli("list", "--section", a, "--json").stdout)["papers"]}
    second = {p["key"] for p in json.loads(cli("list", "--section", b, "--json").stdout)["papers"]}
    return len(first & second)


@pytest.mark.parametrize(
    ("years", "expected"),
    [("2026", {2026}), ("2020..2024", {2020, 2024}), ("..2023", {2020}), ("2026..", {2026})],
)
def test_year_ranges(cli, years: str, expected: set[int]) -> None:
    data = json.loads(cli("list", "--year", years, "--json").stdout)
    assert {p["year"] for p in data["papers"]} == expected
    assert data["total"] > 0


def test_sort_orders(cli, db_file: Path) -> None:
    add_paper(db_file, key="zed2020early", title="An early one", year=2020, authors=["Z Zed"])
    with sqlite3.connect(db_file) as db:
        db.execute("UPDATE paper SET created = '2030-01-01T00:00:00Z' WHERE key = 'zed2020early'")
    by_added = json.loads(cli("list", "--sort", "added", "--json").stdout)["papers"]
    assert by_added[0]["key"] == "zed2020early"
    by_year = [
        p["year"] for p in json.loads(cli("list", "--sort", "year", "--json").stdout)["papers"]
    ]
    assert by_year == sorted(by_year, reverse=True)
    titles = [
        p["title"] for p in json.loads(cli("list", "--sort", "title", "--json").stdout)["papers"]
    ]
    assert titles == sorted(titles, key=str.casefold)


def test_added_since_finds_what_was_added(cli, db_file: Path) -> None:
    add_paper(db_file, key="new2026paper", title="Just added", year=2026, authors=["N New"])
    with sqlite3.connect(db_file) as db:
        db.execute("UPDATE paper SET created = '2026-06-01T12:00:00Z' WHERE key = 'new2026paper'")
    for since in ("2026-05-31", "2026-06-01T12:00:00Z", "2026-06-01T14:00:00+02:00"):
        data = json.loads(cli("list", "--added-since", since, "--json").stdout)
        assert [p["key"] for p in data["papers"]] == ["new2026paper"], since
    assert json.loads(cli("list", "--added-since", "2026-06-02", "--json").stdout)["total"] == 0


def test_a_title_with_tabs_and_newlines_stays_on_one_line(cli, db_file: Path) -> None:
    add_paper(db_file, key="tab2025title", title="A\ttabbed\ntitle", year=2025, authors=["T T"])
    listed = rows(cli("list", "--year", "2025"))
    assert ["tab2025title", "2025", "manual", "4.3.1", "", "", "A\\ttabbed\\ntitle"] in listed


def test_nothing_matches(cli) -> None:
    result = cli("list", "--year", "1900")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "no papers match\n")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--section", "9.9"), 1, "no section '9.9'"),
        (("--tag", "nosuch"), 1, "no tag 'nosuch' — no paper has tags yet"),
        (("--year", "twenty"), 1, "'twenty' is not a year or a range of years"),
        (("--year", "2025..2020"), 1, "'2025..2020' is not a year or a range of years"),
        (
            ("--source", "zotero"),
            1,
            "no source 'zotero' — use one of survey, arxiv, bibtex, manual",
        ),
        (("--added-since", "last tuesday"), 1, "'last tuesday' is not a date"),
        (("--sort", "colour"), 2, "use one of added, year, key, title"),
        (("--limit", "-1"), 2, "greater than or equal to 0"),
    ],
)
def test_bad_filters_are_clear_errors(
    cli, db_file: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    before = snapshot(db_file)
    line = assert_clean_failure(cli("list", *args), code, db_file, before)
    assert message in line
