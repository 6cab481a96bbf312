"""Bad input never gives a traceback and never changes the database: each case gets one
`Error: … — …` line on stderr, the documented exit code (1 bad input, 2 usage,
3 external service, 4 database) and the same `sqlite3 .dump` afterwards."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from arxiv_server import (
    Reply,
    arxiv_api,  # noqa: F401  (the fixture, used through `arxiv` below)
)
from conftest import BUNDLED_DB
from lrmkb.migrations import SCHEMA_VERSION
from reliability_fixtures import (
    EXIT,
    Outcome,
    assert_clean_failure,
    lrmkb_as_a_user,
    snapshot,
)

KEY = "chen2024think"
WRITE = ("tag", KEY, "to-read")
READ = ("show", KEY, "--json")


# --- the database --------------------------------------------------------------------------


@pytest.fixture
def writable_again(tmp_path: Path) -> Iterator[list[Path]]:
    """Paths a test makes read-only; restored so that pytest can clean up."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        path.chmod(0o755 if path.is_dir() else 0o644)


def read_only_file(tmp_path: Path, made_read_only: list[Path]) -> Path:
    path = tmp_path / "kb.db"
    shutil.copyfile(BUNDLED_DB, path)
    path.chmod(0o444)
    made_read_only.append(path)
    return path


def read_only_directory(tmp_path: Path, made_read_only: list[Path]) -> Path:
    folder = tmp_path / "shelf"
    folder.mkdir()
    shutil.copyfile(BUNDLED_DB, folder / "kb.db")
    folder.chmod(0o555)
    made_read_only.append(folder)
    return folder / "kb.db"


def test_read_only_file_refuses_writes_but_still_answers_reads(
    cli, tmp_path: Path, writable_again: list[Path]
) -> None:
    db = read_only_file(tmp_path, writable_again)
    before = snapshot(db)
    line = assert_clean_failure(cli(*WRITE, db=db), EXIT["database"], db, before)
    assert f"{db} is read-only" in line and "chmod u+w" in line
    assert cli(*READ, db=db).exit_code == 0


def test_read_only_directory_refuses_writes_but_still_answers_reads(
    cli, tmp_path: Path, writable_again: list[Path]
) -> None:
    db = read_only_directory(tmp_path, writable_again)
    before = snapshot(db)
    line = assert_clean_failure(cli(*WRITE, db=db), EXIT["database"], db, before)
    assert "is read-only" in line and str(db.parent) in line
    assert cli(*READ, db=db).exit_code == 0
    assert sorted(p.name for p in db.parent.iterdir()) == ["kb.db"]


def not_sqlite(path: Path) -> None:
    path.write_text("@article{a, title={A bib file, not a database}}\n", encoding="utf-8")


def empty_file(path: Path) -> None:
    path.write_bytes(b"")


def truncated(path: Path) -> None:
    data = BUNDLED_DB.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def newer_schema(path: Path) -> None:
    shutil.copyfile(BUNDLED_DB, path)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")


