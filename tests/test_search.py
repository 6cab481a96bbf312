"""`lrmkb search`: what a reader of the survey expects to find, the query language, typo
correction, inputs that must never break it, the light entry point, and the index kept
in step with every write."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import shutil
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from lrmkb.cli import fast as search_cli
from lrmkb.cli import output, render
from lrmkb.errors import LrmkbError
from lrmkb.query import STOP_WORDS, parse
from lrmkb.search import refresh_index, search
from lrmkb.store import Database
from reliability_fixtures import lrmkb_process

ROOT = Path(__file__).resolve().parents[1]


def found(cli, *args: str) -> dict:
    result = cli("search", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def keys(data: dict, kind: str = "paper") -> list[str]:
    field = {"paper": "key", "finding": "id", "node": "code"}[kind]
    return [item[field] for item in data["results"][kind]]


def subtree_papers(db: Path, code: str) -> set[str]:
    """The papers the survey cites under a node or any of its questions."""
    with sqlite3.connect(db) as conn:
        return {
            r[0]
            for r in conn.execute(
                """SELECT DISTINCT p.key FROM paper p JOIN paper_node pn ON pn.paper_id = p.id
                   JOIN taxonomy_node n ON n.id = pn.node_id
                   WHERE n.code = ? OR n.code LIKE ? || '.%'""",
                (code, code),
            )
        }


# --- a researcher's question is answered by the survey's topic ---------------------------

QUESTIONS = [  # issue 13's examples, the topic that must lead, where its papers are cited
    ("why do reasoning models overthink", "4.3", ["4.3", "1"]),
    ("does RL expand reasoning ability beyond the base model?", "2.1.1", ["2.1"]),
    ("what causes entropy collapse and how is it fixed?", "2.2.3", ["2.2", "C.2"]),
    ("can we steer reasoning with vectors?", "3.3.1", ["3.3"]),
    ("what is known about overthinking", "4.3", ["4.3", "1"]),
]


@pytest.mark.parametrize(("question", "topic", "cited"), QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_a_question_leads_with_its_topic_and_the_papers_cited_there(
    cli, db_file: Path, question: str, topic: str, cited: list[str]
) -> None:
    result = cli("search", *question.split())
    assert result.exit_code == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows[0][:2] == ["topic", topic]
    papers = [r[1] for r in rows if r[0] == "paper"]
    assert len(papers) == 10
    assert set(papers) <= set().union(*(subtree_papers(db_file, code) for code in cited))


def test_entropy_collapse_also_brings_the_appendix_on_fixes(cli) -> None:
    data = found(cli, "what causes entropy collapse and how is it fixed?", "--limit", "0")
    assert {"2.2.3", "C.2"} <= set(data["topics"])
    assert {"cui2025entropy", "yu2025dapo", "li2025cure"} <= set(keys(data)[:12])


def contradicted_under(db: Path, code: str) -> set[str]:
    """The findings under a node that some paper contradicts."""
    with sqlite3.connect(db) as conn:
        return {
            r[0]
            for r in conn.execute(
                """SELECT f.slug FROM finding f JOIN taxonomy_node n ON n.id = f.node_id
                   JOIN finding_paper fp ON fp.finding_id = f.id
                   WHERE fp.stance = 'contradicts' AND (n.code = ? OR n.code LIKE ? || '.%')""",
                (code, code),
            )
        }


def test_the_answer_carries_takeaway_claims_and_contrary_evidence(cli, db_file: Path) -> None:
    answer = found(cli, "do reasoning models hallucinate more than ordinary LLMs?")["answer"]
    assert [p["code"] for p in answer["path"]] == ["4", "4.1", "4.1.1"]
    assert answer["code"] == "4.1.1" and answer["summary"]
    assert [t["kind"] for t in answer["takeaways"]] == ["takeaway"]
    assert len(answer["claims"]) == 3
    assert all(c["supports"] or c["contradicts"] or c["mentions"] for c in answer["claims"])
    contrary = {c["id"] for c in answer["contrary"]}
    assert contrary == contradicted_under(db_file, "4.1.1") and contrary
    assert all(c["contradicts"] for c in answer["contrary"])
    assert not contrary & {c["id"] for c in answer["claims"]}  # each shown once


def test_a_section_answer_shows_its_takeaway(cli) -> None:
    answer = found(cli, "overthinking")["answer"]
    assert answer["code"] == "4.3"
    assert [t["id"] for t in answer["takeaways"]] == ["4.3-takeaway-1"]
    assert "chen2024think" in answer["takeaways"][0]["supports"]


def test_the_answer_card_on_a_terminal(monkeypatch: pytest.MonkeyPatch, db_file: Path) -> None:
    console = Console(file=StringIO(), force_terminal=True, width=100, color_system=None)
    monkeypatch.setattr(render, "stdout", console)
    monkeypatch.setattr(output, "stdout", console)
    with Database.open(db_file) as db:
        result = search(db, "do reasoning models hallucinate more than ordinary LLMs?", limit=3)
        render.render_search(result)
    text = console.file.getvalue()
    lines = [line.rstrip() for line in text.splitlines()]
    assert (
        lines[0]
        == "4 Understanding LRM Failures › 4.1 Hallucination › 4.1.1 Do reasoning models hallucinate more?"
    )
    assert lines[1].startswith(result["answer"]["summary"][:60])
    assert any(line.startswith("💡 4.1.1 ") for line in lines)
    assert "Key claims" in lines and "Contrary evidence" in lines
    contrary = result["answer"]["contrary"][0]
    assert f"contradicts: {', '.join(contrary['contradicts'])}" in text
    assert any(line.startswith("Papers (3 of ") and "--limit 0 for all" in line for line in lines)
    assert f"│ {result['results']['paper'][0]['key']}" in text


# --- ranked, not every word required ----------------------------------------------------


def test_stop_words_are_ignored_and_said_so(cli) -> None:
    plain = found(cli, "overthinking")
    asked = found(cli, "what", "is", "known", "about", "overthinking")
    assert asked["ignored"] == ["what", "is", "known", "about"]
    assert asked["results"] == plain["results"]


def test_a_word_that_matches_nothing_does_not_empty_the_results(cli) -> None:
    data = found(cli, "overthinking", "zqxjvbnm")
    assert data["corrected"] is None
    assert data["answer"]["code"] == "4.3"


@pytest.mark.parametrize("query", ["does RL make models dumber", "RL dumber"])
def test_a_common_word_ranks_when_the_others_match_nothing(cli, query: str) -> None:
    """`RL` is in most of the index, so it was left out as too common to rank — and with
    "dumber" found nowhere, the search answered "no results"."""
    result = cli("search", *query.split())
    assert result.exit_code == 0
    assert "no results" not in result.stderr and result.stdout
    data = found(cli, *query.split())
    assert "rl" not in data["ignored"] and data["totals"]["paper"] > 0


def test_stems_match(cli) -> None:
    assert found(cli, "overthinks")["answer"]["code"] == "4.3"
    assert found(cli, "hallucinate")["topics"][0].startswith("4.1")


def test_an_abbreviation_matches_what_it_stands_for(cli) -> None:
    spelled = found(cli, "supervised", "fine-tuning", "cold-start", "--type", "node")
    short = found(cli, "SFT", "cold-start", "--type", "node")
    assert keys(spelled, "node")[0] == keys(short, "node")[0] == "2.1.2"


def _wombats(cli, tmp_path: Path, titles: list[str]) -> None:
    """Papers only these tests know (authors differ, or the import would take two of them
    for one paper)."""
    bib = "".join(
        f"@article{{w{i},\n  author = {{Ngozi Okafor{'x' * i}}},\n  title = {{{title}}},\n"
        "  year = {2025},\n}\n"
        for i, title in enumerate(titles)
    )
    (tmp_path / "wombats.bib").write_text(bib)
    assert cli("import", str(tmp_path / "wombats.bib")).exit_code == 0


def test_more_of_the_query_ranks_higher_then_closer_together(cli, tmp_path: Path) -> None:
    _wombats(
        cli,
        tmp_path,
        [  # 12 words each: bm25 weighs equal lengths alike
            "Wombat platypus quoll burrows under the dry and dusty red eucalyptus forests",
            "Wombat burrows under the dry and dusty red eucalyptus forests near platypus",
            "Wombat platypus burrows under the dry and dusty red eucalyptus forests nearby",
        ],
    )
    papers = found(cli, "wombat", "platypus", "quoll", "--type", "paper")["results"]["paper"]
    assert [p["title"].split()[-1] for p in papers] == ["forests", "nearby", "platypus"]


# --- explicit syntax keeps its strict meaning -------------------------------------------


def test_a_phrase_is_required(cli, db_file: Path) -> None:
    data = found(cli, '"reward hacking"', "--type", "paper", "--limit", "0")
    with sqlite3.connect(db_file) as db:
        having = {
            r[0]
            for r in db.execute(
                "SELECT ref FROM search_index WHERE search_index MATCH '\"reward hacking\"'"
                " AND kind = 'paper'"
            )
        }
    assert keys(data) and set(keys(data)) == having


def test_prefix(cli) -> None:
    assert "venhoff2025understanding" in keys(found(cli, "steer*"))
    assert found(cli, "steer")["corrected"] is None


def test_author_filter(cli) -> None:
    data = found(cli, "author:venhoff", "--limit", "50")
    # Venhoff is also the third author of Ward et al. (2025a): the survey misspells him there
    assert set(keys(data)) == {
        "venhoff2025understanding",
        "venhoff2025base",
        "ward2025reasoningfinetuning",
    }
    assert data["results"]["finding"] == data["results"]["node"] == []


def test_title_filter_looks_at_titles_and_short_names(cli) -> None:
    titled = keys(found(cli, "title:steering", "--limit", "50"))
    assert "venhoff2025understanding" in titled  # short name "Steering Vectors"
    assert "baek2025understanding" not in titled  # steering only in its claims


@pytest.mark.parametrize(
    ("years", "low", "high"),
    [("year:2024", 2024, 2024), ("year:2023..2024", 2023, 2024), ("year:..2023", 0, 2023)],
)
def test_year_filter(cli, years: str, low: int, high: int) -> None:
    data = found(cli, "reasoning", years, "--limit", "0")
    assert data["results"]["paper"]
    assert all(low <= p["year"] <= high for p in data["results"]["paper"])
    assert data["results"]["finding"] == []


def test_year_filter_alone_lists_papers(cli) -> None:
    papers = found(cli, "year:2020", "--limit", "0")["results"]["paper"]
    assert [p["key"] for p in papers] == ["kaplan2020scaling"]


def test_section_filter_keeps_the_section_and_its_questions(cli, db_file: Path) -> None:
    data = found(cli, "reasoning", "section:4.3", "--limit", "0")
    assert set(keys(data)) <= subtree_papers(db_file, "4.3")
    assert all(f["node"].startswith("4.3") for f in data["results"]["finding"])
    assert set(keys(data, "node")) <= {"4.3", "4.3.1", "4.3.2", "4.3.3"}
    assert data["results"] == found(cli, "reasoning", "--section", "4.3", "--limit", "0")["results"]


def test_unknown_section_suggests_codes(cli) -> None:
    result = cli("search", "reasoning", "section:4.9")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no section '4.9' — did you mean")


def test_exclusion_in_the_query_and_on_the_command_line(cli) -> None:
    assert "venhoff2025understanding" in keys(found(cli, "steering vectors"))
    for args in (["steering vectors -venhoff"], ["steering", "vectors", "-venhoff"]):
        data = found(cli, *args)
        assert "venhoff2025understanding" not in keys(data)
        assert "sinii2025small" in keys(data)
    assert keys(found(cli, "steering", "NOT", "venhoff")) == keys(found(cli, "steering -venhoff"))


def test_exclusion_of_a_word_with_the_letter_h_is_not_help(cli) -> None:
    data = found(cli, "overthinking", "-chen", "--limit", "0")
    assert "chen2024think" not in keys(data)


def test_or(cli) -> None:
    data = found(cli, "overthinking", "OR", "hallucination", "--type", "node", "--limit", "0")
    assert {"4.1", "4.3"} <= set(keys(data, "node"))


def test_tag_filter_and_negated_tag(cli) -> None:
    assert cli("tag", "chen2024think", "efficiency").exit_code == 0
    data = found(cli, "tag:efficiency")
    assert keys(data) == ["chen2024think"]
    assert data["results"]["finding"] == []
    assert keys(found(cli, "overthinking", "tag:efficiency")) == ["chen2024think"]
    assert keys(found(cli, "efficiency", "--tag", "efficiency")) == ["chen2024think"]
    assert "chen2024think" not in keys(found(cli, "overthinking", "-tag:efficiency"))


# --- typo correction -----------------------------------------------------------------------


def test_a_misspelt_word_is_corrected_and_stderr_says_so(cli, db_file: Path) -> None:
    result = cli("search", "hallucinaton")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == 'showing results for "hallucination"'
    assert result.stdout.splitlines()[0].startswith("topic\t4.1\t")
    data = found(cli, "hallucinaton", "--type", "paper", "--limit", "20")
    assert data["corrected"] == "hallucination"
    assert data["corrections"] == [{"from": "hallucinaton", "to": "hallucination"}]
    assert set(keys(data)[:6]) <= subtree_papers(db_file, "4.1")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("overthinkng", "overthinking"),
        ("steering vectorz", "steering vectors"),
        ('"entropy colapse"', '"entropy collapse"'),
        ("author:venhof", "author:venhoff"),
        ("title:overthnking", "title:overthinking"),
        ('"aha momnet" title:overthnking', '"aha moment" title:overthinking'),
    ],
)
def test_typos_anywhere_in_a_query(cli, typed: str, meant: str) -> None:
    data = found(cli, typed)
    assert data["corrected"] == meant
    assert data["results"] == found(cli, meant)["results"]


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ('"aha momnet"', '"aha moment"'),
        ('"aha momnet" NOT momnet', '"aha moment" NOT momnet'),
        ('-momnet "aha momnet"', '-momnet "aha moment"'),
        ('momnet* "aha momnet"', 'momnet* "aha moment"'),
    ],
)
def test_the_correction_shows_the_query_as_it_ran(cli, typed: str, shown: str) -> None:
    """Only the words that were corrected change, quotes intact: an excluded word, a
    prefix is searched as typed, so it is shown as typed (they were all
    rewritten, and a quoted query was shown in doubled quotes: `""aha moment""`)."""
    result = cli("search", typed)
    assert result.exit_code == 0, result.stderr
    quote = "'" if '"' in shown else '"'
    assert result.stderr.splitlines()[0] == f"showing results for {quote}{shown}{quote}"
    assert found(cli, typed)["corrected"] == shown


@pytest.mark.parametrize("typed", ["author:overthnking", "title:chne"])
def test_a_field_value_is_corrected_only_to_a_word_of_that_field(cli, typed: str) -> None:
    """`author:overthnking` was read as author:overthinking, a title's word no author
    has: it matched nothing either way, and the correction misled."""
    result = cli("search", typed)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"no results for {typed!r}\n"


def test_nothing_close_enough_means_no_results_said_on_stderr(cli) -> None:
    result = cli("search", "qwxzvbnm")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "no results for 'qwxzvbnm'\n"


# --- exact look-ups come first -------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "how"),
    [
        ("2504.07128", "arxiv"),
        ("arXiv:2504.07128v2", "arxiv"),
        ("https://arxiv.org/abs/2504.07128", "arxiv"),
        ("marjanovic2025deepseekr1", "key"),
        ("Marjanovic2025DeepSeekR1", "key"),
        ("Deepseek-r1 thoughtology: Let’s think about llm reasoning", "title"),
        ("2504.07128.", "arxiv"),  # pasted from a sentence, brackets or quotes around it
        ("(arXiv:2504.07128),", "arxiv"),
        ("“2504.07128”", "arxiv"),
        ("[marjanovic2025deepseekr1]", "key"),
    ],
)
def test_a_paper_named_by_id_key_or_title_is_the_answer(cli, query: str, how: str) -> None:
    result = cli("search", query)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("paper\tmarjanovic2025deepseekr1\t")
    data = found(cli, query)
    assert data["lookup"] is True
    assert data["results"]["paper"][0]["match"] == how
    assert keys(data, "node") == ["3.1.1", "4.3.1"]  # where the survey cites it
    assert "4.3.1-claim-1" in keys(data, "finding")


@pytest.mark.parametrize("narrowing", ["-marjanovic", "year:2020", "-section:3"])
def test_filters_and_exclusions_narrow_a_look_up(cli, narrowing: str) -> None:
    result = cli("search", "2504.07128", narrowing)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"no results for '2504.07128 {narrowing}'\n"
    kept = found(cli, "2504.07128", "year:2025")
    assert keys(kept) == ["marjanovic2025deepseekr1"] and kept["lookup"] is True


def test_a_surname_and_year_name_the_papers_whose_keys_begin_so(cli, db_file: Path) -> None:
    """`marjanovic2025` (what `show marjanovic2025` suggests completing) found nothing."""
    result = cli("search", "Marjanović2025")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("paper\tmarjanovic2025deepseekr1\t")
    with sqlite3.connect(db_file) as db:
        chen = [r[0] for r in db.execute("SELECT key FROM paper WHERE key LIKE 'chen2025%'")]
    data = found(cli, "chen2025")
    assert data["lookup"] is True and len(chen) > 1
    assert [(p["key"], p["match"]) for p in data["results"]["paper"]] == [
        (key, "key prefix") for key in sorted(chen)
    ]
    ranked = found(cli, "chen2025", "overthinking")
    assert keys(ranked)[: len(chen)] == sorted(chen) and ranked["answer"]["code"] == "4.3"


def test_a_doi_finds_its_paper(cli, tmp_path: Path) -> None:
    (tmp_path / "doi.bib").write_text(
        "@article{okafor2025quolls,\n  author = {Ngozi Okafor},\n  title = {Quoll reasoning},\n"
        "  year = {2025},\n  doi = {10.5555/Quoll.2025},\n}\n"
    )
    assert cli("import", str(tmp_path / "doi.bib")).exit_code == 0
    for spelling in ("10.5555/quoll.2025", "https://doi.org/10.5555/Quoll.2025"):
        data = found(cli, spelling)
        assert [(p["title"], p["match"]) for p in data["results"]["paper"]] == [
            ("Quoll reasoning", "doi")
        ]


def test_ids_among_words_lead_the_papers(cli) -> None:
    data = found(cli, "2504.07128", "overthinking")
    assert keys(data)[0] == "marjanovic2025deepseekr1"
    assert data["answer"]["code"] == "4.3"


def test_a_short_name_leads(cli) -> None:
    data = found(cli, "Thought", "Anchors")
    assert data["results"]["paper"][0] | {} == data["results"]["paper"][0]
    assert (keys(data)[0], data["results"]["paper"][0]["match"]) == (
        "bogdan2025thought",
        "short name",
    )
    part = found(cli, "entropy", "mechanism")  # 2 of the 4 words of "Entropy Mechanism of RL"
    assert keys(part)[0] == "cui2025entropy"


@pytest.mark.parametrize(
    ("name", "key", "topics"),
    [
        ("Thought Anchors", "bogdan2025thought", ["3.1.1", "3.2.1", "3.3.1"]),
        ("r1 thoughtology", "marjanovic2025deepseekr1", ["3.1.1", "4.3.1"]),
        ("Rank-1 LoRAs", "ward2025rank1", ["3.3.3"]),
    ],
)
def test_a_short_name_only_one_paper_goes_by_is_a_look_up(
    cli, name: str, key: str, topics: list[str]
) -> None:
    """Issue 13's "Thought Anchors" once answered with 4.4.1 (Unsafety: "thought" is in
    every chain of thought) above the paper; a name nothing else uses is a look-up."""
    result = cli("search", *name.split())
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith(f"paper\t{key}\t")
    data = found(cli, *name.split())
    assert (data["lookup"], data["answer"], keys(data)) == (True, None, [key])
    assert keys(data, "node") == topics


@pytest.mark.parametrize("name", ["Steering Vectors", "Sparse Autoencoders", "DAPO"])
def test_a_short_name_that_is_also_a_topic_is_ranked(cli, name: str) -> None:
    """A short name others use too (in titles, or the survey's topics) leads the papers,
    but the topic still answers and the other papers follow."""
    data = found(cli, *name.split())
    assert data["lookup"] is False and data["answer"] is not None
    assert data["results"]["paper"][0]["match"] == "short name"
    assert len(keys(data)) > 1


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Harmful Prompts Decomposition", "yao2025mousetrap"),  # 3 of 4 words of its name
        ("Mousetrap", "yao2025mousetrap"),  # the name the companion list uses
        ("DeepSeek-R1 Thoughtology", "marjanovic2025deepseekr1"),
        ("Marjanović", "marjanovic2025deepseekr1"),  # an author, accents and all
        ("marjanovic", "marjanovic2025deepseekr1"),
    ],
)
def test_every_name_a_paper_goes_by_finds_it(cli, db_file: Path, name: str, key: str) -> None:
    with sqlite3.connect(db_file) as db:
        names = db.execute(
            "SELECT short_name, other_short_names FROM paper WHERE key = ?", (key,)
        ).fetchone()
    assert name in " ".join(filter(None, names)) or name.lower().startswith("marjanovi")
    assert keys(found(cli, name, "--type", "paper"))[0] == key


def test_an_authors_own_papers_come_before_those_that_cite_them(cli, db_file: Path) -> None:
    data = found(cli, "tegmark", "--limit", "0")
    ranked = keys(data)
    assert ranked[0] == "baek2025understanding"
    assert data["results"]["paper"][0]["match"] == "author"
    with sqlite3.connect(db_file) as db:  # papers only cited next to Tegmark in a claim
        citing = {
            r[0]
            for r in db.execute(
                """SELECT p.key FROM finding f JOIN finding_paper fp ON fp.finding_id = f.id
                   JOIN paper p ON p.id = fp.paper_id WHERE f.text LIKE '%Tegmark%'"""
            )
        }
    assert citing - {"baek2025understanding"}
    assert citing - {"baek2025understanding"} <= set(ranked[1:])
    assert all(p["match"] is None for p in data["results"]["paper"][1:])


# --- totals, paging and where notices go -------------------------------------------------


def test_every_group_says_how_many_there_are(cli, db_file: Path) -> None:
    result = cli("search", "section:4.3", "--type", "paper")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 10
    assert result.stderr == "showing 10 of 22 papers — `--limit 0` for all\n"
    assert found(cli, "section:4.3", "--type", "paper")["totals"] == {"paper": 22}
    every = cli("search", "section:4.3", "--type", "paper", "--limit", "0")
    assert len(every.stdout.splitlines()) == 22 and every.stderr == ""
    assert {r.split("\t")[1] for r in every.stdout.splitlines()} == subtree_papers(db_file, "4.3")


def test_limit_0_shows_every_result_the_totals_count(cli) -> None:
    data = found(cli, "entropy", "collapse", "--limit", "0")
    assert {kind: len(items) for kind, items in data["results"].items()} == data["totals"]
    some = found(cli, "entropy", "collapse", "--limit", "2")
    assert some["totals"] == data["totals"]
    assert all(len(items) == 2 for items in some["results"].values())


@pytest.mark.parametrize(
    ("option", "filter_"),
    [(["--tag", "to-read"], "tag:to-read"), (["--section", "4.3"], "section:4.3")],
)
def test_section_or_tag_options_alone_list_what_they_select(
    cli, db_file: Path, option: list[str], filter_: str
) -> None:
    """`--tag` does what `tag:` does, alone too (it was "Missing argument 'QUERY'")."""
    assert cli("tag", "chen2024think", "to-read").exit_code == 0
    by_option = _lrmkb("--db", str(db_file), "search", *option)
    by_filter = _lrmkb("--db", str(db_file), "search", filter_)
    assert by_option.returncode == 0, by_option.stderr
    assert by_option.stdout and (by_option.stdout, by_option.stderr) == (
        by_filter.stdout,
        by_filter.stderr,
    )


def test_a_search_for_nothing_is_a_usage_error(db_file: Path) -> None:
    nothing = _lrmkb("--db", str(db_file), "search")
    assert nothing.returncode == 2 and nothing.stdout == ""
    assert nothing.stderr.endswith(
        "Error: Invalid value for QUERY: give words to search for, or --section or --tag\n"
    )


def test_a_limit_below_zero_is_a_usage_error(cli) -> None:
    result = cli("search", "x", "--limit", "-1")
    assert result.exit_code == 2


# --- the piped table, NDJSON and JSON ------------------------------------------------------


def test_piped_rows_have_the_documented_columns(cli, db_file: Path) -> None:
    result = cli("search", "overthinking")
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert all(len(row) == len(search_cli.COLUMNS) for row in rows)
    kinds = [row[0] for row in rows]
    assert kinds == sorted(kinds, key=["topic", "finding", "paper"].index)  # topic first
    topic = rows[0]
    assert topic == ["topic", "4.3", "4.3", "", "", "Overthinking"]
    paper = next(row for row in rows if row[1] == "huang2025mitigating")
    assert paper == [
        "paper",
        "huang2025mitigating",
        "4.3.3",
        "2025",
        "Manifold Steering",
        "Mitigating Overthinking in Large Reasoning Models via Manifold Steering",
    ]
    finding = next(row for row in rows if row[0] == "finding")
    with sqlite3.connect(db_file) as db:
        node, text = db.execute(
            "SELECT n.code, f.text FROM finding f JOIN taxonomy_node n ON n.id = f.node_id"
            " WHERE f.slug = ?",
            (finding[1],),
        ).fetchone()
    assert finding == ["finding", "4.3-takeaway-1", node, "", "", text]  # the answer's takeaway


def test_json_lines_are_the_rows_as_objects(cli) -> None:
    piped = cli("search", "overthinking", "--limit", "3").stdout.splitlines()
    lines = cli("search", "overthinking", "--limit", "3", "--json-lines").stdout.splitlines()
    assert len(lines) == len(piped) == 9
    objects = [json.loads(line) for line in lines]
    assert all(list(o) == list(search_cli.COLUMNS) for o in objects)
    assert objects[-1]["kind"] == "paper" and isinstance(objects[-1]["year"], int)
    assert isinstance(objects[-1]["sections"], list)
    assert [o["id"] for o in objects] == [line.split("\t")[1] for line in piped]


def test_json_and_json_lines_together_are_a_usage_error(cli, db_file: Path) -> None:
    """The one line every command says (docs/output.md), from the Typer command and from a
    real process, whose plain `search` takes the fast path first (Click's generic
    "Invalid value for --json-lines" and its usage block were printed instead)."""
    line = "Error: --json and --json-lines together — use one of them\n"
    result = cli("search", "overthinking", "--json", "--json-lines")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", line)
    for args in (["overthinking", "--json", "--json-lines"], ["x", "--json-lines", "--json"]):
        done = lrmkb_process("--db", str(db_file), "search", *args)
        assert (done.returncode, done.stdout, done.stderr) == (2, "", line)


def test_json_carries_totals_scores_and_how_a_paper_matched(cli) -> None:
    data = found(cli, "overthinking", "--limit", "3")
    assert data["query"] == "overthinking"
    assert data["fts"] == '"overthinking"'
    assert data["totals"]["paper"] > 3
    paper = data["results"]["paper"][0]
    assert set(paper) == {
        "key",
        "year",
        "title",
        "short_name",
        "sections",
        "score",
        "in_topic",
        "match",
    }
    assert paper["in_topic"] is True
    scores = [p["score"] for p in data["results"]["paper"]]
    assert scores == sorted(scores, reverse=True)
    finding = data["results"]["finding"][0]
    assert {"supports", "contradicts", "mentions"} <= set(finding)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "nothing to search for"),
        ("* ^ :", "nothing to search for"),
        ("-chen", "'-chen' only excludes words — add a word or a filter"),
        ("author:", "author: needs a value — for example author:chen"),
        ("year:soon", "year:soon is not a year or a range of years"),
        ("year:2025..2023", "year:2025..2023 runs backwards — write year:2023..2025"),
        (" ".join(f"w{i}" for i in range(40)), "the query has 40 terms — use at most 32"),
        (
            "foo:bar",
            "no field 'foo:' — use author:, title:, year:, tag: or section:, or put "
            '"foo:bar" in quotes to search for the text',
        ),
        ("overthinking -Auther:chen", "no field 'Auther:' — use author:, title:"),
    ],
)
def test_queries_that_cannot_run_get_one_clear_line(cli, query: str, message: str) -> None:
    result = cli("search", query)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {message}")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "query", ['"foo:bar"', "https://example.org/x", "arXiv:2599.00001", "doi:10.5555/none"]
)
def test_text_with_a_colon_that_names_no_field_is_searched_as_text(cli, query: str) -> None:
    """Quoted, a web address or an identifier (which names a paper when it is one)."""
    result = cli("search", query)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"no results for {query!r}\n"


QUERY_PIECES = st.one_of(
    st.text(max_size=6),
    st.sampled_from(['"', "*", "-", ":", "(", ")", "^", " AND ", " OR ", " NOT ", " NEAR ", " "]),
    st.sampled_from(["author:", "title:", "year:", "tag:", "section:", "..", "4.3", "2025"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(QUERY_PIECES, max_size=8).map("".join))
def test_no_text_breaks_the_search(tmp_path_factory, text: str) -> None:
    """Any text gives results or an LrmkbError (a clear message), never an SQL error."""
    db = Database.open(_bundled_copy(tmp_path_factory))
    try:
        result = search(db, text, limit=3)
    except LrmkbError as exc:
        assert str(exc)
    else:
        assert set(result["results"]) == {"finding", "node", "paper"}
        json.dumps(result)
    finally:
        db.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(QUERY_PIECES.filter(bool), min_size=1, max_size=4))
def test_no_arguments_break_the_command(cli, words: list[str]) -> None:
    """Arbitrary argument lists: exit 0, or a clear message and a documented exit code."""
    result = cli("search", *words)
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code != 0:
        assert result.exit_code in (1, 2)
        assert "Error" in result.stderr


WORDS = st.lists(
    st.sampled_from(["why", "do", "the", "of", "models", "overthink", "RL", "fine-tuning", "é"]),
    min_size=1,
    max_size=6,
)


@given(WORDS)
def test_plain_words_are_ranked_without_their_stop_words(words: list[str]) -> None:
    """Every plain word is either ranked or listed as ignored; a stop word is ranked only
    when the query has nothing else; nothing is required."""
    query = parse(" ".join(words))
    assert query.required == [] and query.exclude == []
    ranked = {t.text for group in query.soft for t in group}
    content = [w for w in query.words if w not in STOP_WORDS]
    assert set(query.ignored) <= STOP_WORDS
    if content:
        assert not ranked & STOP_WORDS
        assert {w.lower() for w in query.words} <= ranked | set(query.ignored) | {
            part for text in ranked for part in text.split()
        }
    else:
        assert ranked == set(query.words) and query.ignored == []


_COPY: dict[str, Path] = {}


def _bundled_copy(factory: pytest.TempPathFactory) -> Path:
    """One read-only copy of the bundled database for many hypothesis examples."""
    if "db" not in _COPY:
        _COPY["db"] = factory.mktemp("search") / "kb.db"
        shutil.copyfile(ROOT / "data" / "survey.db", _COPY["db"])
        Database.open(_COPY["db"]).close()  # migrate once
    return _COPY["db"]


# --- the light entry point -----------------------------------------------------------------

SAME_AS_TYPER = [
    ["overthinking"],
    ["hallucinaton", "--json"],
    ["steering", "vectors", "-venhoff", "--limit", "3"],
    ["--type", "paper", "entropy", "collapse"],
    ["reasoning", "--section", "4.3", "--section=2.1", "--tag", "x", "--limit=2"],
    ["overthinking", "--", "-chen"],
    ["author:venhoff", "--type=paper", "--json"],
    ["why", "do", "reasoning", "models", "overthink", "--limit", "0"],
    ["2504.07128", "--json-lines"],
    ["qwxzvbnm"],
    ["--section", "4.3", "--type", "paper"],  # options alone list what they select
]


@pytest.mark.parametrize("args", SAME_AS_TYPER, ids=lambda a: " ".join(a))
def test_fast_path_prints_what_the_typer_command_prints(
    cli, db_file: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("tag", "chen2024think", "x").exit_code == 0  # `--tag x` names a real tag
    capsys.readouterr()
    assert search_cli.run_fast(["--db", str(db_file), "search", *args]) == 0
    fast = capsys.readouterr()
    typer = cli("search", *args)
    assert typer.exit_code == 0
    assert fast.out == typer.stdout
    assert fast.err == typer.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["search"],
        ["search", "-h"],
        ["search", "x", "--help"],
        ["search", "x", "--limt", "3"],
        ["search", "x", "--limit", "-1"],
        ["search", "x", "--json", "--json-lines"],
        ["search", "x", "--limit", "many"],
        ["search", "x", "--type", "book"],
        ["search", "x", "--section"],
        ["--debug", "search", "x"],
        ["show", "x"],
        [],
    ],
    ids=lambda a: " ".join(a) or "nothing",
)
def test_anything_unusual_goes_to_typer(args: list[str]) -> None:
    assert search_cli.parse_argv(args) is None


def test_errors_are_reported_by_typer_with_its_exit_codes(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    assert search_cli.run_fast(["--db", str(missing), "search", "x"]) is None
    done = _lrmkb("--db", str(missing), "search", "x")
    assert done.returncode == 4
    assert done.stderr.startswith(f"Error: no database at {missing}")


def test_exclusions_are_moved_behind_a_double_dash() -> None:
    assert search_cli.protect_exclusions(["a", "-b", "--limit", "-3", "-h"]) == [
        "a",
        "--limit",
        "-3",
        "-h",
        "--",
        "-b",
    ]
    assert search_cli.protect_exclusions(["a", "--", "--json"]) == ["a", "--", "--json"]
    assert search_cli.protect_exclusions(["a", "--json"]) == ["a", "--json"]


def test_search_process_never_imports_typer_rich_or_sqlmodel(db_file: Path) -> None:
    done = _lrmkb("--db", str(db_file), "search", "hallucinaton", importtime=True)
    assert done.returncode == 0
    assert done.stdout.startswith("topic\t4.1\t")
    assert 'showing results for "hallucination"\n' in done.stderr
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert "lrmkb.search" in imported
    heavy = {
        m
        for m in imported
        if m.split(".")[0] in {"typer", "click", "rich", "sqlmodel", "sqlalchemy"}
    }
    assert heavy == set()


def test_piped_output_of_the_real_process(db_file: Path) -> None:
    done = _lrmkb("--db", str(db_file), "search", "overthinking", "--type", "topic")
    assert done.returncode == 2  # not a kind: Typer's usage error
    assert "use paper, finding or node" in done.stderr
    done = _lrmkb("--db", str(db_file), "search", "overthinking", "--type", "node", "--limit", "1")
    assert (done.returncode, done.stdout) == (0, "topic\t4.3\t4.3\t\t\tOverthinking\n")
    assert done.stderr.startswith("showing 1 of ")


def _lrmkb(*args: str, importtime: bool = False) -> subprocess.CompletedProcess[str]:
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, "-m", "lrmkb", *args], capture_output=True, text=True
    )


def test_terminal_view_of_one_kind(monkeypatch: pytest.MonkeyPatch, db_file: Path) -> None:
    console = Console(file=StringIO(), force_terminal=True, width=100, color_system=None)
    monkeypatch.setattr(render, "stdout", console)
    monkeypatch.setattr(output, "stdout", console)
    with Database.open(db_file) as db:
        render.render_search(search(db, "hallucination", kinds=("paper",), limit=2))
    lines = console.file.getvalue().splitlines()
    assert lines[1].startswith("Papers (2 of ") and lines[1].endswith("— --limit 0 for all)")
    assert "│ song2025hallucination │ 2025 │ Hallucination Tax:" in "\n".join(lines)


def test_the_terminal_table_names_a_paper_once(db_file: Path) -> None:
    """A real `lrmkb search` on a terminal: a short name the title begins with is not said
    twice ("SafeChain: SafeChain: Safety of …"); one it does not begin with is."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lrmkb", "--db", str(db_file), "search", "jailbreak", "safety"],
        stdout=follower,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
        text=True,
    )
    os.close(follower)
    out = b""
    with contextlib.suppress(OSError):  # EIO once the process has closed the terminal
        while chunk := os.read(leader, 65536):
            out += chunk
    os.close(leader)
    assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    text = out.decode()
    assert "│ jiang2025safechain " in text and "SafeChain: SafeChain" not in text
    assert "│ SafeChain: Safety of Language Models with Long Chain-of-Thought" in text
    assert "│ H-Cot: H-CoT: Hijacking" not in text and "│ H-CoT: Hijacking" in text
    assert "│ R1-ACT: Efficient Reasoning Model Safety" in text
    assert "│ Harmful Prompts Decomposition Attack: A Mousetrap: Fooling" in text


