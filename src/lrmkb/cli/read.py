"""Read commands: search, show, tree, findings, tags, stats."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import complete, fast, output
from .core import JsonLinesOpt, JsonOpt, app, database
from .params import KeyArg

if TYPE_CHECKING:
    from ..records import Finding, PaperFinding, PaperView


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


SHOW_COLUMNS = ("field", "value")
TREE_COLUMNS = ("code", "parent", "kind", "depth", "papers", "title")
FINDINGS_COLUMNS = ("id", "kind", "node", "text", "supports", "contradicts", "mentions", "notes")
TAGS_COLUMNS = ("tag", "papers")
STATS_COLUMNS = ("group", "item", "count", "title")


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
    from ..editing import history
    from ..links import links
    from ..queries import find_paper, paper_record

    output.check_modes(as_json, json_lines)
    db = database(ctx)
    row = find_paper(db, key)
    record = paper_record(db, row)
    view: PaperView = {**record, "links": links(record), "edits": history(db, row["id"])}
    if as_json:
        output.emit_json(view)
        return
    from .render import render_paper

    output.table(
        SHOW_COLUMNS,
        paper_fields(view),
        json_lines=json_lines,
        rich=lambda: render_paper(view),
    )


def paper_fields(p: PaperView) -> list[tuple[str, Any]]:
    """A paper as (field, value) rows, in the order docs/output.md gives; lists one row
    per item, empty fields left out."""
    arxiv = p["arxiv_id"] and p["arxiv_id"] + (
        f"v{p['arxiv_version']}" if p["arxiv_version"] else ""
    )
    from .render import edit_line, paper_finding_notes, survey_place

    links = p.get("links", {})  # `show` adds its links, edits and notes to the record

    def finding(f: PaperFinding) -> str:
        notes = paper_finding_notes(f)
        return f"{f['id']} {f['stance']} {f['text']}" + (f" ({'; '.join(notes)})" if notes else "")

    rows: list[tuple[str, Any]] = [
        ("key", p["key"]),
        ("title", p["title"]),
        ("survey_title", p["survey_title"] if p["survey_title"] != p["title"] else None),
        ("short_name", p["short_name"]),
        *(("other_short_name", n) for n in p["other_short_names"]),
        *(("author", a) for a in p["authors"]),
        ("author", "others" if p["authors_more"] else None),
        ("cite", p.get("cite")),
        ("year", p["year"]),
        ("entry_type", p["entry_type"]),
        *((name, p[name]) for name in ("venue", "volume", "pages", "publisher", "note")),
        ("arxiv_id", arxiv),
        ("primary_category", p["primary_category"]),
        *(("category", c) for c in p["categories"]),
        ("published", p["published"]),
        *((name, p[name]) for name in ("doi", "url", "code_url")),
        *((name, links.get(name)) for name in ("abs", "pdf")),
        ("source", p["source"]),
        *(("tag", t) for t in p["tags"]),
        *(("section", n["code"]) for n in p["nodes"]),
        ("in_survey", survey_place(p)),
        ("abstract", p["abstract"]),
        *(("finding", finding(f)) for f in p["findings"]),
        *(("edit", edit_line(e)) for e in p.get("edits", [])),
        ("notes", p.get("notes")),
    ]
    return [(name, value) for name, value in rows if value not in (None, "")]


@app.command()
def tree(ctx: typer.Context, as_json: JsonOpt = False, json_lines: JsonLinesOpt = False) -> None:
    """The survey's taxonomy with the number of papers under each node.

    Piped: one row per node in the survey's order — code, parent, kind, depth, papers,
    title.

    Example: lrmkb tree | grep question
    """
    from ..queries import taxonomy

    output.check_modes(as_json, json_lines)
    nodes = taxonomy(database(ctx))
    if as_json:
        output.emit_json(nodes)
        return
    from .render import render_tree

    output.table(
        TREE_COLUMNS,
        [[n["code"], n["parent"], n["kind"], n["depth"], n["papers"], n["title"]] for n in nodes],
        json_lines=json_lines,
        rich=lambda: render_tree(nodes),
        empty="no taxonomy in this database",
    )


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
    from .render import finding_notes, render_findings

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
    from ..queries import tags as run

    output.check_modes(as_json, json_lines)
    items = run(database(ctx))
    if as_json:
        output.emit_json(items)
        return
    from .render import render_rows

    rows = [[t["tag"], t["papers"]] for t in items]
    output.table(
        TAGS_COLUMNS,
        rows,
        json_lines=json_lines,
        rich=lambda: render_rows(list(TAGS_COLUMNS), rows),
        empty="no tags yet — add some with `lrmkb tag KEY TAG...`",
    )


@app.command()
def stats(ctx: typer.Context, as_json: JsonOpt = False, json_lines: JsonLinesOpt = False) -> None:
    """Counts: papers, nodes, findings, tags; papers per source, section and year.

    Piped: one table — group, item, count, title (the title of a section).

    Example: lrmkb stats | grep ^year
    """
    from ..queries import stats as run

    output.check_modes(as_json, json_lines)
    data = run(database(ctx))
    if as_json:
        output.emit_json(data)
        return
    from .render import render_stats

    output.table(
        STATS_COLUMNS,
        stats_rows(data),
        json_lines=json_lines,
        rich=lambda: render_stats(data),
    )


def stats_rows(s: dict[str, Any]) -> list[list[Any]]:
    """`stats` as one table: (group, item, count, title)."""
    from .render import release_text

    return [
        *(
            ["total", what, s[what], None]
            for what in ("papers", "nodes", "findings", "tags", "notes")
        ),
        *(["nodes", kind, n, None] for kind, n in sorted(s["node_kinds"].items())),
        ["findings", "takeaway", s["takeaways"], None],
        ["findings", "claim", s["claims"], None],
        *(["source", source, n, None] for source, n in s["papers_by_source"].items()),
        *(["section", r["code"], r["papers"], r["title"]] for r in s["papers_per_section"]),
        *(["year", r["year"], r["papers"], None] for r in s["papers_per_year"]),
        ["survey", "release", None, release_text(s["survey_release"])],
    ]
