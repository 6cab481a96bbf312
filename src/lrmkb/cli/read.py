"""Read commands: search, show, tree, findings, tags, stats."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import complete, fast, output, views
from .core import JsonLinesOpt, JsonOpt, app, database
from .params import KeyArg, sections_option, tags_option

if TYPE_CHECKING:
    from ..records import Finding


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
        sections_option("Only within this section (e.g. 4.3)."),
    ] = None,
    tag: Annotated[
        list[str] | None,
        tags_option("Only papers with this tag."),
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
    output.check_modes(as_json, json_lines)
    if not (query or section or tag):  # --section or --tag alone lists what they select
        raise typer.BadParameter(
            "give words to search for, or --section or --tag", param_hint="QUERY"
        )
    kinds: tuple[str, ...] = fast.KINDS
    if type_ is not None:
        if type_ not in kinds:
            raise typer.BadParameter("use paper, finding or node", param_hint="--type")
        kinds = (type_,)
    result = fast.results(database(ctx), query or [], kinds, section or [], tag or [], limit)
    fast.show(result, as_json, json_lines)


FINDINGS_COLUMNS = ("id", "kind", "node", "text", "supports", "contradicts", "mentions", "notes")


@app.command()
def show(
    ctx: typer.Context,
    key: KeyArg,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Everything about one paper: metadata, links, sections, claims, tags, your notes
    and the edits made to it.

    Piped: one row per field, its name then its value (authors, tags, sections and
    findings one row each), so `lrmkb show KEY | awk -F'\\t' '$1=="doi" {print $2}'` prints its DOI.

    \b
    Examples:
      lrmkb show marjanovic2025deepseekr1
      lrmkb show arXiv:2505.22148v2 --json
    """
    output.check_modes(as_json, json_lines)
    views.print_paper(views.read_paper(database(ctx), key), as_json, json_lines)


@app.command()
def tree(ctx: typer.Context, as_json: JsonOpt = False, json_lines: JsonLinesOpt = False) -> None:
    """The survey's taxonomy with the number of papers under each node.

    Piped: one row per node in the survey's order — code, parent, kind, depth, papers,
    title.

    Example: lrmkb tree | grep question
    """
    output.check_modes(as_json, json_lines)
    views.print_tree(views.read_tree(database(ctx)), as_json, json_lines)


@app.command()
def findings(
    ctx: typer.Context,
    section: Annotated[
        list[str] | None,
        sections_option("Section or question code, e.g. 4.3."),
    ] = None,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Takeaways and claims, each with the papers that support or contradict it.

    A section includes its research questions. Piped: id, kind, node, text, the citation
    keys that support, contradict or merely mention it, and notes (the survey page; a
    finding only the paper states; the debate it records).

    Example: lrmkb findings --section 4.3.3
    """
    from ..queries import findings as run

    output.check_modes(as_json, json_lines)
    items = run(database(ctx), section or ())
    if as_json:
        output.emit_json(items)
        return
    from .render import render_findings
    from .views import finding_notes

    def keys(f: Finding, stance: str) -> list[str]:
        return [p["key"] for p in f["papers"] if p["stance"] == stance]

    rows: list[list[Any]] = [
        [f["id"], f["kind"], f["node"], f["text"]]
        + [keys(f, s) for s in ("supports", "contradicts", "mentions")]
        + ["; ".join(finding_notes(f["survey"]["page"], f["source"], f["debate"])) or None]
        for f in items
    ]

    output.table(
        FINDINGS_COLUMNS,
        rows,
        json_lines=json_lines,
        rich=lambda: render_findings(items),
        empty="no findings",
    )


@app.command()
def tags(ctx: typer.Context, as_json: JsonOpt = False, json_lines: JsonLinesOpt = False) -> None:
    """All tags with their paper counts.

    Example: lrmkb tags
    """
    output.check_modes(as_json, json_lines)
    views.print_tags(views.read_tags(database(ctx)), as_json, json_lines)


@app.command()
def stats(ctx: typer.Context, as_json: JsonOpt = False, json_lines: JsonLinesOpt = False) -> None:
    """Counts: papers, nodes, findings, tags; papers per source, section and year.

    Piped: one table — group, item, count, title (the title of a section).

    Example: lrmkb stats | grep ^year
    """
    output.check_modes(as_json, json_lines)
    views.print_stats(views.read_stats(database(ctx)), as_json, json_lines)
