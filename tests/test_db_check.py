"""`lrmkb db check`: integrity, the schema, foreign keys, the search index and the records, exit 0 when
sound, 4 when the database has a problem; and the maintainer's `lrmkb dev check`, which adds
the seeds (exit 1 when only they have a problem)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

import lrmkb.checks
from conftest import SEEDS, replace_once
from lrmkb.importers.seeds import build
from reliability_fixtures import EXIT, lrmkb_as_a_user, snapshot


def check(cli, *args: str, db: Path | None = None, group: str = "db") -> tuple[int, dict]:
    """Run `db check --json` (or `dev check --json`) and return its exit code and report."""
    kwargs = {"db": db} if db is not None else {}
    result = cli(group, "check", "--json", *args, **kwargs)
    return result.exit_code, json.loads(result.stdout)


def problems(report: dict, name: str) -> list[str]:
    return [p["problem"] for p in report["problems"] if p["check"] == name]


def sql(db: Path, *statements: str) -> None:
    """Change the file behind lrmkb's back, the way a crash, a bug or a hand edit could."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        for statement in statements:
            conn.execute(statement)


def test_a_sound_database_passes_every_check(cli, db_file: Path) -> None:
    code, report = check(cli)
    assert code == EXIT["ok"]
    assert report["problems"] == []
    assert report["checked"] == ["integrity", "schema", "foreign keys", "search index", "records"]


def test_piped_output_is_the_problems_and_the_summary_goes_to_stderr(cli, db_file: Path) -> None:
    result = cli("db", "check")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert (
        result.stderr
        == "0 problem(s); checked: integrity, schema, foreign keys, search index, records\n"
    )
    sql(db_file, "UPDATE paper SET authors = 'oops' WHERE key = 'chen2024think'")
    result = cli("db", "check")
    assert result.exit_code == EXIT["database"]
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert ["records", "paper chen2024think: authors is not a JSON list of names"] in rows
    assert {len(row) for row in rows} == {2}
    assert result.stderr.startswith(f"{len(rows)} problem(s); checked: ")


def test_checking_writes_nothing(cli, db_file: Path) -> None:
    cli("stats")  # let any migration happen first
    before = snapshot(db_file)
    assert check(cli)[0] == EXIT["ok"]
    assert snapshot(db_file) == before


def test_a_read_only_database_can_be_checked(cli, db_file: Path) -> None:
    """Run as a user for whom the permission bits hold (FTS5's check is spelt as a write)."""
    cli("stats")  # migrate while it is writable
    db_file.chmod(0o444)
    try:
        result = lrmkb_as_a_user("--db", str(db_file), "db", "check", "--json")
    finally:
        db_file.chmod(0o644)
    assert result.returncode == EXIT["ok"], result.stdout + result.stderr
    assert json.loads(result.stdout)["problems"] == []


def test_damaged_btree_is_an_integrity_problem(cli, db_file: Path) -> None:
    """An index whose entries no longer match its table (as after a torn write)."""
    cli("stats")
    sql(
        db_file,
        "PRAGMA writable_schema = ON",
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_paper_doi ON paper (title)'"
        " WHERE name = 'ix_paper_doi'",
    )
    code, report = check(cli)
    assert code == EXIT["database"]
    assert any("missing from index ix_paper_doi" in p for p in problems(report, "integrity"))


def test_dangling_reference_is_a_foreign_key_problem(cli, db_file: Path) -> None:
    sql(db_file, "INSERT INTO paper_tag (paper_id, tag) VALUES (99999, 'orphan')")
    code, report = check(cli)
    assert code == EXIT["database"]
    assert problems(report, "foreign keys") == ["paper_tag row 1 points to a missing paper"]


def test_search_index_out_of_step_with_the_tables(cli, db_file: Path) -> None:
    cli("stats")
    sql(
        db_file,
        "DELETE FROM search_index WHERE kind = 'paper' AND ref = 'chen2024think'",
        "UPDATE paper SET title = 'A title the index never saw' WHERE key = 'yue2025reinforcement'",
        "INSERT INTO search_index (rowid, kind, ref, title) VALUES (999999, 'paper', 'ghost', 'g')",
        "INSERT INTO search_index (kind, ref, title, body)"
        " SELECT kind, ref, title, body FROM search_index WHERE kind = 'node' AND ref = '4.3'",
    )
    code, report = check(cli)
    assert code == EXIT["database"]
    found = problems(report, "search index")
    for expected in [
        "1 paper(s) missing, e.g. chen2024think",
        "1 paper(s) that no longer exist, e.g. ghost",
        "1 paper(s) indexed with outdated text, e.g. yue2025reinforcement",
        "1 node(s) indexed twice, e.g. 4.3",
    ]:
        assert any(p.startswith(expected) for p in found), (expected, found)
    assert all(p.endswith("rebuild the index with `lrmkb db check --reindex`") for p in found)


def test_reindex_repairs_the_index_and_search_sees_the_change(cli, db_file: Path) -> None:
    cli("stats")
    sql(
        db_file,
        "UPDATE paper SET title = 'Quokkas reasoning' WHERE key = 'yue2025reinforcement'",
        "DELETE FROM search_index WHERE kind = 'paper' AND ref = 'chen2024think'",
    )
    assert check(cli)[0] == EXIT["database"]
    code, report = check(cli, "--reindex")
    assert code == EXIT["ok"], report
    hits = json.loads(cli("search", "quokkas", "--json").stdout)["results"]["paper"]
    assert [h["key"] for h in hits] == ["yue2025reinforcement"]


