"""Would a small embedding model improve `lrmkb search`? The relevance set of
relevance_bench.py, ranked with and without WordLlama similarity mixed into the own
score of every finding, topic and paper.

WordLlama (pip `wordllama`) ships its 256-d weights and tokenizer inside its wheel, so
nothing is downloaded: it is loaded with `WordLlama.load(cache_dir=<its package folder>,
disable_download=True)`. This script runs in its own virtual environment,
bench/.venvs/wordllama (wordllama and this checkout, from PyPI on first use), so lrmkb
itself never depends on it.

    python bench/semantic_bench.py          # λ = 0 (lexical only), 0.25, 0.5, 0.75

Own score with semantics: (1 − λ) × bm25 / best bm25 + λ × (cosine − floor) / (best −
floor), where floor is the median cosine of the kind's rows (a row below it gets 0), for
every row of the kind — so a paper that shares no word with the question can still score.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "bench" / ".venvs" / "wordllama"
LAMBDAS = (0.0, 0.25, 0.5, 0.75)


def _venv_python() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        pip = [str(VENV / "bin" / "pip"), "install", "--quiet"]
        subprocess.run([*pip, "wordllama", "-e", str(ROOT)], check=True)
    return python


def measure() -> dict[str, Any]:
    """Inside the wordllama venv: the relevance figures for each λ, and the costs."""
    import shutil
    import sqlite3
    import tempfile

    started = time.perf_counter()
    import numpy as np
    import wordllama
    from wordllama import WordLlama

    imported = time.perf_counter()
    model = WordLlama.load(cache_dir=os.path.dirname(wordllama.__file__), disable_download=True)
    loaded = time.perf_counter()

    sys.path.insert(0, str(ROOT / "bench"))
    import relevance_bench as rb
    from lrmkb import ranking
    from lrmkb.search import COLUMNS, OFFSETS, SPAN

    tmp = Path(tempfile.mkdtemp())
    shutil.copyfile(rb.SURVEY_DB, tmp / "kb.db")
    db = sqlite3.connect(tmp / "kb.db")
    texts: dict[str, dict[int, str]] = {}
    for kind, off in OFFSETS.items():
        rows = db.execute(
            f"SELECT rowid - ?, {', '.join(COLUMNS)} FROM search_index WHERE rowid > ? AND rowid < ?",
            (off, off, off + SPAN),
        )
        texts[kind] = {r[0]: " ".join(filter(None, r[1:])) for r in rows}
    vectors = {
        kind: (list(t), model.embed(list(t.values()), norm=True)) for kind, t in texts.items()
    }
    lexical_bm25 = ranking._bm25
    state: dict[str, Any] = {"lam": 0.0, "query": None}

    def mixed(db: Any, kind: str, match: str, filters: Any) -> dict[int, float]:
        lexical = lexical_bm25(db, kind, match, filters)
        if state["lam"] == 0.0:
            return lexical
        ids, matrix = vectors[kind]
        cosine = matrix @ state["query"]
        floor = float(np.median(cosine))
        top = float(cosine.max()) - floor or 1.0
        best = max(lexical.values(), default=0.0) or 1.0
        lam = state["lam"]
        return {
            i: (1 - lam) * lexical.get(i, 0.0) / best + lam * max(float(c) - floor, 0.0) / top
            for i, c in zip(ids, cosine, strict=True)
        }

    ranking._bm25 = mixed  # type: ignore[assignment]
    library_rank = rb.library_ranker(tmp / "kb.db")

    def rank(text: str) -> tuple[list[str], str | None]:
        state["query"] = model.embed([text], norm=True)[0]
        return library_rank(text)

    out: dict[str, Any] = {
        "import_s": round(imported - started, 3),
        "load_s": round(loaded - imported, 3),
        "by_lambda": {},
    }
    for lam in LAMBDAS:
        state["lam"] = lam
        out["by_lambda"][str(lam)] = rb.evaluate(db, rank, rb.load_questions())["summary"]
    return out


def main() -> None:
    if "--inside" in sys.argv:
        print(json.dumps(measure()))
        return
    done = subprocess.run(
        [str(_venv_python()), __file__, "--inside"], capture_output=True, text=True, check=True
    )
    figures = json.loads(done.stdout)
    print(
        f"wordllama: import {figures['import_s']} s, load {figures['load_s']} s "
        "(a plain `lrmkb search` takes about 0.05 s in all)"
    )
    for lam, summary in figures["by_lambda"].items():
        parts = [
            f"{split} nDCG@10 {s['ndcg@10']:.3f} recall@20 {s['recall@20']:.3f} "
            f"unanswered {len(s['unanswered'])} topic {s['answer_topic']:.0%}"
            for split, s in summary.items()
        ]
        label = "lexical only" if float(lam) == 0 else f"λ = {lam}"
        print(f"{label:<13} " + " | ".join(parts))


if __name__ == "__main__":
    main()
