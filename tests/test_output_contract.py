"""docs/output.md, checked: on a pipe every command prints one header-less TSV table with
its documented columns (the same keys in `--json-lines`), and everything addressed to a
person — summaries, notes, "no results" — goes to stderr."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arxiv_server import arxiv_api  # noqa: F401  (the fixture)
from conftest import BUNDLED_DB, ROOT
from lrmkb.cli.output import tsv_field

DOC = ROOT / "docs" / "output.md"
KEY = "marjanovic2025deepseekr1"

# command → its documented columns and a command line that prints several rows
CONTRACT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "search": (
        ("kind", "id", "sections", "year", "short_name", "title"),
        ("search", "overthinking"),
    ),
    "show KEY": (("field", "value"), ("show", KEY)),
    "tree": (("code", "parent", "kind", "depth", "papers", "title"), ("tree",)),
    "findings": (
        ("id", "kind", "node", "text", "supports", "contradicts", "mentions", "notes"),
        ("findings", "--section", "4.3"),
    ),
    "debates": (("node", "id", "question", "side", "papers"), ("debates",)),
    "tags": (("tag", "papers"), ("tags",)),
    "stats": (("group", "item", "count", "title"), ("stats",)),
    "tag KEY TAG...": (("key", "tag", "change"), ("tag", KEY, "to-read", "rl")),
    "add SOURCE...": (
        ("action", "key", "source", "title", "sections", "detail"),
        ("add", "2505.22148", "2507.00001", "--dry-run"),
    ),
    "import FILE": (
        ("action", "key", "source", "title", "sections", "detail"),
        ("import", "{mine.bib}"),
    ),
    "doctor": (("severity", "check", "subject", "message", "hint"), ("doctor",)),
    "db check": (("check", "problem"), ("db", "check")),
    "db path": (("path", "default", "exists"), ("db", "path")),
    "db init": (("action", "path"), ("--db", "{new.db}", "db", "init")),
    "db reset": (("action", "path"), ("db", "reset", "--yes")),
    "docs": (("topic", "title"), ("docs",)),
    "list": (
        ("key", "year", "source", "sections", "tags", "short_name", "title"),
        ("list", "--section", "4.3"),
    ),
    "edit KEY": (("key", "field", "old", "new"), ("edit", KEY, "year=2026", "shortname=R1")),
    "rm KEY...": (
        ("key", "title", "sections", "findings", "tags", "aliases", "edits"),
        ("rm", KEY, "chen2024think", "--yes"),
    ),
    "rename KEY NEWKEY": (("old", "new"), ("rename", KEY, "thoughtology2025")),
    "note KEY": (("key", "action"), ("note", KEY, "--add", "Read it.")),
    "file KEY...": (
        ("key", "filed", "unfiled", "sections"),
        ("file", KEY, "chen2024think", "--section", "2.2"),
    ),
    "open KEY --print": (("url",), ("open", KEY, "--print")),
    "db update": (("action", "key", "detail"), ("--db", "{new.db}", "db", "update")),
    "watch set CODE QUERY": (("code", "action", "query"), ("watch", "set", "4.3", "ti:x")),
    "watch rm CODE": (("code", "action", "query"), ("watch", "rm", "4.3")),
    "node add CODE TITLE": (
        ("code", "kind", "parent", "title"),
        ("node", "add", "4.3.probes", "Probes", "--under", "4.3"),
    ),
    "node rm CODE": (("code", "title", "unfiled", "query"), ("node", "rm", "mine", "--yes")),
    "watch list": (
        ("code", "by", "last_run", "interrupted", "newest", "waiting", "query"),
        ("watch", "list"),
    ),
    "watch run": (
        ("code", "since", "found", "new", "known", "in_inbox", "rejected", "note"),
        ("watch", "run", "--since", "2025-01-01"),
    ),
}
MINE_BIB = ROOT / "tests" / "fixtures" / "readme" / "mine.bib"
# what a command needs in the database before it has rows to print
PREPARE = {
    "tags": [
        "INSERT INTO paper_tag (paper_id, tag) SELECT id, t FROM paper, "
        "(SELECT 'to-read' AS t UNION SELECT 'rl') WHERE key IN ('chen2024think', 'yu2025dapo')"
    ],
    "node rm CODE": [
        "INSERT INTO taxonomy_node (code, title, kind, origin) VALUES ('mine', 'Mine', 'section',"
        " 'user')"
    ],
    "doctor": [
        "UPDATE paper SET code_url = 'github.com/x/y' WHERE key IN ('chen2024think', 'yu2025dapo')"
    ],
    "db check": [
        "UPDATE paper SET authors = 'oops' WHERE key = 'chen2024think'",
        "UPDATE paper SET categories = '{}' WHERE key = 'yue2025reinforcement'",
    ],
}


def documented_columns() -> dict[str, tuple[str, ...]]:
    """The table in docs/output.md: command → its columns in order."""
    found = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and re.match(r"`\w", cells[1]):
            for command in re.findall(r"`([^`]+)`", cells[0]):
                found[command] = tuple(re.findall(r"`(\w+)`", cells[1]))
    return found


def run(cli, name: str, folder: Path, *extra: str):
    """Run the contract's command line for `name` on a fresh copy of the survey database
    in `folder`, with `{mine.bib}` (README's library) and `{new.db}` (a new path) filled."""
    folder.mkdir()
    db = folder / "kb.db"
    shutil.copyfile(BUNDLED_DB, db)
    with sqlite3.connect(db) as conn:
        for statement in PREPARE.get(name, ()):
            conn.execute(statement)
    files = {"{mine.bib}": folder / "mine.bib", "{new.db}": folder / "new.db"}
    shutil.copyfile(MINE_BIB, files["{mine.bib}"])
    if name == "db update":  # an empty database: the whole survey arrives
        assert cli("db", "init", db=files["{new.db}"]).exit_code == 0
    args = [str(files.get(a, a)) for a in CONTRACT[name][1]]
    result = cli(*args, *extra, db=db)
    assert result.exit_code in (0, 1, 4), result.stderr  # doctor: 1, a damaged db check: 4
    return result


def test_the_doc_lists_every_command_with_these_columns() -> None:
    documented = documented_columns()
    for name, (columns, _) in CONTRACT.items():
        assert documented.get(name) == columns, name


@pytest.mark.usefixtures("arxiv_api")
@pytest.mark.parametrize("name", CONTRACT)
def test_piped_output_is_one_table_with_the_documented_columns(
    cli, tmp_path: Path, name: str
) -> None:
    columns = CONTRACT[name][0]
    piped = run(cli, name, tmp_path / "piped").stdout.replace("/piped/", "/run/").splitlines()
    assert piped, f"{name} printed no rows"
    assert {line.count("\t") for line in piped} == {len(columns) - 1}, piped
    assert "\t".join(columns) not in piped, "no header line"

    lines = run(cli, name, tmp_path / "ndjson", "--json-lines").stdout.replace("/ndjson/", "/run/")
    lines = lines.splitlines()
    objects = [json.loads(line) for line in lines]
    assert [tuple(o) for o in objects] == [columns] * len(piped)
    assert ["\t".join(tsv_field(v) for v in o.values()) for o in objects] == piped


def test_show_puts_title_and_short_name_in_their_own_rows(cli) -> None:
    """The bug this fixes: a paper row with "Manifold Steering" where its title belongs."""
    rows = dict(
        line.split("\t") for line in cli("show", "huang2025mitigating").stdout.splitlines()[:4]
    )
    assert rows == {
        "key": "huang2025mitigating",
        "title": "Mitigating Overthinking in Large Reasoning Models via Manifold Steering",
        "survey_title": "Mitigating overthinking in large reasoning models via manifold steering",
        "short_name": "Manifold Steering",
    }


def test_show_lists_authors_sections_and_findings_one_row_each(cli) -> None:
    rows = [line.split("\t") for line in cli("show", KEY).stdout.splitlines()]
    authors = [value for field, value in rows if field == "author"]
    assert authors[0] == "Sara Vera Marjanović" and authors[-1] == "Siva Reddy"
    assert len(authors) == 17
    assert [v for f, v in rows if f == "section"] == ["3.1.1", "4.3.1"]
    assert ["arxiv_id", "2504.07128"] in rows
    findings = [v for f, v in rows if f == "finding"]
    assert findings[0].startswith("3.1.1-claim-1 supports Reading DeepSeek-R1's thoughts")
    assert findings[0].endswith(" (p. 4)")  # its page in the survey


def test_stats_is_one_table(cli) -> None:
    rows = [line.split("\t") for line in cli("stats").stdout.splitlines()]
    assert ["total", "papers", "128", ""] in rows
    assert ["section", "4.3", "22", "Overthinking"] in rows
    assert ["findings", "takeaway", "10", ""] in rows
    groups = list(dict.fromkeys(row[0] for row in rows))
    assert groups == ["total", "nodes", "findings", "source", "section", "year", "survey"]


def test_tree_is_in_the_survey_order(cli) -> None:
    rows = [line.split("\t") for line in cli("tree").stdout.splitlines()]
    assert [r[0] for r in rows if r[2] != "question" and r[3] == "0"] == [
        "1", "2", "3", "4", "B", "C"
    ]  # fmt: skip
    assert ["4.3.2", "4.3", "question", "2", "10", "What are the patterns of overthinking?"] in rows


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        (("dev", "doctor"), "3 problem(s), 1 note(s)\n"),
        (
            ("db", "check"),
            "0 problem(s); checked: integrity, schema, foreign keys, search index, records\n",
        ),
        (("tags",), "no tags yet — add some with `lrmkb tag KEY TAG...`\n"),
        (("findings", "--section", "B.2"), "no findings\n"),
        (("export", "--tag", "to-read-never"), None),
    ],
)
def test_summaries_and_empty_results_go_to_stderr(cli, args: tuple[str, ...], stderr) -> None:
    result = cli(*args)
    if stderr is None:  # an unknown tag is an error, not an empty result (see below)
        assert result.exit_code == 1 and result.stdout == ""
        return
    assert result.stderr == stderr
    assert stderr.strip() not in result.stdout


