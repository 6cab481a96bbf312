"""Shared fixtures: a temporary copy of the survey database and a CLI runner on it."""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lrmkb.cli import app

ROOT = Path(__file__).resolve().parents[1]
BUNDLED_DB = ROOT / "data" / "survey.db"
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "tests" / "fixtures"
GLOTTOLOG = FIXTURES / "bib" / "glottolog-zurich.bib.gz"


def main_checkout(root: Path) -> Path:
    """The checkout itself, or for a `git worktree` the main checkout it belongs to (its
    `.git` file names `<main>/.git/worktrees/<name>`, whose `commondir` leads back)."""
    dot_git = root / ".git"
    if not dot_git.is_file():
        return root
    gitdir = Path(dot_git.read_text(encoding="utf-8").partition("gitdir:")[2].strip())
    common = gitdir / "commondir"
    if not common.is_file():
        return root
    return (gitdir / common.read_text(encoding="utf-8").strip()).resolve().parent


# The survey's own text is not part of the repository: only the maintainer checks that
# compare the bundled data with it read this folder, and they skip when it is absent.
# Default: `shared/survey` beside the checkout (or beside the main checkout of a worktree).
SURVEY_DIR = Path(
    os.environ.get("LRMKB_SURVEY_DIR") or main_checkout(ROOT).parent / "shared" / "survey"
)
SURVEY_TEXT = SURVEY_DIR / "survey.md"
NO_SURVEY = f"the survey text ({SURVEY_TEXT}) is not here; set LRMKB_SURVEY_DIR to its folder"


def glottolog_text() -> str:
    """The 8,744-entry Glottolog file (tests/fixtures/bib, stored gzip-compressed)."""
    return gzip.decompress(GLOTTOLOG.read_bytes()).decode("utf-8")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may touch the user's database or the network."""
    monkeypatch.delenv("LRMKB_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("LRMKB_ARXIV_API", "http://127.0.0.1:9/api/query")
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    """A private copy of the bundled survey database."""
    target = tmp_path / "kb.db"
    shutil.copyfile(BUNDLED_DB, target)
    return target


def dump(path: Path) -> str:
    """The whole database as SQL text: equal dumps mean nothing changed."""
    from lrmkb.checks import dump_lines

    db = sqlite3.connect(path)
    try:
        return "\n".join(dump_lines(db))
    finally:
        db.close()


Result = object


@pytest.fixture
def cli(db_file: Path) -> Callable[..., object]:
    """Run `lrmkb --db <temp copy> ARGS...`; returns Click's Result (stdout/stderr apart)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None, db: Path | None = db_file) -> object:
        prefix = ["--db", str(db)] if db is not None else []
        return runner.invoke(app, [*prefix, *args], input=input, catch_exceptions=False)

    return run


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of `seeds/` to break on purpose."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def replace_once(path: Path, old: str, new: str) -> None:
    """Edit a file in place; `old` must be there (else the test would test nothing)."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
