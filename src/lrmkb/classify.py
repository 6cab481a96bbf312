"""Suggest where a paper belongs in the survey's taxonomy — locally, no network.

Each section and research question becomes one document, in fields of different weight
(`FIELD_WEIGHTS`): its title, its summary, its questions' titles, the text of its
findings (takeaways and claims), and the titles and short names of its member papers
(not their abstracts: at 100,000 papers those made building the classifier take most
of a minute). A paper (its title counted twice, plus its abstract) is compared with
every document by TF-IDF cosine similarity:

- terms: lower-case ASCII words of 2+ characters, stop-words dropped, the field's
  abbreviations and their spelled-out forms made one (`chain of thought` → `cot`,
  `reinforcement learning` → `rl`), stemmed with the Snowball English stemmer
  (`hallucinations`, `hallucinating` → `hallucin`), plus every pair of neighbouring
  terms (`reward hacking`), so that a phrase counts for more than its words;
- weight: (1 + ln tf) × (1 + ln((1 + N) / (1 + df))), N documents, df documents with the
  term, tf the field-weighted count;
- score: the cosine of the two L2-normalised vectors, plus `PARENT_SHARE` of its
  section's cosine for a research question (a paper on overthinking mechanisms belongs
  under "Overthinking" first), rounded to three decimals.

Dimensions and appendices are containers, not places to file a paper, so only sections
and questions are ranked. `bench/classify_bench.py` measures the suggestions against the
survey's own filing, each paper classified as if it were not filed (`leave_out`)."""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import TypedDict

from .ids import STOP_WORDS, ascii_fold

FILEABLE_KINDS = ("section", "question")
FIELD_WEIGHTS = {"title": 3.0, "summary": 2.0, "questions": 1.0, "findings": 1.0, "papers": 1.0}
"""A node's own title and summary say what belongs there more surely than the rest."""
PARENT_SHARE = 0.3
"""How much of its section's similarity a research question adds to its own."""
_WORD = re.compile(r"[a-z0-9]{2,}")
_ABBREVIATIONS = [  # spelled-out form → the abbreviation the field also writes
    (re.compile(r"\bchains?[ -]of[ -]thoughts?\b"), " cot "),
    (re.compile(r"\breinforcement learning\b"), " rl "),
    (re.compile(r"\bsupervised fine[ -]?tuning\b"), " sft "),
    (re.compile(r"\blarge reasoning models?\b"), " lrm "),
    (re.compile(r"\blarge language models?\b"), " llm "),
]
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
        "models",
    ]
)


@lru_cache(maxsize=1)
def _stem_words() -> Callable[[list[str]], list[str]]:
    """The Snowball English stemmer (snowballstem.org/algorithms/english) in C
    (PyStemmer), loaded once: a large library's node texts hold millions of words,
    which the pure-Python Snowball stemmer takes minutes over."""
    import Stemmer

    stem: Callable[[list[str]], list[str]] = Stemmer.Stemmer("english").stemWords
    return stem


def terms(text: str) -> list[str]:
    """The terms of `text` that carry meaning, in a form where variants meet, and the
    pairs of neighbouring terms."""
    folded = ascii_fold(text).lower()
    for pattern, short in _ABBREVIATIONS:
        folded = pattern.sub(short, folded)
    words = [w for w in _WORD.findall(folded) if w not in STOP_WORDS and w not in _EXTRA_STOP]
    stems = _stem_words()(words)
    return stems + [f"{a}_{b}" for a, b in pairwise(stems)]


class Suggestion(TypedDict):
    """One suggested place for a paper: a node, its title, and the score (0 and up)."""

    code: str
    title: str
    score: float


@dataclass
class NodeText:
    """What the knowledge base says about one fileable node, field by field."""

    code: str
    title: str
    parent: str | None
    fields: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class Node:
    code: str
    title: str
    parent: str | None
    vector: dict[str, float]


class Classifier:
    """TF-IDF vectors of the fileable nodes, built once and reused for a whole batch."""

    def __init__(self, docs: list[NodeText]) -> None:
        counted = {doc.code: _weighted_terms(doc) for doc in docs}
        df: Counter[str] = Counter()
        for counts in counted.values():
            df.update(counts.keys())
        n = len(counted)
        self.idf = {t: 1 + math.log((1 + n) / (1 + d)) for t, d in df.items()}
        self.nodes = [
            Node(doc.code, doc.title, doc.parent, self._vector(counted[doc.code])) for doc in docs
        ]

    @classmethod
    def from_db(cls, db: sqlite3.Connection, leave_out: str | None = None) -> Classifier:
        return cls(node_documents(db, leave_out))

    def _vector(self, counts: Mapping[str, float]) -> dict[str, float]:
        weights = {t: (1 + math.log(c)) * self.idf[t] for t, c in counts.items() if t in self.idf}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    def suggest(self, title: str, abstract: str = "", limit: int = 3) -> list[Suggestion]:
        """The `limit` nodes most similar to a paper, best first, with their scores."""
        query = self._vector(Counter(terms(f"{title} {title} {abstract}")))
        cosine = {
            node.code: sum(w * node.vector.get(t, 0.0) for t, w in query.items())
            for node in self.nodes
        }
        scored = []
        for node in self.nodes:
            score = cosine[node.code] + PARENT_SHARE * cosine.get(node.parent or "", 0.0)
            if score > 0:
                scored.append((round(score, 3), node))
        scored.sort(key=lambda s: -s[0])
        return [Suggestion(code=n.code, title=n.title, score=s) for s, n in scored[:limit]]


def _weighted_terms(doc: NodeText) -> dict[str, float]:
    counts: dict[str, float] = defaultdict(float)
    for name, texts in doc.fields.items():
        weight = FIELD_WEIGHTS[name]
        for text in texts:
            for term in terms(text):
                counts[term] += weight
    return counts


def node_documents(db: sqlite3.Connection, leave_out: str | None = None) -> list[NodeText]:
    """Every fileable node's text, field by field. `leave_out` (a citation key) drops what
    the knowledge base says because of that paper — its title and short name,
    and the findings that cite it — to classify it as if it had never been filed."""
    nodes = db.execute(
        """SELECT n.id, n.code, n.title, n.kind, n.summary, p.code
           FROM taxonomy_node n LEFT JOIN taxonomy_node p ON p.id = n.parent_id"""
    ).fetchall()
    texts = {node_id: NodeText(code, title, parent) for node_id, code, title, _, _, parent in nodes}
    by_code = {code: node_id for node_id, code, *_ in nodes}
    for node_id, _, title, kind, summary, parent in nodes:
        texts[node_id].fields["title"].append(title)
        texts[node_id].fields["summary"].append(summary)
        if kind == "question" and parent in by_code:
            texts[by_code[parent]].fields["questions"].append(title)
    for node_id, text in db.execute(
        """SELECT f.node_id, f.text FROM finding f WHERE NOT EXISTS (
             SELECT 1 FROM finding_paper fp JOIN paper p ON p.id = fp.paper_id
             WHERE fp.finding_id = f.id AND p.key = ?)""",
        (leave_out,),
    ):
        texts[node_id].fields["findings"].append(text)
    for node_id, title, short_name in db.execute(
        """SELECT pn.node_id, p.title, p.short_name FROM paper_node pn
           JOIN paper p ON p.id = pn.paper_id WHERE p.key IS NOT ?""",
        (leave_out,),
    ):
        texts[node_id].fields["papers"] += [title, short_name or ""]
    fileable = {node_id for node_id, _, _, kind, _, _ in nodes if kind in FILEABLE_KINDS}
    return [texts[i] for i in sorted(fileable)]
