"""How the library verbs write: one transaction per command, and `--dry-run` as the same
transaction rolled back — so a dry run says exactly what the real run would do, from the
same code, and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Database


class _DryRun(Exception):
    """Raised at the end of a dry run's transaction so that it rolls back."""


@contextmanager
def writing(db: Database, *, dry_run: bool = False) -> Iterator[Database]:
    """`db.transaction()`, rolled back instead of committed when `dry_run`. Errors raised
    inside roll back too and propagate as they are."""
    try:
        with db.transaction():
            yield db
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass


def who() -> str:
    """The login name recorded with an edit (`unknown` where the system cannot say)."""
    import getpass

    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError, ImportError):
        return "unknown"
