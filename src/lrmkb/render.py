"""Rendering for the terminal (Rich) and for pipes (plain, stable lines).
Only the CLI imports this module."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from .output import is_terminal, plain, stdout

STANCE_MARK = {"supports": "+", "contradicts": "−", "mentions": "·"}


def render_rows(headers: list[str], rows: list[list[Any]], *, empty: str = "nothing") -> None:
    """A table on a terminal; tab-separated lines with a header on a pipe."""
    if not rows:
        plain(empty) if not is_terminal() else stdout.print(f"[dim]{empty}[/dim]")
        return
    if not is_terminal():
        plain("\t".join(headers))
        for row in rows:
            plain("\t".join("" if v is None else str(v) for v in row))
        return
    table = Table(*headers, header_style="bold")
    for row in rows:
        table.add_row(*("" if v is None else escape(str(v)) for v in row))
    stdout.print(table)


def render_tree(nodes: list[dict[str, Any]]) -> None:
    if not is_terminal():
        for n in nodes:
            plain(f"{'  ' * n['depth']}{n['code']} {n['title']} ({n['papers']})")
        return
    root = Tree("[bold]Mechanisms of large reasoning models[/bold]")
    branches: dict[str | None, Tree] = {None: root}
    for n in nodes:
        style = {"dimension": "bold cyan", "appendix": "bold magenta", "question": "dim"}.get(
            n["kind"], "bold"
        )
        label = f"[{style}]{escape(n['code'])} {escape(n['title'])}[/{style}] [green]({n['papers']})[/green]"
        branches[n["code"]] = branches[n["parent"]].add(label)
    stdout.print(root)


def render_paper(p: dict[str, Any]) -> None:
    authors = ", ".join(p["authors"]) + (", and others" if p["authors_more"] else "")
    lines = [
        ("key", p["key"]),
        ("title", p["title"]),
        ("short name", p["short_name"]),
        ("authors", authors),
        ("year", p["year"]),
        ("venue", p["venue"]),
        (
            "arXiv",
            f"{p['arxiv_id']}" + (f"v{p['arxiv_version']}" if p["arxiv_version"] else "")
            if p["arxiv_id"]
            else None,
        ),
        ("DOI", p["doi"]),
        ("url", p["url"]),
        ("code", p["code_url"]),
        ("published", p["published"]),
        ("categories", ", ".join(p["categories"]) or None),
        ("source", p["source"]),
        ("tags", ", ".join(p["tags"]) or None),
        ("sections", "; ".join(f"{n['code']} {n['title']}" for n in p["nodes"]) or None),
    ]
    if not is_terminal():
        for name, value in lines:
            if value not in (None, ""):
                plain(f"{name}: {value}")
        if p["abstract"]:
            plain(f"abstract: {p['abstract']}")
        for f in p["findings"]:
            plain(f"{f['kind']} [{f['node']}] ({f['stance']}): {f['text']}")
        return
    stdout.print(f"[bold]{escape(p['title'])}[/bold]")
    for name, value in lines[2:]:
        if value not in (None, ""):
            stdout.print(f"[cyan]{name:>10}[/cyan]  {escape(str(value))}")
    stdout.print(f"[cyan]{'key':>10}[/cyan]  {escape(p['key'])}")
    if p["abstract"]:
        stdout.print(f"\n[bold]Abstract[/bold]\n{escape(p['abstract'])}")
    if p["findings"]:
        stdout.print("\n[bold]What the survey says about it[/bold]")
        for f in p["findings"]:
            stdout.print(
                f" {STANCE_MARK[f['stance']]} [dim]{f['node']} {f['kind']}[/dim] {escape(f['text'])}"
            )


def _evidence(papers: list[dict[str, Any]]) -> str:
    parts = []
    for stance in ("supports", "contradicts", "mentions"):
        cites = [f"{p['cite']} [{p['key']}]" for p in papers if p["stance"] == stance]
        if cites:
            parts.append(f"{stance}: " + "; ".join(cites))
    return " | ".join(parts)


def render_findings(items: list[dict[str, Any]]) -> None:
    if not items:
        plain("no findings")
        return
    current = None
    for f in items:
        if not is_terminal():
            plain(f"{f['node']}\t{f['kind']}\t{f['id']}\t{f['text']}\t{_evidence(f['papers'])}")
            continue
        if f["node"] != current:
            current = f["node"]
            stdout.print(f"\n[bold cyan]{escape(f['node'])} {escape(f['node_title'])}[/bold cyan]")
        mark = "[yellow]💡 takeaway[/yellow] " if f["kind"] == "takeaway" else "• "
        stdout.print(f"{mark}{escape(f['text'])}")
        stdout.print(f"   [dim]{escape(_evidence(f['papers']))}[/dim]")


def render_search(result: dict[str, Any]) -> None:
    groups = result["results"]
    total = sum(len(v) for v in groups.values())
    if result.get("corrected"):
        (stdout.print if is_terminal() else plain)(f'showing results for "{result["corrected"]}"')
    if total == 0:
        plain(f"no results for {result['query']!r}")
        return
    if not is_terminal():
        for f in groups.get("finding", []):
            plain(f"finding\t{f['node']}\t{f['id']}\t{f['text']}")
        for n in groups.get("node", []):
            plain(f"topic\t{n['code']}\t{n['title']}")
        for p in groups.get("paper", []):
            plain(
                f"paper\t{p['key']}\t{p['year'] or ''}\t{p['short_name'] or p['title']}\t{' '.join(p['sections'])}"
            )
        return
    if groups.get("finding"):
        stdout.print("[bold]Findings[/bold]")
        for f in groups["finding"]:
            mark = "💡" if f["kind"] == "takeaway" else "•"
            stdout.print(f" {mark} [dim]{f['node']}[/dim] {escape(f['text'])}")
    if groups.get("node"):
        stdout.print("[bold]Topics[/bold]")
        for n in groups["node"]:
            stdout.print(f" [cyan]{escape(n['code'])}[/cyan] {escape(n['title'])}")
    if groups.get("paper"):
        render_rows(
            ["key", "year", "paper", "sections"],
            [
                [
                    p["key"],
                    p["year"],
                    p["short_name"] + ": " + p["title"] if p["short_name"] else p["title"],
                    " ".join(p["sections"]),
                ]
                for p in groups["paper"]
            ],
        )


def render_stats(s: dict[str, Any]) -> None:
    render_rows(
        ["what", "count"],
        [
            ["papers", s["papers"]],
            ["taxonomy nodes", s["nodes"]],
            *[[f"  {k}", v] for k, v in sorted(s["node_kinds"].items())],
            ["findings", s["findings"]],
            ["  takeaways", s["takeaways"]],
            ["  claims", s["claims"]],
            ["tags", s["tags"]],
        ],
    )
    render_rows(
        ["section", "title", "papers"],
        [[r["code"], r["title"], r["papers"]] for r in s["papers_per_section"]],
    )
    render_rows(["year", "papers"], [[r["year"] or "—", r["papers"]] for r in s["papers_per_year"]])
