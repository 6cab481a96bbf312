"""Does every lrmkb command stay instant as a library grows to 100,000 papers?

Three parts, each timing whole processes as a user waits for them (bench/harness.py):

1. **Commands.** Every command on the survey database alone and on libraries of 1k, 10k
   and 100k papers (bench/corpus.py: generated papers imported with `lrmkb import`), next
   to the same work in papis and pubs on the same papers at 1k and 10k, and the Python
   floor (`python -c 'import sqlite3'`). All commands of all sizes and tools run once per
   round, interleaved, so a busy machine slows all alike; after a warm-up round, the
   median and range of `--runs` rounds, and the largest peak RSS.
2. **Import** of the generated papers at 1k, 10k and 100k into a fresh copy of the survey
   database, next to a process that only parses the same file with
   `bibtexparser.parse_string`, and (up to 10k, unless `--no-peers`) `pubs import` of the
   same file into a fresh pubs repository (`pubs init` is not timed) — all whole
   processes, interleaved in each round.
3. **Add** of one arXiv paper, answered by the local arXiv stand-in (tests/arxiv_server.py
   replaying a recorded response), to the survey database and to the 100k library.

The peers' commands are the nearest each has: `show` ≈ `pubs export KEY` / `papis export
ref:KEY`; `tag` ≈ `pubs tag KEY TAG` / `papis tag --add TAG ref:KEY`; `tree` and `tags`
(an overview of how the library is organised) ≈ `pubs tag` / `papis list --all` (papis
lists no tags; `--format` would cost it seconds per thousand papers); `search` ≈ `pubs list title:WORD` / `papis list --all WORD`; `export` ≈
`pubs export` / `papis export --all --format bibtex|json`. Before timing, each peer must
list every paper of its library: a peer that lists nothing (papis reading an empty
default library instead of ours, say) stops the benchmark.

Prints the tables and one PASS/FAIL line per target (issue 17); the figures go to
bench/out/scale/results.json, from which bench/readme_table.py writes README's table.

    python bench/scale_bench.py                       # everything (≈ 30 min here)
    python bench/scale_bench.py --only commands --sizes 0,1000 --runs 5
    python bench/scale_bench.py --no-peers --import-runs 3"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import corpus
from harness import (
    FLOOR,
    LRMKB,
    PARSE,
    PYTHON,
    ROOT,
    SURVEY_DB,
    BenchError,
    Samples,
    fresh_copy,
    measure,
    peer_bin,
    private_env,
    run,
)

SIZES = (0, 1000, 10_000, 100_000)  # 0: the bundled survey database alone
PEER_SIZES = (1000, 10_000)
IMPORT_SIZES = (1000, 10_000, 100_000)
RESULTS = corpus.WORK / "results.json"
SHOW_KEY = "marjanovic2025deepseekr1"  # a survey paper: in every library, peers' too
TYPO_KEY = "marjanovic2025"  # not a key: `show` says which keys are near
TAG = "bench"
SEARCH = "overthinking"
ADD_ID = "2507.00001"  # recorded in tests/fixtures/arxiv: a paper no library holds
STARTUP_COMMANDS = ("show", "tree", "tags", "stats", "list", "tag")
READ_COMMANDS = (
    "search",
    "show",
    "show (typo)",
    "tree",
    "findings",
    "tags",
    "stats",
    "doctor",
    "db check",
    "list (newest 20)",
)
FOLLOWS_OUTPUT = ("findings", "show", "show (typo)", "tree", "stats", "doctor", "db check")
"""Read commands whose output does not grow with the library (issue 17, item 2)."""
EXPORTS = ("export bib", "export json", "export md")
PEER_RACE = ("tag", "show", "tree")


@dataclass(frozen=True)
class Command:
    name: str
    args: list[str]
    ok: tuple[int, ...] = (0,)


def lrmkb_commands(has_list: bool) -> list[Command]:
    """What a user runs, `lrmkb --db DB` in front of each."""
    found = (0, 1)  # doctor and db check exit 1 when they find problems
    commands = [
        Command("search", ["search", SEARCH]),
        Command("show", ["show", SHOW_KEY]),
        Command("show (typo)", ["show", TYPO_KEY], ok=(1,)),
        Command("tree", ["tree"]),
        Command("findings", ["findings"]),
        Command("tags", ["tags"]),
        Command("stats", ["stats"]),
        Command("doctor", ["doctor"], ok=found),
        Command("db check", ["db", "check"], ok=found),
        Command("tag", ["tag", SHOW_KEY, TAG]),
        Command("export bib", ["export", "--format", "bib"]),
        Command("export json", ["export", "--format", "json"]),
        Command("export md", ["export", "--format", "md"]),
    ]
    if has_list:  # the whole library (next to the peers' `list`), and what fits a screen
        commands[9:9] = [
            Command("list", ["list"]),
            Command("list (newest 20)", ["list", "--sort", "added", "--limit", "20"]),
        ]
    return commands


def peer_commands(tool: str) -> list[Command]:
    if tool == "pubs":
        return [
            Command("search", ["list", f"title:{SEARCH}"]),
            Command("show", ["export", SHOW_KEY]),
            Command("tree", ["tag"]),
            Command("tags", ["tag"]),
            Command("list", ["list"]),
            Command("tag", ["tag", SHOW_KEY, TAG]),
            Command("export bib", ["export"]),
        ]
    by_key = f"ref:{SHOW_KEY}"
    return [
        Command("search", ["list", "--all", SEARCH]),
        Command("show", ["export", "--all", "--format", "bibtex", by_key]),
        Command("tree", ["list", "--all"]),
        Command("tags", ["list", "--all"]),
        Command("list", ["list", "--all"]),
        Command("tag", ["tag", "--add", TAG, "--all", by_key]),
        Command("export bib", ["export", "--all", "--format", "bibtex"]),
        Command("export json", ["export", "--all", "--format", "json"]),
    ]


# --- 1. commands ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    size: int
    tool: str
    command: Command
    argv: list[str]
    env: dict[str, str] | None


def has_list_command() -> bool:
    done = run([str(LRMKB), "--help"])
    return any(line.split()[:1] == ["list"] for line in done.stdout.splitlines())


def command_jobs(sizes: list[int], peers: bool) -> list[Job]:
    jobs = [Job(0, "python", Command("floor", []), FLOOR, None)]
    commands = lrmkb_commands(has_list_command())
    for size in sizes:
        print(f"library of {size or 'the survey'} papers…", file=sys.stderr, flush=True)
        db = corpus.lrmkb_library(size)
        env = private_env(corpus.home(size) / "home")  # no user copy, no LRMKB_DB
        jobs += [
            Job(size, "lrmkb", c, [str(LRMKB), "--db", str(db), *c.args], env) for c in commands
        ]
        if peers and size in PEER_SIZES:
            for tool, make in (("pubs", corpus.pubs_library), ("papis", corpus.papis_library)):
                lib = make(size)
                check_peer_lists_all(tool, lib, size)
                jobs += [
                    Job(size, tool, c, [*lib["cmd"], *c.args], lib["env"])
                    for c in peer_commands(tool)
                ]
    return jobs


def check_peer_lists_all(tool: str, lib: dict[str, Any], size: int) -> None:
    """A peer timed on an empty library measures nothing: it must list all `size` papers."""
    args = ["list"] if tool == "pubs" else ["list", "--all"]
    listed = run([*lib["cmd"], *args], env=lib["env"]).stdout.splitlines()
    if len([line for line in listed if line.strip()]) != size:
        raise BenchError(
            f"{tool} lists {len(listed)} papers of its {size}-paper library "
            f"({' '.join(lib['cmd'] + args)}): its configuration is not the one made for it"
        )


def bench_commands(jobs: list[Job], runs: int) -> list[dict[str, Any]]:
    """Every job once per round (after a warm-up round), interleaved."""
    samples = {id(job): Samples() for job in jobs}
    for round_ in range(runs + 1):
        print(f"  round {round_ or 'warm-up'}/{runs}", file=sys.stderr, flush=True)
        for job in jobs:
            got = measure(job.argv, job.env, ok=job.command.ok)
            if round_:
                samples[id(job)].add(got)
    return [
        {"size": j.size, "tool": j.tool, "command": j.command.name, **samples[id(j)].summary()}
        for j in jobs
    ]


# --- 2. import -----------------------------------------------------------------------------


def bench_import(sizes: list[int], runs: int, peers: bool) -> list[dict[str, Any]]:
    """`lrmkb import FILE` into a fresh survey copy vs parsing FILE alone and (with
    `peers`, up to 10k) `pubs import FILE` into a fresh pubs repository, interleaved."""
    out = []
    work = corpus.WORK / "import"
    work.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        bib = work / f"generated-{size}.bib"
        if not bib.exists():
            parts = corpus.generated_bibs(size)
            bib.write_text("\n".join(p.read_text(encoding="utf-8") for p, _ in parts))
        entries = bib.read_text(encoding="utf-8").count("\n@")
        db = work / "import.db"
        env = private_env(work / "home")
        imports, parses, pubs = Samples(), Samples(), Samples()
        with_pubs = peers and size in PEER_SIZES
        for round_ in range(runs + 1):
            print(f"import {size}: round {round_ or 'warm-up'}/{runs}", file=sys.stderr, flush=True)
            fresh_copy(SURVEY_DB, db)
            got_import = measure([str(LRMKB), "--db", str(db), "import", str(bib)], env)
            got_parse = measure([str(PYTHON), "-c", PARSE, str(bib)], env)
            got_pubs = measure(fresh_pubs(work / "pubs", bib, env), env) if with_pubs else None
            if round_:
                imports.add(got_import)
                parses.add(got_parse)
                if got_pubs:
                    pubs.add(got_pubs)
        added = _count(db, "SELECT count(*) FROM paper") - _count(
            SURVEY_DB, "SELECT count(*) FROM paper"
        )
        result = {
            "size": size,
            "entries": entries + 1,
            "added": added,
            "import": imports.summary(),
            "parse": parses.summary(),
        }
        if with_pubs:
            result["pubs"] = {**pubs.summary(), "added": pubs_added(work / "pubs")}
        out.append(result)
    return out


def fresh_pubs(where: Path, bib: Path, env: dict[str, str]) -> list[str]:
    """An empty pubs repository at `where` (made now, not timed) and the `pubs import`
    command that fills it with `bib`."""
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    cmd = [str(peer_bin("pubs")), "-c", str(where / "pubsrc")]
    run([*cmd, "init", "-p", str(where / "repo")], env=env)
    return [*cmd, "import", str(bib)]


def pubs_added(where: Path) -> int:
    """How many papers the last `pubs import` stored (one .bib per paper)."""
    return len(list((where / "repo" / "bib").glob("*.bib")))


def _count(db: Path, sql: str) -> int:
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return int(con.execute(sql).fetchone()[0])


# --- 3. add --------------------------------------------------------------------------------


@contextmanager
def arxiv_stand_in() -> Iterator[str]:
    """tests/arxiv_server.py's replaying arXiv API on 127.0.0.1; yields its URL."""
    from http.server import ThreadingHTTPServer

    sys.path.insert(0, str(ROOT / "tests"))
    import arxiv_server

    replay = arxiv_server.ArxivReplay(
        arxiv_server.load_replies(arxiv_server.RECORDED, arxiv_server.OURS)
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), arxiv_server._handler(replay))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/query"
    finally:
        replay.stopping.set()
        server.shutdown()
        server.server_close()


