"""The survey, exactly: titles in their authors' casing, corrected names, findings in the
survey's order, its debates with both sides, and where every record comes from — checked
through the commands a user runs on the bundled database."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NO_SURVEY, SURVEY_DIR
from lrmkb.importers.seeds import lowercased_acronyms


def ok(result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


def shown(cli, key: str) -> dict[str, str]:
    """`lrmkb show KEY` piped (`field<TAB>value` rows, docs/output.md) as {field: value};
    a field given on several rows (author, finding…) has its values joined by ", "."""
    fields: dict[str, list[str]] = {}
    for line in ok(cli("show", key)).splitlines():
        field, value = line.split("\t")
        fields.setdefault(field, []).append(value)
    return {field: ", ".join(values) for field, values in fields.items()}


# --- titles and names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "title", "survey_title"),
    [
        (
            "deepseekai2025deepseekr1",
            "DeepSeek-R1: Incentivizing Reasoning Capability in LLMs via Reinforcement Learning",
            "Deepseek-r1: Incentivizing reasoning capability in llms via reinforcement learning",
        ),
        (
            "chu2025sft",
            "SFT Memorizes, RL Generalizes: A Comparative Study of Foundation Model Post-training",
            "Sft memorizes, rl generalizes: A comparative study of foundation model post-training",
        ),
        (
            "chua2025deepseek",
            "Are DeepSeek R1 And Other Reasoning Models More Faithful?",
            "Are deepseek rl and other reasoning models more faithful?",
        ),
        (
            "yan2025reflectrl",
            "ReflCtrl: Controlling LLM Reflection via Representation Engineering",
            "Reflectrl: Controlling llm reflection via representation engineering",
        ),
        (
            "zhang2025100",
            "100 Days After DeepSeek-R1: A Survey on Replication Studies and More Directions "
            "for Reasoning Language Models",
            "100 days after deepseek-rl: A survey on replication studies and more directions "
            "for reasoning language models",
        ),
        (
            "liu2025there",
            "There may not be aha moment in R1-Zero-like training — a pilot study",
            "There may not be aha moment in r1-zero-like training — a pilot study",
        ),
    ],
)
def test_titles_are_the_authors_and_the_surveys_rendering_is_kept(
    cli, key, title, survey_title
) -> None:
    fields = shown(cli, key)
    assert fields["title"] == title
    assert fields["survey_title"] == survey_title
    exported = json.loads(ok(cli("export", "--key", key, "--format", "json")))["papers"][0]
    assert (exported["title"], exported["survey_title"]) == (title, survey_title)


def test_no_title_lowercases_an_acronym(cli) -> None:
    papers = json.loads(ok(cli("export", "--format", "json")))["papers"]
    assert len(papers) == 128
    assert {p["key"]: lowercased_acronyms(p["title"]) for p in papers} == {
        p["key"]: [] for p in papers
    }
    # ...while the survey's own rendering, kept beside it, is full of them
    assert sum(bool(lowercased_acronyms(p["survey_title"] or "")) for p in papers) >= 30


def test_a_title_that_needs_no_correction_shows_no_survey_title(cli) -> None:
    fields = shown(cli, "dang2025internal")
    assert fields["title"] == "Internal bias in reasoning models leads to overthinking"
    assert "survey_title" not in fields


@pytest.mark.parametrize(
    ("key", "right", "wrong"),
    [
        ("yan2025reflectrl", "Ge Yan, Chung-En Sun, Tsui-Wei Weng", "Tsui-Wei, Weng"),
        ("yin2025refusal", "Jaehong Yoon, Yun Xing, Xing Yu, Jinjin Gu", "YunXing"),
        ("ward2025reasoningfinetuning", "Constantin Venhoff", "Venhoeff"),
        ("marjanovic2025deepseekr1", "Benno Krojer", "Kroyer"),
        ("sinii2025small", "Alexey Gorbatovski", "Gorbatoevski"),
        ("sinii2025steering", "Alexey Gorbatovski", "Gorbatoevski"),
        ("jaech2024openai", "Alec Helyar", "Helvar"),
        ("xu2025large", "Fengli Xu, Qianyue Hao", "Si-jian"),
    ],
)
def test_author_names_are_corrected(cli, key, right, wrong) -> None:
    authors = shown(cli, key)["author"]
    assert right in authors
    assert wrong not in authors


def test_a_split_name_is_one_author_in_the_bibtex_export(cli) -> None:
    bib = ok(cli("export", "--key", "yan2025reflectrl", "--format", "bib"))
    assert re.search(r"author = \{Yan, Ge and Sun, Chung-En and Weng, Tsui-Wei\}", bib)


def test_tmlr_papers_have_no_year_as_volume(cli) -> None:
    for key in ("sui2025stop", "feng2025efficient"):
        bib = ok(cli("export", "--key", key, "--format", "bib"))
        assert "Trans. Mach. Learn. Res." in bib
        assert "volume" not in bib


def test_figure_2_short_names_with_the_awesome_lists_as_other_names(cli) -> None:
    fields = shown(cli, "yao2025mousetrap")
    assert fields["short_name"] == "Harmful Prompts Decomposition Attack"
    assert fields["other_short_name"] == "Mousetrap"
    data = json.loads(ok(cli("show", "zhou2025hidden", "--json")))
    assert (data["short_name"], data["other_short_names"]) == (
        "Hidden Risks",
        ["Safety Evaluation"],
    )
    found = ok(cli("search", "Harmful Prompts Decomposition", "--type", "paper"))
    assert found.splitlines()[0].split("\t")[1] == "yao2025mousetrap"


# --- order ------------------------------------------------------------------------------


def ids(cli, *args: str) -> list[str]:
    return [f["id"] for f in json.loads(ok(cli("findings", *args, "--json")))]


def test_findings_print_in_the_surveys_order(cli) -> None:
    assert ids(cli, "--section", "2.1.2") == [
        "2.1-debate-1",
        "2.1-claim-8",
        "2.1-claim-9",
        "2.1-claim-10",
        "2.1-claim-11",
        "2.1-claim-12",
    ]
    assert ids(cli, "--section", "2.2.3")[0] == "2.2-claim-9"  # the survey's opening point
    lines = ok(cli("findings", "--section", "2.2.3")).splitlines()
    assert [line.split("\t")[0] for line in lines] == ids(cli, "--section", "2.2.3")


def test_the_whole_survey_reads_front_to_back(cli) -> None:
    items = json.loads(ok(cli("findings", "--json")))
    assert len(items) == 155
    assert [f["survey"]["order"] for f in items] == list(range(1, 156))
    pages = [f["survey"]["page"] for f in items]
    assert pages == sorted(pages)
    assert pages[0] == 1 and pages[-1] == 18
    # the three 4.2 takeaways close the section, after 4.2.3, as in the survey
    four_two = [f["id"] for f in items if f["node"].startswith("4.2")]
    assert four_two[-3:] == ["4.2-takeaway-1", "4.2-takeaway-2", "4.2-takeaway-3"]


def test_a_papers_findings_come_in_the_surveys_order(cli) -> None:
    found = json.loads(ok(cli("show", "marjanovic2025deepseekr1", "--json")))["findings"]
    assert [f["id"] for f in found] == [
        "3.1.1-claim-1",
        "3.1-takeaway-1",
        "4.3.1-claim-1",
        "4.3-takeaway-1",
    ]


# --- what the survey says, and what only the paper says ----------------------------------


def test_a_finding_beyond_the_survey_says_so_everywhere(cli) -> None:
    line = next(
        line
        for line in ok(cli("findings", "--section", "3.3.3")).splitlines()
        if line.startswith("3.3.3-claim-2\t")
    )
    assert line.split("\t")[-1] == "p. 5; from the paper, not the survey"
    item = next(f for f in json.loads(ok(cli("findings", "--json"))) if f["id"] == "3.3.3-claim-2")
    assert item["source"] == "paper"
    assert "3.3.3-claim-2 supports " in shown(cli, "sinii2025steering")["finding"]
    assert "(p. 5; from the paper, not the survey)" in shown(cli, "sinii2025steering")["finding"]
    md = ok(cli("export", "--section", "3.3.3", "--format", "md"))
    claim = next(line for line in md.splitlines() if "bias-only adaptation" in line)
    assert claim.endswith("*(From the paper, not the survey.)*")
    paper = json.loads(ok(cli("export", "--key", "sinii2025steering", "--format", "json")))
    sources = {f["id"]: f["source"] for f in paper["papers"][0]["findings"]}
    assert sources == {
        "3.3.3-claim-1": "survey",
        "3.3.3-claim-2": "paper",
        "3.3-takeaway-1": "survey",
    }


def test_paper_sourced_findings_are_few_and_listed(cli) -> None:
    items = json.loads(ok(cli("findings", "--json")))
    assert sorted(f["id"] for f in items if f["source"] == "paper") == [
        "2.2-claim-13",
        "3.3.1-claim-2",
        "3.3.1-claim-3",
        "3.3.1-claim-4",
        "3.3.3-claim-2",
        "4.3.1-claim-3",
    ]


def test_claims_say_what_the_survey_says(cli) -> None:
    text = {f["id"]: f["text"] for f in json.loads(ok(cli("findings", "--json")))}
    assert "often raises" in text["4.1.1-claim-1"]
    assert "often imperfect" in text["3.2.3-claim-4"]
    assert "spent once" not in text["2.1-claim-5"]
    assert "never exceeds" not in text["2.1-claim-19"]
    assert "most of the overall accuracy gain" not in text["3.2.2-claim-3"]
    assert "comparable to fully RL-tuned" in text["3.3.3-claim-2"]  # kept, marked as the paper's


# --- debates ----------------------------------------------------------------------------


def test_debates_list_each_disagreement_with_both_sides(cli) -> None:
    lines = ok(cli("debates")).splitlines()
    rows = [line.split("\t") for line in lines]
    assert all(len(row) == 5 for row in rows)
    questions = list(dict.fromkeys((r[0], r[1], r[2]) for r in rows))
    assert [q[1] for q in questions] == [
        "2.1-debate-1",
        "2.1-claim-19",
        "2.2-claim-12",
        "3.2.2-claim-1",
        "3.2.3-claim-4",
        "4.1-debate-1",
        "4.2.3-claim-2",
    ]
    boundary = {r[3]: r[4].split(" ") for r in rows if r[1] == "2.1-claim-19"}
    assert "liu2025prorl" in boundary["supports"]
    assert "yao2025debate" in boundary["supports"]  # the debate paper takes a side
    assert len(boundary["contradicts"]) == 5  # the five studies of 2.1.1
    chu = {r[3]: r[4].split(" ") for r in rows if r[1] == "2.1-debate-1"}
    assert "chu2025sft" in chu["contradicts"]
    assert {r[3] for r in rows if r[1] == "3.2.2-claim-1"} == {
        "supports",
        "contradicts",
        "mentions",
    }


def test_debates_json_and_filters(cli) -> None:
    items = json.loads(ok(cli("debates", "--json")))
    assert len(items) == 7
    for item in items:
        assert item["sides"]["supports"] and item["sides"]["contradicts"]
        assert item["question"].endswith("?")
    hallucination = json.loads(ok(cli("debates", "--section", "4.1", "--json")))
    assert [d["id"] for d in hallucination] == ["4.1-debate-1"]
    assert [p["key"] for p in hallucination[0]["sides"]["contradicts"]] == ["yao2025reasoning"]
    none = cli("debates", "--section", "4.4")
    assert (none.exit_code, none.stdout, none.stderr) == (0, "", "no debates\n")
    assert ok(cli("debates", "--section", "4.4", "--json")) == "[]\n"
    unknown = cli("debates", "--section", "9.9")
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("Error: no section '9.9' — ")


def test_debates_show_up_in_findings_and_show(cli) -> None:
    line = next(
        line
        for line in ok(cli("findings", "--section", "4.1.1")).splitlines()
        if line.startswith("4.1-debate-1\t")
    )
    assert line.split("\t")[5] == "yao2025reasoning"  # the contradicts column
    assert line.endswith("debate: Do models with a complete SFT+RL pipeline hallucinate more?")
    rows = [line.split("\t") for line in ok(cli("show", "yao2025reasoning")).splitlines()]
    finding = next(v for f, v in rows if f == "finding" and v.startswith("4.1-debate-1 "))
    assert finding.startswith("4.1-debate-1 contradicts ")
    assert finding.endswith(
        "(p. 6; debate: Do models with a complete SFT+RL pipeline hallucinate more?)"
    )


def test_only_debates_have_contradicting_papers(db_file: Path) -> None:
    db = sqlite3.connect(db_file)
    assert (
        db.execute(
            """SELECT DISTINCT f.slug FROM finding f JOIN finding_paper fp ON fp.finding_id = f.id
           WHERE fp.stance = 'contradicts' AND f.debate IS NULL"""
        ).fetchall()
        == []
    )


def test_debates_piped_from_a_real_process_are_stable(db_file: Path) -> None:
    run = [sys.executable, "-m", "lrmkb", "--db", str(db_file), "debates"]
    env = {**os.environ, "LRMKB_DB": str(db_file)}
    first = subprocess.run(run, capture_output=True, text=True, env=env, check=True)
    second = subprocess.run(run, capture_output=True, text=True, env=env, check=True)
    assert first.stdout == second.stdout
    assert first.stderr == ""
    assert "\x1b[" not in first.stdout  # plain text on a pipe, no colour codes
    assert len(first.stdout.splitlines()) == 15


# --- provenance -------------------------------------------------------------------------


def test_each_paper_says_where_it_is_in_the_survey(cli) -> None:
    assert shown(cli, "chen2024think")["in_survey"] == "entry 12 of its references, p. 10"
    assert shown(cli, "zhu2025large")["in_survey"] == "entry 128 of its references, p. 15"
    survey = shown(cli, "hu2026mechanistic")
    assert survey["in_survey"] == "this is the survey lrmkb is built from"
    assert "section" not in survey  # not a paper cited in the introduction


def test_the_survey_itself_is_not_cited_in_the_introduction(cli) -> None:
    tree = {n["code"]: n for n in json.loads(ok(cli("tree", "--json")))}
    assert tree["1"]["papers"] == 10
    data = json.loads(ok(cli("show", "hu2026mechanistic", "--json")))
    assert (data["survey_role"], data["nodes"]) == ("survey", [])
    assert "hu2026mechanistic" not in cli("doctor").stdout  # not "a paper in no section"


def test_the_duplicate_deepseek_reference_is_an_alias(cli, db_file: Path) -> None:
    assert shown(cli, "deepseekai2025deepseekr1a")["key"] == "deepseekai2025deepseekr1"
    reason = (
        sqlite3.connect(db_file)
        .execute("SELECT reason FROM paper_alias WHERE alias = 'deepseekai2025deepseekr1a'")
        .fetchone()
    )
    assert reason == ("duplicate reference in the survey",)


def test_nodes_carry_the_surveys_headings_and_pages(cli) -> None:
    tree = {n["code"]: n for n in json.loads(ok(cli("tree", "--json")))}
    node = tree["2.1.3"]
    assert (
        node["title"] == "SFT memorizes, RL organizes: how can we make RL exhibit generalization?"
    )
    assert node["survey_heading"].startswith("SFT memories, RL organizes")  # as printed
    assert (node["figure_heading"], node["survey_page"]) == ("How can RL generalize?", 3)
    assert tree["3.1.1"]["survey_heading"] is None  # the text has no heading: Figure 1's
    assert tree["3.1.1"]["title"] == tree["3.1.1"]["figure_heading"]
    assert all(n["survey_page"] for n in tree.values())
    lines = ok(cli("tree")).splitlines()
    assert (
        "4.3.1\t4.3\tquestion\t2\t7\tThinking more does not necessarily lead to better reasoning"
        in lines
    )
    assert "4.4.1\t4.4\tquestion\t2\t4\tLRMs are not safer than base models" in lines
    assert (
        "2.2.3\t2.2\tquestion\t2\t3\tExploitation v.s. exploration: how to make RL stable and effective?"
        in lines
    )


def test_markdown_exports_open_with_the_survey(cli) -> None:
    for args in (["--section", "4.3"], ["--key", "chen2024think"], []):
        lines = ok(cli("export", *args, "--format", "md")).splitlines()
        first = lines[2] if not args else lines[0]  # the whole survey opens with its title
        assert first.startswith("*From the survey Towards a Mechanistic Understanding of Large")
        assert "[arXiv:2601.19928](https://arxiv.org/abs/2601.19928)" in first
    section = ok(cli("export", "--section", "4.3.1", "--format", "md"))
    assert "\n\n*Survey §4.3.1, p. 7.*\n\n" in section


# --- against the survey's own text (maintainer checks) -----------------------------------

needs_survey = pytest.mark.skipif(not (SURVEY_DIR / "survey.md").exists(), reason=NO_SURVEY)


def _reference_entries() -> list[str]:
    """The survey's reference list, one string per entry (page breaks joined)."""
    text = (SURVEY_DIR / "survey.md").read_text(encoding="utf-8")
    refs = text.split("## References")[1].split("## A Taxonomy")[0]
    entries: list[str] = []
    for line in refs.splitlines():
        continued = line[2:].startswith(("Bhatia,", "Jungtaek Kim"))  # split by a page break
        if line.startswith("- ") and not continued:
            entries.append(line[2:])
        elif entries and line.strip():
            entries[-1] += " " + line.removeprefix("- ").strip()
    return entries


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@needs_survey
def test_every_reference_is_the_surveys_entry_with_its_rendering(db_file: Path) -> None:
    entries = _reference_entries()
    assert len(entries) == 128
    db = sqlite3.connect(db_file)
    rows = db.execute(
        "SELECT key, survey_ref, survey_title FROM paper WHERE survey_role = 'reference'"
    ).fetchall()
    assert len(rows) == 127  # 128 entries, one of them DeepSeek-R1 a second time
    for key, ref, survey_title in rows:
        assert " ".join(_words(survey_title)) in " ".join(_words(entries[ref - 1])), key
    assert _words(entries[22])[:4] == _words(entries[21])[:4] == ["deepseek", "ai", "daya", "guo"]


