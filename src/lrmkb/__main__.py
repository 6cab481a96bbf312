"""`python -m lrmkb` and the `lrmkb` console script."""

from __future__ import annotations

import sys


def main() -> None:
    from .cli import app

    app(prog_name="lrmkb")


if __name__ == "__main__":
    sys.exit(main())
