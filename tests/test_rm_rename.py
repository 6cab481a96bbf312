"""`lrmkb rm` and `lrmkb rename`: what goes with a paper, the old key that keeps resolving,
no orphan rows (`db check` passes), nothing removed on a bad key, the prompt."""

from __future__ import annotations

import json
import os
import pty
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from reliability_fixtures import assert_clean_failure, process_env, snapshot

KEY = "chen2024think"


def count(db: Path, sql: str, *args: object) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchone()[0]


def test_rm_takes_everything_attached_and_db_check_passes(cli, db_file: Path) -> None:
    assert cli("tag", KEY, "to-read", "mine").exit_code == 0
    assert cli("note", KEY, "--add", "Read on the train.").exit_code == 0
    assert cli("edit", KEY, "year=2025").exit_code == 0
    assert cli("rename", KEY, "chen2024overthinking").exit_code == 0
    paper_id = count(db_file, "SELECT id FROM paper WHERE key = 'chen2024overthinking'")
    result = cli("rm", KEY, "--yes")  # by its old key
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split("\t") == [  # key, title, sections, findings, tags, aliases, edits
        "chen2024overthinking",
        "Do NOT Think That Much for 2+3=? On the Overthinking of o1-Like LLMs",
        "4.3 4.3.1 4.3.2",
        "5",
        "mine to-read",
        "chen2024think",
        "2\n",
    ]
    assert result.stderr == "findings now citing no paper: 4.3.2-claim-3\n"
    for table in (
        "paper_node",
        "finding_paper",
        "paper_tag",
        "paper_note",
        "paper_alias",
        "paper_edit",
    ):
        assert count(db_file, f"SELECT count(*) FROM {table} WHERE paper_id = ?", paper_id) == 0
    assert count(db_file, "SELECT count(*) FROM search_index WHERE ref LIKE 'chen2024%'") == 0
    assert count(db_file, "SELECT count(*) FROM paper") == 127
    check = cli("db", "check")
    assert (check.exit_code, check.stderr.split(";")[0]) == (0, "0 problem(s)")
    assert "no paper 'chen2024think'" in cli("show", KEY).stderr


def test_rm_several_and_json(cli, db_file: Path) -> None:
    result = cli("rm", KEY, "2412.21187", "sui2025stop", "--yes", "--json")  # one paper twice
    data = json.loads(result.stdout)
    assert [p["key"] for p in data["removed"]] == [KEY, "sui2025stop"]
    assert data["dry_run"] is False
    assert count(db_file, "SELECT count(*) FROM paper") == 126


def test_rm_dry_run_and_unknown_keys_remove_nothing(cli, db_file: Path) -> None:
    before = snapshot(db_file)
    result = cli("rm", KEY, "--dry-run")
    assert result.stdout.startswith(f"{KEY}\tDo NOT Think That Much")
    assert result.stderr.startswith("dry run: nothing was written\n")
    assert snapshot(db_file) == before
    line = assert_clean_failure(cli("rm", KEY, "chen2024thnik", "--yes"), 1, db_file, before)
    assert "no paper 'chen2024thnik' — did you mean chen2024think" in line


def test_rm_without_yes_and_without_a_terminal_is_refused(cli, db_file: Path) -> None:
    before = snapshot(db_file)
    line = assert_clean_failure(cli("rm", KEY), 2, db_file, before)
    assert line == (
        "Error: not removing anything without confirmation (no terminal to ask on) — pass "
        "--yes to remove, or --dry-run to see what would go"
    )


