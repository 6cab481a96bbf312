"""BibTeX entries → paper fields. Shared by the seeds builder and `lrmkb import`."""

from __future__ import annotations

import re
from typing import Any

from ..ids import parse_arxiv_id, parse_doi

VENUE_FIELDS = ("journal", "booktitle", "howpublished", "school", "institution")


def split_authors(value: str) -> tuple[list[str], bool]:
    """Split a BibTeX name list on top-level `and`; a final `others` becomes a flag."""
    names, depth, start = [], 0, 0
    for m in re.finditer(r"[{}]|\s+and\s+", value, flags=re.I):
        token = m.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            names.append(value[start : m.start()])
            start = m.end()
    names.append(value[start:])
    names = [normalise_name(n) for n in names if n.strip()]
    more = bool(names) and names[-1].lower() == "others"
    return (names[:-1] if more else names), more


def normalise_name(name: str) -> str:
    """`Last, First` → `First Last`; whitespace folded; protective braces dropped."""
    name = " ".join(name.split())
    if "," in name and not name.startswith("{"):
        parts = [p.strip() for p in name.split(",")]
        if len(parts) == 2:
            name = f"{parts[1]} {parts[0]}"
        elif len(parts) == 3:  # von Last, Jr, First
            name = f"{parts[2]} {parts[0]} {parts[1]}"
    return strip_braces(name).strip()


def strip_braces(text: str) -> str:
    """Remove the braces BibTeX uses for case protection (`{LLM}s` → `LLMs`)."""
    return re.sub(r"(?<!\\)[{}]", "", text)


def paper_fields(fields: dict[str, str], entry_type: str) -> dict[str, Any]:
    """Map a BibTeX entry's (already Unicode) fields onto `Paper` columns."""
    f = {k.lower(): " ".join(v.split()) for k, v in fields.items()}
    authors, more = split_authors(f.get("author", "") or f.get("editor", ""))
    title_raw = f.get("title", "")
    title = strip_braces(title_raw)
    year_match = re.search(r"\d{4}", f.get("year", ""))
    arxiv = None
    if f.get("eprint") and f.get("archiveprefix", "arxiv").lower() == "arxiv":
        arxiv = parse_arxiv_id(f["eprint"])
    venue = next((f[k] for k in VENUE_FIELDS if f.get(k)), None)
    return {
        "title": title,
        "title_latex": title_raw if title_raw != title else None,
        "authors": authors,
        "authors_more": more,
        "year": int(year_match.group()) if year_match else None,
        "venue": strip_braces(venue) if venue else None,
        "entry_type": entry_type.lower(),
        "volume": f.get("volume"),
        "pages": f.get("pages"),
        "publisher": f.get("publisher"),
        "note": f.get("note"),
        "arxiv_id": arxiv.id if arxiv else None,
        "arxiv_version": arxiv.version if arxiv else None,
        "doi": parse_doi(f["doi"]) if f.get("doi") else None,
        "url": f.get("url"),
        "code_url": f.get("code"),
        "short_name": f.get("shortname"),
        "abstract": f.get("abstract"),
        "id_source": f.get("idsource"),
    }
