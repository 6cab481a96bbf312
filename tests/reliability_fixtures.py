"""Helpers shared by the reliability tests (bad input, concurrency, crashes): what a clean
failure looks like, and running lrmkb as a real process."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from lrmkb.checks import dump_lines
from lrmkb.errors import DatabaseProblem
from lrmkb.store import Database

EXIT = {"ok": 0, "bad input": 1, "usage": 2, "service": 3, "database": 4}


@dataclass
class Outcome:
    """What a user sees after one command, whether run in-process or as a process."""

    code: int
    stdout: str
    stderr: str

    @classmethod
    def of(cls, result: Any) -> Outcome:
        if isinstance(result, Outcome):
            return result
        if isinstance(result, subprocess.CompletedProcess):  # a stream not captured: ""
            return cls(result.returncode, result.stdout or "", result.stderr or "")
        return cls(result.exit_code, result.stdout, result.stderr)


def snapshot(path: Path) -> str | bytes:
    """The database's content as text, like `sqlite3 FILE .dump` (taken after the schema
    upgrade any lrmkb command makes on open), or the raw bytes when it is not usable."""
    try:
        db = Database.open(path)
    except DatabaseProblem:
        return path.read_bytes() if path.is_file() else b""
    try:
        return "\n".join(dump_lines(db))
    finally:
        db.close()


def assert_clean_failure(result: Any, code: int, db: Path, before: str | bytes) -> str:
    """One `Error: what — what to do` line on stderr (after Click's usage lines for exit 2),
    the documented exit code, no traceback anywhere, and the database exactly as it was.
    Returns the error line."""
    seen = Outcome.of(result)
    assert seen.code == code, (seen.code, seen.stdout[-2000:], seen.stderr[-2000:])
    assert "Traceback" not in seen.stdout + seen.stderr
    lines = seen.stderr.strip().splitlines()
    if code == EXIT["usage"]:  # Click's form: `Usage: …`, `Try 'lrmkb … -h' for help.`, error
        assert lines[-1].startswith("Error: "), seen.stderr
        assert all(line.startswith(("Usage: ", "Try ")) or not line for line in lines[:-1])
    else:
        assert len(lines) == 1, seen.stderr
        assert lines[0].startswith("Error: ") and " — " in lines[0], lines[0]
    assert snapshot(db) == before, "the database changed"
    return lines[-1]


INSTALLED = Path(sys.executable).with_name("lrmkb")


def lrmkb_command(*args: str) -> list[str]:
    """The command line a user's shell runs: the `lrmkb` script installed beside this
    Python (the venv's), or `python -m lrmkb` where there is none."""
    if INSTALLED.exists():
        return [str(INSTALLED), *args]
    return [sys.executable, "-m", "lrmkb", *args]


def lrmkb_process(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """`lrmkb ARGS` as a separate process, the way a user's shell runs it. Output is
    read as UTF-8, bytes that are not shown as escapes."""
    kwargs.setdefault("capture_output", "stdout" not in kwargs and "stderr" not in kwargs)
    return subprocess.run(
        lrmkb_command(*args),
        encoding="utf-8",
        errors="backslashreplace",
        env=process_env(env),
        cwd=ROOT,
        timeout=timeout,
        check=False,
        **kwargs,
    )


def process_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test's environment (isolated by conftest) plus `extra`, with lrmkb importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def lrmkb_as_a_user(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """`python -m lrmkb ARGS` without root's power to read and write any file, so that file
    permissions mean for the tests what they mean for a user."""
    if os.geteuid() != 0:
        return lrmkb_process(*args, **kwargs)
    if not _can_drop_capabilities():
        pytest.skip("running as root without CAP_SETPCAP: cannot make permissions bite")
    return lrmkb_process(*args, preexec_fn=_drop_file_capabilities, **kwargs)


_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _drop_file_capabilities() -> None:
    """In the child, before exec: without these in the bounding set, root's new program
    obeys file permissions like anyone else."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _can_drop_capabilities() -> bool:
    probe = subprocess.run(
        ["true"], preexec_fn=_drop_file_capabilities, capture_output=True, check=False
    )
    return probe.returncode == 0
