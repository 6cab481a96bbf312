"""Watch commands: `watch set/list/rm/run/report` and the `inbox` they fill."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import EXIT_BAD_INPUT
from . import output
from .core import JsonLinesOpt, JsonOpt, Typer, app, database, guarded
from .params import sections_option, tags_option
from .render import render_rows

watch_app = Typer(
    help="Watch arXiv for new work on each section and research question.\n\n"
    "Example: lrmkb watch run --section 4.3",
    no_args_is_help=True,
)
inbox_app = Typer(
    help="Papers the watch queries found: list them, then accept or reject them.\n\n"
    "Example: lrmkb inbox --sort date",
    invoke_without_command=True,
)

# the piped columns of each command (docs/output.md)
SET_COLUMNS = ("code", "action", "query")
LIST_COLUMNS = ("code", "by", "last_run", "interrupted", "newest", "waiting", "query")
RUN_COLUMNS = ("code", "since", "found", "new", "known", "in_inbox", "rejected", "note")
INBOX_COLUMNS = ("id", "node", "score", "date", "arxiv_id", "status", "title")
ACCEPT_COLUMNS = ("id", "action", "key", "sections", "title")
REJECT_COLUMNS = ("id", "action", "title")
app.add_typer(watch_app, name="watch")
app.add_typer(inbox_app, name="inbox")

CodeArg = Annotated[
    str, typer.Argument(metavar="CODE", help="A section or question code, e.g. 4.3.")
]
SectionsOpt = Annotated[
    list[str] | None,
    sections_option("Only this section and its questions (repeatable)."),
]
IdsArg = Annotated[
    list[int] | None,
    typer.Argument(metavar="ID", help="Inbox item ids (see `lrmkb inbox`).", show_default=False),
]


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date: use YYYY-MM-DD", param_hint=option
        ) from None


@watch_app.command("set")
def watch_set(
    ctx: typer.Context,
    code: CodeArg,
    query: Annotated[str, typer.Argument(metavar="QUERY", help="An arXiv search query.")],
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Watch a node with your own arXiv query (replaces its curated one). The next run
    of a changed query starts afresh.

    \b
    arXiv's query syntax:
      ti:word  abs:word  au:surname  cat:cs.CL  all:word   a field and a word
      abs:"chain-of-thought"                             a phrase
      A AND B   A OR B   A ANDNOT B   ( … )               in capitals
    Example: lrmkb watch set 4.3 'abs:overthinking AND (cat:cs.CL OR cat:cs.LG)'
    """
    from ..watch import set_query

    output.check_modes(as_json, json_lines)
    result = set_query(database(ctx, write=True), code, query)
    if as_json:
        output.emit_json(result)
        return
    verb = "replaced" if result["replaced"] else "set"
    said = f"{verb} the watch query of {result['code']} {result['title']}: {result['query']}"
    output.table(
        SET_COLUMNS,
        [[result["code"], verb, result["query"]]],
        json_lines=json_lines,
        rich=lambda: output.stdout.print(said, markup=False),
    )


@watch_app.command("rm")
def watch_rm(
    ctx: typer.Context, code: CodeArg, as_json: JsonOpt = False, json_lines: JsonLinesOpt = False
) -> None:
    """Stop watching a node (what its query found stays in the inbox).

    Example: lrmkb watch rm B.3
    """
    from ..watch import remove_query

    output.check_modes(as_json, json_lines)
    result = remove_query(database(ctx, write=True), code)
    if as_json:
        output.emit_json(result)
        return
    said = f"removed the watch query of {result['code']} {result['title']}"
    output.table(
        SET_COLUMNS,
        [[result["code"], "removed", None]],
        json_lines=json_lines,
        rich=lambda: output.stdout.print(said, markup=False),
    )


