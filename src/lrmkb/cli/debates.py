"""`lrmkb debates`: the disagreements the survey stages, with the papers on each side."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from . import output
from .core import JsonOpt, app, database

if TYPE_CHECKING:
    from ..queries import Debate

SIDE_LABELS = {"supports": "yes", "contradicts": "no", "mentions": "bridging"}


@app.command()
def debates(
    ctx: typer.Context,
    section: Annotated[
        list[str] | None,
        typer.Option("--section", metavar="CODE", help="Section or question code, e.g. 2.1."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Each question the survey's studies disagree on, with the papers on each side.

    Piped, one line per side: section, finding id, question, side (supports = yes,
    contradicts = no, mentions = bridging), the papers — in the survey's order.

    Example: lrmkb debates --section 2.1
    """
    from ..queries import debates as run

    items = run(database(ctx), section or ())
    if as_json:
        output.emit_json(items)
        return
    render_debates(items)


def render_debates(items: list[Debate]) -> None:
    if not items:
        output.plain("no debates")
        return
    if not output.is_terminal():
        for item in items:
            for side, papers in item["sides"].items():
                if papers:
                    cites = "; ".join(f"{p['cite']} [{p['key']}]" for p in papers)
                    output.plain(
                        f"{item['node']}\t{item['id']}\t{item['question']}\t{side}\t{cites}"
                    )
        return
    from rich.markup import escape

    from .render import finding_notes

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
