"""Terminal safety (issue 12, item 9), on real `lrmkb` processes: control characters in
stored text (an imported title, a note, a finding, an inbox item) never reach a terminal
or a pipe as they are, and no export writes LaTeX that runs when the bibliography is
compiled (checked with pdflatex + bibtex and biber, shell escape on, where installed).

A title holding `ESC ] 52 ; c ; … BEL` writes the clipboard of the terminal that shows
it, `ESC [ 2 J` clears the screen, C1 `CSI` (U+009B) starts a sequence on terminals
that take 8-bit controls; `\\input{/etc/passwd}` in a .bib field typesets the file into
the PDF, `\\write18` runs a shell command."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shutil
import sqlite3
import struct
import subprocess
import termios
from collections.abc import Callable
from pathlib import Path

import pytest

import arxiv_server
from bibtex_oracle import need
from conftest import BUNDLED_DB, ROOT
from reliability_fixtures import EXIT, lrmkb_command, lrmkb_process, process_env

arxiv_api = arxiv_server.arxiv_api  # the fixture: the local arXiv stand-in

HOSTILE = "\x1b]52;c;cHduZWQ=\x07 \x1b[2J\x1b[H \u009b31m \x7f \x08 \r"
RAW = {
    "ESC": "\x1b",
    "BEL": "\x07",
    "C1 CSI": "\u009b",
    "DEL": "\x7f",
    "BS": "\x08",
    "CR": "\r",
}
SHOWN = "\\x1b]52;c;cHduZWQ=\\x07"  # how the clipboard write reads once escaped
TERMINAL_RAW = ("\x1b]52", "\x07", "\x1b[2J", "\x1b[H", "\u009b", "\x7f", "\x08", "\r ")
KEY = "evil2024"
ENTRY = (
    "@article{evil2024,\n"
    "  title = {Clipboard TITLE-MARK " + HOSTILE + "},\n"
    "  author = {Hostile, Ann},\n"
    "  journal = {Journal of Escapes},\n"
    "  note = {NOTE-MARK " + HOSTILE + "},\n"
    "  abstract = {ABSTRACT-MARK " + HOSTILE + "},\n"
    "  year = 2024\n"
    "}\n"
)


@pytest.fixture
def hostile_db(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Path, int]:
    """A copy of the survey with hostile text wherever stored text is shown: a paper
    imported from a .bib, a finding, a node, an inbox item (as a hostile feed would have
    stored it). Returns the database and the inbox item's id."""
    request.getfixturevalue("arxiv_api")  # the local arXiv stand-in, for `watch run`
    db = tmp_path / "kb.db"
    shutil.copyfile(BUNDLED_DB, db)
    bib = tmp_path / "evil.bib"
    bib.write_text(ENTRY, encoding="utf-8")
    done = lrmkb_process("--db", str(db), "import", str(bib))
    assert done.returncode == 0 and "1 added" in done.stderr, done.stderr
    watched = lrmkb_process("--db", str(db), "watch", "run", "--since", "2025-01-01")
    assert watched.returncode == 0, watched.stderr
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE finding SET text = text || ' FINDING-MARK ' || ? WHERE slug = '4.3-takeaway-1'",
            (HOSTILE,),
        )
        conn.execute(
            "UPDATE taxonomy_node SET title = title || ' NODE-MARK ' || ? WHERE code = '4.3'",
            (HOSTILE,),
        )
        item = conn.execute("SELECT id FROM inbox ORDER BY id LIMIT 1").fetchone()[0]
        conn.execute(
            "UPDATE inbox SET title = 'INBOX-MARK ' || ?,"
            " record = json_set(record, '$.title', 'INBOX-MARK ' || ?) WHERE id = ?",
            (HOSTILE, HOSTILE, item),
        )
    return db, item


def commands(item: int) -> dict[str, tuple[tuple[str, ...], str]]:
    """name: (arguments, a mark the output must show)."""
    return {
        "show": (("show", KEY), "TITLE-MARK"),
        "list": (("list", "--sort", "added"), "TITLE-MARK"),
        "search (fast path)": (("search", "clipboard", "--limit", "0"), "TITLE-MARK"),
        "search --json-lines": (("search", "clipboard", "--json-lines"), "TITLE-MARK"),
        "search --json": (("search", "clipboard", "--json"), "TITLE-MARK"),
        "show --json": (("show", KEY, "--json"), "NOTE-MARK"),
        "findings": (("findings", "--section", "4.3"), "FINDING-MARK"),
        "tree": (("tree",), "NODE-MARK"),
        "inbox": (("inbox",), "INBOX-MARK"),
        "inbox show": (("inbox", "show", str(item)), "INBOX-MARK"),
        "export to stdout": (("export", "--key", KEY), "TITLE-MARK"),
    }


