"""`lrmkb db update`: a new survey release (built here from a modified copy of seeds/)
arrives in a database full of the user's work — edits, tags, notes, own papers, filings,
renames, removals — and takes none of it away."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import BUNDLED_DB, replace_once
from export_fixtures import add_paper
from reliability_fixtures import assert_clean_failure, snapshot

NEW_PAPER = """
@article{zz2026new,
  author = {Zed Zee and Ann Other},
  title = {Platypus overthinking, measured},
  surveytitle = {Platypus overthinking, measured},
  surveyref = {129},
  surveypage = {30},
  year = {2026},
  journal = {CoRR},
  eprint = {2601.00001},
  archiveprefix = {arXiv},
}
"""
CHEN_TITLE = "Do NOT Think That Much for 2+3=? On the Overthinking of o1-Like LLMs"
CHEN_FIXED = "Do NOT Think That Much for 2+3=? On the Overthinking of o1-like LLMs"
R1_TITLE = "DeepSeek-R1 Thoughtology: Let's <think> about LLM Reasoning"
R1_FIXED = "DeepSeek-R1 Thoughtology: Let's <think> About LLM Reasoning"


def build(cli, seeds: Path, out: Path) -> str:
    """Build a release from `seeds` at `out`; its release name."""
    result = cli("dev", "build", "--seeds", str(seeds), "--output", str(out), db=None)
    assert result.exit_code == 0, result.stderr
    return json.loads(cli("stats", "--json", db=out).stdout)["survey_release"]["release"]


@pytest.fixture
def release(cli, seeds_copy: Path, tmp_path: Path) -> Path:
    """The next survey release: corrected titles and a note, a new paper (filed, cited),
    a reworded claim, a renamed section, a paper moved between questions."""
    bib = seeds_copy / "papers.bib"
    replace_once(bib, f"title = {{{CHEN_TITLE}}}", f"title = {{{CHEN_FIXED}}}")
    replace_once(bib, f"title = {{{R1_TITLE}}}", f"title = {{{R1_FIXED}}}")
    replace_once(bib, "note = {Oral Presentation}", "note = {Oral}")
    replace_once(bib, "title = {Rank-1 reasoning:", "title = {Rank-one reasoning:")
    bib.write_text(bib.read_text(encoding="utf-8") + NEW_PAPER, encoding="utf-8")
    node = seeds_copy / "nodes" / "4.3.toml"
    replace_once(node, 'title = "Overthinking"', 'title = "Overthinking and its costs"')
    replace_once(
        node,
        'papers = ["chen2024think", "sui2025stop"]',
        'papers = ["chen2024think", "sui2025stop", "zz2026new"]',
    )
    replace_once(
        node,
        '"gema2025inverse", "hassid2025dont", "chen2024think"]',
        '"gema2025inverse", "chen2024think"]',
    )
    replace_once(
        node,
        '"wang2025thoughts", "cuadron2025danger",',
        '"wang2025thoughts", "hassid2025dont", "cuadron2025danger",',
    )
    replace_once(
        node,
        "Test-time scaling usually helps, yet",
        "Test-time scaling often helps, yet",
    )
    replace_once(
        node,
        'supports = ["chen2024think", "sui2025stop"]\n',
        'supports = ["chen2024think", "sui2025stop", "zz2026new"]\n',
    )
    return tmp_path / "release.db"


def sections(db: Path, key: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT n.code FROM paper_node pn JOIN taxonomy_node n ON n.id = pn.node_id"
                " JOIN paper p ON p.id = pn.paper_id WHERE p.key = ? ORDER BY n.code",
                (key,),
            )
        ]


def value(db: Path, sql: str, *args: object) -> object:
    with sqlite3.connect(db) as conn:
        row = conn.execute(sql, args).fetchone()
    return row[0] if row else None


def users_work(cli, db: Path) -> None:
    """Everything a user does to a library, survey papers included."""
    for args in [
        ("edit", "chen2024think", "title=My own title for Chen"),
        ("edit", "sui2025stop", "doi=10.1234/mine"),
        ("tag", "sui2025stop", "mine"),
        ("note", "sui2025stop", "--add", "My note."),
        ("file", "marjanovic2025deepseekr1", "--section", "2.2"),
        ("file", "gema2025inverse", "--section", "4.3.1", "--remove"),
        ("rm", "ward2025rank1", "--yes"),
        ("rename", "yue2025reinforcement", "yue2025rl"),
    ]:
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
    add_paper(db, key="lee2025own", title="My own paper", authors=["Ann Lee"], year=2025)


def test_a_new_release_arrives_and_the_users_work_stays(
    cli, db_file: Path, release: Path, seeds_copy: Path
) -> None:
    held = json.loads(cli("stats", "--json").stdout)["survey_release"]["release"]
    new = build(cli, seeds_copy, release)
    users_work(cli, db_file)
    before = snapshot(db_file)
    dry = cli("db", "update", "--from", str(release), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert snapshot(db_file) == before
    result = cli("db", "update", "--from", str(release))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()  # action, key, detail (docs/output.md)
    assert "added\tzz2026new\t" in lines
    assert "updated\tmarjanovic2025deepseekr1\ttitle" in lines
    assert "updated\tyue2025rl\tnote" in lines
    assert "refiled\thassid2025dont\t+4.3.2 -4.3.1" in lines
    conflict = next(line for line in lines if line.startswith("conflict\t"))
    assert conflict.startswith(
        "conflict\tchen2024think\ttitle: yours kept “My own title for Chen” (edited by "
    )
    assert conflict.endswith(f"the release has “{CHEN_FIXED}”")
    assert "kept-removed\tward2025rank1\tyou removed it" in lines
    assert result.stderr.splitlines() == [  # for the person: where from, how much, where now
        f"updating from survey release {held} to {new}",
        "sections: 1 changed",
        "findings: 1 changed",
        f"now at survey release {new}: 1 added, 2 updated, 1 conflict (yours kept); "
        "your tags, notes and own papers are untouched",
    ]
    assert dry.stdout.splitlines() == lines  # a dry run reports what the run then did
    assert dry.stderr.startswith("dry run: nothing was written\nwould update from survey release")

    # the user's work
    assert (
        value(db_file, "SELECT title FROM paper WHERE key = 'chen2024think'")
        == "My own title for Chen"
    )
    assert value(db_file, "SELECT doi FROM paper WHERE key = 'sui2025stop'") == "10.1234/mine"
    assert json.loads(cli("show", "sui2025stop", "--json").stdout)["tags"] == ["mine"]
    assert json.loads(cli("show", "sui2025stop", "--json").stdout)["notes"] == "My note."
    assert value(db_file, "SELECT title FROM paper WHERE key = 'lee2025own'") == "My own paper"
    assert sections(db_file, "marjanovic2025deepseekr1") == ["2.2", "3.1.1", "4.3.1"]
    assert "4.3.1" not in sections(db_file, "gema2025inverse")
    assert value(db_file, "SELECT count(*) FROM paper WHERE key = 'ward2025rank1'") == 0
    assert json.loads(cli("show", "yue2025reinforcement", "--json").stdout)["key"] == "yue2025rl"
    # the release's corrections and additions
    assert (
        value(db_file, "SELECT title FROM paper WHERE key = 'marjanovic2025deepseekr1'") == R1_FIXED
    )
    assert value(db_file, "SELECT note FROM paper WHERE key = 'yue2025rl'") == "Oral"
    assert sections(db_file, "hassid2025dont") == ["4.3.2"]
    assert sections(db_file, "zz2026new") == ["4.3"]
    assert (
        value(db_file, "SELECT title FROM taxonomy_node WHERE code = '4.3'")
        == "Overthinking and its costs"
    )
    claim = json.loads(cli("findings", "--section", "4.3", "--json").stdout)[0]
    assert claim["text"].startswith("Test-time scaling often helps, yet")
    assert [p["key"] for p in claim["papers"]] == ["chen2024think", "sui2025stop", "zz2026new"]
    found = json.loads(cli("search", "platypus", "--json").stdout)["results"]["paper"]
    assert [p["key"] for p in found] == ["zz2026new"]
    # the update is logged like an edit, and the database knows its release
    edits = json.loads(cli("show", "marjanovic2025deepseekr1", "--json").stdout)["edits"]
    assert [(e["field"], e["old"], e["new"], e["via"], e["who"]) for e in edits] == [
        ("title", R1_TITLE, R1_FIXED, "update", f"survey {new}")
    ]
    assert f"survey\trelease\t\t{new} (built 2026-01-28, applied " in cli("stats").stdout
    assert cli("db", "check").exit_code == 0
    again = cli("db", "update", "--from", str(release))
    assert (again.stdout, again.stderr) == ("", f"already at survey release {new}; nothing to do\n")


def test_json_report(cli, db_file: Path, release: Path, seeds_copy: Path) -> None:
    build(cli, seeds_copy, release)
    assert cli("edit", "chen2024think", "title=Mine").exit_code == 0
    report = json.loads(cli("db", "update", "--from", str(release), "--json").stdout)
    assert report["added"] == ["zz2026new"]
    assert report["conflicts"][0] | {"why": ""} == {
        "key": "chen2024think",
        "field": "title",
        "yours": "Mine",
        "release": CHEN_FIXED,
        "why": "",
    }
    assert report["nodes"] == {"added": [], "changed": ["4.3"], "removed": [], "kept": []}
    assert report["dry_run"] is False and report["up_to_date"] is False


def test_an_edit_survives_every_later_update(
    cli, db_file: Path, release: Path, seeds_copy: Path
) -> None:
    """The user's correction of a field no release touches stays through two releases."""
    assert cli("edit", "marjanovic2025deepseekr1", "shortname=Thoughtology").exit_code == 0
    build(cli, seeds_copy, release)
    assert cli("db", "update", "--from", str(release)).exit_code == 0
    replace_once(
        seeds_copy / "papers.bib", "shortname = {R1 Thoughtology}", "shortname = {R1-Thoughtology}"
    )
    second = seeds_copy.parent / "second.db"
    build(cli, seeds_copy, second)
    result = cli("db", "update", "--from", str(second))
    assert (
        "conflict\tmarjanovic2025deepseekr1\tshort_name: yours kept “Thoughtology”" in result.stdout
    )
    assert (
        value(db_file, "SELECT short_name FROM paper WHERE key = 'marjanovic2025deepseekr1'")
        == "Thoughtology"
    )


