"""`lrmkb db check`: is the database sound, is the search index in step with the tables,
do the rows keep lrmkb's invariants; and for `lrmkb dev check` (maintainers), are the seeds
valid and is the bundled database built from them.

Each check returns plain problem strings; none of them writes to the database."""

from __future__ import annotations

import functools
import json
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .files import read_regular
from .ids import parse_arxiv_id
from .migrations import schema_differences
from .store import Database, bundled_db_path

Check = Callable[[sqlite3.Connection, "Sample | None"], list[str]]
DATABASE_CHECKS = ("integrity", "schema", "foreign keys", "search index", "records")
WHOLE_UP_TO = 2000
"""Papers up to which `db check` reads every row. Above, it reads a `Sample` unless asked
for `full`: reading everything took 12 s of CPU at 100,000 papers."""
SAMPLE_SIZE = 200
SMALL_TABLE = 5000
"""Rows up to which a table is checked whole even in a sample."""


class Sample(NamedTuple):
    """What a sampled check reads: the papers (`ids`: the newest and as many drawn at
    random), the drawn ids that belong to no paper (`absent`: nothing may refer to them),
    the tables small enough to check whole (`small`), and the big tables whose rows are
    found by paper through an index (`by_paper`). The full-text index's own tables are in
    neither: `index_problems` compares the sampled papers' rows."""

    ids: list[int]
    absent: list[int]
    small: list[str]
    by_paper: list[str]

    def json(self, ids: Iterable[int] | None = None) -> str:
        """The ids as a JSON list, for `IN (SELECT value FROM json_each(?))`."""
        return json.dumps(list(self.ids if ids is None else ids))


def draw_sample(db: sqlite3.Connection, size: int = SAMPLE_SIZE) -> Sample | None:
    """The papers to check, or None when there are few enough to check them all."""
    drawn = sample_ids(db, size)
    if drawn is None:
        return None
    tables = _tables(db, with_fts=False)
    small = [t for t in tables if _is_small(db, t)]
    by_paper = [t for t in tables if t not in small and _indexed_by_paper(db, t)]
    return Sample(*drawn, small, by_paper)


def sample_ids(
    db: sqlite3.Connection, size: int = SAMPLE_SIZE
) -> tuple[list[int], list[int]] | None:
    """The ids of the papers a sampled check reads — the `size` newest and as many drawn at
    random — and the drawn ids no paper has; None when the library has at most
    `WHOLE_UP_TO` papers, to be read whole. New papers are where new damage (and new
    duplicates) are likeliest; the random ones change from run to run. (`db check` and
    `doctor` sample alike.)"""
    if db.execute("SELECT 1 FROM paper LIMIT 1 OFFSET ?", (WHOLE_UP_TO,)).fetchone() is None:
        return None
    import random

    newest = [r[0] for r in db.execute("SELECT id FROM paper ORDER BY id DESC LIMIT ?", (size,))]
    drawn = random.sample(range(1, newest[0] + 1), min(size, newest[0]))
    found = {
        r[0]
        for r in db.execute(
            "SELECT id FROM paper WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(drawn),),
        )
    }
    return sorted(set(newest) | found), sorted(set(drawn) - found)


def check_database(
    db: Database,
    seeds: Path | None = None,
    survey: Path | None = None,
    awesome: Path | None = None,
    *,
    full: bool = False,
) -> dict[str, Any]:
    """Run every check; `problems` holds `{"check", "problem"}` items, empty when all is well.
    A big library is checked on a `Sample` of its papers (`sampled`: how many) unless
    `full`. Given `seeds`, they are validated too (against the survey's text, given
    `survey`), and the bundled `data/survey.db` must be exactly what they build."""
    path = db.path
    checks: dict[str, Check] = {
        "integrity": integrity_problems,
        "schema": schema_problems,
        "foreign keys": foreign_key_problems,
        "search index": index_problems,
        "records": record_problems,
    }
    report: dict[str, Any] = {"path": str(path), "checked": [], "problems": []}

    def run(name: str, check: Callable[[], list[str]]) -> None:
        report["checked"].append(name)
        try:
            found = check()
        except (sqlite3.DatabaseError, ValueError) as exc:  # damage fails the check, not `db check`
            found = [f"could not be checked ({type(exc).__name__}: {exc})"]
        report["problems"] += [{"check": name, "problem": p} for p in found]

    # One read transaction: every check sees the same snapshot, whatever writers commit
    # meanwhile (a table and its index read at two moments would look out of step).
    db.execute("BEGIN")
    try:
        db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # the snapshot starts
        sample = None if full else draw_sample(db)
        if sample is not None:
            report["sampled"] = len(sample.ids)
        for name, check in checks.items():
            run(name, functools.partial(check, db, sample))
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")  # the snapshot ends: the checks only read
    if seeds is not None:
        report["seeds"] = str(seeds)
        run("seeds", lambda: seed_problems(seeds, survey, awesome))
        if _is_bundled(path) and not report["problems"]:
            run("build", lambda: build_problems(path, seeds))
    return report


