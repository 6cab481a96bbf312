"""`lrmkb edit`: FIELD=VALUE and BibTeX in $EDITOR (a small script stands in for the
editor), validation, the diff, the edit log, and nothing written on any failure."""

from __future__ import annotations

import json
import shlex
import sqlite3
import sys
from pathlib import Path

import pytest

from export_fixtures import add_paper
from reliability_fixtures import assert_clean_failure, snapshot

KEY = "chen2024think"
TITLE = "Do NOT Think That Much for 2+3=? On the Overthinking of o1-Like LLMs"


def column(db: Path, key: str, name: str) -> object:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT {name} FROM paper WHERE key = ?", (key,)).fetchone()[0]


def edit_log(db: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT p.key, e.field, e.old_value, e.new_value FROM paper_edit e"
            " JOIN paper p ON p.id = e.paper_id ORDER BY e.id"
        ).fetchall()


def test_fields_of_a_survey_paper_are_corrected_with_a_diff_and_a_log(cli, db_file: Path) -> None:
    result = cli("edit", KEY, "title=Do NOT Think That Much, Platypus", "year=2025")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (  # piped: key, field, old, new (the diff is for a terminal)
        f"{KEY}\ttitle\t{TITLE}\tDo NOT Think That Much, Platypus\n{KEY}\tyear\t2024\t2025\n"
    )
    assert column(db_file, KEY, "title") == "Do NOT Think That Much, Platypus"
    assert column(db_file, KEY, "year") == 2025
    assert edit_log(db_file) == [
        (KEY, "title", json.dumps(TITLE), '"Do NOT Think That Much, Platypus"'),
        (KEY, "year", "2024", "2025"),
    ]
    shown = json.loads(cli("show", KEY, "--json").stdout)
    assert [(e["field"], e["old"], e["new"], e["via"]) for e in shown["edits"]] == [
        ("title", TITLE, "Do NOT Think That Much, Platypus", "edit"),
        ("year", 2024, 2025, "edit"),
    ]
    assert all(e["who"] and e["at"].endswith("Z") for e in shown["edits"])
    assert "\nedit\t" in cli("show", KEY).stdout
    found = json.loads(cli("search", "platypus", "--type", "paper", "--json").stdout)
    assert [p["key"] for p in found["results"]["paper"]] == [KEY]  # re-indexed
    assert cli("db", "check").exit_code == 0


