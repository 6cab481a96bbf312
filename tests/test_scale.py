"""What a big library changes in what the user sees: nothing. Commands that take shortcuts
above some size (bench/scale_bench.py measures why) must answer as they do on the survey.

The big library here is the survey plus generated papers written straight into the
table: enough to cross every size threshold, quick to build."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import BUNDLED_DB
from lrmkb.checks import WHOLE_UP_TO, reindex
from lrmkb.queries import SUGGEST_FROM_ALL
from lrmkb.store import Database


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The survey's papers and SUGGEST_FROM_ALL + 500 generated ones (more than
    WHOLE_UP_TO too) (keys `gen…`,
    DOIs `10.5555/Gen.N` as a publisher may case them, and a few keys that begin like a survey
    key, to compete with it)."""
    path = tmp_path_factory.mktemp("big") / "big.db"
    shutil.copyfile(BUNDLED_DB, path)
    rows = [
        (f"gen{n:05d}{'abcde'[n % 5]}", f"Generated paper number {n}", f"10.5555/Gen.{n}")
        for n in range(SUGGEST_FROM_ALL + 500)
    ]
    rows += [(f"marjanowski{2000 + n}x", f"A paper by Marjanowski, {n}", None) for n in range(5)]
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO paper (key, title, doi, created, updated) VALUES (?, ?, ?, 'now', 'now')",
            rows,
        )
    with Database.open(path, write=True) as db:
        reindex(db)  # the generated papers are searchable, as an import would leave them
    return path


@pytest.fixture
def big_cli(cli: Callable[..., object], big_db: Path, tmp_path: Path) -> Callable[..., object]:
    copy = tmp_path / "big.db"
    shutil.copyfile(big_db, copy)
    return lambda *args: cli(*args, db=copy)


@pytest.mark.parametrize(
    "typed",
    ["marjanovic2025", "marjanovic2025deepseek", "marjanovci2025deepseekr1", "MARJANOVIC2025"],
)
def test_a_mistyped_key_is_suggested_in_a_big_library(big_cli, typed: str) -> None:
    result = big_cli("show", typed)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: no paper {typed!r} — did you mean marjanovic2025deepseekr1"
    )


def test_the_survey_and_a_big_library_suggest_the_same_first_key(cli, big_cli) -> None:
    for typed in ("yue2025reinforcemnt", "chen2024thnk"):
        small, big = cli("show", typed), big_cli("show", typed)
        first = small.stderr.split("did you mean ")[1].split(",")[0].rstrip("?\n")
        assert big.stderr.split("did you mean ")[1].split(",")[0].rstrip("?\n") == first


@pytest.mark.parametrize("typed", ["%", "_", "zz", "\U0010ffff", "marj%", "ma'r"])
def test_odd_text_is_not_a_key_and_no_crash(big_cli, typed: str) -> None:
    result = big_cli("show", typed)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: no paper {typed!r} — ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("doi", ["10.5555/gen.7", "10.5555/GEN.7", "https://doi.org/10.5555/Gen.7"])