def another_programs_db(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
        db.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")


def directory(path: Path) -> None:
    path.mkdir()


BROKEN: dict[str, tuple[Callable[[Path], None], str]] = {
    "not SQLite": (not_sqlite, "is not an SQLite file"),
    "empty file": (empty_file, "is an empty file"),
    "truncated": (truncated, "is damaged or truncated"),
    "newer schema": (newer_schema, "made by a newer lrmkb (schema"),
    "another program's": (another_programs_db, "SQLite database of another program"),
    "a directory": (directory, "is a directory"),
}


@pytest.mark.parametrize("command", [WRITE, READ, ("db", "check")], ids=["write", "read", "check"])
@pytest.mark.parametrize("case", BROKEN)
def test_unusable_database_file(cli, tmp_path: Path, case: str, command: tuple[str, ...]) -> None:
    make, message = BROKEN[case]
    db = tmp_path / "broken.db"
    make(db)
    before = snapshot(db)
    line = assert_clean_failure(cli(*command, db=db), EXIT["database"], db, before)
    assert message in line


@pytest.mark.parametrize("command", [WRITE, READ, ("db", "init")], ids=["write", "read", "init"])
def test_path_in_a_missing_directory(cli, tmp_path: Path, command: tuple[str, ...]) -> None:
    db = tmp_path / "nowhere" / "kb.db"
    line = assert_clean_failure(cli(*command, db=db), EXIT["database"], db, b"")
    assert f"directory {db.parent} does not exist" in line
    assert not db.parent.exists()


def test_locked_past_the_busy_timeout(cli, db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer holds the lock longer than we wait: say so, write nothing; reads go on."""
    monkeypatch.setenv("LRMKB_BUSY_TIMEOUT", "0.2")
    before = snapshot(db_file)
    holder = sqlite3.connect(db_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("DELETE FROM paper_tag")  # uncommitted: must be invisible and not lost
    try:
        result = cli(*WRITE)
        read = cli(*READ)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    line = assert_clean_failure(result, EXIT["database"], db_file, before)
    assert "is locked by another writer (waited 0.2 s)" in line
    assert "LRMKB_BUSY_TIMEOUT" in line
    assert read.exit_code == 0 and json.loads(read.stdout)["key"] == KEY


def test_nonsense_busy_timeout_is_a_usage_error(
    cli, db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(db_file)
    monkeypatch.setenv("LRMKB_BUSY_TIMEOUT", "soon")
    result = cli(*WRITE)
    monkeypatch.delenv("LRMKB_BUSY_TIMEOUT")
    line = assert_clean_failure(result, EXIT["usage"], db_file, before)
    assert "LRMKB_BUSY_TIMEOUT must be a number of seconds" in line


# --- search --------------------------------------------------------------------------------

FTS_SPECIALS = [
    '"',
    '"unbalanced quote',
    'a "b',
    "(",
    ")",
    "(reasoning",
    "reasoning)",
    "()",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "reasoning AND",
    "OR reasoning",
    "NOT reasoning",
    "NEAR(reasoning length)",
    "NEAR(reasoning length, 2)",
    "*",
    "**",
    "*reasoning",
    "reason*",
    "^",
    "^reasoning",
    ":",
    "title:",
    ":reasoning",
    "title:overthinking",
    "nosuchcolumn:reasoning",
    "{title authors}:reasoning",
    "-",
    "-reasoning",
    "+",
    "'; DROP TABLE paper; --",
    "paper) OR 1=1 --",
    "\\",
    "%_%",
]


@pytest.mark.parametrize("query", FTS_SPECIALS)
def test_search_takes_any_fts5_syntax_as_text(cli, db_file: Path, query: str) -> None:
    """No FTS5 syntax error reaches the user: results (maybe none) or a clear message."""
    before = snapshot(db_file)
    seen = Outcome.of(cli("search", query, "--json"))
    assert_answered(seen, db_file, before)


def assert_answered(seen: Outcome, db: Path, before: str | bytes) -> None:
    """Results as JSON with exit 0 — or, for input that cannot be a query, a clean error."""
    assert "Traceback" not in seen.stdout + seen.stderr
    if seen.code == EXIT["ok"]:
        assert isinstance(json.loads(seen.stdout)["results"], dict)
        assert snapshot(db) == before
    else:
        assert_clean_failure(seen, seen.code, db, before)
        assert seen.code in (EXIT["bad input"], EXIT["usage"]), seen.stderr


@pytest.mark.parametrize(
    "query",
    ["\x00", "over\x00thinking", "\x00overthinking\x00", '"\x00"'],
    ids=["nul", "inside", "around", "quoted"],
)
def test_search_with_nul_bytes(cli, db_file: Path, query: str) -> None:
    before = snapshot(db_file)
    assert_answered(Outcome.of(cli("search", query, "--json")), db_file, before)


def test_search_nul_byte_is_a_word_break(cli) -> None:
    result = cli("search", "over\x00thinking", "--json")
    plain = cli("search", "over thinking", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["results"] == json.loads(plain.stdout)["results"]


@pytest.mark.parametrize(
    "query",
    [
        " ".join(["reasoning"] * 1100),
        " ".join(f"w{i}" for i in range(2000)),
        "x" * 10_240,
        " OR ".join(["reasoning"] * 1000),
        "(" * 5000 + "reasoning" + ")" * 5000,
        '"' + "reasoning " * 1000 + '"',
    ],
    ids=["repeated word", "2000 words", "one 10 KB word", "1000 ORs", "deep parens", "phrase"],
)
def test_search_with_10_kb_queries(cli, db_file: Path, query: str) -> None:
    assert len(query) >= 10_000
    before = snapshot(db_file)
    assert_answered(Outcome.of(cli("search", query, "--json")), db_file, before)


@pytest.mark.parametrize("query", ["", " ", "\t\n", '""', "()", "*"])
def test_search_with_an_empty_query(cli, db_file: Path, query: str) -> None:
    before = snapshot(db_file)
    seen = Outcome.of(cli("search", query, "--json"))
    assert_answered(seen, db_file, before)
    if seen.code == EXIT["ok"]:
        assert all(items == [] for items in json.loads(seen.stdout)["results"].values())


def test_search_without_a_query_is_a_usage_error(cli, db_file: Path) -> None:
    before = snapshot(db_file)
    assert_clean_failure(cli("search"), EXIT["usage"], db_file, before)


# --- tags ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    ["", " ", "two words", "x" * 65, "../../etc/passwd", "'; DROP TABLE paper_tag; --", "a\x00b"],
    ids=["empty", "blank", "space", "65 chars", "traversal", "sql", "nul"],
)
def test_invalid_tag(cli, db_file: Path, tag: str) -> None:
    before = snapshot(db_file)
    line = assert_clean_failure(cli("tag", KEY, "fine", tag), EXIT["bad input"], db_file, before)
    assert "invalid tag" in line


@pytest.mark.parametrize(
    "key",
    ["nosuchkey2099", "'; DELETE FROM paper; --", "../../data/survey.db", "x" * 200, "\x00"],
    ids=["unknown", "sql", "traversal", "200 chars", "nul"],
)
def test_tag_on_a_paper_that_does_not_exist(cli, db_file: Path, key: str) -> None:
    before = snapshot(db_file)
    line = assert_clean_failure(cli("tag", key, "to-read"), EXIT["bad input"], db_file, before)
    assert "no paper" in line


def test_removing_a_tag_the_paper_lacks_changes_nothing(cli, db_file: Path) -> None:
    before = snapshot(db_file)
    result = cli("tag", KEY, "never-added", "--remove")
    assert result.exit_code == 0 and result.stdout == f"{KEY}\tnever-added\tunchanged\n"
    assert snapshot(db_file) == before


# --- BibTeX --------------------------------------------------------------------------------

ENTRY = (
    "@article{{{key},\n  title = {{{title}}},\n  author = {{Ada Lovelace}},\n  year = 2024\n}}\n"
)
# (An entry without a title, or using a macro the file does not define, is usable: it is
# kept, the macro as written — see tests/test_bibtex_fidelity.py.)
UNUSABLE_BIB: dict[str, str] = {
    "unbalanced braces": "@article{u1,\n  title = {Unbalanced {braces},\n  year = 2024\n}\n",
    "missing } at EOF": "@article{u2,\n  title = {Cut short},\n  year = 2024\n",
    "no key": "@article{\n  title = {An entry without a key},\n  year = 2024\n}\n",
    "duplicate keys": ENTRY.format(key="twin", title="The first twin")
    + ENTRY.format(key="twin", title="The second twin"),
    "duplicate fields": "@article{u4,\n  title = {One},\n  title = {Two},\n  year = 2024\n}\n",
    "broken concatenation": "@inproceedings{u5,\n  title = {Macro} # ,\n  year = 2024\n}\n",
    "10 MB field": "@article{u6,\n  title = {Huge},\n  abstract = {"
    + "reasoning " * 1_048_576
    + "},\n  year = 2024\n}\n",
    "only a comment": "% nothing but a comment\n",
}


@pytest.mark.parametrize("case", UNUSABLE_BIB)
def test_import_of_a_file_with_nothing_usable(
    cli, db_file: Path, tmp_path: Path, case: str
) -> None:
    """Every entry is unusable: nothing is written, and exit 1 says so; the entries'
    reasons (with line numbers) may be listed on stdout."""
    bib = tmp_path / "input.bib"
    bib.write_text(UNUSABLE_BIB[case], encoding="utf-8")
    before = snapshot(db_file)
    line = assert_clean_failure(cli("import", str(bib)), EXIT["bad input"], db_file, before)
    assert "input.bib" in line


@pytest.mark.parametrize(
    "content",
    [b"", b"\n \n", bytes(range(256)) * 64, b"\x89PNG\r\n\x1a\n" + b"\x00" * 4000],
    ids=["empty", "blank", "binary", "png"],
)
def test_import_of_a_file_that_is_not_bibtex(
    cli, db_file: Path, tmp_path: Path, content: bytes
) -> None:
    bib = tmp_path / "input.bib"
    bib.write_bytes(content)
    before = snapshot(db_file)
    line = assert_clean_failure(cli("import", str(bib)), EXIT["bad input"], db_file, before)
    assert "input.bib" in line


def test_import_of_a_directory(cli, db_file: Path, tmp_path: Path) -> None:
    (tmp_path / "folder.bib").mkdir()
    before = snapshot(db_file)
    line = assert_clean_failure(
        cli("import", str(tmp_path / "folder.bib")), EXIT["bad input"], db_file, before
    )
    assert "folder.bib" in line


def test_import_of_a_missing_file(cli, db_file: Path, tmp_path: Path) -> None:
    before = snapshot(db_file)
    line = assert_clean_failure(
        cli("import", str(tmp_path / "gone.bib")), EXIT["bad input"], db_file, before
    )
    assert "gone.bib" in line


def test_import_of_an_unreadable_file(db_file: Path, tmp_path: Path) -> None:
    bib = tmp_path / "secret.bib"
    bib.write_text(ENTRY.format(key="s", title="Secret"), encoding="utf-8")
    bib.chmod(0o000)
    before = snapshot(db_file)
    try:
        result = lrmkb_as_a_user("--db", str(db_file), "import", str(bib))
    finally:
        bib.chmod(0o644)
    line = assert_clean_failure(result, EXIT["bad input"], db_file, before)
    assert "secret.bib" in line and "ermission denied" in line


def imported(cli, bib: Path) -> dict:
    """Import `bib` and return the stored record of its one paper."""
    result = cli("import", str(bib), "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    [outcome] = json.loads(result.stdout)["results"]
    assert outcome["outcome"] == "added", outcome
    return json.loads(cli("show", outcome["key"], "--json").stdout)


def test_latin_1_file_is_decoded(cli, tmp_path: Path) -> None:
    bib = tmp_path / "old.bib"
    bib.write_bytes(
        "@article{l1,\n  title = {Café naïve reasoning},\n  author = {Jürgen Müller},\n"
        "  year = 2024\n}\n".encode("latin-1")
    )
    paper = imported(cli, bib)
    assert paper["title"] == "Café naïve reasoning"
    assert paper["authors"] == ["Jürgen Müller"]


def test_byte_order_mark_is_not_part_of_the_first_entry(cli, tmp_path: Path) -> None:
    bib = tmp_path / "bom.bib"
    bib.write_bytes(b"\xef\xbb\xbf" + ENTRY.format(key="b1", title="Marked Order").encode())
    paper = imported(cli, bib)
    assert paper["title"] == "Marked Order"
    assert "\ufeff" not in json.dumps(paper, ensure_ascii=False)


def test_utf_16_file_is_decoded_or_refused_whole(cli, db_file: Path, tmp_path: Path) -> None:
    """A UTF-16 export (with its BOM) is either read correctly or refused cleanly —
    never stored as mojibake or half-imported."""
    bib = tmp_path / "wide.bib"
    bib.write_bytes(ENTRY.format(key="w1", title="Wïde Çharacters").encode("utf-16"))
    before = snapshot(db_file)
    result = cli("import", str(bib), "--json")
    if result.exit_code == 0:
        [outcome] = json.loads(result.stdout)["results"]
        assert outcome["title"] == "Wïde Çharacters"
    else:
        line = assert_clean_failure(result, EXIT["bad input"], db_file, before)
        assert "wide.bib" in line and "UTF-8" in line


def test_string_macro_is_expanded(cli, tmp_path: Path) -> None:
    bib = tmp_path / "macros.bib"
    bib.write_text(
        '@string{acl = "Proceedings of ACL"}\n'
        "@inproceedings{m1,\n  title = {Macro Use},\n  booktitle = acl,\n  year = 2024\n}\n",
        encoding="utf-8",
    )
    assert imported(cli, bib)["venue"] == "Proceedings of ACL"


def test_a_bib_key_that_clashes_with_a_survey_key_renames_nothing(
    cli, db_file: Path, tmp_path: Path
) -> None:
    """An entry reusing `chen2024think` for another paper is a new paper with a new key;
    the survey's paper keeps its key and every field."""
    original = json.loads(cli("show", KEY, "--json").stdout)
    bib = tmp_path / "clash.bib"
    bib.write_text(ENTRY.format(key=KEY, title="Quokka Behaviour in the Wild"), encoding="utf-8")
    paper = imported(cli, bib)
    assert paper["key"] != KEY and paper["title"] == "Quokka Behaviour in the Wild"
    assert json.loads(cli("show", KEY, "--json").stdout) == original


def test_import_never_overwrites_curated_fields(cli, tmp_path: Path) -> None:
    """The same paper with other values: empty fields may be filled, set ones stay."""
    original = json.loads(cli("show", "jiang2025makes", "--json").stdout)
    bib = tmp_path / "other.bib"
    bib.write_text(
        "@article{x,\n  title = {" + original["title"] + "},\n"
        "  author = {Nobody Else and Someone Other},\n  year = 1999,\n"
        "  journal = {Journal of Overwrites},\n  eprint = {" + original["arxiv_id"] + "},\n"
        "  archiveprefix = {arXiv},\n  abstract = {An abstract from elsewhere.}\n}\n",
        encoding="utf-8",
    )
    result = cli("import", str(bib))
    assert result.exit_code == 0, result.stdout + result.stderr
    now = json.loads(cli("show", "jiang2025makes", "--json").stdout)
    for field, value in original.items():
        if value not in (None, "", [], False) and field != "updated":
            assert now[field] == value, field


# --- arXiv ---------------------------------------------------------------------------------

MALFORMED_IDS = {
    "not an id": "reasoning",
    "too few digits": "2505.221",
    "letter o for zero": "25o5.22148",
    "month 13": "2513.12345",
    "version 0": "2505.22148v0",
    "empty": "",
    "prefix only": "arXiv:",
    "200 characters": "2505.22148" + "9" * 190,
    "200 letters": "a" * 200,
    "semicolon": "2505.22148;2505.22149",
    "double quote": '2505.22148"',
    "single quotes": "'2505.22148'",
    "path traversal": "../../../etc/passwd",
    "traversal in url": "https://arxiv.org/abs/../../2505.22148",
    "old-style traversal": "hep-th/../9901001",
    "sql": "2505.22148' OR '1'='1",
    "sql statement": "1; DROP TABLE paper; --",
    "nul": "2505.22148\x00",
}


@pytest.mark.parametrize("source", MALFORMED_IDS.values(), ids=MALFORMED_IDS.keys())
def test_add_malformed_id_is_a_usage_error(cli, db_file: Path, arxiv, source: str) -> None:
    """Refused before any request, naming the accepted forms."""
    before = snapshot(db_file)
    line = assert_clean_failure(cli("add", source), EXIT["usage"], db_file, before)
    assert "2505.22148" in line  # an example of the accepted forms
    assert arxiv.requests == []


def test_add_with_arxiv_down(cli, db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listens on the API port: exit 3, after the retries."""
    monkeypatch.setenv("LRMKB_ARXIV_API", "http://127.0.0.1:9/api/query")
    monkeypatch.setenv("LRMKB_ARXIV_RETRIES", "1")
    monkeypatch.setenv("LRMKB_ARXIV_BACKOFF", "0.01")
    before = snapshot(db_file)
    line = assert_clean_failure(cli("add", "2505.22148"), EXIT["service"], db_file, before)
    assert "arXiv" in line


# the replay server's recordings (tests/fixtures/arxiv/manifest.json) and ours below
ARXIV_FAILURES = {
    "HTTP 400 error entry": ("2501.88888", EXIT["bad input"]),
    "empty feed": ("2501.99999", EXIT["bad input"]),
    "HTTP 429 every time": ("2502.00777", EXIT["service"]),
    "HTTP 500": ("2502.00500", EXIT["service"]),
    "HTTP 503 empty body": ("2502.00778", EXIT["service"]),
    "timeout": ("2502.00408", EXIT["service"]),
    "HTML instead of Atom": ("2502.00200", EXIT["service"]),
    "truncated XML": ("2502.00201", EXIT["service"]),
    "plain text with 200": ("2502.00779", EXIT["service"]),
}


@pytest.fixture
def arxiv(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """The replay server (`arxiv_api`), plus answers arXiv gives on a bad day."""
    replay = request.getfixturevalue("arxiv_api")
    replay.routes["2502.00777"] = [Reply(429, b"Rate exceeded.", {"Retry-After": "0"})]
    replay.routes["2502.00778"] = [Reply(503, b"")]
    replay.routes["2502.00779"] = [Reply(200, b"Service temporarily unavailable\n")]
    monkeypatch.setenv("LRMKB_ARXIV_TIMEOUT", "0.5")
    return replay


@pytest.mark.parametrize("case", ARXIV_FAILURES)
def test_add_when_arxiv_fails(cli, db_file: Path, arxiv, case: str) -> None:
    arxiv_id, code = ARXIV_FAILURES[case]
    before = snapshot(db_file)
    line = assert_clean_failure(cli("add", arxiv_id), code, db_file, before)
    assert arxiv_id in line or "arXiv" in line
    assert arxiv.requests, "arXiv was never asked"


def test_a_failure_in_a_batch_writes_none_of_it(cli, db_file: Path, arxiv) -> None:
    """Two ids in one command, one of them fails: all or nothing."""
    before = snapshot(db_file)
    result = cli("add", "2505.22148", "2502.00500")
    assert result.exit_code == EXIT["service"]
    assert "Traceback" not in result.stdout + result.stderr
    assert snapshot(db_file) == before


# --- what is already there is kept ---------------------------------------------------------


def test_the_snapshot_sees_a_one_tag_change(cli, db_file: Path) -> None:
    """The oracle every case above relies on: one small write changes the dump."""
    before = snapshot(db_file)
    assert cli("tag", KEY, "seen").exit_code == 0
    after = snapshot(db_file)
    assert isinstance(after, str) and after != before and "'seen'" in after


def curated(record: dict) -> dict:
    """The fields of a record that hold something (the ones nothing may overwrite; `links`
    are made from the ids, and an arXiv version filled in adds itself to them)."""
    return {
        f: v
        for f, v in record.items()
        if v not in (None, "", [], False) and f not in ("updated", "links")
    }


def test_add_of_a_survey_paper_enriches_without_overwriting(cli, arxiv) -> None:
    original = json.loads(cli("show", "jiang2025makes", "--json").stdout)
    result = cli("add", "arXiv:2505.22148v2", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    now = json.loads(cli("show", "jiang2025makes", "--json").stdout)
    assert {f: now[f] for f in curated(original)} == curated(original)
    assert now["abstract"]  # an empty field was filled


def test_add_whose_key_clashes_renames_only_the_newcomer(cli, arxiv) -> None:
    """2507.00001's house-style key is taken by a survey paper: the new one gets a suffix."""
    original = json.loads(cli("show", "jiang2025makes", "--json").stdout)
    result = cli("add", "2507.00001", "--section", "1", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    new = json.loads(cli("show", "2507.00001", "--json").stdout)
    assert new["key"].startswith("jiang2025makes") and new["key"] != "jiang2025makes"
    assert json.loads(cli("show", "jiang2025makes", "--json").stdout) == original
