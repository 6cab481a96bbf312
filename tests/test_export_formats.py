"""`lrmkb export`: the JSON schema, the taxonomy diagrams, and how the command behaves
(selections, --output, errors, determinism, a light start-up)."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from export_fixtures import need, run
from lrmkb.exporters.diagram import dot_text, mermaid_text
from lrmkb.records import PAPER_FIELDS


def ok(result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


# --- json -----------------------------------------------------------------------------------


def test_json_has_papers_with_nodes_tags_and_findings(cli) -> None:
    assert cli("tag", "marjanovic2025deepseekr1", "to-read").exit_code == 0
    doc = json.loads(ok(cli("export", "--section", "4.3", "--format", "json")))
    assert (doc["format"], doc["version"]) == ("lrmkb-export", 1)
    assert doc["selection"] == {"sections": ["4.3"], "tags": [], "keys": []}
    assert len(doc["papers"]) == 22
    for paper in doc["papers"]:
        assert list(paper) == [
            *PAPER_FIELDS,
            "cite",
            "nodes",
            "findings",
            "tags",
            "notes",
            "fields",
            "aliases",
        ]
    paper = next(p for p in doc["papers"] if p["key"] == "marjanovic2025deepseekr1")
    assert [n["code"] for n in paper["nodes"]] == ["3.1.1", "4.3.1"]
    assert paper["tags"] == ["to-read"]
    kinds = {(f["id"], f["kind"], f["stance"]) for f in paper["findings"]}
    assert ("4.3-takeaway-1", "takeaway", "supports") in kinds
    assert ("4.3.1-claim-1", "claim", "supports") in kinds
    assert paper["authors"][0] == "Sara Vera Marjanović"


# --- diagrams -------------------------------------------------------------------------------


def test_mermaid_is_the_taxonomy_tree(cli) -> None:
    text = ok(cli("export", "--format", "mermaid"))
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes = dict(re.findall(r'^  (n_\w+)\["([^"]*)"\]:::\w+$', text, re.M))
    edges = re.findall(r"^  (n_\w+) --> (n_\w+)$", text, re.M)
    tree = json.loads(ok(cli("tree", "--json")))
    assert len(nodes) == len(tree)
    assert len(edges) == sum(1 for n in tree if n["parent"])
    assert all(a in nodes and b in nodes for a, b in edges)
    assert nodes["n_4_3"] == "4.3 Overthinking<br/>22 papers"
    assert all(line.startswith(("flowchart", "  n_", "  classDef")) for line in lines)


def test_a_section_gives_its_subtree_under_its_ancestors(cli) -> None:
    text = ok(cli("export", "--format", "mermaid", "--section", "4.3"))
    ids = re.findall(r"^  (n_\w+)\[", text, re.M)
    assert ids == ["n_4", "n_4_3", "n_4_3_1", "n_4_3_2", "n_4_3_3"]


def test_labels_are_escaped(cli, db_file: Path, tmp_path: Path) -> None:
    assert mermaid_text('Say "hi" #1 <b>') == "Say #quot;hi#quot; #35;1 #lt;b#gt;"
    assert dot_text('a "b" \\ c') == 'a \\"b\\" \\\\ c'
    with sqlite3.connect(db_file) as db:
        db.execute(
            """UPDATE taxonomy_node SET title = 'Over"thinking\\ #1 <b>' WHERE code = '4.3'"""
        )
    mermaid = ok(cli("export", "--format", "mermaid", "--section", "4.3"))
    assert 'n_4_3["4.3 Over#quot;thinking\\ #35;1 #lt;b#gt;<br/>22 papers"]' in mermaid
    need("dot")
    (tmp_path / "t.dot").write_text(ok(cli("export", "--format", "dot")), encoding="utf-8")
    result = run(["dot", "-Tsvg", "t.dot", "-o", "t.svg"], tmp_path)
    assert result.returncode == 0, result.stderr
    svg = (tmp_path / "t.svg").read_text(encoding="utf-8")
    assert "4.3 Over&quot;thinking\\ #1 &lt;b&gt;" in svg
    assert "Thinking more does not" in svg


# --- the command ----------------------------------------------------------------------------


def test_output_is_written_whole_and_reported(cli, tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("old content", encoding="utf-8")
    result = cli("export", "--section", "4.3", "--output", str(target))
    assert ok(result) == ""
    assert result.stderr == f"wrote 22 paper(s) as bib to {target}\n"
    assert target.read_text(encoding="utf-8") == ok(cli("export", "--section", "4.3"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.db", "refs.bib"]  # no temp file
    report = json.loads(ok(cli("export", "-o", str(tmp_path / "x.json"), "--json")))
    assert report == {"output": str(tmp_path / "x.json"), "format": "json", "papers": 128}
    assert json.loads((tmp_path / "x.json").read_text())["format"] == "lrmkb-export"


def test_the_format_follows_the_output_suffix(cli, tmp_path: Path) -> None:
    for name, start in [("a.md", "# Towards"), ("a.mmd", "flowchart"), ("a.dot", "digraph")]:
        ok(cli("export", "-o", str(tmp_path / name)))
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start), name


def test_selections_combine(cli) -> None:
    assert cli("tag", "yue2025reinforcement", "to-read").exit_code == 0
    keys = re.findall(
        r"^@\w+\{([^,]+),",
        ok(cli("export", "--section", "4.3.3", "--tag", "to-read", "--key", "2501.12948")),
        re.M,
    )
    assert keys == [
        "baek2025understanding",
        "chen2025seal",
        "dang2025internal",
        "deepseekai2025deepseekr1",
        "huang2025mitigating",
        "yue2025reinforcement",
        "zhang2025reasoning",
    ]


def test_the_same_database_gives_the_same_bytes(cli) -> None:
    for fmt in ("bib", "biblatex", "csl-json", "json", "md", "awesome", "mermaid", "dot"):
        assert ok(cli("export", "-f", fmt)) == ok(cli("export", "-f", fmt)), fmt


def test_export_changes_nothing_in_the_database(cli, db_file: Path, tmp_path: Path) -> None:
    def content() -> list[list[tuple]]:
        with sqlite3.connect(db_file) as db:
            tables = [
                "paper",
                "taxonomy_node",
                "finding",
                "paper_node",
                "finding_paper",
                "paper_tag",
            ]
            return [sorted(db.execute(f"SELECT * FROM {t}")) for t in tables]

    before = content()
    ok(cli("export", "-f", "md", "-o", str(tmp_path / "s.md")))
    assert content() == before


def test_bad_requests_get_one_line_errors(cli, tmp_path: Path) -> None:
    cases = [
        (["--format", "docx"], 2, "use one of bib, biblatex, csl-json, json, md"),
        (["--json"], 2, "--json reports on the file written by --output"),
        (["--section", "9.9"], 1, "Error: no section '9.9'"),
        (["--tag", "nope"], 1, "Error: no tag 'nope' — no paper has tags yet"),
        (["--key", "nobody2099"], 1, "Error: no paper 'nobody2099'"),
        (["-o", str(tmp_path / "missing" / "refs.bib")], 1, "missing does not exist"),
    ]
    for args, code, message in cases:
        result = cli("export", *args)
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "missing").exists()


def test_an_empty_selection_warns_but_succeeds(cli) -> None:
    result = cli("export", "--section", "B.2")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "warning: no papers in this selection" in result.stderr
    section = cli("export", "--section", "B.2", "--format", "md")  # a section has text anyway
    assert section.stdout.split("\n\n")[1] == "## B.2 Advancing Interpretability Methodology"
    assert section.stderr == ""


def test_export_does_not_load_sqlmodel(db_file: Path) -> None:
    """Read commands keep their start-up light (issue 6): no SQLAlchemy behind an export."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from lrmkb.cli import app\n"
        f"r = CliRunner().invoke(app, ['--db', {str(db_file)!r}, 'export', '-f', 'md'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m.startswith(('sqlmodel', 'sqlalchemy'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
