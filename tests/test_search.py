"""`lrmkb search`: what a reader of the survey expects to find, the query language, typo
correction, inputs that must never break it, the light entry point, and the index kept
in step with every write."""

from __future__ import annotations

import json
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
from lrmkb.search import refresh_index, search
from lrmkb.store import Database

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


# --- what a reader of the survey expects ---------------------------------------------------


def test_overthinking_shows_the_takeaway_the_section_and_its_questions(cli) -> None:
    result = cli("search", "overthinking")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("finding\t4.3.1\t4.3-takeaway-1\t")
    topics = [line for line in lines if line.startswith("topic\t")]
    assert topics[:4] == [
        "topic\t4.3\tOverthinking",
        "topic\t4.3.1\tThinking more does not necessarily lead to better reasoning",
        "topic\t4.3.2\tWhat are the patterns of overthinking?",
        "topic\t4.3.3\tWhat are the mechanisms of overthinking?",
    ]
    papers = [line.split("\t") for line in lines if line.startswith("paper\t")]
    assert len(papers) == 10
    assert all(any(s.startswith("4.3") for s in p[4].split()) for p in papers)


def test_overthinking_lists_every_paper_cited_in_4_3_before_any_other(cli, db_file: Path) -> None:
    cited = subtree_papers(db_file, "4.3")
    assert len(cited) == 22
    ranked = keys(found(cli, "overthinking", "--type", "paper", "--limit", "100"))
    assert set(ranked[: len(cited)]) == cited
    assert "marjanovic2025deepseekr1" in cited  # its title never says "overthinking"
    assert "feng2025efficient" in ranked[len(cited) :]  # about overthinking, cited in §1


def test_overthinking_findings_come_from_section_4_3_first(cli) -> None:
    data = found(cli, "overthinking", "--type", "finding", "--limit", "8")
    assert all(f["node"].startswith("4.3") for f in data["results"]["finding"])
    assert data["results"]["finding"][0]["kind"] == "takeaway"
    assert data["topics"] == ["4.3", "4.3.2", "4.3.3"]


def test_entropy_collapse_brings_the_rl_exploration_papers(cli) -> None:
    data = found(cli, "entropy", "collapse")
    papers = keys(data)
    assert "cui2025entropy" in papers[:3]  # bm25 puts it within a hair of CURE and Nguyen et al.
    assert {"nguyen2025reasoning", "yu2025dapo", "liu2025prorl", "li2025cure"} <= set(papers)
    assert "2.2-takeaway-2" in keys(data, "finding")[:2]
    assert {"2.2.3", "C.2"} <= set(keys(data, "node"))


def test_steering_vectors_brings_the_steering_papers(cli) -> None:
    papers = keys(found(cli, "steering", "vectors"))
    assert set(papers[:3]) == {"venhoff2025understanding", "sinii2025small", "sinii2025steering"}
    assert {"yan2025reflectrl", "chang2025unveiling", "hazra2025hood"} <= set(papers)


def test_a_misspelt_word_is_corrected_and_the_output_says_so(cli, db_file: Path) -> None:
    result = cli("search", "hallucinaton")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == 'showing results for "hallucination"'
    assert "topic\t4.1\tHallucination" in result.stdout
    data = found(cli, "hallucinaton", "--type", "paper", "--limit", "20")
    assert data["corrected"] == "hallucination"
    assert data["corrections"] == [{"from": "hallucinaton", "to": "hallucination"}]
    assert set(keys(data)[:6]) <= subtree_papers(db_file, "4.1")
    assert {"song2025hallucination", "lu2025auditing", "sun2025detection"} <= set(keys(data))


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("overthinkng", "overthinking"),
        ("steering vectorz", "steering vectors"),
        ('"entropy colapse"', '"entropy collapse"'),
        ("author:venhof", "author:venhoff"),
    ],
)
def test_typos_anywhere_in_a_query(cli, typed: str, meant: str) -> None:
    data = found(cli, typed)
    assert data["corrected"] == meant
    assert data["results"] == found(cli, meant)["results"]


def test_words_that_match_are_never_corrected(cli) -> None:
    data = found(cli, "overthinks")  # stems to an indexed word
    assert data["corrected"] is None
    assert keys(data, "node")[0] == "4.3"


def test_nothing_close_enough_means_no_results(cli) -> None:
    result = cli("search", "qwxzvbnm")
    assert result.exit_code == 0
    assert result.stdout == "no results for 'qwxzvbnm'\n"


def test_json_ranks_with_scores(cli) -> None:
    data = found(cli, "overthinking", "--limit", "3")
    assert data["query"] == "overthinking"
    assert data["fts"] == '"overthinking"'
    paper = data["results"]["paper"][0]
    assert set(paper) == {"key", "year", "title", "short_name", "sections", "score", "in_topic"}
    assert paper["in_topic"] is True
    scores = [p["score"] for p in data["results"]["paper"]]
    assert scores == sorted(scores, reverse=True)
    assert all(len(items) == 3 for items in data["results"].values())


# --- the query language --------------------------------------------------------------------


