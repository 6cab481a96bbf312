"""`lrmkb search` from command line to output, without Typer, Rich or SQLModel.

Search is the command people type most, so `__main__` answers a plain `lrmkb search …`
through `run_fast` (≈ 0.05 s, where going through the Typer app takes ≈ 0.2 s), and hands
anything else — help, an unknown option, a bad value, an error to report — to the Typer
command, which calls the same `results` and `show`."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import sqlite3

KINDS = ("finding", "node", "paper")
VALUE_OPTIONS = ("--type", "--section", "--tag", "--limit")
DEFAULT_LIMIT = 10


class SearchArgs(NamedTuple):
    """A `lrmkb [--db PATH] search …` command line, as Typer would understand it."""

    db: str | None
    words: list[str]
    kinds: tuple[str, ...]
    sections: list[str]
    tags: list[str]
    limit: int
    as_json: bool


def protect_exclusions(args: list[str]) -> list[str]:
    """`-chen` excludes a word, but Click would read it as the options -c -h -e -n: move
    such words behind a `--` (order does not matter to the query, except around OR)."""
    cut = args.index("--") if "--" in args else len(args)
    kept: list[str] = []
    moved: list[str] = []
    for i, arg in enumerate(args[:cut]):
        is_value = i > 0 and args[i - 1] in VALUE_OPTIONS
        is_word = arg.startswith("-") and not arg.startswith("--") and arg not in ("-", "-h")
        (moved if is_word and not is_value else kept).append(arg)
    rest = moved + args[cut + 1 :]
    return [*kept, "--", *rest] if rest or cut < len(args) else kept


def parse_argv(argv: list[str]) -> SearchArgs | None:
    """The search to run, or None when Typer must handle this command line."""
    db, i = None, 0
    while i < len(argv) and argv[i].startswith("--db"):
        if argv[i] == "--db" and i + 1 < len(argv):
            db, i = argv[i + 1], i + 2
        elif argv[i].startswith("--db="):
            db, i = argv[i][5:], i + 1
        else:
            return None
    if argv[i : i + 1] != ["search"]:
        return None
    args = protect_exclusions(argv[i + 1 :])
    words: list[str] = []
    values: dict[str, list[str]] = {name: [] for name in VALUE_OPTIONS}
    as_json = False
    j = 0
    while j < len(args):
        arg = args[j]
        if arg == "--":
            words += args[j + 1 :]
            break
        if arg == "--json":
            as_json = True
        elif arg.startswith("-") and arg != "-":
            name, eq, value = arg.partition("=")
            if name not in VALUE_OPTIONS or (not eq and j + 1 >= len(args)):
                return None  # -h, --help, a typo, a missing value: Typer explains
            if not eq:
                j, value = j + 1, args[j + 1]
            values[name].append(value)
        else:
            words.append(arg)
        j += 1
    kind = values["--type"][-1] if values["--type"] else None
    limit = _positive_int(values["--limit"][-1]) if values["--limit"] else DEFAULT_LIMIT
    if not words or (kind is not None and kind not in KINDS) or limit is None:
        return None
    kinds = (kind,) if kind else KINDS
    return SearchArgs(db, words, kinds, values["--section"], values["--tag"], limit, as_json)


def _positive_int(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value >= 1 else None


def run_fast(argv: list[str]) -> bool:
    """Answer a plain search without Typer; False means "let Typer do it" (Typer then
    reports any error with its usual message and exit code — a search writes nothing, so
    running it twice is harmless)."""
    args = parse_argv(argv)
    if args is None:
        return False
    from ..store import Database, resolve_db_path

    path, is_default = resolve_db_path(args.db)
    if is_default and not path.exists():
        return False  # the first run makes the user's copy of the survey database
    try:
        with Database.open(path) as db:
            result = results(db, args.words, args.kinds, args.sections, args.tags, args.limit)
    except Exception:
        return False
    try:
        show(result, args.as_json)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return True


def results(
    db: sqlite3.Connection,
    words: list[str],
    kinds: tuple[str, ...],
    sections: list[str],
    tags: list[str],
    limit: int,
) -> dict[str, Any]:
    from ..search import search

    return search(db, " ".join(words), kinds=kinds, sections=sections, tags=tags, limit=limit)


def show(result: dict[str, Any], as_json: bool) -> None:
    """JSON alone, Rich on a terminal, or stable tab-separated lines on a pipe."""
    if as_json:
        import json

        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    elif sys.stdout.isatty():
        from .render import render_search

        render_search(result)
    else:
        sys.stdout.write("".join(line + "\n" for line in plain_lines(result)))


def plain_lines(result: dict[str, Any]) -> list[str]:
    """One line per result, `kind<TAB>…`, best first within each group."""
    groups = result["results"]
    lines = []
    if result["corrected"]:
        lines.append(f'showing results for "{result["corrected"]}"')
    if not any(groups.values()):
        return [*lines, f"no results for {result['query']!r}"]
    lines += [f"finding\t{f['node']}\t{f['id']}\t{f['text']}" for f in groups.get("finding", [])]
    lines += [f"topic\t{n['code']}\t{n['title']}" for n in groups.get("node", [])]
    lines += [
        f"paper\t{p['key']}\t{p['year'] or ''}\t{p['short_name'] or p['title']}"
        f"\t{' '.join(p['sections'])}"
        for p in groups.get("paper", [])
    ]
    return lines
