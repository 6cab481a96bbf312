"""A `watch run` killed (SIGKILL) or interrupted (Ctrl-C, SIGINT) in the middle keeps the
pages it saved; the next run resumes — the searches it finished are not asked again, the
one it was in goes on at its next page — and ends with exactly the inbox of a run that was
never interrupted. Real `lrmkb` processes against the local arXiv stand-in."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import arxiv_server
from conftest import ROOT
from reliability_fixtures import lrmkb_process, process_env
from test_watch import publish_clones

arxiv_api = arxiv_server.arxiv_api
CLONES = 230  # three pages for the B.3 query below


def inbox_state(db: Path) -> dict[str, list[str]]:
    """arXiv id → the codes of the searches that found it."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT arxiv_id, found_by FROM inbox").fetchall()
    return {a: sorted(f["code"] for f in json.loads(found)) for a, found in rows}


def start_run(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lrmkb", "--db", str(db), "watch", "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=process_env(),
        cwd=ROOT,
    )


@pytest.fixture
def watched(db_file: Path, arxiv_api, tmp_path: Path) -> tuple[Path, Path]:
    """The survey database with a 3-page query on B.3, and a copy of it that an
    uninterrupted run has filled (what the interrupted one must end with)."""
    publish_clones(arxiv_api, CLONES)
    assert lrmkb_process("--db", str(db_file), "watch", "set", "B.3", "ti:clone").returncode == 0
    control = tmp_path / "control.db"
    shutil.copyfile(db_file, control)
    done = lrmkb_process("--db", str(control), "watch", "run", "--since", "2025-01-01")
    assert done.returncode == 0, done.stderr
    arxiv_api.search.searches.clear()
    return db_file, control


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_an_interrupted_run_resumes_without_duplicates(
    watched: tuple[Path, Path], arxiv_api, how: signal.Signals
) -> None:
    db, control = watched
    archive = arxiv_api.search
    # B.3 comes after 38 other searches; hold its second page (request 40) and stop there
    archive.slow_from = 40
    proc = start_run(db, "--since", "2025-01-01")
    assert archive.held.wait(60), "the run never reached B.3's second page"
    proc.send_signal(how)
    _, err = proc.communicate(timeout=60)
    archive.release()
    if how == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 130
        assert "interrupted — " in err and "run `lrmkb watch run` again to resume" in err
    saved = inbox_state(db)
    assert sum(a.startswith("2601.") for a in saved) == 100  # B.3's first page is kept
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM watch_run WHERE finished IS NULL").fetchone()[0]
        position = conn.execute(
            "SELECT resume_start FROM watch_query w JOIN taxonomy_node n ON n.id = w.node_id"
            " WHERE n.code = 'B.3'"
        ).fetchone()[0]
    assert position == 100

    archive.searches.clear()
    again = lrmkb_process("--db", str(db), "watch", "run")
    assert again.returncode == 0, again.stderr
    asked = [(s["search_query"], s["start"]) for s in archive.searches]
    assert asked[:2] == [("ti:clone", "100"), ("ti:clone", "200")]  # B.3 goes on …
    assert len(asked) == 2 + 2  # … then C.1 and C.2; the 38 searches done are not asked
    assert "B.3\t2025-01-01\t130\t130\t" in again.stdout
    assert again.stdout.count("done in the interrupted run") == 38
    assert inbox_state(db) == inbox_state(control)
    with sqlite3.connect(db) as conn:
        assert not conn.execute("SELECT count(*) FROM watch_run WHERE finished IS NULL").fetchone()[
            0
        ]
