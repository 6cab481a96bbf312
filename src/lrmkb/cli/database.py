"""`lrmkb db …`: where the database lives; check and reset it. `lrmkb dev …` (hidden):
the maintainer's build, seeds checks and survey curation report, for a checkout of the
repository."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from . import output
from .core import JsonLinesOpt, JsonOpt, database, db_app, dev_app, invocation
from .params import FullOpt

PATH_COLUMNS = ("path", "default", "exists")
WRITTEN_COLUMNS = ("action", "path")
CHECK_COLUMNS = ("check", "problem")


@db_app.command("path")
def db_path_cmd(
    ctx: typer.Context, as_json: JsonOpt = False, json_lines: JsonLinesOpt = False
) -> None:
    """Print the path of the database in use.

    Piped: path, whether it is the default user copy, whether it exists yet.

    Example: lrmkb db path
    """
    output.check_modes(as_json, json_lines)
    path, is_default = invocation(ctx).path, invocation(ctx).is_default
    row: list[Any] = [str(path), is_default, path.exists()]
    if as_json:
        output.emit_json(dict(zip(PATH_COLUMNS, row, strict=True)))
        return
    output.table(PATH_COLUMNS, [row], json_lines=json_lines, rich=lambda: output.plain(row[0]))


def _written(action: str, path: Path, as_json: bool, json_lines: bool) -> None:
    row = [action, str(path)]
    if as_json:
        output.emit_json(dict(zip(WRITTEN_COLUMNS, row, strict=True)))
        return
    output.table(
        WRITTEN_COLUMNS,
        [row],
        json_lines=json_lines,
        rich=lambda: output.stdout.print(f"{action} {path}", markup=False),
    )


@db_app.command("reset")
def db_reset(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Replace the database with a fresh copy of the bundled survey: your papers, tags,
    notes and edits are lost. To bring a new survey release in and keep them, use
    `lrmkb db update`.

    Asks first on a terminal; elsewhere (a script, a pipe) pass --yes.

    Example: lrmkb db reset --yes
    """
    from ..errors import UsageError
    from ..store import reset_db

    output.check_modes(as_json, json_lines)
    path = invocation(ctx).path
    if path.exists() and not yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"not resetting {path} without confirmation (no terminal to ask on)",
                "pass --yes to reset it",
            )
        if not output.confirm(
            f"Replace {path} with a fresh copy of the survey database? Your papers, tags, "
            "notes and edits will be lost (`lrmkb db update` keeps them)"
        ):
            raise typer.Abort
    reset_db(path)
    _written("reset", path, as_json, json_lines)


@db_app.command("init")
def db_init(ctx: typer.Context, as_json: JsonOpt = False, json_lines: JsonLinesOpt = False) -> None:
    """Create an empty database (no papers) at --db.

    Example: lrmkb --db mine.db db init
    """
    from ..errors import BadInput
    from ..store import Database

    output.check_modes(as_json, json_lines)
    path = invocation(ctx).path
    if path.exists():
        raise BadInput(f"{path} already exists", "pick another path or use `lrmkb db reset`")
    Database.open(path, create=True, write=True).close()
    _written("created", path, as_json, json_lines)


ReindexOpt = Annotated[
    bool, typer.Option("--reindex", help="First rebuild the search index, then check.")
]