@pytest.mark.parametrize(("answer", "removed"), [("y", True), ("n", False)])
def test_rm_asks_on_a_terminal(db_file: Path, answer: str, removed: bool) -> None:
    """A real process with a terminal on stdin: it lists what would go, then asks."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lrmkb", "--db", str(db_file), "rm", KEY],
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=process_env(),
        cwd=ROOT,
        text=True,
    )
    os.close(follower)
    os.write(leader, f"{answer}\n".encode())
    out, err = proc.communicate(timeout=120)
    os.close(leader)
    assert err.startswith(f"would remove {KEY} — "), (out, err)  # the preview, for the person
    assert "Remove 1 paper? [y/N]" in err
    assert out.startswith(f"{KEY}\t") if removed else out == ""  # the result row, if any
    assert proc.returncode == (0 if removed else 1)
    assert count(db_file, "SELECT count(*) FROM paper WHERE key = ?", KEY) == (0 if removed else 1)


def test_rename_keeps_the_old_key_resolving_everywhere(cli, db_file: Path) -> None:
    result = cli("rename", KEY, "chen2024overthinking")
    assert result.stdout == f"{KEY}\tchen2024overthinking\n"
    assert json.loads(cli("show", KEY, "--json").stdout)["key"] == "chen2024overthinking"
    exported = cli("export", "--key", KEY, "--format", "bib").stdout
    assert exported.startswith("@article{chen2024overthinking,")
    assert cli("tag", KEY, "renamed").stdout == "chen2024overthinking\trenamed\tadded\n"
    assert cli("list", "--tag", "renamed").stdout.startswith("chen2024overthinking\t")
    found = json.loads(cli("search", 'title:"2+3"', "--json").stdout)
    assert [p["key"] for p in found["results"]["paper"]] == ["chen2024overthinking"]
    with sqlite3.connect(db_file) as db:
        assert db.execute(
            "SELECT alias, reason FROM paper_alias WHERE reason = 'renamed'"
        ).fetchall() == [(KEY, "renamed")]
    assert cli("db", "check").exit_code == 0
    # and back: the alias becomes the key again, the newer key an alias
    assert cli("rename", "chen2024overthinking", KEY).exit_code == 0
    with sqlite3.connect(db_file) as db:
        assert db.execute("SELECT alias FROM paper_alias WHERE reason = 'renamed'").fetchall() == [
            ("chen2024overthinking",)
        ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((KEY, "Chen 2024"), "invalid key 'Chen 2024' — use lowercase letters"),
        ((KEY, "sui2025stop"), "sui2025stop is the key of another paper"),
        ((KEY, KEY), f"{KEY} already has the key {KEY}"),
        (("nosuch", "x2025y"), "no paper 'nosuch'"),
    ],
)
def test_rename_refuses(cli, db_file: Path, args: tuple[str, str], message: str) -> None:
    before = snapshot(db_file)
    assert message in assert_clean_failure(cli("rename", *args), 1, db_file, before)


def test_rename_refuses_another_papers_alias(cli, db_file: Path) -> None:
    assert cli("rename", "sui2025stop", "sui2025efficient").exit_code == 0
    before = snapshot(db_file)
    line = assert_clean_failure(cli("rename", KEY, "sui2025stop"), 1, db_file, before)
    assert "sui2025stop is another name of sui2025efficient (an alias)" in line


def test_rename_dry_run_writes_nothing(cli, db_file: Path) -> None:
    before = snapshot(db_file)
    dry = cli("rename", KEY, "x2024y", "--dry-run")
    assert (dry.stdout, dry.stderr) == (f"{KEY}\tx2024y\n", "dry run: nothing was written\n")
    assert snapshot(db_file) == before


@pytest.mark.parametrize(
    "command",
    [
        ("rm", KEY, "--dry-run"),
        ("rename", KEY, "chen2024x", "--dry-run"),
        ("edit", KEY, "year=2030", "--dry-run"),
        ("note", KEY, "--add", "x", "--dry-run"),
        ("file", KEY, "--section", "2.2", "--dry-run"),
        ("tag", KEY, "--tag", "x", "--dry-run"),
        ("db", "update", "--dry-run"),
    ],
)
def test_a_dry_run_needs_no_write_access(cli, tmp_path: Path, command: tuple[str, ...]) -> None:
    """A dry run works on a copy in memory: a database the user may only read answers it,
    and stays as it was; the real run is refused (exit 4)."""
    import shutil

    from conftest import BUNDLED_DB

    db = tmp_path / "kb.db"
    shutil.copyfile(BUNDLED_DB, db)
    db.chmod(0o444)
    try:
        before = snapshot(db)
        result = cli(*command, db=db)
        assert result.exit_code == 0, result.stderr
        assert result.stderr.startswith("dry run: nothing was written\n")
        said = result.stdout if command[0] != "db" else result.stderr.splitlines()[1]
        assert said.startswith(("chen2024think\t", "already at survey release"))
        assert snapshot(db) == before
        real = [a for a in command if a != "--dry-run"] + (["--yes"] if command[0] == "rm" else [])
        assert cli(*real, db=db).exit_code == 4
    finally:
        db.chmod(0o644)
