"""`lrmkb node add/rm`: the user's own sections and research questions — filed under,
watched on arXiv, suggested by the classifier, left alone by `db update` and `doctor`."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import arxiv_server
from conftest import dump
from reliability_fixtures import assert_clean_failure
from test_update import build, release  # noqa: F401 (a fixture)

arxiv_api = arxiv_server.arxiv_api
PROBES = ("4.3.probes", "Can probes predict overthinking?")
PROBES_SUMMARY = "Linear probes on hidden states that read out whether a model will overthink."


def node(db: Path, code: str) -> dict[str, object] | None:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute(
            "SELECT n.*, p.code AS parent FROM taxonomy_node n"
            " LEFT JOIN taxonomy_node p ON p.id = n.parent_id WHERE n.code = ?",
            (code,),
        ).fetchone()
    return dict(row) if row else None


def add_probes(cli) -> None:
    result = cli("node", "add", *PROBES, "--under", "4.3", "--summary", PROBES_SUMMARY)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "4.3.probes\tquestion\t4.3\tCan probes predict overthinking?\n"


def test_a_node_of_your_own_takes_its_place_in_the_taxonomy(cli, db_file: Path) -> None:
    add_probes(cli)
    assert cli("node", "add", "faithfulness", "My reading on faithfulness").exit_code == 0
    result = cli("node", "add", "faith.old", "Older work", "--under", "faithfulness", "--json")
    assert json.loads(result.stdout) == {
        "code": "faith.old",
        "title": "Older work",
        "kind": "question",
        "parent": "faithfulness",
        "summary": "",
        "dry_run": False,
    }
    probes = node(db_file, "4.3.probes")
    assert probes is not None
    assert (probes["kind"], probes["parent"], probes["origin"]) == ("question", "4.3", "user")
    assert probes["position"] == 4 and probes["summary"] == PROBES_SUMMARY  # after 4.3.3
    top = node(db_file, "faithfulness")
    assert top is not None and (top["kind"], top["parent"]) == ("section", None)
    tree = [line.split("\t") for line in cli("tree").stdout.splitlines()]
    codes = [row[0] for row in tree]
    assert tree[codes.index("4.3.3") + 1] == [
        "4.3.probes",
        "4.3",
        "question",
        "2",
        "0",
        "Can probes predict overthinking?",
    ]
    assert tree[-2:] == [
        ["faithfulness", "", "section", "0", "0", "My reading on faithfulness"],
        ["faith.old", "faithfulness", "question", "1", "0", "Older work"],
    ]
    found = cli("search", "probes predict overthinking", "--type", "node", "--limit", "1")
    assert found.stdout.startswith("topic\t4.3.probes\t")
    assert cli("db", "check").exit_code == 0
    doctor = cli("doctor")
    assert (doctor.exit_code, doctor.stdout, doctor.stderr) == (0, "", "0 problem(s), 0 note(s)\n")


def test_a_dry_run_writes_nothing(cli, db_file: Path) -> None:
    before = dump(db_file)
    result = cli("node", "add", *PROBES, "--under", "4.3", "--dry-run")
    assert result.stdout.startswith("4.3.probes\tquestion\t4.3\t")
    assert result.stderr == "dry run: nothing was written\n"
    assert dump(db_file) == before


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ("4.3.4", "x", "--under", "4.3"),
            2,
            "Error: '4.3.4' looks like one of the survey's codes",
        ),
        (("D", "x"), 2, "Error: 'D' looks like one of the survey's codes"),
        (("4.3.x", "x"), 2, "Error: '4.3.x' looks like one of the survey's codes"),
        (("a b", "x"), 2, "Error: 'a b' is not a node code — use letters, digits and . - _"),
        (("4.3..mech", "x"), 2, "Error: '4.3..mech' is not a node code"),
        (("mine", "  "), 1, "Error: the node's title is empty"),
        (("mine", "x", "--under", "9.9"), 1, "Error: no section '9.9'"),
        (
            ("mine", "x", "--under", "4.3.3"),
            1,
            "Error: 4.3.3 is a research question: nodes go under a section or dimension — "
            "put it under 4.3",
        ),
    ],
)
def test_bad_node_additions_write_nothing(
    cli, db_file: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    before = dump(db_file)
    line = assert_clean_failure(cli("node", "add", *args), code, db_file, before)
    assert line.startswith(message)


def test_a_code_is_taken_in_any_case(cli, db_file: Path) -> None:
    add_probes(cli)
    before = dump(db_file)
    line = assert_clean_failure(cli("node", "add", "4.3.PROBES", "x"), 1, db_file, before)
    assert line == "Error: there is a node 4.3.probes already — choose another code"


SURVEY_SHAPED = st.from_regex(r"\A([0-9]{1,3}|[A-Za-z])(\.([0-9]{1,3}|[A-Za-z]))*\Z")


@given(SURVEY_SHAPED)
def test_no_code_shaped_like_the_surveys_is_accepted(code: str) -> None:
    from lrmkb.errors import UsageError
    from lrmkb.nodes import check_code

    with pytest.raises(UsageError):
        check_code(code)


@given(st.text(alphabet="abcXYZ019.-_ ", min_size=1, max_size=12))
def test_an_accepted_code_can_never_be_a_survey_code(text: str) -> None:
    from lrmkb.errors import UsageError
    from lrmkb.nodes import check_code

    try:
        code = check_code(text)
    except UsageError:
        return
    assert code == text.strip()
    assert not re.fullmatch(r"([0-9]+|[A-Z])(\.([0-9]+|[A-Z]))*", code.upper())


def test_your_node_is_filed_under_watched_and_suggested(cli, db_file: Path, arxiv_api) -> None:
    add_probes(cli)
    assert cli("file", "zhang2025reasoning", "--section", "4.3.probes").exit_code == 0
    assert cli("watch", "set", "4.3.probes", "abs:overthinking AND abs:probe").exit_code == 0
    listed = json.loads(cli("watch", "list", "--section", "4.3.probes", "--json").stdout)
    assert [(q["code"], q["origin"]) for q in listed] == [("4.3.probes", "user")]
    result = cli("watch", "run", "--section", "4.3.probes", "--since", "2025-01-01", "--json")
    assert result.exit_code == 0, result.stderr
    [new] = json.loads(result.stdout)["new"]
    assert new["arxiv_id"] == "2603.01001"  # "Probing the Hidden States of Overthinking …"
    assert new["node_code"] == "4.3.probes" and new["suggestions"][0]["code"] == "4.3.probes"
    [item] = json.loads(cli("inbox", "--json").stdout)
    accepted = cli("inbox", "accept", str(item["id"]))
    assert accepted.stdout.split("\t")[1:4] == ["added", "okafor2026probing", "4.3.probes"]


def test_db_update_leaves_your_nodes_alone(cli, db_file: Path, release: Path, seeds_copy) -> None:  # noqa: F811
    build(cli, seeds_copy, release)
    add_probes(cli)
    cli("file", "zhang2025reasoning", "--section", "4.3.probes")
    cli("watch", "set", "4.3.probes", "abs:probe")
    result = cli("db", "update", "--from", str(release))
    assert result.exit_code == 0, result.stderr
    assert "4.3.probes" not in result.stdout
    probes = node(db_file, "4.3.probes")
    assert probes is not None and probes["origin"] == "user" and probes["parent"] == "4.3"
    assert "4.3.probes" in cli("show", "zhang2025reasoning").stdout
    queries = {q["code"]: q["query"] for q in json.loads(cli("watch", "list", "--json").stdout)}
    assert queries["4.3.probes"] == "abs:probe"
    assert cli("doctor").exit_code == 0 and cli("db", "check").exit_code == 0


def test_removing_your_node_unfiles_its_papers_and_drops_its_query(cli, db_file: Path) -> None:
    add_probes(cli)
    cli("file", "zhang2025reasoning", "--section", "4.3.probes")
    cli("watch", "set", "4.3.probes", "abs:probe")
    result = cli("node", "rm", "4.3.probes", "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "4.3.probes\tCan probes predict overthinking?\tzhang2025reasoning\tabs:probe\n"
    )
    assert node(db_file, "4.3.probes") is None
    shown = cli("show", "zhang2025reasoning").stdout
    assert "section\t4.3.3\n" in shown and "4.3.probes" not in shown
    assert "4.3.probes" not in cli("watch", "list").stdout
    assert cli("db", "check").exit_code == 0


def test_what_node_rm_refuses(cli, db_file: Path) -> None:
    cli("node", "add", "faithfulness", "Mine")
    cli("node", "add", "faith.old", "Older", "--under", "faithfulness")
    before = dump(db_file)
    for args, code, message in [
        (("4.3",), 1, "Error: 4.3 is the survey's: only nodes you added can be removed"),
        (("faithfulness",), 1, "Error: faithfulness holds faith.old — remove those first"),
        (("nowhere",), 1, "Error: no section 'nowhere'"),
        (("faith.old",), 2, "Error: not removing anything without confirmation"),
    ]:
        line = assert_clean_failure(cli("node", "rm", *args), code, db_file, before)
        assert line.startswith(message), line
