"""`lrmkb export --format awesome`: the companion list's layout, generated — badges with
shields escaping, GitHub anchors that work, rows whose title and link are one paper's."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from conftest import FIXTURES
from export_fixtures import (
    AWKWARD,
    add_paper,
    assert_links_resolve,
    headings,
    links,
    markdown_tokens,
    slugs_of,
)
from lrmkb.exporters.awesome import shields_text
from lrmkb.exporters.markdown import github_slug

# the companion list's headings and contents links (tests/fixtures/awesome, MIT)
REAL_LIST = FIXTURES / "awesome" / "awesome-list-headings.md"


def awesome(cli, *args: str) -> str:
    result = cli("export", "--format", "awesome", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_slugs_match_the_anchors_of_the_real_list() -> None:
    """The companion list's contents links work on GitHub: our slugs agree with them,
    emoji headings included (`🗂️ Contents` → `#️-contents`)."""
    text = REAL_LIST.read_text(encoding="utf-8")
    contents = text.split("## 🗂️ Contents")[1].split("## 📄 Paper List")[0]
    wanted = {href[1:] for href in links(contents)}
    assert "️-contents" in wanted and "-news" in wanted
    assert wanted <= slugs_of(text)
    assert github_slug("RL balancing exploration and exploitation ") == (
        "rl-balancing-exploration-and-exploitation-"
    )


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("Awesome-LRM-Mechanisms", "Awesome--LRM--Mechanisms"),
        ("limit of RLVR", "limit%20of%20RLVR"),
        ("TTS_knowledge", "TTS__knowledge"),
        ("hep-th/9901001", "hep--th%2F9901001"),
    ],
)
def test_badge_text_is_escaped_the_shields_way(text: str, path: str) -> None:
    assert shields_text(text) == path


def test_layout_of_the_companion_list(cli) -> None:
    text = awesome(cli)
    found = headings(text)
    assert found[0][1].startswith("Awesome papers: Towards a Mechanistic Understanding")
    assert [h for _, h in found[1:4]] == ["🔗 Citation", "🗂️ Contents", "📄 Paper List"]
    assert (3, "Understanding LRM Failures") in found
    assert (4, "Overthinking") in found
    assert "Advancing Interpretability Methodology" not in {h for _, h in found}  # B.2: no papers
    overthinking = text.split("#### Overthinking\n\n")[1].split("\n\n####")[0]
    assert overthinking.startswith(
        "<details open>\n<summary>Click to hide/show the paper list</summary>\n\n"
        "| Date | Name | Title | Paper | Github |\n|:-:|:-:|:-|:-:|:-:|\n"
    )
    assert overthinking.count("\n| 20") == 22  # 4.3 and its questions: 22 papers
    assert "@misc{hu2026mechanistic," in text.split("## 🔗 Citation")[1]
    assert_links_resolve(text, slugs_of(text))


def test_each_row_is_one_papers_date_title_and_links(cli, db_file: Path) -> None:
    text = awesome(cli, "--section", "4.3")
    with sqlite3.connect(db_file) as db:
        by_title = dict(db.execute("SELECT title, arxiv_id FROM paper"))
    rows = [line for line in text.splitlines() if line.startswith("| 20")]
    assert len(rows) == 22
    for row in rows:
        date, name, title, paper, _code = (c.strip() for c in row.strip("|").split(" | "))
        arxiv = by_title[re.sub(r"\\(.)", r"\1", title)]  # Markdown escapes undone
        if arxiv is None:  # Sui et al.: TMLR, no id, no link (`lrmkb dev doctor` flags it)
            assert (date, paper) == ("2025", "-")
            continue
        assert paper.endswith(f"(https://arxiv.org/abs/{arxiv})")
        assert date == f"20{arxiv[:2]}-{arxiv[2:4]}"
        assert name.startswith("`") and name.endswith("`")
    chen = next(r for r in rows if "2412.21187" in r)
    assert chen.startswith("| 2024-12 | `Do NOT Think That Much` | Do NOT Think That Much")
    assert (
        "[![arXiv](https://img.shields.io/badge/arXiv-2412.21187-A42C25?style=for-the-badge"
        "&logo=arxiv&logoColor=white)](https://arxiv.org/abs/2412.21187)"
    ) in chen
    assert (
        "[![GitHub Stars](https://img.shields.io/github/stars/galaxyChen/overthinking"
        "?style=for-the-badge&logo=github&label=GitHub&color=black)]"
        "(https://github.com/galaxyChen/overthinking)"
    ) in chen
    rows_by_date = [r.split(" | ")[0] for r in rows]
    assert rows_by_date == sorted(rows_by_date, reverse=True)  # newest first


def test_badges_for_hugging_face_old_arxiv_ids_and_awkward_names(cli, db_file: Path) -> None:
    add_paper(db_file, **AWKWARD)
    text = awesome(cli, "--key", AWKWARD["key"], "--key", "liu2025prorl", "--key", "in2025r1act")
    row = next(r for r in text.splitlines() if "lukasiewicz" in r or "Łódź" in r)
    assert row.startswith("| 1999-01 | `Über-LLM_2` | Über LLMs & RL: 50% of \\<x\\> costs #1")
    assert "badge/arXiv-hep--th%2F9901001-A42C25" in row
    assert "github/stars/some-org/some_repo?" in row
    prorl = next(r for r in text.splitlines() if "ProRL" in r)
    assert (
        "url=https%3A%2F%2Fhuggingface.co%2Fapi%2Fmodels%2Fnvidia%2FNemotron-Research-Reasoning-Qwen-1.5B"
        in prorl
    )
    r1act = next(r for r in text.splitlines() if "2508.00324" in r)
    assert "badge/code-huggingface.co-000000" in r1act  # a collection has no download count
    # Headings: only the nodes that hold the selected papers, with their ancestors.
    assert [h for lvl, h in headings(text) if lvl >= 3] == [
        "Understanding LRM Training",
        "Roles of SFT and RL in Post-Training",
        "Understanding LRM Failures",
        "Overthinking",
        "Unsafety",
        "Training Methods",
        "RL balancing exploration and exploitation",
    ]
    cells = [t for t in markdown_tokens(text) if t.type == "inline" and "Łódź" in t.content]
    assert "".join(c.content for c in cells[0].children if c.type == "text") == AWKWARD["title"]
    assert_links_resolve(text, slugs_of(text))


def test_papers_in_no_section_are_listed_last(cli, db_file: Path) -> None:
    add_paper(
        db_file, key="doe2025new", title="A new paper", authors=["Jane Doe"], year=2025, nodes=()
    )
    text = awesome(cli, "--key", "doe2025new")
    assert headings(text)[-1] == (3, "Not yet classified")
    assert re.search(r"\| 2025 \| `Doe, 2025` \| A new paper \| - \| - \|", text)
