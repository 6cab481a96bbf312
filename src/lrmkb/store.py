"""Where the database lives, and `Database`: the one handle every command reads and
writes through, in plain SQL — opened safely, its schema checked and migrated, writes in
one `transaction()` each. Every way a database can fail to open or write becomes one
`DatabaseProblem` (exit 4)."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Literal

from .errors import DatabaseProblem, UsageError
from .files import SQLITE_MAGIC, check_database_file, open_regular
from .migrations import SCHEMA_VERSION, migrate, schema_differences

BUSY_TIMEOUT_S = 30.0


def busy_timeout() -> float:
    """Seconds a writer waits for another one; `LRMKB_BUSY_TIMEOUT` overrides the default."""
    value = os.environ.get("LRMKB_BUSY_TIMEOUT", "").strip()
    if not value:
        return BUSY_TIMEOUT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86_400:
        raise UsageError(
            f"LRMKB_BUSY_TIMEOUT must be a number of seconds, not {value!r}", "fix or unset it"
        )
    return seconds


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
    """Create the user database as a copy of the bundled one, never touching the original.
    Two first runs at once both copy, but only one copy lands, and never over the other."""
    if path.exists():
        return
    tmp = _fresh_copy(path)
    try:
        os.link(tmp, path)  # fails if `path` appeared meanwhile: nothing is overwritten
    except FileExistsError:
        pass
    except OSError:  # no hard links here (FAT, some network drives)
        if not path.exists():
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def reset_db(path: Path) -> None:
    """Replace `path` with a fresh copy of the bundled survey database."""
    check_database_file(path)  # never a device node, FIFO or socket
    if path.resolve() == bundled_db_path().resolve():
        raise DatabaseProblem("refusing to reset the bundled database", "pass another --db")
    tmp = _fresh_copy(path)
    try:
        if replace_content(tmp, path):
            return
        with committing():
            for suffix in ("-wal", "-shm"):  # an old log must never be replayed onto the copy
                Path(str(path) + suffix).unlink(missing_ok=True)
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def replace_content(source: Path, target: Path) -> bool:
    """Write `source`'s content into the database `target` through SQLite (its backup
    API), under the write lock: a writer at work finishes first (this waits
    `busy_timeout()`, then fails: exit 4), one that comes later writes onto the new
    content — and every connection open on the file sees the change, where replacing the
    file would leave them writing into the old one, lost. False when `target` is no
    database SQLite can write (missing, damaged, another page size): it is then
    replaced as a file, as nobody can be writing it."""
    if not target.exists():
        return False
    try:
        dest = sqlite3.connect(target, isolation_level=None, timeout=busy_timeout())
    except sqlite3.Error:
        return False
    try:
        dest.execute("BEGIN IMMEDIATE")  # wait for the writer at work, if any
        dest.execute("ROLLBACK")
        with closing(sqlite3.connect(source)) as src, committing():
            src.backup(dest)  # one write transaction; other connections reload the schema
    except sqlite3.Error as exc:
        problem = database_problem(exc, target)
        if "is locked" in problem.what:
            raise problem from exc
        return False
    finally:
        dest.close()
    return True


def _fresh_copy(path: Path) -> Path:
    """A WAL-mode copy of the bundled database in a temporary file next to `path`."""
    source = bundled_db_path()
    if not source.exists():
        raise DatabaseProblem(
            f"the bundled survey database is missing ({source})", "reinstall lrmkb or run make db"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # e.g. XDG_DATA_HOME names a place no one can write
        raise DatabaseProblem(
            f"cannot create the folder {path.parent} for the database: {exc.strerror}",
            "pass --db PATH (or set LRMKB_DB) to a database in a writable place",
        ) from exc
    _check_writable(path)
    import shutil
    import uuid

    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    shutil.copyfile(source, tmp)
    with closing(sqlite3.connect(tmp)) as db:
        db.execute("PRAGMA journal_mode = WAL")
    return tmp


def _check_file(path: Path, create: bool) -> None:
    """Fail early, with a precise message, on what SQLite would report vaguely (or on
    what it would block on: a FIFO)."""
    check_database_file(path)
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
        with os.fdopen(open_regular(path), "rb") as fh:
            header = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise DatabaseProblem(
            f"cannot read {path}: {exc.strerror}", "check its permissions"
        ) from exc
    if header != SQLITE_MAGIC and (header or not create):
        what = "is an empty file" if not header else "is not an SQLite file"
        raise DatabaseProblem(  # never advise deleting it: it may be anything of the user's
            f"{path} {what}, not an lrmkb database",
            "pass the path of an lrmkb database with --db "
            "(`lrmkb --db NEW.db db init` creates an empty one)",
        )


def _writable(path: Path) -> bool:
    """Write permission, and the write bits set: as with `rm`, a file someone made
    read-only stays unwritten even for root."""
    try:
        return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)
    except OSError:
        return False


def _check_writable(path: Path) -> None:
    if path.exists() and not _writable(path):
        raise DatabaseProblem(
            f"{path} is read-only",
            "make it writable (chmod u+w) or work on a copy with --db",
        )
    if not _writable(path.parent):
        raise DatabaseProblem(
            f"cannot write beside {path}: directory {path.parent} is read-only",
            "SQLite keeps its journal next to the database; make the directory writable "
            "or move the database",
        )


_commits = 0


def commits() -> int:
    """How many write transactions this process has committed: the CLI compares the
    count before and after a command to tell "nothing was written" from "saved"."""
    return _commits


@contextmanager
def committing() -> Iterator[None]:
    """Around a COMMIT: a Ctrl-C that arrives meanwhile is raised only once the commit
    is counted, so that no interrupted command says "nothing was written" about a
    write that landed. (Signals can only be handled in the main thread.)"""
    global _commits
    deferred: list[int] = []
    handle = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    )
    if handle:
        signal.signal(signal.SIGINT, lambda signum, frame: deferred.append(signum))
    try:
        yield
        _commits += 1
    finally:
        if handle:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    if deferred:
        raise KeyboardInterrupt


class Database(sqlite3.Connection):
    """One open lrmkb database: an sqlite3 connection (rows addressable by name, foreign
    keys on, the busy timeout set) whose schema has been checked and migrated, and the
    path it was opened from, for messages. Being a connection, it goes wherever one is
    expected (`queries`, `search`); writes go through `transaction()`.

    Open it with `Database.open(path)` to read or `Database.open(path, write=True)` to
    write (WAL mode, the file and its directory checked writable); `create=True` also
    makes a new empty database. As a context manager it is closed on exit — unlike a
    plain connection, whose `with` block only commits — as in sqlite-utils and llm.
    Raises `DatabaseProblem` (exit 4) for every way a file can fail to open."""

    path: Path
    writable: bool

    @classmethod
    def open(cls, path: Path, *, write: bool = False, create: bool = False) -> Database:
        _check_file(path, create)
        if write or create:
            _check_writable(path)
        _check_log(path)
        db = _connect(path, write=write or create)
        try:
            if _check_schema(db, path):  # upgraded by a connection of its own: read afresh
                db.close()
                db = _connect(path, write=write or create)
            if write:
                _use_wal(db)
                if problem := schema_problem(db, path):  # a write must never build on it
                    raise problem
        except sqlite3.Error as exc:
            db.close()
            raise database_problem(exc, path) from exc
        except BaseException:
            db.close()
            raise
        return db

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> Literal[False]:
        self.close()
        return False

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction: all of it or none of it. IMMEDIATE takes the write lock
        up front, so two writers queue on the busy timeout instead of deadlocking; an
        SQLite error inside becomes a `DatabaseProblem` naming this file."""
        try:
            self.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                if self.in_transaction:  # SQLite may have rolled back (disk full, I/O error)
                    self.execute("ROLLBACK")
                raise
            with committing():
                self.execute("COMMIT")
        except sqlite3.Error as exc:
            raise database_problem(exc, self.path) from exc


