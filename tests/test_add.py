"""`lrmkb add`: the real `arxiv` client against a local server replaying arXiv's answers.
What a user sees — output, exit codes — and what the database holds afterwards."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import arxiv_server
from add_fixtures import outcomes, paper, paper_count, sections_of, snapshot, tags_of
from lrmkb.importers.arxiv import ArxivSource
from lrmkb.ingest import ingest
from lrmkb.store import Database

arxiv_api = arxiv_server.arxiv_api  # the fixture: a local arXiv replay server
pytestmark = pytest.mark.usefixtures("arxiv_api")


@pytest.mark.parametrize(
    ("source", "asked", "arxiv_id", "version"),
    [
        ("arxiv:1605.08386", "1605.08386", "1605.08386", 1),
        ("1605.08386", "1605.08386", "1605.08386", 1),
        ("https://arxiv.org/pdf/1605.08386", "1605.08386", "1605.08386", 1),
        ("http://export.arxiv.org/abs/1605.08386", "1605.08386", "1605.08386", 1),
        ("https://arxiv.org/abs/2104.12255v1", "2104.12255v1", "2104.12255", 1),
        ("arXiv:2505.22148v2", "2505.22148v2", "2505.22148", 2),
        ("astro-ph/0601001", "astro-ph/0601001", "astro-ph/0601001", 1),
        ("hep-th/9901001", "hep-th/9901001", "hep-th/9901001", 1),
        ("math.GT/0309136", "math/0309136", "math/0309136", 1),
        ("10.48550/arXiv.1605.08386", "1605.08386", "1605.08386", 1),
    ],
)
def test_every_id_form_is_fetched_and_stored_canonically(
    cli, db_file: Path, arxiv_api, source: str, asked: str, arxiv_id: str, version: int
) -> None:
    result = cli("add", source, "--json")
    assert result.exit_code == 0, result.stderr
    assert arxiv_api.requests == [asked]
    [outcome] = json.loads(result.stdout)["results"]
    stored = paper(db_file, outcome["key"])
    assert (stored["arxiv_id"], stored["arxiv_version"]) == (arxiv_id, version)


def test_a_malformed_id_is_a_usage_error_naming_the_accepted_forms(cli, arxiv_api) -> None:
    result = cli("add", "2505.221")
    assert result.exit_code == 2
    assert "'2505.221' is not an arXiv id" in result.stderr
    assert "arXiv:2505.22148v2" in result.stderr and "hep-th/9901001" in result.stderr
    assert arxiv_api.requests == []


def test_a_batch_is_one_request_and_one_line_per_paper(cli, db_file: Path, arxiv_api) -> None:
    result = cli("add", "2505.22148", "arxiv:1605.08386")
    assert result.exit_code == 0, result.stderr
    assert arxiv_api.requests == ["2505.22148,1605.08386"]
    rows = outcomes(result)
    assert [(r["action"], r["key"], r["source"]) for r in rows] == [
        ("enriched", "jiang2025makes", "2505.22148"),
        ("added", "stanley2016heatbath", "arxiv:1605.08386"),
    ]
    assert rows[1]["title"] == "Heat-bath random walks with Markov bases"
    assert paper(db_file, "stanley2016heatbath")["authors"] == [
        "Caprice Stanley",
        "Tobias Windisch",
    ]


def test_adding_a_survey_paper_enriches_it_instead_of_duplicating(cli, db_file: Path) -> None:
    before = paper(db_file, "jiang2025makes")
    result = cli("add", "arxiv:2505.22148")
    assert result.exit_code == 0, result.stderr
    [row] = outcomes(result)
    assert (row["action"], row["key"]) == ("enriched", "jiang2025makes")
    assert row["title"].startswith("What Makes a Good Reasoning Chain?")
    assert row["detail"].startswith(
        "matched by arxiv id; filled arxiv_version, abstract, primary_category"
    )
    after = paper(db_file, "jiang2025makes")
    assert paper_count(db_file) == 128
    assert after["abstract"].startswith("Synthetic test record")
    assert after["categories"] == ["cs.AI", "cs.CL"]
    assert (after["primary_category"], after["published"]) == ("cs.AI", "2025-05-28")
    assert after["arxiv_version"] == 2
    # what the seeds set stays as it was: title case, venue, authors, short name, source
    for column in ("title", "venue", "authors", "short_name", "source", "entry_type", "year"):
        assert after[column] == before[column], column


def test_a_paper_without_arxiv_id_is_found_by_title_author_and_year(cli, db_file: Path) -> None:
    result = cli("add", "2504.10903", "--json")
    assert result.exit_code == 0, result.stderr
    [outcome] = json.loads(result.stdout)["results"]
    assert (outcome["outcome"], outcome["key"]) == ("enriched", "feng2025efficient")
    assert outcome["matched_by"] == "title, first author and year"
    stored = paper(db_file, "feng2025efficient")
    assert (stored["arxiv_id"], stored["id_source"]) == ("2504.10903", "arxiv")
    assert stored["title"] == "Efficient reasoning models: A survey"  # the survey's spelling


def test_a_paper_is_found_by_doi(cli, db_file: Path, tmp_path: Path) -> None:
    bib = tmp_path / "mine.bib"
    bib.write_text(
        "@article{murray12,\n  author = {Murray, J. M. and Del Maestro, A.},\n"
        "  title = {Quantum criticality on a {Bethe} lattice},\n  year = 2012,\n"
        "  doi = {10.1103/PhysRevB.85.115117},\n}\n",
        encoding="utf-8",
    )
    assert cli("import", str(bib)).exit_code == 0
    result = cli("add", "arXiv:1111.2011v2")
    assert result.exit_code == 0, result.stderr
    [row] = outcomes(result)
    assert (row["action"], row["key"]) == ("enriched", "murray12")  # the entry's own key
    assert row["detail"].startswith("matched by doi; filled arxiv_id, arxiv_version, abstract")
    stored = paper(db_file, "murray12")
    # the author list the user gave is theirs: never extended (it did not say "and others")
    assert stored["authors"] == ["J. M. Murray", "A. Del Maestro"]
    assert stored["arxiv_id"] == "1111.2011"
    # the entry is exported as written, with what arXiv filled after its own fields
    bib = cli("export", "--key", "murray12").stdout
    assert bib.startswith("@article{murray12,\n  author = {Murray, J. M. and Del Maestro, A.},")
    assert "  eprint = {1111.2011},\n  archivePrefix = {arXiv},\n" in bib
    assert "  abstract = {" in bib


def test_a_key_clash_suffixes_the_new_key_only(cli, db_file: Path) -> None:
    before = paper(db_file, "jiang2025makes")
    result = cli("add", "2507.00001")
    assert result.exit_code == 0, result.stderr
    [row] = outcomes(result)
    assert (row["action"], row["key"]) == ("added", "jiang2025makesa")
    assert row["title"].startswith("Makes Sense: Calibrating")
    assert paper(db_file, "jiang2025makes") == before
    assert paper(db_file, "jiang2025makesa")["source"] == "arxiv"


def test_dry_run_says_what_would_happen_and_writes_nothing(cli, db_file: Path) -> None:
    before = snapshot(db_file)
    result = cli("add", "--dry-run", "2505.22148", "2507.00001", "--section", "auto")
    assert result.exit_code == 0, result.stderr
    assert [(r["action"], r["key"]) for r in outcomes(result)] == [
        ("enriched", "jiang2025makes"),
        ("added", "jiang2025makesa"),
    ]
    assert result.stderr == "dry run: nothing was written\n"
    assert snapshot(db_file) == before


def test_without_section_three_sections_are_suggested(cli, db_file: Path) -> None:
    [row] = outcomes(cli("add", "2507.00001", "--dry-run"))
    assert re.fullmatch(r"suggested: (\S+ \(0\.\d{3}\), ){2}\S+ \(0\.\d{3}\)", row["detail"])
    assert {"4.1.3", "4.3.3"} <= set(re.findall(r"(\S+) \(", row["detail"]))
    assert row["sections"] == ""
    result = cli("add", "2507.00001", "--json")
    [outcome] = json.loads(result.stdout)["results"]
    suggestions = outcome["suggestions"]
    assert len(suggestions) == 3
    # it is about overthinking and confidence calibration (4.1.3 discusses calibration)
    assert {s["code"] for s in suggestions} >= {"4.1.3", "4.3.3"}
    assert suggestions[0]["score"] >= suggestions[1]["score"] >= suggestions[2]["score"] > 0
    assert sections_of(db_file, "jiang2025makesa") == []


def test_section_auto_files_under_the_best_suggestion(cli, db_file: Path) -> None:
    dry = json.loads(cli("add", "2507.00001", "--dry-run", "--json").stdout)
    best = dry["results"][0]["suggestions"][0]["code"]
    result = cli("add", "2507.00001", "--section", "auto")
    assert result.exit_code == 0, result.stderr
    assert outcomes(result)[0]["sections"] == best
    assert sections_of(db_file, "jiang2025makesa") == [best]


def test_section_and_tag_options_file_and_tag(cli, db_file: Path) -> None:
    result = cli("add", "1605.08386", "--section", "4.3.1", "--section", "b.1", "--tag", "To-Read")
    assert result.exit_code == 0, result.stderr
    assert sections_of(db_file, "stanley2016heatbath") == ["4.3.1", "B.1"]
    assert tags_of(db_file, "stanley2016heatbath") == ["to-read"]
    found = json.loads(cli("search", "Markov bases", "--type", "paper", "--json").stdout)
    assert "stanley2016heatbath" in json.dumps(found)
    assert cli("db", "check").exit_code == 0


def test_an_unknown_section_lists_the_valid_codes_before_any_request(
    cli, db_file: Path, arxiv_api
) -> None:
    result = cli("add", "1605.08386", "--section", "9.9")
    assert result.exit_code == 1
    assert "no section '9.9'" in result.stderr
    assert "auto or one of: 1, 2, 2.1, 2.1.1" in result.stderr.replace("`", "")
    assert arxiv_api.requests == []


def test_an_id_arxiv_does_not_know_is_not_found_and_nothing_is_written(cli, db_file: Path) -> None:
    before = snapshot(db_file)
    result = cli("add", "arxiv:2501.99999")
    assert result.exit_code == 1
    assert "Error: not found on arXiv: 2501.99999" in result.stderr
    assert snapshot(db_file) == before


def test_arxivs_http_400_error_entry_is_not_found(cli, db_file: Path) -> None:
    before = snapshot(db_file)
    result = cli("add", "2501.88888")
    assert result.exit_code == 1
    assert "arXiv rejected the request: incorrect id format for abc" in result.stderr
    assert snapshot(db_file) == before


def test_a_partial_answer_fails_whole_unless_keep_going(cli, db_file: Path) -> None:
    before = snapshot(db_file)
    result = cli("add", "0808.05394", "1707.08567")
    assert result.exit_code == 1
    assert "not found on arXiv: 0808.05394" in result.stderr
    assert snapshot(db_file) == before
    result = cli("add", "0808.05394", "1707.08567", "--keep-going")
    assert result.exit_code == 1
    failed, added = outcomes(result)
    assert (failed["action"], failed["source"], failed["detail"]) == (
        "failed",
        "0808.05394",
        "0808.05394 not found on arXiv",
    )
    assert added["action"] == "added"
    assert paper_count(db_file) == 129


def test_429_then_success_is_retried(cli, db_file: Path, arxiv_api) -> None:
    result = cli("add", "2502.00429")
    assert result.exit_code == 0, result.stderr
    assert [(r["action"], r["key"]) for r in outcomes(result)] == [("added", "lovelace2025record")]
    assert arxiv_api.requests == ["2502.00429", "2502.00429"]


@pytest.mark.parametrize(
    ("arxiv_id", "problem"),
    [
        ("2502.00500", "HTTP 500, 3 tries"),
        ("2502.00200", "its answer was not an arXiv Atom feed, 3 tries"),
        ("2502.00201", "its answer was not an arXiv Atom feed, 3 tries"),  # truncated XML
    ],
)
def test_a_failing_arxiv_is_exit_3_and_nothing_is_written(
    cli, db_file: Path, arxiv_api, arxiv_id: str, problem: str
) -> None:
    before = snapshot(db_file)
    result = cli("add", arxiv_id)
    assert result.exit_code == 3
    assert f"Error: arXiv did not answer properly ({problem})" in result.stderr
    assert "try again later or set LRMKB_ARXIV_API to a mirror" in result.stderr
    assert arxiv_api.requests == [arxiv_id] * 3
    assert snapshot(db_file) == before


def test_a_server_that_never_answers_times_out(
    cli, db_file: Path, arxiv_api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRMKB_ARXIV_TIMEOUT", "0.2")
    monkeypatch.setenv("LRMKB_ARXIV_RETRIES", "1")
    result = cli("add", "2502.00408")
    assert result.exit_code == 3
    assert "arXiv did not answer properly (no answer within 0.2 s, 2 tries)" in result.stderr
    assert arxiv_api.requests == ["2502.00408"] * 2


def test_no_server_at_all_is_exit_3(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LRMKB_ARXIV_API", "http://127.0.0.1:9/api/query")
    monkeypatch.setenv("LRMKB_ARXIV_RETRIES", "0")
    result = cli("add", "2505.22148")
    assert result.exit_code == 3
    assert "cannot connect" in result.stderr


def test_adding_twice_changes_nothing_the_second_time(cli, db_file: Path) -> None:
    assert cli("add", "1605.08386").exit_code == 0
    before = snapshot(db_file)
    result = cli("add", "https://arxiv.org/abs/1605.08386")
    assert result.exit_code == 0
    [row] = outcomes(result)
    assert (row["action"], row["key"]) == ("skipped", "stanley2016heatbath")
    assert row["detail"] == (
        "already in the database (stanley2016heatbath, same arxiv id); nothing new to fill"
    )
    assert snapshot(db_file) == before


def test_the_library_api_works_without_the_cli(db_file: Path) -> None:
    with Database.open(db_file, write=True) as db:
        report = ingest(db, ArxivSource(["2505.22148"]), tags=["mine"], suggest=True)
    assert report.counts() == {"added": 0, "enriched": 1, "skipped": 0, "failed": 0}
    assert report.as_dict()["results"][0]["key"] == "jiang2025makes"
    assert tags_of(db_file, "jiang2025makes") == ["mine"]
