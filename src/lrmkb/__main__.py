"""`python -m lrmkb` and the `lrmkb` console script.

A plain `lrmkb search …` is answered without importing the Typer app (see `cli/fast.py`);
everything else goes to Typer."""

from __future__ import annotations

import sys


def main() -> None:
    from .cli.fast import run_fast

    if run_fast(sys.argv[1:]):
        return
    from .cli import app

    app(prog_name="lrmkb")


if __name__ == "__main__":
    sys.exit(main())
