"""The `lrmkb` command line: parse arguments, call the library, render the result.

Every command runs inside `guarded`, which turns lrmkb's errors into one line on stderr
and the documented exit code (0 ok, 1 bad input / not found, 2 usage, 3 external
service failed, 4 database problem; 70 an internal error, i.e. a bug)."""

from __future__ import annotations

import functools
import sqlite3
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from . import output, search_cli
from .errors import EXIT_BUG, EXIT_DATABASE, LrmkbError

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
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException):
            raise
        except LrmkbError as exc:
            _fail(str(exc), exc.exit_code)
        except sqlite3.Error as exc:
            from .store import database_problem, resolve_db_path

            _fail(str(database_problem(exc, resolve_db_path(STATE.db)[0])), EXIT_DATABASE)
        except BrokenPipeError:
            _quiet_stdout()
        except KeyboardInterrupt:
            _fail("interrupted — nothing was written", 130)
        except OSError as exc:
            _fail(
                f"{exc.strerror or exc}: {exc.filename or ''} — check the path and permissions", 1
            )
        except Exception as exc:  # a bug: still one line, the traceback behind --debug
            _fail(
                f"internal error ({type(exc).__name__}: {exc}) — this is a bug in lrmkb; "
                "rerun with --debug and report the traceback",
                EXIT_BUG,
            )

    return wrapper  # type: ignore[return-value]


def _quiet_stdout() -> None:
    """The reader went away (`| head`): stop writing, without a traceback at exit."""
    import os

    if sys.stdout is sys.__stdout__:  # never redirect a test runner's capture
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


