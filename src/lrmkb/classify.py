"""Suggest where a new paper belongs in the survey's taxonomy — locally, no network.

Each section and research question becomes one document: its title, summary, the
titles of its questions, the text of its findings (takeaways and claims), and the titles,
short names and abstracts of its member papers. A paper (its title counted twice, plus
its abstract) is compared with every document by TF-IDF cosine similarity:

- terms: lower-case ASCII words of 2+ characters, stop-words dropped, plurals and `-ing`
  folded (`reasoning` → `reason`, `models` → `model`);
- weight: (1 + ln tf) × (1 + ln((1 + N) / (1 + df))), N documents, df documents with the term;
- score: the cosine of the two L2-normalised vectors, 0 (nothing shared) to 1.

Dimensions and appendices are containers, not places to file a paper, so only
sections and questions are ranked."""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TypedDict

from .ids import STOP_WORDS, ascii_fold

FILEABLE_KINDS = ("section", "question")
_WORD = re.compile(r"[a-z0-9]{2,}")
_EXTRA_STOP = frozenset(
    [
        "also",
        "using",
        "used",
        "use",
        "based",
        "study",
        "studies",
        "paper",
        "show",
        "shows",
        "propose",
        "proposed",
        "new",
        "large",
        "language",
        "model",
    ]
)


def _stem(word: str) -> str:
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """The words of `text` that carry meaning, in a form where variants meet."""
    stems = (_stem(w) for w in _WORD.findall(ascii_fold(text).lower()) if w not in STOP_WORDS)
    return [s for s in stems if s not in _EXTRA_STOP]


class Suggestion(TypedDict):
    """A node a paper could be filed under, and how similar the two are (0 to 1)."""

    code: str
    title: str
    score: float


@dataclass
class Node:
    code: str
    title: str
    vector: dict[str, float]


class Classifier:
    """TF-IDF vectors of the fileable nodes, built once and reused for a whole batch."""

    def __init__(self, docs: dict[tuple[str, str], str]) -> None:
        counted = {node: Counter(terms(text)) for node, text in docs.items()}
        df: Counter[str] = Counter()
        for counts in counted.values():
            df.update(counts.keys())
        n = len(counted)
        self.idf = {t: 1 + math.log((1 + n) / (1 + d)) for t, d in df.items()}
        self.nodes = [
            Node(code, title, self._vector(counts)) for (code, title), counts in counted.items()
        ]

    @classmethod
    def from_db(cls, db: sqlite3.Connection) -> Classifier:
        return cls(node_documents(db))

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        weights = {t: (1 + math.log(c)) * self.idf[t] for t, c in counts.items() if t in self.idf}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    def suggest(self, title: str, abstract: str = "", limit: int = 3) -> list[Suggestion]:
        """The `limit` nodes most similar to a paper, best first, with their scores."""
        query = self._vector(Counter(terms(f"{title} {title} {abstract}")))
        scored = []
        for node in self.nodes:
            score = sum(w * node.vector.get(t, 0.0) for t, w in query.items())
            if score > 0:
                scored.append((round(score, 3), node))
        scored.sort(key=lambda s: -s[0])
        return [{"code": n.code, "title": n.title, "score": s} for s, n in scored[:limit]]


def node_documents(db: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """(code, title) → everything the knowledge base says about that node, as one text."""
    parts: dict[int, list[str]] = defaultdict(list)
    nodes = db.execute(
        "SELECT id, code, title, kind, summary, parent_id FROM taxonomy_node"
    ).fetchall()
    for node_id, _, title, kind, summary, parent_id in nodes:
        parts[node_id] += [title, summary]
        if kind == "question" and parent_id is not None:
            parts[parent_id].append(title)
    for node_id, text in db.execute("SELECT node_id, text FROM finding"):
        parts[node_id].append(text)
    for node_id, title, short_name, abstract in db.execute(
        """SELECT pn.node_id, p.title, p.short_name, p.abstract FROM paper_node pn
           JOIN paper p ON p.id = pn.paper_id"""
    ):
        parts[node_id] += [title, short_name or "", abstract or ""]
    return {
        (code, title): " ".join(parts[node_id])
        for node_id, code, title, kind, _, _ in nodes
        if kind in FILEABLE_KINDS
    }
