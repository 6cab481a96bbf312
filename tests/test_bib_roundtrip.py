"""Real .bib files written by others (tests/fixtures/bib/README.md: biblatex's own
examples, Better BibTeX's import fixtures, each named after the user report it
reproduces) survive lrmkb whole:

- import → export → import is the identity on every key, entry type and field (name,
  value as written, bare or braced), in order;
- `bibtex` (plain.bst, and natbib's plainnat.bst, which prints more fields: ISBN, ISSN,
  DOI, URL, month) and `biber` (biblatex's standard style) format the export exactly as
  they format the original file (same .bbl). No difference is tolerated, so none is
  explained away: the .bbl files are compared whole, less their `%` comment lines
  (program versions and dates).

Each run is a real `lrmkb` on an empty database. The TeX checks skip, saying why, where
bibtex/biber/pdflatex are not installed."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bibtex_oracle import need
from lrmkb.cli import app

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bib"
FILES = sorted(p.name for p in FIXTURES.glob("*.bib"))


def lrmkb(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout


def imported(bib: Path, db: Path) -> dict[str, tuple[str, list[tuple[str, str, bool]]]]:
    """Import `bib` into a new database; every paper's key, type and fields as stored."""
    lrmkb("--db", str(db), "db", "init")
    lrmkb("--db", str(db), "import", str(bib))
    with sqlite3.connect(db) as conn:
        papers = {
            key: (entry_type, [])
            for key, entry_type in conn.execute("SELECT key, entry_type FROM paper")
        }
        for key, name, value, bare in conn.execute(
            "SELECT p.key, f.name, f.value, f.bare FROM paper_field f"
            " JOIN paper p ON p.id = f.paper_id ORDER BY p.key, f.position"
        ):
            papers[key][1].append((name, value, bool(bare)))
    return papers


@pytest.fixture(scope="module")
def round_trips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """For every fixture: the original and lrmkb's export of it, after one import."""
    done = {}
    for name in FILES:
        work = tmp_path_factory.mktemp(name.removesuffix(".bib"))
        exported = work / "export.bib"
        lrmkb("--db", str(work / "kb.db"), "db", "init")
        lrmkb("--db", str(work / "kb.db"), "import", str(FIXTURES / name))
        lrmkb("--db", str(work / "kb.db"), "export", "--format", "bib", "-o", str(exported))
        done[name] = (FIXTURES / name, exported)
    return done


@pytest.mark.parametrize("name", FILES)
def test_import_export_import_is_the_identity(
    name: str, round_trips: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    original, exported = round_trips[name]
    first = imported(original, tmp_path / "first.db")
    again = imported(exported, tmp_path / "again.db")
    entries = len(
        re.findall(
            r"^\s*@(?!string|comment|preamble)\w+\s*\{",
            original.read_text(encoding="utf-8"),
            re.M | re.I,
        )
    )
    assert len(first) == entries  # every entry of the file became a paper, under its key
    assert again == first


def bbl(bib: Path, backend: str, work: Path, style: str = "plain") -> str:
    """What `bibtex` (with `style`.bst) or `biber` (biblatex, standard style) makes of
    every entry of `bib`, without the comment lines that carry versions and dates."""
    work.mkdir(parents=True)
    shutil.copyfile(bib, work / "refs.bib")
    if backend == "bibtex":
        (work / "doc.aux").write_text(
            f"\\relax\n\\citation{{*}}\n\\bibstyle{{{style}}}\n\\bibdata{{refs}}\n",
            encoding="utf-8",
        )
        run = ["bibtex", "doc"]
    else:
        (work / "doc.tex").write_text(
            "\\documentclass{article}\\usepackage[backend=biber]{biblatex}"
            "\\addbibresource{refs.bib}\\begin{document}\\nocite{*}"
            "\\printbibliography\\end{document}\n",
            encoding="utf-8",
        )
        subprocess.run(
            ["pdflatex", "-interaction=batchmode", "doc"],
            cwd=work,
            capture_output=True,
            timeout=120,
        )
        run = ["biber", "doc"]
    subprocess.run(run, cwd=work, capture_output=True, timeout=120, check=False)
    text = (work / "doc.bbl").read_text(encoding="utf-8", errors="replace")
    return re.sub(r"^%.*\n", "", text, flags=re.M)


@pytest.mark.parametrize(
    ("backend", "style"), [("bibtex", "plain"), ("bibtex", "plainnat"), ("biber", "")]
)
@pytest.mark.parametrize("name", FILES)
def test_bibtex_and_biber_format_the_export_as_the_original(
    name: str, backend: str, style: str, round_trips: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    need(backend, *(["pdflatex"] if backend == "biber" else ["kpsewhich"]))
    if style and not kpsewhich(f"{style}.bst"):
        pytest.skip(f"{style}.bst not installed")
    original, exported = round_trips[name]
    want = bbl(original, backend, tmp_path / "original", style)
    assert "\\bibitem" in want or "\\entry" in want  # the tools did format something
    assert bbl(exported, backend, tmp_path / "export", style) == want


def kpsewhich(name: str) -> bool:
    """Whether TeX finds `name` (a .bst)."""
    found = subprocess.run(["kpsewhich", name], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())
