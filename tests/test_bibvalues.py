"""Field values evaluated as BibTeX does: @string, `#`, month macros, crossref."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrmkb.importers.bibvalues import (
    BadValue,
    Record,
    UndefinedString,
    Value,
    evaluate,
    evaluate_strings,
    inherit,
)

STRINGS = evaluate_strings([("jai", '"Journal of Artificial "')])


def test_a_macro_joined_to_a_quoted_string() -> None:
    assert evaluate('jai # "Intelligence Research"', STRINGS) == Value(
        "Journal of Artificial Intelligence Research"
    )


def test_a_quoted_string_joined_to_a_braced_one() -> None:
    assert evaluate('"Proceedings " # {of Testing}', STRINGS) == Value("Proceedings of Testing")


def test_spaces_inside_a_string_survive_the_join() -> None:  # Better BibTeX #1081
    strings = evaluate_strings([("j", "{a space between this }")])
    assert evaluate('j # "and this"', strings).text == "a space between this and this"


def test_macro_names_may_hold_dashes_and_colons() -> None:  # Better BibTeX #154
    strings = evaluate_strings([("pub-FRED", '"Freds Publishing"'), ("pub-FRED:adr", '"London"')])
    assert evaluate("pub-FRED:adr", strings).text == "London"
    assert evaluate("PUB-fred", strings).text == "Freds Publishing"  # names ignore case


def test_strings_may_use_earlier_strings_and_later_ones_replace_them() -> None:
    strings = evaluate_strings([("a", "{A}"), ("b", 'a # " and B"'), ("a", "{new A}")])
    assert strings == {"a": "new A", "b": "A and B"}


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("jan", Value("jan", bare=True)),
        ("JAN", Value("jan", bare=True)),
        ("{January}", Value("January")),
        ("1", Value("1", bare=True)),
        ('jan # "~1"', Value("January~1")),
        ("2024", Value("2024", bare=True)),
        ("{{\\noopsort{1973c}}1981}", Value("{\\noopsort{1973c}}1981")),
        ('"a {"} quote"', Value('a {"} quote')),
    ],
)
def test_months_numbers_and_literals(raw: str, value: Value) -> None:
    assert evaluate(raw, {}) == value


def test_a_file_may_define_a_month_name_itself() -> None:
    assert evaluate("jan", {"jan": "Janvier"}) == Value("Janvier")


def test_an_undefined_macro_is_named() -> None:
    with pytest.raises(UndefinedString) as raised:
        evaluate('"Proc. " # acmcs', {})
    assert raised.value.name == "acmcs"


@pytest.mark.parametrize("raw", ["{open", '"open', "a #", "# a", "{a} {b}", ""])
def test_broken_values_say_so(raw: str) -> None:
    with pytest.raises(BadValue):
        evaluate(raw, {"a": "A"})


balanced = st.recursive(
    st.text(alphabet=st.characters(blacklist_characters='{}"\\', codec="utf-8"), max_size=12),
    lambda inner: st.builds(lambda a, b, c: f"{a}{{{b}}}{c}", inner, inner, inner),
    max_leaves=6,
)


@given(balanced)
def test_a_written_value_evaluates_to_itself(text: str) -> None:
    value = Value(text)
    assert evaluate(value.bibtex(), {}) == value


@given(st.lists(balanced, min_size=1, max_size=4))
def test_concatenation_is_the_join_of_its_pieces(pieces: list[str]) -> None:
    raw = " # ".join(f"{{{p}}}" for p in pieces)
    assert evaluate(raw, {}).text == "".join(pieces)


# --- crossref ------------------------------------------------------------------------------


def record(entry_type: str, key: str, **fields: str) -> Record:
    return Record(entry_type, key, {k: Value(v) for k, v in fields.items()})


def test_a_chapter_inherits_what_it_lacks_and_the_book_title_is_its_booktitle() -> None:
    child = record("incollection", "ch", author="Ada Tester", crossref="bk", title="Counting")
    parent = record("book", "bk", editor="Carol Editor", title="Collected Studies", year="2004")
    parent.fields["publisher"] = Value("Example Press")
    got = inherit([child, parent])["ch"]
    assert got == {
        "booktitle": Value("Collected Studies"),
        "editor": Value("Carol Editor"),
        "year": Value("2004"),
        "publisher": Value("Example Press"),
    }
    assert "title" not in got and "author" not in got  # the child has its own


def test_a_parents_own_booktitle_wins_and_identity_is_never_inherited() -> None:
    child = record("inbook", "a", crossref="BOOK", title="Lebanon")  # keys ignore case
    parent = record("book", "book", title="Global", booktitle="Global Civil Society")
    parent.fields |= {"keywords": Value("x"), "ids": Value("old"), "volume": Value("2")}
    got = inherit([child, parent])["a"]
    assert got == {"booktitle": Value("Global Civil Society"), "volume": Value("2")}


def test_a_multivolume_parent_gives_a_maintitle_and_grandparents_pass_on() -> None:
    top = record("mvbook", "mv", title="Collected Works", publisher="P", year="1990")
    book = record("book", "b", title="Volume One", crossref="mv", volume="1")
    part = record("inbook", "p", title="Chapter", crossref="b")
    got = inherit([part, book, top])
    assert got["b"]["maintitle"] == Value("Collected Works")
    assert got["p"]["booktitle"] == Value("Volume One")
    assert got["p"]["publisher"] == Value("P") and got["p"]["volume"] == Value("1")


def test_same_types_inherit_the_title_itself_and_cycles_stop() -> None:
    a = record("misc", "a", crossref="b")
    b = record("misc", "b", crossref="a", title="T")
    got = inherit([a, b])
    assert got["a"] == {"title": Value("T")}
    assert "b" not in got or "title" not in got["b"]


def test_a_crossref_to_nothing_inherits_nothing() -> None:
    assert inherit([record("inbook", "a", crossref="missing")]) == {}
