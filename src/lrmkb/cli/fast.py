"""`lrmkb search`, and a plain `show`, `tree`, `tags`, `stats`, `list` or `tag`, from
command line to output without Typer, Rich or SQLModel.

Search is the command people type most, so `__main__` answers a plain `lrmkb search …`
through `run_fast` (≈ 0.05 s, where going through the Typer app takes ≈ 0.2 s), and hands
anything else — help, an unknown option, a bad value, an error to report — to the Typer
command, which calls the same `results` and `show`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from .streams import json_line, json_text, shown, tsv_field

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

KINDS = ("finding", "node", "paper")
VALUE_OPTIONS = ("--type", "--section", "--tag", "--limit")
DEFAULT_LIMIT = 10
# The piped table (docs/output.md): one row per result, these columns, no header.
COLUMNS = ("kind", "id", "sections", "year", "short_name", "title")
GROUPS = {"node": "topics", "finding": "findings", "paper": "papers"}


class SearchArgs(NamedTuple):
    """A `lrmkb [--db PATH] search …` command line, as Typer would understand it."""

    db: str | None
    words: list[str]
    kinds: tuple[str, ...]
    sections: list[str]
    tags: list[str]
    limit: int
    as_json: bool
    json_lines: bool


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


def _db_option(argv: list[str]) -> tuple[str | None, int] | None:
    """`--db PATH` (or `--db=PATH`) before the command: the path and where the command
    begins; None for anything else before it (Typer's options)."""
    db, i = None, 0
    while i < len(argv) and argv[i].startswith("--db"):
        if argv[i] == "--db" and i + 1 < len(argv):
            db, i = argv[i + 1], i + 2
        elif argv[i].startswith("--db="):
            db, i = argv[i][5:], i + 1
        else:
            return None
    return db, i


def parse_argv(argv: list[str]) -> SearchArgs | None:
    """The search to run, or None when Typer must handle this command line."""
    found = _db_option(argv)
    if found is None:
        return None
    db, i = found
    if argv[i : i + 1] != ["search"]:
        return None
    args = protect_exclusions(argv[i + 1 :])
    words: list[str] = []
    values: dict[str, list[str]] = {name: [] for name in VALUE_OPTIONS}
    flags = {"--json": False, "--json-lines": False}
    j = 0
    while j < len(args):
        arg = args[j]
        if arg == "--":
            words += args[j + 1 :]
            break
        if arg in flags:
            flags[arg] = True
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
    limit = _count(values["--limit"][-1]) if values["--limit"] else DEFAULT_LIMIT
    both = flags["--json"] and flags["--json-lines"]
    chosen = words or values["--section"] or values["--tag"]  # options alone list what they select
    if not chosen or (kind is not None and kind not in KINDS) or limit is None or both:
        return None
    kinds = (kind,) if kind else KINDS
    return SearchArgs(
        db,
        words,
        kinds,
        values["--section"],
        values["--tag"],
        limit,
        flags["--json"],
        flags["--json-lines"],
    )


def _count(text: str) -> int | None:
    """A --limit value: 0 (all) or more; None for anything else."""
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value >= 0 else None


def run_fast(argv: list[str]) -> int | None:
    """Answer a plain search without Typer and return the exit status; None means "let
    Typer do it" (Typer then reports any error with its usual message and exit code — a
    search writes nothing, so running it twice is harmless). A stdout that is full,
    closed or gone is reported as the Typer commands report it (`streams`)."""
    args = parse_argv(argv)
    if args is None:
        return None
    from ..store import Database, resolve_db_path
    from .streams import OutputLost, fs_path, output_lost

    path, is_default = resolve_db_path(fs_path(args.db) if args.db else None)
    if is_default and not path.exists():
        return None  # the first run makes the user's copy of the survey database
    try:
        with Database.open(path) as db:
            result = results(db, args.words, args.kinds, args.sections, args.tags, args.limit)
    except Exception:
        return None
    try:
        show(result, args.as_json, args.json_lines)
        sys.stdout.flush()
    except OutputLost as exc:
        return output_lost(exc)
    return 0


PLAIN = {"show": (1, 1), "tree": (0, 0), "tags": (0, 0), "stats": (0, 0), "list": (0, 0)}
PLAIN_WRITES = {"tag": (2, None)}
"""The commands answered without Typer when written plainly — `lrmkb [--db PATH] COMMAND
ARGS [--json | --json-lines]` — with the least and most arguments each takes (None: no
limit): `tag KEY TAG...` is the one write."""


class PlainArgs(NamedTuple):
    db: str | None
    command: str
    args: list[str]
    as_json: bool
    json_lines: bool


def parse_plain(argv: list[str]) -> PlainArgs | None:
    """The plain read command to run, or None when Typer must handle this command line
    (help, any other option, a wrong number of arguments, both output modes)."""
    found = _db_option(argv)
    counts = PLAIN | PLAIN_WRITES
    if found is None or found[1] >= len(argv) or argv[found[1]] not in counts:
        return None
    db, i = found
    command, rest = argv[i], argv[i + 1 :]
    flags = [a for a in rest if a in ("--json", "--json-lines")]
    args = [a for a in rest if a not in flags]
    least, most = counts[command]
    if any(a.startswith("-") for a in args) or len(flags) > 1 or len(args) < least:
        return None
    if most is not None and len(args) > most:
        return None
    return PlainArgs(db, command, args, "--json" in flags, "--json-lines" in flags)


def run_plain(argv: list[str]) -> int | None:
    """Answer a plain `show`, `tree`, `tags`, `stats`, `list` or `tag` without Typer
    (`views` does the work of the Typer commands), as `run_fast` answers a search. An
    `LrmkbError` (no such paper, a bad tag) is said here, in Typer's one line and exit
    code; for anything else None hands the command line to Typer, which reports it (a
    read wrote nothing, and a `tag` that failed neither: Typer runs it again)."""
    args = parse_plain(argv)
    if args is None:
        return None
    from ..store import resolve_db_path

    path, is_default = resolve_db_path(args.db)
    if is_default and not path.exists():
        return None  # the first run makes the user's copy of the survey database
    if args.command == "tag":
        return _run_tag(path, args)
    from ..errors import LrmkbError
    from ..store import Database
    from . import views
    from .streams import OutputLost, error, output_lost

    def list_all(db: sqlite3.Connection) -> dict[str, Any]:
        from ..listing import Filters, list_papers

        return list_papers(db, Filters())

    steps: dict[str, tuple[Callable[..., Any], Callable[[Any, bool, bool], None]]] = {
        "show": (views.read_paper, views.print_paper),
        "tree": (views.read_tree, views.print_tree),
        "tags": (views.read_tags, views.print_tags),
        "stats": (views.read_stats, views.print_stats),
        "list": (list_all, views.print_list),
    }
    read, show = steps[args.command]
    try:
        with Database.open(path) as db:
            data = read(db, *args.args)
    except LrmkbError as exc:  # a key not found, a damaged database: said as Typer says it
        error(str(exc))
        return exc.exit_code
    except Exception:
        return None
    try:
        show(data, args.as_json, args.json_lines)
        sys.stdout.flush()
    except OutputLost as exc:
        return output_lost(exc)
    return 0


def _run_tag(path: Path, args: PlainArgs) -> int | None:
    """`tag KEY TAG...`: the write, one transaction (a failure wrote nothing), then the
    report, which once the tags are saved may be lost but
    never fail the command (`core.reporting`'s rule)."""
    from ..errors import LrmkbError
    from ..store import Database
    from ..tagging import check_tag, tag_papers
    from . import views
    from .streams import OutputLost, error, interrupted, output_lost

    key, names = args.args[:1], args.args[1:]
    try:
        folded = {name: check_tag(name) for name in names}
        with Database.open(path, write=True) as db:
            changes = tag_papers(db, key, names)
    except LrmkbError as exc:  # an unknown key, a bad tag: nothing was written
        error(str(exc))
        return exc.exit_code
    except Exception:
        return None
    saved = views.tags_saved(changes, dry_run=False)
    try:
        views.lower_case_note(folded)
        views.print_tagged(
            changes,
            folded,
            remove=False,
            dry_run=False,
            query=None,
            as_json=args.as_json,
            json_lines=args.json_lines,
        )
        sys.stdout.flush()
    except KeyboardInterrupt:
        return interrupted(saved)
    except OutputLost as exc:
        return output_lost(exc, saved)
    return 0


def results(
    db: sqlite3.Connection,
    words: list[str],
    kinds: tuple[str, ...],
    sections: list[str],
    tags: list[str],
    limit: int,
) -> dict[str, Any]:
    """The search, `limit` results per group (0: all)."""
    from ..search import search

    return search(db, " ".join(words), kinds=kinds, sections=sections, tags=tags, limit=limit)


def show(result: dict[str, Any], as_json: bool, json_lines: bool = False) -> None:
    """JSON alone; or NDJSON rows, a Rich answer card on a terminal, or the TSV table on a
    pipe — each with its notices (correction, no results, what was left out) on stderr."""
    if as_json:
        sys.stdout.write(json_text(result))
        return
    terminal = not json_lines and sys.stdout.isatty()
    sys.stderr.write("".join(shown(line) + "\n" for line in notices(result, terminal)))
    if json_lines:
        lines = (json_line(dict(zip(COLUMNS, row, strict=True))) for row in rows(result))
        sys.stdout.write("".join(line + "\n" for line in lines))
    elif terminal:
        from .render import render_search

        render_search(result)
    else:
        sys.stdout.write("".join("\t".join(map(tsv_field, row)) + "\n" for row in rows(result)))


def notices(result: dict[str, Any], terminal: bool = False) -> list[str]:
    """What a person should know about the results, for stderr: the spelling corrected,
    that nothing was found, or how many of each group were left out (a terminal's view
    says that itself)."""
    out = []
    if corrected := result["corrected"]:  # in single quotes when it has double ones
        out.append(
            f"showing results for '{corrected}'"
            if '"' in corrected
            else f'showing results for "{corrected}"'
        )
    totals = result["totals"]
    if not any(totals.values()):
        out.append(f"no results for {result['query']!r}")
    elif not terminal:
        cut = [
            f"{len(result['results'][kind])} of {total} {GROUPS[kind]}"
            for kind, total in totals.items()
            if len(result["results"][kind]) < total
        ]
        if cut:
            out.append(f"showing {', '.join(cut)} — `--limit 0` for all")
    return out


def order(result: dict[str, Any]) -> list[str]:
    """The groups in the order they answer: what a look-up named first, else topics
    (the answer), findings, papers."""
    kinds = ["paper", "node", "finding"] if result["lookup"] else ["node", "finding", "paper"]
    return [kind for kind in kinds if kind in result["results"]]


def rows(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The result as rows of COLUMNS, group by group (see `order`), best first."""
    out: list[tuple[Any, ...]] = []
    for kind in order(result):
        for item in result["results"][kind]:
            if kind == "paper":
                out.append(
                    (
                        "paper",
                        item["key"],
                        item["sections"],
                        item["year"],
                        item["short_name"],
                        item["title"],
                    )
                )
            elif kind == "finding":
                out.append(("finding", item["id"], [item["node"]], None, None, item["text"]))
            else:
                out.append(("topic", item["code"], [item["code"]], None, None, item["title"]))
    return out
