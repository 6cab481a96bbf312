"""The `lrmkb` command line: parse arguments, call the library, render the result.

Every command runs inside `guarded`, which turns lrmkb's errors into one line on stderr
and the documented exit code (0 ok, 1 bad input / not found, 2 usage, 3 external
service failed, 4 database problem)."""

from __future__ import annotations

import functools
import sqlite3
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from . import output
from .errors import EXIT_DATABASE, LrmkbError

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    db: str | None = None
    debug: bool = False


STATE = State()


def guarded(fn: F) -> F:
    """Run a command so that no traceback reaches the user (unless --debug)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except LrmkbError as exc:
            _fail(str(exc), exc.exit_code)
        except sqlite3.Error as exc:
            _fail(f"database error: {exc} — check the file with `lrmkb db check`", EXIT_DATABASE)
        except BrokenPipeError:
            _quiet_stdout()
        except KeyboardInterrupt:
            _fail("interrupted — nothing was written", 130)
        except OSError as exc:
            _fail(
                f"{exc.strerror or exc}: {exc.filename or ''} — check the path and permissions", 1
            )

    return wrapper  # type: ignore[return-value]


def _quiet_stdout() -> None:
    """The reader went away (`| head`): stop writing, without a traceback at exit."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _fail(message: str, code: int) -> None:
    if STATE.debug:
        traceback.print_exc()
    output.error(message)
    raise typer.Exit(code)


class Typer(typer.Typer):
    """A Typer whose commands are all `guarded`."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        register = super().command(*args, **kwargs)
        return lambda fn: register(guarded(fn))  # type: ignore[return-value]


app = Typer(
    help="A knowledge base of research on the mechanisms of large reasoning models: "
    "papers, findings and the survey's taxonomy. Search it, cite from it, grow it.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
db_app = Typer(help="Where the database lives; build, check and reset it.", no_args_is_help=True)
app.add_typer(db_app, name="db")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON alone on stdout.")]


@app.callback()
def main(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="LRMKB_DB",
            help="Database file. Default: your user copy of the survey database.",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    STATE.db = db
    STATE.debug = debug


def db_path() -> Path:
    """The database this invocation works on; the default user copy is made on first use."""
    from .store import ensure_user_db, resolve_db_path

    path, is_default = resolve_db_path(STATE.db)
    if is_default:
        ensure_user_db(path)
    return path


def open_db() -> sqlite3.Connection:
    from .store import connect

    return connect(db_path())


# --- reading -----------------------------------------------------------------------------


@app.command()
def search(
    query: Annotated[list[str], typer.Argument(help='Words, "phrases", prefix*.')],
    type_: Annotated[
        str | None, typer.Option("--type", help="Only one kind: paper, finding or node.")
    ] = None,
    section: Annotated[
        list[str] | None, typer.Option("--section", help="Only within this section (e.g. 4.3).")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Only papers with this tag.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Results per group.")] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Search papers, findings and topics.

    Example: lrmkb search overthinking --type paper
    """
    from .search import search as run

    kinds = ("finding", "node", "paper")
    if type_ is not None:
        if type_ not in kinds:
            raise typer.BadParameter("use paper, finding or node", param_hint="--type")
        kinds = (type_,)
    result = run(
        open_db(), " ".join(query), kinds=kinds, sections=section or (), tags=tag or (), limit=limit
    )
    if as_json:
        output.emit_json(result)
        return
    from .render import render_search

    render_search(result)


@app.command()
def show(
    key: Annotated[str, typer.Argument(help="Citation key, arXiv id (any form) or DOI.")],
    as_json: JsonOpt = False,
) -> None:
    """Everything about one paper: metadata, sections, claims, tags.

    Example: lrmkb show arXiv:2505.22148v2
    """
    from .queries import find_paper, paper_record

    db = open_db()
    record = paper_record(db, find_paper(db, key))
    if as_json:
        output.emit_json(record)
        return
    from .render import render_paper

    render_paper(record)


@app.command()
def tree(as_json: JsonOpt = False) -> None:
    """The survey's taxonomy with the number of papers under each node."""
    from .queries import taxonomy

    nodes = taxonomy(open_db())
    if as_json:
        output.emit_json(nodes)
        return
    from .render import render_tree

    render_tree(nodes)


