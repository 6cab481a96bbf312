"""lrmkb's own JSON: the selected papers with everything the knowledge base says about them.

The schema is documented in README ("JSON export") and versioned by `version`: fields
are only ever added within a version, so scripts can rely on the ones they use."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import ExportData, Options

FORMAT_NAME = "lrmkb-export"
SCHEMA_VERSION = 1


def render(data: ExportData, options: Options) -> str:
    """The selection and its papers as `queries.paper_record`s (metadata, label, nodes,
    tags, findings)."""
    document = {
        "format": FORMAT_NAME,
        "version": SCHEMA_VERSION,
        "selection": data.selection.as_dict(),
        "papers": data.records,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
