"""A .bib entry's `keywords` ↔ lrmkb's tags, both ways: importing turns keywords into
tags, exporting writes the paper's tags back as its keywords — in the user's own
spelling for as long as the two agree."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .tagging import TAG_RE

_SPLIT_RE = re.compile(r"[,;]")
_NOT_TAG_RE = re.compile(r"[^\w.+/]+")  # runs of anything else (spaces, `-` too) become one `-`


def tag_of(keyword: str) -> str | None:
    """`Chain of Thought` → `chain-of-thought`: lower case, anything a tag cannot hold
    as `-` (`tagging.TAG_RE`); None when nothing of a tag is left."""
    tag = _NOT_TAG_RE.sub("-", keyword.lower()).strip("-")[:64].strip("-")
    return tag if tag and TAG_RE.match(tag) else None


def tags_of_keywords(keywords: str) -> list[str]:
    """`{Chain of thought; RL, probing}` → `chain-of-thought`, `rl`, `probing` (`,` and
    `;` both separate keywords, as Zotero, JabRef and BibDesk write them)."""
    tags: list[str] = []
    for keyword in _SPLIT_RE.split(keywords):
        tag = tag_of(keyword)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def keywords_for(written: str, tags: Sequence[str]) -> str:
    """The `keywords` field for a paper's tags now: the keywords as written while each
    still is a tag (or never could be one), then the tags added since, separated as
    the user separated them."""
    separator = "; " if ";" in written else ", "
    kept: list[str] = []
    covered: set[str] = set()
    for keyword in _SPLIT_RE.split(written):
        keyword = keyword.strip()
        if not keyword:
            continue
        tag = tag_of(keyword)
        if tag is None or tag in tags:
            kept.append(keyword)
            if tag is not None:
                covered.add(tag)
    kept += [t for t in tags if t not in covered]
    return separator.join(kept)
