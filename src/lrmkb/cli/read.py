"""Read commands: search, show, tree, findings, tags, stats."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from . import complete, fast, output
from .core import JsonOpt, app, database
from .params import KeyArg


class SearchCommand(typer.core.TyperCommand):
    """Reads `-word` on the command line as an exclusion, not as the options -w -o -r -d."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # ctx: Typer's own Click's
        return super().parse_args(ctx, fast.protect_exclusions(args))


@app.command(cls=SearchCommand)
def search(
    ctx: typer.Context,
    query: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="QUERY",
            help='A question or words; "phrases", prefix*, -word, OR, field:value.',
            show_default=False,
        ),
    ] = None,
    type_: Annotated[
        str | None,
        typer.Option(
            "--type",
            metavar="KIND",
            help="Only one kind: paper, finding or node.",
            autocompletion=complete.choices(*fast.KINDS),
        ),
    ] = None,
    section: Annotated[
        list[str] | None,
        typer.Option(
            "--section",
            metavar="CODE",
            help="Only within this section (e.g. 4.3).",
            autocompletion=complete.sections,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", metavar="TAG", help="Only papers with this tag.", autocompletion=complete.tags
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=0, metavar="N", help="Results per group; 0 for all.")
    ] = fast.DEFAULT_LIMIT,
    as_json: JsonOpt = False,
    json_lines: Annotated[
        bool, typer.Option("--json-lines", help="One JSON object per result row (NDJSON).")
    ] = False,
) -> None:
    """Ask a question: the survey's best-matching topic answers first (its takeaway, key
    claims and contrary evidence), then topics, findings and papers, each ranked.

    \b
    Plain words are ranked (stop words ignored, stems matched); syntax is strict:
      why do reasoning models overthink   a question, in your own words
      "entropy collapse"         a phrase (required)
      steer*                     a prefix (required)
      overthinking OR underthinking
      -chen   NOT chen           without this word
      author:chen  title:entropy  tag:to-read
      year:2025  year:2024..2025  year:..2023
      section:4.3  -section:4.3  within (or outside) a section and its questions
    A citation key, arXiv id, DOI, short name or author's name finds that paper first.
    A word found nowhere is corrected to the closest indexed word (said on stderr).

    Example: lrmkb search why do reasoning models overthink
    """
    if not (query or section or tag):  # --section or --tag alone lists what they select
        raise typer.BadParameter(
            "give words to search for, or --section or --tag", param_hint="QUERY"
        )
    kinds: tuple[str, ...] = fast.KINDS
    if type_ is not None:
        if type_ not in kinds:
            raise typer.BadParameter("use paper, finding or node", param_hint="--type")
        kinds = (type_,)
    if as_json and json_lines:
        raise typer.BadParameter("use --json or --json-lines, not both", param_hint="--json-lines")
    result = fast.results(database(ctx), query or [], kinds, section or [], tag or [], limit)
    fast.show(result, as_json, json_lines)


@app.command()
def show(
    ctx: typer.Context,
    key: KeyArg,
    as_json: JsonOpt = False,
) -> None:
    """Everything about one paper: metadata, links, sections, claims, tags, your notes
    and the edits made to it.

    Example: lrmkb show arXiv:2505.22148v2
    """
    from ..editing import history
    from ..links import links
    from ..queries import find_paper, paper_record
    from ..records import PaperView

    db = database(ctx)
    row = find_paper(db, key)
    record = paper_record(db, row)
    view: PaperView = {**record, "links": links(record), "edits": history(db, row["id"])}
    if as_json:
        output.emit_json(view)
        return
    from .render import render_paper

    render_paper(view)


@app.command()
def tree(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The survey's taxonomy with the number of papers under each node."""
    from ..queries import taxonomy

    nodes = taxonomy(database(ctx))
    if as_json:
        output.emit_json(nodes)
        return
    from .render import render_tree

    render_tree(nodes)


@app.command()
def findings(
    ctx: typer.Context,
    section: Annotated[
        list[str] | None,
        typer.Option(
            "--section",
            metavar="CODE",
            help="Section or question code, e.g. 4.3.",
            autocompletion=complete.sections,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Takeaways and claims, each with the papers that support or contradict it."""
    from ..queries import findings as run

    items = run(database(ctx), section or ())
    if as_json:
        output.emit_json(items)
        return
    from .render import render_findings

    render_findings(items)


@app.command()
def tags(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """All tags with their paper counts."""
    from ..queries import tags as run

    items = run(database(ctx))
    if as_json:
        output.emit_json(items)
        return
    from .render import render_rows

    render_rows(["tag", "papers"], [[t["tag"], t["papers"]] for t in items], empty="no tags yet")


@app.command()
def stats(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Counts: papers, nodes, findings, tags; papers per section and per year."""
    from ..queries import stats as run

    data = run(database(ctx))
    if as_json:
        output.emit_json(data)
        return
    from .render import render_stats

    render_stats(data)
