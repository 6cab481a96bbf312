"""`make bench`: run every benchmark, print its figures, ratios and a PASS/FAIL line per
target, then rewrite README's speed table from the figures (bench/readme_table.py).

Exits 1 when a benchmark fails a target or cannot run as designed (a peer that lists
nothing, a command that fails): the figures are still printed."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    "relevance_bench.py",
    "import_bench.py",
    "search_bench.py",
    "scale_bench.py",
    "classify_bench.py",
]


def run_script(name: str, args: list[str]) -> bool:
    """Run one benchmark script as `python bench/NAME ARGS`; False if it exits non-zero."""
    sys.argv = [name, *args]
    try:
        runpy.run_path(str(HERE / name), run_name="__main__")
    except SystemExit as exit_:
        return exit_.code in (0, None)
    return True


def main() -> int:
    failed = []
    for name in BENCHES:
        print(f"\n=== {name} ===", flush=True)
        if not run_script(name, sys.argv[1:]):
            failed.append(name)
    run_script("readme_table.py", [])
    if failed:
        print(f"\nFAIL: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
