"""Survey releases: which one a database holds, and `lrmkb db update`, which brings a newer
one in without losing anything the user did.

A release is the survey database `make db` builds (`data/survey.db`, shipped in the
wheel). It names itself by a hash of its content (`release_name`) and keeps, per survey
paper, the record it gave that paper (`survey_base`: the columns and the sections). A
user's database is a copy, so it holds the same two things until it is updated.

The update is a three-way merge per field, per paper, with the held release's record as
the common ancestor (the rule of `git merge` and `diff3`):

- the user's value and the new release's agree → nothing to do;
- only the release changed the field (the user's value is the old release's) → the new
  release's value is taken (a correction arrives);
- only the user changed it (`lrmkb edit`, or a fill by `add`/`import`) → it stays;
- both changed it → a *conflict*: the user's value stays and the conflict is listed.

Sections a paper is filed under merge the same way, one section at a time: the release's
new filings arrive, the ones it dropped go, the user's own stay. Papers new in the release
are added (or merged into the user's copy of the same paper, found by key, alias, arXiv
id or DOI, whose key never changes); papers the user removed stay removed. Taxonomy nodes
and findings are the survey's own text and are replaced by the release's, except a node
the release dropped that still holds the user's papers. Tags, notes and the user's own
papers are never touched. Every field the update changes is logged in `paper_edit`
(`via = update`).

A database from before releases were recorded holds no ancestor: its survey papers as
they are serve as one, except that an empty value in the release never clears a field
(it may have been filled by `add` or `import`)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import BadInput, DatabaseProblem
from .queries import survey_release

if TYPE_CHECKING:
    from .store import Database


def release_name(db: sqlite3.Connection) -> str:
    """12 hex digits of the SHA-256 of the survey content (papers as `base_records`,
    taxonomy, findings and their evidence, curated watch queries): equal content, equal
    name."""
    content = {
        "papers": base_records(db),
        "nodes": _nodes(db),
        "findings": _findings(db),
        "watch": curated_queries(db),
    }
    digest = hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return digest[:12]


def record_release(db: Database, built: str) -> str:
    """Make the survey database `db` (freshly built) name its release and keep its base
    records; returns the release name. Called by the seeds build."""
    name = release_name(db)
    with db.transaction():
        _store_base(db, base_records(db), curated_queries(db))
        db.execute(
            "INSERT OR REPLACE INTO survey_release (id, release, built, applied)"
            " VALUES (1, ?, ?, ?)",
            (name, built, built),
        )
    return name


def base_records(db: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Every survey paper's content (decoded columns) and sections, by key."""
    from .fields import content_columns, paper_values

    columns = content_columns(db)
    nodes = _paper_nodes(db)
    return {
        row["key"]: {c: paper_values(row)[c] for c in columns} | {"nodes": nodes.get(row["id"], [])}
        for row in db.execute("SELECT * FROM paper WHERE source = 'survey' ORDER BY key")
    }


def _paper_nodes(db: sqlite3.Connection) -> dict[int, list[str]]:
    nodes: dict[int, list[str]] = {}
    for paper_id, code in db.execute(
        "SELECT pn.paper_id, n.code FROM paper_node pn JOIN taxonomy_node n ON n.id = pn.node_id"
        " ORDER BY n.code"
    ):
        nodes.setdefault(paper_id, []).append(code)
    return nodes


WATCH = "watch:"
"""`survey_base` keys of curated watch queries (`watch:4.3`); a paper key has no colon."""


def curated_queries(db: sqlite3.Connection) -> dict[str, str]:
    """The release's own arXiv watch queries (`seeds/watch.toml`), by node code."""
    return dict(
        db.execute(
            "SELECT n.code, w.query FROM watch_query w JOIN taxonomy_node n ON n.id = w.node_id"
            " WHERE w.origin = 'seeds' ORDER BY n.code"
        ).fetchall()
    )


