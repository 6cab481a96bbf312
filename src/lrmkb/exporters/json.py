"""lrmkb's own JSON: the selected papers with everything the knowledge base says about them.

The schema is documented in README ("JSON export") and versioned by `version`: fields
are only ever added within a version, so scripts can rely on the ones they use."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

FORMAT_NAME = "lrmkb-export"
SCHEMA_VERSION = 1


def render(papers: Iterable[dict[str, Any]], selection: dict[str, list[str]]) -> str:
    """`papers` are `queries.paper_record` dicts (metadata, nodes, tags, findings)."""
    document = {
        "format": FORMAT_NAME,
        "version": SCHEMA_VERSION,
        "selection": selection,
        "papers": list(papers),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