@watch_app.command("list")
def watch_list(
    ctx: typer.Context,
    section: SectionsOpt = None,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """The watch queries: node, whose query (seeds or yours), last complete run, the
    newest submission date seen, items waiting in the inbox.

    Example: lrmkb watch list --section 4.3
    """
    from ..watch import queries

    output.check_modes(as_json, json_lines)
    found = queries(database(ctx), section or ())
    if as_json:
        output.emit_json(found)
        return
    piped = [
        [
            q["code"],
            q["origin"],
            q["last_run"],
            bool(q["resume_start"]),
            q["newest"],
            q["waiting"],
            q["query"],
        ]
        for q in found
    ]
    rows = [
        [
            q["code"],
            q["origin"],
            (q["last_run"] or "never")[:10] + (" (interrupted)" if q["resume_start"] else ""),
            q["newest"] or "",
            q["waiting"],
            q["query"],
        ]
        for q in found
    ]
    output.table(
        LIST_COLUMNS,
        piped,
        json_lines=json_lines,
        rich=lambda: render_rows(["node", "by", "last run", "newest", "waiting", "query"], rows),
        empty="no watch queries",
    )


@watch_app.command("run")
def watch_run(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Go back to this submission date (YYYY-MM-DD) instead of each query's "
            "last run; starts a fresh run.",
            show_default=False,
        ),
    ] = None,
    section: SectionsOpt = None,
    max_results: Annotated[
        int | None,
        typer.Option(
            "--max", metavar="N", min=1, help="At most N results per query.", show_default=False
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Ask arXiv and show what is new; write nothing.")
    ] = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Run the watch queries on arXiv and put what is new in the inbox.

    Each query goes back to where its last run stopped (a first run: 30 days), newest
    submissions first, 100 per request, one request every LRMKB_ARXIV_DELAY seconds
    (3, as arXiv asks). Papers already in the knowledge base, in the inbox or rejected
    are skipped. Every page is saved as it comes: a run that is interrupted resumes
    where it stopped the next time. One run at a time per database (a second one
    fails at once, exit 4). A query arXiv refuses is reported and the others go on
    (then exit 1).

    \b
    Examples:
      lrmkb watch run
      lrmkb watch run --section 4.3 --since 2026-01-01 --dry-run
    """
    from ..watch import RunReport, plan, run

    output.check_modes(as_json, json_lines)
    db = database(ctx, write=not dry_run)
    total = len(plan(db, section or ()))
    report = RunReport()
    try:
        with _progress(total) as progress:
            run(
                db,
                since=_date(since, "--since"),
                sections=section or (),
                max_results=max_results,
                dry_run=dry_run,
                progress=progress,
                report=report,
            )
    except KeyboardInterrupt:
        new = report.totals()["new"]
        output.error(
            "interrupted — a dry run: nothing was written"
            if dry_run
            else f"interrupted — {new} new paper(s) were saved in the inbox; "
            "run `lrmkb watch run` again to resume"
        )
        raise typer.Exit(130) from None
    if as_json:
        output.emit_json(report.as_dict())
        _warn_refused(report)
    else:
        if dry_run:
            output.notice("dry run: nothing was written")
        _print_run(report, json_lines)
    refused = [q for q in report.queries if q.refused]
    if refused:
        codes = ", ".join(q.code for q in refused)
        output.error(
            f"arXiv refused {len(refused)} of {len(report.queries)} watch quer"
            f"{'y' if len(report.queries) == 1 else 'ies'} ({codes}; see the warning"
            f"{'s' if len(refused) > 1 else ''} above) — change or drop "
            f"{'it' if len(refused) == 1 else 'them'}, then run again; "
            + ("nothing was written (dry run)" if dry_run else "what the others found was saved")
        )
        raise typer.Exit(EXIT_BAD_INPUT)


def _print_run(report: Any, json_lines: bool) -> None:
    """A row per query that did something (docs/output.md); the totals on stderr."""
    done = [q for q in report.queries if q.fetched or q.skipped or q.resumed or q.refused]

    def note(q: Any) -> str | None:
        if q.skipped:
            return "done in the interrupted run"
        if q.refused:
            return f"refused by arXiv: {q.refused}"
        said = [w for w, on in (("resumed", q.resumed), ("stopped at --max", q.capped)) if on]
        return "; ".join(said) or None

    def on_terminal() -> None:
        for q in done:
            if q.skipped:
                output.stdout.print(f"{q.code}  done in the interrupted run", markup=False)
                continue
            line = (
                f"{q.code}  since {q.since}: {q.fetched} found, {q.new} new, {q.known} in "
                f"the knowledge base, {q.again} already in the inbox, {q.rejected} rejected"
            )
            output.stdout.print(line + (f" ({note(q)})" if note(q) else ""), markup=False)

    rows = [
        [q.code, None, None, None, None, None, None, note(q)]
        if q.skipped
        else [q.code, q.since, q.fetched, q.new, q.known, q.again, q.rejected, note(q)]
        for q in done
    ]
    output.table(RUN_COLUMNS, rows, json_lines=json_lines, rich=on_terminal)
    _warn_refused(report)
    totals = report.totals()
    verb = "would add" if report.dry_run else "added"
    searches = len(report.queries)
    output.notice(
        f"{verb} {totals['new']} paper(s) to the inbox from {searches} watch "
        f"quer{'y' if searches == 1 else 'ies'} ({report.requests} arXiv "
        f"request{'' if report.requests == 1 else 's'})"
        + (" — see `lrmkb inbox`" if totals["new"] and not report.dry_run else "")
    )


def _warn_refused(report: Any) -> None:
    for q in report.queries:
        if q.refused:
            output.notice(f"warning: {q.refusal()}")


@contextmanager
def _progress(total: int) -> Iterator[Any]:
    """A Rich progress bar over the queries on a terminal; nothing on a pipe."""
    if not output.is_terminal():
        yield None
        return
    from rich.progress import Progress

    with Progress(console=output.stderr, transient=True) as bar:
        task = bar.add_task("watching arXiv", total=total)
        started: list[str] = []

        def progress(event: str, q: Any) -> None:
            if event == "query":
                started.append(q.code)
            bar.update(
                task,
                completed=len(started) - 1,
                description=f"{q.code}: {q.fetched} found, {q.new} new",
            )

        yield progress


@watch_app.command("report")
def watch_report(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="From this date (YYYY-MM-DD). Default: 7 days ago.",
            show_default=False,
        ),
    ] = None,
    format_: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="md (Markdown).")
    ] = "md",
    output_path: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write to this file (atomically)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A digest of what the watch queries brought in: papers accepted and papers
    waiting since DATE, per section and question, each with its place and the query
    terms that found it.

    Example: lrmkb watch report --since 2026-03-01 --format md -o digest.md
    """
    from datetime import UTC, datetime, timedelta

    from ..digest import gather, markdown

    if format_ != "md":
        raise typer.BadParameter("the digest is written in md (Markdown)", param_hint="--format")
    start = _date(since, "--since") or (datetime.now(UTC).date() - timedelta(days=7))
    data = gather(database(ctx), start.isoformat())
    if as_json:
        output.emit_json(data)
        return
    text = markdown(data)
    if output_path is None:
        output.plain(text.rstrip("\n"))
        return
    from ..files import write_atomically

    write_atomically(output_path, text)
    output.notice(f"wrote the digest since {start} to {output_path}")


@inbox_app.callback()
@guarded
def inbox_list(
    ctx: typer.Context,
    sort: Annotated[
        str, typer.Option("--sort", metavar="BY", help="score, date or node.")
    ] = "score",
    status: Annotated[
        str,
        typer.Option("--status", metavar="STATUS", help="waiting, accepted, rejected or all."),
    ] = "waiting",
    section: SectionsOpt = None,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """What the watch queries found and waits for your decision: id, best suggested
    node and its score, submission date, arXiv id, status, title.

    \b
    Examples:
      lrmkb inbox --sort date
      lrmkb inbox show 3
      lrmkb inbox accept 3 5 --tag to-read      # filed under their best suggestion
      lrmkb inbox accept 7 --section 4.3.3
      lrmkb inbox accept --min-score 0.3
      lrmkb inbox reject 4 6
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..inbox import items

    output.check_modes(as_json, json_lines)
    found = items(database(ctx), status=status, sort=sort, sections=section or ())
    if as_json:
        output.emit_json(found)
        return
    rows = [
        [
            i["id"],
            i["node"] or "",
            f"{i['score']:.3f}",
            i["published"],
            i["arxiv_id"],
            i["status"],
            i["title"],
        ]
        for i in found
    ]
    output.table(
        INBOX_COLUMNS,
        rows,
        json_lines=json_lines,
        rich=lambda: render_rows(["id", "node", "score", "date", "arXiv", "status", "title"], rows),
        empty="the inbox is empty",
    )


@inbox_app.command("show")
def inbox_show(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(metavar="ID", help="An inbox item id.")],
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """One inbox item in full: arXiv's metadata, why it was found, where it would go.

    Example: lrmkb inbox show 3
    """
    from ..digest import reason
    from ..inbox import item

    output.check_modes(as_json, json_lines)
    found = item(database(ctx), item_id)
    if as_json:
        output.emit_json(found)
        return
    fields = [
        ("id", found["id"]),
        ("status", found["status"]),
        ("key", found["key"]),
        ("filed", " ".join(found["filed"])),
        ("title", found["title"]),
        *(("author", a) for a in found["authors"]),
        ("arxiv_id", found["arxiv_id"]),
        ("published", found["published"]),
        ("updated", found["updated"]),
        *(("category", c) for c in found["categories"]),
        ("doi", found["doi"]),
        ("journal_ref", found["journal_ref"]),
        ("comment", found["comment"]),
        ("why", reason(found)),
        ("abstract", found["abstract"]),
        *(
            ("suggestion", f"{s['code']} {s['score']:.3f} {s['title']}")
            for s in found["suggestions"]
        ),
    ]
    rows = [(name, value) for name, value in fields if value not in (None, "")]

    def on_terminal() -> None:
        from rich.markup import escape

        for name, value in rows:
            output.stdout.print(f"[cyan]{name:>11}[/cyan]  {escape(str(value))}", highlight=False)

    output.table(("field", "value"), rows, json_lines=json_lines, rich=on_terminal)


@inbox_app.command("accept")
def inbox_accept(
    ctx: typer.Context,
    ids: IdsArg = None,
    section: Annotated[
        list[str] | None,
        sections_option("File under this node (repeatable) instead of the best suggestion."),
    ] = None,
    tag: Annotated[
        list[str] | None,
        tags_option("Tag every paper (repeatable)."),
    ] = None,
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score",
            metavar="X",
            help="Also every waiting item whose best suggestion scores at least X.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would happen.")] = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """File inbox items as papers (one transaction), under their best suggestion unless
    --section says where. Piped: id, action (added, enriched, skipped), key, sections,
    title.

    Example: lrmkb inbox accept 3 5 --tag to-read
    """
    from ..inbox import accept

    output.check_modes(as_json, json_lines)
    results = accept(
        database(ctx, write=not dry_run),
        ids or (),
        min_score=min_score,
        sections=section or (),
        tags=tag or (),
        dry_run=dry_run,
    )
    if as_json:
        output.emit_json(results)
        return
    if dry_run:
        output.notice("dry run: nothing was written")

    def on_terminal() -> None:
        for r in results:
            verb = {
                "added": "accepted",
                "enriched": "accepted (enriched)",
                "skipped": "accepted (already here)",
            }[r["outcome"]]
            verb = f"would be {verb}" if dry_run else verb
            where = f" — filed under {', '.join(r['sections'])}" if r["sections"] else ""
            output.stdout.print(
                f"{r['inbox']}  {verb} as {r['key']}{where} — {r['title']}", markup=False
            )

    output.table(
        ACCEPT_COLUMNS,
        [[r["inbox"], r["outcome"], r["key"], r["sections"], r["title"]] for r in results],
        json_lines=json_lines,
        rich=on_terminal,
        empty=f"no waiting item scores {min_score} or more",
    )


@inbox_app.command("reject")
def inbox_reject(
    ctx: typer.Context,
    ids: IdsArg = None,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Reject inbox items: no watch run brings them back.

    Example: lrmkb inbox reject 4 6
    """
    from ..inbox import reject

    output.check_modes(as_json, json_lines)
    results = reject(database(ctx, write=True), ids or ())
    if as_json:
        output.emit_json(results)
        return

    def on_terminal() -> None:
        for r in results:
            note = " (already rejected)" if r["was"] == "rejected" else ""
            output.stdout.print(f"{r['id']}  rejected{note} — {r['title']}", markup=False)

    output.table(
        REJECT_COLUMNS,
        [
            [r["id"], "already-rejected" if r["was"] == "rejected" else "rejected", r["title"]]
            for r in results
        ],
        json_lines=json_lines,
        rich=on_terminal,
    )
