"""The read commands on the bundled survey database: output a user sees, exit codes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lrmkb.cli import app


def test_stats_counts_the_survey(cli) -> None:
    result = cli("stats", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["papers"] == 128
    assert data["takeaways"] == 10
    assert data["node_kinds"]["dimension"] == 3
    assert {"4.3", "2.1", "C.2", "B.1"} <= {s["code"] for s in data["papers_per_section"]}


def test_stats_plain_text_when_piped(cli) -> None:
    result = cli("stats")
    assert result.exit_code == 0
    assert "total\tpapers\t128\t\n" in result.stdout
    assert "section\t4.3\t22\tOverthinking\n" in result.stdout


def test_tree_lists_every_section_with_counts(cli) -> None:
    result = cli("tree")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "1\t\tsection\t0\t10\tIntroduction"
    assert "4.3\t4\tsection\t1\t22\tOverthinking" in lines
    assert "4.3.2\t4.3\tquestion\t2\t10\tWhat are the patterns of overthinking?" in lines


def test_tree_json_has_parents_and_counts(cli) -> None:
    nodes = {n["code"]: n for n in json.loads(cli("tree", "--json").stdout)}
    assert nodes["4.3.3"]["parent"] == "4.3"
    assert nodes["4.3"]["papers"] == 22
    assert nodes["4"]["kind"] == "dimension"


def test_show_resolves_every_id_form_to_one_paper(cli) -> None:
    forms = [
        "jiang2025makes",
        "2505.22148",
        "arXiv:2505.22148v2",
        "https://arxiv.org/abs/2505.22148v1",
        "https://arxiv.org/pdf/2505.22148",
    ]
    keys = {json.loads(cli("show", form, "--json").stdout)["key"] for form in forms}
    assert keys == {"jiang2025makes"}


def test_show_prints_metadata_sections_and_claims(cli) -> None:
    result = cli("show", "marjanovic2025deepseekr1")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "key\tmarjanovic2025deepseekr1",
        "title\tDeepSeek-R1 Thoughtology: Let's <think> about LLM Reasoning",
        "survey_title\tDeepseek-r1 thoughtology: Let’s think about llm reasoning",
    ]
    assert "author\tBenno Krojer" in lines and "Kroyer" not in result.stdout
    assert lines[5:7] == ["author\tSara Vera Marjanović", "author\tArkil Patel"]
    assert "section\t4.3.1" in lines
    assert any(line.startswith("finding\t3.1.1-claim-1 supports ") for line in lines)


def test_show_unknown_key_suggests_close_keys(cli) -> None:
    result = cli("show", "marjanovic2025deepseek")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: no paper 'marjanovic2025deepseek' — did you mean")
    assert "marjanovic2025deepseekr1" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_findings_for_a_section_include_its_questions(cli) -> None:
    items = json.loads(cli("findings", "--section", "4.3", "--json").stdout)
    nodes = {f["node"] for f in items}
    assert nodes == {"4.3", "4.3.1", "4.3.2", "4.3.3"}
    takeaway = next(f for f in items if f["kind"] == "takeaway")
    assert {"chen2024think", "su2025underthinking"} <= {p["key"] for p in takeaway["papers"]}


def test_findings_show_stances(cli) -> None:
    items = json.loads(cli("findings", "--section", "3.2.2", "--json").stdout)
    stances = {(p["key"], p["stance"]) for f in items for p in f["papers"]}
    assert ("liu2025there", "contradicts") in stances
    assert ("yang2025understanding", "supports") in stances


def test_findings_unknown_section(cli) -> None:
    result = cli("findings", "--section", "9.9")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no section '9.9' — ")


def test_tag_then_tags_then_remove(cli) -> None:
    result = cli("tag", "yue2025reinforcement", "to-read", "RL")
    assert result.exit_code == 0
    assert (
        result.stdout == "yue2025reinforcement\tto-read\tadded\nyue2025reinforcement\trl\tadded\n"
    )
    assert json.loads(cli("tags", "--json").stdout) == [
        {"tag": "rl", "papers": 1},
        {"tag": "to-read", "papers": 1},
    ]
    assert "to-read" in json.loads(cli("show", "2504.13837", "--json").stdout)["tags"]
    result = cli("tag", "yue2025reinforcement", "rl", "--remove")
    assert result.exit_code == 0
    assert result.stdout == "yue2025reinforcement\trl\tremoved\n"
    assert json.loads(cli("show", "2504.13837", "--json").stdout)["tags"] == ["to-read"]


def test_tag_rejects_bad_tag_and_unknown_paper(cli) -> None:
    bad = cli("tag", "yue2025reinforcement", "no spaces please")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("Error: invalid tag 'no spaces please'")
    missing = cli("tag", "nosuchpaper", "x")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("Error: no paper 'nosuchpaper'")


def test_tags_empty(cli) -> None:
    result = cli("tags")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "no tags yet — add some with `lrmkb tag KEY TAG...`\n"


def test_missing_directory_is_a_database_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--db", "/nonexistent/dir/x.db", "stats"])
    assert result.exit_code == 4
    assert result.stderr == (
        "Error: directory /nonexistent/dir does not exist — create it first or pass another --db\n"
    )


def test_missing_file_is_explained(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "none.db"), "tree"])
    assert result.exit_code == 4
    assert "no database at" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_default_db_is_a_user_copy_of_the_bundled_one(tmp_path: Path) -> None:
    runner = CliRunner()
    path = runner.invoke(app, ["db", "path"]).stdout.split("\t")[0]
    assert path.startswith(str(tmp_path / "xdg"))
    result = runner.invoke(app, ["tag", "yue2025reinforcement", "mine"])
    assert result.exit_code == 0
    assert Path(path).exists()
    assert json.loads(runner.invoke(app, ["tags", "--json"]).stdout) == [
        {"tag": "mine", "papers": 1}
    ]


def test_env_var_selects_the_database(db_file: Path, monkeypatch) -> None:
    monkeypatch.setenv("LRMKB_DB", str(db_file))
    result = CliRunner().invoke(app, ["db", "path"])
    assert result.stdout == f"{db_file}\tfalse\ttrue\n"


def test_db_reset_needs_yes_without_a_terminal(db_file: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["--db", str(db_file), "tag", "yue2025reinforcement", "mine"])
    refused = runner.invoke(app, ["--db", str(db_file), "db", "reset"])
    assert refused.exit_code == 2
    assert "--yes" in refused.stderr
    done = runner.invoke(app, ["--db", str(db_file), "db", "reset", "--yes"])
    assert done.exit_code == 0
    assert json.loads(runner.invoke(app, ["--db", str(db_file), "tags", "--json"]).stdout) == []


def test_db_init_creates_an_empty_database(tmp_path: Path) -> None:
    target = tmp_path / "empty.db"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(target), "db", "init"]).exit_code == 0
    stats = json.loads(runner.invoke(app, ["--db", str(target), "stats", "--json"]).stdout)
    assert stats["papers"] == 0
    again = runner.invoke(app, ["--db", str(target), "db", "init"])
    assert again.exit_code == 1
    assert "already exists" in again.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--debug", "--db", "/nonexistent/dir/x.db", "stats"])
    assert result.exit_code == 4
    assert "Traceback" in result.stderr


def test_help_teaches_with_examples() -> None:
    result = CliRunner().invoke(app, ["show", "--help"])
    assert result.exit_code == 0
    assert "arXiv id" in result.stdout
    assert "lrmkb show arXiv:2505.22148v2 --json" in result.stdout


# --- start-up: a plain show, tree, tags or stats never loads Typer, Rich or SQLModel ------

HEAVY = {"typer", "click", "rich", "sqlmodel", "sqlalchemy", "pydantic"}
PLAIN = [
    ("show", "marjanovic2025deepseekr1"),
    ("show", "arXiv:2501.12948", "--json"),
    ("tree",),
    ("tree", "--json-lines"),
    ("tags",),
    ("stats",),
    ("stats", "--json"),
    ("list",),
    ("list", "--json-lines"),
]


def _process(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "lrmkb", "--db", str(db), *args],
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("args", PLAIN, ids=" ".join)
def test_a_plain_read_starts_without_typer_rich_or_sqlmodel(cli, db_file: Path, args) -> None:
    """The light path (`cli/fast.py`: `run_plain`) prints what the Typer command prints."""
    assert cli("tag", "marjanovic2025deepseekr1", "to-read").exit_code == 0  # tags has rows
    done = _process(db_file, *args)
    assert done.returncode == 0, done.stderr
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert "lrmkb.cli.views" in imported
    assert {m for m in imported if m.split(".")[0] in HEAVY} == set()
    typer_path = cli(*args)  # in process: the Typer command
    assert done.stdout == typer_path.stdout and done.stdout


@pytest.mark.parametrize(
    "args",
    [("show", "marjanovic2025"), ("tag", "nosuchkey", "rl"), ("tag", "chen2024think", "a b")],
)
def test_a_plain_command_says_an_error_as_typer_does(cli, db_file: Path, args) -> None:
    """No such paper (with the keys it may mean), a tag that is no tag: one line, the same
    exit code, said by the light path (a mistyped key is not looked up twice)."""
    done = _process(db_file, *args)
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert {m for m in imported if m.split(".")[0] in HEAVY} == set()
    messages = "".join(
        line + "\n" for line in done.stderr.splitlines() if "import time" not in line
    )
    typer_path = cli(*args)
    assert (done.returncode, messages) == (typer_path.exit_code, typer_path.stderr)
    assert messages.startswith("Error: ") and messages.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        ("tree", "extra"),
        ("tags", "--help"),
        ("stats", "--json", "--json-lines"),
        ("list", "-h"),
    ],
    ids=" ".join,
)
def test_anything_but_a_plain_read_goes_to_typer(db_file: Path, args) -> None:
    """Help or a usage mistake: Typer answers it, as before."""
    done = _process(db_file, *args)
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert "typer" in imported
    messages = [line for line in done.stderr.splitlines() if not line.startswith("import time")]
    assert done.returncode in (0, 1, 2) and (done.stdout or messages)


@pytest.mark.parametrize(
    "args",
    [("marjanovic2025deepseekr1", "To-Read", "rl"), ("chen2024think", "rl", "--json")],
    ids=" ".join,
)
def test_a_plain_tag_starts_without_typer_and_writes_what_typer_writes(
    cli, db_file: Path, tmp_path: Path, args
) -> None:
    """`tag KEY TAG...` is the light path's one write: the same report and the same tags
    stored as through the Typer command (run on a copy of the same database)."""
    copy = tmp_path / "copy.db"
    copy.write_bytes(db_file.read_bytes())
    done = _process(db_file, "tag", *args)
    assert done.returncode == 0, done.stderr
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert {m for m in imported if m.split(".")[0] in HEAVY} == set()
    typer_path = cli("tag", *args, db=copy)
    messages = "".join(
        line + "\n" for line in done.stderr.splitlines() if "import time" not in line
    )
    assert (done.stdout, messages) == (typer_path.stdout, typer_path.stderr)
    tags = "SELECT p.key, t.tag FROM paper_tag t JOIN paper p ON p.id = t.paper_id ORDER BY 1, 2"
    with sqlite3.connect(db_file) as one, sqlite3.connect(copy) as other:
        assert one.execute(tags).fetchall() == other.execute(tags).fetchall() != []


def test_a_plain_tag_that_fails_writes_nothing(db_file: Path) -> None:
    done = _process(db_file, "tag", "nosuchkey", "rl")
    assert done.returncode == 1
    assert "Error: no paper 'nosuchkey'" in done.stderr
    with sqlite3.connect(db_file) as db:
        assert db.execute("SELECT count(*) FROM paper_tag").fetchone() == (0,)
