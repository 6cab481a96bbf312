"""How long does `lrmkb import` take next to bibtexparser parsing the same file alone?

Target (issue 18): an import takes at most 2 × `bibtexparser.parse_string` on the same
text (issue 17 asks for 1.5 ×, see bench/scale_bench.py). Two files:

- `tests/fixtures/bib/glottolog-zurich.bib.gz`: 8,744 real entries (Glottolog, CC BY 4.0),
  decompressed under bench/out/import/;
- a synthetic 10,000-entry file with what real libraries carry — LaTeX accents and
  escapes, `{Protected}` words, DOIs, arXiv eprints, abstracts, a few `@string`s —
  generated with a fixed seed under bench/out/import/.

Two measurements of each file, both into a fresh copy of the bundled survey database
(the copy is not timed), so every entry goes down the full dedupe ladder against the
survey's papers:

1. **Whole processes**, as a user waits for them (bench/harness.py): `lrmkb import FILE`
   next to `python -c 'bibtexparser.parse_string(…)'`, alternating, after a warm-up
   round; median and range of the wall times, and the median and range of the ratio of
   each round's pair (a busy machine slows both of a pair alike).
2. **In-process**, modules already imported, so both sides pay for the same things:
   parse and import runs alternate and the best of N is compared (on a shared machine
   the minimum is the figure least disturbed by other work). "split" is bibtexparser
   without its default middlewares — the part of the parse the import runs.

The figures go to bench/out/import/results.json, from which bench/readme_table.py writes
README's speed table.

    python bench/import_bench.py            # 7 rounds per file
    python bench/import_bench.py --runs 15  # steadier on a busy machine
    python bench/import_bench.py --json"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from harness import LRMKB, PARSE, PYTHON, ROOT, SURVEY_DB, Samples, fresh_copy, measure, private_env

GLOTTOLOG_GZ = ROOT / "tests" / "fixtures" / "bib" / "glottolog-zurich.bib.gz"
WORK = ROOT / "bench" / "out" / "import"
RESULTS = WORK / "results.json"
TARGET = 2.0
SYNTHETIC_ENTRIES = 10_000

FIRST = ["Jörg", "Ana", "Wei", "Ayşe", "François", "Søren", "Li", "María", "Oğuz", "Chen"]
LAST = [r"M{\"u}ller", r"Garc{\'\i}a", "Zhang", r"{\c{C}}elik", "Dubois", r"J{\o}rgensen"]
LAST += ["Wang", r"Mart{\'\i}nez", "Smith", r"Nov{\'a}k", "Kim", r"Erd{\H{o}}s", "Li", "Sato"]
WORDS = [
    "reasoning",
    "chain",
    "thought",
    "models",
    "language",
    "large",
    "reinforcement",
    "learning",
    "overthinking",
    "faithfulness",
    "probing",
    "sparse",
    "features",
    "steering",
    "vectors",
    "entropy",
    "collapse",
    "reward",
    "verification",
    "backtracking",
    "latent",
    "structure",
    "analysis",
    "evidence",
    "mechanisms",
    "training",
    "distillation",
    "scaling",
    "inference",
    "budget",
    "calibration",
    "safety",
    "hallucination",
]


def synthetic_bib(path: Path, n: int, seed: int = 4) -> Path:
    """A deterministic .bib of `n` entries that looks like a researcher's export."""
    if path.exists():
        return path
    rng = random.Random(seed)
    out = ['@string{neurips = "Advances in Neural Information Processing Systems"}\n']
    for i in range(n):
        authors = " and ".join(
            f"{rng.choice(LAST)}, {rng.choice(FIRST)}" for _ in range(rng.randint(1, 6))
        )
        words = rng.sample(WORDS, rng.randint(4, 10))
        words[0] = "{" + words[0].upper() + "}" if rng.random() < 0.3 else words[0].title()
        title = " ".join(words) + (r" --- a {\'e}tude" if rng.random() < 0.1 else "")
        year = rng.randint(1995, 2025)
        fields = [f"  author = {{{authors}}}", f"  title = {{{title}}}", f"  year = {{{year}}}"]
        if rng.random() < 0.5:
            fields.append("  booktitle = neurips")
        else:
            fields.append(f"  journal = {{Journal of {rng.choice(WORDS).title()} \\& Data}}")
        if rng.random() < 0.4:
            fields.append(f"  doi = {{10.{rng.randint(1000, 9999)}/bench.{i}}}")
        if rng.random() < 0.3:
            fields.append(f"  eprint = {{{rng.randint(2001, 2412)}.{i:05d}}}")
            fields.append("  archiveprefix = {arXiv}")
        if rng.random() < 0.5:
            abstract = " ".join(rng.choices(WORDS, k=rng.randint(40, 120)))
            fields.append(f"  abstract = {{We study 50\\% of {abstract}.}}")
        fields.append(f"  pages = {{{rng.randint(1, 300)}--{rng.randint(301, 600)}}}")
        kind = "inproceedings" if "booktitle" in fields[3] else "article"
        out.append(f"@{kind}{{bench{i},\n" + ",\n".join(fields) + ",\n}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def time_parse(text: str, parse_stack: list[Any] | None = None) -> float:
    import bibtexparser

    start = time.perf_counter()
    bibtexparser.parse_string(text, parse_stack=parse_stack)
    return time.perf_counter() - start


def time_import(bib: Path, db: Path) -> tuple[float, dict[str, int]]:
    """One import, as `lrmkb import` runs it (the database opened for writing)."""
    from lrmkb.importers.bibtex import BibFile
    from lrmkb.ingest import ingest
    from lrmkb.store import Database

    fresh_copy(SURVEY_DB, db)
    start = time.perf_counter()
    with Database.open(db, write=True) as handle:
        report = ingest(handle, BibFile(bib))
    return time.perf_counter() - start, report.counts()


def in_process(bib: Path, runs: int) -> dict[str, Any]:
    """Best and median of `runs` in-process imports and parses, alternating."""
    text = bib.read_text(encoding="utf-8")
    db = WORK / "bench.db"
    time_import(bib, db)  # warm-up: imports, file cache
    parses, splits, imports = [], [], []
    for _ in range(runs):
        parses.append(time_parse(text))
        splits.append(time_parse(text, parse_stack=[]))
        seconds, counts = time_import(bib, db)
        imports.append(seconds)
    return {
        "outcomes": counts,
        "parse_best_s": round(min(parses), 3),
        "split_best_s": round(min(splits), 3),
        "import_best_s": round(min(imports), 3),
        "ratio_best": round(min(imports) / min(parses), 2),
        "ratio_median": round(statistics.median(imports) / statistics.median(parses), 2),
    }


def processes(bib: Path, runs: int) -> dict[str, Any]:
    """Whole `lrmkb import` processes next to whole parsing processes, alternating, after
    a warm-up round: both summaries and the ratio of each round's pair."""
    db = WORK / "process.db"
    env = private_env(WORK / "home")
    imports, parses = Samples(), Samples()
    for round_ in range(runs + 1):
        print(f"{bib.name}: round {round_ or 'warm-up'}/{runs}", file=sys.stderr, flush=True)
        fresh_copy(SURVEY_DB, db)
        got_import = measure([str(LRMKB), "--db", str(db), "import", str(bib)], env)
        got_parse = measure([str(PYTHON), "-c", PARSE, str(bib)], env)
        if round_:
            imports.add(got_import)
            parses.add(got_parse)
    ratios = sorted(i / p for i, p in zip(imports.seconds, parses.seconds, strict=True))
    cpu = sorted(i / p for i, p in zip(imports.cpu, parses.cpu, strict=True))
    return {
        "import": imports.summary(),
        "parse": parses.summary(),
        "ratio": round(statistics.median(ratios), 2),
        "ratio_min": round(ratios[0], 2),
        "ratio_max": round(ratios[-1], 2),
        "cpu_ratio": round(statistics.median(cpu), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args, _ = parser.parse_known_args()
    sys.path.insert(0, str(ROOT / "src"))
    WORK.mkdir(parents=True, exist_ok=True)
    glottolog = WORK / "glottolog-zurich.bib"
    glottolog.write_bytes(gzip.decompress(GLOTTOLOG_GZ.read_bytes()))
    files = [
        glottolog,
        synthetic_bib(WORK / f"synthetic-{SYNTHETIC_ENTRIES}.bib", SYNTHETIC_ENTRIES),
    ]
    load = [round(os.getloadavg()[0], 2)]
    results = []
    for bib in files:
        found = in_process(bib, args.runs)
        results.append(
            {
                "file": bib.name,
                "entries": sum(found["outcomes"].values()),
                "process": processes(bib, args.runs),
                "in_process": found,
            }
        )
    load.append(round(os.getloadavg()[0], 2))
    out = {"target_ratio": TARGET, "runs": args.runs, "load": load, "results": results}
    RESULTS.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return
    print(f"lrmkb import vs bibtexparser.parse_string (target ≤ {TARGET} ×), load {load}")
    print(
        f"whole processes, s: median (range) of {args.runs} rounds; ratio: median (range) of"
        " each round's pair; CPU: medians (user + system)"
    )
    for r in results:
        i, p = r["process"]["import"], r["process"]["parse"]
        ratio = r["process"]
        verdict = "ok" if ratio["ratio"] <= TARGET else "ABOVE TARGET"
        print(
            f"  {r['file']:<24}{r['entries']:>7} entries  import {span(i)}  parse {span(p)}"
            f"  {ratio['ratio']:.2f} × ({ratio['ratio_min']:.2f}–{ratio['ratio_max']:.2f})"
            f"  CPU {i['cpu_ms'] / 1000:.2f} / {p['cpu_ms'] / 1000:.2f} s = {ratio['cpu_ratio']:.2f} ×"
            f"  peak RSS {i['rss_mb']:.0f} / {p['rss_mb']:.0f} MB  {verdict}"
        )
    print(f"in-process, s: best of {args.runs} (split = bibtexparser without middlewares)")
    for r in results:
        f = r["in_process"]
        print(
            f"  {r['file']:<24}parse {f['parse_best_s']:.3f}  split {f['split_best_s']:.3f}"
            f"  import {f['import_best_s']:.3f}  {f['ratio_best']:.2f} × best,"
            f" {f['ratio_median']:.2f} × median  {f['outcomes']}"
        )


def span(r: dict[str, Any]) -> str:
    """`1.23 (1.10–1.40)` seconds from a `Samples.summary()`."""
    return f"{r['ms'] / 1000:.2f} ({r['ms_min'] / 1000:.2f}–{r['ms_max'] / 1000:.2f})"


if __name__ == "__main__":
    main()
