"""Write README's speed table from the last `make bench`: the figures each benchmark left
in bench/out/ (search_bench: search/results.json, import_bench: import/results.json,
scale_bench: scale/results.json), whichever have been run.

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
OUT = ROOT / "bench" / "out"
RESULTS = OUT / "scale" / "results.json"
SEARCH_RESULTS = OUT / "search" / "results.json"
IMPORT_RESULTS = OUT / "import" / "results.json"
START = "<!-- speed table: written by bench/readme_table.py from `make bench`; do not edit -->"
END = "<!-- end of speed table -->"
SIZES = {0: "survey (128)", 1000: "1k", 10_000: "10k", 100_000: "100k"}


def ms(r: dict[str, Any]) -> str:
    """`57 ms (52–63)`, or seconds above ten thousand ms."""
    if r["ms"] >= 1000:
        return f"{r['ms'] / 1000:.2f} s ({r['ms_min'] / 1000:.2f}–{r['ms_max'] / 1000:.2f})"
    return f"{r['ms']:.0f} ms ({r['ms_min']:.0f}–{r['ms_max']:.0f})"


def seconds(r: dict[str, Any]) -> str:
    """`1.23 s (1.10–1.40)` from a summary in milliseconds."""
    return f"{r['ms'] / 1000:.2f} s ({r['ms_min'] / 1000:.2f}–{r['ms_max'] / 1000:.2f})"


def headline(search: dict[str, Any] | None, imports: dict[str, Any] | None) -> str:
    """The search and import figures (bench/search_bench.py, bench/import_bench.py)."""
    out = ["| benchmark | figure |", "|---|---|"]
    if search:
        summary = search["summary"]
        floor = summary["python_ms"]
        at = {
            label: summary.get(str(size)) for label, size in (("survey DB", 0), ("1k papers", 1000))
        }
        shown = {label: s for label, s in at.items() if s}
        if shown:
            names = " and ".join(shown)
            ms_ = " / ".join(f"{s['lrmkb']['ms']:.0f} ms" for s in shown.values())
            ratios = " / ".join(f"{s['lrmkb/python']:.2f} ×" for s in shown.values())
            out.append(
                f"| `lrmkb search` process, {names} | {ms_}: **{ratios}** "
                f"`python -c 'import sqlite3'` ({floor:.0f} ms); median over "
                f"{len(search['results']['0']['queries'])} queries, load average "
                f"{'–'.join(map(str, summary['load_average']))} |"
            )
        if (big := summary.get("100000")) and "growth_1k_to_100k" in summary:
            out.append(
                f"| `lrmkb search`, 100k papers | **{summary['growth_1k_to_100k']:.2f} ×** its"
                f" 1k time ({big['lrmkb']['ms']:.0f} ms), peak RSS **{big['lrmkb']['rss_mb']:.1f}"
                " MB** |"
            )
    for r in (imports or {}).get("results", []):
        i, p, pair = r["process"]["import"], r["process"]["parse"], r["process"]
        out.append(
            f"| `lrmkb import` of {r['entries']:,} entries ({r['file']}) | {seconds(i)} vs"
            f" {seconds(p)} for `bibtexparser.parse_string` alone, whole processes:"
            f" **{pair['ratio']:.2f} ×** ({pair['ratio_min']:.2f}–{pair['ratio_max']:.2f}; CPU"
            f" {i['cpu_ms'] / 1000:.2f} / {p['cpu_ms'] / 1000:.2f} s = {pair['cpu_ratio']:.2f} ×),"
            f" target ≤ {imports['target_ratio']:g} ×; peak RSS {i['rss_mb']:.0f} /"
            f" {p['rss_mb']:.0f} MB |"
        )
    if imports:
        out += [
            "",
            f"Import: median (range) of {imports['runs']} rounds, each an import and a parse"
            " alternating (the ratio is of each round's pair), load average"
            f" {'–'.join(map(str, imports['load']))} on the 2-core machine.",
        ]
    return "\n".join(out)


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


def load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print", action="store_true", help="print instead of writing README")
    args = parser.parse_args()
    found = {path: load(path) for path in (SEARCH_RESULTS, IMPORT_RESULTS, RESULTS)}
    if not any(found.values()):
        print("no figures under bench/out/: run `make bench` first", file=sys.stderr)
        return 1
    parts = []
    if found[SEARCH_RESULTS] or found[IMPORT_RESULTS]:
        parts.append(headline(found[SEARCH_RESULTS], found[IMPORT_RESULTS]))
    if scale := found[RESULTS]:
        parts.append(table(scale))
    text = "\n\n".join(parts)
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
    used = ", ".join(str(path.relative_to(ROOT)) for path, got in found.items() if got)
    print(f"README.md: speed table rewritten from {used}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
