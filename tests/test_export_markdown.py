"""`lrmkb export --format md`: survey sections in Markdown, parsed back with markdown-it-py
and every link and anchor checked."""

from __future__ import annotations

import json
import re
from pathlib import Path

from export_fixtures import (
    AWKWARD,
    add_paper,
    assert_links_resolve,
    headings,
    markdown_tokens,
    slugs_of,
)


def md(cli, *args: str) -> str:
    result = cli("export", "--format", "md", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_section_4_3_reads_like_the_survey(cli) -> None:
    text = md(cli, "--section", "4.3")
    assert headings(text) == [
        (2, "4.3 Overthinking"),
        (3, "4.3.1 Thinking more does not necessarily lead to better reasoning"),
        (3, "4.3.2 What are the patterns of overthinking?"),
        (3, "4.3.3 What are the mechanisms of overthinking?"),
        (2, "References"),
    ]
    source, heading, place, summary = text.split("\n\n")[:4]
    assert source.startswith("*From the survey Towards a Mechanistic Understanding")
    assert (heading, place) == ("## 4.3 Overthinking", "*Survey §4.3, p. 7.*")
    assert summary.startswith("Spending more tokens on reasoning usually helps")
    # The takeaway is a callout under its question, cited author–year.
    question = text.split("### 4.3.1")[1].split("### 4.3.2")[0]
    callout = next(line for line in question.splitlines() if line.startswith("> "))
    assert callout.startswith("> 💡 **Takeaway.** For reasoning models, performance")
    assert "[Chen et al., 2024](#ref-chen2024think)" in callout
    # Claims are a list, each ending in its citations; a survey's own "(Hassid et al.;
    # Su et al.)" becomes the linked citation rather than being repeated.
    assert (
        "- Chain length is a warning sign for errors: responses that end in an incorrect "
        "answer are typically longer than those that end in a correct one "
        "([Hassid et al., 2025](#ref-hassid2025dont); [Su et al., 2025a](#ref-su2025underthinking))."
    ) in question
    # Two "Zhang et al., 2025" in one section are told apart, with the survey's own
    # letters (the survey has eight such papers; the section cites its a and e).
    assert "[Zhang et al., 2025a](#ref-zhang2025reasoning)" in text  # Anqi before Jiajie
    assert "[Zhang et al., 2025e](#ref-zhang2025adaptthink)" in text


def test_reference_list_has_the_sections_papers_with_links(cli) -> None:
    text = md(cli, "--section", "4.3")
    references = text.split("## References\n\n")[1].strip().splitlines()
    assert len(references) == 22  # `lrmkb tree`: 4.3 Overthinking (22)
    chen = next(r for r in references if 'id="ref-chen2024think"' in r)
    assert "**Chen et al., 2024** — `Do NOT Think That Much`." in chen
    assert "*Do NOT Think That Much for 2+3=? On the Overthinking of o1-Like LLMs.*" in chen
    assert "[arXiv:2412.21187](https://arxiv.org/abs/2412.21187)" in chen
    assert "[code](https://github.com/galaxyChen/overthinking)" in chen
    sui = next(r for r in references if 'id="ref-sui2025stop"' in r)
    assert sui.endswith("Trans. Mach. Learn. Res.")  # no id, no link, no doubled full stop


def test_every_link_and_anchor_resolves(cli) -> None:
    for args in (["--section", "4.3"], ["--section", "2"], []):
        text = md(cli, *args)
        assert_links_resolve(text, slugs_of(text))
        cited = set(re.findall(r"\]\(#(ref-[^)]+)\)", text))
        assert cited == set(re.findall(r'<a id="(ref-[^"]+)"', text))  # no unused reference


def test_whole_survey_in_order_with_contents(cli, db_file: Path) -> None:
    text = md(cli)
    found = headings(text)
    assert found[0] == (
        1,
        "Towards a Mechanistic Understanding of Large Reasoning Models: "
        "A Survey of Training, Inference, and Failures",
    )
    assert found[1] == (2, "Contents")
    tree = json.loads(cli("tree", "--json").stdout)
    node_headings = [words for _, words in found[2:-1]]
    assert node_headings == [f"{n['code']} {n['title']}" for n in tree]
    assert found[-1] == (2, "References")
    contents = text.split("## Contents\n\n")[1].split("\n\n")[0].splitlines()
    assert len(contents) == len(tree) + 1  # every node and the references
    assert contents[0] == "- [1 Introduction](#1-introduction)"
    assert (
        "    - [4.3.1 Thinking more does not necessarily lead to better reasoning]"
        "(#431-thinking-more-does-not-necessarily-lead-to-better-reasoning)" in contents
    )
    # Over the whole survey the author–year suffixes are the survey's own.
    assert "[Zhang et al., 2025h](#ref-zhang2025survey)" in text
    assert "[Venhoff et al., 2025b](#ref-venhoff2025understanding)" in text


def test_tags_and_keys_add_a_list_of_selected_papers(cli) -> None:
    assert cli("tag", "yue2025reinforcement", "to-read").exit_code == 0
    text = md(cli, "--tag", "to-read", "--key", "arXiv:2504.07986")
    assert [h for _, h in headings(text)] == ["Selected papers"]
    lines = text.split("## Selected papers\n\n")[1].strip().splitlines()
    assert len(lines) == 2
    # a label is the survey's (Chen et al., 2025c) in any selection, as in `show`
    assert lines[0].startswith('- <a id="ref-chen2025seal"></a>**Chen et al., 2025c** — `SEAL`.')
    assert lines[0].endswith("Filed under 4.3.3.")
    assert "Yue et al., 2025" in lines[1]


def test_text_that_looks_like_markdown_is_shown_as_written(cli, db_file: Path) -> None:
    add_paper(db_file, **AWKWARD)
    text = md(cli, "--section", "4.3.1")
    tokens = markdown_tokens(text)
    shown = [
        "".join(c.content for c in t.children or [] if c.type == "text")
        for t in tokens
        if t.type == "inline" and 'id="ref-lukasiewicz2024uber"' in t.content
    ]
    assert len(shown) == 1
    assert AWKWARD["title"] + "." in shown[0]  # `_`, `<x>`, `#`, braces: all as written
    assert_links_resolve(text, slugs_of(text))
