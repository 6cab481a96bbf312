"""Nothing lost, ever — checked on real `lrmkb` processes (the venv's script), the way a
user meets them: hostile files and devices, a full or closed stdout, Ctrl-C, bad
environment numbers, undecodable arguments and locales, a damaged schema, too little
memory, a hostile arXiv on 127.0.0.1. Every bad input gets its exit code, one
`Error: … — …` line and the same database dump afterwards (the unchanged-dump oracle of
`reliability_fixtures`).

Independent cases of one kind run a few processes at a time (`all_hold`), and each
failing case is reported by name."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import stat
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from arxiv_server import OURS, Reply, arxiv_api  # noqa: F401  (the fixture)
from conftest import BUNDLED_DB, ROOT
from lrmkb.migrations import schema_differences
from reliability_fixtures import (
    EXIT,
    Outcome,
    assert_clean_failure,
    lrmkb_as_a_user,
    lrmkb_command,
    lrmkb_process,
    process_env,
    snapshot,
)

KEY = "chen2024think"
UNICODE_KEY = "marjanovic2025deepseekr1"  # ć in an author, ’ in the title
PARALLEL = 4  # processes at once: they mostly wait (start-up, pipes, the server)
INTERRUPTED = 130


def all_hold(checks: dict[str, Callable[[], object]]) -> None:
    """Run independent checks (each driving lrmkb processes) a few at a time and report
    every one that failed, by name."""

    def attempt(item: tuple[str, Callable[[], object]]) -> str | None:
        name, check = item
        try:
            check()
        except AssertionError as exc:
            return f"{name}: {exc}"
        return None

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        failures = [f for f in pool.map(attempt, checks.items()) if f]
    assert not failures, "\n\n".join(failures)


def lrmkb(db: Path | None, *args: str | bytes, **kwargs: Any) -> Outcome:
    """`lrmkb [--db DB] ARGS` as a process; what the user saw."""
    prefix = ("--db", str(db)) if db is not None else ()
    env = kwargs.pop("env", None)
    timeout = kwargs.pop("timeout", 120)
    if any(isinstance(a, bytes) for a in args):  # arguments that are not UTF-8
        command = [os.fsencode(a) for a in lrmkb_command(*prefix)]
        command += [os.fsencode(a) for a in args]
        done = subprocess.run(
            command,
            capture_output=True,
            env=process_env(env),
            cwd=ROOT,
            timeout=timeout,
            check=False,
            **kwargs,
        )
        return Outcome(done.returncode, _text(done.stdout), _text(done.stderr))
    return Outcome.of(lrmkb_process(*prefix, *args, env=env, timeout=timeout, **kwargs))  # type: ignore[arg-type]


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "backslashreplace")


def refused(
    db: Path, args: tuple[str | bytes, ...], code: int, message: str, before: str | bytes, **kw: Any
) -> Callable[[], None]:
    """A check: `lrmkb --db DB ARGS` fails with `code` and one line holding `message`,
    and leaves the database as it was."""

    def check() -> None:
        line = assert_clean_failure(lrmkb(db, *args, **kw), code, db, before)
        assert message in line, line

    return check


def file_state(path: Path) -> tuple[Any, ...]:
    """What a path is, for "left as it was": its kind, mode, link target and bytes."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return ("missing",)
    if stat.S_ISLNK(st.st_mode):
        return ("link", os.readlink(path))
    content = path.read_bytes() if stat.S_ISREG(st.st_mode) else None
    return (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), content)


