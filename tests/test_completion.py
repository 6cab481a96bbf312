"""Shell completion (what bash gets from `lrmkb` on Tab): keys and aliases, section codes,
tags, and the fixed values of --format, --type, --sort and --source — from a real
process, as the shell runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from reliability_fixtures import lrmkb_process


def complete(*words: str, db: Path | None = None) -> list[str]:
    """The candidates bash would offer for the last word of `lrmkb WORDS`."""
    line = ["lrmkb", *(["--db", str(db)] if db else []), *words]
    done = lrmkb_process(
        env={
            "_LRMKB_COMPLETE": "complete_bash",
            "COMP_WORDS": " ".join(line),
            "COMP_CWORD": str(len(line) - 1),
        }
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout.split()


def test_keys(cli, db_file: Path) -> None:
    assert complete("show", "marjanovic", db=db_file) == ["marjanovic2025deepseekr1"]
    assert cli("rename", "chen2024think", "chen2024overthinking").exit_code == 0
    assert complete("edit", "chen2024", db=db_file) == [
        "chen2024overthinking",
        "chen2024think",  # the old key, an alias now
    ]
    assert complete("export", "--key", "sui2025", db=db_file) == ["sui2025stop"]


def test_a_key_with_an_underscore_is_not_a_wildcard(db_file: Path) -> None:
    assert complete("rm", "chen_", db=db_file) == []


def test_sections_and_tags(cli, db_file: Path) -> None:
    assert complete("list", "--section", "4.3", db=db_file) == ["4.3", "4.3.1", "4.3.2", "4.3.3"]
    assert complete("file", "x", "--section", "B", db=db_file) == ["B", "B.1", "B.2", "B.3"]
    assert cli("tag", "chen2024think", "to-read", "todo").exit_code == 0
    assert complete("search", "x", "--tag", "to", db=db_file) == ["to-read", "todo"]
    assert complete("export", "--tag", "todo", db=db_file) == ["todo"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (("export", "--format", "b"), ["bib", "biblatex"]),
        (("search", "x", "--type", ""), ["finding", "node", "paper"]),
        (("list", "--sort", "t"), ["title"]),
        (("list", "--source", "a"), ["arxiv"]),
    ],
)
def test_fixed_values(words: tuple[str, ...], expected: list[str]) -> None:
    assert complete(*words) == expected


def test_before_the_user_copy_exists_the_bundled_survey_answers(tmp_path: Path) -> None:
    """Completion never creates the user's database (conftest points XDG_DATA_HOME to an
    empty directory)."""
    assert complete("show", "yue2025") == ["yue2025reinforcement"]
    assert not list((tmp_path / "xdg").rglob("*.db"))


def test_a_broken_database_completes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_text("not a database")
    assert complete("show", "chen", db=broken) == []
