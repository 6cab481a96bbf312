"""lrmkb's own JSON: the selected papers with everything the knowledge base says about them.

The schema is documented in README ("JSON export") and versioned by `version`: fields
are only ever added within a version, so scripts can rely on the ones they use."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import ExportData, Options

FORMAT_NAME = "lrmkb-export"
SCHEMA_VERSION = 1


def render(data: ExportData, options: Options) -> Iterator[str]:
    """The selection and its papers as `queries.paper_record`s (metadata, label, nodes,
    tags, findings), as `json.dumps(document, indent=2)` writes it, a paper at a time as
    the records are read."""
    head = {
        "format": FORMAT_NAME,
        "version": SCHEMA_VERSION,
        "selection": data.selection.as_dict(),
        "papers": [],
    }
    text = json.dumps(head, indent=2, ensure_ascii=False)
    yield text.removesuffix("[]\n}")  # up to `"papers": `
    yield from json_array(data.records, "  ")
    yield "\n}\n"


def json_array(items: Iterable[Any], indent: str) -> Iterator[str]:
    """A JSON array written as `json.dumps(list(items), indent=2, ensure_ascii=False)`
    writes it inside a document, `indent` deep, an item at a time; the text after `]`
    is the caller's."""
    first = True
    for value in items:
        text = json.dumps(value, indent=2, ensure_ascii=False)  # no raw line breaks inside
        inner = indent + "  "
        yield ("[\n" if first else ",\n") + inner + text.replace("\n", "\n" + inner)
        first = False
    yield "[]" if first else f"\n{indent}]"
