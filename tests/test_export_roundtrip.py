"""Property tests: BibTeX export → import is the identity on title, authors, year, venue
and ids, for arbitrary Unicode and LaTeX-special text.

Two readers: pylatexenc (a complete LaTeX decoder: proves the export means what it says)
and lrmkb's own importer (`lrmkb import`'s parser: proves a user gets back what they
exported). Text is as lrmkb stores it: NFC, single spaces, no control characters."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

import bibtexparser
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lrmkb.exporters.bibtex import entries as bib_entries
from lrmkb.importers.bibread import read_entries as parse_bib
from lrmkb.latexencode import MATH_RE, to_latex
from lrmkb.names import parse_name

LATEX_SPECIALS = "&%$#_{}~^\\<>|\"'`-"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def normalised(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def stored_text(alphabet: st.SearchStrategy[str], min_size: int = 1) -> st.SearchStrategy[str]:
    """Text as the database holds it; inline math (`$x$`) is excluded: it is passed through
    as math on purpose and tested on its own."""
    return (
        st.text(alphabet, min_size=min_size, max_size=40)
        .map(normalised)
        .filter(lambda t: len(t) >= min_size and not MATH_RE.search(t))
    )


ANY_CHAR = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp")),
    st.sampled_from(LATEX_SPECIALS),
)


def name_strategy(chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A person's name: words without commas, braces or backslashes (no real name has
    them; the importer splits a name like `\\{x}` wrongly), and not the word `and`."""
    word = st.text(
        chars.filter(lambda c: not c.isspace() and c not in ",{}\\"), min_size=1, max_size=12
    )
    return (
        st.lists(word, min_size=1, max_size=3)
        .map(lambda ws: normalised(" ".join(ws)))
        .filter(lambda n: n and n.lower() != "others" and not re.search(r"\band\b", n, re.I))
    )


def paper(
    title: str, authors: list[str], venue: str | None, year: int, more: bool
) -> dict[str, Any]:
    return {
        "key": "roundtrip2025",
        "title": title,
        "title_latex": None,
        "authors": authors,
        "authors_more": more,
        "year": year,
        "venue": venue,
        "entry_type": "inproceedings" if venue else "misc",
        "arxiv_id": "2505.22148",
        "doi": "10.1000/xyz_123-4",
        "primary_category": "cs.CL",
        "fields": [],  # not imported from a .bib file: written from its columns
        "aliases": [],
        "tags": [],
    }


def papers(chars: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    venue = stored_text(chars).filter(lambda v: not re.match(r"(?i)^(arxiv|preprint|corr)\b", v))
    return st.builds(
        paper,
        title=stored_text(chars),
        authors=st.lists(name_strategy(chars), min_size=1, max_size=4),
        venue=st.none() | venue,
        year=st.integers(1900, 2100),
        more=st.booleans(),
    )


# --- the export means what it says (pylatexenc decodes it) -------------------------------------


def _reference_decoder() -> Any:
    """pylatexenc, told that `\\textasciicircum` is `^` (its table says `ˆ`, U+02C6) and
    what `\\textbraceleft` and `\\textbraceright` are (it has no entry for them)."""
    from pylatexenc.latex2text import (
        LatexNodes2Text,
        MacroTextSpec,
        get_default_latex_context_db,
    )

    context = get_default_latex_context_db()
    context.add_context_category(
        "ascii",
        macros=[
            MacroTextSpec("textasciicircum", "^"),
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
        ],
        prepend=True,
    )
    return LatexNodes2Text(latex_context=context, math_mode="text").latex_to_text


def _fields(text: str) -> dict[str, str]:
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    (entry,) = library.entries
    return {f.key: f.value for f in entry.fields}  # enclosing braces already removed


def _top_level_and(value: str) -> list[str]:
    names, depth, start = [], 0, 0
    for m in re.finditer(r"(?<!\\)[{}]| and ", value):
        if m.group() == "{":
            depth += 1
        elif m.group() == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start : m.start()])
            start = m.end()
    return [*names, value[start:]]


