"""Concurrent writers: 8 processes each make 50 writes at once — `tag`, `add` from the
local arXiv server and `import` of small files — and every write is there afterwards,
none failed with "database is locked", and the database passes `lrmkb db check`.

Each worker is a real Python process running lrmkb's entry point 50 times in a row (one
command, one connection, one transaction each), so that 400 writes contend for the lock
without paying 400 interpreter start-ups."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arxiv_server import arxiv_api  # noqa: F401  (the fixture, used through `arxiv` below)
from conftest import ROOT
from lrmkb.ids import parse_arxiv_id
from reliability_fixtures import lrmkb_process, process_env

WORKERS = 8
KEY = "chen2024think"
WRITES = 50
# ids the replay server answers (tests/fixtures/arxiv and arxiv-recorded): many
# workers add the same paper at once, and it must still end up there exactly once
ARXIV_IDS = [
    "1605.08386",
    "hep-th/9901001",
    "math.GT/0309136",
    "astro-ph/0601001",
    "2507.00001",
    "2505.22148",  # already in the survey: enriched, never duplicated
]
ENTRY = "@article{{{key},\n  title = {{{title}}},\n  author = {{{author}}},\n  year = 2024\n}}\n"

# Runs `lrmkb ARGV` for each line of its stdin, in this one process; prints one JSON line
# per command: the arguments and the exit status.
WORKER = """
import json, sys
from lrmkb.__main__ import main
for line in sys.stdin:
    sys.argv = ["lrmkb", *json.loads(line)]
    try:
        main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    print(json.dumps({"args": sys.argv[1:], "code": code}), file=sys.__stderr__, flush=True)
