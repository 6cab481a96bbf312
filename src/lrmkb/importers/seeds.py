"""Build the survey database from `seeds/` (BibTeX + TOML), and validate the seeds.

The build is deterministic: same seeds, same `sqlite3 .dump`."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInput
from .bibtex import paper_fields

if TYPE_CHECKING:
    from ..store import Database

SEED_TIMESTAMP = "2026-01-28T00:00:00Z"  # the survey's arXiv date: seeds carry no clock
NODE_KINDS = {"dimension", "appendix", "section", "question"}
FINDING_KINDS = {"takeaway", "claim"}
STANCES = ("supports", "contradicts", "mentions")


@dataclass
class Seeds:
    papers: dict[str, dict[str, Any]] = field(default_factory=dict)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def load(root: Path) -> Seeds:
    """Read `papers.bib` and `nodes/*.toml`; syntax problems are collected, not raised."""
    import bibtexparser

    if not (root / "papers.bib").is_file():
        raise BadInput(f"no seeds at {root}", "pass the seeds/ folder of an lrmkb checkout")
    seeds = Seeds()
    library = bibtexparser.parse_string((root / "papers.bib").read_text(encoding="utf-8"))
    for block in library.failed_blocks:
        seeds.problems.append(f"papers.bib:{block.start_line + 1}: unusable entry ({block.error})")
    for entry in library.entries:
        if entry.key in seeds.papers:
            seeds.problems.append(f"papers.bib: duplicate key {entry.key}")
        fields = {name: f.value for name, f in entry.fields_dict.items()}
        seeds.papers[entry.key] = paper_fields(fields, entry.entry_type)
    for path in sorted((root / "nodes").glob("*.toml")):
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            seeds.problems.append(f"nodes/{path.name}: {exc}")
            continue
        node = dict(doc.get("node", {}), file=path.name)
        seeds.nodes.append(node)
        for question in doc.get("question", []):
            seeds.nodes.append(
                dict(question, kind="question", parent=node.get("code"), file=path.name)
            )
        seeds.findings += [dict(f, file=path.name) for f in doc.get("finding", [])]
    return seeds


def validate(seeds: Seeds) -> list[str]:
    """Every problem that would make the knowledge base wrong or incomplete."""
    problems = list(seeds.problems)
    codes: dict[str, dict[str, Any]] = {}
    for node in seeds.nodes:
        where = f"nodes/{node['file']}"
        code = node.get("code")
        if not code or not node.get("title"):
            problems.append(f"{where}: a node without code or title")
            continue
        if code in codes:
            problems.append(f"{where}: duplicate node code {code}")
        codes[code] = node
        if node.get("kind") not in NODE_KINDS:
            problems.append(f"{where}: node {code} has unknown kind {node.get('kind')!r}")
        for key in node.get("papers", []):
            if key not in seeds.papers:
                problems.append(f"{where}: node {code} cites unknown paper {key}")
    for node in seeds.nodes:
        if node.get("parent") and node["parent"] not in codes:
            problems.append(f"nodes/{node['file']}: node {node['code']} has unknown parent")
    slugs: set[str] = set()
    cited_in_findings: set[str] = set()
    for finding in seeds.findings:
        where = f"nodes/{finding['file']}"
        slug = finding.get("id", "?")
        if slug in slugs:
            problems.append(f"{where}: duplicate finding id {slug}")
        slugs.add(slug)
        if finding.get("node") not in codes:
            problems.append(f"{where}: finding {slug} is attached to unknown node")
        if finding.get("kind") not in FINDING_KINDS:
            problems.append(f"{where}: finding {slug} has unknown kind {finding.get('kind')!r}")
        keys = [k for stance in STANCES for k in finding.get(stance, [])]
        if not keys:
            problems.append(f"{where}: finding {slug} names no supporting or contradicting paper")
        for key in keys:
            if key not in seeds.papers:
                problems.append(f"{where}: finding {slug} cites unknown paper {key}")
        cited_in_findings.update(keys)
    members = _subtree_members(seeds.nodes)
    for code, node in codes.items():
        kind = node.get("kind")
        if kind in {"section", "question"} and not members.get(code) and not node.get("uncited"):
            problems.append(f"nodes/{node['file']}: section {code} has no papers")
    in_nodes = set().union(*members.values()) if members else set()
    for key in sorted(set(seeds.papers) - in_nodes):
        problems.append(f"papers.bib: {key} is in no node")
    for key in sorted(cited_in_findings - in_nodes):
        problems.append(f"a finding cites {key}, which is in no node")
    return problems


def _subtree_members(nodes: list[dict[str, Any]]) -> dict[str, set[str]]:
    members = {n["code"]: set(n.get("papers", [])) for n in nodes if n.get("code")}
    for node in sorted(nodes, key=lambda n: -str(n.get("code", "")).count(".")):
        parent = node.get("parent")
        if parent in members and node.get("code") in members:
            members[parent] |= members[node["code"]]
    return members


def build(root: Path, output: Path) -> dict[str, int]:
    """Write a fresh database at `output` from the seeds in `root`, atomically."""
    from ..store import Database

    seeds = load(root)
    problems = validate(seeds)
    if problems:
        raise BadInput(
            f"seeds have {len(problems)} problem(s), first: {problems[0]}",
            "run `lrmkb db check --seeds` to list them",
        )
    tmp = output.with_name(output.name + ".building")
    tmp.unlink(missing_ok=True)
    with Database.open(tmp, create=True) as db:
        _insert(db, seeds)
        db.execute("VACUUM")
    os.replace(tmp, output)
    return {"papers": len(seeds.papers), "nodes": len(seeds.nodes), "findings": len(seeds.findings)}


def _insert(db: Database, seeds: Seeds) -> None:
    """Insert in a fixed order (keys, reading order) so ids and the dump are stable."""
    from ..search import refresh_index

    with db.transaction():
        paper_ids: dict[str, int] = {}
        for key in sorted(seeds.papers):
            paper = dict(seeds.papers[key], key=key, source="survey")
            paper["authors"] = json.dumps(paper["authors"], ensure_ascii=False)
            paper["created"] = paper["updated"] = SEED_TIMESTAMP
            names = list(paper)
            cur = db.execute(
                f"INSERT INTO paper ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [paper[n] for n in names],
            )
            paper_ids[key] = cur.lastrowid
        node_ids: dict[str, int] = {}
        for node in _reading_order(seeds.nodes):
            cur = db.execute(
                "INSERT INTO taxonomy_node"
                " (code, title, parent_id, kind, position, summary, uncited)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    node["code"],
                    node["title"],
                    node_ids.get(node.get("parent", "")),
                    node["kind"],
                    node.get("order", 0),
                    " ".join(node.get("summary", "").split()),
                    bool(node.get("uncited")),
                ),
            )
            node_ids[node["code"]] = cur.lastrowid
            for key in sorted(set(node.get("papers", []))):
                db.execute(
                    "INSERT INTO paper_node (paper_id, node_id) VALUES (?, ?)",
                    (paper_ids[key], cur.lastrowid),
                )
        for finding in sorted(seeds.findings, key=lambda f: (_code_key(f["node"]), f["id"])):
            cur = db.execute(
                "INSERT INTO finding (slug, text, node_id, kind) VALUES (?, ?, ?, ?)",
                (
                    finding["id"],
                    " ".join(finding["text"].split()),
                    node_ids[finding["node"]],
                    finding["kind"],
                ),
            )
            seen: set[str] = set()
            for stance in STANCES:
                for key in finding.get(stance, []):
                    if key not in seen:
                        seen.add(key)
                        db.execute(
                            "INSERT INTO finding_paper (finding_id, paper_id, stance) VALUES (?, ?, ?)",
                            (cur.lastrowid, paper_ids[key], stance),
                        )
        refresh_index(db)


def _code_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort `2.10` after `2.9` and appendix letters after numbers."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in code.split("."))


def _reading_order(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(nodes, key=lambda n: _code_key(n["code"]))