def exit_code(report: dict[str, Any]) -> int:
    """4 when the database itself has a problem, 1 when only the seeds do, 0 when none."""
    checks = {p["check"] for p in report["problems"]}
    if checks & set(DATABASE_CHECKS):
        return 4
    return 1 if checks else 0


def integrity_problems(db: sqlite3.Connection, sample: Sample | None = None) -> list[str]:
    """SQLite's integrity check of the whole file; with a `sample`, of every small table,
    and the sampled papers read through their table, its key index and the big tables
    that hold rows by paper (damage elsewhere in a big table is left to `--full`)."""
    if sample is None:
        return [r[0] for r in db.execute("PRAGMA integrity_check") if r[0] != "ok"]
    problems = [
        r[0]
        for table in sample.small
        for r in db.execute(f'PRAGMA integrity_check("{table}")')
        if r[0] != "ok"
    ]
    for paper_id, key in db.execute(
        "SELECT id, key FROM paper WHERE id IN (SELECT value FROM json_each(?))", (sample.json(),)
    ):
        found = db.execute("SELECT id FROM paper WHERE key = ?", (key,)).fetchone()
        if found is None or found[0] != paper_id:
            problems.append(f"paper {key}: the key index does not lead to it")
    for table in sample.by_paper:
        db.execute(
            f'SELECT * FROM "{table}" WHERE paper_id IN (SELECT value FROM json_each(?))',
            (sample.json(),),
        ).fetchall()
    return problems


def schema_problems(db: sqlite3.Connection, sample: Sample | None = None) -> list[str]:
    """Tables, columns, indexes and triggers as lrmkb's migrations make them (read whole:
    the schema is small at any size, so a `sample` changes nothing)."""
    return [
        f"{p} — the schema was changed outside lrmkb; restore the file from a backup"
        for p in schema_differences(db)
    ]


def foreign_key_problems(db: sqlite3.Connection, sample: Sample | None = None) -> list[str]:
    """Rows that point to a missing row; with a `sample`, in every small table, and in the
    big ones among the rows of the sampled papers (and of drawn ids no paper has)."""
    if sample is None:
        found = list(db.execute("PRAGMA foreign_key_check"))
    else:
        found = [
            r for table in sample.small for r in db.execute(f'PRAGMA foreign_key_check("{table}")')
        ]
        for table in sample.by_paper:
            in_sample = f'FROM "{table}" t WHERE t.paper_id IN (SELECT value FROM json_each(?))'
            orphans = db.execute(f"SELECT t.rowid {in_sample}", (sample.json(sample.absent),))
            found += [(table, r[0], "paper") for r in orphans]
            for fk in db.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
                parent, column, target = fk["table"], fk["from"], fk["to"] or "rowid"
                missing = db.execute(
                    f'SELECT t.rowid {in_sample} AND t."{column}" IS NOT NULL AND NOT EXISTS'
                    f' (SELECT 1 FROM "{parent}" p WHERE p."{target}" = t."{column}")',
                    (sample.json(),),
                )
                found += [(table, r[0], parent) for r in missing]
    return [f"{r[0]} row {r[1]} points to a missing {r[2]}" for r in found]


def _tables(db: sqlite3.Connection, *, with_fts: bool = True) -> list[str]:
    """The tables that hold rows — not virtual tables, whose rows are in their shadow
    tables (`search_index_data`…), and without those too unless `with_fts`."""
    rows = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    return [
        name
        for name, _ in rows
        if name not in virtual and (with_fts or not any(name.startswith(f"{v}_") for v in virtual))
    ]


def _is_small(db: sqlite3.Connection, table: str) -> bool:
    """At most SMALL_TABLE rows (counting stops there)."""
    sql = f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT ?)'
    return bool(db.execute(sql, (SMALL_TABLE + 1,)).fetchone()[0] <= SMALL_TABLE)


def _indexed_by_paper(db: sqlite3.Connection, table: str) -> bool:
    """Has a `paper_id` that an index leads with: rows are found by paper without a scan."""
    for index in db.execute(f'PRAGMA index_list("{table}")').fetchall():
        first = db.execute(f'PRAGMA index_info("{index["name"]}")').fetchone()
        if first is not None and first["name"] == "paper_id":
            return True
    return False


