"""`lrmkb watch` and `lrmkb inbox`: the real `arxiv` client against the local stand-in for
arXiv's search API (tests/arxiv_server.py), on a copy of the survey database."""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path

import pytest

import arxiv_server
from add_fixtures import paper, sections_of, tags_of
from arxiv_server import Reply
from conftest import dump, replace_once

arxiv_api = arxiv_server.arxiv_api
pytestmark = pytest.mark.usefixtures("arxiv_api")

SYNTHETIC = {  # the synthetic LRM entries the curated queries find (fixtures/arxiv-search)
    "2603.01001",
    "2603.00412",
    "2602.11873",
    "2602.10455",
    "2602.09120",
    "2602.07731",
    "2602.05210",
    "2602.03318",
    "2602.01207",
}
CURATED = 41  # one query per section and research question


def inbox(db: Path, status: str = "waiting") -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM inbox WHERE ? IN ('all', status)", (status,)).fetchall()
    return {r["arxiv_id"]: dict(r) for r in rows}


def one(db: Path, sql: str, *args: object) -> object:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchone()[0]


def test_seeds_carry_a_query_for_every_section_and_question(db_file: Path) -> None:
    nodes = one(db_file, "SELECT count(*) FROM taxonomy_node WHERE kind IN ('section', 'question')")
    assert one(db_file, "SELECT count(*) FROM watch_query WHERE origin = 'seeds'") == nodes
    assert nodes == CURATED


def test_the_seeds_validator_names_a_missing_or_broken_query(seeds_copy: Path) -> None:
    from lrmkb.importers.seeds import load, validate

    replace_once(seeds_copy / "watch.toml", 'code = "4.3.2"', 'code = "4.3.9"')
    replace_once(seeds_copy / "watch.toml", "(ti:overthinking OR", "(title:overthinking OR")
    problems = validate(load(seeds_copy))
    assert "watch.toml: 4.3.2 (question) has no watch query" in problems
    assert "watch.toml: query for unknown node 4.3.9" in problems
    assert any(p.startswith("watch.toml: query for 4.3: unknown field 'title:'") for p in problems)


def test_a_first_run_fills_the_inbox(cli, db_file: Path, arxiv_api) -> None:
    result = cli("watch", "run", "--since", "2025-01-01")
    assert result.exit_code == 0, result.output
    assert f"added {len(SYNTHETIC)} paper(s) to the inbox from {CURATED} watch queries" in (
        result.stderr
    )
    found = inbox(db_file)
    assert set(found) == SYNTHETIC
    # the survey's own papers are known: one by arXiv id, one (no id in the survey) by title
    assert "2505.22148" not in found and "2504.10903" not in found
    assert "4.3\t2025-01-01\t3\t1\t1\t" in result.stdout  # code, since, found, new, known
    item = found["2602.09120"]
    record = json.loads(item["record"])
    assert record["doi"] == "10.48550/lrmkb.2602.09120"
    assert record["journal_ref"] == "Proc. of a workshop on factuality, 2026"
    assert record["authors"] == ["Ana Beltran", "Kofi Mensah"]
    assert record["published"] == "2026-02-16" and record["categories"] == ["cs.CL"]
    suggestions = json.loads(item["suggestions"])
    assert len(suggestions) == 3 and suggestions[0]["code"] == item["node_code"]
    assert suggestions[0]["score"] == item["score"] >= suggestions[1]["score"]
    by = {f["code"]: f["terms"] for f in json.loads(found["2603.01001"]["found_by"])}
    assert by["4.3.3"][:2] == ["abs:overthinking", "abs:mechanistic"]
    # arXiv's etiquette: newest first, pages of 100, a User-Agent that says who asks
    searches = arxiv_api.search.searches
    assert len(searches) == CURATED
    assert {(s["sortBy"], s["sortOrder"], s["start"], s["max_results"]) for s in searches} == {
        ("submittedDate", "descending", "0", "100")
    }
    assert all(ua.startswith("lrmkb/") and "arxiv.py/" in ua for ua in arxiv_api.search.user_agents)


