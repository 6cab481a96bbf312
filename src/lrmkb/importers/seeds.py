"""Build the survey database from `seeds/` (BibTeX + TOML), and validate the seeds.

The build is deterministic: same seeds, same `sqlite3 .dump`."""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInput
from ..records import JSON_LIST_FIELDS, Paper
from ..watch import check_seed_queries, seed_queries
from .bibtex import paper_fields

if TYPE_CHECKING:
    import sqlite3

    from ..store import Database

SEED_TIMESTAMP = "2026-01-28T00:00:00Z"  # the survey's arXiv date: seeds carry no clock
NODE_KINDS = {"dimension", "appendix", "section", "question"}
FINDING_KINDS = {"takeaway", "claim"}
FINDING_SOURCES = {"survey", "paper"}  # paper: states what only the cited paper says
SURVEY_ROLES = {"survey", "reference"}
STANCES = ("supports", "contradicts", "mentions")


@dataclass
class Seeds:
    papers: dict[str, Paper] = field(default_factory=dict)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    aliases: list[dict[str, str]] = field(default_factory=list)  # {alias, key, reason}
    problems: list[str] = field(default_factory=list)
    watch: dict[str, str] = field(default_factory=dict)  # node code → arXiv query (watch.toml)


def load(root: Path) -> Seeds:
    """Read `papers.bib` and `nodes/*.toml`; syntax problems are collected, not raised."""
    import bibtexparser

    if not (root / "papers.bib").is_file():
        raise BadInput(f"no seeds at {root}", "pass the seeds/ folder of an lrmkb checkout")
    seeds = Seeds()
    library = bibtexparser.parse_string((root / "papers.bib").read_text(encoding="utf-8"))
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        seeds.problems.append(f"papers.bib:{line}: unusable entry ({block.error})")
    for entry in library.entries:
        if entry.key in seeds.papers:
            seeds.problems.append(f"papers.bib: duplicate key {entry.key}")
        fields = {name.lower(): f.value for name, f in entry.fields_dict.items()}
        paper = paper_fields(fields, entry.entry_type)
        try:
            paper.update(survey_fields(fields))
        except ValueError as exc:
            seeds.problems.append(f"papers.bib: {entry.key}: {exc}")
        seeds.papers[entry.key] = paper
        reason = " ".join(fields.get("idsreason", "").split()) or "alias"
        for alias in filter(None, (a.strip() for a in fields.get("ids", "").split(","))):
            seeds.aliases.append({"alias": alias, "key": entry.key, "reason": reason})
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
    seeds.watch, problems = seed_queries(root)
    seeds.problems += problems
    return seeds


def survey_fields(fields: dict[str, str]) -> Paper:
    """The seeds' own BibTeX fields, which say where a paper sits in the survey: its title
    as the reference list renders it (`surveytitle`), its entry number and PDF page
    (`surveyref`, `surveypage`), `surveyrole = {survey}` for the survey itself, and the
    short names other sources use (`othershortnames`, `;`-separated).

    Raises ValueError for an entry number or page that is not a positive integer."""
    ref, page = _positive(fields.get("surveyref")), _positive(fields.get("surveypage"))
    role = fields.get("surveyrole") or ("reference" if ref else None)
    others = [n.strip() for n in fields.get("othershortnames", "").split(";") if n.strip()]
    return {
        "survey_title": " ".join(fields["surveytitle"].split())
        if fields.get("surveytitle")
        else None,
        "survey_role": role,
        "survey_ref": ref,
        "survey_page": page,
        "other_short_names": others,
    }


