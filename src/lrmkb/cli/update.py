"""`lrmkb db update`: bring the bundled survey release into the user's database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from . import output
from .core import JsonLinesOpt, JsonOpt, database, db_app
from .params import DryRunOpt

UPDATE_COLUMNS = ("action", "key", "detail")


@db_app.command("update")
def db_update(
    ctx: typer.Context,
    release: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="FILE",
            help="A survey database built by `lrmkb dev build` (default: the one shipped "
            "with this lrmkb).",
        ),
    ] = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Bring the survey release shipped with lrmkb into your database, keeping your work.

    New and corrected survey records arrive; your papers, tags, notes, filings and
    edits stay. Where you and the release both changed a field, your value is kept and
    the conflict listed. Unlike `db reset`, nothing of yours is lost. Piped: one row per
    change — action (added, merged, updated, refiled, conflict, kept-removed, dropped,
    kept-section), key (or section code), detail; the summary goes to stderr.

    \b
    Examples:
      lrmkb db update --dry-run
      lrmkb db update --from data/survey.db --json
    """
    from ..survey_update import update

    output.check_modes(as_json, json_lines)
    report = update(database(ctx, write=not dry_run), release, dry_run=dry_run)
    if as_json:
        output.emit_json(report.as_dict())
        return
    r = report.as_dict()
    *changes, summary = report_lines(r)
    counts = [
        line for line in changes if line.startswith(("sections: ", "findings: ", "watch queries: "))
    ]
    if dry_run:
        output.notice("dry run: nothing was written")
    if changes:  # `updating from survey release A to B`
        output.notice(changes.pop(0))

    def on_terminal() -> None:
        for line in changes:
            if line not in counts:
                output.stdout.print(line, markup=False)

    output.table(UPDATE_COLUMNS, update_rows(r), json_lines=json_lines, rich=on_terminal)
    for line in [*counts, summary]:  # how much changed, and where the database is now
        output.notice(line)


def update_rows(r: dict[str, Any]) -> list[list[Any]]:
    """The update as rows (action, key, detail), in `report_lines`' order."""
    if r["up_to_date"]:
        return []
    rows: list[list[Any]] = [["added", key, None] for key in r["added"]]
    rows += [["merged", m["key"], f"the release's {m['release_key']}"] for m in r["merged"]]
    rows += [["updated", u["key"], " ".join(u["fields"])] for u in r["updated"]]
    rows += [
        [
            "refiled",
            f["key"],
            " ".join([f"+{c}" for c in f["filed"]] + [f"-{c}" for c in f["unfiled"]]),
        ]
        for f in r["refiled"]
    ]
    rows += [
        [
            "conflict",
            c["key"],
            f"{c['field']}: yours kept {_text(c['yours'])} ({c['why']}); "
            f"the release has {_text(c['release'])}",
        ]
        for c in r["conflicts"]
    ]
    rows += [["kept-removed", key, "you removed it"] for key in r["kept_removed"]]
    rows += [
        ["dropped", key, "no longer in the survey; kept in your library"] for key in r["dropped"]
    ]
    rows += [
        ["kept-section", code, "the release dropped it; your papers are filed there"]
        for code in r["nodes"]["kept"]
    ]
    return rows


def report_lines(r: dict[str, Any]) -> list[str]:
    """The update as plain lines: what arrived, what changed, the conflicts, a summary."""
    if r["up_to_date"]:
        gone = r["nodes"].get("removed")
        if not gone:
            return [f"already at survey release {r['release']}; nothing to do"]
        return [
            f"already at survey release {r['release']}; "
            f"{'would remove' if r['dry_run'] else 'removed'} the sections it no longer has, "
            f"now empty: {', '.join(gone)}"
        ]
    would = "would " if r["dry_run"] else ""
    lines = [
        f"{'would update' if r['dry_run'] else 'updating'} from survey release "
        f"{r['held'] or '(none recorded)'} to {r['release']}"
    ]
    lines += [f"{would}add {key}" for key in r["added"]]
    lines += [
        f"{would}merge the release's {m['release_key']} into your {m['key']}" for m in r["merged"]
    ]
    lines += [f"{would}update {u['key']}: {', '.join(u['fields'])}" for u in r["updated"]]
    for f in r["refiled"]:
        moves = [f"+{c}" for c in f["filed"]] + [f"-{c}" for c in f["unfiled"]]
        lines.append(f"{would}refile {f['key']}: {' '.join(moves)}")
    lines += [
        f"conflict: {c['key']} {c['field']} — yours kept: {_text(c['yours'])} ({c['why']}); "
        f"the release has {_text(c['release'])}"
        for c in r["conflicts"]
    ]
    lines += [f"kept removed: {key} (you removed it)" for key in r["kept_removed"]]
    lines += [f"no longer in the survey: {key} (kept in your library)" for key in r["dropped"]]
    lines += [
        f"kept section {code}: the release dropped it, your papers are filed there"
        for code in r["nodes"]["kept"]
    ]
    for what, counts in (
        ("sections", r["nodes"]),
        ("findings", r["findings"]),
        ("watch queries", r["watch"]),
    ):
        changed = [f"{len(counts[k])} {k}" for k in ("added", "changed", "removed") if counts[k]]
        if changed:
            lines.append(f"{what}: {', '.join(changed)}")
    conflicts = len(r["conflicts"])
    lines.append(
        f"{'would be at' if r['dry_run'] else 'now at'} survey release {r['release']}: "
        f"{len(r['added'])} added, {len(r['updated'])} updated, "
        f"{conflicts} conflict{'s' if conflicts != 1 else ''} (yours kept); "
        "your tags, notes and own papers are untouched"
    )
    return lines


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = " and ".join(map(str, value))
    return "(empty)" if value in (None, "") else f"“{value}”"
