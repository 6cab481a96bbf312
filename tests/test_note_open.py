"""`lrmkb note` (in $EDITOR or --add; shown, searched, exported) and `lrmkb open` (the
browser is a script standing in for one, named by $BROWSER) — and `show`'s links."""

from __future__ import annotations

import json
import shlex
import sqlite3
import sys
from pathlib import Path

import pytest

from export_fixtures import add_paper
from reliability_fixtures import assert_clean_failure, lrmkb_process, snapshot

KEY = "chen2024think"


def note_in(db: Path, key: str) -> str | None:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT n.text FROM paper_note n JOIN paper p ON p.id = n.paper_id WHERE p.key = ?",
            (key,),
        ).fetchone()
    return row[0] if row else None


def test_notes_grow_and_are_shown_searched_and_exported(cli, db_file: Path) -> None:
    assert cli("note", KEY, "--add", "Compare with *REFRAIN*.").stdout == f"{KEY}\tadded\n"
    assert cli("note", KEY, "--add", "Wombat results\nin table 3.").stdout == (f"{KEY}\tappended\n")
    assert note_in(db_file, KEY) == "Compare with *REFRAIN*.\n\nWombat results\nin table 3."
    shown = cli("show", KEY).stdout
    assert shown.endswith("notes\tCompare with *REFRAIN*.\\n\\nWombat results\\nin table 3.\n")
    assert json.loads(cli("show", KEY, "--json").stdout)["notes"].startswith("Compare with")
    found = json.loads(cli("search", "wombat", "--json").stdout)["results"]["paper"]
    assert [p["key"] for p in found] == [KEY]
    exported = json.loads(cli("export", "--key", KEY, "--format", "json").stdout)
    assert exported["papers"][0]["notes"] == note_in(db_file, KEY)
    markdown = cli("export", "--key", KEY, "--format", "md").stdout
    assert (
        "\n  > **Notes.** Compare with *REFRAIN*.\n  >\n  > Wombat results\n  > in table 3.\n"
        in (markdown)
    )
    assert cli("db", "check").exit_code == 0
    assert cli("stats", "--json").stdout.count('"notes": 1') == 1


def test_note_from_stdin_remove_and_dry_run(cli, db_file: Path) -> None:
    assert cli("note", KEY, "--add", "-", input="from a pipe\r\n").exit_code == 0
    assert note_in(db_file, KEY) == "from a pipe"
    before = snapshot(db_file)
    dry = cli("note", KEY, "--remove", "--dry-run")
    assert (dry.stdout, dry.stderr) == (f"{KEY}\tremoved\n", "dry run: nothing was written\n")
    assert snapshot(db_file) == before
    assert cli("note", KEY, "--remove", "--json").stdout.count('"action": "removed"') == 1
    assert note_in(db_file, KEY) is None
    assert json.loads(cli("search", "pipe", "--json").stdout)["results"]["paper"] == []


def editor(tmp_path: Path, new_text: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        f"pathlib.Path({str(tmp_path / 'seen.md')!r}).write_text(p.read_text())\n"
        f"p.write_text({new_text!r})\n",
        encoding="utf-8",
    )
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


def test_the_note_opens_in_the_editor(cli, db_file: Path, tmp_path: Path, monkeypatch) -> None:
    assert cli("note", KEY, "--add", "first").exit_code == 0
    monkeypatch.setenv("VISUAL", editor(tmp_path, "# Rewritten\n\n- point\n\n\n"))
    result = cli("note", KEY)
    assert result.stdout == f"{KEY}\treplaced\n"
    assert (tmp_path / "seen.md").read_text() == "first\n"
    assert note_in(db_file, KEY) == "# Rewritten\n\n- point"
    monkeypatch.setenv("VISUAL", editor(tmp_path, "   \n"))
    assert cli("note", KEY).stdout == f"{KEY}\tremoved\n"
    assert note_in(db_file, KEY) is None


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("nosuch", "--add", "x"), 1, "no paper 'nosuch'"),
        ((KEY, "--add", "  \n "), 1, "nothing to add"),
        ((KEY, "--add", "x", "--remove"), 2, "--add and --remove do not go together"),
    ],
)
def test_bad_notes(cli, db_file: Path, args: tuple[str, ...], code: int, message: str) -> None:
    before = snapshot(db_file)
    assert message in assert_clean_failure(cli("note", *args), code, db_file, before)


