"""One author-year label per paper, wherever it is shown: `findings`, `show`, and every
export that prints labels (Markdown, the awesome list, JSON) give the same `Ward et al.,
2025b` for each of the survey's references — lettered as the survey letters them (its
reference list order), and kept when a later paper would read the same."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import NO_SURVEY, SURVEY_TEXT

REF_LINE = re.compile(r'^- <a id="ref-([^"]+)"></a>\*\*([^*]+)\*\*', re.M)


def run_json(cli, *args: str) -> object:
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def survey_keys(cli) -> list[str]:
    data = run_json(cli, "export", "--format", "json")
    keys = [p["key"] for p in data["papers"] if p["survey_role"] == "reference"]
    assert len(keys) == 127  # every reference of the survey but the survey itself
    return keys


def labels_everywhere(cli) -> dict[str, dict[str, str]]:
    """Where each command shows a paper's label: key → label, per place."""
    found: dict[str, dict[str, str]] = {
        "export json": {
            p["key"]: p["cite"] for p in run_json(cli, "export", "-f", "json")["papers"]
        },
        "findings": {
            e["key"]: e["cite"] for f in run_json(cli, "findings", "--json") for e in f["papers"]
        },
        "export md": dict(REF_LINE.findall(cli("export", "--format", "md").stdout)),
    }
    awesome = cli("export", "--format", "awesome").stdout
    found["export awesome"] = {  # the Name column shows the label when there is no short name
        p["key"]: p["cite"]
        for p in run_json(cli, "export", "-f", "json")["papers"]
        if not p["short_name"] and p["arxiv_id"]
    }
    for key, label in found["export awesome"].items():
        assert f"`{label}`" in awesome, key
    return found


def test_every_command_gives_each_reference_one_label(cli) -> None:
    keys = survey_keys(cli)
    places = labels_everywhere(cli)
    shown = {key: run_json(cli, "show", key, "--json")["cite"] for key in keys}
    assert shown["ward2025rank1"] == "Ward et al., 2025b"
    assert shown["ward2025reasoningfinetuning"] == "Ward et al., 2025a"
    assert set(places["export json"]) >= set(keys) and set(places["export md"]) >= set(keys)
    assert len(places["findings"]) > 100 and len(places["export awesome"]) > 10
    for place, labels in places.items():
        assert {k: v for k, v in labels.items() if k in shown} == {
            k: shown[k] for k in labels if k in shown
        }, place
    assert len(set(shown.values())) == len(shown)  # letters tell every pair apart


def test_a_selection_keeps_the_labels_of_the_whole_survey(cli) -> None:
    """Exporting one section must not re-letter its papers: 3.3.3 cites only one of the
    two Ward et al. 2025 papers, which stays `2025b`."""
    md = cli("export", "--section", "3.3.3", "--format", "md").stdout
    assert dict(REF_LINE.findall(md))["ward2025rank1"] == "Ward et al., 2025b"
    assert "ward2025reasoningfinetuning" not in md


def test_a_paper_added_later_never_changes_the_surveys_letters(cli, tmp_path: Path) -> None:
    """A new Ward et al. 2025 paper that sorts before both of the survey's gets the next
    letter; the survey's keep theirs."""
    bib = tmp_path / "ward.bib"
    bib.write_text(
        "@article{w, author = {Ward, Aaron and Abel, Ann and Adams, Al},"
        " title = {Aardvark reasoning}, year = 2025}\n",
        encoding="utf-8",
    )
    assert cli("import", str(bib)).exit_code == 0
    assert run_json(cli, "show", "w", "--json")["cite"] == "Ward et al., 2025c"  # its own key
    assert run_json(cli, "show", "ward2025rank1", "--json")["cite"] == "Ward et al., 2025b"


@pytest.mark.skipif(not SURVEY_TEXT.exists(), reason=NO_SURVEY)
def test_the_letters_are_the_surveys_own(cli) -> None:
    """Each lettered reference of the survey's list (`… 2025b. [Title](#)`, or a bare
    title before a `<URL>`) carries the letter lrmkb gives the paper of that title."""
    text = SURVEY_TEXT.read_text(encoding="utf-8").split("## References", 1)[1]
    entries = re.findall(r"^- .*? \d{4}([a-z])\. (?:\[([^\]]+)\]\(#\)|([^<]+?)\. <)", text, re.M)
    printed = {(linked or bare).lower(): letter for letter, linked, bare in entries}
    papers = run_json(cli, "export", "--format", "json")["papers"]
    ours = {
        (p["survey_title"] or "").lower(): p["cite"][-1]
        for p in papers
        if re.search(r"\d{4}[a-z]$", p["cite"])
    }
    assert len(printed) >= 40
    assert ours == printed
