"""BibTeX names (btxdoc §4): parts as `bibtex` itself splits them, the CSL-JSON name
objects they become, and the `von Last, Jr, First` form lrmkb writes back."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bibtex_oracle import bibtex_name_parts
from lrmkb.names import (
    Name,
    _sections_plain,
    _sections_walked,
    _split_on_and,
    from_csl,
    parse_display_name,
    parse_name,
    parse_names,
    split_names,
)

# --- the names -----------------------------------------------------------------------


def test_a_jr_part_stays_a_suffix() -> None:
    name = parse_name("Tester, Jr., Ada B.")
    assert name == Name(first="Ada B.", last="Tester", jr="Jr.")
    assert name.family == "Tester"
    assert name.bibtex() == "Tester, Jr., Ada B."
    assert name.csl() == {"family": "Tester", "given": "Ada B.", "suffix": "Jr."}
    assert name.display() == "Ada B. Tester Jr."


def test_a_braced_organisation_is_one_literal_name() -> None:
    name = parse_name("{Example Committee on Model Evaluation}")
    assert name == Name(literal="Example Committee on Model Evaluation")
    assert name.bibtex() == "{Example Committee on Model Evaluation}"
    assert name.csl() == {"literal": "Example Committee on Model Evaluation"}
    assert name.label() == "Example Committee on Model Evaluation"


@pytest.mark.parametrize("written", ["van der Berg, Jan", "Jan van der Berg"])
def test_von_is_a_particle_not_a_given_name(written: str) -> None:
    name = parse_name(written)
    assert name == Name(first="Jan", von="van der", last="Berg")
    assert name.csl() == {"family": "Berg", "given": "Jan", "non-dropping-particle": "van der"}
    assert name.bibtex() == "van der Berg, Jan"
    assert name.label() == "van der Berg"


@pytest.mark.parametrize(
    ("written", "parts"),
    [
        ("de Gaulle", ("", "de", "Gaulle", "")),  # bibtexparser: First "de"
        ('{\\"u}ber Tester', ("", '{\\"u}ber', "Tester", "")),  # a special char has a case
        ("{\\oe}uvre Rex", ("", "{\\oe}uvre", "Rex", "")),
        ("{\\OE}dipe Rex", ("{\\OE}dipe", "", "Rex", "")),
        ("{A}da van der {V}alk", ("", "{A}da van der", "{V}alk", "")),  # a plain group: skipped
        ("Ada {van} Tester", ("Ada {van}", "", "Tester", "")),
        ("Ada Lovelace-Byron", ("Ada", "", "Lovelace-Byron", "")),
        ("Jean-Paul Sartre", ("Jean-Paul", "", "Sartre", "")),
        ("Si-jian Ren", ("Si-jian", "", "Ren", "")),  # as biber; bibtex: von "jian"
        ("jean de la fontaine", ("", "jean de la", "fontaine", "")),
        ("Brinch Hansen, Per", ("Per", "", "Brinch Hansen", "")),
        ("A, B, C, D", ("C D", "", "A", "B")),  # too many commas: the rest is First
        ("Smith,", ("", "", "Smith", "")),
        ('Aks{\\i}n, {\\"O}zge', ('{\\"O}zge', "", "Aks{\\i}n", "")),
        ("Charles Louis Xavier Joseph de la Vall{\\'e}e Poussin", None),
    ],
)
def test_parts_are_what_bibtex_finds(written: str, parts: tuple[str, ...] | None) -> None:
    name = parse_name(written)
    if parts is not None:
        assert (name.first, name.von, name.last, name.jr) == parts
    assert name.literal == ""


def test_split_on_and_outside_braces_with_others_flagged() -> None:
    assert split_names("A and {B and C} AND D and others") == (["A", "{B and C}", "D"], True)
    names, more = parse_names("Tester, Ada and {Barnes and Noble}")
    assert [n.display() for n in names] == ["Ada Tester", "Barnes and Noble"]
    assert not more


@given(
    st.lists(
        st.one_of(
            st.sampled_from([" and ", " AND ", "\tand\n", "{", "}", " ", "and", "x"]),
            st.text(alphabet="aAnNdD {}-", max_size=6),
        ),
        max_size=12,
    )
)
def test_the_split_is_bibtexparsers(pieces: list[str]) -> None:
    """The same split on any value with balanced braces (BibTeX accepts no other)."""
    from bibtexparser.middlewares.names import split_multiple_persons_names

    value = "".join(pieces)
    depths = list(itertools.accumulate({"{": 1, "}": -1}.get(c, 0) for c in value))
    assume(not depths or (min(depths) >= 0 and depths[-1] == 0))
    want = [n.strip() for n in split_multiple_persons_names(value) if n.strip()]
    got = [n.strip() for n in _split_on_and(value) if n.strip()]
    assert got == want


@given(st.text(alphabet="aB, \t\n\r~-.é", max_size=16))
def test_a_name_without_braces_is_cut_as_the_walk_cuts_it(name: str) -> None:
    """The regex that cuts brace-free names (most of a file's) into sections and words
    gives what the character walk gives: the same words, the same ties."""

    def cut(sections: list) -> list[list[tuple[str, str]]]:
        return [[(t.text, t.separator) for t in section] for section in sections]

    assert cut(_sections_plain(name)) == cut(_sections_walked(name))


def test_unbalanced_braces_never_raise() -> None:
    assert parse_name("{Ada Tester").literal == "Ada Tester"
    assert parse_name("Ada} Tester").last == "Tester"


def test_csl_objects_come_back_as_the_same_name() -> None:
    for written in ["Tester, Jr., Ada B.", "{ACME}", "van der Berg, Jan", "Plato"]:
        name = parse_name(written)
        assert from_csl(name.csl()) == name


def test_display_names_from_arxiv_keep_a_suffix_and_particles() -> None:
    assert parse_display_name("Ada B. Tester Jr.") == Name("Ada B.", "", "Tester", "Jr.")
    assert parse_display_name("Jan van der Berg") == Name("Jan", "van der", "Berg")
    assert parse_display_name("Sara Vera Marjanović").family == "Marjanović"
    assert parse_display_name("DeepSeek-AI") == Name(last="DeepSeek-AI")
    assert parse_display_name("Ada Jr.") == Name("Ada", "", "Jr.")  # two words: no guess


# --- against bibtex itself -------------------------------------------------------------------

upper_words = st.sampled_from(
    [
        "Ada",
        "B.",
        "Tester",
        "{Van}",
        "O'Neil",
        "{\\'E}mile",
        "{\\OE}x",
        "Jean-Paul",
        "Lovelace-Byron",
    ]
)
lower_words = st.sampled_from(["van", "der", "de", "la", "von", '{\\"u}ber', "{\\oe}uvre", "d'"])
caseless = st.sampled_from(["{ACME Corp}", "{a}bc", "3rd", "{\\relax Ph}"])
words = st.one_of(upper_words, lower_words, caseless)
separators = st.sampled_from([" ", " ", " ", "~", "  "])  # hyphens: inside words only


@st.composite
def bibtex_names(draw: st.DrawFn) -> str:
    def run(min_size: int) -> str:
        parts = draw(st.lists(words, min_size=min_size, max_size=4))
        text = parts[0] if parts else ""
        for word in parts[1:]:
            text += draw(separators) + word
        return text

    form = draw(st.integers(1, 3))
    if form == 1:
        return run(1)
    if form == 2:
        return f"{run(1)}, {run(0)}"
    return f"{run(1)}, {run(0)}, {run(0)}"


def _norm(text: str) -> str:
    return " ".join(text.replace("~", " ").split())


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(st.lists(bibtex_names(), min_size=60, max_size=60))
def test_parts_match_bibtex_on_generated_names(tmp_path: Path, names: list[str]) -> None:
    """Batches of generated names (every form, particles, special characters, hyphens,
    ties, braces) in one `bibtex` run: each part is what bibtex's format.name$ prints."""
    expected = bibtex_name_parts(names, tmp_path / "oracle")
    for written, want in zip(names, expected, strict=True):
        name = parse_name(written)
        if name.literal:  # bibtex keeps the braces of a one-group name
            got = ("", "", _norm("{" + name.literal + "}"), "")
        else:
            got = (_norm(name.first), _norm(name.von), _norm(name.last), _norm(name.jr))
        assert got == want, written


def test_the_listed_names_match_bibtex(tmp_path: Path) -> None:
    names = ["de Gaulle", '{\\"u}ber Tester', "{A}da van der {V}alk", "Tester, Jr., Ada B."]
    names += ["Ada Lovelace-Byron", "{\\oe}uvre Rex", "van der Berg, Jan", "A, B, C, D"]
    names += ["Jean-Paul Sartre", "Ada~van~Tester"]
    for written, want in zip(names, bibtex_name_parts(names, tmp_path), strict=True):
        name = parse_name(written)
        assert (_norm(name.first), _norm(name.von), _norm(name.last), _norm(name.jr)) == want


@given(bibtex_names())
def test_the_written_back_form_parses_to_the_same_parts(written: str) -> None:
    name = parse_name(written)
    again = parse_name(name.bibtex())
    assert (again.first, again.von, again.last, again.jr, again.literal) == (
        name.first,
        name.von,
        name.last,
        name.jr,
        name.literal,
    )
