"""The process's standard streams, made safe before a command runs, and what an
exception means for the user (message and exit code). No Typer, no Rich: the fast
`search` path (`fast.py`) relies on this as much as the Typer commands do.

What can go wrong with the streams, and what lrmkb does about it:

- stdin, stdout or stderr closed (`>&-`): `/dev/null` takes the descriptor (so no file
  lrmkb opens lands on it), and writing to a closed stdout fails as a full one does (exit 1).
- stdout full (`> /dev/full`), gone (`| head`), or failing: every write or flush raises
  `OutputLost`, which the guard turns into one line on stderr — or silence for `| head`
  — never a traceback; a write already committed still exits 0.
- a locale that cannot encode a title (ASCII, Latin-1) or an argument that is not UTF-8:
  what cannot be encoded is written as a backslash escape instead of failing.
- a UTF-8 argument under a locale that is not UTF-8 (`LC_ALL=C`): Python keeps its bytes
  above 127 as lone surrogates; `utf8_arguments` reads them again as UTF-8 text, and
  `fs_path` gives a path such text back in the form the file functions take."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import sys
from typing import Any, TextIO

from ..errors import EXIT_BAD_INPUT, EXIT_BUG, EXIT_DATABASE, EXIT_USAGE, LrmkbError

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


class OutputLost(Exception):
    """stdout did not take the command's output: closed, full, or its reader went away."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause

    @property
    def reader_gone(self) -> bool:
        """`lrmkb … | head`: the reader has all it wanted; stopping is not an error."""
        return getattr(self.cause, "errno", None) == errno.EPIPE

    @property
    def reason(self) -> str:
        return getattr(self.cause, "strerror", None) or str(self.cause) or "write failed"

    @property
    def hint(self) -> str:
        """What to do, for the cause at hand: a closed stdout, a full disk, anything else."""
        code = getattr(self.cause, "errno", None)
        if code == errno.EBADF:
            return (
                "give lrmkb somewhere to write (a file, a pipe or the terminal) instead of "
                "closing it (>&-)"
            )
        if code in (errno.ENOSPC, errno.EDQUOT):
            return "free some space on the disk stdout writes to, or send it elsewhere"
        return "check where stdout goes"


class GuardedStdout:
    """sys.stdout whose failures are `OutputLost`. After the first failure the
    descriptor is pointed at /dev/null, so that what is still buffered cannot fail
    again when the interpreter exits (that would print a traceback and exit 120)."""

    def __init__(self, stream: TextIO, closed: bool) -> None:
        self._stream = stream
        self._closed = closed

    def write(self, text: str) -> int:
        return int(self._guard(self._stream.write, text))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if not self._closed:  # once closed nothing is pending: writes raise instead
            self._guard(self._stream.flush)

    def isatty(self) -> bool:
        return not self._closed and self._stream.isatty()

    def _guard(self, call: Any, *args: Any) -> Any:
        if self._closed:
            raise OutputLost(OSError(errno.EBADF, "stdout is closed"))
        try:
            return call(*args)
        except (OSError, ValueError) as exc:
            self._closed = True
            _point_at_devnull(self._stream)
            raise OutputLost(exc) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class QuietStderr(GuardedStdout):
    """sys.stderr that never raises: with stderr gone there is no one left to tell."""

    def _guard(self, call: Any, *args: Any) -> Any:
        with contextlib.suppress(OutputLost):
            return super()._guard(call, *args)
        return 0


def _point_at_devnull(stream: TextIO) -> None:
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def install() -> None:
    """Make the standard streams safe for one `lrmkb` process (idempotent)."""
    if isinstance(sys.stdout, GuardedStdout):
        return
    closed = {fd: _is_closed(fd) for fd in (0, 1, 2)}
    for fd, shut in closed.items():
        if shut:  # keep 0-2 taken, as SQLite does for its own files
            devnull = os.open(os.devnull, os.O_RDWR)
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
    sys.stdout = GuardedStdout(_text_stream(sys.stdout, 1), closed[1])
    sys.stderr = QuietStderr(_text_stream(sys.stderr, 2), closed[2])