def index_problems(db: sqlite3.Connection, sample: Sample | None = None) -> list[str]:
    """What a search would miss or wrongly find: FTS5's own check of each full-text index,
    then the stored text, row by row, against what `refresh_index` would write now. With a
    `sample`: the stored text of the sampled papers, every finding and node, and no row
    for the drawn ids that no paper has (FTS5's check reads the whole index: `--full`)."""
    from .search import COLUMNS, OFFSETS, expected_index

    columns = f"rowid, kind, ref, {', '.join(COLUMNS)}"
    if sample is None:
        if damaged := _fts_damage(db):
            return damaged
        stored = _by_ref(db.execute(f"SELECT {columns} FROM search_index"))
        fresh = _by_ref(expected_index(db))
    else:
        fresh = _by_ref(expected_index(db, sample.ids))
        rowids = [OFFSETS["paper"] + i for i in sample.ids + sample.absent]
        rowids += [r[0] for r in db.execute("SELECT rowid FROM search_index WHERE rowid < 0")]
        stored = _by_ref(
            db.execute(
                f"SELECT {columns} FROM search_index"
                " WHERE rowid IN (SELECT value FROM json_each(?))",
                (json.dumps(rowids),),
            )
        )
    problems = []
    for kind in sorted({k for k, _ in stored.keys() | fresh.keys()}):
        refs = {r for k, r in stored.keys() | fresh.keys() if k == kind}
        groups = {
            "{n} {kind}(s) missing": [r for r in refs if (kind, r) not in stored],
            "{n} {kind}(s) that no longer exist": [r for r in refs if (kind, r) not in fresh],
            "{n} {kind}(s) indexed twice": [r for r in refs if len(stored.get((kind, r), [])) > 1],
            "{n} {kind}(s) indexed with outdated text": [
                r
                for r in refs
                if len(stored.get((kind, r), [])) == 1
                and (kind, r) in fresh
                and stored[kind, r] != fresh[kind, r]
            ],
        }
        problems += [
            f"{what.format(n=len(items), kind=kind)}, e.g. {min(items)} — rebuild the index "
            "with `lrmkb db check --reindex`"
            for what, items in groups.items()
            if items
        ]
    return problems


def _fts_damage(db: sqlite3.Connection) -> list[str]:
    """FTS5's 'integrity-check' reads but is spelt as an INSERT, so a read-only file is
    checked on an in-memory copy."""
    tables = list(_fts_tables(db))
    try:
        return _fts_integrity(db, tables)
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc):
            raise
    copy = sqlite3.connect(":memory:")
    try:
        db.backup(copy)
        return _fts_integrity(copy, tables)
    finally:
        copy.close()


def _fts_tables(db: sqlite3.Connection) -> dict[str, str]:
    """The FTS5 tables (not their fts5vocab views) and the SQL that creates each."""
    return {
        name: sql
        for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        if re.search(r"\bUSING\s+fts5\s*\(", sql or "", re.I)
    }


def _fts_integrity(db: sqlite3.Connection, tables: list[str]) -> list[str]:
    problems = []
    for table in tables:
        try:
            db.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
                raise
            problems.append(
                f"the full-text index {table} is damaged ({exc}) — rebuild it with "
                "`lrmkb db check --reindex`"
            )
    return problems


def _by_ref(rows: Iterable[Sequence[Any]]) -> dict[tuple[str, str], list[tuple[Any, ...]]]:
    """Index rows (rowid, kind, ref, text…) grouped by what they describe."""
    grouped: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for row in rows:
        grouped.setdefault((row[1], row[2]), []).append(tuple(row))
    return grouped


def record_problems(db: sqlite3.Connection, sample: Sample | None = None) -> list[str]:
    """Rows every command can read: JSON lists where lists are stored, arXiv ids in the
    canonical form lookups rely on. (Whether the content is good is `lrmkb doctor`'s job.)"""
    sql = "SELECT key, authors, categories, arxiv_id FROM paper"
    params: tuple[str, ...] = ()
    if sample is not None:
        sql += " WHERE id IN (SELECT value FROM json_each(?))"
        params = (sample.json(),)
    problems = []
    for key, authors, categories, arxiv_id in db.execute(sql, params):
        if not _is_text_list(authors):
            problems.append(f"paper {key}: authors is not a JSON list of names")
        if categories is not None and not _is_text_list(categories):
            problems.append(f"paper {key}: categories is not a JSON list")
        parsed = parse_arxiv_id(arxiv_id) if arxiv_id else None
        if arxiv_id and (parsed is None or parsed.id != arxiv_id):
            problems.append(f"paper {key}: arXiv id {arxiv_id!r} is not in canonical form")
    return problems


def _is_text_list(text: str) -> bool:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return False
    return isinstance(value, list) and all(isinstance(n, str) for n in value)


