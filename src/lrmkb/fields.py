"""A paper's fields as a user reads and writes them: which columns `lrmkb edit` may
change, how text becomes a column value (validated) and back, and the BibTeX entry
`lrmkb edit KEY` opens in the editor.

The fields come from the schema (`PRAGMA table_info(paper)`), not from a list kept here,
so a column another part of lrmkb adds is editable, shown and compared by `db update`
without a change to this module. Only what a column *means* is written down: the few
columns with a syntax (`authors`, ids, links, lists, dates) and the bookkeeping ones no
one edits by hand."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from .errors import BadInput

BOOKKEEPING = ("id", "key", "created", "updated", "source", "first_family", "title_key")
"""Columns lrmkb keeps itself: a key changes with `lrmkb rename`, the rest never by hand."""
DERIVED = {"authors_more": "authors", "author_names": "authors", "editor_names": "editor"}
"""Columns written through another field (`author = {A and others}` sets authors_more)."""
BIBTEX_NAME = {
    "authors": "author",
    "arxiv_id": "eprint",
    "short_name": "shortname",
    "code_url": "code",
    "id_source": "idsource",
}
"""Editor field names that differ from the column: the BibTeX field lrmkb reads and writes
for it (seeds/README.md's table); every other column keeps its own name."""

_ENTRY_TYPE_RE = re.compile(r"^[a-z]+$")
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
# a name of an author list that holds a separating `and`: the list had `and and`, or one at an end
_LOOSE_AND_RE = re.compile(r"^and(?:\s|$)|\sand$", re.I)


@dataclass(frozen=True)
class Column:
    """One column of the `paper` table: the SQL type the schema gives it, whether it must
    have a value, and whether it holds a list (a JSON list `queries.paper_dict` decodes)."""

    name: str
    sql_type: str
    required: bool
    is_list: bool = False

    @property
    def bibtex(self) -> str:
        return BIBTEX_NAME.get(self.name, self.name)


def paper_columns(db: sqlite3.Connection) -> list[Column]:
    """Every column of `paper`, in schema order (lists: `records.JSON_LIST_FIELDS`)."""
    from .records import JSON_LIST_FIELDS

    return [
        Column(
            r[1], (r[2] or "TEXT").upper(), bool(r[3]) and r[4] is None, r[1] in JSON_LIST_FIELDS
        )
        for r in db.execute("PRAGMA table_info(paper)")
    ]


def paper_values(row: sqlite3.Row) -> dict[str, Any]:
    """Every column of a paper row, lists decoded (`queries.paper_dict`, plus any column
    it does not list yet)."""
    from .queries import paper_dict

    data = paper_dict(row)
    return data | {name: row[name] for name in row.keys() if name not in data}  # noqa: SIM118


def editable(db: sqlite3.Connection) -> list[Column]:
    """The columns `lrmkb edit` may change, in schema order: not the bookkeeping, not the
    derived, not where a paper sits in the survey (`records.SURVEY_FIELDS`, the seeds')."""
    from .records import SURVEY_FIELDS

    fixed = {*BOOKKEEPING, *DERIVED, *SURVEY_FIELDS}
    return [c for c in paper_columns(db) if c.name not in fixed]


def content_columns(db: sqlite3.Connection) -> list[str]:
    """The columns that say something about the paper (everything but bookkeeping):
    what `db update` compares between a survey release and the user's record."""
    return [c.name for c in paper_columns(db) if c.name not in BOOKKEEPING]


def resolve_field(columns: list[Column], name: str) -> Column:
    """The column a user's field name means: the column's own name, its BibTeX name, or
    any venue field (`journal`, `booktitle`…), case-insensitively."""
    from .importers.bibread import VENUE_FIELDS

    wanted = name.strip().lower()
    if wanted in VENUE_FIELDS:  # journal, booktitle, howpublished…
        wanted = "venue"
    for column in columns:
        if wanted in (column.name, column.bibtex):
            return column
    if wanted == "key":
        raise BadInput("the key is not a field", "rename a paper with `lrmkb rename OLD NEW`")
    from .records import SURVEY_FIELDS

    if wanted in (*BOOKKEEPING, *DERIVED, *SURVEY_FIELDS):
        what = {**dict.fromkeys(DERIVED, "is set through `author` (… and others)")}.get(
            wanted, "is kept by lrmkb" if wanted in BOOKKEEPING else "comes from the survey's seeds"
        )
        raise BadInput(f"field {name!r} {what}", f"fields you can edit: {field_list(columns)}")
    from rapidfuzz import process

    names = [c.name for c in columns] + [c.bibtex for c in columns if c.bibtex != c.name]
    near = [n for n, _, _ in process.extract(wanted, names, limit=2, score_cutoff=70)]
    hint = f"did you mean {' or '.join(near)}? " if near else ""
    raise BadInput(f"no field {name!r}", f"{hint}fields you can edit: {field_list(columns)}")


def field_list(columns: list[Column]) -> str:
    return ", ".join(c.bibtex for c in columns)


# --- values ------------------------------------------------------------------------------


def parse_value(column: Column, text: str) -> dict[str, Any]:
    """The column values a user's text sets (usually one; `author` also sets
    authors_more, an arXiv id with a version also sets arxiv_version). Empty text clears
    the field. Raises `BadInput` with what is wrong and how to write it instead."""
    text = " ".join(text.split())
    name = column.name
    if not _balanced(text):
        raise BadInput(
            f"{column.bibtex} {text!r} has unbalanced braces",
            "close every { with a } (BibTeX needs them in pairs)",
        )
    if not text:
        if column.required:
            raise BadInput(f"{column.bibtex} cannot be empty", "give it a value")
        empty: list[str] | None = [] if column.is_list else None
        return {name: empty, **({"authors_more": False} if name == "authors" else {})}
    if name == "authors":
        from .names import parse_name, split_names

        written, more = split_names(text)  # BibTeX's rules: `Last, First`, `{Org}`, `and others`
        if any(_LOOSE_AND_RE.search(n) for n in written):
            raise BadInput(
                f"{column.bibtex} {text!r} has an empty name (two 'and's in a row, or one "
                "at an end)",
                "separate names with one ' and ', e.g. Ann Lee and Bo Chen",
            )
        names = [parse_name(n) for n in written]
        return {"authors": [n.display() for n in names], "authors_more": more}
    if name == "arxiv_id":
        from .ids import ACCEPTED_ARXIV_FORMS, parse_arxiv_id

        arxiv = parse_arxiv_id(text)
        if arxiv is None:
            raise BadInput(
                f"{text!r} is not an arXiv id", f"accepted forms: {ACCEPTED_ARXIV_FORMS}"
            )
        return {"arxiv_id": arxiv.id} | ({"arxiv_version": arxiv.version} if arxiv.version else {})
    if name == "doi":
        from .ids import parse_doi

        if (doi := parse_doi(text)) is None:
            raise BadInput(
                f"{text!r} is not a DOI", "write it as 10.NNNN/… or https://doi.org/10.…"
            )
        return {"doi": doi}
    if name in ("url", "code_url"):
        from .citation import is_url

        if not is_url(text):
            raise BadInput(
                f"{column.bibtex} {text!r} is not an http(s) URL",
                "write the full address, e.g. https://github.com/OWNER/REPO",
            )
        return {name: text}
    if column.is_list:
        return {name: [item.strip() for item in re.split(r"[;,]", text) if item.strip()]}
    if name == "entry_type":
        if not _ENTRY_TYPE_RE.match(text.lower()):
            raise BadInput(
                f"entry type {text!r} is not a word", "e.g. article, inproceedings, misc"
            )
        return {name: text.lower()}
    if name == "published" and not _DATE_RE.match(text):
        raise BadInput(f"published {text!r} is not a date", "write it as YYYY-MM-DD")
    if column.sql_type.startswith("INT"):
        if not re.fullmatch(r"-?\d{1,9}", text):
            raise BadInput(f"{column.bibtex} must be a whole number, not {text!r}", "e.g. 2025")
        if name == "year" and not 1000 <= int(text) <= 9999:  # what `year:` can search for
            raise BadInput(f"year {text} is not a year", "give four digits, e.g. 2025")
        return {name: int(text)}
    if column.sql_type.startswith("BOOL"):
        if text.lower() not in ("true", "false", "yes", "no", "1", "0"):
            raise BadInput(f"{column.bibtex} must be true or false, not {text!r}", "")
        return {name: text.lower() in ("true", "yes", "1")}
    return {name: text}


def _balanced(text: str) -> bool:
    """Braces in pairs, as bibtexparser counts them: one after a backslash is text."""
    depth = 0
    for before, char in zip(" " + text, text, strict=False):
        if before != "\\":
            depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def format_value(name: str, paper: dict[str, Any]) -> str:
    """A column of `paper` (a `queries.paper_dict`) as the text a user edits: what
    `parse_value` reads back to the same value."""
    value = paper.get(name)
    if name == "authors":
        names = list(value or [])
        return " and ".join(names + (["others"] if paper.get("authors_more") else []))
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def stored(name: str, value: Any) -> Any:
    """A parsed value as the column stores it: lists as JSON text, an empty one as NULL
    (as the importers store them)."""
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False) if value or name == "authors" else None
    return value


