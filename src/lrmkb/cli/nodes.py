"""Node commands: `node add` and `node rm`, the user's own sections and questions."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from . import output
from .core import JsonLinesOpt, JsonOpt, Typer, app, database
from .params import DryRunOpt

node_app = Typer(
    help="Your own sections and research questions beside the survey's.\n\n"
    "Example: lrmkb node add 4.3.probes 'Can probes predict overthinking?' --under 4.3",
    no_args_is_help=True,
)
app.add_typer(node_app, name="node")

ADD_COLUMNS = ("code", "kind", "parent", "title")
RM_COLUMNS = ("code", "title", "unfiled", "query")


@node_app.command("add")
def node_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar="CODE", help="Its code, e.g. 4.3.mech.")],
    title: Annotated[str, typer.Argument(metavar="TITLE", help="Its title (one line).")],
    under: Annotated[
        str | None,
        typer.Option(
            "--under",
            metavar="CODE",
            help="The section (it becomes a research question) or dimension (a section) "
            "it goes under. Default: a section at the top.",
            show_default=False,
        ),
    ] = None,
    summary: Annotated[
        str,
        typer.Option("--summary", metavar="TEXT", help="What belongs there (helps suggestions)."),
    ] = "",
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Add a section or research question of your own: file papers under it (`lrmkb
    file`), watch it on arXiv (`lrmkb watch set`); the classifier suggests it too. Its
    code needs a word of two or more letters (`4.3.mech`, not `4.3.4`), so that no
    survey release can take it; `lrmkb db update` leaves it alone.

    \b
    Example:
      lrmkb node add 4.3.probes 'Can probes predict overthinking?' --under 4.3
      lrmkb watch set 4.3.probes 'abs:overthinking AND abs:probe'
    """
    from ..nodes import add_node

    output.check_modes(as_json, json_lines)
    result = add_node(
        database(ctx, write=not dry_run),
        code,
        title,
        parent=under,
        summary=summary,
        dry_run=dry_run,
    )
    if as_json:
        output.emit_json(result)
        return
    if dry_run:
        output.notice("dry run: nothing was written")
    verb = "would add" if dry_run else "added"
    where = f" under {result['parent']}" if result["parent"] else " at the top"
    said = f"{verb} {result['kind']} {result['code']} {result['title']}{where}"
    output.table(
        ADD_COLUMNS,
        [[result["code"], result["kind"], result["parent"], result["title"]]],
        json_lines=json_lines,
        rich=lambda: output.stdout.print(said, markup=False),
    )


@node_app.command("rm")
def node_rm(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar="CODE", help="A node you added.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Remove a node you added. The papers filed under it stay in your library (unfiled
    from it); its watch query goes. Asks first (--yes does not).

    Example: lrmkb node rm 4.3.probes --yes
    """
    from ..errors import UsageError
    from ..nodes import remove_node

    output.check_modes(as_json, json_lines)
    if not (yes or dry_run):
        preview = remove_node(database(ctx), code, dry_run=True)
        if not sys.stdin.isatty():
            raise UsageError(
                "not removing anything without confirmation (no terminal to ask on)",
                "pass --yes to remove, or --dry-run to see what would go",
            )
        output.notice(_removed_line("would remove", preview))
        if not output.confirm(f"Remove {preview['code']}?"):
            raise typer.Abort
    result = remove_node(database(ctx, write=not dry_run), code, dry_run=dry_run)
    if as_json:
        output.emit_json(result)
        return
    if dry_run:
        output.notice("dry run: nothing was written")
    said = _removed_line("would remove" if dry_run else "removed", result)
    output.table(
        RM_COLUMNS,
        [[result["code"], result["title"], result["unfiled"], result["query"]]],
        json_lines=json_lines,
        rich=lambda: output.stdout.print(said, markup=False),
    )


def _removed_line(verb: str, result: dict[str, Any]) -> str:
    went = []
    if result["unfiled"]:
        went.append(f"unfiled {' '.join(result['unfiled'])}")
    if result["query"]:
        went.append(f"its watch query {result['query']}")
    return f"{verb} {result['code']} {result['title']}" + (f" ({'; '.join(went)})" if went else "")