def test_a_second_run_fetches_only_what_is_newer(cli, db_file: Path, arxiv_api) -> None:
    cli("watch", "run", "--since", "2025-01-01")
    arxiv_api.search.publish(
        "2603.01001", "2603.09001v1", "2026-03-10T09:00:00Z", "Overthinking Detectors"
    )
    arxiv_api.search.searches.clear()
    result = cli("watch", "run")
    assert result.exit_code == 0, result.output
    assert "added 1 paper(s) to the inbox" in result.stderr
    # back to the newest date 4.3 had seen (2026-03-02) less the overlap of 3 days; the
    # new paper was found by 3.3 first, then again by 4.3: one inbox item
    assert "4.3\t2026-02-27\t3\t0\t0\t3\t" in result.stdout  # 3 already in the inbox
    assert [s["start"] for s in arxiv_api.search.searches] == ["0"] * CURATED
    assert set(inbox(db_file)) == SYNTHETIC | {"2603.09001"}


def test_a_dry_run_asks_arxiv_and_writes_nothing(cli, db_file: Path) -> None:
    before = dump(db_file)
    result = cli("watch", "run", "--since", "2025-01-01", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dry_run"] and report["summary"]["new"] == len(SYNTHETIC)
    assert {n["arxiv_id"] for n in report["new"]} == SYNTHETIC
    assert dump(db_file) == before


def publish_clones(arxiv_api, count: int) -> set[str]:
    """`count` new submissions titled "Clone study N", newest last (copies of a software
    engineering paper without DOI: no curated query finds them)."""
    ids = set()
    for n in range(count):
        arxiv_id = f"2601.{10000 + n}"
        stamp = f"2026-01-{1 + n // 24:02d}T{n % 24:02d}:00:00Z"
        # each by another first author, or the dedupe ladder's fuzzy rung would merge them
        arxiv_api.search.publish(
            "1812.11470", f"{arxiv_id}v1", stamp, f"Clone study {n}", f"Ana Clone{n}"
        )
        ids.add(arxiv_id)
    return ids


def test_pages_of_100_down_to_an_empty_last_page(cli, db_file: Path, arxiv_api) -> None:
    clones = publish_clones(arxiv_api, 230)
    arxiv_api.search.overstate = 20  # arXiv's total is an estimate: page 3 ends short …
    assert cli("watch", "set", "B.3", "ti:clone").exit_code == 0
    result = cli("watch", "run", "--section", "B.3", "--since", "2025-01-01")
    assert result.exit_code == 0, result.output
    starts = [s["start"] for s in arxiv_api.search.searches]
    assert starts == ["0", "100", "200"]  # … and a short page is the last one
    assert clones <= set(inbox(db_file)) and len(inbox(db_file)) == 230
    assert "B.3\t2025-01-01\t230\t230\t" in result.stdout


def test_an_empty_page_inside_the_total_is_asked_again_then_taken_as_the_end(
    cli, db_file: Path, arxiv_api
) -> None:
    publish_clones(arxiv_api, 100)
    arxiv_api.search.overstate = 50
    cli("watch", "set", "B.3", "ti:clone")
    result = cli("watch", "run", "--section", "B.3", "--since", "2025-01-01")
    assert result.exit_code == 0, result.output
    assert [s["start"] for s in arxiv_api.search.searches] == ["0", "100", "100", "100"]
    assert len(inbox(db_file)) == 100


def test_max_caps_each_query(cli, db_file: Path, arxiv_api) -> None:
    publish_clones(arxiv_api, 150)
    cli("watch", "set", "B.3", "ti:clone")
    result = cli("watch", "run", "--section", "B.3", "--since", "2025-01-01", "--max", "120")
    assert "B.3\t2025-01-01\t120\t120\t0\t0\t0\tstopped at --max\n" in result.stdout
    assert [s["start"] for s in arxiv_api.search.searches] == ["0", "100"]


RATE_LIMITED = Reply(429, b"Rate exceeded.", {"Retry-After": "0"})


def test_a_429_is_retried_and_the_run_goes_on(cli, db_file: Path, arxiv_api) -> None:
    arxiv_api.search.canned = [RATE_LIMITED, RATE_LIMITED]
    result = cli("watch", "run", "--since", "2025-01-01", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["requests"] == CURATED + 2
    assert set(inbox(db_file)) == SYNTHETIC


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (Reply(503, b"Service Unavailable"), "HTTP 503, 3 tries"),
        (
            Reply(200, b"<html><body>arXiv is down for maintenance</body></html>"),
            "its answer was not an arXiv Atom feed, 3 tries",
        ),
    ],
)
def test_a_failing_arxiv_stops_the_run_and_keeps_what_it_saved(
    cli, db_file: Path, arxiv_api, reply: Reply, problem: str
) -> None:
    cli("watch", "set", "1", "abs:overthinking")  # the first query finds something …
    arxiv_api.search.failing = (2, reply)  # … and every request after it fails
    result = cli("watch", "run", "--since", "2025-01-01")
    assert result.exit_code == 3
    assert f"Error: arXiv did not answer properly ({problem})" in result.stderr
    assert len(arxiv_api.search.searches) == 1 + 3
    saved = inbox(db_file)
    assert set(saved) == {"2603.01001", "2603.00412"}
    arxiv_api.search.failing = None
    again = cli("watch", "run")
    assert again.exit_code == 0, again.output
    assert "done in the interrupted run" in again.stdout  # query 1 is not asked again
    assert set(inbox(db_file)) == SYNTHETIC


