"""Looking after the library: edit, rm, rename, note, file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import LrmkbError
from . import output
from .core import JsonLinesOpt, JsonOpt, app, database
from .params import DryRunOpt, KeyArg, KeysArg, sections_option

EDIT_COLUMNS = ("key", "field", "old", "new")
RM_COLUMNS = ("key", "title", "sections", "findings", "tags", "aliases", "edits")
RENAME_COLUMNS = ("old", "new")
NOTE_COLUMNS = ("key", "action")
FILE_COLUMNS = ("key", "filed", "unfiled", "sections")


@app.command()
def edit(
    ctx: typer.Context,
    key: KeyArg,
    assignments: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="FIELD=VALUE",
            help="Fields to set; an empty VALUE clears one. Without any: edit the paper as "
            "BibTeX in $EDITOR.",
            show_default=False,
        ),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="FILE.bib",
            help="Apply an edited entry saved in this file (as `lrmkb edit KEY` shows it).",
        ),
    ] = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Correct a paper's fields — survey papers too — and show the change.

    Every change is logged with who made it and when, and `lrmkb db update` keeps it:
    a new survey release never reverts your correction. Fields: the BibTeX names
    (author, title, year, journal/booktitle, eprint, doi, url, code, shortname,
    abstract…) or lrmkb's own (short_name, code_url, arxiv_id…). Values are plain
    Unicode; author is `First Last and First Last [and others]`. Piped: one row per
    changed field — key, field, old, new.

    \b
    Examples:
      lrmkb edit chen2024think title="Do NOT think that much for 2+3=?" year=2024
      lrmkb edit sui2025stop doi=10.48550/arXiv.2503.16419
      lrmkb edit chen2024think            # opens the entry in $EDITOR
    """
    from ..editing import edit_entry, edit_fields, editor_entry

    output.check_modes(as_json, json_lines)
    if assignments and from_file:
        raise typer.BadParameter("give FIELD=VALUE or --from, not both", param_hint="--from")
    if assignments:
        result = edit_fields(database(ctx, write=not dry_run), key, assignments, dry_run=dry_run)
    else:
        paper_key, original = editor_entry(database(ctx), key)
        if from_file is not None:
            edited, original_or_none = from_file.read_text(encoding="utf-8"), None
        else:
            from .editor import edit_text

            edited = edit_text(original, suffix=".bib", name=paper_key)
            original_or_none = original
            if edited == original:
                nothing = {"key": paper_key, "dry_run": dry_run, "changes": [], "diff": []}
                _say(as_json, json_lines, nothing)
                return
        try:
            result = edit_entry(
                database(ctx, write=not dry_run),
                paper_key,
                original_or_none,
                edited,
                dry_run=dry_run,
            )
        except LrmkbError as exc:
            if from_file is None:
                from .editor import keep

                saved = keep(edited, paper_key, ".bib")
                exc.hint = "; ".join(
                    filter(
                        None,
                        [exc.hint, f"your edit is saved: `lrmkb edit {paper_key} --from {saved}`"],
                    )
                )
            raise
    _say(as_json, json_lines, result)


def _say(as_json: bool, json_lines: bool, result: dict[str, Any]) -> None:
    """An edit: the changed fields as rows; on a terminal, the entry's diff."""
    if as_json:
        output.emit_json(result)
        return
    if result["dry_run"]:
        output.notice("dry run: nothing was written")

    def on_terminal() -> None:
        verb = "would edit" if result["dry_run"] else "edited"
        output.stdout.print(f"{verb} {result['key']}:", markup=False)
        for line in result["diff"]:
            text = (
                f"@{line['text']}"
                if line["field"] == "@type"
                else f"{line['field']} = {{{line['text']}}}"
            )
            output.stdout.print(f"{line['mark']} {text}", markup=False)

    output.table(
        EDIT_COLUMNS,
        [
            [result["key"], c["field"], _value(c["old"]), _value(c["new"])]
            for c in result["changes"]
        ],
        json_lines=json_lines,
        rich=on_terminal,
        empty=f"nothing changed in {result['key']}",
    )


def _value(value: Any) -> Any:
    """A field's value in an `edit` row: a list of names as BibTeX writes it (`A and B`)."""
    return " and ".join(map(str, value)) if isinstance(value, list) else value