"""


@pytest.fixture
def arxiv(request: pytest.FixtureRequest):
    return request.getfixturevalue("arxiv_api")


def survey_keys(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT key FROM paper ORDER BY key")]


def plan(worker: int, keys: list[str], folder: Path) -> list[list[str]]:
    """Worker `worker`'s 50 commands: 3 in 5 tag, 1 in 5 imports its own small file,
    1 in 5 adds an arXiv paper (most of them also being added by others)."""
    commands = []
    for n in range(WRITES):
        name = f"w{worker}n{n}"
        if n % 5 == 3:
            bib = folder / f"{name}.bib"
            title = f"Concurrency probe {name} on queued writers"
            bib.write_text(ENTRY.format(key=name, title=title, author=f"{name.title()}, Ada"))
            commands.append(["import", str(bib)])
        elif n % 5 == 4:
            commands.append(["add", ARXIV_IDS[(worker + n) % len(ARXIV_IDS)], "--section", "1"])
        else:
            commands.append(["tag", keys[(worker * WRITES + n) % len(keys)], f"c-{name}"])
    return commands


def test_eight_writers_at_once_lose_nothing(db_file: Path, tmp_path: Path, arxiv) -> None:
    keys = survey_keys(db_file)
    plans = [plan(w, keys, tmp_path) for w in range(WORKERS)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=process_env({"LRMKB_DB": str(db_file)}),
            cwd=ROOT,
        )
        for _ in plans
    ]
    for proc, commands in zip(workers, plans, strict=True):  # all queued, then all run
        assert proc.stdin is not None
        proc.stdin.write("".join(json.dumps(c) + "\n" for c in commands))
        proc.stdin.close()
    logs = [proc.stderr.read() for proc in workers if proc.stderr is not None]
    assert [proc.wait(timeout=600) for proc in workers] == [0] * WORKERS

    results = [json.loads(line) for log in logs for line in log.splitlines() if line[:1] == "{"]
    failed = [r for r in results if r["code"] != 0]
    assert not any("locked" in log for log in logs), "a writer gave up on the lock"
    assert failed == [], "\n".join(logs)[-3000:]
    assert len(results) == WORKERS * WRITES

    with sqlite3.connect(db_file) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tags = set(
            conn.execute("SELECT p.key, t.tag FROM paper_tag t JOIN paper p ON p.id = t.paper_id")
        )
        titles = [
            r[0]
            for r in conn.execute("SELECT title FROM paper WHERE title LIKE 'Concurrency probe %'")
        ]
        arxiv_rows = dict(conn.execute("SELECT arxiv_id, count(*) FROM paper GROUP BY arxiv_id"))
    wanted_tags = {(c[1], c[2]) for commands in plans for c in commands if c[0] == "tag"}
    assert wanted_tags <= tags
    wanted_titles = sorted(
        f"Concurrency probe w{w}n{n} on queued writers"
        for w in range(WORKERS)
        for n in range(WRITES)
        if n % 5 == 3
    )
    assert sorted(titles) == wanted_titles
    stored = [parse_arxiv_id(i).id for i in ARXIV_IDS]  # canonical: math.GT/… is math/…
    assert {i: arxiv_rows.get(i) for i in stored} == dict.fromkeys(stored, 1)

    check = lrmkb_process("--db", str(db_file), "db", "check", "--json")
    assert check.returncode == 0, check.stdout


def test_first_runs_at_once_share_one_user_database(tmp_path: Path) -> None:
    """No --db: the first command copies the survey database into the user's data folder.
    Eight first commands at once must all succeed and end with one database holding all
    eight writes (a copy lands only where none is yet, never over one in use)."""
    env = process_env({"XDG_DATA_HOME": str(tmp_path / "xdg")})
    env.pop("LRMKB_DB", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "lrmkb", "tag", KEY, f"first-run-{n}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for n in range(WORKERS)
    ]
    errors = [proc.communicate(timeout=300)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * WORKERS, errors
    [db] = (tmp_path / "xdg").rglob("survey.db")
    assert sorted(p.name for p in db.parent.iterdir() if not p.name.startswith("survey.db")) == []
    with sqlite3.connect(db) as conn:
        tags = {r[0] for r in conn.execute("SELECT tag FROM paper_tag")}
    assert {f"first-run-{n}" for n in range(WORKERS)} <= tags


def test_db_check_beside_writers_reports_no_false_damage(db_file: Path, tmp_path: Path) -> None:
    """`db check` while 4 processes write (tags and imports, each of which rewrites the
    search index): every check reads one snapshot, so it never sees a table and the index
    from two different moments ("indexed with outdated text") on a sound file."""
    keys = survey_keys(db_file)
    plans = [[c for c in plan(w, keys, tmp_path) if c[0] != "add"] for w in range(WORKERS // 2)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=process_env({"LRMKB_DB": str(db_file)}),
            cwd=ROOT,
        )
        for _ in plans
    ]
    for proc, commands in zip(workers, plans, strict=True):
        assert proc.stdin is not None
        proc.stdin.write("".join(json.dumps(c) + "\n" for c in commands))
        proc.stdin.close()
    reports = []
    while any(proc.poll() is None for proc in workers) or len(reports) < 3:
        check = lrmkb_process("--db", str(db_file), "db", "check", "--json")
        reports.append((check.returncode, check.stdout, check.stderr))
    logs = [proc.stderr.read() for proc in workers if proc.stderr is not None]
    assert [proc.wait(timeout=600) for proc in workers] == [0] * len(workers), logs
    false_alarms = [r for r in reports if r[0] != 0 or json.loads(r[1])["problems"]]
    assert false_alarms == [], (len(reports), false_alarms[:3])


# Holds the write lock of argv[1] for argv[2] seconds inside a transaction that tags a
# paper, then commits; prints "locked" once it holds the lock and the commit time at the end.
HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO paper_tag (paper_id, tag) SELECT id, 'held' FROM paper LIMIT 1")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
print(time.time(), flush=True)
"""


