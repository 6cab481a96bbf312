"""Helpers for the export and doctor tests: papers with awkward text in a temporary copy of
the survey database, and the real programs (pdflatex, bibtex, biber, pandoc, dot) that must
accept what lrmkb writes — each test that needs one is skipped, visibly, when it is missing."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

SEED_TIME = "2026-01-28T00:00:00Z"

# One paper whose every field needs escaping, protection or care.
AWKWARD = {
    "key": "lukasiewicz2024uber",
    "title": "Über LLMs & RL: 50% of <x> costs #1 – Łódź's “DeepSeek-R1” {braces} a_b",
    "authors": ["Paweł Łukasiewicz", "José Ñúñez", "Zoë O'Brien", "Nguyễn Văn An", "Barnes, Noble"],
    "authors_more": True,
    "year": 2024,
    "venue": "Proceedings of A&B 2024",
    "entry_type": "inproceedings",
    "pages": "1–10",
    "doi": "10.1000/a_b-c",
    "arxiv_id": "hep-th/9901001",
    "primary_category": "hep-th",
    "code_url": "https://github.com/some-org/some_repo",
    "url": "https://example.org/a%20b#sec_1",
    "short_name": "Über-LLM_2",
}


def add_paper(
    db: Path, *, nodes: tuple[str, ...] = ("4.3.1",), tags: tuple[str, ...] = (), **fields: Any
) -> None:
    """Insert a paper straight into the tables (the export reads them; the search index
    is not the point here) and file it under `nodes`."""
    row = {"created": SEED_TIME, "updated": SEED_TIME, "source": "manual", **fields}
    row["authors"] = json.dumps(row.get("authors", []), ensure_ascii=False)
    with sqlite3.connect(db) as conn:
        names = list(row)
        cur = conn.execute(
            f"INSERT INTO paper ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [row[n] for n in names],
        )
        for code in nodes:
            conn.execute(
                "INSERT INTO paper_node (paper_id, node_id) "
                "SELECT ?, id FROM taxonomy_node WHERE code = ?",
                (cur.lastrowid, code),
            )
        for tag in tags:
            conn.execute(
                "INSERT INTO paper_tag (paper_id, tag) VALUES (?, ?)", (cur.lastrowid, tag)
            )


def _not_installed(what: str) -> None:
    """Skip, with the reason in the summary; on CI (`CI` set, as .ci/run's callers do),
    where .ci/run installs these programs, a missing one is a failure instead."""
    reason = f"{what} not installed (.ci/run installs it on CI)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, but CI is set: the test must run here")
    pytest.skip(reason)


def need(*programs: str) -> None:
    """Skip unless every program is installed (fail on CI, see `_not_installed`)."""
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        _not_installed(", ".join(missing))


def need_latex_package(name: str) -> None:
    need("kpsewhich")
    found = subprocess.run(["kpsewhich", name], capture_output=True, text=True, check=False)
    if not found.stdout.strip():
        _not_installed(f"LaTeX package {name}")


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def latex_document(bib_name: str, biblatex: bool, fontenc: bool = True) -> str:
    """A minimal document that cites every entry of the .bib."""
    if biblatex:
        preamble = f"\\usepackage[backend=biber,style=authoryear]{{biblatex}}\n\\addbibresource{{{bib_name}}}"
        end = "\\printbibliography"
    else:
        preamble = "\\usepackage{url}"
        end = f"\\bibliographystyle{{plain}}\n\\bibliography{{{bib_name.removesuffix('.bib')}}}"
    encoding = "\\usepackage[T1]{fontenc}\n" if fontenc else ""
    return (
        f"\\documentclass{{article}}\n{encoding}{preamble}\n"
        f"\\begin{{document}}\n\\nocite{{*}}\n{end}\n\\end{{document}}\n"
    )


def pandoc_cite(tmp_path: Path, bibliography: Path) -> subprocess.CompletedProcess[str]:
    """Render a document citing every entry with pandoc --citeproc, failing on warnings."""
    doc = tmp_path / "cite.md"
    doc.write_text("---\nnocite: '@*'\n---\n\nAll the references.\n", encoding="utf-8")
    return run(
        [
            "pandoc",
            "--citeproc",
            "--fail-if-warnings",
            f"--bibliography={bibliography.name}",
            "-t",
            "plain",
            doc.name,
        ],
        tmp_path,
    )


def markdown_tokens(text: str) -> list[Any]:
    """Tokens as GitHub-flavoured Markdown parses them (CommonMark + tables)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").parse(text)


def slugs_of(text: str) -> set[str]:
    """The anchors GitHub gives the headings of `text`, repeated ones numbered."""
    from lrmkb.exporters.markdown import Anchors

    anchors = Anchors()
    return {anchors.add(words) for _, words in headings(text)}


def headings(text: str) -> list[tuple[int, str]]:
    """(level, text as rendered) of every heading, in order."""
    tokens = markdown_tokens(text)
    found = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            inline = tokens[i + 1]
            words = "".join(
                c.content for c in inline.children or [] if c.type in {"text", "code_inline"}
            )
            found.append((int(token.tag[1]), words))
    return found


def links(text: str) -> list[str]:
    """Every link target, in order (images excluded); `#anchors` percent-decoded, as a
    browser matches them against ids."""
    from urllib.parse import unquote

    found = []
    for token in markdown_tokens(text):
        for child in token.children or []:
            if child.type == "link_open":
                href = child.attrGet("href")
                found.append(unquote(href) if href.startswith("#") else href)
    return found


def html_ids(text: str) -> set[str]:
    return set(re.findall(r'<a id="([^"]+)"></a>', text))


def assert_links_resolve(text: str, slugs: set[str]) -> None:
    """Every `#anchor` names a heading or an `<a id>`; every other link is an http(s) URL
    with a host, and arXiv links name a well-formed id."""
    from urllib.parse import urlsplit

    from lrmkb.ids import parse_arxiv_id

    targets = slugs | html_ids(text)
    for href in links(text):
        if href.startswith("#"):
            assert href[1:] in targets, f"dangling anchor {href}"
            continue
        parts = urlsplit(href)
        assert parts.scheme in {"http", "https"} and "." in parts.netloc, href
        if parts.netloc == "arxiv.org":
            assert parse_arxiv_id(href), href
