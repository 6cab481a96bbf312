"""`lrmkb debates`: the disagreements the survey stages, with the papers on each side."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from . import output
from .core import JsonLinesOpt, JsonOpt, app, database
from .params import sections_option

if TYPE_CHECKING:
    from ..queries import Debate

SIDE_LABELS = {"supports": "yes", "contradicts": "no", "mentions": "bridging"}
DEBATES_COLUMNS = ("node", "id", "question", "side", "papers")


@app.command()
def debates(
    ctx: typer.Context,
    section: Annotated[
        list[str] | None,
        sections_option("Section or question code, e.g. 2.1."),
    ] = None,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Each question the survey's studies disagree on, with the papers on each side.

    Piped, one row per side: section, finding id, question, side (supports = yes,
    contradicts = no, mentions = bridging), the citation keys — in the survey's order.

    Example: lrmkb debates --section 2.1
    """
    from ..queries import debates as run

    output.check_modes(as_json, json_lines)
    items = run(database(ctx), section or ())
    if as_json:
        output.emit_json(items)
        return
    rows = [
        [item["node"], item["id"], item["question"], side, [p["key"] for p in papers]]
        for item in items
        for side, papers in item["sides"].items()
        if papers
    ]
    output.table(
        DEBATES_COLUMNS,
        rows,
        json_lines=json_lines,
        rich=lambda: render_debates(items),
        empty="no debates",
    )


def render_debates(items: list[Debate]) -> None:
    """The terminal view: each question, the papers on each side, the finding's text."""
    from rich.markup import escape

    from .views import finding_notes

    for item in items:
        where = f"{item['node']} {item['node_title']}"
        output.stdout.print(f"\n[bold magenta]⚖ {escape(item['question'] or '')}[/bold magenta]")
        notes = finding_notes(item["survey"]["page"], item["source"])
        output.stdout.print(f"[dim]{escape(' · '.join([where, item['id'], *notes]))}[/dim]")
        for side, papers in item["sides"].items():
            if papers:
                cites = "; ".join(p["cite"] for p in papers)
                output.stdout.print(f"  [bold]{SIDE_LABELS[side]:>8}[/bold]  {escape(cites)}")
        output.stdout.print(f"  {escape(item['text'])}")