class SearchCommand(typer.core.TyperCommand):
    """Reads `-word` on the command line as an exclusion, not as the options -w -o -r -d."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, search_cli.protect_exclusions(args))


@app.command(cls=SearchCommand)
def search(
    query: Annotated[
        list[str],
        typer.Argument(
            metavar="QUERY",
            help='Words, "phrases", prefix*, -word, OR, field:value.',
            show_default=False,
        ),
    ],
    type_: Annotated[
        str | None,
        typer.Option("--type", metavar="KIND", help="Only one kind: paper, finding or node."),
    ] = None,
    section: Annotated[
        list[str] | None,
        typer.Option("--section", metavar="CODE", help="Only within this section (e.g. 4.3)."),
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", metavar="TAG", help="Only papers with this tag.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, metavar="N", help="Results per group.")
    ] = search_cli.DEFAULT_LIMIT,
    as_json: JsonOpt = False,
) -> None:
    """Search findings, topics and papers; what the survey files under a matching topic
    comes first.

    \b
    Query language:
      steering vectors           both words (stemmed: steer, steered, steering)
      "entropy collapse"         a phrase
      steer*                     a prefix
      overthinking OR underthinking
      -chen   NOT chen           without this word
      author:chen  title:entropy  tag:to-read
      year:2025  year:2024..2025  year:..2023
      section:4.3  -section:4.3  within (or outside) a section and its questions
    A word found nowhere is corrected to the closest indexed word, and the output says so.

    Example: lrmkb search overthinking --type paper
    """
    kinds = search_cli.KINDS
    if type_ is not None:
        if type_ not in kinds:
            raise typer.BadParameter("use paper, finding or node", param_hint="--type")
        kinds = (type_,)
    result = search_cli.results(db_path(), query, kinds, section or [], tag or [], limit)
    search_cli.show(result, as_json)


@app.command()
def show(
    key: Annotated[
        str, typer.Argument(metavar="KEY", help="Citation key, arXiv id (any form) or DOI.")
    ],
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
        list[str] | None,
        typer.Option("--section", metavar="CODE", help="Section or question code, e.g. 4.3."),
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
    key: Annotated[str, typer.Argument(metavar="KEY", help="Citation key, arXiv id or DOI.")],
    names: Annotated[
        list[str],
        typer.Argument(metavar="TAG", help="Tags to add (or remove).", show_default=False),
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


# --- growing: add (arXiv) and import (BibTeX) ---------------------------------------------

SectionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--section",
        metavar="CODE",
        help="File under this node (repeatable), or `auto` for the best suggestion.",
        show_default=False,
    ),
]
AddTagOpt = Annotated[
    list[str] | None,
    typer.Option("--tag", metavar="TAG", help="Tag every paper (repeatable).", show_default=False),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show what would happen; write nothing.")
]


@app.command()
def add(
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
) -> None:
    """Add papers from arXiv, or enrich the ones already here (nothing is overwritten).

    All ids are fetched in one request and written in one transaction. Without --section
    the three most similar sections are suggested.

    Example: lrmkb add arxiv:2505.22148 2506.01234v2 --section auto --tag to-read
    """
    from .library import add_arxiv

    report = add_arxiv(
        db_path(),
        sources,
        sections=section or (),
        tags=tag or (),
        dry_run=dry_run,
        keep_going=keep_going,
    )
    if as_json:
        output.emit_json(report.as_dict())
    else:
        for outcome in report.outcomes:
            _print_outcome(outcome, report.dry_run)
    codes = [o.exit_code for o in report.outcomes if o.exit_code]
    if codes:
        raise typer.Exit(max(codes))


@app.command("import")
def import_(
    file: Annotated[
        Path,
        # lrmkb reads the file itself, so a problem is one clear error, not a usage message
        typer.Argument(
            metavar="FILE.bib", help="A .bib file (UTF-8; Latin-1 is detected).", readable=False
        ),
    ],
    section: SectionOpt = None,
    tag: AddTagOpt = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Import a BibTeX file: new papers are added, known ones enriched, and entries that
    cannot be used are listed with their line numbers and skipped.

    Example: lrmkb import ~/zotero.bib --tag mine --dry-run
    """
    from .library import import_bib

    with _progress_bar("importing") as (on_parsed, progress):
        report = import_bib(
            db_path(),
            file,
            sections=section or (),
            tags=tag or (),
            dry_run=dry_run,
            progress=progress,
            on_parsed=on_parsed,
        )
    counts = report.counts()
    if as_json:
        output.emit_json(report.as_dict())
    else:
        for outcome in report.outcomes:
            if outcome.action in ("enriched", "failed"):
                _print_outcome(outcome, report.dry_run)
        verb = "would import" if report.dry_run else "imported"
        output.plain(
            f"{verb} {file.name} ({report.info['encoding']}): {counts['added']} added, "
            f"{counts['enriched']} enriched, {counts['skipped']} skipped, {counts['failed']} failed"
        )
    if counts["failed"] == len(report.outcomes):
        from .errors import BadInput

        raise BadInput(
            f"nothing usable in {file.name} ({counts['failed']} entries failed, nothing written)",
            "fix the entries listed above and import again",
        )


_DRY_VERBS = {"added": "would add", "enriched": "would enrich", "skipped": "would skip"}


def _print_outcome(outcome: Any, dry_run: bool) -> None:
    """One line per source, then its sections or suggestions: plain text, stable."""
    verb = _DRY_VERBS.get(outcome.action, outcome.action) if dry_run else outcome.action
    if outcome.action == "failed":
        output.plain(f"{outcome.source}: failed — {outcome.reason}")
        return
    line = f"{verb} {outcome.key} — {outcome.title}"
    if outcome.action == "enriched":
        line += f" (matched by {outcome.matched_by}; filled {', '.join(outcome.filled)})"
    elif outcome.reason:
        line += f" ({outcome.reason})"
    output.plain(line)
    if outcome.sections:
        output.plain(f"  filed under {', '.join(outcome.sections)}")
    if outcome.suggestions:
        output.plain("  suggested sections (file it with --section CODE or --section auto):")
        for s in outcome.suggestions:
            output.plain(f"    {s['code']:<7} {s['score']:.3f}  {s['title']}")


