"""Markdown sections of the survey: each section with its summary, its research questions,
their claims cited author–year, the takeaways as callouts and a reference list with arXiv
and code links. Headings get GitHub's anchors, so the contents list and citations link.

Also the Markdown helpers the awesome list shares: GitHub's heading slugs, escaping of
text and of link targets."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..citation import arxiv_url, doi_url, is_arxiv_venue, venue_of
from ..records import Finding, Node, Paper, PaperRecord
from ..texmath import math_to_text

if TYPE_CHECKING:
    from . import ExportData, Options

# A closing parenthesis that only names authors: `(Chen et al.; Baek and Tegmark)`.
_AUTHOR = r"[\w’'\-]+(?: [\w’'\-]+)?(?: et al\.| and [\w’'\-]+)?"
_NAMED_AUTHORS_RE = re.compile(rf"\((?:{_AUTHOR})(?:; {_AUTHOR})*\)$")
STANCE_WORDS = {"supports": "", "contradicts": "but see ", "mentions": "see also "}


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading (github-slugger): lower case, spaces → `-`, and
    everything dropped but letters, marks, numbers, `_` and `-` (emoji go, their
    variation selector stays: `🗂️ Contents` → `️-contents`)."""
    kept = (
        c
        for c in heading.lower()
        if c in " -" or unicodedata.category(c)[0] in "LMN" or unicodedata.category(c) == "Pc"
    )
    return "".join(kept).replace(" ", "-")


class Anchors:
    """Unique slugs in document order, as GitHub numbers repeats (`intro`, `intro-1`)."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def add(self, heading: str) -> str:
        base = slug = github_slug(heading)
        while slug in self.seen:
            self.seen[base] += 1
            slug = f"{base}-{self.seen[base]}"
        self.seen[slug] = 0
        return slug


_ESCAPE_RE = re.compile(r"([\\`*_\[\]<>|])")


def escape(text: str) -> str:
    """Text that Markdown shows as written (`$…$` math is left for the renderer)."""
    return _ESCAPE_RE.sub(r"\\\1", text)


def link_target(url: str) -> str:
    """A URL safe inside `( )`: spaces and parentheses percent-encoded."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def link(text: str, url: str) -> str:
    return f"[{text}]({link_target(url)})"


def ref_anchor(key: str) -> str:
    return f"ref-{github_slug(key)}"


# --- the survey ---------------------------------------------------------------------


def render(data: ExportData, options: Options) -> Iterator[str]:
    """The chosen sections (or the whole survey with a contents list), then the selected
    papers when tags or keys were given, then the references (one chunk: the contents
    list at the top needs the whole document)."""
    yield _Writer(data).document()