def bench_add(sizes: list[int], runs: int) -> list[dict[str, Any]]:
    """`lrmkb add ADD_ID` on a fresh copy of each library (the copy is not timed)."""
    work = corpus.WORK / "add"
    work.mkdir(parents=True, exist_ok=True)
    samples = {size: Samples() for size in sizes}
    with arxiv_stand_in() as url:
        env = private_env(work / "home", LRMKB_ARXIV_API=url, LRMKB_ARXIV_RETRIES="0")
        for round_ in range(runs + 1):
            print(f"add: round {round_ or 'warm-up'}/{runs}", file=sys.stderr, flush=True)
            for size in sizes:
                db = work / f"add-{size}.db"
                fresh_copy(corpus.lrmkb_library(size), db)
                got = measure([str(LRMKB), "--db", str(db), "add", ADD_ID], env)
                if round_:
                    samples[size].add(got)
    return [{"size": size, **samples[size].summary()} for size in sizes]


# --- targets -------------------------------------------------------------------------------


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target of issue 17 that the figures can decide: name, figure, PASS or FAIL."""
    found: list[dict[str, Any]] = []

    def check(name: str, figure: str, ok: bool) -> None:
        found.append({"target": name, "figure": figure, "pass": bool(ok)})

    cmds = {(r["size"], r["tool"], r["command"]): r for r in results.get("commands", [])}
    floor = cmds.get((0, "python", "floor"))

    def fig(r: dict[str, Any]) -> str:
        return f"{r['ms']:.0f} ms ({r['ms_min']:.0f}–{r['ms_max']:.0f})"

    big = max((s for s, t, _ in cmds if t == "lrmkb"), default=None)
    if big == 100_000:
        for name in READ_COMMANDS:
            if r := cmds.get((big, "lrmkb", name)):
                check(f"{name} at 100k ≤ 100 ms", fig(r), r["ms"] <= 100)
        for name in FOLLOWS_OUTPUT:
            r, alone = cmds.get((big, "lrmkb", name)), cmds.get((0, "lrmkb", name))
            if r and alone:
                ratio = r["ms"] / alone["ms"]
                check(
                    f"{name} at 100k ≤ 1.5 × on the survey alone",
                    f"{ratio:.2f} × ({r['ms']:.0f} / {alone['ms']:.0f} ms)",
                    ratio <= 1.5,
                )
        if r := cmds.get((big, "lrmkb", "export bib")):
            check("export bib at 100k ≤ 2 s", fig(r), r["ms"] <= 2000)
        for name in EXPORTS:
            if r := cmds.get((big, "lrmkb", name)):
                check(
                    f"{name} at 100k: peak RSS ≤ 100 MB",
                    f"{r['rss_mb']:.0f} MB",
                    r["rss_mb"] <= 100,
                )
        r, small = cmds.get((big, "lrmkb", "export bib")), cmds.get((10_000, "lrmkb", "export bib"))
        if r and small:  # the export streams its rows: only the keys stay (~0.5 KB a paper)
            per_paper = (r["rss_mb"] - small["rss_mb"]) * 1024 / (big - 10_000)
            check(
                "export bib: peak RSS grows ≤ 1 KB per paper from 10k to 100k",
                f"{per_paper:.2f} KB ({small['rss_mb']:.0f} → {r['rss_mb']:.0f} MB)",
                per_paper <= 1,
            )
    mine, pubs = cmds.get((10_000, "lrmkb", "export bib")), cmds.get((10_000, "pubs", "export bib"))
    if mine and pubs:
        check(
            "export bib at 10k no slower than pubs",
            f"{mine['ms'] / pubs['ms']:.2f} × ({mine['ms']:.0f} / {pubs['ms']:.0f} ms)",
            mine["ms"] <= pubs["ms"],
        )
    for name in PEER_RACE:
        for tool in ("pubs", "papis"):
            mine, theirs = cmds.get((1000, "lrmkb", name)), cmds.get((1000, tool, name))
            if mine and theirs:
                check(
                    f"{name} at 1k faster than {tool}",
                    f"{mine['ms'] / theirs['ms']:.2f} × ({mine['ms']:.0f} / {theirs['ms']:.0f} ms)",
                    mine["ms"] < theirs["ms"],
                )
    if floor:
        for name in STARTUP_COMMANDS:
            if r := cmds.get((0, "lrmkb", name)):
                ratio = r["ms"] / floor["ms"]
                check(
                    f"{name} starts in ≤ 2 × the Python floor",
                    f"{ratio:.2f} × ({r['ms']:.0f} / {floor['ms']:.0f} ms)",
                    ratio <= 2,
                )
    imports = {r["size"]: r for r in results.get("import", [])}
    for size in (10_000, 100_000):
        if r := imports.get(size):
            ratio = r["import"]["ms"] / r["parse"]["ms"]
            check(
                f"import {size // 1000}k ≤ 1.5 × parse_string (issue 4; issue 14 asks ≤ 2 ×)",
                f"{ratio:.2f} × ({r['import']['ms'] / 1000:.2f} / {r['parse']['ms'] / 1000:.2f} s)",
                ratio <= 1.5,
            )
            if pubs := r.get("pubs"):
                faster = pubs["ms"] / r["import"]["ms"]
                check(
                    f"import {size // 1000}k ≥ 10 × faster than pubs import (issue 14)",
                    f"{faster:.1f} × ({r['import']['ms'] / 1000:.2f} / {pubs['ms'] / 1000:.2f} s)",
                    faster >= 10,
                )
            rss = r["import"]["rss_mb"] / r["parse"]["rss_mb"]
            check(
                f"import {size // 1000}k peak RSS ≤ 1.3 × parsing alone",
                f"{rss:.2f} × ({r['import']['rss_mb']:.0f} / {r['parse']['rss_mb']:.0f} MB)",
                rss <= 1.3,
            )
    if 10_000 in imports and 100_000 in imports:
        small, large = (
            imports[s]["import"]["ms"] / imports[s]["parse"]["ms"] for s in (10_000, 100_000)
        )
        check(
            "import ratio does not grow from 10k to 100k (≤ 1.1 × its 10k ratio)",
            f"{large:.2f} × vs {small:.2f} ×",
            large <= small * 1.1,
        )
    adds = {r["size"]: r for r in results.get("add", [])}
    if 0 in adds and 100_000 in adds:
        ratio = adds[100_000]["ms"] / adds[0]["ms"]
        check(
            "add at 100k ≤ 1.2 × on the survey alone",
            f"{ratio:.2f} × ({adds[100_000]['ms']:.0f} / {adds[0]['ms']:.0f} ms)",
            ratio <= 1.2,
        )
    return found


# --- report --------------------------------------------------------------------------------


def size_label(size: int) -> str:
    return "survey" if size == 0 else f"{size // 1000}k"


def print_report(results: dict[str, Any]) -> None:
    rows = results.get("commands", [])
    if rows:
        sizes = sorted({r["size"] for r in rows if r["tool"] == "lrmkb"})
        cell = {(r["size"], r["tool"], r["command"]): r for r in rows}
        floor = cell[(0, "python", "floor")]
        print(f"\nlrmkb, ms: median (range) of {floor['runs']} runs; peak RSS at the largest size")
        print(
            f"Python floor (python -c 'import sqlite3'): {floor['ms']:.0f} ms ({floor['ms_min']:.0f}–{floor['ms_max']:.0f})"
        )
        print(
            f"{'command':<13}" + "".join(f"{size_label(s):>20}" for s in sizes) + f"{'RSS MB':>9}"
        )
        names = list(dict.fromkeys(r["command"] for r in rows if r["tool"] == "lrmkb"))
        for name in names:
            line = f"{name:<13}"
            for s in sizes:
                r = cell[(s, "lrmkb", name)]
                line += f"{r['ms']:>9.0f} ({r['ms_min']:.0f}–{r['ms_max']:.0f})".rjust(20)
            print(line + f"{cell[(sizes[-1], 'lrmkb', name)]['rss_mb']:>9.0f}")
        peer_sizes = sorted({r["size"] for r in rows if r["tool"] in ("pubs", "papis")})
        if peer_sizes:
            print("\nnext to the peers, ms (median); ratio = lrmkb ÷ peer")
            print(
                f"{'command':<13}{'size':>6}{'lrmkb':>9}{'pubs':>9}{'papis':>9}{'÷pubs':>8}{'÷papis':>8}"
            )
            for name in names:
                for s in peer_sizes:
                    mine = cell[(s, "lrmkb", name)]["ms"]
                    line = f"{name:<13}{size_label(s):>6}{mine:>9.0f}"
                    theirs = [cell.get((s, t, name)) for t in ("pubs", "papis")]
                    if not any(theirs):
                        continue
                    line += "".join(f"{t['ms']:>9.0f}" if t else f"{'—':>9}" for t in theirs)
                    line += "".join(f"{mine / t['ms']:>8.2f}" if t else f"{'—':>8}" for t in theirs)
                    print(line)
    for r in results.get("import", []):
        if r is results["import"][0]:
            print("\nimport (whole processes, median and range, s; peak RSS MB)")
            print(
                f"{'papers':>7}{'added':>8}{'import s':>20}{'parse s':>20}{'ratio':>7}{'RSS':>6}{'parse RSS':>10}"
            )
        i, p = r["import"], r["parse"]
        print(
            f"{size_label(r['size']):>7}{r['added']:>8}"
            f"{i['ms'] / 1000:>8.2f} ({i['ms_min'] / 1000:.2f}–{i['ms_max'] / 1000:.2f})".rjust(20)
            + f"{p['ms'] / 1000:>8.2f} ({p['ms_min'] / 1000:.2f}–{p['ms_max'] / 1000:.2f})".rjust(
                20
            )
            + f"{i['ms'] / p['ms']:>6.2f}×{i['rss_mb']:>6.0f}{p['rss_mb']:>10.0f}"
        )
        if q := r.get("pubs"):
            print(
                f"{'':>7}{q['added']:>8}{'pubs import':>20}"
                + f"{q['ms'] / 1000:>8.2f} ({q['ms_min'] / 1000:.2f}–{q['ms_max'] / 1000:.2f})".rjust(
                    20
                )
                + f"{q['ms'] / i['ms']:>6.1f}× slower than lrmkb import{q['rss_mb']:>6.0f} MB"
            )
    for r in results.get("add", []):
        if r is results["add"][0]:
            print(f"\nadd {ADD_ID} (local arXiv stand-in), ms")
        print(
            f"{size_label(r['size']):>7}{r['ms']:>8.0f} ({r['ms_min']:.0f}–{r['ms_max']:.0f}){r['rss_mb']:>6.0f} MB"
        )
    print(f"\nload average: {results['load']}")
    print("\ntargets (issues 17, 4 and 14)")
    for t in results["targets"]:
        print(f"{'PASS' if t['pass'] else 'FAIL'}  {t['target']}: {t['figure']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="timed rounds of the commands")
    parser.add_argument("--import-runs", type=int, default=5)
    parser.add_argument("--no-peers", action="store_true", help="skip papis and pubs")
    parser.add_argument(
        "--only", choices=("commands", "import", "add"), action="append", help="repeatable"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args, _ = parser.parse_known_args()
    if not LRMKB.exists():
        sys.exit(f"{LRMKB} is missing: run `make` first")
    # An installed wheel has bytecode; an editable checkout under PYTHONDONTWRITEBYTECODE
    # would recompile lrmkb on every run, which no user pays (papis and pubs have theirs).
    run([str(PYTHON), "-m", "compileall", "-q", str(ROOT / "src" / "lrmkb")])
    sizes = [int(s) for s in args.sizes.split(",")]
    parts = args.only or ["commands", "import", "add"]
    load = [round(os.getloadavg()[0], 2)]
    results: dict[str, Any] = {}
    steps: dict[str, Callable[[], list[dict[str, Any]]]] = {
        "commands": lambda: bench_commands(command_jobs(sizes, not args.no_peers), args.runs),
        "import": lambda: bench_import(
            [s for s in sizes if s in IMPORT_SIZES], args.import_runs, not args.no_peers
        ),
        "add": lambda: bench_add([s for s in sizes if s in (0, 100_000)], args.runs),
    }
    try:
        for part in parts:
            results[part] = steps[part]()
    except BenchError as exc:
        print(f"FAIL  benchmark could not run: {exc}")
        return 1
    results["load"] = [*load, round(os.getloadavg()[0], 2)]
    results["targets"] = targets(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        print_report(results)
    return 0 if all(t["pass"] for t in results["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())