def device_node(path: Path) -> Path | None:
    """A character device like /dev/null at `path`, or None where mknod is not allowed."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        return None
    return path


# --- 1. outputs never hit the database, a device or a special file -------------------------


def test_output_never_overwrites_the_database_or_a_special_file(
    db_file: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "link.bib").symlink_to(db_file)
    os.link(db_file, folder / "hard.bib")
    shutil.copyfile(BUNDLED_DB, folder / "other.db")
    os.mkfifo(folder / "pipe.bib")
    (folder / "dir.bib").mkdir()
    (folder / "locked.bib").write_text("mine\n")
    (folder / "locked.bib").chmod(0o444)
    targets = {
        "the database": (db_file, "it is the database in use"),
        "its -wal": (Path(f"{db_file}-wal"), "it is the database in use"),
        "its -shm": (Path(f"{db_file}-shm"), "it is the database in use"),
        "its -journal": (Path(f"{db_file}-journal"), "it is the database in use"),
        "a symlink to it": (folder / "link.bib", "it is the database in use"),
        "a hard link to it": (folder / "hard.bib", "it is the database in use"),
        "another SQLite database": (folder / "other.db", "it is an SQLite database"),
        "the -wal of another database": (folder / "other.db-wal", "it is an SQLite database"),
        "a FIFO": (folder / "pipe.bib", "it is a FIFO"),
        "a directory": (folder / "dir.bib", "it is a directory"),
        "a read-only file": (folder / "locked.bib", "it is read-only"),
        "a missing directory": (folder / "nowhere" / "x.bib", "does not exist"),
    }
    if device := device_node(folder / "null"):
        targets["a device node"] = (device, "it is a device")
    before = snapshot(db_file)
    states = {name: file_state(target) for name, (target, _) in targets.items()}

    def case(name: str) -> Callable[[], None]:
        target, message = targets[name]
        refuse = refused(db_file, ("export", "-o", str(target)), EXIT["bad input"], message, before)

        def check() -> None:
            refuse()
            assert file_state(target) == states[name], "the target changed"

        return check

    all_hold({name: case(name) for name in targets})
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []


def test_export_keeps_the_mode_of_the_file_it_replaces_and_follows_a_symlink(
    db_file: Path, tmp_path: Path
) -> None:
    private = tmp_path / "private.bib"
    private.write_text("old\n")
    private.chmod(0o600)
    link = tmp_path / "link.bib"
    link.symlink_to(private)
    done = lrmkb(db_file, "export", "-o", str(link))
    assert done.code == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == str(private)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("@")
    fresh = tmp_path / "fresh.bib"
    assert lrmkb(db_file, "export", "-o", str(fresh)).code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fresh.bib",
        "kb.db",
        "link.bib",
        "private.bib",
    ]


def test_db_build_and_reset_replace_a_database_only_when_told(tmp_path: Path) -> None:
    seeds = ROOT / "seeds"
    mine = tmp_path / "mine.db"
    shutil.copyfile(BUNDLED_DB, mine)
    assert lrmkb(mine, "tag", KEY, "precious").code == 0
    before = snapshot(mine)
    build = ("dev", "build", "--seeds", str(seeds), "--output", str(mine))
    line = assert_clean_failure(lrmkb(None, *build), EXIT["bad input"], mine, before)
    assert "already exists" in line and "--force" in line
    reset = lrmkb(mine, "db", "reset", stdin=subprocess.DEVNULL)
    assert reset.code == EXIT["usage"] and "--yes" in reset.stderr
    assert snapshot(mine) == before
    done = lrmkb(None, *build, "--force")
    assert done.code == 0, done.stderr
    assert "'precious'" not in str(snapshot(mine))


def test_db_build_and_reset_never_replace_a_device_or_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.db")
    specials = {"a FIFO": (tmp_path / "pipe.db", "is a FIFO")}
    if device := device_node(tmp_path / "null"):
        specials["a device"] = (device, "is a device")
    seeds = str(ROOT / "seeds")
    checks = {}
    for what, (path, message) in specials.items():
        reset = ("--db", str(path), "db", "reset", "--yes")
        build = ("dev", "build", "--seeds", seeds, "--output", str(path), "--force")
        checks[f"reset of {what}"] = _leaves_alone(path, reset, message)
        checks[f"build of {what}"] = _leaves_alone(path, build, message)
    all_hold(checks)


def _leaves_alone(path: Path, args: tuple[str, ...], message: str) -> Callable[[], None]:
    """A check: `lrmkb ARGS` fails with exit 4 saying `message`; `path` stays as it is."""
    state = file_state(path)

    def check() -> None:
        done = lrmkb(None, *args, timeout=60)
        assert done.code == EXIT["database"], done.stderr
        assert message in done.stderr and done.stderr.count("\n") == 1, done.stderr
        assert file_state(path) == state, "the node was replaced"

    return check


def _unshare_works() -> str | None:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return "needs root and unshare(1) for a private mount namespace"
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True, check=False
    )
    return (
        None if probe.returncode == 0 else f"cannot mount in a private namespace: {probe.stderr!r}"
    )


DEVICE_SCRIPT = r"""
set -u
mount -t tmpfs -o size=1m tmpfs /dev
mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/full c 1 7
run() { "$@" >/dev/null 2>>"$LOG"; echo "$?"; }
run "$LRMKB" --db "$DB" export -o /dev/null
run "$LRMKB" --db "$DB" export -o /dev/full
run "$LRMKB" --db /dev/null db reset --yes
run "$LRMKB" --db /dev/null show chen2024think
run "$LRMKB" --db /dev/full tag chen2024think x
run "$LRMKB" dev build --seeds "$SEEDS" --output /dev/null --force
stat -c '%F' /dev/null /dev/full
"""


def test_real_device_paths_in_a_private_mount_namespace(db_file: Path, tmp_path: Path) -> None:
    """`export -o /dev/null`, `--db /dev/null db reset` … against real device paths, in a
    mount namespace of their own with a fresh /dev: if lrmkb ever replaced the node,
    only that private copy would be lost."""
    if reason := _unshare_works():
        pytest.skip(reason)
    log = tmp_path / "errors.log"
    before = snapshot(db_file)
    env = process_env({"LRMKB": lrmkb_command()[0], "DB": str(db_file), "LOG": str(log)})
    env["SEEDS"] = str(ROOT / "seeds")
    if len(lrmkb_command()) > 1:
        pytest.skip("needs the installed lrmkb script")
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", DEVICE_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    lines = done.stdout.split("\n")
    codes = [int(c) for c in lines[:6]]
    assert codes == [1, 1, 4, 4, 4, 4], (done.stdout, done.stderr, log.read_text())
    assert lines[6:8] == ["character special file"] * 2, done.stdout
    errors = log.read_text().splitlines()
    assert len(errors) == 6 and all(e.startswith("Error: ") for e in errors), errors
    assert snapshot(db_file) == before


# --- 3. reads open the database read-only ----------------------------------------------------

CRASHED_WRITER = """
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA wal_autocheckpoint = 0")
for statement in sys.argv[2:]:
    db.execute(statement).close()  # a statement's commit lands when it is reset
