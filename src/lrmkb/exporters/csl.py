"""CSL-JSON (the Citation Style Language data schema), as pandoc --citeproc, Zotero and
citeproc-js read it. `id` is the citation key, the same as in the BibTeX export."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..citation import arxiv_of, arxiv_url, citation_keys, date_parts, is_arxiv_venue, venue_of
from ..ids import surname
from ..records import Paper

if TYPE_CHECKING:
    from . import ExportData, Options

# BibTeX entry type → CSL type, for papers that are not arXiv preprints.
CSL_TYPE = {
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "incollection": "chapter",
    "inbook": "chapter",
    "book": "book",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "techreport": "report",
}


def render(data: ExportData, options: Options) -> str:
    """The selected papers as a CSL-JSON array."""
    papers = data.papers
    keys = citation_keys(p["key"] for p in papers)
    items = [item(p, keys[p["key"]]) for p in papers]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def item(paper: Paper, key: str) -> dict[str, Any]:
    """One CSL item; empty fields are left out, as the schema expects."""
    venue = venue_of(paper)
    arxiv = arxiv_of(paper)
    preprint = bool(arxiv) and (not venue or is_arxiv_venue(venue))
    data: dict[str, Any] = {
        "id": key,
        "type": _type(paper, venue, preprint),
        "title": paper["title"],
        "author": [_name(a) for a in paper.get("authors") or []],
    }
    if parts := date_parts(paper):
        data["issued"] = {"date-parts": [parts]}
    if preprint:
        data["publisher"] = "arXiv"
        data["number"] = f"arXiv:{arxiv}"
    elif venue and not is_arxiv_venue(venue):
        data["container-title"] = venue
    same_names = {
        "volume": paper.get("volume"),
        "publisher": paper.get("publisher"),
        "note": paper.get("note"),
    }
    for name, value in same_names.items():
        if value and name not in data:
            data[name] = value
    if pages := paper.get("pages"):
        data["page"] = pages.replace("–", "-").replace("—", "-")
    if paper.get("doi"):
        data["DOI"] = paper["doi"]
    url = paper.get("url") or (arxiv_url(arxiv) if arxiv else None)
    if url:
        data["URL"] = url
    if paper.get("abstract"):
        data["abstract"] = paper["abstract"]
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def _type(paper: Paper, venue: str | None, preprint: bool) -> str:
    if preprint:
        return "article"  # CSL's type for preprints and working papers
    entry_type = (paper.get("entry_type") or "misc").lower()
    if entry_type in CSL_TYPE and venue:
        return CSL_TYPE[entry_type]
    return "webpage" if paper.get("url") else "document"


def _name(name: str) -> dict[str, str]:
    """`Sara Vera Marjanović` → family `Marjanović`, given `Sara Vera` (`Last, First` too);
    one-word names (organisations such as `DeepSeek-AI`) stay whole."""
    name = name.strip()
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
    else:
        family = surname(name)
        given = name[: -len(family)].strip() if family else ""
    return {"family": family, "given": given} if family and given else {"literal": name}
