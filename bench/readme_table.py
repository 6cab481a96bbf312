"""Write README's speed table from the last `make bench` (bench/out/scale/results.json).

The table sits between two markers in README.md and is only ever written by this script,
so every figure in it comes from a benchmark run, never from a hand.

    python bench/readme_table.py            # rewrite the table in README.md
    python bench/readme_table.py --print    # print it instead"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RESULTS = ROOT / "bench" / "out" / "scale" / "results.json"
START = "<!-- speed table: written by bench/readme_table.py from `make bench`; do not edit -->"
END = "<!-- end of speed table -->"
SIZES = {0: "survey (128)", 1000: "1k", 10_000: "10k", 100_000: "100k"}


def ms(r: dict[str, Any]) -> str:
    """`57 ms (52–63)`, or seconds above ten thousand ms."""
    if r["ms"] >= 1000:
        return f"{r['ms'] / 1000:.2f} s ({r['ms_min'] / 1000:.2f}–{r['ms_max'] / 1000:.2f})"
    return f"{r['ms']:.0f} ms ({r['ms_min']:.0f}–{r['ms_max']:.0f})"


def table(results: dict[str, Any]) -> str:
    rows = results.get("commands", [])
    cell = {(r["size"], r["tool"], r["command"]): r for r in rows}
    sizes = sorted({r["size"] for r in rows if r["tool"] == "lrmkb"})
    floor = cell.get((0, "python", "floor"))
    runs = floor["runs"] if floor else "?"
    load = "–".join(str(x) for x in results.get("load", []))
    out = [
        f"Whole processes, median of {runs} interleaved runs (range in brackets), on the 2-core",
        f"machine this was written on, shared with other work (load average {load}). The",
        "Python floor — `python -c 'import sqlite3'`, the least any Python tool pays — was "
        + (f"{ms(floor)}." if floor else "not measured."),
        "",
        "| command | " + " | ".join(SIZES[s] for s in sizes) + " | peak RSS |",
        "|---|" + "---|" * (len(sizes) + 1),
    ]
    names = list(dict.fromkeys(r["command"] for r in rows if r["tool"] == "lrmkb"))
    for name in names:
        figures = [ms(cell[(s, "lrmkb", name)]) for s in sizes]
        rss = f"{cell[(sizes[-1], 'lrmkb', name)]['rss_mb']:.0f} MB"
        out.append(f"| `{name}` | " + " | ".join(figures) + f" | {rss} |")
    for r in results.get("import", []):
        i, p = r["import"], r["parse"]
        out.append(
            f"| `import` {r['size'] // 1000}k entries | "
            + " | ".join(
                f"{ms(i)}; {i['ms'] / p['ms']:.2f} × parsing" if s == r["size"] else ""
                for s in sizes
            )
            + f" | {i['rss_mb']:.0f} MB ({i['rss_mb'] / p['rss_mb']:.2f} × parsing) |"
        )
    adds = {r["size"]: r for r in results.get("add", [])}
    if adds:
        out.append(
            "| `add` one arXiv paper | "
            + " | ".join(ms(adds[s]) if s in adds else "" for s in sizes)
            + f" | {max(a['rss_mb'] for a in adds.values()):.0f} MB |"
        )
    peers = sorted({(r["size"], r["command"]) for r in rows if r["tool"] in ("pubs", "papis")})
    if peers:
        out += [
            "",
            "Next to papis and pubs on the same papers (their nearest command; see bench/scale_bench.py):",
            "",
        ]
        out += ["| command | papers | lrmkb | pubs | papis |", "|---|---|---|---|---|"]
        for name in names:
            for size in sorted({s for s, n in peers if n == name}):
                figures = [
                    ms(cell[(size, t, name)]) if (size, t, name) in cell else "—"
                    for t in ("lrmkb", "pubs", "papis")
                ]
                out.append(f"| `{name}` | {SIZES[size]} | " + " | ".join(figures) + " |")
    if results.get("targets"):
        out += ["", "Targets (issue 17):", ""]
        out += [
            f"- {'PASS' if t['pass'] else '**FAIL**'} {t['target']}: {t['figure']}"
            for t in results["targets"]
        ]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print", action="store_true", help="print instead of writing README")
    args = parser.parse_args()
    if not RESULTS.exists():
        print(f"no {RESULTS.relative_to(ROOT)}: run `make bench` first", file=sys.stderr)
        return 1
    text = table(json.loads(RESULTS.read_text(encoding="utf-8")))
    if args.print:
        print(text)
        return 0
    readme = README.read_text(encoding="utf-8")
    if START not in readme or END not in readme:
        print(f"README.md has no speed table markers ({START!r})", file=sys.stderr)
        return 1
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    README.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")
    print(f"README.md: speed table rewritten from {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
