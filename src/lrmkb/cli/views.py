"""What `show`, `tree`, `tags`, `stats` and `list` print, and what `tag` reports, without
Typer or Rich: the Typer commands (`cli/read.py`, `cli/browse.py`, `cli/write.py`) and the
light path of `__main__` (`cli/fast.py`) both call these, so a plain `lrmkb show KEY` or
`lrmkb tag KEY TAG` on a pipe starts as fast as `search`. Each command is two steps:
read or write (which may fail: the light path then hands the command line to Typer, which
reports it; a failed write wrote nothing) and print. Rich is imported only to draw on a
terminal.
Also the text helpers the Rich views share (`survey_place`, `edit_line`…)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from . import output

if TYPE_CHECKING:
    from ..records import Node, Paper, PaperFinding, PaperView
    from ..tagging import TagChange

SHOW_COLUMNS = ("field", "value")
TREE_COLUMNS = ("code", "parent", "kind", "depth", "papers", "title")
TAGS_COLUMNS = ("tag", "papers")
STATS_COLUMNS = ("group", "item", "count", "title")
LIST_COLUMNS = ("key", "year", "source", "sections", "tags", "short_name", "title")
TAG_COLUMNS = ("key", "tag", "change")


# --- show ----------------------------------------------------------------------------------


def read_paper(db: sqlite3.Connection, key: str) -> PaperView:
    """One paper as `show` prints it: its record, links and edits."""
    from ..links import links
    from ..queries import find_paper, history, paper_record

    row = find_paper(db, key)
    record = paper_record(db, row)
    return {**record, "links": links(record), "edits": history(db, row["id"])}


def print_paper(view: PaperView, as_json: bool, json_lines: bool) -> None:
    if as_json:
        output.emit_json(view)
        return

    def on_terminal() -> None:
        from .render import render_paper

        render_paper(view)

    output.table(SHOW_COLUMNS, paper_fields(view), json_lines=json_lines, rich=on_terminal)


def paper_fields(p: PaperView) -> list[tuple[str, Any]]:
    """A paper as (field, value) rows, in the order docs/output.md gives; lists one row
    per item, empty fields left out."""
    arxiv = p["arxiv_id"] and p["arxiv_id"] + (
        f"v{p['arxiv_version']}" if p["arxiv_version"] else ""
    )
    links = p.get("links", {})  # `show` adds its links, edits and notes to the record

    def finding(f: PaperFinding) -> str:
        notes = paper_finding_notes(f)
        return f"{f['id']} {f['stance']} {f['text']}" + (f" ({'; '.join(notes)})" if notes else "")

    rows: list[tuple[str, Any]] = [
        ("key", p["key"]),
        ("title", p["title"]),
        ("survey_title", p["survey_title"] if p["survey_title"] != p["title"] else None),
        ("short_name", p["short_name"]),
        *(("other_short_name", n) for n in p["other_short_names"]),
        *(("author", a) for a in p["authors"]),
        ("author", "others" if p["authors_more"] else None),
        ("cite", p.get("cite")),
        ("year", p["year"]),
        ("entry_type", p["entry_type"]),
        *((name, p[name]) for name in ("venue", "volume", "pages", "publisher", "note")),
        ("arxiv_id", arxiv),
        ("primary_category", p["primary_category"]),
        *(("category", c) for c in p["categories"]),
        ("published", p["published"]),
        *((name, p[name]) for name in ("doi", "url", "code_url")),
        *((name, links.get(name)) for name in ("abs", "pdf")),
        ("source", p["source"]),
        *(("tag", t) for t in p["tags"]),
        *(("section", n["code"]) for n in p["nodes"]),
        ("in_survey", survey_place(p)),
        ("abstract", p["abstract"]),
        *(("finding", finding(f)) for f in p["findings"]),
        *(("edit", edit_line(e)) for e in p.get("edits", [])),
        ("notes", p.get("notes")),
    ]
    return [(name, value) for name, value in rows if value not in (None, "")]


# --- tree, tags, stats ---------------------------------------------------------------------


def read_tree(db: sqlite3.Connection) -> list[Node]:
    from ..queries import taxonomy

    return taxonomy(db)


def print_tree(nodes: list[Node], as_json: bool, json_lines: bool) -> None:
    if as_json:
        output.emit_json(nodes)
        return

    def on_terminal() -> None:
        from .render import render_tree

        render_tree(nodes)

    output.table(
        TREE_COLUMNS,
        [[n["code"], n["parent"], n["kind"], n["depth"], n["papers"], n["title"]] for n in nodes],
        json_lines=json_lines,
        rich=on_terminal,
        empty="no taxonomy in this database",
    )


def read_tags(db: sqlite3.Connection) -> list[dict[str, Any]]:
    from ..queries import tags

    return tags(db)


def print_tags(items: list[dict[str, Any]], as_json: bool, json_lines: bool) -> None:
    if as_json:
        output.emit_json(items)
        return
    rows = [[t["tag"], t["papers"]] for t in items]

    def on_terminal() -> None:
        from .render import render_rows

        render_rows(list(TAGS_COLUMNS), rows)

    output.table(
        TAGS_COLUMNS,
        rows,
        json_lines=json_lines,
        rich=on_terminal,
        empty="no tags yet — add some with `lrmkb tag KEY TAG...`",
    )


def read_stats(db: sqlite3.Connection) -> dict[str, Any]:
    from ..queries import stats

    return stats(db)


def print_stats(data: dict[str, Any], as_json: bool, json_lines: bool) -> None:
    if as_json:
        output.emit_json(data)
        return

    def on_terminal() -> None:
        from .render import render_stats

        render_stats(data)

    output.table(STATS_COLUMNS, stats_rows(data), json_lines=json_lines, rich=on_terminal)


def stats_rows(s: dict[str, Any]) -> list[list[Any]]:
    """`stats` as one table: (group, item, count, title)."""
    return [
        *(
            ["total", what, s[what], None]
            for what in ("papers", "nodes", "findings", "tags", "notes")
        ),
        *(["nodes", kind, n, None] for kind, n in sorted(s["node_kinds"].items())),
        ["findings", "takeaway", s["takeaways"], None],
        ["findings", "claim", s["claims"], None],
        *(["source", source, n, None] for source, n in s["papers_by_source"].items()),
        *(["section", r["code"], r["papers"], r["title"]] for r in s["papers_per_section"]),
        *(["year", r["year"], r["papers"], None] for r in s["papers_per_year"]),
        ["survey", "release", None, release_text(s["survey_release"])],
    ]


# --- list ----------------------------------------------------------------------------------


def print_list(result: dict[str, Any], as_json: bool, json_lines: bool) -> None:
    """`listing.list_papers`'s result: the papers, the total on stderr."""
    if as_json:
        output.emit_json(result)
        return
    papers, total = result["papers"], result["total"]

    def on_terminal() -> None:
        from .render import render_rows

        render_rows(
            ["key", "year", "paper", "sections", "tags"],
            [
                [
                    p["key"],
                    p["year"],
                    f"{p['short_name']}: {p['title']}" if p["short_name"] else p["title"],
                    " ".join(p["sections"]),
                    " ".join(p["tags"]),
                ]
                for p in papers
            ],
        )

    output.table(
        LIST_COLUMNS,
        [[p[c] for c in LIST_COLUMNS] for p in papers],
        json_lines=json_lines,
        rich=on_terminal,
        empty="no papers match",
    )
    if papers:
        output.notice(
            f"{total} paper{'s' if total != 1 else ''}"
            if len(papers) == total
            else f"showing {len(papers)} of {total} papers"
        )


