"""The `lrmkb` command line: parse arguments, call the library, render the result.

`core.py` holds the Typer application and the error guard; each other module registers one
group of commands on it. `fast.py` answers a plain `lrmkb search` without importing Typer,
so this package imports nothing until `app` is asked for."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """`from lrmkb.cli import app`: the Typer app with every command registered."""
    if name != "app":
        raise AttributeError(name)
    # registering the commands, in the order `lrmkb --help` lists them
    # isort: off
    from . import read, debates, browse, write, curate, nodes, watch, export, docs, database, update  # noqa: F401

    # isort: on
    from .core import app

    return app
