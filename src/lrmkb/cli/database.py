"""`lrmkb db …`: where the database lives; build, check and reset it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from . import output
from .core import JsonOpt, database, db_app, invocation


@db_app.command("path")
def db_path_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Print the path of the database in use."""
    path, is_default = invocation(ctx).path, invocation(ctx).is_default
    if as_json:
        output.emit_json({"path": str(path), "default": is_default, "exists": path.exists()})
    else:
        output.plain(str(path))


@db_app.command("reset")
def db_reset(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the database with a fresh copy of the bundled survey: your papers, tags,
    notes and edits are lost. To bring a new survey release in and keep them, use
    `lrmkb db update`."""
    from ..store import reset_db

    path = invocation(ctx).path
    if path.exists() and not yes:
        if not sys.stdin.isatty():
            raise typer.BadParameter("pass --yes to reset without a prompt", param_hint="--yes")
        typer.confirm(
            f"Replace {path} with a fresh copy of the survey database? Your papers, tags, "
            "notes and edits will be lost (`lrmkb db update` keeps them)",
            abort=True,
        )
    reset_db(path)
    output.stdout.print(f"reset {path}", markup=False)


@db_app.command("init")
def db_init(
    ctx: typer.Context,
) -> None:
    """Create an empty database (no papers) at --db."""
    from ..errors import BadInput
    from ..store import Database

    path = invocation(ctx).path
    if path.exists():
        raise BadInput(f"{path} already exists", "pick another path or use `lrmkb db reset`")
    Database.open(path, create=True, write=True).close()
    output.stdout.print(f"created {path}", markup=False)


@db_app.command("build")
def db_build(
    ctx: typer.Context,
    seeds: Annotated[Path, typer.Option("--seeds", metavar="DIR", help="The seeds folder.")] = Path(
        "seeds"
    ),
    output_path: Annotated[
        Path, typer.Option("--output", metavar="FILE", help="Where to write the database.")
    ] = Path("data/survey.db"),
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --output database if it exists.")
    ] = False,
) -> None:
    """Build the survey database from seeds/ (deterministic: same seeds, same dump).

    An existing --output file is replaced only with --force.

    Example: lrmkb db build --seeds seeds --output data/survey.db --force
    """
    from ..errors import BadInput
    from ..files import check_database_file
    from ..importers.seeds import build

    check_database_file(output_path)
    if output_path.exists() and not force:
        raise BadInput(
            f"{output_path} already exists", "pass --force to replace it, or pick another --output"
        )
    counts = build(seeds, output_path)
    output.stdout.print(
        f"built {output_path}: {counts['papers']} papers, {counts['nodes']} nodes, "
        f"{counts['findings']} findings",
        markup=False,
    )


@db_app.command("check")
def db_check(
    ctx: typer.Context,
    seeds: Annotated[
        Path | None,
        typer.Option(
            "--seeds",
            metavar="DIR",
            help="Also validate this seeds folder (default for a checkout's data/survey.db: "
            "the seeds/ beside it, and the database must match a fresh build of them).",
        ),
    ] = None,
    survey: Annotated[
        Path | None,
        typer.Option(
            "--survey",
            metavar="FILE",
            help="The survey's text: seeds must not copy 12 words in a row from it.",
        ),
    ] = None,
    awesome: Annotated[
        Path | None,
        typer.Option(
            "--awesome",
            metavar="FILE",
            help="The survey's awesome list (README.md): titles must not lowercase what its "
            "title for the same arXiv id capitalises.",
        ),
    ] = None,
    reindex: Annotated[
        bool, typer.Option("--reindex", help="First rebuild the search index, then check.")
    ] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Read every row, however big the library (default: up to 2,000 papers)."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check integrity, foreign keys, the search index, the records and the seeds.

    A library of more than 2,000 papers is checked on a sample of them (the 200 newest
    and 200 at random) and its small tables in full, so that the check stays quick;
    --full reads everything.

    Exit 0 when all is well, 4 when the database has a problem, 1 when only the seeds do.

    Example: lrmkb db check --json
    """
    from ..checks import check_database, exit_code
    from ..checks import reindex as rebuild_index

    if reindex:
        rebuild_index(database(ctx, write=True))
    report = check_database(database(ctx), seeds, survey, awesome, full=full)
    if as_json:
        output.emit_json(report)
    else:
        for item in report["problems"]:
            output.plain(f"{item['check']}: {item['problem']}")
        sampled = (
            f" (in {report['sampled']} sampled papers; --full reads every row)"
            if "sampled" in report
            else ""
        )
        output.plain(
            f"{len(report['problems'])} problem(s); checked: {', '.join(report['checked'])}"
            + sampled
        )
    if report["problems"]:
        raise typer.Exit(exit_code(report))