def test_the_users_copy_of_a_paper_the_release_adds_is_merged(
    cli, db_file: Path, release: Path, seeds_copy: Path
) -> None:
    """The user added the paper from arXiv before the survey cited it: the release's
    record fills it, under the user's key (the release's becomes an alias)."""
    add_paper(
        db_file,
        key="zee2026platypus",
        title="Platypus overthinking, measured",
        authors=["Zed Zee"],
        year=2026,
        arxiv_id="2601.00001",
        abstract="Ours.",
        source="arxiv",
        nodes=(),
    )
    assert cli("tag", "zee2026platypus", "mine").exit_code == 0
    build(cli, seeds_copy, release)
    result = cli("db", "update", "--from", str(release))
    assert "merged\tzee2026platypus\tthe release's zz2026new" in result.stdout.splitlines()
    assert value(db_file, "SELECT count(*) FROM paper WHERE arxiv_id = '2601.00001'") == 1
    shown = json.loads(cli("show", "zz2026new", "--json").stdout)
    assert (shown["key"], shown["source"], shown["abstract"], shown["tags"]) == (
        "zee2026platypus",
        "survey",
        "Ours.",
        ["mine"],
    )
    assert shown["authors"] == ["Zed Zee"]  # the user's value kept …
    assert "conflict\tzee2026platypus\tauthors: " in result.stdout  # … and the difference said
    assert sections(db_file, "zee2026platypus") == ["4.3"]
    assert cli("db", "check").exit_code == 0


