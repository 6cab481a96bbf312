"""The survey knowledge base: seeds/ is valid, data/survey.db is built from it and in
sync, and the curated text is our own words."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import BUNDLED_DB, NO_SURVEY, SEEDS, SURVEY_TEXT, dump, replace_once
from lrmkb.cli import app
from lrmkb.ids import KEY_RE, base_key
from lrmkb.importers.seeds import build, load, validate

SURVEY = SURVEY_TEXT


def build_from(seeds: Path, tmp_path: Path) -> CliRunner:
    return CliRunner().invoke(
        app, ["dev", "build", "--seeds", str(seeds), "--output", str(tmp_path / "out.db")]
    )


def test_bundled_db_is_in_sync_with_seeds(tmp_path: Path) -> None:
    build(SEEDS, tmp_path / "fresh.db")
    assert dump(tmp_path / "fresh.db") == dump(BUNDLED_DB), "data/survey.db is stale: run make db"


def test_build_is_deterministic(tmp_path: Path) -> None:
    build(SEEDS, tmp_path / "a.db")
    build(SEEDS, tmp_path / "b.db")
    assert dump(tmp_path / "a.db") == dump(tmp_path / "b.db")


def test_seeds_validate_clean() -> None:
    assert validate(load(SEEDS)) == []


def test_db_check_with_seeds_passes(db_file: Path) -> None:
    result = CliRunner().invoke(app, ["--db", str(db_file), "dev", "check", "--seeds", str(SEEDS)])
    assert result.exit_code == 0, result.stdout
    assert result.stderr.startswith("0 problem(s); checked: integrity, ")


@pytest.mark.parametrize(
    ("file", "old", "new", "problem"),
    [
        (
            "nodes/4.3.toml",
            '"chen2024think"',
            '"nosuch2025paper"',
            "cites unknown paper nosuch2025paper",
        ),
        (
            "nodes/4.3.toml",
            'id = "4.3.1-claim-2"',
            'id = "4.3.1-claim-1"',
            "duplicate finding id 4.3.1-claim-1",
        ),
        ("nodes/B.2.toml", "uncited = true", "", "section B.2 has no papers"),
        ("nodes/1.toml", '  "jaech2024openai",\n', "", "jaech2024openai is in no node"),
        ("nodes/2.2.toml", "position = 3\n", "", "finding 2.2-claim-3 has no survey position"),
        ("nodes/2.2.toml", "position = 3\n", "position = 2\n", "share position 2"),
        ("nodes/2.2.toml", "page = 4\ntext", "text", "has no survey page"),
        (
            "papers.bib",
            "Capability in LLMs via",
            "Capability in llms via",
            "the title of deepseekai2025deepseekr1 lowercases llms",
        ),
        (
            "nodes/3.3.toml",
            "Ward et al. (2025b) train",
            "Ward et al. (2025a) train",
            "finding 3.3.3-claim-3 writes “Ward et al., 2025a”, but none of its papers",
        ),
        (
            "nodes/2.2.toml",
            'debate = "Must RL trade exploration against exploitation?"\n',
            "",
            "2.2-claim-12 has contradicting papers but no `debate` question",
        ),
        (
            "nodes/4.1.toml",
            'contradicts = ["yao2025reasoning"]',
            "contradicts = []",
            "debate 4.1-debate-1 needs papers on both sides",
        ),
        ("nodes/2.2.toml", 'source = "paper"', 'source = "blog"', "unknown source 'blog'"),
        (
            "nodes/1.toml",
            '  "sui2025stop",\n',
            '  "sui2025stop",\n  "hu2026mechanistic",\n',
            "hu2026mechanistic is the survey itself, not a paper it cites",
        ),
        ("papers.bib", "surveyref = {12}", "surveyref = {11}", "are both entry 11"),
        ("papers.bib", "  surveyref = {12},\n", "", "chen2024think has no place in the survey"),
        ("papers.bib", "surveypage = {1}", "surveypage = {one}", "'one' is not a positive"),
        ("papers.bib", "surveyrole = {survey}", "surveyrole = {reference}", "0 entries have"),
    ],
)
def test_validator_catches_broken_seeds(
    seeds_copy: Path, tmp_path: Path, file, old, new, problem
) -> None:
    replace_once(seeds_copy / file, old, new)
    assert any(problem in p for p in validate(load(seeds_copy)))
    result = build_from(seeds_copy, tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: seeds have")
    assert not (tmp_path / "out.db").exists()


def test_validator_catches_claim_without_evidence(seeds_copy: Path) -> None:
    path = seeds_copy / "nodes" / "4.3.toml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(
        r'(id = "4.3-claim-1".*?)supports = \[[^\]]*\]',
        r"\1supports = []",
        text,
        count=1,
        flags=re.S,
    )
    path.write_text(text, encoding="utf-8")
    assert any("4.3-claim-1 names no supporting" in p for p in validate(load(seeds_copy)))


def test_every_key_follows_the_house_style() -> None:
    """Keys were made from the survey's rendering of each title and stay as they are when
    the title is corrected (`yan2025reflectrl` for the survey's "Reflectrl")."""
    seeds = load(SEEDS)
    for key, paper in seeds.papers.items():
        assert KEY_RE.match(key)
        title = paper["survey_title"] or paper["title"]
        base = base_key(paper["authors"], paper["year"], title)
        assert key == base or (key.startswith(base) and key[len(base) :].isalpha())


def test_deepseek_r1_is_one_paper() -> None:
    db = sqlite3.connect(BUNDLED_DB)
    assert db.execute("SELECT count(*) FROM paper WHERE arxiv_id = '2501.12948'").fetchone()[0] == 1


def test_every_paper_has_a_claim_and_every_cited_paper_a_node() -> None:
    db = sqlite3.connect(BUNDLED_DB)
    lonely = db.execute(
        """SELECT key FROM paper WHERE id NOT IN (SELECT paper_id FROM finding_paper)
           OR (id NOT IN (SELECT paper_id FROM paper_node) AND survey_role = 'reference')"""
    ).fetchall()
    assert lonely == []
    filed = db.execute(
        """SELECT key FROM paper WHERE survey_role = 'survey'
           AND id IN (SELECT paper_id FROM paper_node)"""
    ).fetchall()
    assert filed == []


def test_section_4_3_holds_the_22_papers_the_survey_cites() -> None:
    db = sqlite3.connect(BUNDLED_DB)
    keys = {
        r[0]
        for r in db.execute(
            """SELECT DISTINCT p.key FROM paper p JOIN paper_node pn ON pn.paper_id = p.id
               JOIN taxonomy_node n ON n.id = pn.node_id WHERE n.code LIKE '4.3%'"""
        )
    }
    assert len(keys) == 22
    assert {"chen2024think", "sui2025stop", "zhang2025reasoning", "cuestaramirez2025large"} <= keys


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@pytest.mark.skipif(not SURVEY.exists(), reason=NO_SURVEY)
def test_seeds_are_in_our_own_words() -> None:
    survey = _words(SURVEY.read_text(encoding="utf-8"))
    n = 12
    grams = {tuple(survey[i : i + n]) for i in range(len(survey) - n + 1)}
    copied = []
    # papers.bib holds only bibliographic facts (names, venues, URLs), which carry over
    # exactly by design; all prose lives in the TOML files.
    for path in sorted(SEEDS.rglob("*.toml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        words = _words("\n".join(line for line in lines if not re.match(r"\s*title\s*=", line)))
        copied += [
            f"{path.name}: {' '.join(words[i : i + n])}"
            for i in range(len(words) - n + 1)
            if tuple(words[i : i + n]) in grams
        ]
    assert copied == []