def test_import_summary_and_export_notice_go_to_stderr(cli, tmp_path: Path) -> None:
    shutil.copyfile(MINE_BIB, tmp_path / "mine.bib")
    result = cli("import", str(tmp_path / "mine.bib"))
    assert result.stderr.endswith(
        "imported mine.bib (utf-8): 3 added, 0 enriched, 0 skipped, 4 failed\n"
    )
    assert "imported" not in result.stdout
    out = tmp_path / "refs.bib"
    result = cli("export", "--tag", "nosuch", "--key", "chen2024think", "-o", str(out))
    assert result.exit_code == 1  # an unknown tag in a selection is an error
    result = cli("export", "--key", "chen2024think", "-o", str(out))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"wrote 1 paper(s) as bib to {out}\n"


def test_dry_run_says_so_on_stderr(cli, tmp_path: Path) -> None:
    shutil.copyfile(MINE_BIB, tmp_path / "mine.bib")
    result = cli("import", str(tmp_path / "mine.bib"), "--dry-run")
    assert result.stderr.startswith("dry run: nothing was written\n")
    actions = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert actions.count("added") == 3 and actions.count("failed") == 4


def test_json_and_json_lines_together_are_a_usage_error(cli) -> None:
    result = cli("tree", "--json", "--json-lines")
    assert result.exit_code == 2
    assert result.stderr == "Error: --json and --json-lines together — use one of them\n"