def test_an_empty_database_receives_the_whole_survey(cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    assert cli("db", "init", db=empty).exit_code == 0
    result = cli("db", "update", "--from", str(BUNDLED_DB), db=empty)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("updating from survey release (none recorded)")
    stats = json.loads(cli("stats", "--json", db=empty).stdout)
    survey = json.loads(cli("stats", "--json", db=BUNDLED_DB).stdout)
    counts = ("papers", "nodes", "findings", "papers_per_section", "survey_release")
    assert stats["papers"] == 128
    assert {k: stats[k] for k in counts} == {k: survey[k] for k in counts} | {
        "survey_release": stats["survey_release"]
    }
    assert stats["survey_release"]["release"] == survey["survey_release"]["release"]
    assert cli("db", "check", db=empty).exit_code == 0
    assert cli("doctor", db=empty).exit_code == 0


def test_a_database_from_before_releases_were_recorded(
    cli, db_file: Path, release: Path, seeds_copy: Path
) -> None:
    """No ancestor: the survey papers as they are stand for one, and an empty value in
    the release never clears what `add` or `import` filled."""
    with sqlite3.connect(db_file) as db:
        db.execute("DELETE FROM survey_release")
        db.execute("DELETE FROM survey_base")
        db.execute("UPDATE paper SET abstract = 'Filled from arXiv.' WHERE key = 'chen2024think'")
    build(cli, seeds_copy, release)
    result = cli("db", "update", "--from", str(release))
    assert result.exit_code == 0, result.stderr
    assert (
        value(db_file, "SELECT abstract FROM paper WHERE key = 'chen2024think'")
        == "Filled from arXiv."
    )
    assert value(db_file, "SELECT title FROM paper WHERE key = 'chen2024think'") == CHEN_FIXED
    assert value(db_file, "SELECT count(*) FROM paper WHERE key = 'zz2026new'") == 1


def test_the_bundled_release_is_already_in_a_fresh_copy(cli) -> None:
    held = json.loads(cli("stats", "--json").stdout)["survey_release"]["release"]
    done = cli("db", "update")
    assert (done.stdout, done.stderr) == ("", f"already at survey release {held}; nothing to do\n")


@pytest.mark.parametrize("what", ["text", "not a release", "older"])
def test_what_is_not_a_release_is_refused(cli, db_file: Path, tmp_path: Path, what: str) -> None:
    other = tmp_path / "other.db"
    if what == "text":
        other.write_text("hello")
    elif what == "not a release":
        assert cli("db", "init", db=other).exit_code == 0
    else:
        sqlite3.connect(other).execute("PRAGMA user_version = 3").connection.close()
    before = snapshot(db_file)
    line = assert_clean_failure(cli("db", "update", "--from", str(other)), 1, db_file, before)
    assert "is not a survey release" in line


def test_the_release_cannot_update_itself(cli, tmp_path: Path) -> None:
    copy = tmp_path / "rel.db"
    copy.write_bytes(BUNDLED_DB.read_bytes())
    result = cli("db", "update", "--from", str(copy), db=copy)
    assert result.exit_code == 4
    assert "refusing to update the survey release from itself" in result.stderr


def test_a_release_key_the_user_already_uses_for_another_paper(
    cli, db_file: Path, release: Path, seeds_copy: Path
) -> None:
    """The user's own paper is called zz2026new (another arXiv id): the release's paper
    arrives under the next free key, and neither is merged into the other."""
    add_paper(
        db_file,
        key="zz2026new",
        title="Mine",
        authors=["Me"],
        year=2026,
        arxiv_id="2602.00002",
        nodes=(),
    )
    build(cli, seeds_copy, release)
    result = cli("db", "update", "--from", str(release))
    assert "added\tzz2026newa\t" in result.stdout.splitlines()
    assert value(db_file, "SELECT title FROM paper WHERE key = 'zz2026new'") == "Mine"
    assert value(db_file, "SELECT arxiv_id FROM paper WHERE key = 'zz2026newa'") == "2601.00001"
    assert sections(db_file, "zz2026newa") == ["4.3"]
    claim = json.loads(cli("findings", "--section", "4.3", "--json").stdout)[0]
    assert [p["key"] for p in claim["papers"]] == ["chen2024think", "sui2025stop", "zz2026newa"]
    assert "conflict\t" not in result.stdout


def test_an_update_that_fails_half_way_writes_nothing(
    cli, db_file: Path, release: Path, seeds_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The papers are merged, then the findings fail: the whole update is rolled back."""
    from lrmkb import survey_update

    build(cli, seeds_copy, release)
    assert cli("edit", "chen2024think", "shortname=Mine").exit_code == 0
    before = snapshot(db_file)

    def broken(self: object) -> bool:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(survey_update._Merge, "merge_findings", broken)
    result = cli("db", "update", "--from", str(release))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No space left on device")
    assert snapshot(db_file) == before


def test_curated_watch_queries_follow_the_release_unless_the_user_changed_them(
    cli, db_file: Path, seeds_copy: Path, tmp_path: Path
) -> None:
    """A release's new arXiv query for a node arrives; the user's own query (`watch set`)
    and a query the user removed (`watch rm`) stay as the user left them."""
    watch = seeds_copy / "watch.toml"
    for code in ("2.1", "2.1.1", "2.1.2"):
        text = watch.read_text(encoding="utf-8")
        start = text.index(f"code = \"{code}\"\nquery = '''") + len(
            f"code = \"{code}\"\nquery = '''"
        )
        watch.write_text(text[:start] + "abs:platypus AND " + text[start:], encoding="utf-8")
    release = tmp_path / "release.db"
    build(cli, seeds_copy, release)
    assert cli("watch", "set", "2.1.1", "abs:mine").exit_code == 0
    assert cli("watch", "rm", "2.1.2").exit_code == 0
    result = cli("db", "update", "--from", str(release))
    assert "watch queries: 1 changed" in result.stderr.splitlines()
    queries = {q["code"]: q["query"] for q in json.loads(cli("watch", "list", "--json").stdout)}
    assert queries["2.1"].startswith("abs:platypus AND ")
    assert queries["2.1.1"] == "abs:mine"
    assert "2.1.2" not in queries or queries["2.1.2"] is None