@contextmanager
def exclusive(db: Database, job: str, hint: str) -> Iterator[None]:
    """Hold the lock of `job` on this database (a write connection) while the block runs:
    a second holder — another process, or this one — gets `DatabaseProblem` (exit 4) at
    once, saying what holds it and `hint`. For jobs made of many transactions that must
    not interleave with a copy of themselves (`watch run`); single transactions queue on
    SQLite's own lock instead.

    The lock is `flock` on a file beside the database, `DB-JOB.lock`, holding the
    holder's pid: the kernel releases it when the holder dies, even by SIGKILL, so a
    stale file never blocks. The holder removes the file when it is done; one that finds
    the file it locked gone or replaced meanwhile opens it afresh."""
    import fcntl

    path = Path(f"{db.path}-{job}.lock")
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    while True:
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as exc:
            raise DatabaseProblem(
                f"cannot create the lock file {path}: {exc.strerror}",
                "make the folder of the database writable",
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise DatabaseProblem(
                f"another {job} run{who} is in progress on {db.path}", hint
            ) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            mine = os.fstat(fd)
            current = os.stat(path, follow_symlinks=False)
            if (mine.st_dev, mine.st_ino) == (current.st_dev, current.st_ino):
                break
        except FileNotFoundError:
            pass  # its holder removed it as we opened it: open the next one
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        path.unlink(missing_ok=True)  # still locked: no one else holds this file now
        os.close(fd)


def _connect(path: Path, *, write: bool) -> Database:
    """The one place a database file is opened: how (read-write, read-only, immutable)
    is decided here and nowhere else. A read opens the file read-only (`mode=ro`), so
    that no read ever changes it: a read-write connection copies the -wal into the file
    when it is the last to close. Where the directory cannot be written (SQLite could
    not make its -shm there) and no -wal is waiting, the file is opened `immutable`:
    no writer can change it there either."""
    timeout = busy_timeout()
    target, uri = (str(path), False) if write else (_read_only_uri(path), True)
    try:
        db = sqlite3.connect(
            target, isolation_level=None, timeout=timeout, factory=Database, uri=uri
        )
    except sqlite3.Error as exc:
        raise database_problem(exc, path) from exc
    db.path, db.writable = path, write
    db.row_factory = sqlite3.Row
    try:
        db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        db.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        db.close()
        raise database_problem(exc, path) from exc
    return db


def _read_only_uri(path: Path, *, log: bool = True) -> str:
    """The URI that opens `path` for reading only: `mode=ro`, and `immutable=1` where no
    -wal can be written or is waiting (a read-only directory or mount), or where the log
    is to be left out (`log=False`: the file alone, as `_check_log` compares it)."""
    uri = Path(os.path.abspath(path)).as_uri() + "?mode=ro"
    if not log or (not _writable(path.resolve().parent) and _log_size(path) == 0):
        uri += "&immutable=1"
    return uri


def _log_size(path: Path) -> int:
    """Bytes in the -wal beside `path` (0 when there is none)."""
    try:
        return os.stat(f"{path.resolve()}-wal").st_size
    except OSError:
        return 0


WAL_HEADER = 32  # a -wal of no more bytes holds no commit


def _check_log(path: Path) -> None:
    """A -wal that no open connection is using is replayed into the file by the next
    one to write (or, before lrmkb read read-only, to close). Make sure it is this
    database's first: if the database reads as damaged with it and as sound without it,
    it was written for another file (copied, or left beside a restored backup), and
    merging it would damage this one for good. (A -wal in use is the writer's own.)

    The check reads a private copy of the file and its -wal: a connection to the file
    itself would lock it, and another lrmkb starting meanwhile would take the -wal for
    one in use and skip its own check."""
    real = path.resolve()
    wal = Path(f"{real}-wal")
    if _log_size(real) <= WAL_HEADER or _in_use(real):
        return
    import shutil
    import tempfile

    seen = _file_states(real, wal)
    with tempfile.TemporaryDirectory(prefix="lrmkb-log-") as scratch:
        copy = Path(scratch) / real.name
        try:
            shutil.copyfile(real, copy)
            shutil.copyfile(wal, f"{copy}-wal")
        except OSError:
            return  # gone or unreadable meanwhile: opening says what it is
        merged = _sound(_read_only_uri(copy))
    if merged is not False or not _sound(_read_only_uri(real, log=False)):
        return
    if _in_use(real) or _file_states(real, wal) != seen:
        return  # a writer came meanwhile: the copy may be torn, and the -wal is its own
    raise DatabaseProblem(
        f"{path}-wal does not belong to {path}: with it the database reads as damaged, "
        "without it as sound; nothing was changed",
        f"move {path}-wal (and {path}-shm) out of the way and retry, or put back the "
        "database it belongs to",
    )


def _file_states(*paths: Path) -> list[tuple[int, int, int]]:
    """Inode, size and modification time of each path: a change says a writer came."""
    states = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            states.append((0, 0, 0))
        else:
            states.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return states


def _sound(uri: str) -> bool | None:
    """Whether the database at `uri` passes SQLite's integrity check; None when it
    cannot even be opened to check (the caller then goes on and reports that)."""
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=busy_timeout())) as db:
            return [tuple(r) for r in db.execute("PRAGMA integrity_check(1)")] == [("ok",)]
    except sqlite3.DatabaseError as exc:
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        return False if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) else None


