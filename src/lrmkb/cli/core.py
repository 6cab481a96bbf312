"""The Typer application, the error guard every command runs in, and the database.

Every command runs inside `guarded`, which turns lrmkb's errors into one line on stderr
and the documented exit code (0 ok, 1 bad input / not found, 2 usage, 3 external
service failed, 4 database problem; 70 an internal error, i.e. a bug).

`--db` (or `LRMKB_DB`) is resolved once, into the `Invocation` that is the Typer
context's object; a command takes the context (`ctx: typer.Context`) and asks for the
`Database` with `database(ctx)`, which opens the file on first use and closes it when
the command ends. (The guard reads `--debug` from the same context.)"""

from __future__ import annotations

import functools
import gc
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from . import streams

if TYPE_CHECKING:
    from ..store import Database

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Invocation:
    """What the top-level options say, for every command of one `lrmkb …` run."""

    path: Path  # the database file (`--db`, else `LRMKB_DB`, else the user copy)
    is_default: bool  # the user copy, made from the bundled survey on first use
    debug: bool = False
    db: Database | None = None

    def database(self, *, write: bool = False) -> Database:
        """The database, opened on first use (for writing if asked: a read handle is
        then reopened), the default user copy made first if missing."""
        from ..store import Database, ensure_user_db

        if self.db is not None and (self.db.writable or not write):
            return self.db
        if self.db is not None:
            self.db.close()
        if self.is_default:
            ensure_user_db(self.path)
        self.db = Database.open(self.path, write=write)
        return self.db

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def invocation(ctx: typer.Context) -> Invocation:
    """This run's `Invocation`, made by the `main` callback."""
    found = ctx.find_object(Invocation)
    if found is None:  # only a command invoked without `main`, as no user can
        raise RuntimeError("lrmkb's main callback did not run")
    return found


def database(ctx: typer.Context, *, write: bool = False) -> Database:
    """The database this command works on; closed when the command ends."""
    return invocation(ctx).database(write=write)


def guarded(fn: F) -> F:
    """Run a command so that no traceback reaches the user (unless --debug): each
    failure is one line on stderr and its exit code (see `streams.explain`). The
    output is flushed inside the guard, so a full or closed stdout is reported here,
    and a command that has committed its write exits 0 even when its report is lost."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ..store import commits

        ctx = kwargs.get("ctx")  # Typer's context is Click's, not a `typer.Context`
        run: Invocation | None = getattr(ctx, "find_object", lambda _: None)(Invocation)
        before, out_of_memory = commits(), False

        def saved() -> str | None:
            return "the changes were saved" if commits() > before else None

        try:
            try:
                return fn(*args, **kwargs)
            finally:
                sys.stdout.flush()
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException):
            raise
        except MemoryError:
            out_of_memory = True  # reported below, once the traceback (and with it the
            # frames that filled memory) is gone: explaining needs memory too
        except Reported as done:
            _debug_traceback(run)
            raise typer.Exit(done.code) from None
        except KeyboardInterrupt:
            raise typer.Exit(streams.interrupted(saved())) from None
        except streams.OutputLost as exc:
            raise typer.Exit(streams.output_lost(exc, saved())) from None
        except Exception as exc:
            _debug_traceback(run)
            message, code = streams.explain(exc, run.path if run else None)
            streams.error(message)
            raise typer.Exit(code) from None
        if out_of_memory:
            gc.collect()
            message, code = streams.explain(MemoryError())
            streams.error(message)
            raise typer.Exit(code)

    return wrapper  # type: ignore[return-value]


class Reported(Exception):
    """The command has told the user what happened; exit with `code`."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@contextmanager
def reporting(saved: str | None) -> Iterator[None]:
    """Around the report of a write that is already committed: a lost report or a
    Ctrl-C now says what was saved (`saved`, e.g. "the import was saved (3 added)");
    None for a dry run, which saved nothing."""
    if saved is None:
        yield
        return
    try:
        yield
        sys.stdout.flush()
    except KeyboardInterrupt:
        raise Reported(streams.interrupted(saved)) from None
    except streams.OutputLost as exc:
        raise Reported(streams.output_lost(exc, saved)) from None