# --- the index follows every write ---------------------------------------------------------


def test_a_new_tag_is_searchable_at_once(cli) -> None:
    assert cli("tag", "yue2025reinforcement", "quokka-club").exit_code == 0
    assert keys(found(cli, "quokka")) == ["yue2025reinforcement"]
    assert cli("tag", "yue2025reinforcement", "quokka-club", "--remove").exit_code == 0
    gone = cli("search", "tag:quokka-club")  # no paper has it now: a typo, as in export
    assert gone.exit_code == 1 and "no tag 'quokka-club'" in gone.stderr
    assert cli("db", "check").exit_code == 0


def test_an_imported_paper_is_searchable_and_its_words_correct_typos(
    cli, db_file: Path, tmp_path: Path
) -> None:
    bib = tmp_path / "new.bib"
    bib.write_text(
        "@article{okafor2025wombats,\n  author = {Ngozi Okafor},\n"
        "  title = {Wombat-scale chain-of-thought distillation},\n  year = {2025},\n}\n"
    )
    assert cli("import", str(bib)).exit_code == 0
    data = found(cli, "wombat")
    assert data["results"]["paper"][0]["title"] == "Wombat-scale chain-of-thought distillation"
    assert data["answer"] is None  # no topic of the survey is about wombats
    assert data["results"]["paper"][0]["key"] in keys(found(cli, "wombat distillation"))
    assert found(cli, "wombatt")["corrected"] == "wombat"
    assert keys(found(cli, "author:okafor")) == [data["results"]["paper"][0]["key"]]
    assert cli("db", "check").exit_code == 0


