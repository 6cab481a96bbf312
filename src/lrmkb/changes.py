"""How the library verbs write: one transaction per command, and `--dry-run` as the same
transaction on a copy in memory, thrown away — so a dry run says exactly what the real
run would do, from the same code, writes nothing, takes no write lock and works on a
database the user may only read."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Database


@contextmanager
def writing(db: Database, *, dry_run: bool = False) -> Iterator[Database]:
    """A transaction on `db` — or, with `dry_run`, on an in-memory copy of it, which is
    closed afterwards. Use the database it yields. Errors roll back and propagate."""
    if not dry_run:
        with db.transaction():
            yield db
        return
    copy = scratch_copy(db)
    try:
        with copy.transaction():
            yield copy
    finally:
        copy.close()


def scratch_copy(db: Database) -> Database:
    """`db`'s content in memory (SQLite's online backup), set up as `Database.open` sets
    up a file: rows by name, foreign keys on, the same path in messages."""
    from .store import Database

    copy = sqlite3.connect(":memory:", isolation_level=None, factory=Database)
    db.backup(copy)
    copy.path, copy.writable = db.path, True
    copy.row_factory = sqlite3.Row
    copy.execute("PRAGMA foreign_keys = ON")
    return copy


def who() -> str:
    """The login name recorded with an edit (`unknown` where the system cannot say)."""
    import getpass

    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError, ImportError):
        return "unknown"