@app.command("rm")
def rm(
    ctx: typer.Context,
    keys: KeysArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Remove papers, with their filings, finding links, tags, notes, aliases and edit log.

    Asks first (--yes does not); an unknown key removes nothing. A survey paper you
    remove stays removed when `lrmkb db update` brings a new survey release; an inbox
    item a paper was accepted from waits in the inbox again. Piped: one
    row per paper removed — key, title, sections, findings citing it, tags, aliases,
    logged edits.

    Example: lrmkb rm lee2025copy --dry-run
    """
    from ..errors import UsageError
    from ..papers import remove

    output.check_modes(as_json, json_lines)
    if not (yes or dry_run):
        preview = remove(database(ctx), keys, dry_run=True)
        if not sys.stdin.isatty():
            raise UsageError(
                "not removing anything without confirmation (no terminal to ask on)",
                "pass --yes to remove, or --dry-run to see what would go",
            )
        for item in preview["removed"]:
            output.notice(_removed_line("would remove", item))
        count = len(preview["removed"])
        if not output.confirm(f"Remove {count} paper{'s' if count != 1 else ''}?"):
            raise typer.Abort
    result = remove(database(ctx, write=not dry_run), keys, dry_run=dry_run)
    if as_json:
        output.emit_json(result)
        return
    verb = "would remove" if dry_run else "removed"
    if dry_run:
        output.notice("dry run: nothing was written")
    removed = result["removed"]

    def on_terminal() -> None:
        for item in removed:
            output.stdout.print(_removed_line(verb, item), markup=False)

    output.table(
        RM_COLUMNS,
        [_removed_row(i) for i in removed],
        json_lines=json_lines,
        rich=on_terminal,
    )
    if result["orphaned_findings"]:
        output.notice("findings now citing no paper: " + ", ".join(result["orphaned_findings"]))
    back = [str(i) for item in removed for i in item["inbox"]]
    if back:
        waits = "would wait" if dry_run else "waits"
        output.notice(
            f"inbox item {', '.join(back)} {waits} in the inbox again"
            f" (`lrmkb inbox accept {' '.join(back)}` files it again)"
        )


def _removed_row(item: dict[str, Any]) -> list[Any]:
    """One piped `rm` row, in RM_COLUMNS order (the findings counted)."""
    findings = len(item["findings"])
    return [
        item["key"],
        item["title"],
        item["sections"],
        findings,
        item["tags"],
        item["aliases"],
        item["edits"],
    ]


def _removed_line(verb: str, item: dict[str, Any]) -> str:
    """`removed KEY — title (what went with it)`."""
    went = []
    if item["sections"]:
        went.append(f"filed under {' '.join(item['sections'])}")
    if item["findings"]:
        n = len(item["findings"])
        went.append(f"cited by {n} finding{'s' if n != 1 else ''}")
    if item["tags"]:
        went.append(f"tags {', '.join(item['tags'])}")
    if item["note"]:
        went.append("a note")
    if item["aliases"]:
        went.append(f"aliases {', '.join(item['aliases'])}")
    if item["edits"]:
        went.append(f"{item['edits']} logged edit{'s' if item['edits'] != 1 else ''}")
    tail = f" ({'; '.join(went)})" if went else ""
    return f"{verb} {item['key']} — {item['title']}{tail}"


@app.command()
def rename(
    ctx: typer.Context,
    key: KeyArg,
    new_key: Annotated[str, typer.Argument(metavar="NEWKEY", help="The new citation key.")],
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Give a paper a new citation key. The old key stays an alias: `show`, `export
    --key`, `tag` and every other command still find the paper by it.

    Example: lrmkb rename chen2024think chen2024overthinking
    """
    from ..papers import rename as run

    output.check_modes(as_json, json_lines)
    result = run(database(ctx, write=not dry_run), key, new_key, dry_run=dry_run)
    if as_json:
        output.emit_json(result)
        return
    verb = "would rename" if dry_run else "renamed"
    said = f"{verb} {result['old']} → {result['new']} ({result['old']} stays an alias of it)"
    if dry_run:
        output.notice("dry run: nothing was written")
    output.table(
        RENAME_COLUMNS,
        [[result["old"], result["new"]]],
        json_lines=json_lines,
        rich=lambda: output.stdout.print(said, markup=False),
    )


@app.command()
def note(
    ctx: typer.Context,
    key: KeyArg,
    add: Annotated[
        str | None,
        typer.Option(
            "--add", metavar="TEXT", help="Add TEXT as a new paragraph (`-` reads stdin)."
        ),
    ] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Delete the note.")] = False,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Write notes on a paper, in Markdown: in $EDITOR, or a paragraph at a time with --add.

    Notes are shown by `lrmkb show`, found by `lrmkb search` and exported with the
    paper (JSON, Markdown). Saving an empty note deletes it.

    \b
    Examples:
      lrmkb note chen2024think --add "Compare with the length-penalty results in 4.3.2."
      lrmkb note chen2024think
    """
    from ..notes import note_of, set_note
    from ..queries import find_paper

    output.check_modes(as_json, json_lines)
    if add is not None and remove:
        raise typer.BadParameter("--add and --remove do not go together", param_hint="--add")
    if add is not None:
        text = sys.stdin.read() if add == "-" else add
        result = set_note(database(ctx, write=not dry_run), key, text, append=True, dry_run=dry_run)
    elif remove:
        result = set_note(database(ctx, write=not dry_run), key, "", dry_run=dry_run)
    else:
        from .editor import edit_text

        db = database(ctx)
        row = find_paper(db, key)
        old = note_of(db, row["id"]) or ""
        edited = edit_text(old + "\n" if old else "", suffix=".md", name=row["key"])
        result = set_note(database(ctx, write=not dry_run), row["key"], edited, dry_run=dry_run)
    if as_json:
        output.emit_json(result)
        return
    what = {
        "added": "added a note to",
        "appended": "added to the note on",
        "replaced": "rewrote the note on",
        "removed": "removed the note on",
        "unchanged": "no change to the note on",
    }[result["action"]]
    prefix = "would have " if dry_run and result["action"] != "unchanged" else ""
    if dry_run:
        output.notice("dry run: nothing was written")
    output.table(
        NOTE_COLUMNS,
        [[result["key"], result["action"]]],
        json_lines=json_lines,
        rich=lambda: output.stdout.print(f"{prefix}{what} {result['key']}", markup=False),
    )


@app.command("file")
def file_(
    ctx: typer.Context,
    keys: KeysArg,
    section: Annotated[
        list[str],
        sections_option("A section or question code (repeatable), or `auto` for the best fit."),
    ],
    remove: Annotated[
        bool, typer.Option("--remove", help="Unfile the papers from these sections.")
    ] = False,
    move: Annotated[
        bool, typer.Option("--move", help="These sections replace all the papers' others.")
    ] = False,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
    json_lines: JsonLinesOpt = False,
) -> None:
    """File papers under the survey's sections and questions, move them, or unfile them.

    \b
    Examples:
      lrmkb file lee2025mine jones2024other --section 4.3.2
      lrmkb file lee2025mine --section 4.3.1 --move
      lrmkb file lee2025mine --section 4.3.2 --remove
      lrmkb file lee2025mine --section auto
    """
    from ..filing import file_papers

    output.check_modes(as_json, json_lines)
    result = file_papers(
        database(ctx, write=not dry_run), keys, section, remove=remove, move=move, dry_run=dry_run
    )
    if as_json:
        output.emit_json(result)
        return
    would = "would be " if dry_run else ""

    def on_terminal() -> None:
        for paper in result["papers"]:
            changes = []
            if paper["filed"]:
                changes.append(f"{would}filed under {' '.join(paper['filed'])}")
            if paper["unfiled"]:
                changes.append(f"{would}unfiled from {' '.join(paper['unfiled'])}")
            now = " ".join(paper["sections"]) or "no section"
            output.stdout.print(
                f"{paper['key']}: {'; '.join(changes) or 'nothing to change'} (in {now})",
                markup=False,
            )

    if dry_run:
        output.notice("dry run: nothing was written")
    output.table(
        FILE_COLUMNS,
        [[p["key"], p["filed"], p["unfiled"], p["sections"]] for p in result["papers"]],
        json_lines=json_lines,
        rich=on_terminal,
    )