def test_bibtex_names_ids_lists_and_clearing(cli, db_file: Path) -> None:
    result = cli(
        "edit",
        "sui2025stop",
        "author=Sui, Yang and Ann Lee and others",
        "journal=TMLR",
        "eprint=arXiv:2503.16419v3",
        "doi=https://doi.org/10.1234/ABC",
        "code=https://github.com/x/y",
        "categories=cs.CL, cs.AI",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    changed = {c["field"]: c["new"] for c in json.loads(result.stdout)["changes"]}
    assert changed == {
        "authors": ["Yang Sui", "Ann Lee"],
        "authors_more": True,
        "venue": "TMLR",
        "arxiv_id": "2503.16419",
        "arxiv_version": 3,
        "doi": "10.1234/abc",
        "code_url": "https://github.com/x/y",
        "categories": ["cs.CL", "cs.AI"],
        "id_source": "manual",
    }
    assert json.loads(str(column(db_file, "sui2025stop", "authors"))) == ["Yang Sui", "Ann Lee"]
    assert cli("edit", "sui2025stop", "doi=", "code=").exit_code == 0
    assert column(db_file, "sui2025stop", "doi") is None
    assert column(db_file, "sui2025stop", "code_url") is None


def test_a_new_title_drops_the_old_case_protected_spelling(cli, db_file: Path) -> None:
    add_paper(
        db_file,
        key="lee2025llm",
        title="LLMs reason",
        title_latex="{LLM}s reason",
        authors=["Ann Lee"],
        year=2025,
    )
    same = cli("edit", "lee2025llm", "title=LLMs reason")
    assert (same.stdout, same.stderr) == ("", "nothing changed in lee2025llm\n")
    assert column(db_file, "lee2025llm", "title_latex") == "{LLM}s reason"
    assert cli("edit", "lee2025llm", "title=LLMs think").exit_code == 0
    assert column(db_file, "lee2025llm", "title_latex") is None
    assert "title = {{LLM}s think}" in cli("export", "--key", "lee2025llm").stdout


def test_dry_run_shows_the_diff_and_writes_nothing(cli, db_file: Path) -> None:
    before = snapshot(db_file)
    result = cli("edit", KEY, "year=2030", "--dry-run")
    assert result.stdout == f"{KEY}\tyear\t2024\t2030\n"
    assert result.stderr == "dry run: nothing was written\n"
    assert snapshot(db_file) == before


def test_the_old_key_after_a_rename_edits_the_paper(cli, db_file: Path) -> None:
    assert cli("rename", KEY, "chen2024overthinking").exit_code == 0
    assert cli("edit", KEY, "year=2023").stdout == "chen2024overthinking\tyear\t2024\t2023\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nosuch2025key", "year=2025"), "no paper 'nosuch2025key'"),
        ((KEY, "yera=2025"), "no field 'yera' — did you mean year"),
        ((KEY, "year=twenty"), "year must be a whole number, not 'twenty'"),
        ((KEY, "year=-5"), "year -5 is not a year — give four digits, e.g. 2025"),
        ((KEY, "year=0"), "year 0 is not a year — give four digits, e.g. 2025"),
        ((KEY, "year=20255"), "year 20255 is not a year — give four digits, e.g. 2025"),
        (
            (KEY, "author=Smith, Ann and and Jones, Bo"),
            "author 'Smith, Ann and and Jones, Bo' has an empty name (two 'and's in a row, or "
            "one at an end) — separate names with one ' and ', e.g. Ann Lee and Bo Chen",
        ),
        ((KEY, "author=Ann Lee and"), "author 'Ann Lee and' has an empty name"),
        ((KEY, "author=and Ann Lee"), "author 'and Ann Lee' has an empty name"),
        ((KEY, "title="), "title cannot be empty"),
        ((KEY, "title"), "'title' is not FIELD=VALUE"),
        ((KEY, "doi=not-a-doi"), "'not-a-doi' is not a DOI"),
        ((KEY, "eprint=1234"), "'1234' is not an arXiv id"),
        ((KEY, "url=example.org"), "url 'example.org' is not an http(s) URL"),
        ((KEY, "published=May 2025"), "published 'May 2025' is not a date"),
        ((KEY, "key=x"), "the key is not a field — rename a paper with `lrmkb rename OLD NEW`"),
        ((KEY, "source=manual"), "field 'source' is kept by lrmkb"),
        ((KEY, "year=2025", "year=2026"), "year is given twice"),
        ((KEY, "year=2025", "title="), "title cannot be empty"),
        ((KEY, "title=A {broken"), "title 'A {broken' has unbalanced braces"),
        ((KEY, "note=}{"), "note '}{' has unbalanced braces"),
    ],
)
def test_bad_edits_are_refused_whole(
    cli, db_file: Path, args: tuple[str, ...], message: str
) -> None:
    before = snapshot(db_file)
    line = assert_clean_failure(cli("edit", *args), 1, db_file, before)
    assert message in line, line


def test_unknown_key_suggests_close_keys(cli) -> None:
    assert "did you mean chen2024think" in cli("edit", "chen2024thnk", "year=2020").stderr


# --- the editor --------------------------------------------------------------------------------