@app.command()
def findings(
    section: Annotated[
        list[str] | None, typer.Option("--section", help="Section or question code, e.g. 4.3.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Takeaways and claims, each with the papers that support or contradict it."""
    from .queries import findings as run

    items = run(open_db(), section or ())
    if as_json:
        output.emit_json(items)
        return
    from .render import render_findings

    render_findings(items)


@app.command()
def tags(as_json: JsonOpt = False) -> None:
    """All tags with their paper counts."""
    from .queries import tags as run

    items = run(open_db())
    if as_json:
        output.emit_json(items)
        return
    from .render import render_rows

    render_rows(["tag", "papers"], [[t["tag"], t["papers"]] for t in items], empty="no tags yet")


@app.command()
def stats(as_json: JsonOpt = False) -> None:
    """Counts: papers, nodes, findings, tags; papers per section and per year."""
    from .queries import stats as run

    data = run(open_db())
    if as_json:
        output.emit_json(data)
        return
    from .render import render_stats

    render_stats(data)


# --- writing -----------------------------------------------------------------------------


@app.command()
def tag(
    key: Annotated[str, typer.Argument(help="Citation key, arXiv id or DOI.")],
    names: Annotated[
        list[str], typer.Argument(help="Tags to add (or remove).", show_default=False)
    ],
    remove: Annotated[bool, typer.Option("--remove", help="Remove the tags instead.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add tags to a paper, or remove them with --remove.

    Example: lrmkb tag yue2025reinforcement to-read rl
    """
    from .tagging import set_tags

    result = set_tags(db_path(), key, names, remove=remove)
    if as_json:
        output.emit_json(result)
        return
    verb = "removed from" if remove else "added to"
    changed = ", ".join(result["changed"]) or "nothing"
    output.stdout.print(
        f"{changed} {verb} {result['key']}; tags now: {', '.join(result['tags']) or '—'}",
        markup=False,
    )


# --- the database ------------------------------------------------------------------------


@db_app.command("path")
def db_path_cmd(as_json: JsonOpt = False) -> None:
    """Print the path of the database in use."""
    from .store import resolve_db_path

    path, is_default = resolve_db_path(STATE.db)
    if as_json:
        output.emit_json({"path": str(path), "default": is_default, "exists": path.exists()})
    else:
        output.plain(str(path))


@db_app.command("reset")
def db_reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the database with a fresh copy of the bundled survey (your additions are lost)."""
    from .store import reset_db, resolve_db_path

    path, _ = resolve_db_path(STATE.db)
    if path.exists() and not yes:
        if not sys.stdin.isatty():
            raise typer.BadParameter("pass --yes to reset without a prompt", param_hint="--yes")
        typer.confirm(f"Replace {path} with a fresh copy of the survey database?", abort=True)
    reset_db(path)
    output.stdout.print(f"reset {path}", markup=False)


@db_app.command("init")
def db_init() -> None:
    """Create an empty database (no papers) at --db."""
    from .errors import BadInput
    from .store import connect, resolve_db_path

    path, _ = resolve_db_path(STATE.db)
    if path.exists():
        raise BadInput(f"{path} already exists", "pick another path or use `lrmkb db reset`")
    connect(path, create=True, write=True).close()
    output.stdout.print(f"created {path}", markup=False)


@db_app.command("build")
def db_build(
    seeds: Annotated[Path, typer.Option("--seeds", help="The seeds folder.")] = Path("seeds"),
    output_path: Annotated[
        Path, typer.Option("--output", help="Where to write the database.")
    ] = Path("data/survey.db"),
) -> None:
    """Build the survey database from seeds/ (deterministic: same seeds, same dump)."""
    from .importers.seeds import build

    counts = build(seeds, output_path)
    output.stdout.print(
        f"built {output_path}: {counts['papers']} papers, {counts['nodes']} nodes, "
        f"{counts['findings']} findings",
        markup=False,
    )


@db_app.command("check")
def db_check(
    seeds: Annotated[
        Path | None, typer.Option("--seeds", help="Also validate this seeds folder.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check integrity, foreign keys, the search index and (with --seeds) the seeds."""
    from .checks import check_database

    report = check_database(db_path(), seeds)
    if as_json:
        output.emit_json(report)
    else:
        for problem in report["problems"]:
            output.plain(f"problem: {problem}")
        output.plain(
            f"{len(report['problems'])} problem(s); checked: {', '.join(report['checked'])}"
        )
    if report["problems"]:
        raise typer.Exit(1)