def _positive(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError(f"{value!r} is not a positive whole number")
    return int(value)


def validate(seeds: Seeds) -> list[str]:
    """Every problem that would make the knowledge base wrong or incomplete (the rules
    are listed in seeds/README.md)."""
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
        if not isinstance(node.get("page"), int) or node["page"] < 1:
            problems.append(f"{where}: node {code} has no survey page (`page = N`)")
        for key in node.get("papers", []):
            if key not in seeds.papers:
                problems.append(f"{where}: node {code} cites unknown paper {key}")
    for node in seeds.nodes:
        if node.get("parent") and node["parent"] not in codes:
            problems.append(f"nodes/{node['file']}: node {node['code']} has unknown parent")
    problems += _finding_problems(seeds, codes)
    problems += _membership_problems(seeds, codes)
    problems += paper_problems(seeds)
    problems += label_problems(seeds)
    return problems


def _finding_problems(seeds: Seeds, codes: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    slugs: set[str] = set()
    positions: dict[tuple[str, int], str] = {}
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
        position = finding.get("position")
        if not isinstance(position, int) or position < 1:
            problems.append(
                f"{where}: finding {slug} has no survey position (`position = N`, its place "
                "in the survey's reading order within this file)"
            )
        elif (finding["file"], position) in positions:
            problems.append(
                f"{where}: findings {positions[finding['file'], position]} and {slug} share "
                f"position {position}"
            )
        else:
            positions[finding["file"], position] = slug
        if not isinstance(finding.get("page"), int) or finding["page"] < 1:
            problems.append(f"{where}: finding {slug} has no survey page (`page = N`)")
        if finding.get("source", "survey") not in FINDING_SOURCES:
            problems.append(f"{where}: finding {slug} has unknown source {finding['source']!r}")
        keys = [k for stance in STANCES for k in finding.get(stance, [])]
        if not keys:
            problems.append(f"{where}: finding {slug} names no supporting or contradicting paper")
        if finding.get("debate") and not (finding.get("supports") and finding.get("contradicts")):
            problems.append(f"{where}: debate {slug} needs papers on both sides")
        if finding.get("contradicts") and not finding.get("debate"):
            problems.append(
                f"{where}: finding {slug} has contradicting papers but no `debate` question"
            )
        for key in keys:
            if key not in seeds.papers:
                problems.append(f"{where}: finding {slug} cites unknown paper {key}")
    return problems


def _membership_problems(seeds: Seeds, codes: dict[str, dict[str, Any]]) -> list[str]:
    """Every section has papers; every paper of the survey's reference list is filed in a
    node (the survey itself is not: it is not a paper it cites)."""
    problems = []
    members = _subtree_members(seeds.nodes)
    for code, node in codes.items():
        kind = node.get("kind")
        if kind in {"section", "question"} and not members.get(code) and not node.get("uncited"):
            problems.append(f"nodes/{node['file']}: section {code} has no papers")
    problems += check_seed_queries(seeds.watch, seeds.nodes)
    in_nodes = set().union(*members.values()) if members else set()
    selves = {k for k, p in seeds.papers.items() if p.get("survey_role") == "survey"}
    for key in sorted(set(seeds.papers) - in_nodes - selves):
        problems.append(f"papers.bib: {key} is in no node")
    for key in sorted(selves & in_nodes):
        problems.append(f"{key} is the survey itself, not a paper it cites: file it in no node")
    cited = {k for f in seeds.findings for stance in STANCES for k in f.get(stance, [])}
    for key in sorted(cited & set(seeds.papers) - in_nodes - selves):
        problems.append(f"a finding cites {key}, which is in no node")
    return problems


def paper_problems(seeds: Seeds) -> list[str]:
    """Each paper says where it comes from in the survey (the survey itself, or an entry
    of its reference list with its rendering, number and page), entry numbers are unique,
    aliases name known papers and no title lowercases an acronym."""
    problems = []
    refs: dict[int | None, str] = {}
    selves = [k for k, p in seeds.papers.items() if p.get("survey_role") == "survey"]
    if len(selves) != 1:
        problems.append(f"papers.bib: {len(selves)} entries have surveyrole = {{survey}}, not 1")
    for key, paper in sorted(seeds.papers.items()):
        role = paper.get("survey_role")
        if role not in SURVEY_ROLES:
            problems.append(f"papers.bib: {key} has no place in the survey (add `surveyref`)")
        if role == "reference":
            missing = [
                f
                for f, c in (("surveytitle", "survey_title"), ("surveypage", "survey_page"))
                if not paper.get(c)
            ]
            if missing:
                problems.append(f"papers.bib: {key} lacks {' and '.join(missing)}")
            if paper["survey_ref"] in refs:
                problems.append(
                    f"papers.bib: {refs[paper['survey_ref']]} and {key} are both entry "
                    f"{paper['survey_ref']} of the survey's references"
                )
            refs[paper["survey_ref"]] = key
        if bad := lowercased_acronyms(paper["title"]):
            problems.append(
                f"papers.bib: the title of {key} lowercases {', '.join(bad)} — write the "
                "title as its authors do (the arXiv listing or the awesome list)"
            )
    for alias in seeds.aliases:
        if alias["key"] not in seeds.papers or alias["alias"] in seeds.papers:
            problems.append(f"papers.bib: alias {alias['alias']} of {alias['key']} is unusable")
    return problems


# Acronyms of the field that a title never writes in lower case (`llms`, `rl`, `deepseek`);
# the survey's reference list lowercases them all (natbib's sentence case).
ACRONYMS = (
    *("AI", "CoT", "DAPO", "DeepSeek", "DPO", "GRPO", "LLM", "LLMs", "LRM", "LRMs", "MLLM"),
    *("OOD", "PPO", "R1", "RL", "RLVR", "SAE", "SAEs", "SFT"),
)
_CANONICAL = {a.lower(): a for a in ACRONYMS}
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def lowercased_acronyms(title: str) -> list[str]:
    """Words of `title` that are a known acronym written with fewer capitals than it has:
    `rl`, `Sft`, `llms`, `Deepseek` (natbib's sentence case, as in the survey's reference
    list). Returned as written, sorted, once each."""
    found = set()
    for word in _WORD_RE.findall(title):
        canonical = _CANONICAL.get(word.lower())
        if canonical and _capitals(word) < _capitals(canonical):
            found.add(word)
    return sorted(found)


def _capitals(word: str) -> int:
    return sum(map(str.isupper, word))


# `Ward et al. (2025b)`, `(Li and Ng, 2025)`, `Sinii et al. (2025b, 2025a)`: a label in a text.
_NAME = r"[A-Z][\w’'-]*(?: [A-Z][\w’'-]+)?"
_MENTION_RE = re.compile(
    rf"(?P<who>{_NAME}(?: et al\.| and {_NAME})?)(?:, | \()(?P<years>\d{{4}}[a-z]?(?:, ?\d{{4}}[a-z]?)*)"
)


def mentioned_labels(text: str) -> list[str]:
    """Every author–year label a text writes out (`Ward et al., 2025b`), in order."""
    return [
        f"{m['who']}, {year.strip()}"
        for m in _MENTION_RE.finditer(text)
        for year in m["years"].split(",")
    ]


def label_problems(seeds: Seeds) -> list[str]:
    """A finding that writes `Ward et al. (2025a)` must cite the paper lrmkb labels so —
    the labels of every command and export, lettered the survey's way."""
    from ..citation import author_year_labels  # the one label implementation

    labels = author_year_labels(
        [{**p, "key": k} for k, p in seeds.papers.items() if p.get("authors") is not None]
    )
    problems = []
    for finding in seeds.findings:
        cited = {labels[k] for s in STANCES for k in finding.get(s, []) if k in labels}
        for label in mentioned_labels(finding.get("text", "")):
            if label not in cited:
                problems.append(
                    f"nodes/{finding['file']}: finding {finding.get('id', '?')} writes "
                    f"“{label}”, but none of its papers has that label (they are: "
                    f"{'; '.join(sorted(cited))})"
                )
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
    from ..store import Database, committing, replace_content

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
        from ..survey_update import record_release

        record_release(db, SEED_TIMESTAMP)
        db.execute("VACUUM")
    try:  # a database in use (WAL mode, as users' are) is written through SQLite, under
        # its write lock; a build artifact (data/survey.db) is replaced as a file, so that
        # its bytes stay what the seeds build
        if not (_in_wal_mode(output) and replace_content(tmp, output)):
            with committing():
                os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    return {"papers": len(seeds.papers), "nodes": len(seeds.nodes), "findings": len(seeds.findings)}


def _in_wal_mode(path: Path) -> bool:
    """Does the SQLite file at `path` say it is in WAL mode (header bytes 18-19)?"""
    from ..files import open_regular  # never blocks on a FIFO

    try:
        with os.fdopen(open_regular(path), "rb") as fh:
            return fh.read(20)[18:20] == b"\x02\x02"
    except (OSError, BadInput):
        return False


def _insert(db: Database, seeds: Seeds) -> None:
    """Insert in a fixed order (keys, reading order) so ids and the dump are stable."""
    from ..dedupe import index_columns
    from ..search import refresh_index

    with db.transaction():
        paper_ids: dict[str, int] = {}
        for key in sorted(seeds.papers):
            paper: dict[str, Any] = {**seeds.papers[key], "key": key, "source": "survey"}
            paper |= index_columns(paper)  # dedupe's columns, from the names and title
            for name in JSON_LIST_FIELDS:  # authors always a list, the others NULL when empty
                if name in paper and (paper[name] or name == "authors"):
                    paper[name] = json.dumps(paper[name], ensure_ascii=False)
                elif name in paper:
                    paper[name] = None
            paper["created"] = paper["updated"] = SEED_TIMESTAMP
            names = list(paper)
            cur = db.execute(
                f"INSERT INTO paper ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [paper[n] for n in names],
            )
            paper_ids[key] = _row_id(cur)
        for alias in sorted(seeds.aliases, key=lambda a: a["alias"]):
            db.execute(
                "INSERT INTO paper_alias (alias, paper_id, reason) VALUES (?, ?, ?)",
                (alias["alias"], paper_ids[alias["key"]], alias["reason"]),
            )
        node_ids: dict[str, int] = {}
        for node in _reading_order(seeds.nodes):
            cur = db.execute(
                "INSERT INTO taxonomy_node (code, title, parent_id, kind, position, summary,"
                " uncited, survey_heading, figure_heading, survey_page)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    node["code"],
                    node["title"],
                    node_ids.get(node.get("parent", "")),
                    node["kind"],
                    node.get("order", 0),
                    " ".join(node.get("summary", "").split()),
                    bool(node.get("uncited")),
                    node.get("heading"),
                    node.get("figure"),
                    node.get("page"),
                ),
            )
            node_ids[node["code"]] = _row_id(cur)
            for key in sorted(set(node.get("papers", []))):
                db.execute(
                    "INSERT INTO paper_node (paper_id, node_id) VALUES (?, ?)",
                    (paper_ids[key], node_ids[node["code"]]),
                )
        for code in sorted(seeds.watch, key=_code_key):
            db.execute(
                "INSERT INTO watch_query (node_id, query, origin) VALUES (?, ?, 'seeds')",
                (node_ids[code], seeds.watch[code]),
            )
        for order, finding in enumerate(survey_order(seeds), start=1):
            cur = db.execute(
                "INSERT INTO finding (slug, text, node_id, kind, survey_order, survey_page,"
                " source, debate) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    finding["id"],
                    " ".join(finding["text"].split()),
                    node_ids[finding["node"]],
                    finding["kind"],
                    order,
                    finding["page"],
                    finding.get("source", "survey"),
                    " ".join(finding["debate"].split()) if finding.get("debate") else None,
                ),
            )
            finding_id = _row_id(cur)
            seen: set[str] = set()
            for stance in STANCES:
                for key in finding.get(stance, []):
                    if key not in seen:
                        seen.add(key)
                        db.execute(
                            "INSERT INTO finding_paper (finding_id, paper_id, stance) VALUES (?, ?, ?)",
                            (finding_id, paper_ids[key], stance),
                        )
        refresh_index(db)


def survey_order(seeds: Seeds) -> list[dict[str, Any]]:
    """Findings in the survey's reading order: files in the order of the node they hold
    (`2.1` before `2.2`, `4.4` before `B`), then each finding's `position` in its file."""
    file_order = {
        n["file"]: _code_key(n["code"]) for n in seeds.nodes if n.get("kind") != "question"
    }
    return sorted(seeds.findings, key=lambda f: (file_order[f["file"]], f["position"]))


def _row_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just made."""
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _code_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort `2.10` after `2.9` and appendix letters after numbers."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in code.split("."))


def _reading_order(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(nodes, key=lambda n: _code_key(n["code"]))