def no_raw_controls(text: str, allowed: str = "\t\n") -> list[str]:
    return [name for name, char in RAW.items() if char in text and char not in allowed]


def all_hold(checks: dict[str, Callable[[], None]]) -> None:
    failures = []
    for name, check in checks.items():
        try:
            check()
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    assert not failures, "\n\n".join(failures)


def test_piped_output_shows_control_characters_escaped(hostile_db: tuple[Path, int]) -> None:
    db, item = hostile_db

    def case(args: tuple[str, ...], mark: str) -> Callable[[], None]:
        def check() -> None:
            done = lrmkb_process("--db", str(db), *args)
            assert done.returncode == EXIT["ok"], done.stderr
            assert mark in done.stdout, done.stdout[-500:]
            assert no_raw_controls(done.stdout) == [], done.stdout[-500:]
            assert no_raw_controls(done.stderr) == [], done.stderr
            if "--json" not in args and "--json-lines" not in args and args[0] != "export":
                assert SHOWN in done.stdout, done.stdout[-500:]

        return check

    all_hold({name: case(*spec) for name, spec in commands(item).items()})


def on_a_terminal(db: Path, *args: str) -> tuple[int, str]:
    """`lrmkb --db DB ARGS` with stdout and stderr on a pseudo-terminal 200 columns wide;
    the exit status and everything the terminal received."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    proc = subprocess.Popen(
        lrmkb_command("--db", str(db), *args),
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=process_env({"TERM": "xterm-256color", "COLUMNS": "200"}),
        cwd=ROOT,
    )
    os.close(follower)
    received = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the last holder of the terminal has gone
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    return proc.wait(timeout=120), received.decode("utf-8", "replace")


def test_a_terminal_never_receives_the_sequences(hostile_db: tuple[Path, int]) -> None:
    """What Rich draws on a terminal: the text is there, shown escaped, and none of the
    hostile sequences reached the terminal (Rich's own styles are other sequences)."""
    db, item = hostile_db

    def case(args: tuple[str, ...], mark: str) -> Callable[[], None]:
        def check() -> None:
            code, seen = on_a_terminal(db, *args)
            assert code == EXIT["ok"], seen[-1000:]
            assert mark in seen, seen[-1000:]
            raw = [repr(s) for s in TERMINAL_RAW if s in seen.replace("\r\n", "\n")]
            assert raw == [], (raw, seen[-1000:])
            assert "x1b]52" in seen, seen[-1000:]  # shown: `\x1b` (export: its LaTeX)

        return check

    all_hold(
        {
            name: case(*spec)
            for name, spec in commands(item).items()
            if "--json" not in spec[0] and "--json-lines" not in spec[0]
        }
    )


# --- exports never write LaTeX that runs ----------------------------------------------------

PAYLOAD = (  # what runs if `\input{payload}` does: a file appears
    "\\immediate\\openout5=INPUT-RAN.txt\\immediate\\write5{ran}\\immediate\\closeout5\\relax\n"
)
LATEX_ENTRIES = r"""@article{input2024,
  title = {Reading {\input{payload}} the file},
  author = {Reader, Ann},
  journal = {Journal of \INPUT{payload} Inclusions},
  year = 2024,
  note = {\include{payload} and \InputIfFileExists{payload}{}{} and \csname input\endcsname{payload}}
}
@article{shell2024,
  title = {Running \immediate\write18{touch SHELL-RAN} commands},
  author = {Runner, Bob},
  journal = {Journal of Shells},
  year = 2024,
  note = {\immediate\openout7=OPENOUT-RAN.txt\immediate\write7{x}\immediate\closeout7 done}
}
@misc{define2024,
  title = {Defining \def\x{\input{payload}}\x things},
  author = {Definer, Cy},
  year = 2024,
  note = {\catcode`\Z=0 Zinput{payload} and \inp^^75t{payload} and \let\y\input \y{payload}}
}
"""
MARKERS = ("INPUT-RAN.txt", "SHELL-RAN", "OPENOUT-RAN.txt")
LIVE = re.compile(
    r"(?<!\\textbackslash\{\})\\(?:input|include|inputiffileexists|write|immediate|openout"
    r"|catcode|def|let|csname)(?![A-Za-z])",
    re.I,
)


@pytest.fixture
def latex_db(tmp_path: Path) -> Path:
    db = tmp_path / "kb.db"
    shutil.copyfile(BUNDLED_DB, db)
    bib = tmp_path / "hostile.bib"
    bib.write_text(LATEX_ENTRIES, encoding="utf-8")
    done = lrmkb_process("--db", str(db), "import", str(bib))
    assert done.returncode == 0 and "3 added" in done.stderr, (done.stdout, done.stderr)
    return db


def export(db: Path, fmt: str) -> str:
    keys = [a for key in ("input2024", "shell2024", "define2024") for a in ("--key", key)]
    done = lrmkb_process("--db", str(db), "export", "--format", fmt, *keys)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("fmt", ["bib", "biblatex"])
def test_bibtex_exports_hold_no_live_command(latex_db: Path, fmt: str) -> None:
    text = export(latex_db, fmt)
    assert "Reading" in text and "Running" in text and "Defining" in text
    assert LIVE.findall(text) == [], text
    assert "^^" not in text, text


def test_markdown_through_pandoc_holds_no_live_command(latex_db: Path, tmp_path: Path) -> None:
    need("pandoc")
    md = tmp_path / "papers.md"
    md.write_text(export(latex_db, "md"), encoding="utf-8")
    latex = subprocess.run(
        ["pandoc", "-f", "markdown", "-t", "latex", str(md)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert "Reading" in latex
    assert LIVE.findall(latex) == [], latex


def compile_bibliography(folder: Path, bib: str, backend: str) -> dict[str, str]:
    """pdflatex (shell escape on) + bibtex or biber + pdflatex over a document citing
    every entry of `bib`; the files it left that matter."""
    (folder / "payload.tex").write_text(PAYLOAD, encoding="utf-8")
    (folder / "refs.bib").write_text(bib, encoding="utf-8")
    if backend == "bibtex":
        preamble, end = "", "\\bibliographystyle{plain}\\bibliography{refs}\n"
    else:
        preamble, end = (
            "\\usepackage[backend=biber]{biblatex}\\addbibresource{refs.bib}\n",
            ("\\printbibliography\n"),
        )
    (folder / "doc.tex").write_text(
        "\\documentclass{article}\n" + preamble + "\\begin{document}\n\\nocite{*}\n" + end
        + "\\end{document}\n",
        encoding="utf-8",
    )  # fmt: skip
    latex = ["pdflatex", "-shell-escape", "-interaction=nonstopmode", "doc"]
    for step in (latex, [backend, "doc"], latex):
        subprocess.run(step, cwd=folder, capture_output=True, check=False, timeout=300)
    return {name: (folder / name).read_text(errors="replace") for name in ("doc.bbl", "doc.log")}


@pytest.mark.parametrize(("fmt", "backend"), [("bib", "bibtex"), ("biblatex", "biber")])
def test_compiling_the_export_runs_nothing(
    latex_db: Path, tmp_path: Path, fmt: str, backend: str
) -> None:
    """The real toolchain, shell escape on: the payload would leave a file behind if a
    field's `\\input`, `\\write18` or `\\openout` ran. First the oracle is shown to see
    it: the same entries written as they are make the files appear."""
    need("pdflatex", backend)
    raw = tmp_path / "raw"
    raw.mkdir()
    compile_bibliography(raw, LATEX_ENTRIES, backend)
    assert [m for m in MARKERS if (raw / m).exists()], "the oracle saw nothing run"
    done = tmp_path / "export"
    done.mkdir()
    files = compile_bibliography(done, export(latex_db, fmt), backend)
    assert "input2024" in files["doc.bbl"] and "define2024" in files["doc.bbl"]
    assert [m for m in MARKERS if (done / m).exists()] == []
    assert (done / "doc.pdf").exists(), files["doc.log"][-2000:]