# --- the entry the editor shows ----------------------------------------------------------

EDITOR_HEADER = """\
% Edit {key}, save and close the editor: lrmkb writes the fields you changed, in one go.
% Values are plain Unicode, not LaTeX. Empty a field's braces to clear it; the title
% cannot be empty. To change the key, use `lrmkb rename {key} NEWKEY`.
% Fields you can add: {missing}
"""


def entry_lines(paper: dict[str, Any], columns: list[Column]) -> list[tuple[str, str]]:
    """(editor field name, text) for every editable field that has a value, in schema
    order; the venue under the field its entry type uses."""
    lines = []
    for column in columns:
        if column.name == "entry_type":
            continue
        text = format_value(column.name, paper)
        if text:
            lines.append((editor_name(column, paper), text))
    return lines


def editor_name(column: Column, paper: dict[str, Any]) -> str:
    if column.name == "venue":
        from .exporters.bibtex import VENUE_FIELD

        return VENUE_FIELD.get((paper.get("entry_type") or "misc").lower(), "howpublished")
    return column.bibtex


def entry_text(paper: dict[str, Any], columns: list[Column]) -> str:
    """The paper as one BibTeX entry, with a header of instructions (`%` lines, which
    BibTeX and bibtexparser read as comments)."""
    lines = entry_lines(paper, columns)
    shown = {name for name, _ in lines}
    missing = [
        c.bibtex
        for c in columns
        if c.name != "entry_type" and editor_name(c, paper) not in shown and c.name != "venue"
    ]
    if "venue" in {c.name for c in columns} and not paper.get("venue"):
        missing.append(editor_name(Column("venue", "TEXT", False), paper))
    # a final backslash would escape the closing brace; the space is folded away on reading
    body = "".join(
        f"  {name} = {{{text}{' ' if text.endswith(chr(92)) else ''}}},\n" for name, text in lines
    )
    header = EDITOR_HEADER.format(key=paper["key"], missing=", ".join(missing) or "none")
    return f"{header}@{paper.get('entry_type') or 'misc'}{{{paper['key']},\n{body}}}\n"