def test_a_doi_is_found_in_any_case(big_cli, doi: str) -> None:
    result = big_cli("show", doi, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["key"] == "gen00007c"


# --- db check: a sample of a big library, everything with --full -------------------------


def test_db_check_of_a_big_library_reads_a_sample_and_says_so(big_cli) -> None:
    assert SUGGEST_FROM_ALL + 500 > WHOLE_UP_TO
    result = big_cli("db", "check")
    assert (result.exit_code, result.stdout) == (0, "")  # piped: the problems, none
    assert result.stderr.startswith(
        "0 problem(s); checked: integrity, schema, foreign keys, search"
    )
    assert "sampled papers; --full reads every row" in result.stderr
    report = json.loads(big_cli("db", "check", "--json").stdout)
    assert 200 <= report["sampled"] <= 400


def test_db_check_of_the_survey_reads_everything(cli) -> None:
    result = cli("db", "check", "--json")
    assert result.exit_code == 0
    assert "sampled" not in json.loads(result.stdout)


def _damage(path: Path, sql: str, *params: object) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute(sql, params)


def test_a_sampled_check_finds_damage_to_new_papers_and_small_tables(
    big_cli, tmp_path: Path
) -> None:
    """The newest papers are always in the sample; the survey's tables are small."""
    db = tmp_path / "big.db"
    _damage(
        db, "UPDATE paper SET arxiv_id = 'arXiv:2501.01' WHERE id = (SELECT max(id) FROM paper)"
    )
    _damage(
        db, "INSERT INTO finding_paper (finding_id, paper_id, stance) VALUES (9999, 1, 'supports')"
    )
    _damage(db, "DELETE FROM search_index WHERE rowid = (SELECT max(id) - 1 FROM paper)")
    result = big_cli("db", "check")
    assert result.exit_code == 4
    assert "records\tpaper marjanowski2004x: arXiv id 'arXiv:2501.01' is not in" in result.stdout
    assert "foreign keys\tfinding_paper row" in result.stdout
    assert "search index\t1 paper(s) missing, e.g. marjanowski2003x" in result.stdout


def test_full_reads_every_row_of_a_big_library(big_cli, tmp_path: Path) -> None:
    """A row the sample may miss: a tag of a paper that no longer exists, in the middle."""
    _damage(tmp_path / "big.db", "INSERT INTO paper_tag (paper_id, tag) VALUES (123456, 'lost')")
    result = big_cli("db", "check", "--full")
    assert result.exit_code == 4
    assert "foreign keys\tpaper_tag row" in result.stdout
    assert "sampled" not in result.stderr


# --- doctor: a sample of a big library, compared with all of it through indexes -----------

NEW_PAPERS = """@article{first,
  author = {Marjanović, Sara Vera and Patel, Arkil},
  title = {A Placeholder Title For Now},
  year = {2025},
}
@article{second,
  author = {Nobody, Ann},
  title = {Something Else Entirely},
  year = {2024},
}
"""


def test_doctor_of_a_big_library_reads_a_sample_and_finds_what_new_papers_share(
    big_cli, tmp_path: Path
) -> None:
    """The newest papers are in the sample; the papers they share a DOI, a short name or a
    likely duplicate with are found through indexes, however old (gen00007c, survey
    papers); `--full` finds the same and more."""
    bib = tmp_path / "new.bib"
    bib.write_text(NEW_PAPERS, encoding="utf-8")
    assert big_cli("import", str(bib)).exit_code == 0
    title = "DeepSeek-R1 Thoughtology: Let's think about LLM Reasoning"
    assert big_cli("edit", "first", f"title={title}").exit_code == 0
    _damage(
        tmp_path / "big.db",
        "UPDATE paper SET doi = '10.5555/GEN.7', short_name = 'unfaithful cot'"
        " WHERE key = 'second'",
    )
    result = big_cli("doctor")
    assert result.exit_code == 1, result.stderr
    rows = [line.split("\t")[:3] for line in result.stdout.splitlines()]
    assert ["problem", "duplicate-doi", "gen00007c"] in rows
    assert ["problem", "duplicate-short-name", "arcuschin2025chainofthought"] in rows
    assert ["note", "likely-duplicate", "first"] in rows
    assert "first and marjanovic2025deepseekr1 look like one paper" in result.stdout
    assert "sampled papers" in result.stderr and "--full reads every paper" in result.stderr
    sampled = json.loads(big_cli("doctor", "--json").stdout)
    full = json.loads(big_cli("doctor", "--json", "--full").stdout)
    assert 200 <= sampled["sampled"] <= 400 and "sampled" not in full
    assert all(issue in full["issues"] for issue in sampled["issues"])


def test_doctor_of_the_survey_reads_everything(cli) -> None:
    result = cli("doctor", "--json")
    assert "sampled" not in json.loads(result.stdout)
    assert "sampled" not in cli("doctor").stderr
