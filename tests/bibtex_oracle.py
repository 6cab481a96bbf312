"""The real `bibtex` program as an oracle: how it splits names into parts (through a tiny
style that prints `format.name$` for each part) and how a style formats a whole .bib
(the .bbl). Tests that use it skip, with the reason, where TeX is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

NAMES_BST = r"""ENTRY { author } {} {}
INTEGERS { n i }
STRINGS { s }
FUNCTION {article}
{ author 's :=
  s num.names$ 'n :=
  #1 'i :=
  { i n #1 + < }
  { s i "{ff}|{vv}|{ll}|{jj}" format.name$ write$ newline$
    i #1 + 'i := }
  while$
  "=====" write$ newline$
}
READ
ITERATE {call.type$}
"""


def need(*tools: str) -> None:
    """Skip the calling test, saying why, unless every tool is on PATH."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")


def bibtex_name_parts(names: list[str], workdir: Path) -> list[tuple[str, str, str, str]]:
    """(First, von, Last, Jr) of each name as `bibtex` splits it, ties and spaces folded
    to one space (format.name$ chooses between them itself)."""
    need("bibtex")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "names.bst").write_text(NAMES_BST, encoding="utf-8")
    entries = "".join(f"@article{{n{i}, author = {{{n}}}}}\n" for i, n in enumerate(names))
    (workdir / "names.bib").write_text(entries, encoding="utf-8")
    (workdir / "names.aux").write_text(
        "\\citation{*}\n\\bibdata{names}\n\\bibstyle{names}\n", encoding="utf-8"
    )
    subprocess.run(
        ["bibtex", "-terse", "names"], cwd=workdir, capture_output=True, check=False, timeout=60
    )
    out = (workdir / "names.bbl").read_text(encoding="utf-8")
    parts = []
    for block in out.split("=====\n")[: len(names)]:
        line = block.strip("\n")
        first, von, last, jr = (" ".join(p.replace("~", " ").split()) for p in line.split("|"))
        parts.append((first, von, last, jr))
    return parts
