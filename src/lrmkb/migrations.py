"""Append-only schema migrations, run when a database is opened (the pattern of
simonw/llm's `migrations.py`). Never edit a released migration: add a new one.

The schema version is SQLite's `PRAGMA user_version`: the number of migrations applied.
A migration is plain SQL and imports nothing of lrmkb's, so that it means tomorrow what
it means today. One that changes the search index's tables is marked `@rebuilds_index`:
the index is derived data, so `migrate` has the caller's current code refill it, once,
after the last migration."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []
INDEX_MIGRATIONS: set[Migration] = set()


def migration(fn: Migration) -> Migration:
    """Register `fn` as the next migration."""
    MIGRATIONS.append(fn)
    return fn


def rebuilds_index(fn: Migration) -> Migration:
    """Mark a migration after which the search index must be refilled (below `@migration`)."""
    INDEX_MIGRATIONS.add(fn)
    return fn


def _run(db: sqlite3.Connection, script: str) -> None:
    """Run DDL statement by statement: `executescript` would commit the open transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE paper (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            title_latex TEXT,
            authors TEXT NOT NULL DEFAULT '[]',
            authors_more BOOLEAN NOT NULL DEFAULT 0,
            year INTEGER,
            venue TEXT,
            entry_type TEXT NOT NULL DEFAULT 'misc',
            volume TEXT,
            pages TEXT,
            publisher TEXT,
            note TEXT,
            arxiv_id TEXT,
            arxiv_version INTEGER,
            doi TEXT,
            url TEXT,
            code_url TEXT,
            short_name TEXT,
            abstract TEXT,
            primary_category TEXT,
            categories TEXT,
            published TEXT,
            source TEXT NOT NULL DEFAULT 'manual',
            id_source TEXT,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE INDEX ix_paper_arxiv_id ON paper (arxiv_id);
        CREATE INDEX ix_paper_doi ON paper (doi);

        CREATE TABLE taxonomy_node (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            parent_id INTEGER REFERENCES taxonomy_node (id),
            kind TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            summary TEXT NOT NULL DEFAULT ''
        );

        CREATE TABLE finding (
            id INTEGER PRIMARY KEY,
            slug TEXT NOT NULL UNIQUE,
            text TEXT NOT NULL,
            node_id INTEGER NOT NULL REFERENCES taxonomy_node (id),
            kind TEXT NOT NULL
        );

        CREATE TABLE paper_node (
            paper_id INTEGER NOT NULL REFERENCES paper (id) ON DELETE CASCADE,
            node_id INTEGER NOT NULL REFERENCES taxonomy_node (id) ON DELETE CASCADE,
            PRIMARY KEY (paper_id, node_id)
        );
        CREATE INDEX ix_paper_node_node ON paper_node (node_id);

        CREATE TABLE finding_paper (
            finding_id INTEGER NOT NULL REFERENCES finding (id) ON DELETE CASCADE,
            paper_id INTEGER NOT NULL REFERENCES paper (id) ON DELETE CASCADE,
            stance TEXT NOT NULL DEFAULT 'supports',
            PRIMARY KEY (finding_id, paper_id)
        );
        CREATE INDEX ix_finding_paper_paper ON finding_paper (paper_id);

        CREATE TABLE paper_tag (
            paper_id INTEGER NOT NULL REFERENCES paper (id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (paper_id, tag)
        );
        CREATE INDEX ix_paper_tag_tag ON paper_tag (tag);
        """,
    )


@migration
def m002_search_index(db: sqlite3.Connection) -> None:
    """One FTS5 table for papers, findings and nodes; `search.refresh_index` keeps it in sync."""
    _run(
        db,
        """
        CREATE VIRTUAL TABLE search_index USING fts5 (
            kind UNINDEXED,
            ref UNINDEXED,
            title,
            short_name,
            authors,
            body,
            tags,
            context,
            tokenize = 'porter unicode61 remove_diacritics 2'
        );
        """,
    )


@migration
@rebuilds_index
def m003_search_rowids_and_vocabulary(db: sqlite3.Connection) -> None:
    """Rowids that say what a row is (papers by id, findings and nodes in negative ranges),
    an unstemmed twin of the text for `search_vocab` (typo correction), an index for
    `year:` filters; the new tables start empty and are refilled after migrating."""
    _run(
        db,
        """
        DROP TABLE search_index;
        CREATE VIRTUAL TABLE search_index USING fts5 (
            kind UNINDEXED,
            ref UNINDEXED,
            title,
            short_name,
            authors,
            body,
            tags,
            context,
            tokenize = 'porter unicode61 remove_diacritics 2'
        );
        CREATE VIRTUAL TABLE search_words USING fts5 (
            title,
            short_name,
            authors,
            body,
            tags,
            context,
            content = 'search_index',
            detail = none,
            columnsize = 0,
            tokenize = 'unicode61 remove_diacritics 2'
        );
        CREATE VIRTUAL TABLE search_vocab USING fts5vocab (search_words, 'row');
        CREATE INDEX ix_paper_year ON paper (year);
        """,
    )


@migration
def m004_uncited_nodes(db: sqlite3.Connection) -> None:
    """Mark nodes where the survey deliberately cites nothing (B.2), so `doctor` can tell
    a gap from a design."""
    db.execute("ALTER TABLE taxonomy_node ADD COLUMN uncited BOOLEAN NOT NULL DEFAULT 0")


@migration
def m005_paper_alias(db: sqlite3.Connection) -> None:
    """Other citation keys of a paper: the key an imported entry had when it was merged
    into a paper already here, the old key after a rename, a duplicate reference of the
    survey. Every command that takes a key resolves an alias to its paper."""
    _run(
        db,
        """
        CREATE TABLE paper_alias (
            alias TEXT NOT NULL PRIMARY KEY,
            paper_id INTEGER NOT NULL REFERENCES paper (id) ON DELETE CASCADE,
            reason TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX ix_paper_alias_paper ON paper_alias (paper_id);
        """,
    )


@migration
def m006_survey_provenance(db: sqlite3.Connection) -> None:
    """Where each record comes from in the survey, and how far it may be trusted as the
    survey's word: a paper's reference-list rendering, entry number and PDF page (and
    whether it is the survey itself); a node's heading as printed and Figure 1's wording;
    a finding's place in the survey's reading order, whether it states something only the
    cited paper says, and the disagreement it records."""
    _run(
        db,
        """
        ALTER TABLE paper ADD COLUMN survey_title TEXT;
        ALTER TABLE paper ADD COLUMN survey_role TEXT;
        ALTER TABLE paper ADD COLUMN survey_ref INTEGER;
        ALTER TABLE paper ADD COLUMN survey_page INTEGER;
        ALTER TABLE paper ADD COLUMN other_short_names TEXT;
        ALTER TABLE taxonomy_node ADD COLUMN survey_heading TEXT;
        ALTER TABLE taxonomy_node ADD COLUMN figure_heading TEXT;
        ALTER TABLE taxonomy_node ADD COLUMN survey_page INTEGER;
        ALTER TABLE finding ADD COLUMN survey_order INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE finding ADD COLUMN survey_page INTEGER;
        ALTER TABLE finding ADD COLUMN source TEXT NOT NULL DEFAULT 'survey';
        ALTER TABLE finding ADD COLUMN debate TEXT;
        CREATE INDEX ix_finding_survey_order ON finding (survey_order);
        """,
    )


@migration
def m007_paper_key_nocase(db: sqlite3.Connection) -> None:
    """Citation keys found in any case through an index: `search` and `show` try every
    key-like word a user types as a key, and a scan of the paper table for each took
    0.4 s at 100k papers."""
    _run(db, "CREATE INDEX ix_paper_key_nocase ON paper (key COLLATE NOCASE);")


@migration
def m008_library_verbs(db: sqlite3.Connection) -> None:
    """What the library verbs keep: one Markdown note per paper; a log of every field
    changed by `lrmkb edit` or `lrmkb db update` (values as JSON, who and when); the survey
    release the database holds and, per survey paper, the record that release gave it
    (the common ancestor `db update` merges against, so a user's edit is never reverted)."""
    _run(
        db,
        """
        CREATE TABLE paper_note (
            paper_id INTEGER NOT NULL PRIMARY KEY REFERENCES paper (id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE TABLE paper_edit (
            id INTEGER PRIMARY KEY,
            paper_id INTEGER NOT NULL REFERENCES paper (id) ON DELETE CASCADE,
            field TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT,
            via TEXT NOT NULL,
            who TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX ix_paper_edit_paper ON paper_edit (paper_id, field);
        CREATE TABLE survey_release (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            release TEXT NOT NULL,
            built TEXT NOT NULL,
            applied TEXT NOT NULL
        );
        CREATE TABLE survey_base (
            key TEXT NOT NULL PRIMARY KEY,
            record TEXT NOT NULL
        );
        """,
    )


@migration
def m009_watch(db: sqlite3.Connection) -> None:
    """Watching arXiv: a saved search per node (curated in seeds/watch.toml or the
    user's own) with where its last run got to, the runs themselves (so a killed one
    resumes), and the inbox of what they found, with the decision taken on each."""
    _run(
        db,
        """
        CREATE TABLE watch_query (
            node_id INTEGER PRIMARY KEY REFERENCES taxonomy_node (id) ON DELETE CASCADE,
            query TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT 'user',
            last_run TEXT,
            newest TEXT,
            resume_start INTEGER,
            resume_stop TEXT,
            resume_newest TEXT
        );
        CREATE TABLE watch_run (
            id INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            since TEXT,
            finished TEXT
        );
        CREATE TABLE inbox (
            id INTEGER PRIMARY KEY,
            arxiv_id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            published TEXT NOT NULL,
            record TEXT NOT NULL,
            found_by TEXT NOT NULL DEFAULT '[]',
            suggestions TEXT NOT NULL DEFAULT '[]',
            score REAL NOT NULL DEFAULT 0,
            node_code TEXT,
            status TEXT NOT NULL DEFAULT 'waiting',
            found TEXT NOT NULL,
            decided TEXT,
            paper_key TEXT
        );
        CREATE INDEX ix_inbox_status ON inbox (status);
        """,
    )


@migration
def m010_read_indexes(db: sqlite3.Connection) -> None:
    """Indexes for read commands that scanned the paper table (0.1 s each at 100,000
    papers): papers per year and per source counted from one index (it serves every
    look-up by year too, so the year-only index goes); a DOI found in any case."""
    _run(
        db,
        """
        CREATE INDEX ix_paper_year_source ON paper (year, source);
        DROP INDEX ix_paper_year;
        CREATE INDEX ix_paper_doi_nocase ON paper (doi COLLATE NOCASE);
        """,
    )


@migration
def m011_bibtex_fields(db: sqlite3.Connection) -> None:
    """What a .bib entry holds beyond the columns lrmkb reads, and what dedupe looks up:

    - `paper_field`: every field of an imported entry, in its order, as written (LaTeX,
      with `@string`s and `#` evaluated; `bare` for a number or a month macro), beside its
      Unicode reading (`text`, NULL when the same) — so that export writes what the
      user wrote;
    - `author_names`, `editor_names`: the names as CSL-JSON name objects (BibTeX's First /
      von / Last / Jr parts; NULL: read from `authors`); `number` (issue, report number);
    - `first_family`, `title_key`: the first author's folded family name and the
      normalised title, indexed with `year`, so that duplicates are found without a scan
      (filled by the write path; NULL until then, as in an older database);
    - old-style arXiv ids lose their subject class (`math.GT/0309136` → `math/0309136`),
      which is no part of the identifier."""
    _run(
        db,
        """
        ALTER TABLE paper ADD COLUMN author_names TEXT;
        ALTER TABLE paper ADD COLUMN editor_names TEXT;
        ALTER TABLE paper ADD COLUMN number TEXT;
        ALTER TABLE paper ADD COLUMN first_family TEXT;
        ALTER TABLE paper ADD COLUMN title_key TEXT;
        CREATE INDEX ix_paper_dedupe ON paper (first_family, year);
        CREATE INDEX ix_paper_unkeyed ON paper (id) WHERE title_key IS NULL;
        CREATE INDEX ix_paper_alias_nocase ON paper_alias (alias COLLATE NOCASE);
        CREATE TABLE paper_field (
            paper_id INTEGER NOT NULL REFERENCES paper (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            bare BOOLEAN NOT NULL DEFAULT 0,
            text TEXT,
            PRIMARY KEY (paper_id, position)
        );
        UPDATE paper
            SET arxiv_id = lower(substr(arxiv_id, 1, instr(arxiv_id, '.') - 1))
                || substr(arxiv_id, instr(arxiv_id, '/'))
            WHERE arxiv_id GLOB '[a-z]*.*/[0-9]*'
        """,
    )


@migration
def m012_user_nodes(db: sqlite3.Connection) -> None:
    """Nodes of the user's own (`lrmkb node add`) beside the survey's: `origin` says
    whose a node is, so that `db update` and `doctor` leave the user's alone."""
    _run(db, "ALTER TABLE taxonomy_node ADD COLUMN origin TEXT NOT NULL DEFAULT 'seeds'")


@migration
def m013_watch_run_codes(db: sqlite3.Connection) -> None:
    """The searches a watch run set out to do (JSON list of node codes; NULL: every
    search, as runs before this migration did), so that resuming an interrupted run
    asks only what it had left, with its own `--since`, and a run limited to some
    sections is finished once those are done."""
    _run(db, "ALTER TABLE watch_run ADD COLUMN codes TEXT")


SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, rebuild_index: Migration | None = None) -> int:
    """Apply every pending migration in one transaction; return how many ran. The version
    is read under the write lock, so concurrent openers migrate once, not race. When one
    of them is marked `@rebuilds_index`, `rebuild_index(db)` then runs in the same
    transaction."""
    db.execute("BEGIN IMMEDIATE")
    current = db.execute("PRAGMA user_version").fetchone()[0]
    pending = MIGRATIONS[current:]
    if not pending:
        db.execute("ROLLBACK")
        return 0
    try:
        for fn in pending:
            fn(db)
        if rebuild_index is not None and INDEX_MIGRATIONS.intersection(pending):
            rebuild_index(db)
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return len(pending)


def schema_differences(db: sqlite3.Connection) -> list[str]:
    """How the schema of `db` departs from what the migrations make (tables, their
    columns, indexes, triggers; objects lrmkb does not know are left alone). Empty for
    a sound database. For a schema changed behind lrmkb's back: a dropped column would
    otherwise surface as a failing query deep inside some command."""
    have = _schema(db)
    problems = []
    for (kind, name), (sql, columns) in _expected_schema().items():
        if (kind, name) not in have:
            problems.append(f"{kind} {name} is missing")
        elif columns and (missing := [c for c in columns if c not in have[kind, name][1]]):
            problems.append(f"table {name} lacks column(s) {', '.join(missing)}")
        elif " ".join(sql.split()) != " ".join(have[kind, name][0].split()):
            problems.append(f"{kind} {name} is defined differently")
    return problems


_SCHEMA_OBJECTS = (
    "SELECT type, name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
)


def _schema(db: sqlite3.Connection) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(kind, name) → (its SQL, its columns if a table)."""
    return {
        (kind, name): (
            sql,
            [r[1] for r in db.execute(f'PRAGMA table_info("{name}")')] if kind == "table" else [],
        )
        for kind, name, sql in db.execute(_SCHEMA_OBJECTS).fetchall()
    }


_EXPECTED: dict[tuple[str, str], tuple[str, list[str]]] = {}


def _expected_schema() -> dict[tuple[str, str], tuple[str, list[str]]]:
    """The schema every migration together makes, built once in memory."""
    if not _EXPECTED:
        memory = sqlite3.connect(":memory:", isolation_level=None)
        try:
            migrate(memory)
            _EXPECTED.update(_schema(memory))
        finally:
            memory.close()
    return _EXPECTED
