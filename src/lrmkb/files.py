"""Files lrmkb reads or writes besides the database: a `.bib` to import, an export's
`--output`. Nothing here may ever hit the database, a device or a FIFO.

- `read_regular` opens without blocking and refuses anything but a regular file before
  reading a byte: a FIFO with no writer would hang the command, a device never ends.
- `check_output` refuses an output path that is (or leads, through symlinks and hard
  links, to) the database in use or its `-wal`/`-shm`/`-journal`, any SQLite database, a
  directory, a device node, a FIFO or a socket.
- `write_atomically` then replaces the file so that readers see the old or the new
  text, never half, keeping the mode (and, for root, the owner) of the file it replaces.
  A symlink is followed: the file it points to is replaced, the link stays."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from .errors import BadInput, DatabaseProblem

SQLITE_MAGIC = b"SQLite format 3\x00"
# SQLite's files beside a database, and the lock of a watch run (`store.exclusive`)
SIDECARS = ("-wal", "-shm", "-journal", "-watch.lock")


def kind_of(mode: int) -> str | None:
    """What a non-regular file is, in a user's words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: Path) -> int:
    """A read-only descriptor of `path`, which must be a regular file. Opened with
    O_NONBLOCK (a FIFO then opens at once instead of waiting for a writer), checked with
    `fstat` on the descriptor itself (no race with a rename), then made blocking again.
    Raises `BadInput` for anything else; `OSError` when it cannot be opened."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        what = kind_of(os.fstat(fd).st_mode)
        if what is not None:
            raise BadInput(
                f"{path} is {what}, not a file",
                "pass a regular file (save a stream to a file first)",
            )
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file (see `open_regular`). `BadInput` when it is anything
    else, is missing or cannot be read."""
    try:
        with os.fdopen(open_regular(path), "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise BadInput(
            f"cannot read {path}: {exc.strerror or exc}", "check the path and its permissions"
        ) from exc


def check_database_file(path: Path) -> None:
    """`--db` must name a regular file (or nothing yet): a directory, device, FIFO or
    socket is refused before it is opened — SQLite would block on a FIFO, and replacing a device
    node would break the system (`--db /dev/null db reset`)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing, or unreadable: the caller says which
    what = kind_of(mode)
    if what is not None:
        raise DatabaseProblem(
            f"{path} is {what}, not a database file", "pass the path of a database file"
        )


def check_output(path: Path, database: Path | None = None) -> Path:
    """The file to write for `--output PATH` (symlinks followed), after refusing what
    must never be overwritten. Raises `BadInput` (exit 1) naming the reason."""
    path = path.expanduser()
    target = Path(os.path.realpath(path))

    def refuse(why: str, hint: str = "pick another --output file") -> BadInput:
        return BadInput(f"refusing to write to {path}: {why}", hint)

    if database is not None and _same_file_or_sidecar(target, database):
        raise refuse("it is the database in use (or one of its files)")
    if _is_sidecar_of_a_database(target):
        raise refuse("it is an SQLite database (or one of its files)")
    try:
        st = os.stat(path)  # through the links, even /proc's (`/dev/stdout` on a pipe)
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise refuse(f"directory {target.parent} does not exist") from None
        return target
    what = kind_of(st.st_mode)
    if what is not None:
        streams = ("a device", "a FIFO (named pipe)")
        hint = "leave out --output to write to stdout" if what in streams else ""
        raise refuse(f"it is {what}", hint or "pick another --output file")
    if _is_sqlite(target):
        raise refuse("it is an SQLite database (or one of its files)")
    if not (os.access(target, os.W_OK) and st.st_mode & 0o222):
        # as with `rm`: a file someone made read-only is not replaced, even by root
        raise refuse("it is read-only", "make it writable (chmod u+w) or pick another file")
    return target


def _same_file_or_sidecar(target: Path, database: Path) -> bool:
    """Is `target` the database or a file beside it, by name or by inode (hard links)?"""
    real_db = os.path.realpath(database.expanduser())
    names = {real_db, *(real_db + s for s in SIDECARS)}
    if str(target) in names:
        return True
    try:
        mine = os.stat(target)
    except OSError:
        return False
    for name in names:
        with contextlib.suppress(OSError):
            if os.path.samestat(mine, os.stat(name)):
                return True
    return False


def _is_sqlite(path: Path) -> bool:
    try:
        with os.fdopen(open_regular(path), "rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except (OSError, BadInput):
        return False


def _is_sidecar_of_a_database(path: Path) -> bool:
    name = str(path)
    return any(name.endswith(s) and _is_sqlite(Path(name[: -len(s)])) for s in SIDECARS)


def write_atomically(path: Path, text: str | Iterable[str], database: Path | None = None) -> Path:
    """Write `text` (UTF-8, `\\n` line ends; a string, or chunks written as they come)
    to `path` after `check_output`: a temporary
    file beside the target, given the replaced file's mode (and owner, when lrmkb runs
    as root), flushed to disk, renamed over it, and the directory synced. Returns the
    file written. `BadInput` when the disk is full or the directory is not writable;
    the old file is then untouched."""
    target = check_output(path, database)
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    import secrets

    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o666)  # the umask applies, as for any new file
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            if old is not None:
                os.fchmod(fd, stat.S_IMODE(old.st_mode))
                if os.geteuid() == 0:
                    os.fchown(fd, old.st_uid, old.st_gid)
            for chunk in [text] if isinstance(text, str) else text:
                handle.write(chunk)
            handle.flush()
            os.fsync(fd)
        os.replace(tmp, target)
        _sync_directory(target.parent)
    except OSError as exc:
        hint = (
            "free some space and retry"
            if exc.errno in (errno.ENOSPC, errno.EDQUOT)
            else "check the path and its permissions"
        )
        raise BadInput(f"cannot write {path}: {exc.strerror or exc}", hint) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return target


def _sync_directory(folder: Path) -> None:
    """Make the rename itself durable (ext4 and others may lose it in a power cut)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
