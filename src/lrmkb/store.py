"""Where the database lives, opening it safely, migrating it, and transactions.

Read commands use `connect()` (plain sqlite3); write commands use `write_session()`
(SQLModel) — both get WAL, a busy timeout, foreign keys and the schema check."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DatabaseProblem
from .migrations import SCHEMA_VERSION, migrate

if TYPE_CHECKING:
    from sqlmodel import Session

BUSY_TIMEOUT_MS = 30_000
_SQLITE_MAGIC = b"SQLite format 3\x00"


def bundled_db_path() -> Path:
    """The survey database shipped with lrmkb (inside the wheel, or `data/` in a checkout)."""
    here = Path(__file__).resolve().parent
    packaged = here / "_data" / "survey.db"
    return packaged if packaged.exists() else here.parents[1] / "data" / "survey.db"


def user_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("lrmkb", appauthor=False)) / "survey.db"


def resolve_db_path(option: str | os.PathLike[str] | None) -> tuple[Path, bool]:
    """The database to use and whether it is the default user copy (created on demand)."""
    if option:
        return Path(option).expanduser(), False
    if env := os.environ.get("LRMKB_DB"):
        return Path(env).expanduser(), False
    return user_db_path(), True


def ensure_user_db(path: Path) -> None:
    """Create the user database as a copy of the bundled one, never touching the original."""
    if path.exists():
        return
    source = bundled_db_path()
    if not source.exists():
        raise DatabaseProblem(
            f"the bundled survey database is missing ({source})", "reinstall lrmkb or run make db"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, path)


def reset_db(path: Path) -> None:
    """Replace `path` with a fresh copy of the bundled survey database."""
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.unlink(missing_ok=True)
    if path == bundled_db_path():
        raise DatabaseProblem("refusing to reset the bundled database", "pass another --db")
    path.parent.mkdir(parents=True, exist_ok=True)
    ensure_user_db(path)


def _check_file(path: Path, create: bool) -> None:
    if path.is_dir():
        raise DatabaseProblem(f"{path} is a directory", "pass the path of a database file")
    if not path.parent.is_dir():
        raise DatabaseProblem(
            f"directory {path.parent} does not exist", "create it first or pass another --db"
        )
    if not path.exists():
        if create:
            return
        raise DatabaseProblem(
            f"no database at {path}", "create one with `lrmkb --db PATH db init` or `db reset`"
        )
    try:
        with path.open("rb") as fh:
            header = fh.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise DatabaseProblem(
            f"cannot read {path}: {exc.strerror}", "check its permissions"
        ) from exc
    if header and header != _SQLITE_MAGIC:
        raise DatabaseProblem(f"{path} is not an lrmkb database", "pass the path of one with --db")


def connect(path: Path, *, create: bool = False, write: bool = False) -> sqlite3.Connection:
    """Open `path`, check its schema version and apply pending migrations."""
    _check_file(path, create)
    try:
        db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise DatabaseProblem(
            f"{path} is not a usable database ({exc})", "pass another --db"
        ) from exc
    if version > SCHEMA_VERSION:
        db.close()
        raise DatabaseProblem(
            f"{path} was made by a newer lrmkb (schema {version}, this one knows {SCHEMA_VERSION})",
            "upgrade lrmkb",
        )
    if version < SCHEMA_VERSION:
        migrate(db)
    if write:
        _use_wal(db)
    return db


def _use_wal(db: sqlite3.Connection) -> None:
    """WAL lets readers go on while one writer works; a read-only place keeps its mode."""
    try:
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError:
        pass


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: all of it or none of it. IMMEDIATE takes the write lock up
    front so two writers queue on the busy timeout instead of deadlocking."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@contextmanager
def write_session(path: Path, *, create: bool = False) -> Iterator[Session]:
    """A SQLModel session in one IMMEDIATE transaction, committed only if nothing failed."""
    from sqlalchemy import event
    from sqlmodel import Session, create_engine

    connect(path, create=create, write=True).close()  # checks, migrations, WAL
    engine = create_engine("sqlite://", creator=lambda: _for_sqlalchemy(path))

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with Session(engine) as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            session.commit()
    finally:
        engine.dispose()


def _for_sqlalchemy(path: Path) -> sqlite3.Connection:
    db = connect(path, write=True)
    db.row_factory = None
    return db


def raw(session: Session) -> sqlite3.Connection:
    """The sqlite3 connection under a session, for plain SQL in the same transaction."""
    return session.connection().connection.driver_connection  # type: ignore[return-value]


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