@SETTINGS
@given(papers(ANY_CHAR))
@example(
    paper(
        "Über {LLM}s & RL: 50% -- a_b ~ x^2 \\ <i> | “q” ễ Ű 中文 Ω",
        ["Paweł Łukasiewicz"],
        "A&B",
        2024,
        True,
    )
)
def test_export_reads_back_through_a_full_latex_decoder(p: dict[str, Any]) -> None:
    decode = _reference_decoder()
    fields = _fields(bib_entries([p]))
    assert normalised(decode(fields["title"])) == p["title"]
    names = _top_level_and(fields["author"])
    if p["authors_more"]:
        assert names.pop() == "others"
    # names are written `von Last, Jr, First`: each part decodes to the stored text
    shown = [parse_name(n).map(lambda part: normalised(decode(part))).display() for n in names]
    assert shown == p["authors"]
    assert fields["year"] == str(p["year"])
    if p["venue"]:
        assert normalised(decode(fields["booktitle"])) == p["venue"]
    assert (fields["eprint"], fields["archivePrefix"], fields["doi"]) == (
        "2505.22148",
        "arXiv",
        "10.1000/xyz_123-4",
    )


# --- lrmkb import gives back what lrmkb export wrote -----------------------------------------


def imported(
    p: dict[str, Any], dialect: Literal["bibtex", "biblatex"] = "bibtex"
) -> dict[str, Any]:
    entries, problems = parse_bib(bib_entries([p], dialect))
    assert problems == []
    (entry,) = entries
    return entry.fields


def _facts(p: dict[str, Any]) -> tuple[Any, ...]:
    return (
        p["title"],
        p["authors"],
        p["authors_more"],
        p["year"],
        p["venue"],
        p["arxiv_id"],
        p["doi"],
    )


@SETTINGS
@given(papers(ANY_CHAR))
@example(
    paper(
        "Über {LLM}s & RL: 50% -- a_b ~ x^2 \\ <i> | “q” ễ Ű 中文 Ω",
        ["Paweł Łukasiewicz", "José Ñúñez"],
        "A&B",
        2024,
        True,
    )
)
def test_lrmkb_import_reads_back_what_lrmkb_export_wrote(p: dict[str, Any]) -> None:
    assert _facts(imported(p)) == _facts(p)


@SETTINGS
@given(papers(ANY_CHAR))
def test_lrmkb_import_reads_back_a_biblatex_export(p: dict[str, Any]) -> None:
    """BibLaTeX spells the venue `journaltitle`, the year `date` and arXiv `eprinttype`."""
    assert _facts(imported(p, "biblatex")) == _facts(p)


def test_a_lone_brace_in_a_title_keeps_the_field_balanced() -> None:
    """BibTeX counts `\\{` as a brace, so `title = {\\#\\{}` never ends (hypothesis found
    the title `#{`): a brace without its partner is written `\\textbraceleft{}`."""
    p = paper("#} and { alone, {a pair}", ["0"], None, 1900, False)
    assert _fields(bib_entries([p]))["title"] == (
        "\\#\\textbraceright{} and \\textbraceleft{} alone, \\{a pair\\}"
    )
    for dialect in ("bibtex", "biblatex"):
        assert _facts(imported(p, dialect)) == _facts(p)


def test_accented_greek_is_not_written_with_math_accents() -> None:
    """pylatexenc spells ΐ `{\\acute{\\ddot{\\iota}}}`, which only math mode accepts (and
    lrmkb's import did not read back): it stays UTF-8 (hypothesis found it)."""
    p = paper("ΐ and ά", ["0"], None, 1900, False)
    assert _fields(bib_entries([p]))["title"] == "ΐ and ά"
    assert _facts(imported(p, "biblatex")) == _facts(p)


def test_math_in_a_title_is_passed_through_as_math() -> None:
    p = paper("From $f(x)$ and $g(x)$ to $f(g(x))$: LLMs learn", ["Lifan Yuan"], None, 2025, False)
    title = _fields(bib_entries([p]))["title"]
    assert title == "From {$f(x)$} and {$g(x)$} to {$f(g(x))$}: {LLM}s learn"
    assert to_latex("$x$ costs $5", math=True) == "$x$ costs \\$5"  # only real math kept
