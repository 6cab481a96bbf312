"""Where a paper can be read: its arXiv page and PDF, its DOI, its web page and its code —
what `lrmkb show` lists and `lrmkb open` opens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import NotFound

if TYPE_CHECKING:
    from .records import Paper

KINDS = ("abs", "pdf", "doi", "url", "code")
"""`abs` the arXiv abstract page, `pdf` arXiv's PDF, `doi` the DOI resolver, `url` the
paper's own web page, `code` its code repository."""
DEFAULT_ORDER = ("abs", "doi", "url", "pdf", "code")
"""What `lrmkb open KEY` opens without a choice: the first link the paper has."""
_ADD = {
    "abs": "eprint=ARXIVID",
    "pdf": "eprint=ARXIVID",
    "doi": "doi=10.NNNN/…",
    "url": "url=https://…",
    "code": "code=https://github.com/OWNER/REPO",
}


def links(paper: Paper) -> dict[str, str]:
    """{kind: URL} for the links `paper` (a `queries.paper_dict`) has, in `KINDS` order.
    arXiv links carry the version when one is recorded."""
    from .citation import arxiv_of, doi_url, is_url

    found: dict[str, str] = {}
    if arxiv := arxiv_of(paper):
        version = f"v{v}" if (v := paper.get("arxiv_version")) else ""
        found["abs"] = f"https://arxiv.org/abs/{arxiv}{version}"
        found["pdf"] = f"https://arxiv.org/pdf/{arxiv}{version}"
    if doi := paper.get("doi"):
        found["doi"] = doi_url(doi)
    if (url := paper.get("url")) and is_url(url):
        found["url"] = url
    if (code_url := paper.get("code_url")) and is_url(code_url):
        found["code"] = code_url
    return found


def link(paper: Paper, kind: str | None = None) -> str:
    """The URL of one `kind` of link, or the first of `DEFAULT_ORDER` the paper has.
    Raises `NotFound` (with the `lrmkb edit` that would add it) when there is none."""
    found = links(paper)
    if kind is None:
        for candidate in DEFAULT_ORDER:
            if candidate in found:
                return found[candidate]
        raise NotFound(
            f"{paper['key']} has no link (no arXiv id, DOI, web page or code)",
            f"add one, e.g. `lrmkb edit {paper['key']} doi=10.NNNN/…`",
        )
    if kind not in found:
        what = {"abs": "arXiv id", "pdf": "arXiv id", "doi": "DOI", "url": "web page"}
        raise NotFound(
            f"{paper['key']} has no {what.get(kind, 'code link')}",
            f"add it with `lrmkb edit {paper['key']} {_ADD[kind]}`",
        )
    return found[kind]