class _Writer:
    def __init__(self, data: ExportData) -> None:
        self.data = data
        self.nodes = {n["code"]: n for n in data.nodes}
        self.children: dict[str | None, list[str]] = {}
        for node in data.nodes:
            self.children.setdefault(node["parent"], []).append(node["code"])
        self.findings: dict[str, list[Finding]] = {}
        for finding in data.findings:
            self.findings.setdefault(finding["node"], []).append(finding)
        self.labels = {key: paper["cite"] for key, paper in data.library.items()}
        self.anchors = Anchors()
        self.cited: set[str] = set()

    def document(self) -> str:
        data = self.data
        whole = not data.selection
        blocks: list[str] = []
        if whole and data.survey:
            blocks.append(f"# {escape(data.survey['title'])}")
            self.anchors.add(data.survey["title"])
        if data.survey:  # the first line, after the whole survey's title
            blocks.append(source_line(data.survey))
        with_contents = whole or len(data.roots) > 1
        if with_contents:
            self.anchors.add("Contents")
        contents: list[tuple[int, str, str]] = []
        body: list[str] = []
        for code in data.roots:
            body += self.node(code, 2, contents)
        picked = [p for p in data.records if p["key"] in data.picked and p["key"] not in self.cited]
        sections: list[tuple[str, list[PaperRecord], bool]] = [
            ("Selected papers", picked, True),
            ("References", [data.library[k] for k in self.cited], False),
        ]
        for heading, papers, where in sections:
            if papers:
                contents.append((0, heading, self.anchors.add(heading)))
                body += [f"## {heading}", self.reference_list(papers, where)]
        if with_contents:
            blocks.append("## Contents")
            blocks.append(
                "\n".join(
                    f"{'  ' * depth}- {link(escape(text), '#' + slug)}"
                    for depth, text, slug in contents
                )
            )
        return "\n\n".join(blocks + body) + "\n"

    def node(self, code: str, level: int, contents: list[tuple[int, str, str]]) -> list[str]:
        node = self.nodes[code]
        heading = f"{code} {node['title']}"
        contents.append((level - 2, heading, self.anchors.add(heading)))
        blocks = [f"{'#' * min(level, 6)} {escape(heading)}"]
        if place := node_place(node):
            blocks.append(place)
        if node["summary"]:
            blocks.append(escape(node["summary"]))
        findings = self.findings.get(code, [])
        blocks += [self.takeaway(f) for f in findings if f["kind"] == "takeaway"]
        claims = [self.claim(f) for f in findings if f["kind"] == "claim"]
        if claims:
            blocks.append("\n".join(claims))
        blocks += self.also_discussed(code, findings)
        for child in self.children.get(code, []):
            blocks += self.node(child, level + 1, contents)
        return blocks

    def takeaway(self, finding: Finding) -> str:
        return f"> 💡 **Takeaway.** {self.with_citations(finding)}{_flags(finding)}"

    def claim(self, finding: Finding) -> str:
        debate = f"⚖ **{escape(question)}** " if (question := finding["debate"]) else ""
        return f"- {debate}{self.with_citations(finding)}{_flags(finding)}"

    def with_citations(self, finding: Finding) -> str:
        """The finding's text with its evidence cited before the final full stop:
        `… grows longer ([Su et al., 2025](#ref-su2025underthinking); but see …).`"""
        groups: dict[str, list[str]] = {}
        for evidence in finding["papers"]:
            groups.setdefault(evidence["stance"], []).append(self.cite(evidence["key"]))
        parts = [
            STANCE_WORDS.get(stance, "") + "; ".join(cites) for stance, cites in groups.items()
        ]
        text = escape(finding["text"].strip())
        if not parts:
            return text
        citation = f"({'; '.join(parts)})"
        stop = "." if text.endswith(".") else ""
        text = text.removesuffix(stop)
        # "… longer (Hassid et al.; Su et al.)." already names all the papers: cite them there.
        named = _NAMED_AUTHORS_RE.search(text)
        if named and named.group().count(";") + 1 == len(finding["papers"]):
            text = text[: named.start()].rstrip()
        return f"{text} {citation}{stop}"

    def cite(self, key: str) -> str:
        self.cited.add(key)
        return link(escape(self.labels[key]), f"#{ref_anchor(key)}")

    def also_discussed(self, code: str, findings: list[Finding]) -> list[str]:
        """Papers filed under the node that none of its findings cites."""
        in_findings = {e["key"] for f in findings for e in f["papers"]}
        rest = sorted(
            (p for p in self.data.library.values() if code in {n["code"] for n in p["nodes"]}),
            key=lambda p: (self.labels[p["key"]].lower(), p["key"]),
        )
        cites = [self.cite(p["key"]) for p in rest if p["key"] not in in_findings]
        return [f"*Also discussed:* {'; '.join(cites)}."] if cites else []

    def reference_list(self, papers: Iterable[PaperRecord], where: bool) -> str:
        """One line per paper, by label; `where` adds the nodes each paper is filed under."""
        ordered = sorted(papers, key=lambda p: (self.labels.get(p["key"], "").lower(), p["key"]))
        lines = []
        for paper in ordered:
            line = f"- {self.reference(paper)}"
            codes = [n["code"] for n in paper["nodes"]]
            if where and codes:
                line += f" Filed under {', '.join(codes)}."
            lines.append(line + _notes(paper))
        return "\n".join(lines)

    def reference(self, paper: PaperRecord) -> str:
        """`**Zhang et al., 2025a** — `AdaptThink`. Authors. *Title.* Venue. [arXiv:…] · [code]`"""
        key = paper["key"]
        parts = [f'<a id="{ref_anchor(key)}"></a>**{escape(self.labels.get(key, key))}**']
        if short_name := paper.get("short_name"):
            parts.append(f"— `{short_name.replace('`', '')}`.")
        else:
            parts[-1] += "."
        authors = ", ".join(paper["authors"]) + (" et al." if paper["authors_more"] else "")
        if authors:
            parts.append(_sentence(escape(authors)))
        parts.append(f"*{_sentence(escape(math_to_text(paper['title'])))}*")  # TeX math as text
        venue = venue_of(paper)
        if venue and not is_arxiv_venue(venue):
            parts.append(_sentence(escape(venue)))
        parts.append(" · ".join(_links(paper)))
        return " ".join(p for p in parts if p)


def source_line(survey: Paper) -> str:
    """The line a Markdown export opens with: what it is built from, and where to find it."""
    arxiv_id = survey.get("arxiv_id") or ""
    return (
        f"*From the survey {escape(survey['title'])} (Hu et al., {survey['year']}, "
        f"{link('arXiv:' + arxiv_id, arxiv_url(arxiv_id))}); "
        "summaries and findings in lrmkb's own words.*"
    )


def node_place(node: Node) -> str | None:
    """`*Survey §2.1.3 (printed “SFT memories, …”), p. 3.*` — the printed heading only where
    the title corrects it."""
    if not node.get("survey_page"):
        return None
    printed = (node.get("survey_heading") or "").rstrip(".")
    note = f" (printed “{escape(printed)}”)" if printed and printed != node["title"] else ""
    return f"*Survey §{escape(node['code'])}{note}, p. {node['survey_page']}.*"


def _flags(finding: Finding) -> str:
    return " *(From the paper, not the survey.)*" if finding.get("source") == "paper" else ""


def _notes(paper: PaperRecord) -> str:
    """The user's notes (`lrmkb note`, already Markdown) as a quote inside the list item."""
    if not (notes := paper["notes"]):
        return ""
    lines = notes.splitlines()
    lines[0] = f"**Notes.** {lines[0]}"
    return "".join(f"\n  > {line}".rstrip() for line in lines)


def _sentence(text: str) -> str:
    """`text` ending in a full stop, unless it already ends in one (or `?`, `!`)."""
    return text if text.endswith((".", "?", "!")) else text + "."


def _links(paper: Paper) -> list[str]:
    links = []
    if arxiv_id := paper.get("arxiv_id"):
        links.append(link(f"arXiv:{arxiv_id}", arxiv_url(arxiv_id)))
    if doi := paper.get("doi"):
        links.append(link(f"doi:{escape(doi)}", doi_url(doi)))
    if url := paper.get("url"):
        links.append(link("web", url))
    if code_url := paper.get("code_url"):
        links.append(link("code", code_url))
    return links
