"""What this installation is: its version line, and the documentation it carries.

The docs (README and `docs/*.md`) travel inside the wheel as `lrmkb/_docs/`, so an
installed copy can print them (`lrmkb docs TOPIC`); in a checkout they are read from the
repository itself."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from . import __version__
from .errors import NotFound

SURVEY = "arXiv:2601.19928"  # the survey the bundled database is built from (Hu et al., 2026)


def version_line() -> str:
    """`lrmkb 0.1.0, database schema 5, survey data arXiv:2601.19928 (128 papers, …)`: the
    package version, the schema version new databases get (`PRAGMA user_version`), and
    which survey, with what content, the bundled database holds."""
    from .migrations import SCHEMA_VERSION
    from .store import bundled_db_path

    return (
        f"lrmkb {__version__}, database schema {SCHEMA_VERSION}, "
        f"survey data {SURVEY} ({_survey_counts(bundled_db_path())})"
    )


def _survey_counts(path: Path) -> str:
    """What the bundled database holds, read without writing anything (`immutable=1`:
    it may sit in a read-only install)."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            papers, nodes, findings = db.execute(
                "SELECT (SELECT count(*) FROM paper), (SELECT count(*) FROM taxonomy_node),"
                " (SELECT count(*) FROM finding)"
            ).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return "bundled database missing or unreadable"
    return f"{papers} papers, {nodes} taxonomy nodes, {findings} findings"


def docs_dir() -> Path:
    """The bundled docs: `lrmkb/_docs/` in a wheel, the repository's `docs/` in a checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "_docs"
    return packaged if packaged.is_dir() else here.parents[1] / "docs"


def _readme() -> Path:
    folder = docs_dir()
    packaged = folder / "README.md"
    return packaged if packaged.is_file() else folder.parent / "README.md"


def topics() -> dict[str, Path]:
    """Topic name → Markdown file: `readme`, then every `docs/*.md` by file name."""
    found = {"readme": _readme()} if _readme().is_file() else {}
    for path in sorted(docs_dir().glob("*.md")):
        if path.name != "README.md":
            found[path.stem] = path
    return found


def title_of(path: Path) -> str:
    """The first heading of a Markdown file, without its `#`s."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"#+\s+(.*)", line):
            return match[1].strip()
    return path.stem


def topic_text(name: str) -> str:
    """The Markdown of one topic; raises NotFound (exit 1) naming the topics there are."""
    found = topics()
    path = found.get(name.lower().removesuffix(".md"))
    if path is None:
        raise NotFound(f"no docs topic {name!r}", f"use one of: {', '.join(found)}")
    return path.read_text(encoding="utf-8")