def test_damaged_full_text_index_is_found_and_reindex_cures_it(cli, db_file: Path) -> None:
    cli("stats")
    sql(db_file, "UPDATE search_index_data SET block = zeroblob(length(block)) WHERE id > 10")
    code, report = check(cli)
    assert code == EXIT["database"]
    assert any("search_index is damaged" in p for p in problems(report, "search index"))
    assert check(cli, "--reindex")[0] == EXIT["ok"]
    assert cli("search", "overthinking").exit_code == 0


def test_records_no_command_could_read(cli, db_file: Path) -> None:
    sql(
        db_file,
        "UPDATE paper SET arxiv_id = 'arXiv:2505.22148v2' WHERE key = 'jiang2025makes'",
        "UPDATE paper SET authors = 'Chen, X.' WHERE key = 'chen2024think'",
        "UPDATE paper SET categories = '{\"cs.CL\": 1}' WHERE key = 'yue2025reinforcement'",
    )
    code, report = check(cli)
    assert code == EXIT["database"]
    assert sorted(problems(report, "records")) == [
        "paper chen2024think: authors is not a JSON list of names",
        "paper jiang2025makes: arXiv id 'arXiv:2505.22148v2' is not in canonical form",
        "paper yue2025reinforcement: categories is not a JSON list",
    ]


def test_valid_seeds_pass(cli, seeds_copy: Path) -> None:
    code, report = check(cli, "--seeds", str(seeds_copy), group="dev")
    assert code == EXIT["ok"]
    assert report["checked"][-1] == "seeds" and report["seeds"] == str(seeds_copy)


def test_seed_problems_exit_1_and_name_the_file(cli, seeds_copy: Path) -> None:
    replace_once(seeds_copy / "nodes" / "4.3.toml", '"chen2024think"', '"nosuchpaper2024"')
    code, report = check(cli, "--seeds", str(seeds_copy), group="dev")
    assert code == EXIT["bad input"]
    assert "nodes/4.3.toml: node 4.3 cites unknown paper nosuchpaper2024" in problems(
        report, "seeds"
    )


def test_seeds_must_not_copy_the_survey(cli, seeds_copy: Path, tmp_path: Path) -> None:
    """Given the survey's text, twelve words in a row lifted from it are flagged."""
    survey = tmp_path / "survey.md"
    copied = "models that think longer do not always answer better and sometimes answer worse"
    survey.write_text(f"# Survey\n\nIn short, {copied.capitalize()}.\n", encoding="utf-8")
    code, report = check(cli, "--seeds", str(seeds_copy), "--survey", str(survey), group="dev")
    assert code == EXIT["ok"], report
    toml = seeds_copy / "nodes" / "4.3.toml"
    replace_once(toml, 'summary = """', f'summary = """{copied.upper()}; ')
    code, report = check(cli, "--seeds", str(seeds_copy), "--survey", str(survey), group="dev")
    assert code == EXIT["bad input"]
    [problem] = problems(report, "seeds")
    assert problem.startswith("node 4.3 copies 12 words from the survey: “models that think")


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repository's layout (data/survey.db freshly built from the seeds/ beside it),
    standing in for the bundled database. Whether the real data/survey.db is fresh is
    test_seeds.py's concern."""
    shutil.copytree(SEEDS, tmp_path / "repo" / "seeds")
    (tmp_path / "repo" / "data").mkdir()
    bundled = tmp_path / "repo" / "data" / "survey.db"
    build(SEEDS, bundled)
    monkeypatch.setattr(lrmkb.checks, "bundled_db_path", lambda: bundled)
    return tmp_path / "repo"


def test_the_checkout_db_is_checked_against_its_seeds(cli, checkout: Path) -> None:
    """`make check` on data/survey.db: sound, and exactly what the seeds build."""
    db = checkout / "data" / "survey.db"
    code, report = check(cli, "--seeds", str(checkout / "seeds"), db=db, group="dev")
    assert code == EXIT["ok"], report
    assert report["checked"][-2:] == ["seeds", "build"]
    assert report["seeds"] == str(checkout / "seeds")


def test_a_users_db_check_does_not_look_at_seeds(cli, checkout: Path) -> None:
    """Seeds are the maintainer's business (`dev check`), even on the checkout's own file."""
    replace_once(checkout / "seeds" / "papers.bib", "title = {", "title = {Revised: ")
    code, report = check(cli, db=checkout / "data" / "survey.db")
    assert code == EXIT["ok"]
    assert report["checked"] == ["integrity", "schema", "foreign keys", "search index", "records"]


def test_a_stale_checkout_db_is_reported(cli, checkout: Path) -> None:
    """Seeds edited but `make db` forgotten: the check says so."""
    replace_once(checkout / "seeds" / "papers.bib", "title = {", "title = {Revised: ")
    code, report = check(
        cli, "--seeds", str(checkout / "seeds"), db=checkout / "data" / "survey.db", group="dev"
    )
    assert code == EXIT["bad input"]
    assert problems(report, "build") == [
        f"{checkout / 'data' / 'survey.db'} differs from a fresh build of {checkout / 'seeds'}"
        " — run `make db`"
    ]
