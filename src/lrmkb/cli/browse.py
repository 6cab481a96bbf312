"""Browsing the library: `list` (papers by section, tag, year, source, recency) and `open`
(a paper's arXiv page, PDF, DOI, web page or code in the browser)."""

from __future__ import annotations

from typing import Annotated

import typer

from . import complete, output, views
from .core import JsonLinesOpt, JsonOpt, app, database
from .params import KeyArg, sections_option, tags_option


@app.command("list")
def list_(
    ctx: typer.Context,
    section: Annotated[
        list[str] | None, sections_option("In this section or question (repeatable: any of them).")
    ] = None,
    tag: Annotated[
        list[str] | None, tags_option("With this tag (repeatable: any of them).")
    ] = None,
    year: Annotated[
        str | None,
        typer.Option("--year", metavar="YEARS", help="2025, 2024..2025, 2024.. or ..2023."),
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            metavar="SOURCE",
            help="Where it came from: survey, arxiv, bibtex or manual (repeatable).",
            autocompletion=complete.choices("survey", "arxiv", "bibtex", "manual"),
            show_default=False,
        ),
    ] = None,
    added_since: Annotated[
        str | None,
        typer.Option(
            "--added-since",
            metavar="WHEN",
            help="Added on or after this date (YYYY-MM-DD), or in the last 7d / 2w.",
        ),
    ] = None,
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            metavar="ORDER",
            help="added (newest first), year (newest first), key or title.",
            autocompletion=complete.choices("added", "year", "key", "title"),
        ),
    ] = "key",
    limit: Annotated[
        int, typer.Option("--limit", min=0, metavar="N", help="At most N papers; 0 for all.")
    ] = 0,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """List papers, with the total. Filters of one kind are alternatives, filters of
    different kinds all apply. Piped: one row per paper — key, year, source, sections,
    tags, short name, title — and the total on stderr.

    \b
    Examples:
      lrmkb list --section 4.3 --year 2025
      lrmkb list --tag to-read --sort added
      lrmkb list --source arxiv --added-since 7d --json
    """
    from ..listing import SORTS, Filters, check_source, list_papers, parse_since, parse_years

    output.check_modes(as_json, json_lines)
    if sort not in SORTS:
        raise typer.BadParameter(f"use one of {', '.join(SORTS)}", param_hint="--sort")
    filters = Filters(
        sections=section or (),
        tags=tag or (),
        years=parse_years(year) if year else None,
        sources=[check_source(s) for s in source or ()],
        added_since=parse_since(added_since) if added_since else None,
    )
    result = list_papers(database(ctx), filters, sort=sort, limit=limit or None)
    views.print_list(result, as_json, json_lines)


@app.command("open")
def open_(
    ctx: typer.Context,
    key: KeyArg,
    pdf: Annotated[bool, typer.Option("--pdf", help="arXiv's PDF.")] = False,
    abs_: Annotated[bool, typer.Option("--abs", help="The arXiv abstract page.")] = False,
    doi: Annotated[bool, typer.Option("--doi", help="The DOI's landing page.")] = False,
    url: Annotated[bool, typer.Option("--url", help="The paper's own web page.")] = False,
    code: Annotated[bool, typer.Option("--code", help="Its code repository.")] = False,
    print_: Annotated[
        bool, typer.Option("--print", help="Print the link instead of opening it.")
    ] = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Open a paper's link in your web browser (the desktop's default, or $BROWSER).

    Without a choice: the arXiv page, else the DOI, else the web page. `lrmkb show KEY`
    lists every link a paper has. --print (or --json-lines) prints the link instead.

    \b
    Examples:
      lrmkb open marjanovic2025deepseekr1 --pdf
      lrmkb open 2504.07128 --code --print
    """
    from ..links import link
    from ..queries import find_paper, paper_dict

    chosen = [
        k
        for k, on in (("pdf", pdf), ("abs", abs_), ("doi", doi), ("url", url), ("code", code))
        if on
    ]
    if len(chosen) > 1:
        raise typer.BadParameter("choose one link", param_hint="--" + " / --".join(chosen))
    address = link(paper_dict(find_paper(database(ctx), key)), chosen[0] if chosen else None)
    if print_ or json_lines:
        output.table(("url",), [[address]], json_lines=json_lines)
        return
    import webbrowser

    if not webbrowser.open(address):
        from ..errors import BadInput

        raise BadInput(
            f"no web browser could be started for {address}",
            "set $BROWSER, or print the link with --print",
        )
    output.notice(f"opened {address}")