def _store_base(
    db: sqlite3.Connection, records: dict[str, dict[str, Any]], queries: dict[str, str]
) -> None:
    rows = [(k, json.dumps(r, sort_keys=True, ensure_ascii=False)) for k, r in records.items()]
    rows += [(WATCH + code, json.dumps({"query": q})) for code, q in queries.items()]
    db.execute("DELETE FROM survey_base")
    db.executemany("INSERT INTO survey_base (key, record) VALUES (?, ?)", rows)


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def _nodes(db: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """The survey's taxonomy nodes by code, every column but the ids (the parent by its
    code) and `origin`; the user's own nodes (`lrmkb node add`) are no release's."""
    skip = ("id", "parent_id", "code", "origin")
    columns = [c for c in _columns(db, "taxonomy_node") if c not in skip]
    select = ", ".join(f"n.{c}" for c in columns)
    return {
        r[0]: {"parent": r[1], **dict(zip(columns, r[2:], strict=True))}
        for r in db.execute(
            f"SELECT n.code, p.code, {select} FROM taxonomy_node n"
            " LEFT JOIN taxonomy_node p ON p.id = n.parent_id WHERE n.origin = 'seeds'"
            " ORDER BY n.id"
        )
    }


def _findings(db: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Findings by slug, every column but the ids (the node by its code), with their
    evidence as sorted [key, stance] pairs."""
    columns = [c for c in _columns(db, "finding") if c not in ("id", "node_id", "slug")]
    select = ", ".join(f"f.{c}" for c in columns)
    evidence: dict[str, list[list[str]]] = {}
    for slug, key, stance in db.execute(
        "SELECT f.slug, p.key, fp.stance FROM finding_paper fp JOIN finding f"
        " ON f.id = fp.finding_id JOIN paper p ON p.id = fp.paper_id ORDER BY f.slug, p.key"
    ):
        evidence.setdefault(slug, []).append([key, stance])
    return {
        r[0]: {"node": r[1], **dict(zip(columns, r[2:], strict=True))}
        | {"papers": evidence.get(r[0], [])}
        for r in db.execute(
            f"SELECT f.slug, n.code, {select} FROM finding f"
            " JOIN taxonomy_node n ON n.id = f.node_id ORDER BY f.id"
        )
    }


# --- the update ------------------------------------------------------------------------------


@dataclass
class UpdateReport:
    """What `db update` did (or, with `dry_run`, would do); `as_dict` is its `--json`."""

    held: str | None
    release: str
    dry_run: bool
    added: list[str] = field(default_factory=list)
    merged: list[dict[str, str]] = field(default_factory=list)  # release key → user's key
    updated: list[dict[str, Any]] = field(default_factory=list)  # key, fields
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    refiled: list[dict[str, Any]] = field(default_factory=list)  # key, filed, unfiled
    kept_removed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # no longer in the survey, kept
    nodes: dict[str, list[str]] = field(default_factory=dict)
    findings: dict[str, list[str]] = field(default_factory=dict)
    watch: dict[str, list[str]] = field(default_factory=dict)  # curated arXiv queries

    @property
    def up_to_date(self) -> bool:
        return self.held == self.release

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        return {"up_to_date": self.up_to_date, **data}


def update(db: Database, release: Path | None = None, *, dry_run: bool = False) -> UpdateReport:
    """Merge the survey release at `release` (default: the bundled one) into `db`, in
    one transaction. Raises `DatabaseProblem` when `db` is the release itself, `BadInput`
    when `release` is not a survey release of this lrmkb."""
    from .changes import writing
    from .store import bundled_db_path

    release = release or bundled_db_path()
    if db.path.resolve() == release.resolve():
        raise DatabaseProblem(
            "refusing to update the survey release from itself", "pass your database with --db"
        )
    theirs = _open_release(release)
    try:
        with writing(db, dry_run=dry_run) as db:
            return _Merge(db, theirs, dry_run).run()
    finally:
        theirs.close()


def release_nodes(release: Path | None = None) -> tuple[str, set[str]]:
    """The name of the survey release at `release` (default: the one shipped with lrmkb)
    and the codes of its sections and questions. Raises `BadInput` when it is not one."""
    from .store import bundled_db_path

    theirs = _open_release(release or bundled_db_path())
    try:
        held = survey_release(theirs)
        assert held is not None
        return held["release"], set(_nodes(theirs))
    finally:
        theirs.close()


def _open_release(path: Path) -> sqlite3.Connection:
    """The release read-only; it must have this lrmkb's schema and name its release."""
    from .migrations import SCHEMA_VERSION

    if not path.is_file():
        raise BadInput(f"no survey release at {path}", "build one with `lrmkb dev build`")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        named = (
            db.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'survey_release'"
            ).fetchone()[0]
            and db.execute("SELECT count(*) FROM survey_release").fetchone()[0]
        )
    except sqlite3.DatabaseError as exc:
        db.close()
        raise BadInput(
            f"{path} is not a survey release ({exc})", "pass a database built by `lrmkb dev build`"
        ) from exc
    if version != SCHEMA_VERSION or not named:
        db.close()
        raise BadInput(
            f"{path} is not a survey release of this lrmkb (schema {version}"
            + (
                ", no release recorded)"
                if version == SCHEMA_VERSION
                else f", not {SCHEMA_VERSION})"
            ),
            "build it with this lrmkb: `lrmkb dev build --seeds DIR --output FILE`",
        )
    return db


_EMPTY: tuple[Any, ...] = (None, "", [], False)


def _other_paper(record: dict[str, Any], row: sqlite3.Row) -> bool:
    """True when `row` cannot be the paper `record` describes: they carry different arXiv
    ids or different DOIs."""
    for column in ("arxiv_id", "doi"):
        theirs, ours = record.get(column), row[column]
        if theirs and ours and theirs.lower() != ours.lower():
            return True
    return False


class _Merge:
    """One update: the user's database `db` (in a transaction) and the release `theirs`."""

    def __init__(self, db: sqlite3.Connection, theirs: sqlite3.Connection, dry_run: bool) -> None:
        from .fields import content_columns

        self.db, self.theirs = db, theirs
        held = survey_release(db)
        target = survey_release(theirs)
        assert target is not None
        self.target = target
        self.report = UpdateReport(held["release"] if held else None, target["release"], dry_run)
        stored = {k: json.loads(r) for k, r in db.execute("SELECT key, record FROM survey_base")}
        self.base = {k: r for k, r in stored.items() if not k.startswith(WATCH)}
        self.watch_base = {
            k[len(WATCH) :]: r["query"] for k, r in stored.items() if k not in self.base
        }
        # before releases were recorded: the survey as it is stands for the ancestor
        self.legacy = held is None and not stored
        if self.legacy:
            self.base, self.watch_base = base_records(db), curated_queries(db)
        self.columns = [c for c in content_columns(theirs) if c in set(content_columns(db))]
        self.who = f"survey {target['release']}"
        self.touched: set[str] = set()
        self.paper_ids: dict[str, int] = {}  # release key → the user's paper id

    def run(self) -> UpdateReport:
        from .search import refresh_index

        if self.report.up_to_date:  # only the sections it kept for the user's papers may go
            self.report.nodes = {"added": [], "changed": [], "removed": [], "kept": []}
            if self.drop_nodes():
                refresh_index(self.db)
            return self.report
        nodes_changed = self.merge_nodes()
        self.merge_papers()
        findings_changed = self.merge_findings()
        self.merge_watch()
        self.copy_aliases()
        nodes_changed |= self.drop_nodes()
        if nodes_changed or findings_changed:
            refresh_index(self.db)
        elif self.touched:
            refresh_index(self.db, sorted(self.touched))
        _store_base(self.db, base_records(self.theirs), curated_queries(self.theirs))
        from .store import now

        self.db.execute(
            "INSERT OR REPLACE INTO survey_release (id, release, built, applied)"
            " VALUES (1, ?, ?, ?)",
            (self.target["release"], self.target["built"], now()),
        )
        return self.report

    # --- taxonomy ---------------------------------------------------------------------------

    def merge_nodes(self) -> bool:
        """Add the release's new nodes and bring the others to its text; True if any
        changed. (Nodes it dropped go at the end, once nothing is filed under them.)"""
        mine, theirs = _nodes(self.db), _nodes(self.theirs)
        added, changed = [], []
        for code, node in theirs.items():  # reading order: parents first
            values = {k: v for k, v in node.items() if k != "parent"}
            parent_id = self._node_id(node["parent"]) if node["parent"] else None
            if code not in mine:
                cols = ["code", "parent_id", *values]
                self.db.execute(
                    f"INSERT INTO taxonomy_node ({', '.join(cols)})"
                    f" VALUES ({', '.join('?' * len(cols))})",
                    [code, parent_id, *values.values()],
                )
                added.append(code)
            elif mine[code] != node:
                sets = ", ".join(f"{c} = ?" for c in ["parent_id", *values])
                self.db.execute(
                    f"UPDATE taxonomy_node SET {sets} WHERE code = ?",
                    [parent_id, *values.values(), code],
                )
                changed.append(code)
        self.report.nodes = {"added": added, "changed": changed, "removed": [], "kept": []}
        return bool(added or changed)

    def _node_id(self, code: str) -> int:
        row = self.db.execute("SELECT id FROM taxonomy_node WHERE code = ?", (code,)).fetchone()
        return int(row[0])

    def drop_nodes(self) -> bool:
        """Delete the nodes the release no longer has, deepest first, unless a paper is
        still filed under one (the user's own filing): that node is kept and listed."""
        gone = set(_nodes(self.db)) - set(_nodes(self.theirs))
        removed: list[str] = []
        for code in sorted(gone, key=lambda c: -c.count(".")):
            node_id = self._node_id(code)
            busy = self.db.execute(
                "SELECT (SELECT count(*) FROM paper_node WHERE node_id = :id)"
                " + (SELECT count(*) FROM taxonomy_node WHERE parent_id = :id)"
                " + (SELECT count(*) FROM finding WHERE node_id = :id)"
                " + (SELECT count(*) FROM watch_query WHERE node_id = :id AND origin = 'user')",
                {"id": node_id},
            ).fetchone()[0]
            if busy:
                self.report.nodes["kept"].append(code)
            else:
                self.db.execute("DELETE FROM taxonomy_node WHERE id = ?", (node_id,))
                removed.append(code)
        self.report.nodes["removed"] = sorted(removed)
        self.report.nodes["kept"].sort()
        return bool(removed)

    # --- papers -----------------------------------------------------------------------------

    def merge_papers(self) -> None:
        from .fields import paper_values

        claimed: set[int] = set()
        theirs = {r["key"]: r for r in self.theirs.execute("SELECT * FROM paper ORDER BY key")}
        nodes = _paper_nodes(self.theirs)
        for key, row in theirs.items():
            record = paper_values(row)
            record["nodes"] = nodes.get(row["id"], [])
            mine = self._match(record, claimed)
            if mine is None:
                if key in self.base and not self.legacy:
                    self.report.kept_removed.append(key)
                else:
                    self._add(record)
                continue
            claimed.add(mine["id"])
            self.paper_ids[key] = mine["id"]
            self._merge(record, mine)
        for key in sorted(set(self.base) - set(theirs)):
            mine = self._find(key)
            if mine is not None:
                self.report.dropped.append(mine["key"])
                self._refile(mine, self.base[key]["nodes"], [], None)

    def _find(self, key: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM paper WHERE key = :k OR id = (SELECT paper_id FROM paper_alias"
            " WHERE alias = :k) ORDER BY key = :k DESC LIMIT 1",
            {"k": key},
        ).fetchone()
        return row

    def _match(self, record: dict[str, Any], claimed: set[int]) -> sqlite3.Row | None:
        """The user's copy of a release paper: by key or alias — unless its arXiv id or
        DOI says it is another paper (the user renamed one of theirs to a key the release
        now uses) — else, if no other release paper took it, by arXiv id, then DOI: the
        dedupe ladder's exact rungs."""
        row = self._find(record["key"])
        if row is not None and not _other_paper(record, row):
            return row
        lookups = [
            ("SELECT * FROM paper WHERE arxiv_id = ? ORDER BY id", record.get("arxiv_id")),
            ("SELECT * FROM paper WHERE lower(doi) = lower(?) ORDER BY id", record.get("doi")),
        ]
        for sql, value in lookups:
            found: sqlite3.Row
            for found in self.db.execute(sql, (value,)) if value else ():
                if found["id"] not in claimed:
                    return found
        return None

    def _add(self, record: dict[str, Any]) -> None:
        from .fields import stored
        from .store import now

        stamp = now()
        key = record["key"]
        if self._find(key) is not None:  # the user's own paper has this name: take another
            from .ids import unique_key

            key = unique_key(key, lambda k: self._find(k) is not None)
        values = {c: stored(c, record[c]) for c in self.columns}
        values |= {"key": key, "source": "survey", "created": stamp, "updated": stamp}
        cur = self.db.execute(
            f"INSERT INTO paper ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            list(values.values()),
        )
        paper_id = self.paper_ids[record["key"]] = int(cur.lastrowid or 0)
        self.db.executemany(
            "INSERT INTO paper_node (paper_id, node_id) SELECT ?, id FROM taxonomy_node"
            " WHERE code = ?",
            [(paper_id, code) for code in record["nodes"]],
        )
        self.report.added.append(key)
        self.touched.add(key)

    def _merge(self, record: dict[str, Any], mine: sqlite3.Row) -> None:
        """Three-way merge of one paper's fields and sections (see the module docstring)."""
        from .editing import record_changes
        from .fields import paper_values

        key = record["key"]
        base = self.base.get(key)
        current = paper_values(mine)
        take: dict[str, Any] = {}
        for column in self.columns:
            ours, new = current.get(column), record.get(column)
            if ours == new:
                continue
            old = base.get(column) if base is not None else None
            if base is not None and new == old:
                continue  # only the user changed it
            if base is not None and ours == old:
                if not (self.legacy and new in _EMPTY):
                    take[column] = new
                continue
            if base is None and ours in _EMPTY:
                take[column] = new
            elif base is None and new in _EMPTY:
                continue
            else:
                self._conflict(mine, column, ours, new)
        if current["source"] != "survey":
            take["source"] = "survey"
            self.report.merged.append({"release_key": key, "key": mine["key"]})
            if mine["key"] != key:
                self.db.execute(
                    "INSERT OR IGNORE INTO paper_alias (alias, paper_id, reason)"
                    " VALUES (?, ?, 'survey key')",
                    (key, mine["id"]),
                )
        changed = record_changes(self.db, mine["id"], current, take, via="update", who=self.who)
        fields = [c["field"] for c in changed if c["field"] != "source"]
        if fields:
            self.report.updated.append({"key": mine["key"], "fields": fields})
        self._refile(mine, base["nodes"] if base else [], record["nodes"], key)

    def _conflict(self, mine: sqlite3.Row, column: str, ours: Any, new: Any) -> None:
        edit = self.db.execute(
            "SELECT who, at FROM paper_edit WHERE paper_id = ? AND field = ? AND via = 'edit'"
            " ORDER BY id DESC LIMIT 1",
            (mine["id"], column),
        ).fetchone()
        self.report.conflicts.append(
            {
                "key": mine["key"],
                "field": column,
                "yours": ours,
                "release": new,
                "why": f"edited by {edit['who']} at {edit['at']}"
                if edit
                else "your value, set when the paper was added, imported or enriched",
            }
        )

    def _refile(
        self, mine: sqlite3.Row, base: list[str], theirs: list[str], key: str | None
    ) -> None:
        """Per section: the release's new filings arrive, the ones it dropped go (if the
        user still has them), the user's own stay."""
        have = {
            r[0]
            for r in self.db.execute(
                "SELECT n.code FROM paper_node pn JOIN taxonomy_node n ON n.id = pn.node_id"
                " WHERE pn.paper_id = ?",
                (mine["id"],),
            )
        }
        old, new = set(base), set(theirs)
        filed = sorted((new - old) - have)
        unfiled = sorted((old - new) & have)
        if not (filed or unfiled):
            return
        self.db.executemany(
            "INSERT INTO paper_node (paper_id, node_id) SELECT ?, id FROM taxonomy_node"
            " WHERE code = ?",
            [(mine["id"], c) for c in filed],
        )
        self.db.executemany(
            "DELETE FROM paper_node WHERE paper_id = ? AND node_id ="
            " (SELECT id FROM taxonomy_node WHERE code = ?)",
            [(mine["id"], c) for c in unfiled],
        )
        self.report.refiled.append({"key": mine["key"], "filed": filed, "unfiled": unfiled})
        self.touched.add(mine["key"])

    # --- findings and aliases ---------------------------------------------------------------

    def merge_findings(self) -> bool:
        """Replace the findings with the release's (by slug), their evidence pointing at
        the user's papers; True if any finding's text or evidence changed."""
        mine, theirs = _findings(self.db), _findings(self.theirs)
        removed = sorted(set(mine) - set(theirs))
        self.db.executemany("DELETE FROM finding WHERE slug = ?", [(s,) for s in removed])
        added, changed = [], []
        for slug, finding in theirs.items():
            values = {k: v for k, v in finding.items() if k not in ("node", "papers")}
            node_id = self._node_id(finding["node"])
            if slug not in mine:
                cols = ["slug", "node_id", *values]
                self.db.execute(
                    f"INSERT INTO finding ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [slug, node_id, *values.values()],
                )
                added.append(slug)
            elif {k: v for k, v in mine[slug].items() if k != "papers"} != {
                k: v for k, v in finding.items() if k != "papers"
            }:
                sets = ", ".join(f"{c} = ?" for c in ["node_id", *values])
                self.db.execute(
                    f"UPDATE finding SET {sets} WHERE slug = ?", [node_id, *values.values(), slug]
                )
                changed.append(slug)
            evidence = [
                (self.paper_ids[k], stance)
                for k, stance in finding["papers"]
                if k in self.paper_ids
            ]
            before = self.db.execute(
                "SELECT paper_id, stance FROM finding_paper WHERE finding_id ="
                " (SELECT id FROM finding WHERE slug = ?) ORDER BY paper_id",
                (slug,),
            ).fetchall()
            if sorted(evidence) != [tuple(r) for r in before]:
                self.db.execute(
                    "DELETE FROM finding_paper WHERE finding_id = (SELECT id FROM finding WHERE slug = ?)",
                    (slug,),
                )
                self.db.executemany(
                    "INSERT INTO finding_paper (finding_id, paper_id, stance)"
                    " SELECT id, ?, ? FROM finding WHERE slug = ?",
                    [(paper_id, stance, slug) for paper_id, stance in evidence],
                )
                if slug not in added and slug not in changed:
                    changed.append(slug)
        self.report.findings = {"added": added, "changed": changed, "removed": removed}
        return bool(added or changed or removed)

    def merge_watch(self) -> None:
        """The release's curated arXiv watch queries, merged like a field against the held
        release's: a query the user set (`watch set`, origin user) or removed (`watch rm`)
        stays as the user left it."""
        mine = {
            code: (query, origin)
            for code, query, origin in self.db.execute(
                "SELECT n.code, w.query, w.origin FROM watch_query w"
                " JOIN taxonomy_node n ON n.id = w.node_id"
            )
        }
        theirs, base = curated_queries(self.theirs), self.watch_base
        changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
        for code in sorted(set(theirs) | set(base)):
            new, old = theirs.get(code), base.get(code)
            query, origin = mine.get(code, (None, None))
            if origin == "user" or new == old or (query is None and old is not None):
                continue  # the user's own, unchanged by the release, or removed by the user
            if new is None:
                if query == old:
                    self.db.execute(
                        "DELETE FROM watch_query WHERE node_id = ?", (self._node_id(code),)
                    )
                    changes["removed"].append(code)
            elif query is None or query == old:
                self.db.execute(
                    "INSERT INTO watch_query (node_id, query, origin) VALUES (?, ?, 'seeds')"
                    " ON CONFLICT (node_id) DO UPDATE SET query = excluded.query",
                    (self._node_id(code), new),
                )
                changes["added" if query is None else "changed"].append(code)
        self.report.watch = changes

    def copy_aliases(self) -> None:
        """The release's aliases (duplicate references of the survey) for the user's papers,
        where the name is free."""
        for alias, key, reason in self.theirs.execute(
            "SELECT a.alias, p.key, a.reason FROM paper_alias a JOIN paper p ON p.id = a.paper_id"
        ):
            if key in self.paper_ids and self._find(alias) is None:
                self.db.execute(
                    "INSERT INTO paper_alias (alias, paper_id, reason) VALUES (?, ?, ?)",
                    (alias, self.paper_ids[key], reason),
                )