def diff_lines(
    before: dict[str, Any], after: dict[str, Any], columns: list[Column]
) -> list[tuple[str, str, str]]:
    """(mark, field, text) lines between two versions of a paper, column by column in
    schema order (`@type` first): `-` the old line of a changed or cleared field, `+`
    the new one — a venue moved from `journal` to `booktitle` is one change."""
    out = []
    ordered = sorted(columns, key=lambda c: c.name != "entry_type")  # stable: @type first
    for column in ordered:
        lines = []
        for mark, paper in (("-", before), ("+", after)):
            text = format_value(column.name, paper)
            name = "@type" if column.name == "entry_type" else editor_name(column, paper)
            lines.append((mark, name, text))
        (_, old_name, old), (_, new_name, new) = lines
        if (old_name, old) == (new_name, new):
            continue
        out += [line for line in lines if line[2]]
    return out


def parse_entry(text: str, key: str, columns: list[Column]) -> tuple[str, dict[str, str]]:
    """The entry type and {field name → text} of the one entry in an edited `text`.
    Raises `BadInput` (with the line) for anything but exactly one entry for `key`."""
    import bibtexparser

    from .importers.bibread import _quiet_splitter, evaluate_fast

    with _quiet_splitter():  # what bibtexparser would log, the error below says
        library = bibtexparser.parse_string(text, parse_stack=[])  # raw: evaluated below
    if library.failed_blocks:
        block = library.failed_blocks[0]
        what = {
            "DuplicateFieldKeyBlock": "a field appears twice",
            "DuplicateBlockKeyBlock": f"a second entry {key}",
        }.get(type(block).__name__, "this is not a BibTeX entry (unbalanced braces or quotes?)")
        raise BadInput(
            f"line {(block.start_line or 0) + 1}: {what}", "fix the entry and save it again"
        )
    if len(library.entries) != 1:
        raise BadInput(
            f"the edited text holds {len(library.entries)} entries, not one",
            f"keep exactly the entry @TYPE{{{key}, …}}",
        )
    entry = library.entries[0]
    if entry.key != key:
        raise BadInput(
            f"the key changed from {key} to {entry.key}",
            f"keep the key; rename the paper with `lrmkb rename {key} {entry.key}`",
        )
    fields: dict[str, str] = {}
    for field in entry.fields:
        resolve_field(columns, field.key)  # an unknown field name is an error, with a hint
        try:  # the value inside its braces or quotes (`#` joined); a bare word as it is
            value = evaluate_fast(str(field.value), {}).text
        except ValueError:
            value = str(field.value)
        fields[field.key.lower()] = " ".join(value.split())
    entry_type = entry.entry_type.lower()
    if not _ENTRY_TYPE_RE.match(entry_type):
        raise BadInput(f"entry type {entry_type!r} is not a word", "e.g. @article, @misc")
    return entry_type, fields
