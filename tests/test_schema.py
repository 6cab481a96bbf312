"""The schema: migrations and SQLModel tables agree; old databases are migrated, newer
ones refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from lrmkb.cli import app
from lrmkb.migrations import MIGRATIONS, SCHEMA_VERSION
from lrmkb.store import Database


def test_models_match_the_migrated_schema(tmp_path: Path) -> None:
    from sqlmodel import SQLModel

    import lrmkb.models  # noqa: F401  (registers the tables)

    db = Database.open(tmp_path / "s.db", create=True)
    for table in SQLModel.metadata.sorted_tables:
        columns = {r["name"]: r for r in db.execute(f"PRAGMA table_info({table.name})")}
        assert set(columns) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            assert bool(columns[column.name]["pk"]) == column.primary_key, (table.name, column.name)


def test_the_paper_row_type_has_the_tables_columns_in_order(tmp_path: Path) -> None:
    """`records.Paper` (what the read API returns, what `ingest` writes) names exactly the
    columns of `paper`, in table order, so no column can be added to one and not the other."""
    from lrmkb.records import PAPER_FIELDS

    with Database.open(tmp_path / "s.db", create=True) as db:
        columns = [r["name"] for r in db.execute("PRAGMA table_info(paper)")]
    assert columns == ["id", *PAPER_FIELDS]


def test_old_database_is_migrated_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[0](old)
    old.execute("PRAGMA user_version = 1")
    old.execute(
        "INSERT INTO paper (key, title, created, updated) VALUES ('x2020y', 'Kept', 'a', 'a')"
    )
    old.close()
    result = CliRunner().invoke(app, ["--db", str(path), "stats", "--json"])
    assert result.exit_code == 0
    assert '"papers": 1' in result.stdout
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT title FROM paper").fetchone()[0] == "Kept"


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Database.open(path, create=True).close()
    sqlite3.connect(path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    result = CliRunner().invoke(app, ["--db", str(path), "tree"])
    assert result.exit_code == 4
    assert "made by a newer lrmkb" in result.stderr
    assert "upgrade lrmkb" in result.stderr