def test_tags_are_folded_to_lower_case_and_the_output_says_so(cli) -> None:
    result = cli("tag", KEY, "RL", "to-read")
    assert result.exit_code == 0
    assert result.stdout == f"{KEY}\trl\tadded\n{KEY}\tto-read\tadded\n"
    assert result.stderr == "note: tags are stored in lower case: RL → rl\n"
    again = cli("tag", KEY, "rl")
    assert (again.stdout, again.stderr) == (f"{KEY}\trl\tunchanged\n", "")
    assert cli("export", "--tag", "RL", "--format", "json").exit_code == 0


CONTROLS = {*map(chr, range(0x20)), "\x7f", *map(chr, range(0x80, 0xA0))}


def unescape_tsv(field: str) -> str:
    """A TSV field read back: `\\t` `\\n` `\\r` `\\\\`, and `\\xHH` `\\u00HH` for the other
    control characters. (The fast search path writes its fields with the same function.)"""
    named = {"t": "\t", "n": "\n", "r": "\r"}
    return re.sub(
        r"\\(x[0-9a-f]{2}|u[0-9a-f]{4}|.)",
        lambda m: chr(int(m[1][1:], 16)) if len(m[1]) > 1 else named.get(m[1], m[1]),
        field,
    )


@given(st.text())
def test_a_tsv_field_is_one_line_and_unescapes_to_the_value(text: str) -> None:
    """One line, no control character at all (a terminal would act on it: ESC, BEL, C1),
    and read back it is the value."""
    field = tsv_field(text)
    assert not set(field) & CONTROLS
    assert unescape_tsv(field) == text


def test_a_tsv_field_shows_control_characters_as_escapes() -> None:
    assert tsv_field("a\x1b]52;c;x\x07\t\u009b\x7f\\") == "a\\x1b]52;c;x\\x07\\t\\u009b\\x7f\\\\"


def test_tsv_fields_of_other_types() -> None:
    assert [tsv_field(v) for v in (None, True, False, 7, ["4.3", "4.3.1"], [])] == [
        "", "true", "false", "7", "4.3 4.3.1", ""
    ]  # fmt: skip
