"""The taxonomy (the survey's Figure 1) as a diagram: a Mermaid flowchart for Markdown
pages, a Graphviz digraph for `dot -Tsvg`. Dimensions, sections and research questions,
each labelled with its code, title and paper count, drawn left to right (parent, then its
children) and top-down in the survey's order: 1, 2, 3, 4, B, C, each node's children in
order below one another."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..records import Node

if TYPE_CHECKING:
    from . import ExportData, Options

WRAP = 38  # characters per label line: the boxes stay readable side by side
STYLES = {  # fill, stroke: Figure 1's palette (teal headers, salmon sections, cream questions)
    "dimension": ("#b9d3cc", "#5b8a80"),
    "appendix": ("#d9d9d9", "#7f7f7f"),
    "section": ("#f4c6b4", "#c0603f"),
    "question": ("#fbeee6", "#d9a58f"),
}


def _label_lines(node: Node) -> list[str]:
    count = node["papers"]
    papers = f"{count} paper{'s' if count != 1 else ''}"
    return [*textwrap.wrap(f"{node['code']} {node['title']}", WRAP), papers]


def _nodes(data: ExportData) -> list[Node]:
    return [n for n in data.nodes if n["code"] in data.shown]


def mermaid_id(code: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9]", "_", code)


def mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: `#` starts Mermaid's entity codes, `"` ends the
    label, `<`/`>` would be read as HTML and a leading backtick as Markdown."""
    for char, code in [("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;")]:
        text = text.replace(char, code)
    return text


def render(data: ExportData, options: Options) -> Iterator[str]:
    """The taxonomy as a Graphviz digraph (`options.variant == "dot"`) or, by default, a
    Mermaid flowchart."""
    yield dot(data) if options.variant == "dot" else mermaid(data)


def mermaid(data: ExportData) -> str:
    lines = ["flowchart LR"]
    nodes = _nodes(data)
    shown = {n["code"] for n in nodes}
    for node in nodes:
        label = "<br/>".join(mermaid_text(line) for line in _label_lines(node))
        lines.append(f'  {mermaid_id(node["code"])}["{label}"]:::{node["kind"]}')
    for node in nodes:
        if node["parent"] in shown:
            lines.append(f"  {mermaid_id(node['parent'])} --> {mermaid_id(node['code'])}")
    for kind, (fill, stroke) in STYLES.items():
        lines.append(f"  classDef {kind} fill:{fill},stroke:{stroke},color:#222")
    return "\n".join(lines) + "\n"


def dot_text(text: str) -> str:
    """Text inside a double-quoted DOT string: backslash and quote escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


ROOT = "taxonomy"  # an invisible node above the top-level ones, see `dot`


def dot(data: ExportData) -> str:
    """Graphviz keeps a node's out-edges in the order written under `ordering=out`, but
    it has no such rule for nodes without a parent, and stacks those bottom-up: so the
    top-level nodes hang from one invisible root, in order, and the survey reads top-down."""
    lines = [
        "digraph taxonomy {",
        "  rankdir=LR;",
        "  ordering=out;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
        '  edge [color="#888888"];',
        f'  "{ROOT}" [shape=point, style=invis, width=0, height=0, label=""];',
    ]
    nodes = _nodes(data)
    shown = {n["code"] for n in nodes}
    for node in nodes:
        fill, stroke = STYLES.get(node["kind"], STYLES["section"])
        label = "\\n".join(dot_text(line) for line in _label_lines(node))
        lines.append(
            f'  "{dot_text(node["code"])}" [label="{label}", fillcolor="{fill}", color="{stroke}"];'
        )
    for node in nodes:
        if node["parent"] in shown:
            lines.append(f'  "{dot_text(node["parent"])}" -> "{dot_text(node["code"])}";')
        else:
            lines.append(f'  "{ROOT}" -> "{dot_text(node["code"])}" [style=invis];')
    lines.append("}")
    return "\n".join(lines) + "\n"
