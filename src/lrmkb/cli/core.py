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
import sqlite3
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ..errors import EXIT_BUG, EXIT_DATABASE, LrmkbError
from . import output

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
    """Run a command so that no traceback reaches the user (unless --debug)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = kwargs.get("ctx")  # Typer's context is Click's, not a `typer.Context`
        run = ctx.find_object(Invocation) if hasattr(ctx, "find_object") else None
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException):
            raise
        except LrmkbError as exc:
            _fail(str(exc), exc.exit_code, run)
        except sqlite3.Error as exc:
            from ..store import database_problem

            _fail(str(database_problem(exc, run and run.path)), EXIT_DATABASE, run)
        except BrokenPipeError:
            _quiet_stdout()
        except KeyboardInterrupt:
            _fail("interrupted — nothing was written", 130, run)
        except OSError as exc:
            _fail(
                f"{exc.strerror or exc}: {exc.filename or ''} — check the path and permissions",
                1,
                run,
            )
        except Exception as exc:  # a bug: still one line, the traceback behind --debug
            _fail(
                f"internal error ({type(exc).__name__}: {exc}) — this is a bug in lrmkb; "
                "rerun with --debug and report the traceback",
                EXIT_BUG,
                run,
            )

    return wrapper  # type: ignore[return-value]


def _quiet_stdout() -> None:
    """The reader went away (`| head`): stop writing, without a traceback at exit."""
    import os

    if sys.stdout is sys.__stdout__:  # never redirect a test runner's capture
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _fail(message: str, code: int, run: Invocation | None) -> None:
    if run is not None and run.debug:
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
) -> None:
    from ..store import resolve_db_path

    ctx.obj = Invocation(*resolve_db_path(db), debug=debug)
    ctx.call_on_close(ctx.obj.close)