@contextmanager
def _progress_bar(label: str) -> Iterator[tuple[Any, Any]]:
    """A Rich progress bar on a terminal, (None, None) on a pipe: yields the callbacks
    for "this many entries" and "this many more done". The bar (and the thread that
    redraws it) starts at the first count: an import forks its parse workers before."""
    if not output.is_terminal():
        yield None, None
        return
    from rich.progress import Progress

    bar = Progress(console=output.stdout, transient=True)
    task = bar.add_task(label, total=None)

    def total(n: int) -> None:
        if not bar.live.is_started:
            bar.start()
        bar.update(task, total=n)

    try:
        yield total, (lambda n: bar.advance(task, n))
    finally:
        if bar.live.is_started:
            bar.stop()


# --- exporting and curating ----------------------------------------------------------------


@app.command()
def export(
    section: Annotated[
        list[str] | None,
        typer.Option(
            "--section",
            metavar="CODE",
            help="A section or question code, e.g. 4.3 (repeatable).",
            show_default=False,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", metavar="TAG", help="Papers with this tag (repeatable).", show_default=False
        ),
    ] = None,
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            metavar="KEY",
            help="A citation key, arXiv id or DOI (repeatable).",
            show_default=False,
        ),
    ] = None,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="bib, biblatex, csl-json, json, md, awesome, mermaid or dot. "
            "Default: from the --output suffix (.bib .json .md .mmd .dot), else bib.",
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
    """
    from . import exporters

    suffix = output_path.suffix.lower() if output_path else ""
    fmt = format_ or exporters.SUFFIX_FORMATS.get(suffix, "bib")
    if fmt not in exporters.FORMAT_NAMES:
        names = ", ".join(exporters.FORMAT_NAMES)
        raise typer.BadParameter(f"use one of {names}", param_hint="--format")
    if as_json and output_path is None:
        raise typer.BadParameter(
            "--json reports on the file written by --output; for JSON data use --format json",
            param_hint="--json",
        )
    selection = exporters.Selection(tuple(section or ()), tuple(tag or ()), tuple(key or ()))
    text, count = exporters.export(open_db(), fmt, selection)
    if count == 0 and selection and fmt in exporters.PAPER_FORMATS:
        output.stderr.print("warning: no papers in this selection", markup=False)
    if output_path is None:
        sys.stdout.write(text)
        return
    exporters.write_atomically(output_path, text)
    if as_json:
        output.emit_json({"output": str(output_path), "format": fmt, "papers": count})
    else:
        output.plain(f"wrote {count} paper(s) as {fmt} to {output_path}")


@app.command()
def doctor(as_json: JsonOpt = False) -> None:
    """What a curator should fix: one arXiv id or short name on two papers, papers in no
    section, sections without papers, links that are not URLs, keys outside
    [a-z0-9_-], published papers without DOI or arXiv id. Exits 1 on any problem."""
    from .doctor import diagnose, report

    issues = diagnose(open_db())
    summary = report(issues)
    if as_json:
        output.emit_json(summary)
    else:
        for issue in issues:
            output.plain(f"{issue.severity}: [{issue.check}] {issue.message} — {issue.hint}")
        output.plain(f"{summary['problems']} problem(s), {summary['notes']} note(s)")
    if not summary["ok"]:
        raise typer.Exit(1)


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
    seeds: Annotated[Path, typer.Option("--seeds", metavar="DIR", help="The seeds folder.")] = Path(
        "seeds"
    ),
    output_path: Annotated[
        Path, typer.Option("--output", metavar="FILE", help="Where to write the database.")
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
    reindex: Annotated[
        bool, typer.Option("--reindex", help="First rebuild the search index, then check.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check integrity, foreign keys, the search index, the records and the seeds.

    Exit 0 when all is well, 4 when the database has a problem, 1 when only the seeds do.

    Example: lrmkb db check --json
    """
    from .checks import check_database, exit_code
    from .checks import reindex as rebuild_index

    if reindex:
        rebuild_index(db_path())
    report = check_database(db_path(), seeds, survey)
    if as_json:
        output.emit_json(report)
    else:
        for item in report["problems"]:
            output.plain(f"{item['check']}: {item['problem']}")
        output.plain(
            f"{len(report['problems'])} problem(s); checked: {', '.join(report['checked'])}"
        )
    if report["problems"]:
        raise typer.Exit(exit_code(report))