def test_refresh_forgets_a_deleted_paper_and_its_words(db_file: Path) -> None:
    db = Database.open(db_file, write=True)
    with db.transaction():
        db.execute(
            "INSERT INTO paper_tag (paper_id, tag)"
            " SELECT id, 'quokka' FROM paper WHERE key = 'chen2024think'"
        )
        refresh_index(db, ["chen2024think"])
    assert keys(search(db, "quokka")) == ["chen2024think"]
    with db.transaction():
        db.execute("DELETE FROM paper WHERE key = 'chen2024think'")
        refresh_index(db, ["chen2024think"])
    assert "chen2024think" not in keys(search(db, "overthinking", kinds=("paper",), limit=100))
    gone = db.execute("SELECT count(*) FROM search_index WHERE ref = 'chen2024think'").fetchone()
    assert gone[0] == 0
    assert db.execute("SELECT count(*) FROM search_vocab WHERE term = 'quokka'").fetchone()[0] == 0
    assert search(db, "quokka")["corrected"] is None
    db.close()


def test_a_schema_2_database_is_reindexed_on_open(tmp_path: Path) -> None:
    """m003 moves the index to rowids by kind and adds the vocabulary, rebuilding it."""
    from lrmkb.migrations import MIGRATIONS

    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    for fn in MIGRATIONS[:2]:
        fn(db)
    db.execute(
        "INSERT INTO paper (key, title, created, updated)"
        " VALUES ('old2024paper', 'Platypus reasoning', 'x', 'x')"
    )
    db.execute("PRAGMA user_version = 2")
    db.close()
    db = Database.open(path)
    assert keys(search(db, "platypus")) == ["old2024paper"]
    assert search(db, "platypos")["corrected"] == "platypus"
    db.close()
