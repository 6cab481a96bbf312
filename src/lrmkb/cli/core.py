"""The Typer application, the error guard every command runs in, and the database option.

Every command runs inside `guarded`, which turns lrmkb's errors into one line on stderr
and the documented exit code (0 ok, 1 bad input / not found, 2 usage, 3 external
service failed, 4 database problem; 70 an internal error, i.e. a bug)."""

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

from ..errors import EXIT_BUG, EXIT_DATABASE, LrmkbError
from . import output

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
            from ..store import database_problem, resolve_db_path

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
    from ..store import ensure_user_db, resolve_db_path

    path, is_default = resolve_db_path(STATE.db)
    if is_default:
        ensure_user_db(path)
    return path


def open_db() -> sqlite3.Connection:
    from ..store import connect

    return connect(db_path())