def hold_the_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def tags(db: Path) -> set[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {r[0] for r in conn.execute("SELECT tag FROM paper_tag")}


def test_db_reset_waits_for_the_writer_at_work(db_file: Path) -> None:
    """`db reset` used to replace the file under a writer: the writer then committed into
    the replaced file and said so, and its write was gone. Now reset takes the write
    lock: it ends after the writer's commit, and what it wrote is what the file holds."""
    assert lrmkb_process("--db", str(db_file), "tag", KEY, "mine").returncode == 0  # WAL
    holder = hold_the_lock(db_file, 3)
    reset = lrmkb_process("--db", str(db_file), "db", "reset", "--yes")
    reset_ended = time.time()
    assert holder.stdout is not None
    committed = float(holder.stdout.readline())
    assert holder.wait(timeout=60) == 0
    assert reset.returncode == 0, reset.stderr
    assert reset_ended > committed, "reset did not wait for the writer"
    assert tags(db_file) == set(), "the reset is not what the file holds"


def test_db_reset_gives_up_on_a_lock_held_too_long_and_changes_nothing(db_file: Path) -> None:
    assert lrmkb_process("--db", str(db_file), "tag", KEY, "mine").returncode == 0
    holder = hold_the_lock(db_file, 4)
    reset = lrmkb_process(
        "--db", str(db_file), "db", "reset", "--yes", env={"LRMKB_BUSY_TIMEOUT": "1"}
    )
    assert holder.wait(timeout=60) == 0
    assert reset.returncode == 4, reset.stderr
    assert reset.stderr.startswith("Error: ") and "locked by another writer" in reset.stderr
    assert reset.stderr.count("\n") == 1, reset.stderr
    assert {"mine", "held"} <= tags(db_file)


def old_database(path: Path) -> Path:
    """An lrmkb database one schema behind, in WAL mode, with a paper."""
    from lrmkb.migrations import MIGRATIONS

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    for fn in MIGRATIONS[:-1]:
        fn(db)
    db.execute(
        "INSERT INTO paper (key, title, created, updated)"
        " VALUES ('old2024paper', 'Platypus reasoning', 'x', 'x')"
    )
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) - 1}")
    db.close()
    return path


def schema_version(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def test_a_schema_upgrade_waits_for_the_writer_at_work(tmp_path: Path) -> None:
    """The first command on an older database upgrades it, under the write lock: beside a
    writer it waits and then upgrades (both writes kept); past LRMKB_BUSY_TIMEOUT it
    fails in one line (exit 4) and the file keeps its schema."""
    from lrmkb.migrations import SCHEMA_VERSION

    db = old_database(tmp_path / "old.db")
    holder = hold_the_lock(db, 3)
    done = lrmkb_process("--db", str(db), "show", "old2024paper")
    assert holder.wait(timeout=60) == 0
    assert done.returncode == 0 and "title\tPlatypus reasoning\n" in done.stdout, done.stderr
    assert schema_version(db) == SCHEMA_VERSION and "held" in tags(db)

    again = old_database(tmp_path / "again.db")
    holder = hold_the_lock(again, 4)
    refused = lrmkb_process(
        "--db", str(again), "show", "old2024paper", env={"LRMKB_BUSY_TIMEOUT": "1"}
    )
    assert holder.wait(timeout=60) == 0
    assert refused.returncode == 4 and "locked by another writer" in refused.stderr
    assert refused.stderr.count("\n") == 1, refused.stderr
    assert schema_version(again) == SCHEMA_VERSION - 1


def test_dev_build_over_a_database_in_use_waits_for_the_writer(db_file: Path) -> None:
    """`dev build --output DB --force` over a WAL database a writer holds: the build is
    written through SQLite after the writer's commit (it used to replace the file under
    it, so the writer's commit went into the replaced file)."""
    assert lrmkb_process("--db", str(db_file), "tag", KEY, "mine").returncode == 0  # WAL
    holder = hold_the_lock(db_file, 3)
    build = lrmkb_process(
        "dev", "build", "--seeds", str(ROOT / "seeds"), "--output", str(db_file), "--force"
    )
    build_ended = time.time()
    assert holder.stdout is not None
    committed = float(holder.stdout.readline())
    assert holder.wait(timeout=60) == 0
    assert build.returncode == 0, build.stderr
    assert build_ended > committed, "the build did not wait for the writer"
    assert tags(db_file) == set()
    assert lrmkb_process("--db", str(db_file), "db", "check").returncode == 0