def _debug_traceback(run: Invocation | None) -> None:
    if run is not None and run.debug:
        traceback.print_exc()


class Argument(typer.core.TyperArgument):
    """An argument shown in help as people write it — `QUERY...`, `KEY`, `[TOPIC]` —
    instead of Typer 0.29's `{QUERY}...` in the usage line and `QUERY <list[str]>` in the
    list (Typer has no per-parameter class option, so `ReadableArguments` swaps it in)."""

    def display_type_rich(self, ctx: typer._click.core.Context) -> str | None:
        return None

    def _rich_display_name(self) -> str:
        return self.display_name_raw + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        name = self._rich_display_name()
        return name if self.required else f"[{name}]"


def _file_path(value: Any) -> Any:
    """A path parameter's text in the form the file functions take (`streams.fs_path`: a
    UTF-8 name under an ASCII locale), before Typer looks at the file (`os.stat` cannot
    encode such a name and would raise)."""
    return streams.fs_path(value) if isinstance(value, str) else value


class PathArgument(Argument):
    def process_value(self, ctx: typer._click.Context, value: Any) -> Any:
        return super().process_value(ctx, _file_path(value))


class PathOption(typer.core.TyperOption):
    def process_value(self, ctx: typer._click.Context, value: Any) -> Any:
        return super().process_value(ctx, _file_path(value))


class ReadableArguments:
    """Mixed into every command class: its arguments become `Argument`s, its path
    parameters `PathArgument`s and `PathOption`s."""

    params: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            is_path = param.type_descriptor.annotation is Path
            if type(param) is typer.core.TyperArgument:
                param.__class__ = PathArgument if is_path else Argument
            elif type(param) is typer.core.TyperOption and is_path:
                param.__class__ = PathOption


class Typer(typer.Typer):
    """A Typer whose commands are all `guarded` and show their arguments readably."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        base = kwargs.pop("cls", None) or typer.core.TyperCommand
        kwargs["cls"] = type(base.__name__, (ReadableArguments, base), {})
        register = super().command(*args, **kwargs)
        return lambda fn: register(guarded(fn))


app = Typer(
    help="A knowledge base of research on the mechanisms of large reasoning models: "
    "papers, findings and the survey's taxonomy. Search it, cite from it, grow it.\n\n"
    "\b\nExamples:\n  lrmkb search overthinking\n  lrmkb show arXiv:2505.22148\n"
    "  lrmkb export --section 4.3 --format bib -o overthinking.bib\n"
    "  lrmkb docs          (the documentation, from any installed copy)",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
db_app = Typer(
    help="Where the database lives; check and reset it.\n\nExample: lrmkb db path",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
dev_app = Typer(
    help="Maintainer tools for a checkout of lrmkb's repository: build and check the survey "
    "database from seeds/ (`make db`, `make check`), and list the survey's curation "
    "problems.\n\nExample: lrmkb dev build",
    no_args_is_help=True,
)
app.add_typer(dev_app, name="dev", hidden=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document alone on stdout.")]
JsonLinesOpt = Annotated[
    bool, typer.Option("--json-lines", help="Print one JSON object per row (NDJSON).")
]


def _print_version(value: bool) -> None:
    if value:
        from ..about import version_line
        from . import output

        output.plain(version_line())
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH",
            help="Database file (or set LRMKB_DB). Default: your user copy of the survey database.",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version, the database schema and the survey data, and exit.",
        ),
    ] = False,
) -> None:
    from ..store import resolve_db_path

    ctx.obj = Invocation(*resolve_db_path(streams.fs_path(db) if db else None), debug=debug)
    ctx.call_on_close(ctx.obj.close)
