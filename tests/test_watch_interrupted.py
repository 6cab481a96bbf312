"""`lrmkb watch run` as real processes against the local arXiv stand-in: a run killed
(SIGKILL), interrupted (Ctrl-C, SIGINT) or stopped by its deadline in the middle keeps the
pages it saved; the next run resumes — the searches it finished are not asked again, the
one it was in goes on at its next page — and ends with exactly the inbox of a run that was
never interrupted. A second run started while one is under way fails at once and changes
nothing. A search arXiv refuses is reported and the others go on. On a terminal it shows
a progress bar; a stdout that takes nothing loses nothing."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import arxiv_server
from arxiv_server import Reply
from conftest import FIXTURES, ROOT
from reliability_fixtures import assert_clean_failure, lrmkb_process, process_env, snapshot
from test_watch import SYNTHETIC, publish_clones

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
        assert lock_file(db).exists()  # left behind, but no longer locked: see below
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
    assert not lock_file(db).exists()
    with sqlite3.connect(db) as conn:
        assert not conn.execute("SELECT count(*) FROM watch_run WHERE finished IS NULL").fetchone()[
            0
        ]


def lock_file(db: Path) -> Path:
    return db.with_name(db.name + "-watch.lock")


def test_a_second_run_at_once_fails_and_changes_nothing(
    watched: tuple[Path, Path], arxiv_api
) -> None:
    """Two runs on one database would ask arXiv twice as often as its terms allow and
    page through the same searches from the same saved positions: the second fails at
    once (exit 4, one line naming the first), before asking arXiv anything, and writes
    nothing; the first ends as if it had been alone. A dry run writes nothing: it is let
    through."""
    db, control = watched
    archive = arxiv_api.search
    archive.slow_from = 40  # the first run holds at B.3's second page
    first = start_run(db, "--since", "2025-01-01")
    assert archive.held.wait(60), "the first run never reached B.3's second page"
    assert lock_file(db).read_text() == f"{first.pid}\n"
    before, asked = snapshot(db), len(archive.searches)
    for args in (["--since", "2025-01-01"], [], ["--section", "4.3"]):
        second = lrmkb_process("--db", str(db), "watch", "run", *args)
        error = assert_clean_failure(second, 4, db, before)
        assert error == (
            f"Error: another watch run (pid {first.pid}) is in progress on {db} — wait for it"
            " to finish (`lrmkb watch list` shows what it has done), or stop it: the next"
            " `lrmkb watch run` resumes it"
        )
    assert len(archive.searches) == asked  # the second runs asked arXiv nothing
    archive.slow_from = None  # a dry run is not held, and needs no lock
    dry = lrmkb_process("--db", str(db), "watch", "run", "--section", "4.3", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    archive.release()
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert "B.3\t2025-01-01\t230\t230\t" in out
    assert inbox_state(db) == inbox_state(control)
    assert not lock_file(db).exists()
    again = lrmkb_process("--db", str(db), "watch", "run")  # the lock is free again
    assert again.returncode == 0, again.stderr


def test_a_query_arxiv_refuses_is_reported_and_the_others_go_on(db_file: Path, arxiv_api) -> None:
    """arXiv answers a search it cannot read with HTTP 400 and an `Error` entry (the
    recorded answer to a malformed id): that search gets a row saying so and a warning,
    is not retried, and every other search runs and is saved; the run ends with exit 1
    and is finished, so that the next run is a fresh one that asks every search again."""
    refusal = (FIXTURES / "arxiv-recorded" / "id_list-abc-error-http400.atom.xml").read_bytes()
    with sqlite3.connect(db_file) as conn:
        query = conn.execute(
            "SELECT query FROM watch_query w JOIN taxonomy_node n ON n.id = w.node_id"
            " WHERE n.code = '2.1.2'"
        ).fetchone()[0]
    archive = arxiv_api.search
    archive.refusing[query] = Reply(400, refusal, {"Content-Type": "application/atom+xml"})
    run = lrmkb_process("--db", str(db_file), "watch", "run", "--since", "2025-01-01")
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert "2.1.2\t2025-01-01\t0\t0\t0\t0\t0\trefused by arXiv: incorrect id format for abc\n" in (
        run.stdout
    )
    assert run.stderr.splitlines() == [
        f"warning: arXiv refused the watch query of 2.1.2, {query!r} (incorrect id format for"
        " abc) — change it (`lrmkb watch set 2.1.2 QUERY`) or drop it (`lrmkb watch rm 2.1.2`)",
        "added 8 paper(s) to the inbox from 41 watch queries (41 arXiv requests) — see"
        " `lrmkb inbox`",
        "Error: arXiv refused 1 of 41 watch queries (2.1.2; see the warning above) — change or"
        " drop it, then run again; what the others found was saved",
    ]
    assert [s["search_query"] for s in archive.searches].count(query) == 1  # not retried
    # 2602.01207 is found by 2.1.2 alone: everything else is in the inbox
    assert set(inbox_state(db_file)) == SYNTHETIC - {"2602.01207"}
    with sqlite3.connect(db_file) as conn:
        assert not conn.execute("SELECT count(*) FROM watch_run WHERE finished IS NULL").fetchone()[
            0
        ]
        state = conn.execute(
            "SELECT last_run, newest, resume_start FROM watch_query w"
            " JOIN taxonomy_node n ON n.id = w.node_id WHERE n.code = '2.1.2'"
        ).fetchone()
    assert state == (None, None, None)  # as if it had never run

    as_json = lrmkb_process("--db", str(db_file), "watch", "run", "--section", "2.1", "--json")
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert not report["resumed"]  # the refused search did not hold the last run open
    refused = [q for q in report["queries"] if q["refused"]]
    assert [(q["code"], q["refused"]) for q in refused] == [
        ("2.1.2", "incorrect id format for abc")
    ]
    assert as_json.stderr.splitlines()[0].startswith("warning: arXiv refused the watch query")

    del archive.refusing[query]  # fixed
    fixed = lrmkb_process(
        "--db", str(db_file), "watch", "run", "--section", "2.1.2", "--since", "2025-01-01"
    )
    assert fixed.returncode == 0, fixed.stderr
    assert set(inbox_state(db_file)) == SYNTHETIC


def test_the_deadline_stops_a_run_that_the_next_run_resumes(
    watched: tuple[Path, Path], arxiv_api
) -> None:
    """LRMKB_ARXIV_DEADLINE bounds the whole run: with a request every 1.5 s and 2 s in
    all, the run stops after a page or two (exit 3) and keeps whole pages only."""
    db, control = watched
    env = {"LRMKB_ARXIV_DEADLINE": "2", "LRMKB_ARXIV_DELAY": "1.5"}
    stopped = lrmkb_process("--db", str(db), "watch", "run", "--since", "2025-01-01", env=env)
    assert stopped.returncode == 3, stopped.stderr
    assert stopped.stderr.startswith("Error: arXiv took longer than the deadline of 2 s in all")
    assert len(arxiv_api.search.searches) <= 3
    again = lrmkb_process("--db", str(db), "watch", "run")
    assert again.returncode == 0, again.stderr
    assert inbox_state(db) == inbox_state(control)


def test_a_progress_bar_on_a_terminal(db_file: Path, arxiv_api) -> None:
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lrmkb",
            "--db",
            str(db_file),
            "watch",
            "run",
            "--since",
            "2025-01-01",
        ],
        stdout=follower,
        stderr=follower,
        env={**process_env(), "COLUMNS": "120", "LRMKB_ARXIV_DELAY": "0.1"},
        cwd=ROOT,
    )
    os.close(follower)
    out = b""
    with contextlib.suppress(OSError):  # EIO once the process has closed the terminal
        while chunk := os.read(leader, 65536):
            out += chunk
    os.close(leader)
    assert proc.wait(timeout=300) == 0
    text = out.decode(errors="replace")
    assert re.search(r"\d[.\dA-Z]*: \d+ found, \d+ new", text)  # the bar's description
    assert "━" in text  # the bar itself
    assert "added 9 paper(s) to the inbox from 41 watch queries" in text


def test_a_full_stdout_loses_nothing(db_file: Path, arxiv_api) -> None:
    """The report cannot be written, but every page was saved: a warning, exit 0, and the
    next run finds nothing new."""
    with open("/dev/full", "w") as full:
        run = lrmkb_process(
            "--db",
            str(db_file),
            "watch",
            "run",
            "--since",
            "2025-01-01",
            stdout=full,
            stderr=subprocess.PIPE,
        )
    assert run.returncode == 0
    assert "warning: the changes were saved, but the report could not be written" in run.stderr
    assert len(inbox_state(db_file)) == 9
    again = lrmkb_process("--db", str(db_file), "watch", "run", "--json")
    assert json.loads(again.stdout)["summary"]["new"] == 0


def run_json(db: Path, *args: str) -> dict:
    done = lrmkb_process("--db", str(db), "watch", "run", "--json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def open_runs(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM watch_run WHERE finished IS NULL").fetchone()[0]


def test_a_run_limited_to_sections_is_finished_and_changes_no_later_run(
    db_file: Path, arxiv_api
) -> None:
    """A `--section` run that completes is over: the next run is not a resumption of it,
    asks arXiv again and takes no other search back to its `--since` (each search
    goes back to where its own last run stopped)."""
    limited = run_json(db_file, "--section", "4.3.3", "--since", "2020-01-01")
    assert [q["code"] for q in limited["queries"]] == ["4.3.3"]
    assert open_runs(db_file) == 0
    plain = run_json(db_file, "--dry-run")
    assert not plain["resumed"]
    since = {q["code"]: q["since"] for q in plain["queries"]}
    assert len(since) == 41 and not any(q["skipped"] for q in plain["queries"])
    assert since["4.3.3"] == "2026-02-27"  # its newest submission, 2026-03-02, less 3 days
    first_time = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()
    assert {s for c, s in since.items() if c != "4.3.3"} == {first_time}

    twice = [run_json(db_file, "--section", "4.3") for _ in range(2)]
    for report in twice:
        assert not report["resumed"]
        assert report["requests"] == 4  # 4.3 and its three questions, asked each time
        assert not any(q["skipped"] for q in report["queries"])
    assert open_runs(db_file) == 0


def test_an_interrupted_section_run_resumes_only_its_own_searches(
    watched: tuple[Path, Path], arxiv_api
) -> None:
    """The next run resumes what an interrupted `--section` run had left (with that run's
    `--since`); every other search goes back to where its own last run stopped."""
    db, _ = watched
    archive = arxiv_api.search
    archive.slow_from = 2  # B.3's second page
    proc = start_run(db, "--section", "B.3", "--since", "2025-01-01")
    assert archive.held.wait(60), "the run never reached B.3's second page"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    archive.release()
    assert open_runs(db) == 1

    archive.searches.clear()
    report = run_json(db)
    assert report["resumed"]
    by_code = {q["code"]: q for q in report["queries"]}
    assert by_code["B.3"]["resumed"] and by_code["B.3"]["since"] == "2025-01-01"
    assert by_code["B.3"]["fetched"] == 130  # its pages 2 and 3
    first_time = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()
    assert {q["since"] for c, q in by_code.items() if c != "B.3"} == {first_time}
    assert not any(q["skipped"] for q in report["queries"])
    assert len(archive.searches) == 2 + 40
    assert open_runs(db) == 0
    assert not run_json(db, "--dry-run")["resumed"]