def test_a_slow_answer_times_out_and_is_asked_again(
    cli, db_file: Path, arxiv_api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRMKB_ARXIV_TIMEOUT", "0.5")
    slow = arxiv_api.search
    cli("watch", "set", "B.3", "ti:overthinking")
    slow.canned = [Reply(200, b"", {}, delay=2.0)]
    result = cli("watch", "run", "--section", "B.3", "--since", "2025-01-01")
    assert result.exit_code == 0, result.output
    assert len(slow.searches) == 2 and "2603.01001" in inbox(db_file)


def test_the_politeness_delay_spaces_every_request(
    cli, arxiv_api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRMKB_ARXIV_DELAY", "0.3")
    cli("watch", "run", "--section", "4.3", "--since", "2025-01-01")
    times = arxiv_api.search.times
    assert len(times) == 4
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.29


def test_accept_files_papers_under_their_best_suggestion(cli, db_file: Path) -> None:
    cli("watch", "run", "--since", "2025-01-01")
    items = json.loads(cli("inbox", "--json").stdout)
    first, second = items[0], items[1]
    result = cli("inbox", "accept", str(first["id"]), str(second["id"]), "--tag", "watched")
    assert result.exit_code == 0, result.output
    after = inbox(db_file, "all")
    for item in (first, second):
        row = after[item["arxiv_id"]]
        assert row["status"] == "accepted" and row["decided"]
        key = row["paper_key"]
        assert f"{item['id']}\tadded\t{key}\t{item['node']}\t" in result.stdout
        assert sections_of(db_file, key) == [item["node"]]
        assert tags_of(db_file, key) == ["watched"]
        stored = paper(db_file, key)
        assert stored["arxiv_id"] == item["arxiv_id"] and stored["source"] == "arxiv"
        assert stored["abstract"] == item["abstract"]
    assert cli("inbox", "--json").stdout.count('"id"') == len(SYNTHETIC) - 2


def test_accept_with_section_and_min_score(cli, db_file: Path) -> None:
    cli("watch", "run", "--since", "2025-01-01")
    items = json.loads(cli("inbox", "--json").stdout)
    low = items[-1]
    result = cli("inbox", "accept", str(low["id"]), "--section", "4.3.3")
    assert result.exit_code == 0, result.output
    assert sections_of(db_file, inbox(db_file, "all")[low["arxiv_id"]]["paper_key"]) == ["4.3.3"]
    threshold = items[2]["score"]
    bulk = cli("inbox", "accept", "--min-score", str(threshold), "--json")
    assert bulk.exit_code == 0, bulk.output
    accepted = {r["arxiv_id"] for r in json.loads(bulk.stdout)}
    assert accepted == {i["arxiv_id"] for i in items if i["score"] >= threshold}


def test_a_bad_accept_writes_nothing(cli, db_file: Path) -> None:
    cli("watch", "run", "--since", "2025-01-01")
    cli("inbox", "accept", "1")
    before = dump(db_file)
    for args, message in [
        (("1", "2"), "Error: inbox item 1 was accepted already, as "),
        (("2", "999"), "Error: no inbox item 999 — nothing was written"),
        (("2", "--section", "9.9"), "Error: no section '9.9'"),
        ((), "Error: no inbox item given — name items by id, or pass --min-score X"),
    ]:
        result = cli("inbox", "accept", *args)
        assert result.exit_code in (1, 2), result.output
        assert message in result.stderr
    assert dump(db_file) == before


def test_a_rejected_paper_never_comes_back(cli, db_file: Path) -> None:
    cli("watch", "run", "--since", "2025-01-01")
    item_id = inbox(db_file)["2603.01001"]["id"]
    result = cli("inbox", "reject", str(item_id))
    assert result.exit_code == 0 and "\trejected\tProbing the Hidden States" in result.stdout
    again = cli("watch", "run", "--since", "2025-01-01", "--json")
    summary = json.loads(again.stdout)["summary"]
    assert summary["new"] == 0 and summary["rejected"] == 4  # 3.3, 4.3, 4.3.2 and 4.3.3
    assert inbox(db_file, "all")["2603.01001"]["status"] == "rejected"
    assert "2603.01001" not in cli("inbox").stdout


def test_the_inbox_lists_sorted_and_shows_one(cli, db_file: Path) -> None:
    cli("watch", "run", "--since", "2025-01-01")
    listing = cli("inbox", "--sort", "date").stdout.splitlines()
    assert len(listing[0].split("\t")) == 7  # id, node, score, date, arxiv_id, status, title
    dates = [line.split("\t")[3] for line in listing]
    assert dates == sorted(dates, reverse=True) and len(dates) == len(SYNTHETIC)
    scores = [float(line.split("\t")[2]) for line in cli("inbox").stdout.splitlines()]
    assert scores == sorted(scores, reverse=True)
    by_node = [line.split("\t") for line in cli("inbox", "--sort", "node").stdout.splitlines()[1:]]
    assert [r[1] for r in by_node] == sorted(r[1] for r in by_node)
    under = json.loads(cli("inbox", "--section", "4.3", "--json").stdout)
    assert under and all(
        i["node"].startswith("4.3") or any(f["code"].startswith("4.3") for f in i["found_by"])
        for i in under
    )
    assert len(under) < len(SYNTHETIC)
    item_id = inbox(db_file)["2602.09120"]["id"]
    shown = cli("inbox", "show", str(item_id)).stdout
    assert "\njournal_ref\tProc. of a workshop on factuality, 2026\n" in shown
    assert "\nwhy\tfound by 4.1.1 (abs:hallucinate" in shown
    assert "\nsuggestion\t4.1.1 " in shown
    assert cli("inbox", "--sort", "size").exit_code == 2
    missing = cli("inbox", "show", "999")
    assert missing.exit_code == 1 and "Error: no inbox item 999" in missing.stderr


def test_the_digest_lists_what_was_accepted_with_its_reason(cli, db_file: Path) -> None:
    cli("watch", "run", "--since", "2025-01-01")
    item = inbox(db_file)["2602.10455"]
    cli("inbox", "accept", str(item["id"]))
    key = inbox(db_file, "all")["2602.10455"]["paper_key"]
    result = cli("watch", "report", "--since", "2000-01-01", "--format", "md")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# What's new on arXiv since 2000-01-01\n")
    assert f"1 accepted, {len(SYNTHETIC) - 1} waiting in the inbox" in text
    assert "### 4.2.3 Can we mitigate reward hacking by CoT monitoring?" in text
    assert f'accepted as `{key}`, filed under 4.2.3 · found by 4.2.3 (abs:"reward hacking"' in text
    assert "[arXiv:2602.10455](https://arxiv.org/abs/2602.10455)" in text
    later = cli("watch", "report", "--since", "2999-01-01").stdout
    assert "0 accepted, 0 waiting" in later


def test_users_set_list_and_remove_their_own_queries(cli, db_file: Path) -> None:
    bad = cli("watch", "set", "4.3", "title:overthinking")
    assert bad.exit_code == 1
    assert "Error: unknown field 'title:' in 'title:overthinking' — arXiv's fields: ti (title)" in (
        bad.stderr
    )
    assert cli("watch", "set", "4.3", "abs:x and abs:y").exit_code == 1
    assert cli("watch", "set", "9.9", "abs:x").exit_code == 1
    cli("watch", "run", "--section", "4.3.3", "--since", "2025-01-01")
    result = cli("watch", "set", "4.3.3", 'abs:overthinking ANDNOT ti:"hidden states"')
    assert result.exit_code == 0
    assert result.stdout == '4.3.3\treplaced\tabs:overthinking ANDNOT ti:"hidden states"\n'
    listing = cli("watch", "list", "--section", "4.3", "--json")
    rows = {q["code"]: q for q in json.loads(listing.stdout)}
    assert set(rows) == {"4.3", "4.3.1", "4.3.2", "4.3.3"}
    assert rows["4.3.3"]["origin"] == "user" and rows["4.3.3"]["last_run"] is None
    assert rows["4.3"]["origin"] == "seeds"
    assert cli("watch", "rm", "4.3.3").exit_code == 0
    gone = cli("watch", "rm", "4.3.3")
    assert gone.exit_code == 1 and "4.3.3 has no watch query" in gone.stderr
    nothing = cli("watch", "run", "--section", "4.3.3")
    assert nothing.exit_code == 1 and "no watch query under 4.3.3" in nothing.stderr


def test_a_bad_since_is_a_usage_error(cli) -> None:
    result = cli("watch", "run", "--since", "yesterday")
    assert result.exit_code == 2 and "'yesterday' is not a date" in result.stderr


def test_the_awesome_list_opens_with_whats_new(cli, db_file: Path) -> None:
    from datetime import UTC, datetime

    today = datetime.now(UTC).date().isoformat()
    cli("watch", "run", "--since", "2025-01-01")
    found = inbox(db_file)
    cli("inbox", "accept", str(found["2602.10455"]["id"]), str(found["2603.01001"]["id"]))
    result = cli("export", "--format", "awesome", "--since", today)
    assert result.exit_code == 0, result.output
    text = result.stdout
    block = text[text.index(f"## 🆕 What's new since {today}") : text.index("## 🔗 Citation")]
    assert "| Date | Name | Title | Paper | Github | Filed under |" in block
    rows = [line for line in block.splitlines() if line.startswith("| 2026")]
    assert len(rows) == 2  # the survey's own papers were added long before today
    assert rows[0].startswith("| 2026-03 |") and "Probing the Hidden States" in rows[0]
    assert rows[0].endswith(" 4.3.3 |") and rows[1].endswith(" 4.2.3 |")
    assert f"- [🆕 What's new since {today}]" in text  # in the contents
    plain = cli("export", "--format", "awesome").stdout
    assert "What's new" not in plain
    wrong = cli("export", "--format", "bib", "--since", today)
    assert wrong.exit_code == 2 and "--since adds a What's new block" in wrong.stderr
