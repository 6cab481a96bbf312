"""How results reach the user: JSON alone on stdout for scripts, Rich on a terminal,
plain stable text on a pipe. Only the CLI imports this module."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console

from . import streams
from .streams import json_text

stdout = Console(highlight=False, soft_wrap=False)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def is_terminal() -> bool:
    return stdout.is_terminal


def emit_json(data: Any) -> None:
    """Print JSON and nothing else, so `| jq` always works."""
    sys.stdout.write(json_text(data))


def plain(line: str = "") -> None:
    """A line of text as is (no markup), for piped output."""
    sys.stdout.write(line + "\n")


def error(message: str) -> None:
    """One line on stderr: `Error: what went wrong — what to do`."""
    streams.error(message)
