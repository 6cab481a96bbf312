"""Crash safety: an `import` killed with SIGKILL in the middle of writing leaves a database
that opens, passes `PRAGMA integrity_check` and `lrmkb db check`, and holds none or all
of that import — and the same import then runs to the end."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, glottolog_text
from reliability_fixtures import lrmkb_process, process_env, snapshot

COPIES = 2  # 17,488 entries, 6 MB: several seconds of writing in one transaction
KILL_AT_WAL_BYTES = 1 << 20  # the write-ahead log holds 1 MB of the open transaction


@pytest.fixture
def big_bib(tmp_path: Path) -> Path:
    """Copies of a real 8,744-entry library, each with its own keys and first authors,
    so that every copy is new papers rather than duplicates of the first."""
    entries = glottolog_text().split("\n@")[1:]
    text = "".join(f"@{e}\n" for e in entries if re.search(r"^\s*title = \{", e, re.M))
    copies = []
    for n in range(1, COPIES + 1):
        copy = re.sub(r"^(@\w+\{)([^,\s]+),", rf"\g<1>\g<2>-copy{n},", text, flags=re.M)
        copy = re.sub(r"^(\s*author = \{)", rf"\g<1>Copyist{n}, Crash and ", copy, flags=re.M)
        copies.append(copy)
    path = tmp_path / "big.bib"
    path.write_text("\n".join(copies), encoding="utf-8")
    return path


def paper_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM paper").fetchone()[0]


def kill_while_writing(db: Path, bib: Path, log: Path) -> int:
    """Start `lrmkb import`, SIGKILL it once its open transaction fills the WAL; return
    its exit status (negative: killed by that signal)."""
    wal = Path(f"{db}-wal")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lrmkb", "--db", str(db), "import", str(bib)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=process_env(),
            cwd=ROOT,
        )
        deadline = time.monotonic() + 300  # a hang guard, not a timing assertion
        while proc.poll() is None and time.monotonic() < deadline:
            if wal.exists() and wal.stat().st_size >= KILL_AT_WAL_BYTES:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
        else:
            proc.kill()
        return proc.wait()


def test_import_killed_midway_loses_nothing_and_leaves_no_half(
    db_file: Path, big_bib: Path, tmp_path: Path
) -> None:
    before = snapshot(db_file)
    papers_before = paper_count(db_file)

    status = kill_while_writing(db_file, big_bib, tmp_path / "import.log")
    assert status == -signal.SIGKILL, (
        f"the import ended by itself ({status}) before it could be killed: "
        + (tmp_path / "import.log").read_text()[-500:]
    )

    with sqlite3.connect(db_file) as conn:  # opening replays or discards the WAL
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    check = lrmkb_process("--db", str(db_file), "db", "check", "--json")
    assert check.returncode == 0, check.stdout + check.stderr
    assert json.loads(check.stdout)["problems"] == []

    after_kill = snapshot(db_file)
    finish = lrmkb_process("--db", str(db_file), "import", str(big_bib), "--json")
    assert finish.returncode == 0, finish.stderr[-2000:]
    added = json.loads(finish.stdout)["summary"]["added"]
    if after_kill == before:  # none of it landed: the re-run adds it all
        assert added > COPIES * 8000
    else:  # all of it landed: the re-run finds every entry already there
        assert added == 0
    assert paper_count(db_file) > papers_before + COPIES * 8000
    assert lrmkb_process("--db", str(db_file), "db", "check").returncode == 0