def editor(tmp_path: Path, body: str) -> str:
    """An $EDITOR: a Python script run on the file to edit (`text` is its content)."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "text = path.read_text(encoding='utf-8')\n" + body + "\n"
        "path.write_text(text, encoding='utf-8')\n",
        encoding="utf-8",
    )
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


def test_the_entry_opens_in_the_editor_as_bibtex(cli, tmp_path: Path, monkeypatch) -> None:
    seen = tmp_path / "seen.bib"
    monkeypatch.setenv(
        "EDITOR", editor(tmp_path, f"pathlib.Path({str(seen)!r}).write_text(text, 'utf-8')")
    )
    monkeypatch.delenv("VISUAL", raising=False)
    result = cli("edit", KEY)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"nothing changed in {KEY}\n"
    text = seen.read_text(encoding="utf-8")
    assert f"@article{{{KEY},\n" in text
    assert f"  title = {{{TITLE}}},\n" in text
    assert "  author = {Xingyu Chen and Jiahao Xu and " in text
    assert "  journal = {CoRR},\n  eprint = {2412.21187},\n" in text
    assert "% Fields you can add: title_latex, volume, pages" in text


def test_an_edit_in_the_editor_is_applied_with_its_diff(
    cli, db_file: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv(
        "EDITOR",
        editor(
            tmp_path,
            "text = text.replace('@article', '@inproceedings')"
            ".replace('journal = {CoRR}', 'booktitle = {Proc. Tests}')"
            ".replace('  code = {https://github.com/galaxyChen/overthinking},\\n', '')"
            ".replace('}\\n', '  doi = {10.1000/XYZ},\\n}\\n')",
        ),
    )
    monkeypatch.delenv("VISUAL", raising=False)
    result = cli("edit", KEY)
    assert result.exit_code == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == [
        f"{KEY}\tcode_url\thttps://github.com/galaxyChen/overthinking\t",
        f"{KEY}\tdoi\t\t10.1000/xyz",
        f"{KEY}\tentry_type\tarticle\tinproceedings",
        f"{KEY}\tvenue\tCoRR\tProc. Tests",
    ]
    assert column(db_file, KEY, "entry_type") == "inproceedings"
    assert column(db_file, KEY, "venue") == "Proc. Tests"
    assert column(db_file, KEY, "code_url") is None
    assert column(db_file, KEY, "doi") == "10.1000/xyz"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("text = text.replace('year = {2024}', 'year = {soon}')", "year must be a whole number"),
        ("text = text.replace(',\\n}', ',\\n')", "not a BibTeX entry"),
        ("text = text.replace('title = {', 'titel = {')", "no field 'titel' — did you mean title"),
        (f"text = text.replace('{{{KEY},', '{{other2024key,')", "the key changed"),
        ("text = text + text[text.index('@'):]", "line 14: a second entry chen2024think"),
        (
            f"text = text + text[text.index('@'):].replace('{KEY}', 'x')",
            "the edited text holds 2 entries, not one",
        ),
        ("text = text.replace('year', 'title')", "line 5: a field appears twice"),
        (
            "text = text.replace('  year', '  booktitle = {X},\\n  year')",
            "booktitle and journal both set venue",
        ),
    ],
)
def test_a_bad_edit_writes_nothing_and_keeps_the_text(
    cli, db_file: Path, tmp_path: Path, monkeypatch, change: str, message: str
) -> None:
    monkeypatch.setenv("EDITOR", editor(tmp_path, change))
    before = snapshot(db_file)
    line = assert_clean_failure(cli("edit", KEY), 1, db_file, before)
    assert message in line
    saved = Path(line.split("--from ")[1].rstrip("`"))
    assert saved.is_file() and saved.suffix == ".bib"
    saved.unlink()


def test_a_saved_edit_is_applied_with_from(cli, db_file: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("EDITOR", editor(tmp_path, "text = text.replace('{2024}', '{soon}')"))
    line = cli("edit", KEY).stderr
    saved = Path(line.split("--from ")[1].strip().rstrip("`"))
    saved.write_text(saved.read_text().replace("{soon}", "{2023}"))
    result = cli("edit", KEY, "--from", str(saved))
    assert result.stdout == f"{KEY}\tyear\t2024\t2023\n"


def test_a_failing_editor_changes_nothing(cli, db_file: Path, tmp_path: Path, monkeypatch) -> None:
    before = snapshot(db_file)
    monkeypatch.setenv("EDITOR", editor(tmp_path, "raise SystemExit(3)"))
    line = assert_clean_failure(cli("edit", KEY), 1, db_file, before)
    assert "exited with status 3" in line
    monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    line = assert_clean_failure(cli("edit", KEY), 1, db_file, before)
    assert "cannot start the editor" in line and "set $EDITOR" in line


def test_a_change_made_while_editing_is_not_overwritten(
    cli, db_file: Path, tmp_path: Path, monkeypatch
) -> None:
    """The editor session is long: another lrmkb edits the paper meanwhile."""
    other = (
        "import subprocess\n"
        f"subprocess.run([{sys.executable!r}, '-m', 'lrmkb', '--db', {str(db_file)!r}, 'edit',"
        f" {KEY!r}, 'year=2020'], check=True, capture_output=True)\n"
        "text = text.replace('{2024}', '{2021}')"
    )
    monkeypatch.setenv("EDITOR", editor(tmp_path, other))
    result = cli("edit", KEY)
    assert result.exit_code == 1
    assert "was changed by another command while you were editing" in result.stderr
    assert column(db_file, KEY, "year") == 2020


def test_a_broken_entry_is_one_line_on_stderr_of_a_real_process(
    db_file: Path, tmp_path: Path
) -> None:
    """bibtexparser logs the block it gave up on; a user sees only lrmkb's error."""
    from reliability_fixtures import lrmkb_process

    broken = editor(tmp_path, "text = text.replace(',\\n}', ',\\n')")
    done = lrmkb_process("--db", str(db_file), "edit", KEY, env={"EDITOR": broken, "VISUAL": ""})
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: line "), done.stderr


def test_an_editor_that_saves_latin_1_is_refused(
    cli, db_file: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv(
        "EDITOR",
        editor(
            tmp_path,
            "path.write_bytes(text.replace('2024', 'Zoë').encode('latin-1'))\nraise SystemExit(0)",
        ),
    )
    before = snapshot(db_file)
    line = assert_clean_failure(cli("edit", KEY), 1, db_file, before)
    assert "an encoding other than UTF-8" in line