def seed_problems(
    seeds: Path, survey: Path | None = None, awesome: Path | None = None
) -> list[str]:
    """The validator's rules (see seeds/README.md), plus, given the survey's text, that no
    summary or finding copies a run of its words, and given its awesome list, that no
    title lowercases what the list's title for the same paper capitalises."""
    from .importers.seeds import load, validate

    loaded = load(seeds)
    problems = validate(loaded)
    if survey is not None:
        problems += copied_runs(loaded, read_regular(survey).decode("utf-8"))
    if awesome is not None:
        problems += awesome_title_problems(loaded, read_regular(awesome).decode("utf-8"))
    return problems


_AWESOME_ROW_RE = re.compile(
    r"^\|[^|]*\|[^|]*\|(?P<title>[^|]+)\|[^|]*arxiv\.org/(?:abs|pdf|html)/(?P<id>\d{4}\.\d{4,5})",
    re.M,
)


def awesome_title_problems(seeds: Any, awesome: str) -> list[str]:
    """An awesome list's table rows (`| date | name | title | [paper](arxiv…) | code |`)
    give titles in their authors' casing. Where a row has a paper's arXiv id and the same
    title words, a word it writes with two capitals or more (`LLMs`, `DeepSeek`, `SFT`)
    must not have fewer capitals in the seeds' title (`llms`, `Llms`, `Deepseek`). Rows whose words differ (the
    list's hand-editing errors, another version of the paper) are not used."""
    rows: dict[str, set[str]] = {}
    for m in _AWESOME_ROW_RE.finditer(awesome):
        rows.setdefault(m["id"], set()).add(m["title"].strip())
    problems = []
    for key, paper in sorted(seeds.papers.items()):
        ours = re.findall(r"[A-Za-z0-9]+", paper.get("title") or "")
        for title in sorted(rows.get(paper.get("arxiv_id") or "", ())):
            theirs = re.findall(r"[A-Za-z0-9]+", title)
            if [w.lower() for w in theirs] != [w.lower() for w in ours]:
                continue
            lowered = sorted(
                {t for o, t in zip(ours, theirs, strict=True) if _capitals(o) < _capitals(t) > 1}
            )
            if lowered:
                problems.append(
                    f"papers.bib: the title of {key} lowercases {', '.join(lowered)}, which the "
                    f"awesome list's title for arXiv {paper['arxiv_id']} capitalises"
                )
    return problems


COPY_RUN = 12


def copied_runs(seeds: Any, source: str, run: int = COPY_RUN) -> list[str]:
    """Summaries and findings are in our own words: flag any `run` consecutive words that
    also appear, in order, in the survey."""
    shingles = set(_shingles(_words(source), run))
    problems = []
    texts = [(f"node {n['code']}", n.get("summary", "")) for n in seeds.nodes if n.get("code")]
    texts += [(f"finding {f.get('id', '?')}", f.get("text", "")) for f in seeds.findings]
    for where, text in texts:
        words = _words(text)
        hit = next((s for s in _shingles(words, run) if s in shingles), None)
        if hit:
            problems.append(f"{where} copies {run} words from the survey: “{' '.join(hit)}”")
    return problems


def _capitals(word: str) -> int:
    return sum(map(str.isupper, word))


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _shingles(words: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def build_problems(path: Path, seeds: Path) -> list[str]:
    """The bundled database must be exactly what `make db` makes from the seeds."""
    from .importers.seeds import build

    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "fresh.db"
        build(seeds, fresh)
        if _dump(fresh) == _dump(path):
            return []
    return [f"{path} differs from a fresh build of {seeds} — run `make db`"]


def _dump(path: Path) -> list[str]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(dump_lines(db))
    finally:
        db.close()


def dump_lines(db: sqlite3.Connection) -> Iterator[str]:
    """The whole database as text, like `sqlite3 FILE .dump`: equal dumps, same content.
    Python's `iterdump` cannot scan contentless FTS5 tables; like the sqlite3 shell, this
    dumps the shadow tables that hold their data instead."""
    yield f"PRAGMA user_version = {db.execute('PRAGMA user_version').fetchone()[0]}"
    for kind, name, sql in db.execute(
        "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
    ).fetchall():
        yield sql or f"-- {kind} {name}"
        if kind == "table" and not (sql or "").upper().startswith("CREATE VIRTUAL"):
            yield from sorted(repr(tuple(r)) for r in db.execute(f'SELECT * FROM "{name}"'))


def _is_bundled(path: Path) -> bool:
    return path.resolve() == bundled_db_path().resolve()


def reindex(db: Database) -> None:
    """Recreate the full-text tables from their own DDL and refill them, in one transaction:
    the cure `index_problems` names, and it works even on a damaged index."""
    from .search import refresh_index

    with db.transaction():
        for name, sql in _fts_tables(db).items():
            db.execute(f'DROP TABLE "{name}"')
            db.execute(sql)
        refresh_index(db)
