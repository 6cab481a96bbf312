"""`lrmkb doctor`: problems in a user's library, phrased as lrmkb commands, and (the
maintainers' `lrmkb dev doctor`) the curation problems of the bundled survey too, phrased
as fixes to seeds/; exit 1 when it finds a problem, 0 when only notes or nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import glottolog_text
from export_fixtures import add_paper

SURVEY_PROBLEMS = [  # piped: severity, check, subject, message (then the hint)
    "note\tempty-node\tB.2\tB.2 Advancing Interpretability Methodology has no papers "
    "(the survey cites none here)",
    "problem\tmissing-id\tfeng2025efficient\tfeng2025efficient is published "
    "(Trans. Mach. Learn. Res.) but has neither a DOI nor an arXiv id",
    "problem\tmissing-id\tsui2025stop\tsui2025stop is published (Trans. Mach. Learn. Res.) "
    "but has neither a DOI nor an arXiv id",
    "problem\tmissing-id\tward2025rank1\tward2025rank1 is published (Mechanistic "
    "Interpretability Workshop at NeurIPS 2025) but has neither a DOI nor an arXiv id",
]


def healthy(result) -> bool:
    """Exit 0, no rows, and the summary (on stderr) says so."""
    return (result.exit_code, result.stdout, result.stderr) == (0, "", "0 problem(s), 0 note(s)\n")


def test_a_copy_of_the_survey_is_a_healthy_library(cli) -> None:
    assert healthy(cli("doctor"))


def test_the_bundled_survey_has_three_papers_without_ids(cli) -> None:
    result = cli("dev", "doctor")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.rsplit("\t", 1)[0] for line in lines] == SURVEY_PROBLEMS
    assert result.stderr == "3 problem(s), 1 note(s)\n"
    assert lines[1].split("\t")[-1].startswith("add its `doi`")


def test_a_node_the_survey_leaves_uncited_is_only_a_note(cli, db_file: Path) -> None:
    result = cli("dev", "doctor")
    assert result.exit_code == 1  # the three missing ids remain
    assert (
        "note\tempty-node\tB.2\tB.2 Advancing Interpretability Methodology has no papers "
        "(the survey cites none here)\tnothing to do\n"
    ) in result.stdout
    with sqlite3.connect(db_file) as db:
        db.execute("UPDATE taxonomy_node SET uncited = 0 WHERE code = 'B.2'")
    assert "problem\tempty-node\tB.2\t" in cli("dev", "doctor").stdout


def test_json_report(cli) -> None:
    report = json.loads(cli("dev", "doctor", "--json").stdout)
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
    assert healthy(cli("dev", "doctor"))


def test_planted_defects_are_each_reported_with_the_command_that_fixes_them(
    cli, db_file: Path
) -> None:
    base = {"authors": ["Ann Lee"], "year": 2025}
    add_paper(db_file, key="lee2025copy", title="A different title", arxiv_id="2412.21187", **base)
    add_paper(db_file, key="lee2025seal", title="Seal again", short_name="seal", **base)
    add_paper(db_file, key="lee2025link", title="Link", code_url="github.com/lee/x", **base)
    add_paper(db_file, key="Lee 2025!", title="Odd key", **base)
    report = json.loads(cli("doctor", "--json").stdout)
    found = {(i["check"], i["subject"]) for i in report["issues"]}
    assert found == {
        ("duplicate-arxiv-id", "chen2024think"),
        ("duplicate-short-name", "chen2025seal"),
        ("bad-link", "lee2025link"),
        ("bad-key", "Lee 2025!"),
    }
    result = cli("doctor")
    assert result.exit_code == 1
    text = result.stdout
    assert (
        "arXiv id 2412.21187 is on 2 papers with different titles: chen2024think “Do NOT Think "
        "That Much for 2+3=? On the Overthinking of o1-Like LLMs”; lee2025copy “A different title”"
        "\tcorrect the arXiv id of the paper it is not, e.g. `lrmkb edit lee2025copy eprint=…`"
    ) in text
    assert (
        "short name 'seal' is used by chen2025seal, lee2025seal\tgive each paper its own: "
        "`lrmkb edit lee2025seal shortname=NAME`"
    ) in text
    assert (
        "lee2025link: code link 'github.com/lee/x' is not an http(s) URL\twrite the full "
        "address: `lrmkb edit lee2025link code=https://…`"
    ) in text
    assert (
        # a backslash is written \\ in TSV (docs/output.md)
        "key 'Lee 2025!' has characters \\\\cite cannot take (outside A-Z a-z 0-9 _ : . + / -)"
        "\trename it (the old key stays an alias): `lrmkb rename 'Lee 2025!' lee2025odd`"
    ) in text
    assert "seeds/" not in text
    assert result.stderr == "4 problem(s), 0 note(s)\n"


def test_each_fix_the_doctor_names_works(cli, db_file: Path) -> None:
    base = {"authors": ["Ann Lee"], "year": 2025}
    add_paper(db_file, key="lee2025seal", title="Seal again", short_name="seal", **base)
    add_paper(db_file, key="lee2025link", title="Link", code_url="github.com/lee/x", **base)
    add_paper(db_file, key="Lee 2025!", title="Odd key", **base)
    assert cli("edit", "lee2025seal", "shortname=Seal II").exit_code == 0
    assert cli("edit", "lee2025link", "code=https://github.com/lee/x").exit_code == 0
    assert cli("rename", "Lee 2025!", "lee2025odd").exit_code == 0
    assert healthy(cli("doctor"))


def test_papers_outside_the_survey_are_not_problems(cli, tmp_path: Path) -> None:
    """A library of imported journal articles (no DOI, filed nowhere) is not 2 × N
    problems: being outside the survey is not a defect."""
    bib = tmp_path / "mine.bib"
    bib.write_text(
        "".join(
            f"@article{{k{n},\n  author = {{Author{n}, Ann}},\n  title = {{Study number {n}}},\n"
            f"  journal = {{Journal of Tests}},\n  year = {{2001}},\n}}\n\n"
            for n in range(60)
        ),
        encoding="utf-8",
    )
    assert "60 added" in cli("import", str(bib)).stderr
    assert healthy(cli("doctor"))
    assert cli("dev", "doctor", "--json").stdout.count('"missing-id"') == 3  # the survey's


def test_seeds_mode_reports_the_survey_curation_problems(cli, db_file: Path) -> None:
    base = {"authors": ["Ann Lee"], "year": 2025, "source": "survey"}
    add_paper(db_file, key="lee2025lost", title="Filed nowhere", nodes=(), **base)
    add_paper(db_file, key="lee2025seal", title="Seal again", short_name="seal", **base)
    add_paper(
        db_file,
        key="lee2025journal",
        title="In a journal",
        entry_type="article",
        venue="Nature",
        **base,
    )
    add_paper(db_file, key="lee2025mine", title="My own", nodes=(), authors=["Bo"], year=2020)
    with sqlite3.connect(db_file) as db:
        db.execute(
            "INSERT INTO taxonomy_node (code, title, parent_id, kind, position, summary) "
            "SELECT '4.3.9', 'An empty question', id, 'question', 9, '' "
            "FROM taxonomy_node WHERE code = '4.3'"
        )
    report = json.loads(cli("dev", "doctor", "--json").stdout)
    issues = {(i["check"], i["subject"]): i["hint"] for i in report["issues"]}
    assert {
        ("paper-in-no-node", "lee2025lost"),
        ("empty-node", "4.3.9"),
        ("missing-id", "lee2025journal"),
    } <= set(issues)
    assert ("paper-in-no-node", "lee2025mine") not in issues  # the user's own paper
    assert issues["duplicate-short-name", "chen2025seal"] == (
        "give each paper its own short name (`shortname` in seeds/papers.bib)"
    )
    library = json.loads(cli("doctor", "--json").stdout)
    assert {(i["check"], i["severity"]) for i in library["issues"]} == {
        ("duplicate-short-name", "problem"),
        ("dropped-section", "note"),  # 4.3.9 is in no survey release
    }


def test_a_real_imported_bibliography_is_not_thousands_of_problems(cli, tmp_path: Path) -> None:
    """The issue's case: 8,744 real entries (Glottolog), most of them journal articles
    without a DOI and filed nowhere, were 17,176 "problems"; none is a problem. What
    doctor notes are the file's real duplicates — one record per language a paper is
    about (`Agha1994-1`, `-2`: the same paper, `zurichcode` Urdu and Hindi), and a few
    with a typo in one title (`Timin`) — kept by the import (two keys of one file are two
    entries) and listed for the user to decide. (`--full`: a library this big is otherwise
    examined on a sample, whose notes are some of these.)"""
    bib = tmp_path / "glottolog.bib"
    bib.write_text(glottolog_text(), encoding="utf-8")
    imported = cli("import", str(bib), "--json")
    assert json.loads(imported.stdout)["summary"]["added"] == 8744
    result = cli("doctor", "--full")
    assert result.exit_code == 0
    sampled = cli("doctor")
    assert sampled.exit_code == 0
    assert set(sampled.stdout.splitlines()) <= set(result.stdout.splitlines())
    assert "sampled papers" in sampled.stderr
    notes = [line.split("\t") for line in result.stdout.splitlines()]
    assert result.stderr == f"0 problem(s), {len(notes)} note(s)\n"
    assert {tuple(n[:2]) for n in notes} == {("note", "likely-duplicate")}
    assert 50 < len(notes) < 100
    assert [
        "note",
        "likely-duplicate",
        "Agha1994-1",
        "Agha1994-1 and Agha1994-2 look like one paper (titles 100% alike, same first author"
        " and year)",
        "if they are one paper: `lrmkb rm Agha1994-2`; if not, nothing to do",
    ] in notes
    assert any(n[3].startswith("Hubbard1993-1 and Hubbard1993-3") for n in notes)


def test_a_database_holding_another_survey_release_is_told_to_update(cli, db_file: Path) -> None:
    with sqlite3.connect(db_file) as db:
        db.execute("UPDATE survey_release SET release = '000000000000'")
    result = cli("doctor")
    assert result.exit_code == 0  # a note, not a problem
    assert result.stdout.startswith(
        "note\tsurvey-release\tsurvey\tthis database holds survey release 000000000000; lrmkb "
        "ships survey release "
    )
    assert result.stdout.endswith(
        "\tbring it in with `lrmkb db update` (your edits, tags, notes and papers stay)\n"
    )
    empty = db_file.parent / "empty.db"
    assert cli("db", "init", db=empty).exit_code == 0
    assert "this database holds no survey release" in cli("doctor", db=empty).stdout


def test_papers_in_a_section_the_survey_dropped_are_moved_with_file(cli, db_file: Path) -> None:
    """A section `db update` kept because the user's papers are filed there: doctor says
    how to move them, and once they are moved the next update removes it."""
    with sqlite3.connect(db_file) as db:
        db.execute(
            "INSERT INTO taxonomy_node (code, title, parent_id, kind, position, summary) "
            "SELECT '4.3.9', 'A dropped question', id, 'question', 9, '' "
            "FROM taxonomy_node WHERE code = '4.3'"
        )
    add_paper(
        db_file, key="lee2025mine", title="Mine", authors=["Ann Lee"], year=2025, nodes=("4.3.9",)
    )
    result = cli("doctor")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].split("\t") == [
        "problem",
        "dropped-section",
        "4.3.9",
        "4.3.9 A dropped question is no longer in the survey; 1 of your papers are filed there: "
        "lee2025mine",
        "file them elsewhere (`lrmkb file lee2025mine --section CODE`), unfile them (`lrmkb file "
        "lee2025mine --section 4.3.9 --remove`), then `lrmkb db update` removes the section",
    ]
    assert cli("file", "lee2025mine", "--section", "4.3.2").exit_code == 0
    assert cli("file", "lee2025mine", "--section", "4.3.9", "--remove").exit_code == 0
    assert (
        "\tdropped-section\t4.3.9\t4.3.9 A dropped question is no longer in the survey and holds "
        in (cli("doctor").stdout)
    )
    update = cli("db", "update")
    assert update.stderr.endswith("removed the sections it no longer has, now empty: 4.3.9\n")
    assert healthy(cli("doctor"))
    assert cli("db", "check").exit_code == 0


def test_the_end_user_doctor_has_no_maintainer_option(cli) -> None:
    """The seeds/ audit is a maintainer's tool: `lrmkb dev doctor`, not `doctor --seeds`."""
    assert "--seeds" not in cli("doctor", "--help").stdout
    refused = cli("doctor", "--seeds")
    assert refused.exit_code == 2
    assert refused.stderr.splitlines()[-1] == "Error: No such option: --seeds"
    assert "dev" not in cli("--help").stdout.split()
    assert cli("dev", "doctor", "--help").exit_code == 0
