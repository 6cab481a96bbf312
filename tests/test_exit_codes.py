"""The bad-input suite of issue 11: each case run as a real `lrmkb` process, checked for
the exact exit code of README's table (0 ok, 1 bad input or not found, 2 usage, 3 external
service, 4 database), one `Error: what — what to do` line, and advice that fits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from reliability_fixtures import EXIT, process_env, snapshot

# (id, arguments, exit code, words the error must contain); {db} is a copy of the survey
CASES = [
    ("unknown key", ["show", "nosuch2025"], "bad input", "no paper 'nosuch2025'"),
    ("unknown section", ["findings", "--section", "9.9"], "bad input", "no section '9.9'"),
    ("unknown tag in export", ["export", "--tag", "nosuch"], "bad input", "no tag 'nosuch'"),
    ("unknown tag in search query", ["search", "tag:nosuch"], "bad input", "no tag 'nosuch'"),
    ("unknown tag excluded", ["search", "x", "-tag:nosuch"], "bad input", "no tag 'nosuch'"),
    (
        "unknown tag in search option",
        ["search", "overthinking", "--tag", "nosuch"],
        "bad input",
        "no tag 'nosuch'",
    ),
    ("invalid tag", ["tag", "chen2024think", "to read!"], "bad input", "invalid tag"),
    ("unknown docs topic", ["docs", "nosuch"], "bad input", "no docs topic"),
    ("db init over a file", ["db", "init"], "bad input", "already exists"),
    ("missing argument", ["show"], "usage", "Missing argument 'KEY'"),
    ("unknown option", ["tree", "--limit", "3"], "usage", "No such option: --limit"),
    ("unknown command", ["serch", "x"], "usage", "No such command 'serch'"),
    ("bad option value", ["export", "--format", "docx"], "usage", "--format"),
    ("two JSON forms", ["stats", "--json", "--json-lines"], "usage", "--json-lines"),
    ("malformed arXiv id", ["add", "not-an-id"], "usage", "not-an-id"),
]


def lrmkb(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "lrmkb", *args],
        env=process_env(env),
        cwd=cwd,
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def error_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    """The one error line (after Click's usage lines for exit 2), no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    if code == EXIT["usage"] and len(lines) > 1:
        assert all(line.startswith(("Usage: ", "Try ")) or not line for line in lines[:-1])
    else:
        assert len(lines) == 1, result.stderr
    assert lines[-1].startswith("Error: "), result.stderr
    return lines[-1]


@pytest.mark.parametrize(("name", "args", "code", "words"), CASES, ids=lambda v: str(v))
def test_bad_input_gets_the_documented_exit_code(
    db_file: Path, name: str, args: list[str], code: str, words: str
) -> None:
    before = snapshot(db_file)
    result = lrmkb("--db", str(db_file), *args)
    assert words in error_line(result, EXIT[code])
    assert snapshot(db_file) == before


def test_reset_without_a_terminal_asks_for_yes_not_an_invalid_value(db_file: Path) -> None:
    """`db reset </dev/null` used to say "Invalid value for --yes" (it was not given)."""
    before = snapshot(db_file)
    result = lrmkb("--db", str(db_file), "db", "reset", stdin=subprocess.DEVNULL)
    line = error_line(result, EXIT["usage"])
    assert line == (
        f"Error: not resetting {db_file} without confirmation (no terminal to ask on) "
        "— pass --yes to reset it"
    )
    assert "Invalid value" not in result.stderr
    assert snapshot(db_file) == before
    assert lrmkb("--db", str(db_file), "db", "reset", "--yes").returncode == 0


@pytest.mark.parametrize("how", ["--db", "LRMKB_DB"])
def test_a_file_that_is_not_a_database_is_exit_4_and_never_advised_away(
    tmp_path: Path, how: str
) -> None:
    """`--db /etc/passwd stats` used to advise removing /etc/passwd."""
    precious = tmp_path / "passwd"
    precious.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    args = ["--db", str(precious), "stats"] if how == "--db" else ["stats"]
    env = {"LRMKB_DB": str(precious)} if how == "LRMKB_DB" else None
    line = error_line(lrmkb(*args, env=env), EXIT["database"])
    assert line == (
        f"Error: {precious} is not an SQLite file, not an lrmkb database — pass the path of "
        "an lrmkb database with --db (`lrmkb --db NEW.db db init` creates an empty one)"
    )
    assert "remove" not in line
    assert precious.read_text(encoding="utf-8") == "root:x:0:0:root:/root:/bin/bash\n"


def test_a_data_home_that_cannot_be_made_is_exit_4() -> None:
    """`XDG_DATA_HOME=/proc/nope lrmkb stats` used to exit 1."""
    line = error_line(lrmkb("stats", env={"XDG_DATA_HOME": "/proc/nope"}), EXIT["database"])
    assert line == (
        "Error: cannot create the folder /proc/nope/lrmkb for the database: No such file or "
        "directory — pass --db PATH (or set LRMKB_DB) to a database in a writable place"
    )


@pytest.mark.parametrize(
    ("target", "words"),
    [("missing-dir/x.db", "does not exist"), (".", "is a directory")],
)
def test_a_database_path_that_cannot_work_is_exit_4(
    tmp_path: Path, target: str, words: str
) -> None:
    line = error_line(lrmkb("--db", str(tmp_path / target), "stats"), EXIT["database"])
    assert words in line


def test_an_unknown_tag_is_the_same_error_everywhere_it_is_given(db_file: Path) -> None:
    """export and findings-style selections agree: a tag no paper has is exit 1; a known
    tag that matches nothing in the rest of the selection is an empty result, exit 0."""
    lrmkb("--db", str(db_file), "tag", "chen2024think", "to-read")
    assert lrmkb("--db", str(db_file), "export", "--tag", "to-read").returncode == 0
    unknown = lrmkb("--db", str(db_file), "export", "--tag", "to-raed")
    assert "no tag 'to-raed'" in error_line(unknown, EXIT["bad input"])
    folded = lrmkb("--db", str(db_file), "export", "--tag", "TO-READ", "--format", "json")
    assert folded.returncode == 0 and '"chen2024think"' in folded.stdout