# The byte range of SQLite's locks in a database file (os_unix.c: PENDING_BYTE at 1 GiB,
# then RESERVED and the 510 SHARED bytes). Every connection to a WAL database holds a
# read lock there while it is open.
_LOCK_START, _LOCK_BYTES = 0x40000000, 512


def _in_use(path: Path) -> bool:
    """Does another process have the database open? (POSIX record locks, asked with
    F_GETLK, which takes none; True where that cannot be asked.)"""
    import struct

    try:
        import fcntl
    except ImportError:  # Windows: assume it is
        return True
    layouts = {"linux": "hhqqi4x", "darwin": "qqihh"}
    layout = layouts.get(sys.platform)
    if layout is None:
        return True
    query = (
        struct.pack(layout, fcntl.F_WRLCK, os.SEEK_SET, _LOCK_START, _LOCK_BYTES, 0)
        if sys.platform == "linux"
        else struct.pack(layout, _LOCK_START, _LOCK_BYTES, 0, fcntl.F_WRLCK, os.SEEK_SET)
    )
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return True
    try:
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
    except OSError:
        return True
    finally:
        os.close(fd)
    fields = struct.unpack(layout, answer)
    kind = fields[0] if sys.platform == "linux" else fields[3]
    return bool(kind != fcntl.F_UNLCK)


