"""Property tests for the seeds' small parsers: author–year labels in a text, acronyms a
title lowercases, and the provenance fields of a BibTeX entry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrmkb.importers.seeds import ACRONYMS, lowercased_acronyms, mentioned_labels, survey_fields

SURNAME = st.from_regex(r"[A-Z][a-z]{1,12}(-[A-Z][a-z]{1,8})?", fullmatch=True)
YEAR = st.from_regex(r"(19|20)\d\d[a-j]?", fullmatch=True)


@given(SURNAME, YEAR, st.sampled_from([" et al.", ""]), st.booleans())
def test_a_written_label_is_read_back(name: str, year: str, etal: str, parenthetical: bool) -> None:
    """`Ward et al. (2025b)` and `(Ward et al., 2025b)` both name `Ward et al., 2025b`."""
    text = f"as ({name}{etal}, {year}) show" if parenthetical else f"{name}{etal} ({year}) show"
    assert mentioned_labels(text) == [f"{name}{etal}, {year}"]


@given(SURNAME, SURNAME, YEAR)
def test_two_authors_and_a_list_of_years(first: str, second: str, year: str) -> None:
    text = f"{first} and {second} ({year}, 2024a)"
    assert mentioned_labels(text) == [
        f"{first} and {second}, {year}",
        f"{first} and {second}, 2024a",
    ]


@given(st.text())
def test_any_text_is_read_without_error(text: str) -> None:
    for label in mentioned_labels(text):
        assert ", " in label


@given(st.text())
def test_only_lowercase_acronyms_are_reported(title: str) -> None:
    found = lowercased_acronyms(title)
    assert found == sorted(set(found))
    canonical = {a.lower(): a for a in ACRONYMS}
    for word in found:
        assert sum(map(str.isupper, word)) < sum(map(str.isupper, canonical[word.lower()]))
    assert lowercased_acronyms(title.upper()) == []


@pytest.mark.parametrize(
    ("title", "found"),
    [
        ("Sft memorizes, rl generalizes", ["Sft", "rl"]),
        ("DeepSeek-R1: incentivizing reasoning in LLMs", []),
        ("Deepseek-r1 thoughtology: about llm reasoning", ["Deepseek", "llm", "r1"]),
        ("OpenAI o1 and CoT in the wild", []),
    ],
)
def test_lowercased_acronyms_examples(title: str, found: list[str]) -> None:
    assert lowercased_acronyms(title) == found


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=10**4))
def test_provenance_numbers_are_read(ref: int, page: int) -> None:
    fields = survey_fields(
        {"surveyref": f" {ref} ", "surveypage": str(page), "surveytitle": "A  b"}
    )
    assert (fields["survey_ref"], fields["survey_page"]) == (ref, page)
    assert (fields["survey_role"], fields["survey_title"]) == ("reference", "A b")


@given(
    st.text(min_size=1).filter(lambda t: not t.strip().isdigit() and t.strip() != "0" and t.strip())
)
def test_a_provenance_number_that_is_not_one_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="is not a positive whole number"):
        survey_fields({"surveyref": value})


def test_zero_and_missing_numbers() -> None:
    with pytest.raises(ValueError):
        survey_fields({"surveypage": "0"})
    assert survey_fields({}) == {
        "survey_title": None,
        "survey_role": None,
        "survey_ref": None,
        "survey_page": None,
        "other_short_names": [],
    }
    names = survey_fields({"othershortnames": " COG ;; Safety Evaluation ;"})["other_short_names"]
    assert names == ["COG", "Safety Evaluation"]