os._exit(0)  # gone without closing: the commits stay in the -wal, never copied into the file
"""


def leave_a_wal(db: Path, *statements: str) -> Path:
    """`db` as a writer that committed `statements` and then crashed leaves it: the change
    is in `db-wal` only. Returns the -wal."""
    subprocess.run([sys.executable, "-c", CRASHED_WRITER, str(db), *statements], check=True)
    wal = Path(f"{db}-wal")
    assert wal.stat().st_size > 32
    return wal


def wal_database(path: Path, tag: str = "mine") -> Path:
    """A copy of the survey as users have it: in WAL mode (any write switches it), with a
    tag of theirs."""
    shutil.copyfile(BUNDLED_DB, path)
    done = lrmkb(path, "tag", KEY, tag)
    assert done.code == 0, done.stderr
    assert path.read_bytes()[18:20] == b"\x02\x02"  # WAL mode, as SQLite's header says
    return path


READ_COMMANDS: dict[str, tuple[str, ...]] = {
    "show": ("show", KEY),
    "search (fast path)": ("search", "overthinking", "--limit", "0"),
    "search --json": ("search", "overthinking", "--json"),
    "list": ("list",),
    "export": ("export",),
    "stats": ("stats",),
    "tree": ("tree",),
    "findings": ("findings", "--section", "4.3"),
    "db check": ("db", "check"),
}


def test_reads_never_change_the_database_file(tmp_path: Path) -> None:
    """A writer crashed with a commit still in the -wal. Reads see the commit but never
    copy it into the file (a read-write connection does, when it closes): the file's
    bytes, and the -wal, are as they were after every read command."""
    db = wal_database(tmp_path / "kb.db")
    wal = leave_a_wal(db, f"UPDATE paper SET pages = '1--99' WHERE key = '{KEY}'")
    files = {path: path.read_bytes() for path in (db, wal)}
    for name, args in READ_COMMANDS.items():  # one at a time: the last to close would copy
        done = lrmkb(db, *args)
        assert done.code == 0, (name, done.stderr)
        if name == "show":
            assert "pages\t1--99\n" in done.stdout
        assert {path: path.read_bytes() for path in files} == files, f"{name} changed a file"


def test_a_wal_of_another_database_is_refused_not_merged(tmp_path: Path) -> None:
    """A -wal left by another database (copied, or restored beside the wrong file) would
    be merged into this one by the first command and damage it for good. Every command
    refuses it in one line (exit 4), and the file and the -wal stay as they were; moved
    away, the database is whole."""
    db = wal_database(tmp_path / "kb.db")
    other = tmp_path / "other.db"
    shutil.copyfile(BUNDLED_DB, other)  # the survey as shipped: pages laid out otherwise
    foreign = leave_a_wal(other, "UPDATE paper SET title = title || ' (revised)'")
    wal = Path(f"{db}-wal")
    shutil.copyfile(foreign, wal)
    files = {path: path.read_bytes() for path in (db, wal)}
    bib = tmp_path / "new.bib"
    bib.write_text("@article{new1,\n  title = {A Paper Never Written},\n  year = 2024\n}\n")
    commands = {**READ_COMMANDS, "tag": ("tag", KEY, "x"), "import": ("import", str(bib))}

    def case(args: tuple[str, ...]) -> Callable[[], None]:
        def check() -> None:
            done = lrmkb(db, *args)
            assert done.code == EXIT["database"], (done.code, done.stdout[-500:], done.stderr)
            assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: "), done.stderr
            assert f"{wal} does not belong to {db}" in done.stderr, done.stderr
            assert {path: path.read_bytes() for path in files} == files, "a file changed"

        return check

    all_hold({name: case(args) for name, args in commands.items()})
    wal.unlink()
    Path(f"{db}-shm").unlink(missing_ok=True)
    shown = lrmkb(db, "show", KEY)
    assert shown.code == 0 and "tag\tmine\n" in shown.stdout, shown.stderr
    assert lrmkb(db, "db", "check").code == 0


def test_reads_work_in_a_read_only_directory(tmp_path: Path) -> None:
    """The WAL-mode database users have, in a directory they may not write (SQLite cannot
    make its -shm there): every read answers, as a user for whom permissions hold, and
    the directory is left as it was."""
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    db = wal_database(shelf / "kb.db")
    shelf.chmod(0o555)
    try:
        listing = sorted(shelf.iterdir())
        data = db.read_bytes()

        def case(args: tuple[str, ...]) -> Callable[[], None]:
            def check() -> None:
                done = Outcome.of(lrmkb_as_a_user("--db", str(db), *args))
                assert done.code == 0, done.stderr
                assert sorted(shelf.iterdir()) == listing and db.read_bytes() == data

            return check

        all_hold({name: case(args) for name, args in READ_COMMANDS.items()})
        write = Outcome.of(lrmkb_as_a_user("--db", str(db), "tag", KEY, "x"))
        assert write.code == EXIT["database"] and "is read-only" in write.stderr, write.stderr
    finally:
        shelf.chmod(0o755)


# --- 5. curated values are never changed by enrichment ---------------------------------------


def test_enrichment_never_extends_a_survey_paper_nor_moves_an_arxiv_id(
    db_file: Path, tmp_path: Path
) -> None:
    """The red team's two cases, through `lrmkb import`: a survey paper's complete author
    list with two more names appended, and the same title with another paper's arXiv id.
    The author list stays as the survey has it (an empty DOI may be filled), and the entry
    with the other arXiv id is kept apart instead of writing its id onto the survey paper."""
    before = json.loads(lrmkb(db_file, "show", KEY, "--json").stdout)
    authors = " and ".join(before["authors"])
    title = before["title"]
    longer = tmp_path / "longer.bib"
    longer.write_text(
        f"@article{{longer1,\n  title = {{{title}}},\n  author = {{{authors} and Extra, Person"
        f" and Another, Extra}},\n  year = 2024,\n  doi = {{10.1234/filled}}\n}}\n"
    )
    done = lrmkb(db_file, "import", str(longer))
    assert done.code == 0 and done.stdout.startswith(f"enriched\t{KEY}\t"), done.stdout
    other = tmp_path / "other.bib"
    other.write_text(
        f"@article{{other1,\n  title = {{{title}}},\n  author = {{{authors}}},\n  year = 2024,\n"
        "  eprint = {2501.99999},\n  archiveprefix = {arXiv}\n}\n"
    )
    done = lrmkb(db_file, "import", str(other))
    assert done.code == 0 and done.stdout.startswith("added\tother1\t"), done.stdout
    assert "kept apart" in done.stdout
    after = json.loads(lrmkb(db_file, "show", KEY, "--json").stdout)
    assert after["authors"] == before["authors"]
    assert after["arxiv_id"] == before["arxiv_id"] and after["doi"] == "10.1234/filled"


# --- 7. FIFOs and special files are refused before they are opened ------------------------


def test_fifos_and_devices_are_refused_before_opening(db_file: Path, tmp_path: Path) -> None:
    """A FIFO nobody writes to would block `open` forever: every command refuses it at
    once (the timeout below turns a hang into a failure)."""
    os.mkfifo(tmp_path / "pipe.db")
    os.mkfifo(tmp_path / "pipe.bib")
    specials = {"FIFO": ("pipe", "is a FIFO")}
    if device_node(tmp_path / "null.db") and device_node(tmp_path / "null.bib"):
        specials["device"] = ("null", "is a device")
    before = snapshot(db_file)
    checks = {}
    for what, (stem, message) in specials.items():
        as_db = tmp_path / f"{stem}.db"
        for args in (
            ("show", KEY),
            ("search", "overthinking"),
            ("tag", KEY, "x"),
            ("db", "check"),
            ("stats",),
            ("export",),
        ):
            checks[f"--db {what} {args[0]}"] = _leaves_alone(
                as_db, ("--db", str(as_db), *args), message
            )
        as_input = str(tmp_path / f"{stem}.bib")
        checks[f"import a {what}"] = refused(
            db_file, ("import", as_input), EXIT["bad input"], message, before, timeout=60
        )
        checks[f"dev check --survey a {what}"] = refused(
            db_file,
            ("dev", "check", "--seeds", str(ROOT / "seeds"), "--survey", as_input),
            EXIT["bad input"],
            message,
            before,
            timeout=60,
        )
    all_hold(checks)


# --- 6. exit status tells the truth: stdout full, closed or gone ---------------------------


def _close_stdout() -> None:
    os.close(1)


STDOUTS: dict[str, dict[str, Any]] = {
    "full": {"stdout": "/dev/full"},
    "closed": {"preexec_fn": _close_stdout, "stdout": None},
}


def _with_stdout(kind: str) -> dict[str, Any]:
    options = dict(STDOUTS[kind])
    if options.get("stdout") == "/dev/full":
        options["stdout"] = open("/dev/full", "w")  # noqa: SIM115  (closed with the process)
    options["stderr"] = subprocess.PIPE
    return options


READS = {  # (search: every result, so that no "showing 10 of …" notice goes to stderr)
    "show": ("show", KEY),
    "search (fast path)": ("search", "overthinking", "--limit", "0"),
    "search --json": ("search", "overthinking", "--json"),
    "tree": ("tree",),
    "export": ("export", "--section", "4.3"),
    "stats --json": ("stats", "--json"),
}


def test_a_read_whose_stdout_is_full_or_closed_fails_in_one_line(db_file: Path) -> None:
    before = snapshot(db_file)
    messages = {  # the hint fits the cause (a closed stdout was asked about a full disk)
        "full": "cannot write the output: No space left on device — free some space on the "
        "disk stdout writes to, or send it elsewhere",
        "closed": "cannot write the output: stdout is closed — give lrmkb somewhere to write "
        "(a file, a pipe or the terminal) instead of closing it (>&-)",
    }
    checks = {
        f"{name}, stdout {kind}": refused(
            db_file, args, EXIT["bad input"], messages[kind], before, **_with_stdout(kind)
        )
        for name, args in READS.items()
        for kind in STDOUTS
    }
    all_hold(checks)


def test_a_read_whose_reader_went_away_stops_quietly(db_file: Path) -> None:
    """`lrmkb … | head`: the reader has what it wanted; no error, no traceback."""

    def check(args: tuple[str, ...]) -> Callable[[], None]:
        def run() -> None:
            proc = subprocess.Popen(
                lrmkb_command("--db", str(db_file), *args),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=process_env(),
                cwd=ROOT,
            )
            assert proc.stdout is not None and proc.stderr is not None
            proc.stdout.close()
            err = proc.stderr.read().decode()
            assert proc.wait(timeout=120) == 0, err
            assert err == ""

        return run

    all_hold({name: check(args) for name, args in READS.items()})


def test_a_committed_write_exits_0_even_when_its_report_is_lost(
    db_file: Path, tmp_path: Path
) -> None:
    """`tag … > /dev/full` used to exit 1 and `import … >&-` 70, after committing: the
    write is saved, so the status is 0 and stderr says the report was lost."""
    checks = {}
    for kind in STDOUTS:
        tag = f"lost-{kind}"
        bib = tmp_path / f"{kind}.bib"
        bib.write_text(
            f"@article{{{kind}1,\n  title = {{Reports lost to a {kind} stdout}},\n"
            f"  author = {{Writer, Ann}},\n  year = 2024\n}}\n"
        )

        def check(kind: str = kind, tag: str = tag, bib: Path = bib) -> None:
            for args, saved in (
                (("tag", KEY, tag), "the tags were saved"),
                (("import", str(bib), "--json"), f"the import of {bib.name} was saved (1 added"),
            ):
                done = lrmkb(db_file, *args, **_with_stdout(kind))
                assert done.code == 0, done.stderr
                assert done.stderr.startswith(f"warning: {saved}"), done.stderr
                assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr

        checks[f"stdout {kind}"] = check
    all_hold(checks)
    dump = str(snapshot(db_file))
    assert "'lost-full'" in dump and "'lost-closed'" in dump
    assert "Reports lost to a full stdout" in dump and "Reports lost to a closed stdout" in dump


# --- 8. every bad input is exit 1/2/3/4 with one line -------------------------------------

ENV_NUMBERS = {
    "LRMKB_ARXIV_TIMEOUT": ["nan", "inf", "0", "-1", "soon"],
    "LRMKB_ARXIV_RETRIES": ["nan", "inf", "-1", "2.5", "1e9"],
    "LRMKB_ARXIV_BACKOFF": ["nan", "inf", "-1"],
}


def test_bad_numbers_in_the_environment_are_usage_errors(db_file: Path) -> None:
    before = snapshot(db_file)
    checks = {
        f"{name}={value}": refused(
            db_file, ("add", "2505.22148"), EXIT["usage"], name, before, env={name: value}
        )
        for name, values in ENV_NUMBERS.items()
        for value in values
    }
    for value in ("nan", "inf"):
        checks[f"LRMKB_BUSY_TIMEOUT={value}"] = refused(
            db_file, ("tag", KEY, "x"), EXIT["usage"], "LRMKB_BUSY_TIMEOUT", before,
            env={"LRMKB_BUSY_TIMEOUT": value},
        )  # fmt: skip
    all_hold(checks)


def test_arguments_that_are_not_utf_8(db_file: Path, tmp_path: Path) -> None:
    """Bytes that are not UTF-8 (a Latin-1 terminal) are refused in one line where text
    is expected, and work where a file name is."""
    before = snapshot(db_file)
    checks: dict[str, Callable[[], object]] = {
        "show": refused(db_file, ("show", b"caf\xe9"), EXIT["usage"], "not UTF-8", before),
        "add": refused(db_file, ("add", b"2505.22148\xff"), EXIT["usage"], "arXiv id", before),
        "export --key": refused(
            db_file, ("export", "--key", b"\xff"), EXIT["usage"], "not UTF-8", before
        ),
        "tag": refused(db_file, ("tag", KEY, b"caf\xe9"), EXIT["bad input"], "invalid tag", before),
    }

    def search() -> None:
        done = lrmkb(db_file, "search", b"overthinking\xff")
        assert done.code in (0, 1) and "Traceback" not in done.stderr, done.stderr
        assert snapshot(db_file) == before

    checks["search (fast path)"] = search
    all_hold(checks)
    latin = tmp_path / os.fsdecode(b"caf\xe9.bib")
    latin.write_text("@article{l1,\n  title = {A File Named in Latin-1},\n  year = 2024\n}\n")
    done = lrmkb(db_file, "import", os.fsencode(latin))
    assert done.code == 0 and "1 added" in done.stderr, done.stderr


LOCALES = {
    "ASCII (C locale, no UTF-8 mode)": {
        "LC_ALL": "C",
        "LANG": "C",
        "PYTHONUTF8": "0",
        "PYTHONCOERCECLOCALE": "0",
        "PYTHONIOENCODING": "",
    },
    "Latin-1 streams": {"PYTHONIOENCODING": "latin-1"},
    "ASCII streams": {"PYTHONIOENCODING": "ascii"},
}
UNICODE_READS = {
    "show": ("show", UNICODE_KEY),
    "show --json": ("show", UNICODE_KEY, "--json"),
    "search (fast path)": ("search", "thoughtology"),
    "findings": ("findings", "--section", "3.1.1"),
    "export md": ("export", "--format", "md", "--section", "3.1.1"),
    "an error line": ("show", "nosuchpaper2099"),
}


def test_locales_that_cannot_encode_the_text(db_file: Path) -> None:
    """Titles with ’ and names with ć on a terminal that speaks ASCII or Latin-1: what
    cannot be shown is escaped, never a traceback; --json stays valid JSON."""

    def case(env: dict[str, str], args: tuple[str, ...]) -> Callable[[], None]:
        def check() -> None:
            done = lrmkb_process("--db", str(db_file), *args, env=env)
            wanted = EXIT["bad input"] if args[1] == "nosuchpaper2099" else 0
            assert done.returncode == wanted, done.stderr
            assert "Traceback" not in done.stderr and "internal error" not in done.stderr
            if "--json" in args:
                assert json.loads(done.stdout)["key"] == UNICODE_KEY

        return check

    all_hold(
        {
            f"{name}: {what}": case(env, args)
            for name, env in LOCALES.items()
            for what, args in UNICODE_READS.items()
        }
    )


def test_utf8_arguments_under_an_ascii_locale_are_read_as_utf8(
    db_file: Path, tmp_path: Path
) -> None:
    """`LC_ALL=C PYTHONUTF8=0`: Python keeps each byte of `überdenken` above 127 as a lone
    surrogate; lrmkb reads such arguments again as the UTF-8 they are (search looked for
    'berdenken', a tag was refused as 'gr\\udcc3…', a title as "not UTF-8 text") — and a
    UTF-8 file or database name still opens."""
    ascii_env = LOCALES["ASCII (C locale, no UTF-8 mode)"]

    def run(*args: str, db: Path = db_file) -> subprocess.CompletedProcess[str]:
        return lrmkb_process("--db", str(db), *args, env=ascii_env)

    searched = run("search", "überdenken", "--json")  # the fast path
    assert searched.returncode == 0, searched.stderr
    assert json.loads(searched.stdout)["query"] == "überdenken"
    typer_path = run("search", "überdenken", "--type", "nosuch")  # Typer reports this one
    assert typer_path.returncode == 2 and "Traceback" not in typer_path.stderr
    tagged = run("tag", KEY, "größe")
    assert tagged.returncode == 0, tagged.stderr
    edited = run("edit", KEY, "title=Über das Überdenken", "author=Zoë Ångström and Łukasz Ćwik")
    assert edited.returncode == 0, edited.stderr
    with sqlite3.connect(db_file) as conn:
        paper = conn.execute(
            "SELECT id, title, authors FROM paper WHERE key = ?", (KEY,)
        ).fetchone()
        tags = [
            r[0] for r in conn.execute("SELECT tag FROM paper_tag WHERE paper_id = ?", paper[:1])
        ]
    assert paper[1:] == ("Über das Überdenken", '["Zoë Ångström", "Łukasz Ćwik"]')
    assert tags == ["größe"]
    shown = run("show", KEY, "--json")
    assert json.loads(shown.stdout)["title"] == "Über das Überdenken"

    named = tmp_path / "bücher.db"  # a UTF-8 file name, which the ASCII locale cannot encode
    shutil.copyfile(db_file, named)
    for args in (("search", "überdenken"), ("tags",)):
        done = run(*args, db=named)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    bib = tmp_path / "café.bib"
    bib.write_text("@article{u1,\n  title = {Ünïcode Names},\n  year = 2024\n}\n", "utf-8")
    imported = run("import", str(bib))
    assert imported.returncode == 0 and "1 added" in imported.stderr, imported.stderr


def drop_column(db: Path, table: str, column: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def test_a_damaged_schema_is_a_database_problem(db_file: Path) -> None:
    """A column dropped by another tool: exit 4 naming it, never "a bug in lrmkb"."""
    drop_column(db_file, "paper", "venue")
    assert schema_differences(sqlite3.connect(db_file)) == ["table paper lacks column(s) venue"]
    before = snapshot(db_file)
    checks = {
        " ".join(args): refused(db_file, args, EXIT["database"], "venue", before)
        for args in (("show", KEY), ("tag", KEY, "x"), ("export",))
    }

    def db_check() -> None:
        done = lrmkb(db_file, "db", "check")
        assert done.code == EXIT["database"], done.stderr
        assert "schema\ttable paper lacks column(s) venue" in done.stdout

    checks["db check"] = db_check
    all_hold(checks)


def test_out_of_memory_is_not_a_bug(db_file: Path, tmp_path: Path) -> None:
    """An import too big for the memory it may use: one line, exit 1, nothing written."""
    bib = tmp_path / "big.bib"
    with bib.open("w") as out:
        for n in range(0, 800_000, 1000):
            out.write("".join(f"@misc{{k{i}, title={{T {i}}}}}\n" for i in range(n, n + 1000)))
    limit = 120 * 2**20

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))

    before = snapshot(db_file)
    done = lrmkb(
        db_file,
        "import",
        str(bib),
        "--max-entries",
        "10000000",
        preexec_fn=cap_memory,
    )
    line = assert_clean_failure(done, EXIT["bad input"], db_file, before)
    assert "out of memory" in line


def test_an_import_past_max_entries_is_refused_whole(db_file: Path, tmp_path: Path) -> None:
    """The cap on entries per import: one line naming it and what to do, exit 1, and
    nothing of the file written."""
    bib = synthetic_bib(tmp_path / "ten.bib", 10)
    before = snapshot(db_file)
    done = lrmkb(db_file, "import", str(bib), "--max-entries", "5")
    line = assert_clean_failure(done, EXIT["bad input"], db_file, before)
    assert "more than the 5 an import takes" in line and "--max-entries" in line


def test_thousands_of_filters_are_not_a_database_error(db_file: Path) -> None:
    """2,000 `--tag`s used to nest SQL past SQLite's depth limit (exit 4)."""
    assert lrmkb(db_file, "tag", KEY, *(f"t{n}" for n in range(2000))).code == 0
    many = [a for n in range(2000) for a in ("--tag", f"t{n}")]
    done = lrmkb(db_file, "search", "think", *many, "--json")
    assert done.code == 0, done.stderr
    assert [p["key"] for p in json.loads(done.stdout)["results"]["paper"]] == [KEY]
    both = lrmkb(db_file, "search", "think", "--tag", "t1", "--tag", "t2", "--type", "paper")
    assert both.stdout.startswith(f"paper\t{KEY}\t"), both.stdout
    repeated = [a for _ in range(2000) for a in ("--tag", "t1")]
    assert lrmkb(db_file, "export", *repeated).stdout.startswith(f"@article{{{KEY},")
    assert lrmkb(db_file, "export", *many).stdout.startswith(f"@article{{{KEY},")
    line = lrmkb(db_file, "export", *many, "--tag", "nosuch").stderr
    assert line.startswith("Error: no tag 'nosuch'"), line


