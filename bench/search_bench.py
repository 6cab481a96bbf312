"""How fast is `lrmkb search`, next to papis and pubs, as a library grows?

Builds synthetic libraries of 1k, 10k and 100k papers — the survey's 128 papers plus
generated ones — and loads them the way a user would: `lrmkb import FILE.bib` on top of
the bundled survey database, `pubs import FILE.bib`, and one `info.yaml` folder per paper
for papis (what `papis add` writes). Then it times whole processes, as a user waits for
them: the median wall time of `lrmkb search QUERY`, `papis list --all QUERY` and
`pubs list title:WORD…` (pubs only takes field:value queries) over several rounds after a
warm-up, every command once per round, and lrmkb's peak RSS. The bundled survey database
itself is measured too ("survey"), and `python -c 'import sqlite3'` as the floor every
Python command starts from: the goal is a search within 4 × that floor.

papis and pubs get their own virtual environments under bench/.venvs/ (from PyPI; pubs
needs bibtexparser<2), made on first use. Libraries are cached under bench/out/search/.

    python bench/search_bench.py                      # 1k, 10k, 100k; papis/pubs at 1k, 10k
    python bench/search_bench.py --sizes 1000 --runs 5
    python bench/search_bench.py --json               # the figures as JSON

The figures also go to bench/out/search/results.json, from which bench/readme_table.py
writes README's speed table.

The corpus: each generated paper is on the survey's topic with probability 5%, and then
draws a third of its words from the seeds' own text (so "overthinking" is about as rare
as in a broad library that follows the field); the rest of its words come from a Zipf-
distributed vocabulary of 40,000 made-up words plus common English words."""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
VENVS = BENCH / ".venvs"
WORK = BENCH / "out" / "search"
RESULTS = WORK / "results.json"  # the last run's figures, for bench/readme_table.py
LRMKB = ROOT / ".venv" / "bin" / "lrmkb"
SURVEY_DB = ROOT / "data" / "survey.db"
SEEDS = ROOT / "seeds"
QUERIES = (
    "overthinking",
    "entropy collapse",
    "steering vectors",
    "hallucinaton",
    "why do reasoning models overthink",
)
SURVEY = 0  # the size that stands for the bundled survey database itself
COMPETITOR_SIZES = {1000, 10000}
CORPUS_VERSION = 1  # bump when the generator changes, to rebuild cached libraries
TOPIC_SHARE = 0.05
GOALS = {
    "vs_papis_at_1k": 0.35,
    "vs_python": 4.0,  # × `python -c 'import sqlite3'`, on the survey and at 1k papers
    "growth_1k_to_100k": 1.3,
    "rss_mb_at_100k": 80.0,
}

COMMON = (  # noqa: SIM905 - a sentence is easier to read than 49 quoted words
    "the of and to in a is that for on with as by we this are from be an which our at it "
    "can these not have results show using based approach model models method methods data "
    "learning performance propose paper study analysis new two more than between also"
).split()
VENUES = ("CoRR", "NeurIPS", "ICML", "ICLR", "ACL", "EMNLP", "TMLR", "Nature", "AAAI")
FIRST = "Ana Ben Chen Dara Eli Fatima Gus Hana Ivan Jun Kai Lena Mei Noor Omar Priya".split()  # noqa: SIM905


# --- the corpus --------------------------------------------------------------------------


