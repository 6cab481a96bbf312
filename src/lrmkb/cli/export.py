"""Export and curation commands: export, doctor."""

from __future__ import annotations

import sys
from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer

from ..exporters import DEFAULT_FORMAT, FORMATS
from . import complete, output, streams
from .core import JsonLinesOpt, JsonOpt, app, database, invocation
from .params import FullOpt, sections_option, tags_option

DOCTOR_COLUMNS = ("severity", "check", "subject", "message", "hint")

_NAMES = list(FORMATS)
_FORMAT_HELP = (
    f"{', '.join(_NAMES[:-1])} or {_NAMES[-1]}. Default: from the --output suffix "
    f"({' '.join(s for f in FORMATS.values() for s in f.suffixes)}), else {DEFAULT_FORMAT}."
)


@app.command()
def export(
    ctx: typer.Context,
    section: Annotated[
        list[str] | None,
        sections_option("A section or question code, e.g. 4.3 (repeatable)."),
    ] = None,
    tag: Annotated[
        list[str] | None,
        tags_option("Papers with this tag (repeatable)."),
    ] = None,
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            metavar="KEY",
            help="A citation key, arXiv id or DOI (repeatable).",
            autocompletion=complete.keys,
            show_default=False,
        ),
    ] = None,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help=_FORMAT_HELP,
            autocompletion=complete.formats,
            show_default=False,
        ),
    ] = None,
    output_path: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to this file (atomically) instead of stdout.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help='With --format awesome: a "What\'s new" block of the papers added since '
            "DATE (YYYY-MM-DD) at the top.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --output: print what was written as JSON.")
    ] = False,
) -> None:
    """Export papers, survey sections or the taxonomy in a format other programs read.

    Selections combine (a section includes its questions); nothing selected means
    everything. The order is deterministic: same database, same output.

    \b
    Examples:
      lrmkb export --section 4.3 --format md
      lrmkb export --tag to-read --output refs.bib
      lrmkb export --format csl-json --output refs.json
      lrmkb export --format awesome --output README.md
      lrmkb export --format awesome --since 2026-03-01
    """
    from .. import exporters
    from ..files import check_output, write_atomically

    fmt = exporters.format_for(format_, output_path)
    if fmt is None:
        names = ", ".join(exporters.FORMATS)
        raise typer.BadParameter(f"use one of {names}", param_hint="--format")
    if as_json and output_path is None:
        raise typer.BadParameter(
            "--json reports on the file written by --output; for JSON data use --format json",
            param_hint="--json",
        )
    if since is not None:
        _check_since(since, fmt.name)
    from ..tagging import check_tag  # tags are compared in lower case, as they are stored

    tags = tuple(check_tag(t) for t in tag or ())
    selection = exporters.Selection(tuple(section or ()), tags, tuple(key or ()))
    if output_path is not None:  # refused before the export runs, not after
        check_output(output_path, invocation(ctx).path)
    chunks, count = exporters.export(database(ctx), fmt, selection, since)
    with closing(chunks):  # its read transaction ends here, however the writing ends
        if count == 0 and selection and fmt.papers_only:
            output.notice("warning: no papers in this selection")
        if output_path is None:
            show = streams.shown if sys.stdout.isatty() else str  # controls as escapes
            for chunk in chunks:  # written as the papers are read: memory stays flat
                sys.stdout.write(show(chunk))
            return
        write_atomically(output_path, chunks, invocation(ctx).path)
    if as_json:
        output.emit_json({"output": str(output_path), "format": fmt.name, "papers": count})
    else:
        output.notice(f"wrote {count} paper(s) as {fmt.name} to {output_path}")


def _check_since(since: str, fmt: str) -> None:
    from datetime import date

    if fmt != "awesome":
        raise typer.BadParameter(
            "--since adds a What's new block to --format awesome", param_hint="--since"
        )
    try:
        date.fromisoformat(since)
    except ValueError:
        raise typer.BadParameter(
            f"{since!r} is not a date: use YYYY-MM-DD", param_hint="--since"
        ) from None


@app.command()
def doctor(
    ctx: typer.Context,
    full: FullOpt = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Problems in your library, each with the lrmkb command that fixes it: one arXiv
    id, DOI or short name on two papers, links that are not URLs, keys outside
    [a-z0-9_-]. Exits 1 on any problem.

    A library of more than 2,000 papers is examined on a sample, as db check does: the
    200 newest papers and 200 at random, each compared with the whole library through
    its indexes, so that doctor stays quick; --full reads every paper.

    Piped: severity, check, subject, message, hint; the summary goes to stderr.

    Example: lrmkb doctor --json
    """
    run_doctor(ctx, False, as_json, json_lines, full)


def run_doctor(
    ctx: typer.Context, seeds: bool, as_json: bool, json_lines: bool, full: bool = False
) -> None:
    """`doctor`, and with `seeds` the maintainers' `dev doctor`: the report, exit 1 on a
    problem."""
    from ..doctor import diagnose, report

    output.check_modes(as_json, json_lines)
    diagnosis = diagnose(database(ctx), seeds=seeds, full=full)
    issues = diagnosis.issues
    summary = report(diagnosis)
    if as_json:
        output.emit_json(summary)
    else:

        def on_terminal() -> None:
            for i in issues:
                output.stdout.print(
                    f"{i.severity}: [{i.check}] {i.message} — {i.hint}", markup=False
                )

        output.table(
            DOCTOR_COLUMNS,
            [[i.severity, i.check, i.subject, i.message, i.hint] for i in issues],
            json_lines=json_lines,
            rich=on_terminal,
        )
        sampled = (
            f" (in {diagnosis.sampled} sampled papers and those they share an id, a short"
            " name or a likely duplicate with; --full reads every paper)"
            if diagnosis.sampled is not None
            else ""
        )
        output.notice(f"{summary['problems']} problem(s), {summary['notes']} note(s)" + sampled)
    if not summary["ok"]:
        raise typer.Exit(1)
