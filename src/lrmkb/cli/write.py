"""Write commands: tag, add (arXiv), import (BibTeX)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from . import complete, output, views
from .core import JsonLinesOpt, JsonOpt, app, database, reporting
from .params import DryRunOpt, sections_option, tags_option

OUTCOME_COLUMNS = ("action", "key", "source", "title", "sections", "detail")


@app.command()
def tag(
    ctx: typer.Context,
    items: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="KEY TAG",
            help="A key and its tags; the keys alone with --tag; the tags alone with --query.",
            autocompletion=complete.keys,
            show_default=False,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        tags_option("A tag (repeatable): then every argument is a paper's key."),
    ] = None,
    query: Annotated[
        str | None,
        typer.Option(
            "--query",
            metavar="QUERY",
            help="Every paper this search returns (`lrmkb search` syntax), instead of keys.",
        ),
    ] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the tags instead.")] = False,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Add tags to papers, or remove them with --remove.

    Tags are case-insensitive and stored in lower case (`RL` is `rl`; the output says so).
    Piped: one row per paper and tag named — key, tag, change (added, removed or
    unchanged); with several papers, the count of those changed goes to stderr.

    \b
    Examples:
      lrmkb tag yue2025reinforcement to-read rl
      lrmkb tag chen2024think sui2025stop --tag overthinking
      lrmkb tag --query "section:4.3 year:2025" --tag overthinking --dry-run
    """
    from ..tagging import check_tag, query_keys, tag_papers

    output.check_modes(as_json, json_lines)
    items = list(items or [])
    if query is not None:
        keys, names = query_keys(database(ctx), query), items + list(tag or [])
    elif tag:
        keys, names = items, list(tag)
    else:
        keys, names = items[:1], items[1:]
    if not keys:
        raise typer.BadParameter("name a paper (or give --query)", param_hint="KEY")
    if not names:
        raise typer.BadParameter("name the tags", param_hint="TAG")
    folded = {name: check_tag(name) for name in names}
    changes = tag_papers(
        database(ctx, write=not dry_run), keys, names, remove=remove, dry_run=dry_run
    )
    views.lower_case_note(folded)
    with reporting(views.tags_saved(changes, dry_run)):
        views.print_tagged(
            changes,
            folded,
            remove=remove,
            dry_run=dry_run,
            query=query,
            as_json=as_json,
            json_lines=json_lines,
        )


SectionOpt = Annotated[
    list[str] | None,
    sections_option("File under this node (repeatable), or `auto` for the best suggestion."),
]
AddTagOpt = Annotated[
    list[str] | None,
    tags_option("Tag every paper (repeatable)."),
]