class Corpus:
    """Deterministic generated papers (`seed` fixes them) as BibTeX field dicts."""

    def __init__(self, seed: int = 6) -> None:
        self.rng = random.Random(seed)
        self.topic_words = _seed_words()
        syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"] + ["an", "er", "is", "on"]
        made_up = {
            "".join(self.rng.choice(syllables) for _ in range(self.rng.randint(2, 4)))
            for _ in range(45_000)
        }
        self.general = sorted(made_up)[:40_000]
        self.rng.shuffle(self.general)
        zipf = [1 / (rank + 1) ** 1.05 for rank in range(len(self.general))]
        self.zipf = list(_cumulative(zipf))
        self.surnames = [w.capitalize() for w in self.general[:5000]]

    def papers(self, count: int) -> Iterator[dict[str, str]]:
        for i in range(count):
            on_topic = self.rng.random() < TOPIC_SHARE
            title = self._words(self.rng.randint(6, 14), on_topic)
            yield {
                "key": f"bench{i:06d}",
                "author": " and ".join(
                    f"{self.rng.choice(FIRST)} {self.rng.choice(self.surnames)}"
                    for _ in range(self.rng.randint(1, 8))
                ),
                "title": title[0].upper() + title[1:],
                "year": str(self.rng.randint(2012, 2025)),
                "journal": self.rng.choice(VENUES),
                "doi": f"10.5555/lrmkb-bench.{i}",
                "abstract": self._words(self.rng.randint(80, 200), on_topic) + ".",
            }

    def _words(self, n: int, on_topic: bool) -> str:
        out = []
        drawn = iter(self.rng.choices(self.general, cum_weights=self.zipf, k=n))
        for _ in range(n):
            roll = self.rng.random()
            if on_topic and roll < 0.33:
                out.append(self.rng.choice(self.topic_words))
            elif roll < 0.55:
                out.append(self.rng.choice(COMMON))
            else:
                out.append(next(drawn))
        return " ".join(out)


def _cumulative(weights: Sequence[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def _seed_words() -> list[str]:
    """The words of the seeds' summaries, findings and titles, with their frequencies."""
    text = [m for m in re.findall(r"title = \{(.+)\}", (SEEDS / "papers.bib").read_text())]
    for path in sorted((SEEDS / "nodes").glob("*.toml")):
        data = tomllib.loads(path.read_text())
        for item in [data["node"], *data.get("question", []), *data.get("finding", [])]:
            text += [item.get("title", ""), item.get("summary", ""), item.get("text", "")]
    return re.findall(r"[a-z][a-z-]+", " ".join(text).lower())


def survey_entries() -> list[dict[str, str]]:
    """The survey's own papers (seeds/papers.bib: one `field = {value},` per line)."""
    entries = []
    for block in re.split(r"\n(?=@)", (SEEDS / "papers.bib").read_text()):
        head = re.match(r"@(\w+)\{([^,]+),", block.strip())
        if head:
            fields = dict(re.findall(r"^\s*(\w+) = \{(.*)\},?$", block, re.M))
            entries.append({"key": head[2], "type": head[1], **fields})
    return entries


def write_bib(entries: Sequence[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for e in entries:
            fields = "".join(
                f"  {k} = {{{v}}},\n" for k, v in e.items() if k not in ("key", "type")
            )
            out.write(f"@{e.get('type', 'article')}{{{e['key']},\n{fields}}}\n\n")


# --- the libraries -----------------------------------------------------------------------


def library(size: int, with_others: bool) -> dict[str, Any]:
    """The libraries of `size` papers, built by a child process: a child's peak RSS
    starts at its parent's, so the measuring process must never hold the corpus."""
    if size == SURVEY:
        db = WORK / "survey.db"
        WORK.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SURVEY_DB, db)
        return {"db": db, "import_seconds": 0.0}
    home = WORK / f"v{CORPUS_VERSION}-{size}"
    flags = ["--with-others"] if with_others else []
    run([sys.executable, __file__, "--build", str(size), *flags])
    lib = json.loads((home / "library.json").read_text())
    return {**lib, "db": Path(lib["db"])}


def build(size: int, with_others: bool) -> None:
    """lrmkb, papis and pubs libraries holding the same `size` papers (cached), and a
    note of where they are, how long lrmkb took to import, and how many papers each
    query finds."""
    home = WORK / f"v{CORPUS_VERSION}-{size}"
    home.mkdir(parents=True, exist_ok=True)
    survey = survey_entries()
    generated = list(Corpus().papers(size - len(survey)))
    db = home / "lrmkb.db"
    if not db.exists():
        write_bib(generated, home / "generated.bib")
        shutil.copyfile(SURVEY_DB, home / "tmp.db")
        start = time.perf_counter()
        run([str(LRMKB), "--db", str(home / "tmp.db"), "import", str(home / "generated.bib")])
        (home / "import-seconds").write_text(f"{time.perf_counter() - start:.1f}")
        os.replace(home / "tmp.db", db)
    lib: dict[str, Any] = {
        "db": str(db),
        "import_seconds": float((home / "import-seconds").read_text()),
    }
    if with_others:
        lib["papis"] = papis_library(home, survey + generated)
        lib["pubs"] = pubs_library(home, survey + generated)
    (home / "library.json").write_text(json.dumps(lib))


def papis_library(home: Path, entries: Sequence[dict[str, str]]) -> dict[str, Any]:
    """One folder per paper with its `info.yaml` (JSON is YAML), as `papis add` makes."""
    config = home / "papis" / "config"
    env = _env(home / "papis")
    if not config.exists():
        library = home / "papis" / "library"
        shutil.rmtree(library, ignore_errors=True)
        for e in entries:
            folder = library / e["key"]
            folder.mkdir(parents=True)
            info = {("ref" if k == "key" else k): v for k, v in e.items()}
            info.setdefault("type", "article")
            (folder / "info.yaml").write_text(json.dumps(info, ensure_ascii=False))
        config.write_text(f"[settings]\ndefault-library = bench\n\n[bench]\ndir = {library}\n")
    return {"cmd": [str(_venv_bin("papis", "papis")), "--config", str(config)], "env": env}


def pubs_library(home: Path, entries: Sequence[dict[str, str]]) -> dict[str, Any]:
    config = home / "pubs" / "pubsrc"
    env = _env(home / "pubs")
    cmd = [str(_venv_bin("pubs", "pubs")), "-c", str(config)]
    if not (home / "pubs" / "done").exists():
        shutil.rmtree(home / "pubs", ignore_errors=True)
        (home / "pubs").mkdir()
        write_bib(entries, home / "pubs" / "all.bib")
        run([*cmd, "init", "-p", str(home / "pubs" / "repo")], env=env)
        run([*cmd, "import", str(home / "pubs" / "all.bib")], env=env)
        (home / "pubs" / "done").touch()
    return {"cmd": cmd, "env": env}


def _env(home: Path) -> dict[str, str]:
    """A private HOME, config and cache, so no user setting changes what is measured."""
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / "config"))
    env["XDG_CACHE_HOME"] = str(home / "cache")
    env.pop("LRMKB_DB", None)
    return env


def _venv_bin(name: str, program: str) -> Path:
    """bench/.venvs/NAME with `program`, created from PyPI on first use."""
    venv = VENVS / name
    exe = venv / "bin" / program
    if not exe.exists():
        packages = {"papis": ["papis"], "pubs": ["pubs", "bibtexparser<2"]}[name]
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "pip"), "install", "--quiet", *packages])
    return exe