# --- 6. Ctrl-C ------------------------------------------------------------------------------


def _python_start_up(stderr: str) -> bool:
    """Python's own report of a Ctrl-C in its start-up (its `site`, finding the lrmkb
    package), before any line of lrmkb ran: no program can catch that."""
    return "KeyboardInterrupt" in stderr and "/lrmkb/" not in stderr.replace("/bin/lrmkb", "")


@pytest.mark.parametrize(
    "args", [("findings", "--section", "4.3"), ("show", KEY)], ids=["through Typer", "light path"]
)
def test_ctrl_c_during_start_up_is_one_line(db_file: Path, args: tuple[str, ...]) -> None:
    """SIGINT at every moment of start-up (the first ~50 ms used to give a traceback):
    exit 130 and "interrupted — nothing was written", or the command's own outcome. A
    plain `show` starts without Typer (`cli/fast.py`), so quickly that most signals come
    after it is done: only the command through Typer must be interrupted often."""
    delays = [n * 0.02 for n in range(30)]

    def interrupt(delay: float) -> tuple[int, str]:
        proc = subprocess.Popen(
            lrmkb_command("--db", str(db_file), *args),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=process_env(),
            cwd=ROOT,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        return proc.returncode, err.decode()

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        seen = list(pool.map(interrupt, delays))
    ours = 0
    for code, err in seen:
        if code == -signal.SIGINT or _python_start_up(err):
            continue  # before lrmkb's first line: Python's own handling
        assert "Traceback" not in err, err
        if code == INTERRUPTED:
            assert err == "Error: interrupted — nothing was written\n", err
            ours += 1
        else:
            assert code == 0 and err == "", (code, err)
    if args[0] == "findings":
        assert ours >= len(delays) // 3, seen  # most signals did land in lrmkb's start-up


def test_ctrl_c_while_click_parses_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Typer 0.29 turns a KeyboardInterrupt outside the command (while Click parses the
    command line) into a silent exit 130: CI caught `show` exiting 130 with nothing on
    stderr. A Click callback that is interrupted stands in for the signal's moment."""
    import typer

    import lrmkb.__main__ as entry
    import lrmkb.cli

    def interrupted(value: str) -> str:
        raise KeyboardInterrupt

    stand_in = typer.Typer()

    @stand_in.command()
    def show(key: str = typer.Argument(..., callback=interrupted)) -> None:
        raise AssertionError("the command must not run")

    monkeypatch.setattr(lrmkb.cli, "app", stand_in)
    monkeypatch.setattr("sys.argv", ["lrmkb", "show", KEY])
    with pytest.raises(SystemExit) as done:
        entry.main()
    assert done.value.code == INTERRUPTED
    assert capsys.readouterr().err == "Error: interrupted — nothing was written\n"


def synthetic_bib(path: Path, count: int, prefix: str = "s") -> Path:
    entry = (
        "@article{{{p}{n},\n  title = {{Synthetic study number {n} of {p} interrupted imports}},\n"
        "  author = {{Author{n}, Some and Other, Person}},\n  journal = {{Journal of Tests}},\n"
        "  year = {year}\n}}\n"
    )
    with path.open("w") as out:
        for start in range(0, count, 1000):
            out.write(
                "".join(
                    entry.format(p=prefix, n=n, year=2000 + n % 25)
                    for n in range(start, min(start + 1000, count))
                )
            )
    return path


def paper_count(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM paper").fetchone()[0]


def test_ctrl_c_before_the_commit_says_nothing_was_written(db_file: Path, tmp_path: Path) -> None:
    bib = synthetic_bib(tmp_path / "big.bib", 30_000)
    before = snapshot(db_file)
    wal = Path(f"{db_file}-wal")
    proc = subprocess.Popen(
        lrmkb_command("--db", str(db_file), "import", str(bib)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=process_env(),
        cwd=ROOT,
    )
    deadline = time.monotonic() + 300
    while not (wal.exists() and wal.stat().st_size > 64 * 1024) and proc.poll() is None:
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    if proc.returncode == 0:
        pytest.skip("the import committed before the signal arrived (a very fast machine)")
    assert (proc.returncode, err.decode()) == (
        INTERRUPTED,
        "Error: interrupted — nothing was written\n",
    )
    assert snapshot(db_file) == before


def test_ctrl_c_after_the_commit_says_what_was_saved(db_file: Path, tmp_path: Path) -> None:
    """The JSON report of 3,000 papers waits on a pipe nobody reads; Ctrl-C then must
    not say "nothing was written" (it used to, after writing them all)."""
    bib = synthetic_bib(tmp_path / "report.bib", 3000)
    start = paper_count(db_file)
    proc = subprocess.Popen(
        lrmkb_command("--db", str(db_file), "import", str(bib), "--json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=process_env(),
        cwd=ROOT,
    )
    deadline = time.monotonic() + 300
    while paper_count(db_file) < start + 3000:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the import did not commit"
        time.sleep(0.05)
    time.sleep(0.5)  # the report is being written to the full pipe
    assert proc.poll() is None, "the report fit in the pipe: nothing to interrupt"
    proc.send_signal(signal.SIGINT)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == INTERRUPTED, err
    assert err == (
        "Error: interrupted — the import of report.bib was saved (3,000 added, 0 enriched); "
        "only its report was cut short\n"
    )
    assert paper_count(db_file) == start + 3000


# --- 7, 8. a hostile arXiv ------------------------------------------------------------------

FEED = OURS / "id_list-2507.00001.atom.xml"  # one entry, a paper not in the survey


def feed_for(arxiv_id: str, *, published: str | None = None, title: str | None = None) -> bytes:
    """The recorded feed of 2507.00001, as the answer for `arxiv_id`, with a field made
    hostile if asked."""
    text = FEED.read_text(encoding="utf-8").replace("2507.00001", arxiv_id)
    if published is not None:
        text = text.replace("<published>2025-07-01T12:00:00Z</published>", published)
    if title is not None:
        text = text.replace("Makes Sense: Calibrating Confidence in Reasoning Models", title)
    return text.encode()


def gzip_bomb() -> bytes:
    """A valid gzip file of 1 GiB of zeros in 1 MB, as the red team's arXiv sent: one
    deflate block of 1 MiB of zeros, flushed so that it repeats byte for byte."""
    block = bytes(1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0x5B64C2B0  # zlib.crc32 of 2**30 zero bytes (a second's work, done once)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (1 << 30) & 0xFFFFFFFF)
    return header + first + again * 1023 + packer.flush() + trailer


ATOM = {"Content-Type": "application/atom+xml; charset=UTF-8"}
HOSTILE: dict[str, tuple[Reply, int, str]] = {
    # name: (answer, exit code, in the error line); one arXiv id each, in this order
    "a <published> that is no date": (
        Reply(200, b"", ATOM),  # the body is made per id below
        EXIT["service"],
        "an entry it cannot read",
    ),
    "a gzip bomb (1 GB from 1 MB)": (
        Reply(200, b"", {**ATOM, "Content-Encoding": "gzip"}),
        EXIT["service"],
        "too large (more than",
    ),
    "33 MB on the wire": (Reply(200, b"", ATOM), EXIT["service"], "too large"),
    "an encoding it does not know": (
        Reply(200, b"\x1b\x02garbage", {**ATOM, "Content-Encoding": "br"}),
        EXIT["service"],
        "not an arXiv Atom feed",
    ),
    **{
        f"Retry-After: {value}": (
            Reply(429, b"Rate exceeded.", {"Retry-After": value}),
            EXIT["service"],
            "HTTP 429, 2 tries",
        )
        for value in ("nan", "-5", "1e9", "soon", "Wed, 21 Oct 2015 07:28:00 GMT")
    },
}


@pytest.fixture
def hostile(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The replay server with a hostile answer per case; case → the arXiv id to ask for."""
    replay = request.getfixturevalue("arxiv_api")
    ids = {name: f"2503.{n + 1:05d}" for n, name in enumerate(HOSTILE)}
    for name, (reply, _, _) in HOSTILE.items():
        body = reply.body
        if name.startswith("a <published>"):
            body = feed_for(ids[name], published="<published>not a date</published>")
        elif name.startswith("a gzip bomb"):
            body = gzip_bomb()
        elif name.startswith("33 MB"):
            body = feed_for(ids[name]) + b" " * (33 << 20)
        replay.routes[ids[name]] = [Reply(reply.status, body, reply.headers)]
    monkeypatch.setenv("LRMKB_ARXIV_RETRIES", "1")
    return ids


def test_a_hostile_arxiv_is_a_service_error(db_file: Path, hostile: dict[str, str]) -> None:
    """Each hostile answer: exit 3 in one line, nothing written — and the gzip bomb read
    within 400 MB of memory (it used to take 3.2 GB)."""
    before = snapshot(db_file)

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (400 << 20, 400 << 20))

    all_hold(
        {
            name: refused(
                db_file, ("add", hostile[name]), code, message, before, preexec_fn=cap_memory
            )
            for name, (_, code, message) in HOSTILE.items()
        }
    )


def test_a_server_that_drips_cannot_outlast_the_timeout(
    db_file: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A byte every half second never trips a socket timeout; the request's own
    deadline (LRMKB_ARXIV_TIMEOUT=2) still ends it (the whole answer would take an hour)."""
    body = feed_for("2503.09999")
    request.getfixturevalue("arxiv_api").routes["2503.09999"] = [Reply(200, body, ATOM, drip=0.5)]
    monkeypatch.setenv("LRMKB_ARXIV_TIMEOUT", "2")
    monkeypatch.setenv("LRMKB_ARXIV_RETRIES", "0")
    before = snapshot(db_file)
    started = time.monotonic()
    done = lrmkb(db_file, "add", "2503.09999")
    elapsed = time.monotonic() - started
    line = assert_clean_failure(done, EXIT["service"], db_file, before)
    assert "no answer within 2 s" in line
    assert len(body) * 0.5 > 600 and elapsed < 120, elapsed
