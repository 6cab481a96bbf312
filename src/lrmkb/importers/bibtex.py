"""A .bib file as a source of records for `ingest` (`BibFile`), and the seeds' BibTeX
read into paper columns (`paper_fields`).

The reading itself — entries kept whole, values evaluated and names split as BibTeX does
— is `bibread`'s; decoding the bytes is `encoding`'s."""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..files import read_regular
from ..records import Failure, Paper, Record
from .bibread import BibEntry, read_entries, reading
from .encoding import Decoded, decode_bib

STDIN = "-"
_CASE_BRACE_RE = re.compile(r"(?<!\\)[{}]")


MAX_ENTRIES = 250_000
"""Entries one `import` takes unless told otherwise (`--max-entries`): a bibliography
ten times the largest personal ones, about 100 MB of BibTeX. A bigger file is far more
likely a mistake (a database dump, a concatenation gone wrong) than a library."""
_ENTRY_START_RE = re.compile(r"^[ \t]*@(?![ \t]*(?:string|comment|preamble)\b)", re.M | re.I)


def count_entries(text: str) -> int:
    """About how many entries a .bib text holds, before parsing it: the blocks starting a
    line with `@`, other than `@string`, `@comment` and `@preamble`."""
    return sum(1 for _ in _ENTRY_START_RE.finditer(text))


class BibFile:
    """The entries of a .bib file (or of standard input, `-`), as records. Made, it has
    read and decoded the file (`encoding.decode_bib`: `BadInput` for a file that is not
    text or not in `encoding`, or one with more than `max_entries` entries, default
    `MAX_ENTRIES`); iterated, it parses it and yields, in file order, a `Record` for each
    usable entry — its key, every field as written, its keywords as tags — and a
    `Failure` (with its line and why) for each entry that cannot be used. A file with no
    entry at all raises `BadInput`."""

    def __init__(
        self, path: Path, encoding: str | None = None, *, max_entries: int | None = None
    ) -> None:
        self.path = path
        if str(path) == STDIN:
            self.name = "stdin"
            data = sys.stdin.buffer.read()
        else:
            self.name = path.name
            data = read_regular(path)  # a FIFO or a device is refused, never read
        self.decoded: Decoded = decode_bib(data, self.name, encoding)
        limit = max_entries or MAX_ENTRIES
        if (count := count_entries(self.decoded.text)) > limit:
            raise BadInput(
                f"{self.name} has about {count:,} entries, more than the {limit:,} an import takes",
                "import it in parts, or raise the limit with --max-entries",
            )

    @property
    def encoding(self) -> str:
        return self.decoded.encoding

    @property
    def info(self) -> dict[str, Any]:
        """What an import report says about the file."""
        info: dict[str, Any] = {"file": str(self.path), "encoding": self.encoding}
        if self.decoded.repaired:
            info["decoded_alone"] = [
                {"line": line, "text": text} for line, text in self.decoded.repaired
            ]
        return info

    def __iter__(self) -> Iterator[Record | Failure]:
        entries, problems = read_entries(self.decoded.text)
        if not entries and not problems:
            raise BadInput(f"no BibTeX entries in {self.name}", "pass a .bib file")
        starts = sorted([e.line for e in entries] + [p.line for p in problems])
        notes = _repair_notes(self.decoded.repaired, starts)
        items: list[Record | Failure] = [self._record(e, notes.get(e.line, [])) for e in entries]
        items += [
            Failure(f"{self.name}:{p.line}", p.reason, {"line": p.line, "bibkey": p.bibkey})
            for p in problems
        ]
        yield from sorted(items, key=lambda item: int(item.extra["line"]))

    def _record(self, entry: BibEntry, notes: list[str]) -> Record:
        return Record(
            f"{self.name}:{entry.line}",
            "bibtex",
            entry.fields,
            {"line": entry.line, "bibkey": entry.bibkey},
            key=entry.bibkey or None,
            written=entry.raw,
            tags=entry.tags,
            notes=[*entry.notes, *notes],
        )


def _repair_notes(repaired: list[tuple[int, str]], starts: list[int]) -> dict[int, list[str]]:
    """For each entry (by its first line), what was decoded alone in it and where."""
    notes: dict[int, list[str]] = {}
    for line, text in repaired:
        at = bisect_right(starts, line) - 1
        if at >= 0:
            notes.setdefault(starts[at], []).append(
                f"line {line}: bytes that are not UTF-8 read as Windows-1252 ({text!r})"
            )
    return notes


def strip_braces(text: str) -> str:
    """Remove the braces BibTeX uses for case protection (`{LLM}s` → `LLMs`)."""
    return _CASE_BRACE_RE.sub("", text) if "{" in text or "}" in text else text


def paper_fields(fields: dict[str, str], entry_type: str) -> Paper:
    """The seeds' BibTeX (plain Unicode already, enclosing braces removed) → `paper`
    columns, read as an imported entry is read, with case braces stripped instead of
    LaTeX decoded."""
    fields = {k.lower(): " ".join(v.split()) for k, v in fields.items()}
    text = {k: strip_braces(v) for k, v in fields.items()}
    return reading(fields, text, fields, entry_type.lower(), decode=strip_braces)