def run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-2000:]}")


# --- measuring ---------------------------------------------------------------------------


# Runs one command and prints its wall seconds, peak RSS (KB) and exit code. A child's
# peak RSS starts at its parent's, so this launcher (python -S, ~8 MB) stands between the
# harness and the tool; it also keeps the harness's own start-up out of the timing.
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one whole process; its output goes nowhere."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, *cmd], env=env, capture_output=True, text=True
    )
    seconds, rss_kb, code = done.stdout.split()
    if code != "0":
        sys.exit(f"failed ({code}): {' '.join(cmd)}")
    return float(seconds), int(rss_kb) / 1024


def commands(lib: dict[str, Any], query: str) -> dict[str, tuple[list[str], dict[str, str] | None]]:
    words = query.split()
    cmds: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "lrmkb": ([str(LRMKB), "--db", str(lib["db"]), "search", *words], None)
    }
    if "papis" in lib:
        cmds["papis"] = ([*lib["papis"]["cmd"], "list", "--all", query], lib["papis"]["env"])
        # pubs has no free-text search: a query is field:value pairs, the title is closest
        titles = [f"title:{w}" for w in words]
        cmds["pubs"] = ([*lib["pubs"]["cmd"], "list", *titles], lib["pubs"]["env"])
    return cmds