# --- links and open ------------------------------------------------------------------------


def test_show_lists_every_link(cli, db_file: Path) -> None:
    add_paper(
        db_file,
        key="lee2025links",
        title="All the links",
        authors=["Ann Lee"],
        year=2025,
        arxiv_id="2501.00001",
        arxiv_version=2,
        doi="10.1000/xyz",
        url="https://example.org/paper",
        code_url="https://github.com/lee/links",
    )
    lines = cli("show", "lee2025links").stdout.splitlines()
    fields = ("doi", "url", "code_url", "abs", "pdf")
    assert [line for line in lines if line.split("\t")[0] in fields] == [
        "doi\t10.1000/xyz",
        "url\thttps://example.org/paper",
        "code_url\thttps://github.com/lee/links",
        "abs\thttps://arxiv.org/abs/2501.00001v2",
        "pdf\thttps://arxiv.org/pdf/2501.00001v2",
    ]
    assert json.loads(cli("show", "lee2025links", "--json").stdout)["links"]["doi"] == (
        "https://doi.org/10.1000/xyz"
    )


@pytest.mark.parametrize(
    ("flag", "url"),
    [
        ((), "https://arxiv.org/abs/2412.21187"),
        (("--abs",), "https://arxiv.org/abs/2412.21187"),
        (("--pdf",), "https://arxiv.org/pdf/2412.21187"),
        (("--code",), "https://github.com/galaxyChen/overthinking"),
    ],
)
def test_open_print(cli, flag: tuple[str, ...], url: str) -> None:
    result = cli("open", KEY, *flag, "--print")
    assert (result.exit_code, result.stdout) == (0, url + "\n")


def test_open_without_the_link_says_how_to_add_it(cli, db_file: Path) -> None:
    before = snapshot(db_file)
    line = assert_clean_failure(cli("open", KEY, "--doi"), 1, db_file, before)
    assert line == (f"Error: {KEY} has no DOI — add it with `lrmkb edit {KEY} doi=10.NNNN/…`")
    line = assert_clean_failure(cli("open", "sui2025stop"), 1, db_file, before)
    assert "sui2025stop has no link" in line
    line = assert_clean_failure(cli("open", KEY, "--pdf", "--code"), 2, db_file, before)
    assert "choose one link" in line


def test_open_hands_the_link_to_the_browser(db_file: Path, tmp_path: Path) -> None:
    """A real process: Python's webbrowser runs $BROWSER with the URL."""
    seen = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(
        f"import sys, pathlib\npathlib.Path({str(seen)!r}).write_text(sys.argv[1])\n"
    )
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(browser))} %s"
    done = lrmkb_process("--db", str(db_file), "open", KEY, "--pdf", env={"BROWSER": command})
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == "opened https://arxiv.org/pdf/2412.21187\n"
    assert seen.read_text() == "https://arxiv.org/pdf/2412.21187"


def test_open_without_a_browser_is_a_clear_error(db_file: Path, tmp_path: Path) -> None:
    failing = f"{shlex.quote(sys.executable)} -c 'raise SystemExit(1)' %s"
    done = lrmkb_process(
        "--db",
        str(db_file),
        "open",
        KEY,
        env={"BROWSER": failing, "DISPLAY": "", "WAYLAND_DISPLAY": ""},
    )
    assert done.returncode == 1
    assert done.stderr.startswith(
        "Error: no web browser could be started for https://arxiv.org/abs/"
    )
    assert "--print" in done.stderr
