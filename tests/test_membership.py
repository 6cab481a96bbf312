"""Membership is checked against the survey itself: the papers each section or research
question cites in the survey text must be exactly the papers filed under that node."""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict

import pytest

from conftest import BUNDLED_DB, NO_SURVEY, SURVEY_TEXT

SURVEY = SURVEY_TEXT
pytestmark = pytest.mark.skipif(not SURVEY.exists(), reason=NO_SURVEY)

# Where each node's paragraphs start in survey.md: the start of a heading or bold lead-in.
MARKERS = [
    ("## 1 Introduction", "1"),
    ("## 2 Understanding LRM Training", "2"),
    ("### 2.1 ", "2.1"),
    ("**SFT explores", "2.1.1"),
    ("**SFT learns", "2.1.2"),
    ("**SFT memories", "2.1.3"),
    ("## 2.2 ", "2.2"),
    ("**Understanding two-stage", "2.2.1"),
    ("**What internal effects", "2.2.2"),
    ("**Exploitation", "2.2.3"),
    ("### 3 Understanding", "3"),
    ("#### 3.1 ", "3.1.1"),  # the section's opening paragraph is its first question
    ("**Topological", "3.1.2"),
    ("#### 3.2 ", "3.2"),
    ("**Critical behavioral", "3.2.1"),
    ("**The role of self-reflection", "3.2.2"),
    ("**How does the problem", "3.2.3"),
    ("### 3.3 ", "3.3"),
    ("**Internal representations", "3.3.1"),
    ("**The mechanisms underlying", "3.3.2"),
    ("**Can we stimulate", "3.3.3"),
    ("**Do LRMs utilize", "3.3.4"),
    ("## 4 Understanding", "4"),
    ("### 4.1 ", "4.1"),
    ("**Do reasoning models hallucinate", "4.1.1"),
    ("**Behavioral and mechanistic", "4.1.2"),
    ("**How does RL affect", "4.1.3"),
    ("### 4.2 ", "4.2"),
    ("**Contextual faithfulness", "4.2.1"),
    ("**Mechanistic understanding", "4.2.2"),
    ("**Can we mitigate", "4.2.3"),
    ("### 4.3 ", "4.3"),
    ("**Thinking more", "4.3.1"),
    ("**What are the patterns", "4.3.2"),
    ("#### What are the mechanisms", "4.3.3"),
    ("#### 4.4 ", "4.4"),
    ("**LRMs are not safer", "4.4.1"),
    ("**Safety issues", "4.4.2"),
    ("### 5 Future", "B"),
    ("## Limitations", None),
    ("## References", None),
    ("## A Taxonomy", None),
    ("## B Future", "B"),
    ("### B.1 ", "B.1"),
    ("### B.2 ", "B.2"),
    ("### B.3 ", "B.3"),
    ("## C Training", "C"),
    ("### C.1 ", "C.1"),
    ("## C.2 ", "C.2"),
]
CITE = re.compile(
    r"([A-Z][\w\-]+)( and [A-Z][\w\-]+| et al\.)?(?: \\?\(|, | )(\d{4})((?:[a-z](?:,[a-z])*)?)"
)


def segments() -> dict[str | None, str]:
    """Survey text per node code, whitespace folded so citations split by page breaks join."""
    text = SURVEY.read_text(encoding="utf-8")
    out: dict[str | None, str] = defaultdict(str)
    code: str | None = None
    for line in text.splitlines():
        for marker, target in MARKERS:
            if line.startswith(marker):
                code = target
                break
        out[code] += " " + line
    return {k: " ".join(v.split()) for k, v in out.items()}


def cited_keys(text: str, db: sqlite3.Connection) -> set[str]:
    """Resolve `Yao et al. (2025c)`, `Jin et al. (2025a,b)`, `Li and Ng (2025)` to keys, in
    the survey's own lettering (a, b, c follow the reference list's order)."""
    by_cite: dict[str, str] = {}
    counters: dict[tuple[str, int], list[str]] = defaultdict(list)
    import json

    from lrmkb.ids import ascii_fold, surname

    rows = db.execute("SELECT key, authors, year FROM paper WHERE survey_role = 'reference'")
    for key, authors, year in rows.fetchall():
        names = [ascii_fold(surname(a)).lower() for a in json.loads(authors)]
        label = names[0] + (f" and {names[1]}" if len(names) == 2 else "")
        counters[(label, year)].append(key)
    for (label, year), keys in counters.items():
        for i, key in enumerate(_survey_order(keys)):
            by_cite[f"{label} {year}{'abcdefghij'[i] if len(keys) > 1 else ''}"] = key
    found = set()
    for name, second, year, letters in CITE.findall(text):
        label = ascii_fold(name).lower()
        if second.startswith(" and "):
            label += " and " + ascii_fold(second[5:]).lower()
        for letter in letters.split(",") if letters else [""]:
            if (cite := f"{label} {year}{letter}") in by_cite:
                found.add(by_cite[cite])
    return found


def _survey_order(keys: list[str]) -> list[str]:
    """The survey letters same-author-year papers by the order of its reference list."""
    refs = SURVEY.read_text(encoding="utf-8").split("## References")[1]
    import sqlite3 as _s

    db = _s.connect(BUNDLED_DB)
    titles = {
        k: db.execute("SELECT survey_title FROM paper WHERE key = ?", (k,)).fetchone()[0]
        for k in keys
    }
    return sorted(keys, key=lambda k: refs.find(titles[k][:40].replace("$", "\\$")))


def test_every_node_holds_exactly_the_papers_its_text_cites() -> None:
    db = sqlite3.connect(BUNDLED_DB)
    members: dict[str, set[str]] = defaultdict(set)
    for code, key in db.execute(
        "SELECT n.code, p.key FROM paper_node pn JOIN paper p ON p.id = pn.paper_id"
        " JOIN taxonomy_node n ON n.id = pn.node_id"
    ):
        members[code].add(key)
    mismatches = {}
    for code, text in segments().items():
        if code is None:
            continue
        expected = cited_keys(text, db)
        if members.get(code, set()) != expected:
            mismatches[code] = (sorted(expected - members[code]), sorted(members[code] - expected))
    assert mismatches == {}
