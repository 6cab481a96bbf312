"""How long does `lrmkb import` take next to bibtexparser parsing the same file alone?

Target (issue 4): an import takes at most 1.5 × `bibtexparser.parse_string` on the same
text. Two files:

- `tests/fixtures/bib/glottolog-zurich.bib.gz`: 8,744 real entries (Glottolog, CC BY 4.0),
  decompressed under bench/out/import/;
- a synthetic 10,000-entry file with what real libraries carry — LaTeX accents and
  escapes, `{Protected}` words, DOIs, arXiv eprints, abstracts, a few `@string`s —
  generated with a fixed seed under bench/out/import/.

Each run imports into a fresh copy of the bundled survey database (the copy is not
timed), so every entry goes down the full dedupe ladder against the survey's papers.
Timings are in-process, with modules already imported, so both sides pay for the same
things; parse and import runs alternate and the best of N is compared (on a shared machine
the minimum is the figure least disturbed by other work). The whole `lrmkb import`
process (interpreter start, imports, everything) is timed once per file for reference.

"split s" is bibtexparser without its default middlewares — the part of the parse the
import runs.

    python bench/import_bench.py            # 7 runs per file
    python bench/import_bench.py --runs 15  # steadier on a busy machine
    python bench/import_bench.py --json"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GLOTTOLOG_GZ = ROOT / "tests" / "fixtures" / "bib" / "glottolog-zurich.bib.gz"
WORK = ROOT / "bench" / "out" / "import"
SURVEY_DB = ROOT / "data" / "survey.db"
LRMKB = ROOT / ".venv" / "bin" / "lrmkb"
TARGET = 1.5
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

    shutil.copyfile(SURVEY_DB, db)
    start = time.perf_counter()
    with Database.open(db, write=True) as handle:
        report = ingest(handle, BibFile(bib))
    return time.perf_counter() - start, report.counts()


def time_cli(bib: Path, db: Path) -> float:
    shutil.copyfile(SURVEY_DB, db)
    start = time.perf_counter()
    subprocess.run(
        [str(LRMKB), "--db", str(db), "import", str(bib)], check=True, capture_output=True
    )
    return time.perf_counter() - start


def measure(bib: Path, runs: int) -> dict[str, Any]:
    text = bib.read_text(encoding="utf-8")
    db = WORK / "bench.db"
    time_import(bib, db)  # warm-up: imports, file cache
    parses, splits, imports = [], [], []
    for _ in range(runs):
        parses.append(time_parse(text))
        splits.append(time_parse(text, parse_stack=[]))
        seconds, counts = time_import(bib, db)
        imports.append(seconds)
    best_parse, best_import = min(parses), min(imports)
    return {
        "file": bib.name,
        "entries": sum(counts.values()),
        "outcomes": counts,
        "parse_best_s": round(best_parse, 3),
        "parse_median_s": round(statistics.median(parses), 3),
        "split_best_s": round(min(splits), 3),
        "import_best_s": round(best_import, 3),
        "import_median_s": round(statistics.median(imports), 3),
        "ratio_best": round(best_import / best_parse, 2),
        "ratio_median": round(statistics.median(imports) / statistics.median(parses), 2),
        "cli_process_s": round(time_cli(bib, db), 3),
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
    results = [measure(bib, args.runs) for bib in files if bib.exists()]
    if args.json:
        print(json.dumps({"target_ratio": TARGET, "results": results}, indent=2))
        return
    print(f"lrmkb import vs bibtexparser.parse_string, best of {args.runs} (target ≤ {TARGET}×)")
    print(
        f"{'file':<24}{'entries':>8}{'parse s':>9}{'split s':>9}{'import s':>10}{'ratio':>7}"
        f"{'median':>8}{'CLI s':>7}"
    )
    for r in results:
        verdict = "ok" if r["ratio_best"] <= TARGET else "ABOVE TARGET"
        print(
            f"{r['file']:<24}{r['entries']:>8}{r['parse_best_s']:>9.3f}{r['split_best_s']:>9.3f}"
            f"{r['import_best_s']:>10.3f}{r['ratio_best']:>6.2f}×{r['ratio_median']:>7.2f}×"
            f"{r['cli_process_s']:>7.2f}  {verdict}"
        )
        print(f"{'':<24}outcomes: {r['outcomes']}")


if __name__ == "__main__":
    main()
