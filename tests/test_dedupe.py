"""The dedupe ladder: what merges, what contradicts a merge, and the q-gram index that
finds exactly what a scan of the bucket would."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from lrmkb.dedupe import (
    FUZZY_THRESHOLD,
    SHORT,
    WORDS,
    DuplicateIndex,
    contradiction,
    distinguishers,
    identity,
    normalise_title,
)


def paper(title: str, **fields: Any) -> dict[str, Any]:
    return {"title": title, "authors": ["Ada Tester"], "year": 2024} | fields


def decide(existing: list[dict[str, Any]], incoming: dict[str, Any], **kw: Any) -> Any:
    index = DuplicateIndex(**kw)
    for n, p in enumerate(existing):
        index.add(p.get("key", f"k{n}"), identity(p))
    return index.decide(identity(incoming))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Faithfulness in small models, Part I", "Faithfulness in small models, Part II"),
        ("Reasoning at 7B scale", "Reasoning at 70B scale"),
        ("Collected reasoning traces, Volume 1", "Collected reasoning traces, Volume 2"),
        ("Scaling laws, part one", "Scaling laws, part two"),
        ("Benchmarks part A", "Benchmarks part B"),
        ("GPT-3 reasoning", "GPT-4 reasoning"),
    ],
)
def test_titles_that_differ_in_a_number_size_part_or_volume_are_two_papers(a: str, b: str) -> None:
    assert fuzz.ratio(normalise_title(a), normalise_title(b)) >= FUZZY_THRESHOLD
    decision = decide([paper(a)], paper(b))
    assert decision.match is None
    assert decision.kept_apart == [("k0", "titles differ in a number, size, part or volume")]


def test_the_same_numbers_spelled_differently_still_match() -> None:
    assert distinguishers(normalise_title("Models, Part II")) == ("2",)
    assert distinguishers(normalise_title("Models, part two")) == ("2",)
    decision = decide([paper("GPT-4 as a reasoner, Part II")], paper("GPT4 as a Reasoner: part 2"))
    assert decision.match is not None and decision.match.rung == "title, first author and year"


@pytest.mark.parametrize(
    ("field", "x", "y", "reason"),
    [
        ("volume", "12", "13", "different volume (12 / 13)"),
        ("number", "3", "4", "different number (3 / 4)"),
        ("pages", "1--10", "11--20", "different pages (1 / 11)"),
        ("doi", "10.1/a", "10.1/b", "different DOI (10.1/a / 10.1/b)"),
        ("arxiv_id", "2501.00001", "2501.00002", "different arXiv id (2501.00001 / 2501.00002)"),
    ],
)
def test_recurring_column_titles_in_different_issues_are_kept(
    field: str, x: str, y: str, reason: str
) -> None:
    decision = decide(
        [paper("From the editor", **{field: x})], paper("From the editor", **{field: y})
    )
    assert decision.match is None
    assert decision.kept_apart == [("k0", reason.replace(f"({x} / {y})", f"({x} / {y})"))]


def test_a_missing_field_contradicts_nothing_and_leading_zeros_do_not_count() -> None:
    a = identity(paper("T", volume="05", number="03n04", pages="913--934"))
    assert contradiction(a, identity(paper("T", volume="5"))) is None
    assert contradiction(a, identity(paper("T", pages="913"))) is None


def test_ids_win_over_everything() -> None:
    existing = [paper("Something else entirely", arxiv_id="2501.00001", key="x")]
    assert decide(existing, paper("Other", arxiv_id="2501.00001")).match.rung == "arxiv id"
    existing = [paper("Something", doi="10.1/A", key="y")]
    assert decide(existing, paper("Other", doi="10.1/a")).match.key == "y"


def test_one_imports_entries_never_merge_on_title_but_do_on_ids() -> None:
    index = DuplicateIndex()
    batch = object()
    index.add("a", identity(paper("From the editor", doi="10.1/x")), batch)
    assert index.decide(identity(paper("From the editor"))).match is None
    assert index.decide(identity(paper("Other", doi="10.1/X"))).match.key == "a"
    index.add("b", identity(paper("From the editor")))  # a paper of the database
    assert index.decide(identity(paper("From the editor"))).match.key == "b"


def test_the_same_key_comes_first_among_equals() -> None:
    existing = [paper("From the editor", key="a"), paper("From the editor", key="b")]
    got = decide(existing, paper("From the editor", key="b"))
    assert (got.match.key, got.match.rung) == ("b", "key")


def test_no_title_never_matches_on_title() -> None:
    assert decide([paper("")], paper("")).match is None


def test_survey_names_are_compared_by_family_name() -> None:
    existing = [
        {"title": "Deepseek-r1 thoughtology", "authors": ["Sara Vera Marjanović"], "year": 2025}
    ]
    incoming = paper("DeepSeek-R1 Thoughtology", year=2025)
    incoming["author_names"] = [{"family": "Marjanovic", "given": "Sara Vera"}]
    assert decide(existing, incoming).match is not None


# --- the q-gram index finds what a scan finds ------------------------------------------------

words = st.sampled_from(
    [
        "reasoning",
        "models",
        "chain",
        "of",
        "thought",
        "large",
        "language",
        "faithfulness",
        "small",
        "scale",
        "steering",
        "vectors",
        "overthinking",
        "probes",
        "latent",
        "the",
        "a",
        "in",
        "on",
    ]
)
titles = st.lists(words, min_size=1, max_size=9).map(" ".join)


@st.composite
def near_titles(draw: st.DrawFn) -> str:
    """A title and small edits of it: insertions, deletions, swapped words."""
    title = draw(titles)
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(title)))
        op = draw(st.sampled_from(["insert", "delete"]))
        if op == "insert":
            title = title[:i] + draw(st.sampled_from("aeiost ")) + title[i:]
        else:
            title = title[:i] + title[i + 1 :]
    return title


def scanned_and_indexed(
    known: list[str], query: str
) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
    """The (score, key) look-alikes of `query` among `known` titles (keyed k0, k1…): by
    comparing with every title, then through the index alone."""
    scanned, indexed = DuplicateIndex(scan_limit=10_000), DuplicateIndex(scan_limit=0)
    for n, title in enumerate(known):
        for index in (scanned, indexed):
            index.add(f"k{n}", identity(paper(title)))
    want = [(s, e.key) for s, e in scanned._similar(identity(paper(query)))]
    got = [(s, e.key) for s, e in indexed._similar(identity(paper(query)))]
    return want, got


@settings(max_examples=300)
@given(st.lists(near_titles(), min_size=1, max_size=60), near_titles())
def test_indexed_buckets_give_the_scans_answers(known: list[str], query: str) -> None:
    """The index finds what comparing with every title finds: nothing else, and always
    every title that lacks fewer than `WORDS` of the query's words (a typo or two)."""
    want, got = scanned_and_indexed(known, query)
    assert set(got) <= set(want)
    near = normalise_title(query)
    close = {
        k
        for s, k in want
        if len(set(near.split()) - set(normalise_title(known[int(k[1:])]).split())) < WORDS
    }
    assert close <= {k for _, k in got}


@settings(max_examples=300)
@given(
    st.lists(st.text(alphabet="abcdefghij ", min_size=1, max_size=14), min_size=1, max_size=80),
    st.data(),
)
def test_short_titles_are_found_exactly(known: list[str], data: st.DataObject) -> None:
    query = data.draw(st.sampled_from(known) | st.text(alphabet="abcdefghij ", max_size=14))
    want, got = scanned_and_indexed(known, query)
    if len(normalise_title(query)) < SHORT:  # one edit away at most: found by length
        assert got == want