def _is_closed(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False


def _text_stream(stream: TextIO | None, fd: int) -> TextIO:
    """The stream (a new one on `fd` if Python found it closed at start-up), writing a
    backslash escape for what its encoding cannot represent instead of failing."""
    if stream is None:
        stream = open(fd, "w", encoding="utf-8", closefd=False)  # noqa: SIM115  (lives with the process)
    with contextlib.suppress(AttributeError, ValueError):
        stream.reconfigure(errors="backslashreplace")  # type: ignore[attr-defined]
    return stream


# Control characters (C0, DEL, C1) in stored text must never reach a terminal as they
# are: ESC starts sequences that set the window title, write the clipboard (OSC 52) or
# clear the screen, BEL rings, CR overwrites the line. Each is written as an escape:
# `\x1b` (C0 and DEL), `\u009b` (C1). Tab and newline stay where text may hold them.
_CONTROLS = [*range(0x20), 0x7F, *range(0x80, 0xA0)]
_SHOWN = {c: (f"\\x{c:02x}" if c < 0x80 else f"\\u{c:04x}") for c in _CONTROLS} | {
    ord("\t"): "\t",
    ord("\n"): "\n",
}
# TSV (PostgreSQL's `COPY … TEXT`): backslash, tab, newline and CR as `\\` `\t` `\n`
# `\r`, so that one row is always one line; the other controls as above (COPY reads
# `\xHH` too).
_TSV = _SHOWN | {ord("\\"): "\\\\", ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"}
# JSON escapes C0 itself; DEL and C1, which it leaves raw, as `\u00XX`.
_JSON = {c: f"\\u{c:04x}" for c in _CONTROLS if c >= 0x7F}


def shown(text: str) -> str:
    """`text` as it may reach a terminal: every control character but tab and newline
    written as an escape (see `_SHOWN`)."""
    return text.translate(_SHOWN)


def tsv_field(value: Any) -> str:
    """One field of the piped table (docs/output.md): empty for None, space-separated
    for a list, `true`/`false` for a bool, and backslash, tab, newline and CR written
    `\\\\` `\\t` `\\n` `\\r` (other control characters as `\\x1b`, `\\u009b`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return " ".join(tsv_field(v) for v in value)
    return str(value).translate(_TSV)


def json_line(data: Any) -> str:
    """One NDJSON line (no newline), UTF-8, with no raw control character."""
    return json.dumps(data, ensure_ascii=False, default=str).translate(_JSON)


def utf8_arguments(argv: list[str]) -> list[str]:
    """The arguments as the text they are: under an ASCII locale Python decodes each byte
    above 127 as a lone surrogate (`überdenken` → `\\udcc3\\udcbcberdenken`); an argument
    whose bytes are UTF-8 is read again as UTF-8. Bytes that are not UTF-8 stay as they
    were (`explain` names such an argument when a command cannot use it)."""
    fixed = []
    for arg in argv:
        if not _encodes(arg, "utf-8"):
            with contextlib.suppress(UnicodeError):
                arg = os.fsencode(arg).decode("utf-8")
        fixed.append(arg)
    return fixed


def fs_path(path: str) -> str:
    """`path` as the file functions take it: text the locale cannot encode (a UTF-8 name
    read by `utf8_arguments` under an ASCII locale) becomes its UTF-8 bytes in the
    locale's surrogate form, which `open` turns back into those bytes."""
    if _encodes(path, sys.getfilesystemencoding()):
        return path
    return os.fsdecode(path.encode("utf-8", errors="surrogateescape"))


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


def can_encode(text: str) -> bool:
    """Can stdout show `text` as it is (JSON falls back to \\u escapes when not)?"""
    return _encodes(text, getattr(sys.stdout, "encoding", None) or "utf-8")


def json_text(data: Any) -> str:
    """JSON and a newline, as UTF-8 text, or with `\\u` escapes where stdout's encoding
    (ASCII, Latin-1) cannot show a character: valid JSON either way."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str).translate(_JSON)
    if not can_encode(text):
        text = json.dumps(data, indent=2, default=str)
    return text + "\n"


def error(message: str) -> None:
    """One line on stderr: `Error: what went wrong — what to do`."""
    sys.stderr.write(f"Error: {shown(message)}\n")
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()


def explain(exc: BaseException, db: str | os.PathLike[str] | None = None) -> tuple[str, int]:
    """The one line and exit code for an exception that ended a command."""
    if isinstance(exc, LrmkbError):
        return str(exc), exc.exit_code
    if isinstance(exc, sqlite3.Error | LookupError) and (damage := _schema_damage(db)):
        return damage, EXIT_DATABASE
    if isinstance(exc, sqlite3.Error):
        from ..store import database_problem

        return str(database_problem(exc, db)), EXIT_DATABASE
    if isinstance(exc, MemoryError):
        return (
            "out of memory — the input is too large for this machine: split it into "
            "smaller files, or free some memory and retry",
            EXIT_BAD_INPUT,
        )
    if isinstance(exc, UnicodeError) and (arg := _undecodable_argument()) is not None:
        return (
            f"argument {os.fsencode(arg)!r} is not UTF-8 text — pass UTF-8 (convert it with iconv) "
            "or use a UTF-8 locale",
            EXIT_USAGE,
        )
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where} — check the path and permissions", EXIT_BAD_INPUT
    return (
        f"internal error ({type(exc).__name__}: {exc}) — this is a bug in lrmkb; "
        "rerun with --debug and report the traceback",
        EXIT_BUG,
    )


def _schema_damage(db: str | os.PathLike[str] | None) -> str | None:
    """When a query failed for want of a column (or a row lacked a key), the reason may
    be a schema changed behind lrmkb's back: say so, rather than report a bug."""
    if db is None:
        return None
    from pathlib import Path

    from ..store import schema_problem

    try:
        with contextlib.closing(sqlite3.connect(f"file:{os.fspath(db)}?mode=ro", uri=True)) as conn:
            problem = schema_problem(conn, Path(db))
    except sqlite3.Error:
        return None
    return str(problem) if problem else None


def _undecodable_argument() -> str | None:
    """An argument whose bytes were not UTF-8 (Python keeps them as lone surrogates)."""
    for arg in sys.argv[1:]:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return arg
    return None


def output_lost(exc: OutputLost, saved: str | None = None) -> int:
    """Tell the user that the output did not get through; the exit code to use.
    `saved` describes a write already committed: the command succeeded, only its
    report is lost, so the exit status stays 0."""
    if saved is not None:
        if not exc.reader_gone:
            sys.stderr.write(
                f"warning: {saved}, but the report could not be written: {exc.reason}\n"
            )
        return 0
    if exc.reader_gone:
        return 0
    error(f"cannot write the output: {exc.reason} — {exc.hint}")
    return EXIT_BAD_INPUT


def interrupted(saved: str | None = None) -> int:
    """Ctrl-C: say whether anything was written; the exit code to use."""
    if saved is None:
        error("interrupted — nothing was written")
    else:
        error(f"interrupted — {saved}; only its report was cut short")
    return EXIT_INTERRUPTED