def bench(libs: dict[int, dict[str, Any]], runs: int) -> tuple[dict[int, dict[str, Any]], float]:
    """Per size, query and tool: median wall ms and peak RSS MB; and the median ms of
    `python -c 'import sqlite3'` (the venv's python), the floor any Python tool starts
    from. Every command runs once per round, all sizes and tools interleaved, so a busy
    machine slows all alike."""
    jobs = [
        (size, query, tool, cmd, env)
        for size, lib in libs.items()
        for query in QUERIES
        for tool, (cmd, env) in commands(lib, query).items()
    ]
    floor = [str(LRMKB.parent / "python"), "-c", "import sqlite3"]
    jobs.append((SURVEY, "", "python", floor, None))
    for *_, cmd, env in jobs:
        measure(cmd, env)  # warm-up: caches built, files in the page cache
    samples: dict[tuple[int, str, str], list[tuple[float, float]]] = {}
    for _ in range(runs):
        for size, query, tool, cmd, env in jobs:
            samples.setdefault((size, query, tool), []).append(measure(cmd, env))
    python = samples.pop((SURVEY, "", "python"))
    out: dict[int, dict[str, Any]] = {size: {} for size in libs}
    for (size, query, tool), got in samples.items():
        out[size].setdefault(query, {})[tool] = {
            "ms": round(statistics.median(s[0] for s in got) * 1000, 1),
            "rss_mb": round(max(s[1] for s in got), 1),
        }
    return out, round(statistics.median(s[0] for s in python) * 1000, 1)


def summarise(results: dict[int, dict[str, Any]], python_ms: float) -> dict[str, Any]:
    """Medians over the queries, ratios, and the issues' goals."""
    summary: dict[str, Any] = {"python_ms": python_ms}
    for size, res in results.items():
        per_tool: dict[str, Any] = {}
        for tool in res["queries"][QUERIES[0]]:
            per_tool[tool] = {
                "ms": round(statistics.median(q[tool]["ms"] for q in res["queries"].values()), 1),
                "rss_mb": max(q[tool]["rss_mb"] for q in res["queries"].values()),
            }
        for other in ("papis", "pubs"):
            if other in per_tool:
                per_tool[f"lrmkb/{other}"] = round(
                    per_tool["lrmkb"]["ms"] / per_tool[other]["ms"], 3
                )
        per_tool["lrmkb/python"] = round(per_tool["lrmkb"]["ms"] / python_ms, 2)
        summary[size] = per_tool
    goals = {}
    for size, label in ((SURVEY, "survey DB"), (1000, "1k")):
        if size in summary:
            ratio = summary[size]["lrmkb/python"]
            goals[f"{label}: lrmkb ≤ 4 × python -c 'import sqlite3'"] = ratio <= GOALS["vs_python"]
    if 1000 in summary and "lrmkb/papis" in summary[1000]:
        goals["1k: lrmkb ≤ 0.35 × papis"] = summary[1000]["lrmkb/papis"] <= GOALS["vs_papis_at_1k"]
    if 1000 in summary and 100000 in summary:
        growth = summary[100000]["lrmkb"]["ms"] / summary[1000]["lrmkb"]["ms"]
        summary["growth_1k_to_100k"] = round(growth, 3)
        goals["100k: lrmkb ≤ 1.3 × its 1k time"] = growth <= GOALS["growth_1k_to_100k"]
    if 100000 in summary:
        rss = summary[100000]["lrmkb"]["rss_mb"]
        goals["100k: lrmkb peak RSS ≤ 80 MB"] = rss <= GOALS["rss_mb_at_100k"]
    summary["goals"] = goals
    return summary


