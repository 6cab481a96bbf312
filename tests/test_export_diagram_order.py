"""`export --format dot|mermaid` draws the taxonomy top-down in the survey's order: read
back from what graphviz actually renders, 1, 2, 3, 4, B, C from top to bottom, and every
node's children in the survey's order below one another (the bug: C on top, 1 at the
bottom)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from export_fixtures import need, run

SVG = "{http://www.w3.org/2000/svg}"


def rendered_columns(svg: str) -> list[list[str]]:
    """The nodes of a left-to-right SVG, column by column (left first), each column's
    node names from top to bottom (SVG's y grows downwards)."""
    columns: dict[float, list[tuple[float, str]]] = defaultdict(list)
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        text = group.find(f"{SVG}text")
        if text is None:  # the invisible root
            continue
        name = group.findtext(f"{SVG}title")
        columns[round(float(text.get("x")))].append((float(text.get("y")), name))
    return [[name for _, name in sorted(column)] for _, column in sorted(columns.items())]


def survey_order(cli) -> list[tuple[str, int]]:
    """(code, depth) of every node, in the survey's order (`lrmkb tree`)."""
    rows = [line.split("\t") for line in cli("tree").stdout.splitlines()]
    return [(row[0], int(row[3])) for row in rows]


def test_graphviz_draws_the_survey_top_down(cli, tmp_path: Path) -> None:
    need("dot")
    (tmp_path / "t.dot").write_text(cli("export", "--format", "dot").stdout, encoding="utf-8")
    result = run(["dot", "-Tsvg", "t.dot", "-o", "t.svg"], tmp_path)
    assert result.returncode == 0, result.stderr
    columns = rendered_columns((tmp_path / "t.svg").read_text(encoding="utf-8"))
    order = survey_order(cli)
    assert columns[0] == ["1", "2", "3", "4", "B", "C"]
    assert len(columns) == 1 + max(depth for _, depth in order)
    for depth, column in enumerate(columns):
        assert column == [code for code, d in order if d == depth], f"depth {depth}"


def test_graphviz_keeps_the_order_for_a_selection(cli, tmp_path: Path) -> None:
    need("dot")
    dot = cli("export", "--format", "dot", "--section", "4").stdout
    (tmp_path / "t.dot").write_text(dot, encoding="utf-8")
    assert run(["dot", "-Tsvg", "t.dot", "-o", "t.svg"], tmp_path).returncode == 0
    columns = rendered_columns((tmp_path / "t.svg").read_text(encoding="utf-8"))
    assert columns[:2] == [["4"], ["4.1", "4.2", "4.3", "4.4"]]
    assert columns[2][:3] == ["4.1.1", "4.1.2", "4.1.3"]


def test_mermaid_declares_nodes_and_edges_in_the_survey_order(cli) -> None:
    """Mermaid's layout keeps declaration order; no renderer is installed to read it back."""
    text = cli("export", "--format", "mermaid").stdout
    declared = re.findall(r'^  n_(\w+)\["', text, re.M)
    edges = re.findall(r"^  n_(\w+) --> n_(\w+)$", text, re.M)
    order = [code.replace(".", "_") for code, _ in survey_order(cli)]
    assert declared == order
    assert [child for _, child in edges] == [c for c in order if "_" in c]
