"""The terminal views (Rich) of the commands' results. Piped output is not made here but
by `output.table` (docs/output.md). Only the CLI imports this module."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from ..records import Evidence, Finding, Node, PaperView
from .output import stdout
from .views import edit_line, finding_notes, paper_finding_notes, release_text, survey_place

STANCE_MARK = {"supports": "+", "contradicts": "−", "mentions": "·"}


def render_rows(headers: list[str], rows: list[list[Any]]) -> None:
    """A Rich table with a header."""
    table = Table(*headers, header_style="bold")
    for row in rows:
        table.add_row(*("" if v is None else escape(str(v)) for v in row))
    stdout.print(table)


def render_tree(nodes: list[Node]) -> None:
    root = Tree("[bold]Mechanisms of large reasoning models[/bold]")
    branches: dict[str | None, Tree] = {None: root}
    for n in nodes:
        style = {"dimension": "bold cyan", "appendix": "bold magenta", "question": "dim"}.get(
            n["kind"], "bold"
        )
        label = f"[{style}]{escape(n['code'])} {escape(n['title'])}[/{style}] [green]({n['papers']})[/green]"
        branches[n["code"]] = branches[n["parent"]].add(label)
    stdout.print(root)


def render_paper(p: PaperView) -> None:
    authors = ", ".join(p["authors"]) + (", and others" if p["authors_more"] else "")
    lines = [
        ("key", p["key"]),
        ("survey title", p["survey_title"] if p["survey_title"] != p["title"] else None),
        ("short name", p["short_name"]),
        ("also called", "; ".join(p["other_short_names"]) or None),
        ("authors", authors),
        ("cited as", p["cite"]),
        ("year", p["year"]),
        ("venue", p["venue"]),
        (
            "arXiv",
            f"{p['arxiv_id']}" + (f"v{p['arxiv_version']}" if p["arxiv_version"] else "")
            if p["arxiv_id"]
            else None,
        ),
        *p.get("links", {}).items(),  # `show` adds links and edits to the record
        ("published", p["published"]),
        ("categories", ", ".join(p["categories"]) or None),
        ("source", p["source"]),
        ("tags", ", ".join(p["tags"]) or None),
        ("sections", "; ".join(f"{n['code']} {n['title']}" for n in p["nodes"]) or None),
        ("in the survey", survey_place(p)),
    ]
    stdout.print(f"[bold]{escape(p['title'])}[/bold]")
    for name, value in lines:
        if value not in (None, ""):
            stdout.print(f"[cyan]{name:>10}[/cyan]  {escape(str(value))}")
    if p["abstract"]:
        stdout.print(f"\n[bold]Abstract[/bold]\n{escape(p['abstract'])}")
    if p["findings"]:
        stdout.print("\n[bold]What the survey says about it[/bold]")
        for f in p["findings"]:
            notes = " · ".join(paper_finding_notes(f))
            stdout.print(
                f" {STANCE_MARK[f['stance']]} [dim]{f['node']} {f['kind']}[/dim] {escape(f['text'])}"
                + (f" [dim]({escape(notes)})[/dim]" if notes else "")
            )
    if p.get("edits"):
        stdout.print("\n[bold]Edits[/bold]")
        for e in p.get("edits", []):
            stdout.print(f" [dim]{escape(edit_line(e))}[/dim]")
    if p["notes"]:
        from rich.markdown import Markdown

        stdout.print("\n[bold]Notes[/bold]")
        stdout.print(Markdown(p["notes"]))


def _evidence(papers: list[Evidence]) -> str:
    parts = []
    for stance in ("supports", "contradicts", "mentions"):
        cites = [f"{p['cite']} [{p['key']}]" for p in papers if p["stance"] == stance]
        if cites:
            parts.append(f"{stance}: " + "; ".join(cites))
    return " | ".join(parts)


def render_findings(items: list[Finding]) -> None:
    current = None
    for f in items:
        notes = finding_notes(f["survey"]["page"], f["source"], f["debate"])
        if f["node"] != current:
            current = f["node"]
            stdout.print(f"\n[bold cyan]{escape(f['node'])} {escape(f['node_title'])}[/bold cyan]")
        mark = "[yellow]💡 takeaway[/yellow] " if f["kind"] == "takeaway" else "• "
        if debate := f["debate"]:
            mark += f"[magenta]⚖ {escape(debate)}[/magenta] "
        stdout.print(f"{mark}{escape(f['text'])}")
        stdout.print(f"   [dim]{escape(' | '.join([_evidence(f['papers']), *notes]))}[/dim]")


def _hanging(rows: Iterable[tuple[str, str, str]], markup: bool = False) -> Table:
    """Mark, code, text — wrapped text stays indented under itself (`markup`: the text is
    Rich markup, already escaped)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=2)
    grid.add_column(style="cyan", no_wrap=True, min_width=5)
    grid.add_column()
    for mark, code, text in rows:
        grid.add_row(mark, escape(code), text if markup else escape(text))
    return grid


