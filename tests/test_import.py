"""`lrmkb import FILE.bib`: good entries land, broken ones are listed with their line
numbers, known papers are enriched, a second import adds nothing — and the LaTeX decoder
and the brace handling hold for any input (property tests)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from add_fixtures import outcomes, paper, paper_count, sections_of, snapshot, tags_of
from lrmkb.importers.bibtex import BibFile
from lrmkb.importers.latex import decode_latex
from lrmkb.ingest import ingest
from lrmkb.names import parse_names
from lrmkb.store import Database

MIXED = r"""% a user's library, with the mistakes real files have
@article{good1,
  author = {M{\"u}ller, J{\"o}rg and Garc{\'\i}a, Ana and {\c{C}}elik, Ay{\c s}e},
  title = {{LLM}s Think {\&} Reason --- a Study of 50\% More {\'E}tudes},
  journal = {Journal of {AI}},
  year = {2024},
  pages = {1--28},
}

@article{dupkey,
  author = {Alpha, Ann},
  title = {The first entry with this key},
  year = 2020,
}
@article{dupkey,
  author = {Beta, Bob},
  title = {The second entry with this key},
  year = 2021,
}
@article{dupfield,
  author = {Gamma, Gil},
  title = {One title},
  title = {Another title},
  year = 2021,
}
@article{notitle,
  author = {Delta, Dan},
  year = 2021,
}
@article{unbalanced,
  author = {Eps, Eve},
  title = {Broken {title,
  year = 2021,
}
@inproceedings{after,
  author = {Zeta, Zoe},
  title = {After the Broken One},
  booktitle = {Proc. of Tests},
  year = 2022,
}
"""


def write(tmp_path: Path, text: str, name: str = "mine.bib", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_good_entries_land_and_broken_ones_are_listed_with_line_numbers(
    cli, db_file: Path, tmp_path: Path
) -> None:
    result = cli("import", str(write(tmp_path, MIXED)))
    assert result.exit_code == 0, result.stderr
    assert [(r["source"], r["detail"]) for r in outcomes(result) if r["action"] == "failed"] == [
        ("mine.bib:10", "duplicate key 'dupkey' in the file (again at line 15)"),
        ("mine.bib:15", "duplicate key 'dupkey' in the file (first at line 10)"),
        ("mine.bib:20", "duplicate field(s): title"),
        ("mine.bib:30", "unbalanced braces or quotes"),
    ]
    assert result.stderr == "imported mine.bib (utf-8): 3 added, 0 enriched, 0 skipped, 4 failed\n"
    assert paper_count(db_file) == 131
    assert paper(db_file, "dupkey") is None  # which `dupkey` is meant is unknown
    assert paper(db_file, "after")["venue"] == "Proc. of Tests"  # the entry's own key
    assert paper(db_file, "notitle")["title"] == ""  # no title: kept all the same
    assert cli("db", "check").exit_code == 0


def test_a_second_import_of_the_same_file_adds_nothing(cli, db_file: Path, tmp_path: Path) -> None:
    bib = write(tmp_path, MIXED)
    cli("import", str(bib))
    before = snapshot(db_file)
    result = cli("import", str(bib))
    assert result.exit_code == 0
    assert result.stderr == "imported mine.bib (utf-8): 0 added, 0 enriched, 3 skipped, 4 failed\n"
    [good1] = [r for r in outcomes(result) if r["source"] == "mine.bib:2"]
    assert (good1["action"], good1["key"]) == ("skipped", "good1")
    assert good1["detail"].startswith("already in the database (good1, same key)")
    assert snapshot(db_file) == before


def test_latex_is_decoded_and_the_protected_title_remembered(
    cli, db_file: Path, tmp_path: Path
) -> None:
    cli("import", str(write(tmp_path, MIXED)))
    stored = paper(db_file, "good1")
    assert stored["title"] == "LLMs Think & Reason — a Study of 50% More Études"
    assert stored["title_latex"] == r"{LLM}s Think {\&} Reason --- a Study of 50\% More {\'E}tudes"
    assert stored["authors"] == ["Jörg Müller", "Ana García", "Ayşe Çelik"]
    assert (stored["venue"], stored["pages"], stored["source"]) == (
        "Journal of AI",
        "1–28",
        "bibtex",
    )


def test_json_gives_the_outcome_of_every_entry(cli, tmp_path: Path) -> None:
    result = cli("import", str(write(tmp_path, MIXED)), "--json")
    data = json.loads(result.stdout)
    assert data["summary"] == {"added": 3, "enriched": 0, "skipped": 0, "failed": 4}
    by_line = {r["line"]: r for r in data["results"]}
    assert sorted(by_line) == [2, 10, 15, 20, 26, 30, 35]
    assert by_line[2] | {"outcome": "added", "key": "good1", "bibkey": "good1"} == by_line[2]
    assert by_line[30]["outcome"] == "failed" and by_line[30]["bibkey"] == "unbalanced"
    assert by_line[30]["reason"] == "unbalanced braces or quotes"


def test_a_known_paper_is_enriched_and_keeps_what_the_survey_set(
    cli, db_file: Path, tmp_path: Path
) -> None:
    bib = write(
        tmp_path,
        "@inproceedings{jiang-structure,\n"
        "  author = {Jiang, Gangwei and Liu, Yahui},\n"
        "  title = {What Makes a Good Reasoning Chain? {U}ncovering Structural Patterns in"
        " Long Chain-of-Thought Reasoning},\n"
        "  booktitle = {Proc. of Something},\n  year = {2025},\n"
        "  doi = {10.1234/example.5678},\n  abstract = {Trees of reasoning steps.},\n}\n",
    )
    before = paper(db_file, "jiang2025makes")
    result = cli("import", str(bib))
    assert result.exit_code == 0, result.stderr
    [row] = outcomes(result)
    assert (row["action"], row["key"]) == ("enriched", "jiang2025makes")
    assert row["detail"] == (
        "matched by title, first author and year; filled doi, abstract; "
        "its key jiang-structure is now an alias of jiang2025makes"
    )
    after = paper(db_file, "jiang2025makes")
    assert (after["doi"], after["abstract"]) == (
        "10.1234/example.5678",
        "Trees of reasoning steps.",
    )
    assert {k: v for k, v in after.items() if k not in ("doi", "abstract", "updated")} == {
        k: v for k, v in before.items() if k not in ("doi", "abstract", "updated")
    }


def test_entries_of_one_file_merge_only_on_an_id(cli, db_file: Path, tmp_path: Path) -> None:
    """Two keys in one file are two papers, however alike their titles — unless a DOI or an
    arXiv id says they are one work: then the second fills the first, and its key becomes
    an alias."""
    bib = write(
        tmp_path,
        "@article{a, author = {Smith, Jo}, title = {Sparse Probes of Reasoning}, year = 2024}\n"
        "@misc{b, author = {Jo Smith}, title = {Sparse probes of reasoning.}, year = 2025,\n"
        "  doi = {10.1234/x}}\n"
        "@misc{c, author = {Smith, J.}, title = {Probes}, doi = {10.1234/X}, note = {v2}}\n",
    )
    result = cli("import", str(bib), "--json")
    results = json.loads(result.stdout)["results"]
    assert [(r["outcome"], r["key"]) for r in results] == [
        ("added", "a"),
        ("added", "b"),
        ("enriched", "b"),
    ]
    assert results[2]["notes"] == ["its key c is now an alias of b"]
    assert (paper(db_file, "b")["doi"], paper(db_file, "b")["note"]) == ("10.1234/x", "v2")
    assert json.loads(cli("show", "c", "--json").stdout)["key"] == "b"


def test_a_key_used_twice_in_the_file_costs_both_entries(cli, tmp_path: Path) -> None:
    """Which of two entries with one key the user's citations mean is unknown: neither is
    imported, and both lines are reported, however far apart they are."""
    text = "@article{dup, title={First}}\n" + "".join(
        f"@misc{{m{i}, title={{M {i}}}}}\n" for i in range(40)
    )
    bib = write(tmp_path, text + "@article{dup, title={Second}}\n")
    report = json.loads(cli("import", str(bib), "--json").stdout)
    assert report["summary"] == {"added": 40, "enriched": 0, "skipped": 0, "failed": 2}
    assert [(r["line"], r["reason"]) for r in report["results"] if r["outcome"] == "failed"] == [
        (1, "duplicate key 'dup' in the file (again at line 42)"),
        (42, "duplicate key 'dup' in the file (first at line 1)"),
    ]


def test_strings_are_resolved_wherever_they_are_defined(cli, db_file: Path, tmp_path: Path) -> None:
    """`@string` after other text on a line, and after the entry that uses it, still counts
    (as bibtexparser reads the whole file)."""
    bib = write(
        tmp_path,
        "@article{c, title={Crows count}, author={Corvid, C}, year=2021, journal=jn}\n"
        '@misc{b, title={Bees}, author={Apis, B}, year=2020} @string{jn = "J. Birds"}\n',
    )
    report = json.loads(cli("import", str(bib), "--json").stdout)
    assert [r["outcome"] for r in report["results"]] == ["added", "added"]
    assert paper(db_file, "c")["venue"] == "J. Birds"


def test_a_paper_found_again_later_in_the_file_is_enriched_once_filed_once(
    cli, db_file: Path, tmp_path: Path
) -> None:
    """A later entry for the same paper (same DOI) fills what the first lacked (but not its
    author list: it was given whole); tags and sections land once; the survey's own paper
    is enriched, not duplicated."""
    blocks = [
        f"@article{{p{i}, title = {{Study {i} of {i * 7919 % 1000}}},"
        f" author = {{Writer{i}, Q}}, year = {2001 + i % 20}, doi = {{10.1234/p{i}}}}}"
        for i in range(30)
    ]
    blocks[20] = (
        "@article{again10, title = {Study 10 of 190}, author = {Writer10, Q and Other, O},"
        " year = 2011, doi = {10.1234/p10}, abstract = {Found again, with an abstract.}}"
    )
    blocks[25] = (
        "@misc{survey, title = {Towards a Mechanistic Understanding of Large Reasoning Models:"
        " A Survey of Training, Inference, and Failures}, author = {Hu, Yi}, year = 2026,"
        " note = {read twice}}"
    )
    bib = write(tmp_path, "\n".join(blocks) + "\n")
    result = cli("import", str(bib), "--json", "--tag", "mine", "--section", "4.3")
    report = json.loads(result.stdout)
    assert report["summary"] == {"added": 28, "enriched": 2, "skipped": 0, "failed": 0}
    enriched = {r["bibkey"]: (r["key"], r["filled"]) for r in report["results"] if r["filled"]}
    assert enriched == {
        "again10": ("p10", ["abstract"]),
        "survey": ("hu2026mechanistic", ["note"]),
    }
    assert paper(db_file, "p10")["authors"] == ["Q Writer10"]
    assert tags_of(db_file, "p10") == ["mine"]
    assert sections_of(db_file, "p10") == ["4.3"]
    assert cli("db", "check").exit_code == 0


def test_a_key_clash_gets_a_suffix_and_the_report_says_so(
    cli, db_file: Path, tmp_path: Path
) -> None:
    bib = write(
        tmp_path,
        "@article{Jiang2025Makes, author = {Jiang, Wei}, title = {Makes no sense}, year = 2025}\n",
    )
    result = cli("import", str(bib))
    assert result.exit_code == 0
    [row] = outcomes(result)
    assert (row["action"], row["key"], row["title"]) == (
        "added",
        "Jiang2025Makesa",
        "Makes no sense",
    )
    assert row["detail"].endswith(
        "key Jiang2025Makes is taken by jiang2025makes: stored as Jiang2025Makesa"
    )
    assert paper(db_file, "Jiang2025Makesa")["title"] == "Makes no sense"
    assert paper(db_file, "jiang2025makes")["title"].startswith("What Makes")


def test_dry_run_writes_nothing(cli, db_file: Path, tmp_path: Path) -> None:
    before = snapshot(db_file)
    result = cli("import", str(write(tmp_path, MIXED)), "--dry-run")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "dry run: nothing was written",
        "would import mine.bib (utf-8): 3 added, 0 enriched, 0 skipped, 4 failed",
    ]
    assert snapshot(db_file) == before


def test_tag_and_section_apply_to_every_imported_paper(cli, db_file: Path, tmp_path: Path) -> None:
    result = cli("import", str(write(tmp_path, MIXED)), "--tag", "mine", "--section", "4.3")
    assert result.exit_code == 0, result.stderr
    assert tags_of(db_file, "after") == ["mine"]
    assert sections_of(db_file, "after") == ["4.3"]
    found = json.loads(cli("search", "Broken", "--type", "paper", "--json").stdout)
    assert '"after"' in json.dumps(found)


def test_utf8_with_bom_is_read(cli, db_file: Path, tmp_path: Path) -> None:
    bib = write(tmp_path, "\ufeff@book{k, author = {Ørsted, Hans}, title = {Ånden}, year = 1850}\n")
    result = cli("import", str(bib))
    assert result.stderr == "imported mine.bib (utf-8): 1 added, 0 enriched, 0 skipped, 0 failed\n"
    assert paper(db_file, "k")["authors"] == ["Hans Ørsted"]


def test_a_latin1_file_is_detected(cli, db_file: Path, tmp_path: Path) -> None:
    bib = write(
        tmp_path,
        "@book{k, author = {Dvořák}, title = {Café}, year = 1900}\n".replace("ř", "r"),
        encoding="latin-1",
    )
    result = cli("import", str(bib))
    assert "imported mine.bib (windows-1252): 1 added" in result.stderr
    assert paper(db_file, "k")["title"] == "Café"


@pytest.mark.parametrize(
    "content", [b"\xff\xfe@\x00b\x00o\x00o\x00k\x00", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"]
)
def test_utf16_and_binary_files_are_refused(cli, db_file: Path, tmp_path: Path, content) -> None:
    bib = tmp_path / "odd.bib"
    bib.write_bytes(content)
    before = snapshot(db_file)
    result = cli("import", str(bib))
    assert result.exit_code == 1
    assert (
        "is not a text BibTeX file (UTF-16 or binary) — export it again as UTF-8" in result.stderr
    )
    assert snapshot(db_file) == before


def test_a_file_with_no_usable_entry_is_an_error_after_the_list(
    cli, db_file: Path, tmp_path: Path
) -> None:
    bib = write(tmp_path, "@article{x,\n  title = {Cut short},\n  title = {Twice},\n}\n")
    before = snapshot(db_file)
    result = cli("import", str(bib))
    assert result.exit_code == 1
    assert result.stdout == "failed\t\tmine.bib:1\t\t\tduplicate field(s): title\n"
    assert "Error: nothing usable in mine.bib (1 entries failed, nothing written)" in result.stderr
    assert snapshot(db_file) == before


def test_a_file_without_entries_is_an_error(cli, tmp_path: Path) -> None:
    result = cli("import", str(write(tmp_path, "just some notes\n")))
    assert result.exit_code == 1
    assert "no BibTeX entries in" in result.stderr


def test_a_missing_file_is_an_error(cli, tmp_path: Path) -> None:
    result = cli("import", str(tmp_path / "nope.bib"))
    assert result.exit_code == 1
    assert "nope.bib" in result.stderr


def test_no_progress_bar_on_a_pipe(cli, tmp_path: Path) -> None:
    result = cli("import", str(write(tmp_path, MIXED)))
    assert "importing" not in result.stdout and "━" not in result.stdout


def test_the_library_api_works_without_the_cli(db_file: Path, tmp_path: Path) -> None:
    with Database.open(db_file, write=True) as db:
        report = ingest(db, BibFile(write(tmp_path, MIXED)), tags=["x"])
    assert report.counts()["added"] == 3
    assert tags_of(db_file, "after") == ["x"]


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"M{\"u}ller and Garc{\'\i}a", "Müller and García"),
        (r"\c{c}a, \c c, \v{S}koda, \u{g}, \H{o}", "ça, ç, Škoda, ğ, ő"),
        (r"Stra\ss{}e, \o ster, \AE{}sir, {\l}{\'o}d{\'z}", "Straße, øster, Æsir, łódź"),
        (r"50\% \& 20\$ \# \_", "50% & 20$ # _"),
        (r"pages 1--28 --- a dash, Figure~1", "pages 1–28 — a dash, Figure 1"),
        (r"``quoted'' \emph{Deep} {LLM}s", "“quoted” Deep LLMs"),
        (r"$\alpha$-tests and $k$-means, $<$", "α-tests and $k$-means, <"),
        (r"a \{set\}", "a {set}"),
        (r"\unknown{x} and \macro y", r"\unknown x and \macro y"),
    ],
)
def test_latex_escapes_real_files_use_are_decoded(latex: str, text: str) -> None:
    assert decode_latex(latex) == text


# --- property tests ------------------------------------------------------------------------

PLAIN = st.text(
    alphabet=st.characters(blacklist_characters="\\{}~$`'-\x00", blacklist_categories=["Cs"])
)
ACCENTS = {"'": "\u0301", '"': "\u0308", "`": "\u0300", "^": "\u0302", "c": "\u0327", "v": "\u030c"}


@given(PLAIN)
def test_text_without_latex_is_left_alone(text: str) -> None:
    assert decode_latex(text) == text


@given(st.sampled_from(sorted(ACCENTS)), st.sampled_from("aeiouncszAEIOUNCSZ"), st.booleans())
def test_every_spelling_of_an_accent_gives_one_character(
    accent: str, letter: str, outer: bool
) -> None:
    expected = unicodedata.normalize("NFC", letter + ACCENTS[accent])
    sep = " " if accent.isalpha() else ""
    for spelling in (f"\\{accent}{{{letter}}}", f"\\{accent}{sep}{letter}"):
        latex = f"{{{spelling}}}" if outer else spelling
        assert decode_latex(latex) == expected


@given(st.text())
def test_decoding_never_fails_and_leaves_no_grouping_braces(text: str) -> None:
    decoded = decode_latex(text)
    if "\\{" not in text and "\\}" not in text:  # only escaped braces are text
        assert "{" not in decoded and "}" not in decoded


NAME = st.from_regex(r"[A-Z][a-z]{1,8} [A-Z][a-z]{1,10}", fullmatch=True)


@given(st.lists(NAME, min_size=1, max_size=6), st.booleans())
def test_author_lists_split_back_into_their_names(names: list[str], more: bool) -> None:
    joined = " and ".join(names + (["others"] if more else []))
    parsed, flagged = parse_names(joined)
    assert ([n.display() for n in parsed], flagged) == (names, more)
    parsed, _ = parse_names("{Barnes and Noble} and " + joined)
    assert [n.display() for n in parsed] == ["Barnes and Noble", *names]
