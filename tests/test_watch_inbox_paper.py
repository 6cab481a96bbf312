"""An accepted inbox item follows its paper, as real `lrmkb` processes against the local
arXiv stand-in: after `rename` the inbox and the digest give the paper's new key and
where it is really filed; after `rm` the item waits in the inbox again and can be
accepted again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import arxiv_server
from reliability_fixtures import lrmkb_process

arxiv_api = arxiv_server.arxiv_api
pytestmark = pytest.mark.usefixtures("arxiv_api")
PROBING = "2603.01001"  # suggested 4.3.3 (README's walk-through)


def lrmkb(db: Path, *args: str) -> str:
    done = lrmkb_process("--db", str(db), *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def accepted(db_file: Path) -> tuple[Path, int]:
    """The inbox filled, and the probing paper accepted under 3.3.1 (not its suggestion)."""
    lrmkb(db_file, "watch", "run", "--since", "2025-01-01")
    waiting = json.loads(lrmkb(db_file, "inbox", "--json"))
    item_id = next(i["id"] for i in waiting if i["arxiv_id"] == PROBING)
    assert lrmkb(db_file, "inbox", "accept", str(item_id), "--section", "3.3.1").startswith(
        f"{item_id}\tadded\tokafor2026probing\t"
    )
    return db_file, item_id


def report(db: Path) -> str:
    return lrmkb(db, "watch", "report", "--since", "2020-01-01")


def test_a_renamed_paper_is_shown_by_its_new_key_where_it_is_filed(
    accepted: tuple[Path, int],
) -> None:
    db, item_id = accepted
    lrmkb(db, "rename", "okafor2026probing", "okafor2026hidden")
    shown = lrmkb(db, "inbox", "show", str(item_id))
    assert "key\tokafor2026hidden\n" in shown and "filed\t3.3.1\n" in shown
    as_json = json.loads(lrmkb(db, "inbox", "show", str(item_id), "--json"))
    assert (as_json["status"], as_json["key"], as_json["filed"]) == (
        "accepted",
        "okafor2026hidden",
        ["3.3.1"],
    )
    accepted_line = "accepted as `okafor2026hidden`, filed under 3.3.1"
    assert accepted_line in report(db) and "okafor2026probing" not in report(db)
    lrmkb(db, "rename", "okafor2026hidden", "okafor2026steering")  # and again
    assert "accepted as `okafor2026steering`, filed under 3.3.1" in report(db)
    refused = lrmkb_process("--db", str(db), "inbox", "accept", str(item_id))
    assert refused.returncode == 1
    assert refused.stderr == (
        f"Error: inbox item {item_id} was accepted already, as okafor2026steering — nothing"
        " was written; leave it out\n"
    )


def test_a_removed_paper_s_item_waits_again_and_can_be_accepted_again(
    accepted: tuple[Path, int],
) -> None:
    db, item_id = accepted
    done = lrmkb_process("--db", str(db), "rm", "okafor2026probing", "--yes")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"inbox item {item_id} waits in the inbox again"
        f" (`lrmkb inbox accept {item_id}` files it again)"
    ]
    as_json = json.loads(lrmkb(db, "inbox", "show", str(item_id), "--json"))
    assert (as_json["status"], as_json["key"], as_json["decided"]) == ("waiting", None, None)
    digest = report(db)
    assert "okafor2026probing" not in digest and f"waiting (inbox {item_id})" in digest
    run = json.loads(lrmkb(db, "watch", "run", "--json", "--section", "4.3.3"))
    assert run["summary"]["new"] == 0 and run["summary"]["again"] == 1  # waiting, not lost
    again = lrmkb(db, "inbox", "accept", str(item_id))
    assert again.startswith(f"{item_id}\tadded\tokafor2026probing\t4.3.3\t")
    assert "accepted as `okafor2026probing`, filed under 4.3.3" in report(db)