@needs_survey
def test_question_headings_are_printed_in_the_survey() -> None:
    import tomllib

    text = " ".join((SURVEY_DIR / "survey.md").read_text(encoding="utf-8").split())
    layout = " ".join((SURVEY_DIR / "survey-pdf-layout.txt").read_text(encoding="utf-8").split())
    for path in sorted((Path(__file__).parents[1] / "seeds" / "nodes").glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        for node in [doc["node"], *doc.get("question", [])]:
            if node.get("heading"):
                assert node["heading"] in text, (path.name, node["heading"])
            if node.get("figure"):
                assert " ".join(node["figure"].split()[:3]) in layout, (path.name, node["figure"])


@needs_survey
def test_seeds_pass_the_awesome_list_title_check(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from conftest import BUNDLED_DB, SEEDS
    from lrmkb.cli import app

    awesome = SURVEY_DIR / "awesome-list-README.md"
    result = CliRunner().invoke(
        app,
        ["--db", str(BUNDLED_DB), "dev", "check", "--seeds", str(SEEDS), "--awesome", str(awesome)],
    )
    assert result.exit_code == 0, result.stdout


# --- the terminal view ------------------------------------------------------------------


def test_terminal_views_mark_debates_and_paper_sourced_findings(
    monkeypatch: pytest.MonkeyPatch, db_file: Path
) -> None:
    from io import StringIO

    from rich.console import Console

    from lrmkb import queries
    from lrmkb.cli import debates, output, render
    from lrmkb.store import Database

    console = Console(file=StringIO(), force_terminal=True, width=100, color_system=None)
    monkeypatch.setattr(render, "stdout", console)
    monkeypatch.setattr(output, "stdout", console)
    db = Database.open(db_file)
    debates.render_debates(queries.debates(db, ["3.2.2"]))
    text = console.file.getvalue()
    assert text.startswith("\n⚖ Does self-reflection improve an LRM's outcomes?\n")
    assert "     yes  Yang et al., 2025a\n" in text and "bridging  Kang et al., 2025\n" in text
    console.file.truncate(0)
    console.file.seek(0)
    render.render_findings(queries.findings(db, ["3.3.3"]))
    text = " ".join(console.file.getvalue().split())
    assert (
        "supports: Sinii et al., 2025b [sinii2025steering] | p. 5 | from the paper, not the survey"
        in text
    )
    console.file.truncate(0)
    console.file.seek(0)
    render.render_paper(queries.paper_record(db, queries.find_paper(db, "yao2025reasoning")))
    text = " ".join(console.file.getvalue().split())
    assert "(p. 6 · debate: Do models with a complete SFT+RL pipeline hallucinate more?)" in text