@app.command()
def add(
    ctx: typer.Context,
    sources: Annotated[
        list[str],
        typer.Argument(
            metavar="SOURCE",
            help="arXiv ids in any form: 2505.22148, arXiv:2505.22148v2, "
            "https://arxiv.org/abs/2505.22148, hep-th/9901001 …",
            show_default=False,
        ),
    ],
    section: SectionOpt = None,
    tag: AddTagOpt = None,
    dry_run: DryRunOpt = False,
    keep_going: Annotated[
        bool,
        typer.Option("--keep-going", help="Report unknown ids and add the others anyway."),
    ] = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Add papers from arXiv, or enrich the ones already here (nothing is overwritten).

    All ids are fetched in one request and written in one transaction. Without --section
    the three most similar sections are suggested.

    Example: lrmkb add arxiv:2505.22148 2506.01234v2 --section auto --tag to-read
    """
    from ..importers.arxiv import ArxivSource
    from ..ingest import ingest

    output.check_modes(as_json, json_lines)
    papers = ArxivSource(sources, keep_going=keep_going)
    report = ingest(
        database(ctx, write=not dry_run),
        papers,
        sections=section or (),
        tags=tag or (),
        dry_run=dry_run,
        suggest=True,
    )
    with reporting(_saved("the papers were saved", report)):
        if as_json:
            output.emit_json(report.as_dict())
        else:
            _report_outcomes(report.outcomes, report.dry_run, json_lines, _print_outcome)
    codes = [o.exit_code for o in report.outcomes if o.exit_code]
    if codes:
        raise typer.Exit(max(codes))


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path,
        # lrmkb reads the file itself, so a problem is one clear error, not a usage message
        typer.Argument(
            metavar="FILE",
            help="A .bib file, or - for standard input (UTF-8; a Latin-1 file is detected).",
            readable=False,
        ),
    ],
    section: SectionOpt = None,
    tag: AddTagOpt = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            metavar="NAME",
            help="Read the file in this encoding (latin-1, cp1252…) instead of detecting it.",
            show_default=False,
        ),
    ] = None,
    dry_run: DryRunOpt = False,
    max_entries: Annotated[
        int | None,
        typer.Option(
            "--max-entries",
            min=1,
            metavar="N",
            help="Refuse a file with more entries than N (default 250,000).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Import a BibTeX file: new papers are added under their own keys, known ones
    enriched (their keys kept as aliases), and entries that cannot be used are listed with
    their line numbers and skipped. Every field is kept and exported back as written.

    Example: lrmkb import ~/zotero.bib --tag mine --dry-run
    """
    from ..importers.bibtex import BibFile
    from ..ingest import ingest

    output.check_modes(as_json, json_lines)
    bib = BibFile(file, encoding, max_entries=max_entries)
    with _progress_bar("importing") as progress:
        report = ingest(
            database(ctx, write=not dry_run),
            bib,
            sections=section or (),
            tags=tag or (),
            dry_run=dry_run,
            progress=progress,
            info=bib.info,
        )
    counts = report.counts()
    with reporting(_saved(f"the import of {bib.name} was saved", report)):
        if as_json:
            output.emit_json(report.as_dict())
        else:
            # a terminal lists what needs a word (merged, skipped, failed, renamed, kept
            # apart); a pipe gets every entry
            _report_outcomes(report.outcomes, report.dry_run, json_lines, _print_entry_outcome)
        nothing_usable = counts["failed"] == len(report.outcomes)
        if not as_json and not nothing_usable:  # else the error below is the one line for people
            verb = "would import" if report.dry_run else "imported"
            output.notice(
                f"{verb} {bib.name} ({report.info['encoding']}): {counts['added']} added, "
                f"{counts['enriched']} enriched, {counts['skipped']} skipped, "
                f"{counts['failed']} failed"
            )
    if nothing_usable:
        from ..errors import BadInput

        raise BadInput(
            f"nothing usable in {bib.name} ({counts['failed']} entries failed, nothing written)",
            "fix the entries listed above and import again",
        )


def _saved(what: str, report: Any) -> str | None:
    """What a committed `add` or `import` wrote, for a report that gets cut short."""
    if report.dry_run:
        return None
    counts = report.counts()
    return f"{what} ({', '.join(f'{counts[n]:,} {n}' for n in ('added', 'enriched'))})"


_DRY_VERBS = {"added": "would add", "enriched": "would enrich", "skipped": "would skip"}


def _print_entry_outcome(outcome: Any, dry_run: bool) -> None:
    """One line for each entry that did not simply become a new paper under its own key —
    merged, skipped, failed, renamed, kept apart from a look-alike — with the reason,
    then the notes: nothing is merged or dropped without a word."""
    if outcome.action == "added" and not outcome.notes:
        return
    verb = _DRY_VERBS.get(outcome.action, outcome.action) if dry_run else outcome.action
    if outcome.action == "failed":
        line = f"{outcome.source}: failed — {outcome.reason}"
    elif outcome.action == "enriched":
        line = (
            f"{outcome.source}: {verb} {outcome.key} (same {outcome.matched_by};"
            f" filled {', '.join(outcome.filled)})"
        )
    elif outcome.action == "skipped":
        line = f"{outcome.source}: {verb} — {outcome.reason}"
    else:
        line = f"{outcome.source}: {verb} {outcome.key} — {outcome.title}"
    output.stdout.print(line, markup=False)
    for note in outcome.notes:
        output.stdout.print(f"  {note}", markup=False)


def _report_outcomes(
    outcomes: list[Any], dry_run: bool, json_lines: bool, show: Callable[[Any, bool], None]
) -> None:
    """The outcome table (docs/output.md): one row per source, its notes in `detail`; on
    a terminal, `show(outcome, dry_run)` for each."""
    if dry_run:
        output.notice("dry run: nothing was written")

    def on_terminal() -> None:
        for o in outcomes:
            show(o, dry_run)

    output.table(
        OUTCOME_COLUMNS,
        [
            [
                o.action,
                o.key,
                o.source,
                o.title,
                o.sections,
                "; ".join(filter(None, [_detail(o), *o.notes])) or None,
            ]
            for o in outcomes
        ],
        json_lines=json_lines,
        rich=on_terminal,
    )


def _detail(outcome: Any) -> str | None:
    """Why: what an enrichment matched and filled, the reason for a failure or a skip, or
    else the sections suggested for a paper filed nowhere."""
    if outcome.action == "enriched":
        return f"matched by {outcome.matched_by}; filled {', '.join(outcome.filled) or 'nothing'}"
    if outcome.reason or outcome.sections or not outcome.suggestions:
        return str(outcome.reason) if outcome.reason is not None else None
    return "suggested: " + ", ".join(f"{s['code']} ({s['score']:.3f})" for s in outcome.suggestions)


def _print_outcome(outcome: Any, dry_run: bool) -> None:
    """A terminal line per source, then its sections or suggestions."""
    say = output.stdout.print
    verb = _DRY_VERBS.get(outcome.action, outcome.action) if dry_run else outcome.action
    if outcome.action == "failed":
        say(f"{outcome.source}: failed — {outcome.reason}", markup=False)
        return
    line = f"{verb} {outcome.key} — {outcome.title}"
    if outcome.action == "enriched":
        line += f" (matched by {outcome.matched_by}; filled {', '.join(outcome.filled)})"
    elif outcome.reason:
        line += f" ({outcome.reason})"
    say(line, markup=False)
    if outcome.sections:
        say(f"  filed under {', '.join(outcome.sections)}", markup=False)
    if outcome.suggestions:
        say("  suggested sections (file it with --section CODE or --section auto):", markup=False)
        for s in outcome.suggestions:
            say(f"    {s['code']:<7} {s['score']:.3f}  {s['title']}", markup=False)


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on a terminal (stderr), None elsewhere: it pulses while the source is
    read, then counts the records as they are planned (the callback is told "this many
    of that many done")."""
    if not output.stderr.is_terminal:  # drawn on stderr, like every message for people
        yield None
        return
    from rich.progress import Progress

    with Progress(console=output.stderr, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)