def render_search(result: dict[str, Any]) -> None:
    """The terminal view of a search: the answer card (topic path, summary, takeaways,
    key claims and contrary evidence, each with its papers), then topics, findings and
    papers, each headed by how many there are. Notices are printed by `fast.show` (on
    stderr); piped output is `fast.rows`, so that a search in a script never imports Rich."""
    from .fast import order

    shown: set[str] = set()
    if answer := result["answer"]:
        shown = _render_answer(answer)
    for kind in order(result):
        items = [item for item in result["results"][kind] if _ident(kind, item) not in shown]
        total = result["totals"][kind] - (len(result["results"][kind]) - len(items))
        if not items:
            if total:  # all shown above, more left out
                stdout.print(f"\n[dim]{_GROUP[kind]}: {total} more — --limit 0 for all[/dim]")
            continue
        stdout.print(_heading(kind, len(items), total, bool(shown)))
        if kind == "paper":
            _render_papers(items)
        elif kind == "finding":
            stdout.print(_hanging((_MARK[f["kind"]], f["node"], f["text"]) for f in items))
        else:
            stdout.print(_hanging(("", n["code"], n["title"]) for n in items))


_MARK = {"takeaway": "💡", "claim": "•"}
_GROUP = {"node": "Topics", "finding": "Findings", "paper": "Papers"}


def _ident(kind: str, item: dict[str, Any]) -> str:
    return str(
        item["key"] if kind == "paper" else item["id"] if kind == "finding" else item["code"]
    )


def _heading(kind: str, shown: int, total: int, more: bool) -> str:
    """`Papers (10 of 22 — --limit 0 for all)`; `Other topics` after an answer card."""
    name = f"Other {_GROUP[kind].lower()}" if more and kind != "paper" else _GROUP[kind]
    count = f"{shown} of {total} — --limit 0 for all" if shown < total else f"{total}"
    return f"\n[bold]{name}[/bold] [dim]({escape(count)})[/dim]"


def _render_answer(answer: dict[str, Any]) -> set[str]:
    """The answer card; returns the ids of the topic and findings it showed."""
    path = " › ".join(f"{p['code']} {p['title']}" for p in answer["path"])
    stdout.print(f"[bold cyan]{escape(path)}[/bold cyan]")
    stdout.print(f"[dim]{escape(answer['summary'])}[/dim]")
    shown = {answer["code"]}
    for title, findings in (
        ("", answer["takeaways"]),
        ("Key claims", answer["claims"]),
        ("Contrary evidence", answer["contrary"]),
    ):
        if not findings:
            continue
        if title:
            stdout.print(f"[bold]{title}[/bold]")
        for f in findings:
            mark = "💡" if f["kind"] == "takeaway" else "•"
            stdout.print(_hanging([(mark, f["node"], f["text"])]))
            stdout.print(_hanging([("", "", f"[dim]{escape(_stances(f))}[/dim]")], markup=True))
            shown.add(f["id"])
    return shown


def _stances(finding: dict[str, Any]) -> str:
    return " | ".join(
        f"{stance}: {', '.join(finding[stance])}"
        for stance in ("supports", "contradicts", "mentions")
        if finding[stance]
    )


def _render_papers(papers: list[dict[str, Any]]) -> None:
    table = Table("key", "year", "paper", "sections", header_style="bold")
    for p in papers:
        short, title = p["short_name"], p["title"]
        # "SafeChain: SafeChain: Safety of …" says the name twice: a title may begin with it
        named = short and not title.casefold().startswith(short.casefold())
        name = f"{short}: {title}" if named else title
        table.add_row(
            escape(p["key"]), escape(str(p["year"] or "")), escape(name), " ".join(p["sections"])
        )
    stdout.print(table)


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
            ["notes", s["notes"]],
            ["survey release", release_text(s["survey_release"])],
        ],
    )
    render_rows(
        ["section", "title", "papers"],
        [[r["code"], r["title"], r["papers"]] for r in s["papers_per_section"]],
    )
    render_rows(["year", "papers"], [[r["year"] or "—", r["papers"]] for r in s["papers_per_year"]])
    render_rows(["source", "papers"], [[k, n] for k, n in s["papers_by_source"].items()])
