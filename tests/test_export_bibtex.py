"""`lrmkb export --format bib|biblatex`: escaping, case protection, arXiv fields — and the
real readers: bibtexparser, lrmkb's own importer, pdflatex + bibtex, biber, pandoc."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import bibtexparser
import pytest

from export_fixtures import (
    AWKWARD,
    add_paper,
    latex_document,
    need,
    need_latex_package,
    pandoc_cite,
    run,
)
from lrmkb.importers.bibread import read_entries as parse_bib


def export(cli, *args: str) -> str:
    result = cli("export", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def entries(text: str) -> dict[str, dict[str, str]]:
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    return {
        e.key: {f.key: f.value for f in e.fields} | {"@type": e.entry_type} for e in library.entries
    }


def test_section_exports_each_of_its_papers_once_in_key_order(cli) -> None:
    text = export(cli, "--section", "4.3", "--format", "bib")
    keys = re.findall(r"^@\w+\{([^,]+),", text, re.M)
    assert len(keys) == 22  # `lrmkb tree`: 4.3 Overthinking (22)
    assert keys == sorted(set(keys))
    assert "chen2024think" in keys and "marjanovic2025deepseekr1" in keys


def test_arxiv_ids_go_to_eprint_fields_never_to_journal(cli, db_file: Path) -> None:
    found = entries(export(cli, "--format", "bib"))
    assert len(found) == 128
    for key, fields in found.items():
        assert "arxiv" not in fields.get("journal", "").lower(), key
        if "eprint" in fields:
            assert fields["archivePrefix"] == "arXiv", key
    # The survey gives two venues as "arXiv preprint arXiv:…": they become @misc + eprint.
    assert found["tan2025bottomup"]["@type"] == "misc"
    assert found["tan2025bottomup"]["eprint"] == "2512.19673"
    assert "journal" not in found["tan2025bottomup"]
    # CoRR stays a journal, the DBLP way, so plain.bst prints it without a warning.
    chen = found["chen2024think"]
    assert (chen["@type"], chen["journal"], chen["volume"]) == ("article", "CoRR", "abs/2412.21187")
    assert chen["url"] == "https://arxiv.org/abs/2412.21187"


def test_biblatex_uses_its_own_fields(cli) -> None:
    chen = entries(export(cli, "--key", "chen2024think", "--format", "biblatex"))["chen2024think"]
    assert chen["eprint"] == "2412.21187"
    assert chen["eprinttype"] == "arxiv"
    assert chen["journaltitle"] == "CoRR"
    assert chen["date"] == "2024"
    assert not {"archivePrefix", "journal", "year", "url"} & set(chen)


def test_and_others_is_kept(cli) -> None:
    text = export(cli, "--key", "deepseekai2025deepseekr1")
    assert re.search(
        r"author = \{DeepSeek-AI and Guo, Daya and .* and Gao, Ziyi and others\}", text
    )


def test_specials_accents_and_capitals_are_written_for_latex(cli, db_file: Path) -> None:
    add_paper(db_file, **AWKWARD)
    text = export(cli, "--key", AWKWARD["key"])
    assert (
        r"author = {{\L}ukasiewicz, Pawe{\l} and {\~{N}}{\'{u}}{\~{n}}ez, Jos{\'{e}} and "
        r"""O'Brien, Zo{\"{e}} and An, Nguy{\~{\^{e}}}n V{\u{a}}n and Barnes, Noble and others},"""
    ) in text  # von Last, First; stacked accents nest
    title = re.search(r"title = \{(.*)\},\n", text)[1]
    assert title == (
        r"""{\"{U}}ber {LLM}s \& {RL}: 50\% of $<$x$>$ costs \#1 {\textendash} """
        r"{{\L}{\'{o}}d{\'{z}}'s} {\textquotedblleft}{DeepSeek-R1}{\textquotedblright} "
        r"\{braces\} a\_b"
    )
    assert "pages = {1--10}" in text
    assert "doi = {10.1000/a_b-c}" in text  # verbatim field: not escaped
    assert "booktitle = {Proceedings of A\\&B 2024}" in text
    assert (
        "eprint = {hep-th/9901001},\n  archivePrefix = {arXiv},\n  primaryClass = {hep-th}," in text
    )


def test_an_imported_title_keeps_its_own_braces(cli, db_file: Path) -> None:
    add_paper(
        db_file,
        key="smith2020gpt",
        title="GPT-4 and Bert-like models for Paris",
        title_latex="{GPT-4} and {B}ert-like models for {Paris}",
        authors=["Ann Smith"],
        year=2020,
    )
    assert "title = {{GPT-4} and {B}ert-like models for {Paris}}" in export(
        cli, "--key", "smith2020gpt"
    )


