"""Parameters several commands share, each with its shell completion."""

from __future__ import annotations

from typing import Annotated

import typer

from . import complete

KeyArg = Annotated[
    str,
    typer.Argument(
        metavar="KEY",
        help="Citation key (or an old key), arXiv id (any form) or DOI.",
        autocompletion=complete.keys,
    ),
]
KeysArg = Annotated[
    list[str],
    typer.Argument(
        metavar="KEY",  # Click adds the "..." of a repeated argument
        help="Citation keys, arXiv ids or DOIs.",
        autocompletion=complete.keys,
        show_default=False,
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show what would happen; write nothing.")
]


def sections_option(help: str) -> typer.models.OptionInfo:
    """A repeatable `--section CODE` that completes section codes."""
    option: typer.models.OptionInfo = typer.Option(
        "--section",
        metavar="CODE",
        help=help,
        autocompletion=complete.sections,
        show_default=False,
    )
    return option


def tags_option(help: str) -> typer.models.OptionInfo:
    """A repeatable `--tag TAG` that completes the tags in use."""
    option: typer.models.OptionInfo = typer.Option(
        "--tag", metavar="TAG", help=help, autocompletion=complete.tags, show_default=False
    )
    return option


FullOpt = Annotated[
    bool,
    typer.Option(
        "--full", help="Read every row, however big the library (default: up to 2,000 papers)."
    ),
]
"""`db check` and `doctor`: a library of more than 2,000 papers is read on a sample."""