@db_app.command("check")
def db_check(
    ctx: typer.Context,
    reindex: ReindexOpt = False,
    full: FullOpt = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Check the database: integrity, its schema, foreign keys, the search index and the
    records.

    A library of more than 2,000 papers is checked on a sample of them (the 200 newest
    and 200 at random) and its small tables in full, so that the check stays quick;
    --full reads everything.

    Piped: one row per problem (check, problem); the summary goes to stderr. Exit 0 when
    all is well, 4 when the database has a problem.

    Example: lrmkb db check --json
    """
    _check(ctx, None, None, None, reindex, full, as_json, json_lines)


def _check(
    ctx: typer.Context,
    seeds: Path | None,
    survey: Path | None,
    awesome: Path | None,
    reindex: bool,
    full: bool,
    as_json: bool,
    json_lines: bool,
) -> None:
    from ..checks import check_database, exit_code
    from ..checks import reindex as rebuild_index

    output.check_modes(as_json, json_lines)
    if reindex:
        rebuild_index(database(ctx, write=True))
        invocation(ctx).close()  # the check reads read-only: a snapshot, never a write lock
    report = check_database(database(ctx), seeds, survey, awesome, full=full)
    if as_json:
        output.emit_json(report)
    else:
        rows = [[item["check"], item["problem"]] for item in report["problems"]]
        output.table(CHECK_COLUMNS, rows, json_lines=json_lines, rich=lambda: _show(rows))
        sampled = (
            f" (in {report['sampled']} sampled papers; --full reads every row)"
            if "sampled" in report
            else ""
        )
        output.notice(
            f"{len(report['problems'])} problem(s); checked: {', '.join(report['checked'])}"
            + sampled
        )
    if report["problems"]:
        raise typer.Exit(exit_code(report))


def _show(rows: list[list[Any]]) -> None:
    from rich.markup import escape

    for check, problem in rows:
        output.stdout.print(f"[bold]{check}[/bold]: {escape(problem)}", highlight=False)


def _seeds_folder(seeds: Path) -> Path:
    """The seeds folder, or a clear error: dev commands need a checkout of the repository."""
    from ..errors import BadInput

    if not (seeds / "papers.bib").is_file():
        raise BadInput(
            f"no seeds at {seeds} (no papers.bib there)",
            "run this in a checkout of lrmkb's repository, or pass --seeds DIR",
        )
    return seeds


SeedsOpt = Annotated[Path, typer.Option("--seeds", metavar="DIR", help="The seeds folder.")]


@dev_app.command("build")
def dev_build(
    seeds: SeedsOpt = Path("seeds"),
    output_path: Annotated[
        Path, typer.Option("--output", metavar="FILE", help="Where to write the database.")
    ] = Path("data/survey.db"),
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --output database if it exists.")
    ] = False,
) -> None:
    """Build the survey database from seeds/ (deterministic: same seeds, same dump).

    An existing --output file is replaced only with --force.

    Example: lrmkb dev build --seeds seeds --output data/survey.db --force   (what `make db` runs)
    """
    from ..errors import BadInput
    from ..files import check_database_file
    from ..importers.seeds import build

    check_database_file(output_path)
    if output_path.exists() and not force:
        raise BadInput(
            f"{output_path} already exists", "pass --force to replace it, or pick another --output"
        )
    counts = build(_seeds_folder(seeds), output_path)
    output.notice(
        f"built {output_path}: {counts['papers']} papers, {counts['nodes']} nodes, "
        f"{counts['findings']} findings"
    )


@dev_app.command("check")
def dev_check(
    ctx: typer.Context,
    seeds: SeedsOpt = Path("seeds"),
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
    reindex: ReindexOpt = False,
    full: FullOpt = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Everything `db check` checks, plus the seeds: valid, in our own words (with
    --survey), titles cased as the awesome list has them (with --awesome), and — for the
    checkout's data/survey.db — exactly what a fresh build makes.

    Exit 0 when all is well, 4 when the database has a problem, 1 when only the seeds do.

    Example: lrmkb --db data/survey.db dev check --seeds seeds   (what `make check` runs)
    """
    _check(ctx, _seeds_folder(seeds), survey, awesome, reindex, full, as_json, json_lines)


@dev_app.command("doctor")
def dev_doctor(
    ctx: typer.Context, as_json: JsonOpt = False, json_lines: JsonLinesOpt = False
) -> None:
    """Everything `doctor` finds, plus the bundled survey's own curation problems (survey
    papers in no section, sections without papers, published survey papers without DOI
    or arXiv id), every problem of a survey paper phrased as an edit to
    seeds/papers.bib or seeds/nodes/*.toml. Exits 1 on any problem.

    Piped: severity, check, subject, message, hint; the summary goes to stderr.

    Example: lrmkb --db data/survey.db dev doctor
    """
    from .export import run_doctor

    run_doctor(ctx, True, as_json, json_lines)
