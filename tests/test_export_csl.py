"""`lrmkb export --format csl-json`: the CSL data schema, read by pandoc --citeproc."""

from __future__ import annotations

import json
import re
from pathlib import Path

from export_fixtures import AWKWARD, add_paper, need, pandoc_cite

# Item types and the variables this export may use, from the CSL 1.0.2 data schema.
CSL_TYPES = {
    "article",
    "article-journal",
    "paper-conference",
    "chapter",
    "book",
    "thesis",
    "report",
    "webpage",
    "document",
}
NAME_PARTS = {"family", "given", "non-dropping-particle", "dropping-particle", "suffix", "literal"}
CSL_VARIABLES = {
    "id",
    "type",
    "title",
    "author",
    "issued",
    "container-title",
    "publisher",
    "number",
    "volume",
    "page",
    "note",
    "DOI",
    "URL",
    "abstract",
}


def items(cli, *args: str) -> dict[str, dict]:
    result = cli("export", "--format", "csl-json", *args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return {item["id"]: item for item in data}


def test_every_item_follows_the_schema(cli) -> None:
    found = items(cli)
    assert len(found) == 128
    for key, item in found.items():
        assert set(item) <= CSL_VARIABLES, key
        assert item["type"] in CSL_TYPES, key
        assert item["title"]
        for name in item["author"]:
            # CSL name objects: family (with given, particle, suffix) or literal
            assert set(name) <= NAME_PARTS and ("family" in name) != ("literal" in name)
        parts = item["issued"]["date-parts"]
        assert len(parts) == 1 and all(isinstance(n, int) for n in parts[0]), key


def test_ids_are_the_bibtex_keys(cli) -> None:
    bib = cli("export", "--section", "4.3").stdout
    assert set(items(cli, "--section", "4.3")) == set(re.findall(r"^@\w+\{([^,]+),", bib, re.M))


def test_preprints_conference_papers_and_web_pages(cli) -> None:
    found = items(cli)
    chen = found["chen2024think"]
    assert chen["type"] == "article"  # CSL's type for a preprint
    assert (chen["publisher"], chen["number"]) == ("arXiv", "arXiv:2412.21187")
    assert chen["URL"] == "https://arxiv.org/abs/2412.21187"
    assert "container-title" not in chen  # "CoRR" is arXiv itself
    assert chen["author"][0] == {"family": "Chen", "given": "Xingyu"}
    safechain = found["jiang2025safechain"]
    assert safechain["type"] == "paper-conference"
    assert safechain["container-title"].startswith("Findings of the Association")
    assert safechain["page"] == "23303-23320"
    tmlr = found["sui2025stop"]
    assert (tmlr["type"], tmlr["container-title"]) == (
        "article-journal",
        "Trans. Mach. Learn. Res.",
    )
    hood = found["hazra2025hood"]
    assert hood["type"] == "webpage"
    assert hood["URL"] == "https://www.goodfire.ai/research/under-the-hood-of-a-reasoning-model"
    deepseek = found["deepseekai2025deepseekr1"]
    assert deepseek["author"][0] == {"family": "DeepSeek-AI"}  # one name part: BibTeX's Last


def test_unicode_is_kept_as_unicode(cli, db_file: Path) -> None:
    add_paper(db_file, **AWKWARD)
    item = items(cli, "--key", AWKWARD["key"])[AWKWARD["key"]]
    assert item["title"] == AWKWARD["title"]
    assert item["author"][0] == {"family": "Łukasiewicz", "given": "Paweł"}
    assert item["author"][-1] == {"family": "Barnes", "given": "Noble"}
    assert item["DOI"] == "10.1000/a_b-c"


def test_pandoc_citeproc_reads_it_without_warnings(cli, db_file: Path, tmp_path: Path) -> None:
    need("pandoc")
    add_paper(db_file, **AWKWARD)
    refs = tmp_path / "refs.json"
    refs.write_text(cli("export", "--format", "csl-json").stdout, encoding="utf-8")
    result = pandoc_cite(tmp_path, refs)
    assert result.returncode == 0, result.stderr
    assert "Marjanović, Sara Vera" in result.stdout
    assert "Łukasiewicz, Paweł" in result.stdout