def test_a_phrase_is_stricter_than_its_words(cli) -> None:
    phrase = set(keys(found(cli, '"reward hacking"', "--limit", "100")))
    words = set(keys(found(cli, "reward", "hacking", "--limit", "100")))
    assert phrase and phrase <= words


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
    data = found(cli, "reasoning", years, "--limit", "200")
    assert data["results"]["paper"]
    assert all(low <= p["year"] <= high for p in data["results"]["paper"])
    assert data["results"]["finding"] == []


def test_year_filter_alone_lists_papers(cli) -> None:
    papers = found(cli, "year:2020", "--limit", "200")["results"]["paper"]
    assert [p["key"] for p in papers] == ["kaplan2020scaling"]


def test_section_filter_keeps_the_section_and_its_questions(cli, db_file: Path) -> None:
    data = found(cli, "reasoning", "section:4.3", "--limit", "200")
    assert set(keys(data)) <= subtree_papers(db_file, "4.3")
    assert all(f["node"].startswith("4.3") for f in data["results"]["finding"])
    assert set(keys(data, "node")) <= {"4.3", "4.3.1", "4.3.2", "4.3.3"}
    assert (
        data["results"] == found(cli, "reasoning", "--section", "4.3", "--limit", "200")["results"]
    )


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
    data = found(cli, "overthinking", "-chen")
    assert "chen2024think" not in keys(data)


def test_or(cli) -> None:
    data = found(cli, "overthinking", "OR", "hallucination", "--type", "node", "--limit", "50")
    assert {"4.1", "4.3"} <= set(keys(data, "node"))


def test_tag_filter_and_negated_tag(cli) -> None:
    assert cli("tag", "chen2024think", "efficiency").exit_code == 0
    data = found(cli, "tag:efficiency")
    assert keys(data) == ["chen2024think"]
    assert data["results"]["finding"] == []
    assert keys(found(cli, "overthinking", "tag:efficiency")) == ["chen2024think"]
    assert keys(found(cli, "efficiency", "--tag", "efficiency")) == ["chen2024think"]
    assert "chen2024think" not in keys(found(cli, "overthinking", "-tag:efficiency"))


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
    ],
)
def test_queries_that_cannot_run_get_one_clear_line(cli, query: str, message: str) -> None:
    result = cli("search", query)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {message}")
    assert len(result.stderr.splitlines()) == 1


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
]


@pytest.mark.parametrize("args", SAME_AS_TYPER, ids=lambda a: " ".join(a))
def test_fast_path_prints_what_the_typer_command_prints(
    cli, db_file: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert search_cli.run_fast(["--db", str(db_file), "search", *args]) is True
    fast = capsys.readouterr()
    typer = cli("search", *args)
    assert typer.exit_code == 0
    assert fast.out == typer.stdout
    assert fast.err == ""


@pytest.mark.parametrize(
    "args",
    [
        ["search"],
        ["search", "-h"],
        ["search", "x", "--help"],
        ["search", "x", "--limt", "3"],
        ["search", "x", "--limit", "0"],
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
    assert search_cli.run_fast(["--db", str(missing), "search", "x"]) is False
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
    assert done.stdout.startswith('showing results for "hallucination"\n')
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
    assert (done.returncode, done.stdout) == (0, "topic\t4.3\tOverthinking\n")


def _lrmkb(*args: str, importtime: bool = False) -> subprocess.CompletedProcess[str]:
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, "-m", "lrmkb", *args], capture_output=True, text=True
    )


def test_terminal_view(monkeypatch: pytest.MonkeyPatch, db_file: Path) -> None:
    console = Console(file=StringIO(), force_terminal=True, width=100, color_system=None)
    monkeypatch.setattr(render, "stdout", console)
    monkeypatch.setattr(output, "stdout", console)
    db = Database.open(db_file)
    render.render_search(search(db, "hallucinaton", limit=2))
    text = console.file.getvalue()
    assert text.startswith('showing results for "hallucination"\nFindings\n💡 4.1.1 On balance')
    assert "Topics\n   4.1   Hallucination" in text
    assert "Papers" in text and "│ song2025hallucination │ 2025 │ Hallucination Tax:" in text


# --- the index follows every write ---------------------------------------------------------


def test_a_new_tag_is_searchable_at_once(cli) -> None:
    assert cli("tag", "yue2025reinforcement", "quokka-club").exit_code == 0
    assert keys(found(cli, "quokka")) == ["yue2025reinforcement"]
    assert cli("tag", "yue2025reinforcement", "quokka-club", "--remove").exit_code == 0
    assert keys(found(cli, "tag:quokka-club")) == []
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
    data = found(cli, "wombat", "distillation")
    assert data["results"]["paper"][0]["title"] == "Wombat-scale chain-of-thought distillation"
    assert found(cli, "wombatt")["corrected"] == "wombat"
    assert keys(found(cli, "author:okafor")) == [data["results"]["paper"][0]["key"]]
    assert cli("db", "check").exit_code == 0


def test_refresh_forgets_a_deleted_paper_and_its_words(db_file: Path) -> None:
    db = Database.open(db_file)
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