def print_report(results: dict[int, dict[str, Any]], summary: dict[str, Any]) -> None:
    print(
        f"{'papers':>7}  {'query':<18}{'lrmkb ms':>9}{'RSS MB':>8}{'papis ms':>10}{'pubs ms':>9}"
        f"{'÷papis':>8}{'÷pubs':>7}  hits"
    )
    for size, res in results.items():
        for query, q in res["queries"].items():
            line = f"{_label(size):>7}  {query[:17]:<18}{q['lrmkb']['ms']:>9.1f}"
            line += f"{q['lrmkb']['rss_mb']:>8.1f}"
            if "papis" in q:
                line += f"{q['papis']['ms']:>10.1f}{q['pubs']['ms']:>9.1f}"
                line += f"{q['lrmkb']['ms'] / q['papis']['ms']:>8.2f}{q['lrmkb']['ms'] / q['pubs']['ms']:>7.2f}"
            else:
                line += " " * 34
            print(f"{line}  {res['hits'][query]}")
    print()
    print(f"python -c 'import sqlite3': {summary['python_ms']} ms")
    for size, s in summary.items():
        if isinstance(size, int):
            parts = [
                f"lrmkb {s['lrmkb']['ms']} ms ({s['lrmkb']['rss_mb']} MB,"
                f" {s['lrmkb/python']} × python)"
            ]
            parts += [
                f"{t} {s[t]['ms']} ms, lrmkb/{t} = {s[f'lrmkb/{t}']}"
                for t in ("papis", "pubs")
                if t in s
            ]
            print(f"{_label(size):>7} papers, median over queries: " + "; ".join(parts))
    if "growth_1k_to_100k" in summary:
        print(f"lrmkb 100k ÷ 1k = {summary['growth_1k_to_100k']}")
    print(f"(peak RSS cannot read below the launcher's own {summary['launcher_rss_mb']} MB)")
    before, after = summary["load_average"]
    print(f"load average {before} before measuring, {after} after (2 cores here)")
    for size, res in results.items():
        if size != SURVEY:
            print(f"{size:>7} papers: `lrmkb import` took {res['import_seconds']} s")
    for goal, ok in summary["goals"].items():
        print(f"{'PASS' if ok else 'FAIL'}  {goal}")


def _label(size: int) -> str:
    return "survey" if size == SURVEY else str(size)


def hits(db: Path) -> dict[str, str]:
    """How many papers each query lists (after correction), to read the timings by."""
    found = subprocess.run(
        [str(LRMKB), "--db", str(db), "stats", "--json"], capture_output=True, text=True
    )
    total = json.loads(found.stdout)["papers"] if found.returncode == 0 else "?"
    out = {}
    for query in QUERIES:
        done = subprocess.run(
            [
                str(LRMKB),
                "--db",
                str(db),
                "search",
                "--type",
                "paper",
                "--limit",
                "1",
                "--json",
                *query.split(),
            ],
            capture_output=True,
            text=True,
        )
        out[query] = f"{json.loads(done.stdout)['totals']['paper']}/{total}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="0,1000,10000,100000", help="comma-separated; 0: the survey DB"
    )
    parser.add_argument("--runs", type=int, default=9, help="timed runs per query and tool")
    parser.add_argument("--no-others", action="store_true", help="skip papis and pubs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--with-others", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.build, args.with_others)
        return
    if not LRMKB.exists():
        sys.exit(f"{LRMKB} is missing: run `make` (or pip install -e .) first")
    # An installed wheel has bytecode; an editable checkout under PYTHONDONTWRITEBYTECODE
    # would recompile lrmkb on every run, which no user pays (papis and pubs have theirs).
    run([str(LRMKB.parent / "python"), "-m", "compileall", "-q", str(ROOT / "src" / "lrmkb")])
    libs = {}
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"building {_label(size)} papers…", file=sys.stderr)
        libs[size] = library(size, with_others=size in COMPETITOR_SIZES and not args.no_others)
    print(f"measuring, {args.runs} rounds…", file=sys.stderr)
    load_before = os.getloadavg()[0]
    timings, python_ms = bench(libs, args.runs)
    results = {
        size: {
            "import_seconds": lib["import_seconds"],
            "hits": hits(lib["db"]),
            "queries": timings[size],
        }
        for size, lib in libs.items()
    }
    summary = summarise(results, python_ms)
    summary["launcher_rss_mb"] = round(measure(["/bin/true"])[1], 1)
    summary["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"results": results, "summary": summary}, indent=2, ensure_ascii=False)
    )
    if args.json:
        print(json.dumps({"results": results, "summary": summary}, indent=2, ensure_ascii=False))
    else:
        print_report(results, summary)


if __name__ == "__main__":
    main()
