"""`make bench`: run every benchmark and print its figures and ratios.

Benchmarks measure; they never fail a build. Each script prints its own table."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["relevance_bench.py", "import_bench.py", "search_bench.py"]


def main() -> None:
    for name in BENCHES:
        print(f"\n=== {name} ===", flush=True)
        sys.argv = [name, *sys.argv[1:]]
        runpy.run_path(str(HERE / name), run_name="__main__")


if __name__ == "__main__":
    main()
