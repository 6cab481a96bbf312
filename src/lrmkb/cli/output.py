"""How results reach the user (the contract in docs/output.md): one JSON document with
`--json`, NDJSON rows with `--json-lines`, Rich on a terminal, and on a pipe one
header-less TSV table with a fixed column list. Everything meant for a person — notices,
corrections, summaries, "no results", errors — goes to stderr. Only the CLI imports this
module."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from . import streams
from .streams import json_line, json_text, tsv_field

if TYPE_CHECKING:
    from rich.console import Console

    stdout: Console  # Rich's consoles, each made on first use (`__getattr__`)
    stderr: Console  # (progress bars; messages are plain lines: `notice`)

_CONSOLES = ("stdout", "stderr")


def __getattr__(name: str) -> Any:
    """`stdout` and `stderr`, Rich's consoles, made when something is drawn on a
    terminal: a command whose output is piped never imports Rich (`is_terminal`)."""
    if name not in _CONSOLES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from rich.console import Console

    console = Console(stderr=name == "stderr", highlight=False, soft_wrap=name == "stderr")
    _show_controls(console)
    globals()[name] = console
    return console


def _show_controls(console: Console) -> None:
    """Every control character of what `console` prints (stored text: titles, notes,
    abstracts) is shown as an escape (`streams.shown`), after Rich has laid it out and
    before it adds its own styles (which are control sequences of its own)."""
    from rich.console import ConsoleOptions, ConsoleRenderable, RenderHook, RenderResult
    from rich.segment import Segment

    class Shown:
        def __init__(self, renderable: ConsoleRenderable) -> None:
            self.renderable = renderable

        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            for segment in console.render(self.renderable, options):
                text, style, control = segment
                yield segment if control else Segment(streams.shown(text), style)

    class ShowControls(RenderHook):
        def process_renderables(
            self, renderables: list[ConsoleRenderable]
        ) -> list[ConsoleRenderable]:
            return [Shown(r) for r in renderables]

    console.push_render_hook(ShowControls())


def is_terminal() -> bool:
    """Does stdout draw as a terminal (Rich's answer, which the environment can force)?
    Without a terminal or a variable that forces one, no: Rich is not imported."""
    forced = {"FORCE_TERMINAL", "TTY_COMPATIBLE", "FORCE_COLOR"} & set(os.environ)
    if "stdout" not in globals() and not forced and not sys.stdout.isatty():
        return False
    console: Console = globals()["stdout"] if "stdout" in globals() else __getattr__("stdout")
    return console.is_terminal


def check_modes(as_json: bool, json_lines: bool) -> None:
    """`--json` and `--json-lines` ask for two different outputs: a usage error (exit 2)."""
    if as_json and json_lines:
        raise UsageError("--json and --json-lines together", "use one of them")


def emit_json(data: Any) -> None:
    """Print JSON and nothing else, so `| jq` always works."""
    sys.stdout.write(json_text(data))


def plain(line: str = "") -> None:
    """A line of text as is (no markup): a document, or one value; on a terminal with
    its control characters shown as escapes."""
    sys.stdout.write((streams.shown(line) if sys.stdout.isatty() else line) + "\n")


def table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    json_lines: bool = False,
    rich: Callable[[], None] | None = None,
    empty: str | None = None,
) -> None:
    """A command's result table: NDJSON objects keyed by `columns` with `--json-lines`,
    `rich()` on a terminal, else header-less TSV. With no rows, `empty` (if any) is said
    on stderr instead."""
    rows = list(rows)
    for row in rows:
        assert len(row) == len(columns), (columns, row)  # one table, fixed columns
    if not rows:
        if empty:
            notice(empty)
        return
    if json_lines:
        sys.stdout.write(
            "".join(json_line(dict(zip(columns, row, strict=True))) + "\n" for row in rows)
        )
    elif rich is not None and is_terminal():
        rich()
    else:
        sys.stdout.write("".join("\t".join(map(tsv_field, row)) + "\n" for row in rows))


def notice(message: str) -> None:
    """A message for the person at the keyboard (a summary, a note, "no results"):
    always on stderr, so stdout stays the result alone."""
    sys.stderr.write(streams.shown(message) + "\n")


def confirm(question: str) -> bool:
    """Ask on stderr and read the answer from stdin; yes only for `y`/`yes`. (Click's
    confirm, even with `err=True`, writes a space to stdout through `input(" ")`.)"""
    sys.stderr.write(f"{streams.shown(question)} [y/N]: ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def error(message: str) -> None:
    """One line on stderr: `Error: what went wrong — what to do`."""
    streams.error(message)