# --- tag -----------------------------------------------------------------------------------


def tags_saved(changes: list[TagChange], dry_run: bool) -> str | None:
    """What a committed `tag` saved, for a report that is lost (None: a dry run)."""
    touched = sum(1 for c in changes if c["changed"])
    return None if dry_run else f"the tags were saved ({touched} paper(s) changed)"


def print_tagged(
    changes: list[TagChange],
    folded: dict[str, str],
    *,
    remove: bool,
    dry_run: bool,
    query: str | None,
    as_json: bool,
    json_lines: bool,
) -> None:
    """`tag`'s report: one row per paper and tag (`folded`: each tag as given → as
    stored), the lower-case note and the count on stderr."""
    if as_json:
        output.emit_json({"papers": changes, "removed": remove, "query": query, "dry_run": dry_run})
        return
    verb = "removed from" if remove else "added to"
    would = "would be " if dry_run else ""
    action = "removed" if remove else "added"
    rows = [
        [c["key"], name, action if name in c["changed"] else "unchanged"]
        for c in changes
        for name in dict.fromkeys(folded.values())
    ]

    def on_terminal() -> None:
        for c in changes:
            changed = ", ".join(c["changed"]) or "nothing"
            tags_now = ", ".join(c["tags"]) or "—"
            output.stdout.print(
                f"{changed} {would}{verb} {c['key']}; tags now: {tags_now}", markup=False
            )

    if dry_run:
        output.notice("dry run: nothing was written")
    output.table(TAG_COLUMNS, rows, json_lines=json_lines, rich=on_terminal)
    if len(changes) > 1:
        touched = sum(1 for c in changes if c["changed"])
        output.notice(
            f"{touched} of {len(changes)} papers {'would change' if dry_run else 'changed'}"
        )


def lower_case_note(folded: dict[str, str]) -> None:
    """Say which tags were given in another case than they are stored in."""
    renamed = [f"{name} → {tag}" for name, tag in folded.items() if name.strip() != tag]
    if renamed:
        output.notice(f"note: tags are stored in lower case: {', '.join(renamed)}")


# --- text the Rich views share -------------------------------------------------------------


def survey_place(p: Paper) -> str | None:
    """Where a paper sits in the survey: `entry 67 of its references, p. 13`."""
    if p.get("survey_role") == "survey":
        return "this is the survey lrmkb is built from"
    if p.get("survey_ref"):
        page = f", p. {p['survey_page']}" if p.get("survey_page") else ""
        return f"entry {p['survey_ref']} of its references{page}"
    return None


def finding_notes(page: int | None, source: str, debate: str | None = None) -> list[str]:
    """What a reader must know about a finding besides its text: its `page` in the survey,
    that it states what only the cited paper says (`source`), the `debate` it records."""
    notes = [f"p. {page}"] if page else []
    if source == "paper":
        notes.append("from the paper, not the survey")
    if debate:
        notes.append(f"debate: {debate}")
    return notes


def edit_line(e: dict[str, Any]) -> str:
    """`2026-05-01T10:00:00Z alice title: “old” → “new”` (an edit or a survey update)."""

    def text(value: Any) -> str:
        if isinstance(value, list):
            value = " and ".join(map(str, value))
        return "(empty)" if value in (None, "") else f"“{value}”"

    return f"{e['at']} {e['who']} {e['field']}: {text(e['old'])} → {text(e['new'])}"


def paper_finding_notes(f: PaperFinding) -> list[str]:
    return finding_notes(f["survey_page"], f["source"], f["debate"])


def release_text(release: dict[str, str] | None) -> str:
    if release is None:
        return "none (bring the survey in with `lrmkb db update`)"
    return (
        f"{release['release']} (built {release['built'][:10]}, applied {release['applied'][:10]})"
    )
