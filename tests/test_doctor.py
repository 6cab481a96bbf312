"""`lrmkb doctor`: the curation problems a maintainer should fix, on the bundled survey and
on planted defects; exit 1 when it finds a problem, 0 when only notes or nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from export_fixtures import add_paper

SURVEY_PROBLEMS = [
    "note: [empty-node] B.2 Advancing Interpretability Methodology has no papers "
    "(the survey cites none here)",
    "problem: [missing-id] feng2025efficient is published (Trans. Mach. Learn. Res.) "
    "but has neither a DOI nor an arXiv id",
    "problem: [missing-id] sui2025stop is published (Trans. Mach. Learn. Res.) "
    "but has neither a DOI nor an arXiv id",
    "problem: [missing-id] ward2025rank1 is published (Mechanistic Interpretability Workshop "
    "at NeurIPS 2025) but has neither a DOI nor an arXiv id",
]


def test_the_bundled_survey_has_three_papers_without_ids(cli) -> None:
    result = cli("doctor")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(" — ")[0] for line in lines[:-1]] == SURVEY_PROBLEMS
    assert lines[-1] == "3 problem(s), 1 note(s)"
    assert "add its `doi`" in lines[1]


def test_a_node_the_survey_leaves_uncited_is_only_a_note(cli, db_file: Path) -> None:
    result = cli("doctor")
    assert result.exit_code == 1  # the three missing ids remain
    assert (
        "note: [empty-node] B.2 Advancing Interpretability Methodology has no papers "
        "(the survey cites none here) — nothing to do"
    ) in result.stdout
    with sqlite3.connect(db_file) as db:
        db.execute("UPDATE taxonomy_node SET uncited = 0 WHERE code = 'B.2'")
    assert "problem: [empty-node] B.2" in cli("doctor").stdout


def test_json_report(cli) -> None:
    report = json.loads(cli("doctor", "--json").stdout)
    assert (report["ok"], report["problems"], report["notes"]) == (False, 3, 1)
    assert report["issues"][0] == {
        "check": "empty-node",
        "severity": "note",
        "subject": "B.2",
        "message": "B.2 Advancing Interpretability Methodology has no papers "
        "(the survey cites none here)",
        "hint": "nothing to do",
    }
    assert {i["subject"] for i in report["issues"][1:]} == {
        "feng2025efficient",
        "sui2025stop",
        "ward2025rank1",
    }


def test_a_clean_database_passes(cli, db_file: Path) -> None:
    with sqlite3.connect(db_file) as db:
        db.execute("DELETE FROM taxonomy_node WHERE code = 'B.2'")
        db.execute(
            "UPDATE paper SET doi = '10.0000/' || key "
            "WHERE key IN ('feng2025efficient', 'sui2025stop', 'ward2025rank1')"
        )
    result = cli("doctor")
    assert (result.exit_code, result.stdout) == (0, "0 problem(s), 0 note(s)\n")


def test_planted_defects_are_each_reported(cli, db_file: Path) -> None:
    base = {"authors": ["Ann Lee"], "year": 2025}
    add_paper(db_file, key="lee2025copy", title="A different title", arxiv_id="2412.21187", **base)
    add_paper(db_file, key="lee2025seal", title="Seal again", short_name="seal", **base)
    add_paper(db_file, key="lee2025lost", title="Filed nowhere", nodes=(), **base)
    add_paper(db_file, key="lee2025link", title="Link", code_url="github.com/lee/x", **base)
    add_paper(db_file, key="Lee 2025!", title="Odd key", **base)
    add_paper(
        db_file,
        key="lee2025journal",
        title="In a journal",
        entry_type="article",
        venue="Nature",
        **base,
    )
    with sqlite3.connect(db_file) as db:
        db.execute(
            "INSERT INTO taxonomy_node (code, title, parent_id, kind, position, summary) "
            "SELECT '4.3.9', 'An empty question', id, 'question', 9, '' "
            "FROM taxonomy_node WHERE code = '4.3'"
        )
    report = json.loads(cli("doctor", "--json").stdout)
    found = {(i["check"], i["subject"]) for i in report["issues"]}
    assert {
        ("duplicate-arxiv-id", "chen2024think"),
        ("duplicate-short-name", "chen2025seal"),
        ("paper-in-no-node", "lee2025lost"),
        ("empty-node", "4.3.9"),
        ("bad-link", "lee2025link"),
        ("bad-key", "Lee 2025!"),
        ("missing-id", "lee2025journal"),
    } <= found
    text = cli("doctor").stdout
    assert (
        "arXiv id 2412.21187 is on 2 papers with different titles: chen2024think “Do NOT Think "
        "That Much for 2+3=? On the Overthinking of o1-Like LLMs”; lee2025copy “A different title”"
    ) in text
    assert "short name 'seal' is used by chen2025seal, lee2025seal" in text
    assert "lee2025link: code link 'github.com/lee/x' is not an http(s) URL" in text
    assert "key 'Lee 2025!' has characters outside [a-z0-9_-]" in text