def _check_schema(db: sqlite3.Connection, path: Path) -> bool:
    """Refuse a newer schema or another program's database; migrate an older one (on a
    read-write connection of its own when `db` only reads). True when it migrated."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise DatabaseProblem(
            f"{path} was made by a newer lrmkb (schema {version}, this one knows {SCHEMA_VERSION})",
            "upgrade lrmkb (pip install -U lrmkb)",
        )
    if version == 0 and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        raise DatabaseProblem(
            f"{path} is an SQLite database of another program, not an lrmkb one",
            "pass the path of an lrmkb database with --db",
        )
    if version < SCHEMA_VERSION:
        if path.exists() and not _writable(path):
            raise DatabaseProblem(
                f"{path} has schema {version} and needs upgrading to {SCHEMA_VERSION}, "
                "but it is read-only",
                "make it writable once, or work on a copy with --db",
            )
        from .search import refresh_index

        if isinstance(db, Database) and not db.writable:
            with closing(_connect(path, write=True)) as upgrading:
                migrate(upgrading, refresh_index)
            return True
        migrate(db, refresh_index)
    return False


def schema_problem(db: sqlite3.Connection, path: Path) -> DatabaseProblem | None:
    """A database whose tables, columns, indexes or triggers are not what lrmkb's
    migrations make (a column dropped by another tool), as the error to report."""
    differences = schema_differences(db)
    if not differences:
        return None
    return DatabaseProblem(
        f"{path} does not have lrmkb's schema ({'; '.join(differences[:3])})",
        "it was changed by another program: restore it from a backup, "
        "or check it with `lrmkb db check`",
    )


def _use_wal(db: sqlite3.Connection) -> None:
    """WAL lets readers go on while one writer works. If another process holds the file
    the switch waits for the next write; the write itself still queues on the lock."""
    try:
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError:
        pass


def database_problem(exc: sqlite3.Error, path: str | os.PathLike[str] | None) -> DatabaseProblem:
    """What an SQLite error means for the user, and what to do about it."""
    where = str(path) if path else "the database"
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(exc):
        return DatabaseProblem(
            f"{where} is locked by another writer (waited {busy_timeout():g} s)",
            "let the other lrmkb or sqlite3 process finish, then retry "
            "(LRMKB_BUSY_TIMEOUT sets the wait in seconds)",
        )
    if code == sqlite3.SQLITE_READONLY:
        return DatabaseProblem(
            f"{where} cannot be written ({exc})", "check the permissions of it and its directory"
        )
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return DatabaseProblem(
            f"{where} is damaged or truncated ({exc})",
            "restore it from a backup, or salvage its rows with `sqlite3 FILE .recover`",
        )
    if code == sqlite3.SQLITE_FULL:
        return DatabaseProblem(f"the disk holding {where} is full", "free some space and retry")
    if code == sqlite3.SQLITE_CANTOPEN:
        return DatabaseProblem(f"cannot open {where} ({exc})", "check the path and permissions")
    return DatabaseProblem(
        f"database error on {where}: {exc}", "check the file with `lrmkb db check`"
    )


def now() -> str:
    """The time lrmkb writes into records (added, updated, edited), UTC, to the second.
    `SOURCE_DATE_EPOCH` (reproducible-builds.org's variable), when set to a number of
    seconds, fixes it: the docs' examples are made that way, so they read the same each run."""
    from datetime import UTC, datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