def test_survey_facts_read_back_through_bibtexparser_and_the_importer(cli, db_file: Path) -> None:
    """Every survey paper, exported and imported again, has the same facts."""
    text = export(cli, "--format", "bib")
    entries(text)  # bibtexparser alone: no failed blocks
    imported, problems = parse_bib(text)
    assert problems == []
    with sqlite3.connect(db_file) as db:
        db.row_factory = sqlite3.Row
        stored = {r["key"]: r for r in db.execute("SELECT * FROM paper")}
    assert len(imported) == len(stored) == 128
    for entry in imported:
        paper, got = stored[entry.bibkey], entry.fields
        if entry.bibkey != "yuan2025fx":  # its $f(x)$ math: the importer drops math dollars
            assert got["title"] == paper["title"], entry.bibkey
        assert got["authors"] == json.loads(paper["authors"]), entry.bibkey
        assert got["authors_more"] == bool(paper["authors_more"])
        assert (got["year"], got["arxiv_id"], got["doi"]) == (
            paper["year"],
            paper["arxiv_id"],
            paper["doi"],
        )
        if not (paper["venue"] or "").startswith("arXiv preprint"):
            assert got["venue"] == paper["venue"], entry.bibkey


@pytest.mark.parametrize("style", ["plain", "plainnat"])
def test_pdflatex_and_bibtex_accept_the_export(
    cli, db_file: Path, tmp_path: Path, style: str
) -> None:
    need("pdflatex", "bibtex")
    add_paper(db_file, **AWKWARD)
    (tmp_path / "refs.bib").write_text(export(cli, "--format", "bib"), encoding="utf-8")
    document = latex_document("refs.bib", biblatex=False).replace("{plain}", f"{{{style}}}")
    if style == "plainnat":
        document = document.replace("\\usepackage{url}", "\\usepackage{url}\\usepackage{natbib}")
    (tmp_path / "doc.tex").write_text(document, encoding="utf-8")
    first = run(["pdflatex", "-interaction=nonstopmode", "-draftmode", "doc.tex"], tmp_path)
    assert first.returncode == 0, first.stdout[-2000:]
    bibtex = run(["bibtex", "-terse", "doc"], tmp_path)
    assert bibtex.returncode == 0, bibtex.stdout + (tmp_path / "doc.blg").read_text()
    assert "Warning--" not in (tmp_path / "doc.blg").read_text()
    second = run(["pdflatex", "-interaction=nonstopmode", "-draftmode", "doc.tex"], tmp_path)
    assert second.returncode == 0, second.stdout[-3000:]
    assert "\n! " not in (tmp_path / "doc.log").read_text(errors="replace")


def test_biber_and_biblatex_accept_the_export(cli, db_file: Path, tmp_path: Path) -> None:
    need("pdflatex", "biber")
    need_latex_package("biblatex.sty")
    add_paper(db_file, **AWKWARD)
    (tmp_path / "refs.bib").write_text(export(cli, "--format", "biblatex"), encoding="utf-8")
    (tmp_path / "doc.tex").write_text(latex_document("refs.bib", biblatex=True), encoding="utf-8")
    first = run(["pdflatex", "-interaction=nonstopmode", "-draftmode", "doc.tex"], tmp_path)
    assert first.returncode == 0, first.stdout[-2000:]
    biber = run(["biber", "doc"], tmp_path)
    assert biber.returncode == 0, biber.stdout[-3000:]
    log = (tmp_path / "doc.blg").read_text()
    assert "WARN" not in log and "ERROR" not in log, log
    second = run(["pdflatex", "-interaction=nonstopmode", "-draftmode", "doc.tex"], tmp_path)
    assert second.returncode == 0, second.stdout[-3000:]


@pytest.mark.parametrize("fmt", ["bib", "biblatex"])
def test_pandoc_citeproc_reads_the_export_without_warnings(
    cli, db_file: Path, tmp_path: Path, fmt: str
) -> None:
    need("pandoc")
    add_paper(db_file, **AWKWARD)
    bib = tmp_path / "refs.bib"
    bib.write_text(export(cli, "--format", fmt), encoding="utf-8")
    result = pandoc_cite(tmp_path, bib)
    assert result.returncode == 0, result.stderr
    assert "Łukasiewicz, Paweł, José Ñúñez" in result.stdout
    assert "Marjanović, Sara Vera" in result.stdout


def test_an_id_named_only_by_the_venue_moves_to_eprint(cli, db_file: Path) -> None:
    add_paper(
        db_file,
        key="lee2025scholar",
        title="Copied from Google Scholar",
        authors=["Ann Lee"],
        year=2025,
        entry_type="article",
        venue="arXiv preprint arXiv:2512.19673",
    )
    found = entries(export(cli, "--key", "lee2025scholar"))["lee2025scholar"]
    assert found["@type"] == "misc"
    assert (found["eprint"], found["archivePrefix"]) == ("2512.19673", "arXiv")
    assert "journal" not in found
