"""A .bib entry's `keywords` ↔ lrmkb's tags, both ways: importing turns keywords into
tags, exporting writes the paper's tags back as its keywords — in the user's own
spelling for as long as the two agree.

Keywords are split where BibTeX (and biblatex's `keywords`, Zotero, JabRef, BibDesk) would
see a separator: at a `,` or `;` outside braces, so `{Foo, Bar}` is one keyword. Each
keyword's tag comes from its Unicode reading (`K\\"{a}hler` → `kähler`), the reading the
import gives every field."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .importers.latex import decode_latex
from .tagging import TAG_RE

_NOT_TAG_RE = re.compile(r"[^\w.+/]+")  # runs of anything else (spaces, `-` too) become one `-`
_SEPARATORS = ",;"


def tag_of(keyword: str) -> str | None:
    """`Chain of Thought` → `chain-of-thought`: lower case, anything a tag cannot hold
    as `-` (`tagging.TAG_RE`); None when nothing of a tag is left. `keyword` is LaTeX as
    written: its Unicode reading is what becomes the tag."""
    tag = _NOT_TAG_RE.sub("-", decode_latex(keyword).lower()).strip("-")[:64].strip("-")
    return tag if tag and TAG_RE.match(tag) else None


def split_keywords(written: str) -> list[tuple[str, str]]:
    """`{Foo, Bar}, baz; qux` → (`{Foo, Bar}`, `,`), (` baz`, `;`), (` qux`, ``): each
    keyword as written (spaces included) and the separator after it, split at `,` and `;`
    outside braces (BibTeX counts every brace, escaped or not)."""
    pieces: list[tuple[str, str]] = []
    depth = start = 0
    for i, char in enumerate(written):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and char in _SEPARATORS:
            pieces.append((written[start:i], char))
            start = i + 1
    pieces.append((written[start:], ""))
    return pieces


def tags_of_keywords(keywords: str) -> list[str]:
    """`{Chain of thought; RL}, probing` → `chain-of-thought-rl`, `probing` (`,` and `;`
    outside braces both separate keywords, as Zotero, JabRef and BibDesk write them).
    `keywords` is the field as written (LaTeX)."""
    tags: list[str] = []
    for keyword, _ in split_keywords(keywords):
        tag = tag_of(keyword)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def keywords_for(written: str, tags: Sequence[str]) -> str:
    """The `keywords` field for a paper's tags now: the keywords as written while each
    still is a tag (or never could be one), with the separators written between them,
    then the tags added since, separated as the user separated them. Unchanged tags
    give `written` back (without empty keywords and outer spaces)."""
    pieces = [(k, sep) for k, sep in split_keywords(written) if k.strip()]
    separator = "; " if any(sep == ";" for _, sep in pieces) else ", "
    kept: list[tuple[str, str]] = []
    covered: set[str] = set()
    for keyword, sep in pieces:
        tag = tag_of(keyword)
        if tag is None or tag in tags:
            kept.append((keyword, sep))
            if tag is not None:
                covered.add(tag)
    text = "".join(k + (sep if n < len(kept) - 1 else "") for n, (k, sep) in enumerate(kept))
    added = [t for t in tags if t not in covered]
    return separator.join([text.strip(), *added] if text.strip() else added)
