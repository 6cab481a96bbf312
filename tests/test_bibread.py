"""Reading a .bib file the way BibTeX reads it, keeping each entry whole: the issue's
small inputs, each with the value it must give."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrmkb.importers.bibread import read_entries, year_of
from lrmkb.keywords import keywords_for, split_keywords, tags_of_keywords
from lrmkb.texmath import math_to_text

ISSUE = r"""
@string{jai = "Journal of Artificial "}
@article{c1, author = {Ada Tester}, title = {T one}, journal = jai # "Intelligence Research", year = 2024}
@article{c2, author = {Ada Tester}, title = {T two}, journal = "Proceedings " # {of Testing}, year = 2023}
@incollection{ch, author = {Ada Tester}, crossref = {bk}, title = {Counting reasoning steps}}
@book{bk, editor = {Carol Editor}, title = {Collected Studies}, publisher = {Example Press}, year = {2004}}
@article{Aagesen1987, author = {Tester, Jr., Ada B. and {Example Committee on Model Evaluation}},
  title = {Some {LLM} title}, year = {{\noopsort{1973c}}1981}, month = jan, number = {3},
  keywords = {Chain of Thought; RL}, file = {:a.pdf:PDF}, Custom-Field = {kept}}
@misc{zotero, title = {Z}, journal = {arXiv:2501.19393 [cs]}}
@article{scholar, title = {S}, journal = {arXiv preprint arXiv:2505.22148}}
@misc{doi, title = {D}, doi = {10.48550/arXiv.2502.03373}}
@misc{old, title = {O}, eprint = {math.GT/0309136}, archivePrefix = {arXiv}}
@misc{issue}
"""


@pytest.fixture(scope="module")
def entries() -> dict[str, dict]:
    found, problems = read_entries(ISSUE)
    assert problems == []
    return {e.bibkey: e for e in found}


def test_strings_and_concatenation_are_evaluated(entries) -> None:
    assert entries["c1"].fields["venue"] == "Journal of Artificial Intelligence Research"
    assert entries["c2"].fields["venue"] == "Proceedings of Testing"


def test_a_crossref_child_inherits_and_keeps_its_crossref(entries) -> None:
    ch = entries["ch"]
    assert ch.fields["venue"] == "Collected Studies"  # the book's title: its booktitle
    assert (ch.fields["year"], ch.fields["publisher"]) == (2004, "Example Press")
    assert ch.fields["editor_names"] == [{"family": "Editor", "given": "Carol"}]
    assert [f.name for f in ch.raw] == ["author", "crossref", "title"]  # its own fields only


def test_editors_stay_editors(entries) -> None:
    bk = entries["bk"]
    assert bk.fields["authors"] == []
    assert bk.fields["editor_names"] == [{"family": "Editor", "given": "Carol"}]


def test_every_field_is_kept_in_order_as_written(entries) -> None:
    raw = entries["Aagesen1987"].raw
    assert [f.name for f in raw] == [
        "author",
        "title",
        "year",
        "month",
        "number",
        "keywords",
        "file",
        "Custom-Field",
    ]
    by_name = {f.name: f for f in raw}
    assert (by_name["month"].value, by_name["month"].bare) == ("jan", True)
    assert by_name["month"].text == "January"
    assert (by_name["year"].value, by_name["year"].bare) == ("{\\noopsort{1973c}}1981", False)
    assert by_name["title"].value == "Some {LLM} title"
    assert by_name["title"].text == "Some LLM title"
    assert by_name["file"].text is None  # verbatim: read as written


def test_names_keep_their_parts_and_the_year_what_bibtex_prints(entries) -> None:
    fields = entries["Aagesen1987"].fields
    assert fields["authors"] == ["Ada B. Tester Jr.", "Example Committee on Model Evaluation"]
    assert fields["author_names"] == [
        {"family": "Tester", "given": "Ada B.", "suffix": "Jr."},
        {"literal": "Example Committee on Model Evaluation"},
    ]
    assert (fields["year"], fields["number"]) == (1981, "3")
    assert entries["Aagesen1987"].tags == ["chain-of-thought", "rl"]


@pytest.mark.parametrize(
    ("key", "arxiv_id"),
    [
        ("zotero", "2501.19393"),
        ("scholar", "2505.22148"),
        ("doi", "2502.03373"),
        ("old", "math/0309136"),
    ],
)
def test_arxiv_ids_from_every_spelling_and_never_a_journal(
    entries, key: str, arxiv_id: str
) -> None:
    fields = entries[key].fields
    assert fields["arxiv_id"] == arxiv_id
    assert fields["venue"] is None
    assert fields["doi"] is None  # arXiv's own DOI says nothing the id does not


def test_an_entry_without_a_title_is_kept(entries) -> None:
    assert entries["issue"].fields["title"] == ""


def test_a_macro_the_file_does_not_define_is_kept_as_written() -> None:
    """plain.bst defines `cacm`: the entry is kept, the macro written back bare."""
    [entry], _ = read_entries("@article{a, title = {T}, journal = cacm # { x}}")
    assert (entry.raw[1].value, entry.raw[1].bare) == ("cacm # { x}", True)
    assert entry.fields["venue"] is None
    assert entry.notes == [
        "journal uses @string cacm, which the file does not define: kept as written"
    ]


def test_what_cannot_be_used_is_reported_with_its_line() -> None:
    text = "@article{a, title = {x} # }\n@article{b, title = {T}, Title = {U}}\n"
    text += "@article{c, title = {X}}\n@article{c, title = {Y}}\n"
    entries, problems = read_entries(text)
    assert entries == []
    assert [(p.line, p.bibkey, p.reason) for p in problems] == [
        (1, "a", "title: a value is missing"),
        (2, "b", "duplicate field(s): title"),
        (3, "c", "duplicate key 'c' in the file (again at line 4)"),
        (4, "c", "duplicate key 'c' in the file (first at line 3)"),
    ]


@pytest.mark.parametrize(
    ("text", "year"),
    [("2024", 2024), ("2024-05-01", 2024), ("{\\noopsort{1973c}}1981", 1981), ("in press", None)],
)
def test_year_of(text: str, year: int | None) -> None:
    assert year_of(text) == year


# --- keywords and tags ---------------------------------------------------------------------


def test_keywords_become_tags_and_come_back_as_written() -> None:
    written = "Guaraní (language); Paraguay; bilingualism"
    tags = tags_of_keywords(written)
    assert tags == ["guaraní-language", "paraguay", "bilingualism"]
    assert keywords_for(written, tags) == written
    assert keywords_for(written, ["paraguay", "new-tag"]) == "Paraguay; new-tag"
    assert keywords_for("A, B", []) == ""


def test_a_comma_inside_braces_does_not_split_a_keyword() -> None:
    written = '{Foo, Bar}, baz; K\\"{a}hler {manifolds; spaces}'
    assert split_keywords(written) == [
        ("{Foo, Bar}", ","),
        (" baz", ";"),
        (' K\\"{a}hler {manifolds; spaces}', ""),
    ]
    assert tags_of_keywords(written) == ["foo-bar", "baz", "kähler-manifolds-spaces"]
    assert keywords_for(written, tags_of_keywords(written)) == written
    assert keywords_for(written, ["foo-bar", "new"]) == "{Foo, Bar}; new"
    assert keywords_for(written, ["baz"]) == "baz"


@given(st.lists(st.text(alphabet="abc XYZ-é", min_size=1, max_size=8), max_size=5))
def test_unchanged_tags_give_the_keywords_back(keywords: list[str]) -> None:
    written = ", ".join(k.strip() for k in keywords if k.strip())
    assert keywords_for(written, tags_of_keywords(written)) == ", ".join(
        k for k in (w.strip() for w in written.split(",")) if k
    )


def nested(text: str) -> bool:
    """Every brace of `text` closes, in order."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


@given(
    st.lists(
        st.text(alphabet='abc XYZ-é,;{}\\"', min_size=1, max_size=10).filter(
            lambda k: k.strip() and nested(k)
        ),
        min_size=1,
        max_size=5,
    )
)
def test_braced_keywords_come_back_as_written(keywords: list[str]) -> None:
    """Each keyword braced whole: commas and semicolons inside are never separators, and
    unchanged tags give the field back as written."""
    written = "; ".join("{" + k + "}" for k in keywords)
    assert len(split_keywords(written)) == len(keywords)
    assert keywords_for(written, tags_of_keywords(written)) == written


# --- TeX math as text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Reasoning along the $\\langle{}00\\overline{1}\\rangle$ axis",
            "Reasoning along the ⟨001̅⟩ axis",
        ),
        ("${\\rm GaN}(000\\bar{1})$ by MBE", "GaN(0001̄) by MBE"),
        ("Cu$_2$O films in $O(n^2)$", "Cu₂O films in O(n²)"),
        ("Driven $t$-$J$ Models", "Driven t-J Models"),
        ("costs $5 and $6", "costs $5 and $6"),  # dollars, not math
    ],
)
def test_math_becomes_readable_text(title: str, text: str) -> None:
    assert math_to_text(title) == text
