"""How well does `lrmkb search` answer a researcher's question? nDCG@10 and recall@20 on
the relevance set in bench/relevance.toml, for its tuning and held-out halves and its
fresh questions (written after tuning ended, by someone who had not read the ranking code,
and never tuned on: the honest figure).

Each question's graded relevance comes from the survey's own citations as the database
holds them (node membership): a paper cited under one of the question's nodes (or below
it) is grade 2, a paper cited elsewhere in the section holding one of those research
questions grade 1. The ranking judged is the paper list of `search(db, question)`, the
library call behind `lrmkb search QUESTION` (its `paper` rows).

    python bench/relevance_bench.py               # every split, on data/survey.db
    python bench/relevance_bench.py --verbose     # and every question's figures
    python bench/relevance_bench.py --json

nDCG@10 uses linear gains and a log2(rank + 1) discount over the top 10 (Järvelin and
Kekäläinen 2002, as trec_eval computes it); the ideal ranking is every graded paper by
grade. recall@20 is the share of papers of grade ≥ 1 in the top 20. A question is
"unanswered" when no paper of grade ≥ 1 is in its top 10. "answer topic right" is the share
of questions whose answer (the topic `lrmkb search` leads with) is one of their nodes."""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sqlite3
import statistics
import sys
import tempfile
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "bench" / "relevance.toml"
SURVEY_DB = ROOT / "data" / "survey.db"
SPLITS = ("tune", "held-out", "fresh", "fresh-2")
# how the report names each split: "fresh" questions were written after tuning ended
SPLIT_NAMES = {
    "tune": "tune",
    "held-out": "held-out",
    "fresh": "fresh held-out, never tuned",
    "fresh-2": "fresh held-out 2, never tuned",
}
DEPTH, RECALL_DEPTH = 10, 20

Ranker = Callable[[str], tuple[list[str], str | None]]  # question → paper keys, answer topic


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    questions = tomllib.loads(path.read_text(encoding="utf-8"))["question"]
    for q in questions:
        if q["split"] not in SPLITS:
            raise SystemExit(f"{path}: split must be one of {SPLITS}, not {q['split']!r}")
    return questions


def grades(db: sqlite3.Connection, codes: Sequence[str]) -> dict[str, int]:
    """Paper key → grade for a question answered by the nodes `codes`."""

    def cited_under(code: str) -> set[str]:
        rows = db.execute(
            """SELECT DISTINCT p.key FROM paper p JOIN paper_node pn ON pn.paper_id = p.id
               JOIN taxonomy_node n ON n.id = pn.node_id
               WHERE n.code = ? OR n.code LIKE ? || '.%'""",
            (code, code),
        )
        return {r[0] for r in rows}

    out: dict[str, int] = {}
    for code in codes:
        kind, parent = db.execute(
            """SELECT n.kind, p.code FROM taxonomy_node n
               LEFT JOIN taxonomy_node p ON p.id = n.parent_id WHERE n.code = ?""",
            (code,),
        ).fetchone()
        if kind == "question" and parent:
            out |= {key: max(out.get(key, 0), 1) for key in cited_under(parent)}
    for code in codes:
        out |= {key: 2 for key in cited_under(code)}
    return out


def ndcg(ranked: Sequence[str], graded: dict[str, int], depth: int = DEPTH) -> float:
    def dcg(gains: Sequence[int]) -> float:
        return sum(g / math.log2(i + 2) for i, g in enumerate(gains[:depth]))

    ideal = dcg(sorted(graded.values(), reverse=True))
    return dcg([graded.get(key, 0) for key in ranked]) / ideal if ideal else 0.0


def recall(ranked: Sequence[str], graded: dict[str, int], depth: int = RECALL_DEPTH) -> float:
    relevant = {key for key, g in graded.items() if g > 0}
    return len(relevant & set(ranked[:depth])) / len(relevant) if relevant else 0.0


def evaluate(db: sqlite3.Connection, rank: Ranker, questions: list[dict[str, Any]]) -> dict:
    """Per question and per split: nDCG@10, recall@20, and the unanswered questions."""
    rows = []
    for q in questions:
        graded = grades(db, q["nodes"])
        ranked, topic = rank(q["text"])
        rows.append(
            {
                "text": q["text"],
                "split": q["split"],
                "nodes": q["nodes"],
                "ndcg@10": round(ndcg(ranked, graded), 4),
                "recall@20": round(recall(ranked, graded), 4),
                "answered": any(graded.get(key, 0) > 0 for key in ranked[:DEPTH]),
                "topic": topic,
                "topic_right": topic in q["nodes"],
                "top": ranked[:DEPTH],
            }
        )
    summary = {}
    for split in SPLITS:
        part = [r for r in rows if r["split"] == split]
        if not part:
            continue
        summary[split] = {
            "questions": len(part),
            "ndcg@10": round(statistics.mean(r["ndcg@10"] for r in part), 4),
            "recall@20": round(statistics.mean(r["recall@20"] for r in part), 4),
            "unanswered": [r["text"] for r in part if not r["answered"]],
            "answer_topic": round(statistics.mean(r["topic_right"] for r in part), 4),
        }
    return {"summary": summary, "questions": rows}


def library_ranker(db_path: Path) -> Ranker:
    """The paper ranking of `lrmkb.search.search`, as `lrmkb search … --type paper` shows it."""
    from lrmkb.errors import LrmkbError
    from lrmkb.search import search
    from lrmkb.store import Database

    db = Database.open(db_path)

    def rank(text: str) -> tuple[list[str], str | None]:
        try:
            found = search(db, text, limit=RECALL_DEPTH)
        except LrmkbError:
            return [], None
        answer = found.get("answer")  # (older versions had none)
        return [p["key"] for p in found["results"]["paper"]], answer and answer["code"]

    return rank


def print_report(report: dict, verbose: bool) -> None:
    if verbose:
        for r in report["questions"]:
            mark = " " if r["answered"] else "!"
            print(
                f"{mark} {r['split']:<8} {r['ndcg@10']:.2f}  {r['recall@20']:.2f}  "
                f"{' '.join(r['nodes']):<16} {r['topic'] or '-':<6} {r['text']}"
            )
        print()
    for split, s in report["summary"].items():
        print(
            f"{SPLIT_NAMES[split]}: {s['questions']} questions: mean nDCG@10 {s['ndcg@10']:.3f}, "
            f"recall@20 {s['recall@20']:.3f}, unanswered {len(s['unanswered'])}, "
            f"answer topic right {s['answer_topic']:.0%}"
        )
        for text in s["unanswered"]:
            print(f"          no relevant paper in the top {DEPTH}: {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=SURVEY_DB, help="default: data/survey.db")
    parser.add_argument("--verbose", action="store_true", help="every question's figures")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "kb.db"  # the library may migrate what it opens: never the original
        shutil.copyfile(args.db, copy)
        report = evaluate(sqlite3.connect(copy), library_ranker(copy), load_questions())
    if args.json:
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print_report(report, args.verbose)


if __name__ == "__main__":
    main()
