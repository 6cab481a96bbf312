"""Your BibTeX, kept whole (issue 14): the issue's own small inputs through the real CLI,
each with the value a user must see — keys, fields, names, strings, crossrefs,
duplicates, arXiv spellings, encodings, TeX, CSL-JSON types, standard input."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

import arxiv_server
from add_fixtures import paper, paper_count, tags_of
from bibtex_oracle import need
from test_bib_roundtrip import bbl

arxiv_api = arxiv_server.arxiv_api


def bib(tmp_path: Path, text: str, name: str = "mine.bib", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def ok(result: Any) -> str:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return str(result.stdout)


def report(result: Any) -> str:
    """What `import` says on a pipe: its rows (stdout), then its summary (stderr)."""
    return ok(result) + str(result.stderr)


def shown(cli: Any, ref: str) -> dict[str, Any]:
    return dict(json.loads(ok(cli("show", ref, "--json"))))


def csl(cli: Any, *keys: str) -> dict[str, dict[str, Any]]:
    args = [a for k in keys for a in ("--key", k)]
    return {i["id"]: i for i in json.loads(ok(cli("export", "-f", "csl-json", *args)))}


def entry_of(text: str, key: str) -> str:
    m = re.search(rf"^@\w+\{{{re.escape(key)},\n(?:  .*\n)*\}}\n", text, re.M)
    assert m, (key, text)
    return m.group()


# --- 1. keys -------------------------------------------------------------------------------


def test_an_entry_keeps_its_key_and_show_finds_it(cli, tmp_path: Path) -> None:
    ok(
        cli(
            "import",
            bib(
                tmp_path,
                "@book{Aagesen1987, author = {Aagesen, Knud}, title = {Some book}, year = 1987}\n",
            ),
        )
    )
    assert shown(cli, "Aagesen1987")["key"] == "Aagesen1987"
    assert entry_of(ok(cli("export", "--key", "Aagesen1987")), "Aagesen1987")


def test_a_better_bibtex_key_merged_into_a_survey_paper_becomes_its_alias(
    cli, db_file: Path, tmp_path: Path
) -> None:
    """`chenDoNOTThink2024` (Better BibTeX's key) is the survey's chen2024think: said in the
    report, and the key works everywhere a key is taken."""
    text = (
        "@misc{chenDoNOTThink2024, author = {Chen, Xingyu}, title = {Do {NOT} Think That Much"
        " for 2+3=? On the Overthinking of o1-Like {LLMs}}, year = 2024,"
        " eprint = {2412.21187}, archivePrefix = {arXiv}}\n"
    )
    out = ok(cli("import", bib(tmp_path, text)))
    assert "its key chenDoNOTThink2024 is now an alias of chen2024think" in out
    assert shown(cli, "chenDoNOTThink2024")["key"] == "chen2024think"
    assert shown(cli, "chenDoNOTThink2024")["aliases"] == ["chenDoNOTThink2024"]
    ok(cli("tag", "chenDoNOTThink2024", "to-read"))
    assert tags_of(db_file, "chen2024think") == ["to-read"]
    bibtex = ok(cli("export", "--key", "chenDoNOTThink2024"))
    assert bibtex.startswith("@article{chen2024think,")
    biblatex = ok(cli("export", "--key", "chen2024think", "-f", "biblatex"))
    assert "  ids = {chenDoNOTThink2024},\n" in biblatex


def test_house_keys_only_for_entries_without_one(cli, tmp_path: Path) -> None:
    result = json.loads(
        ok(
            cli(
                "import",
                bib(
                    tmp_path,
                    "@misc{, author = {Tester, Jr., Ada B.}, title = {The Keyless Entry}, year = 2013}\n",
                ),
                "--json",
            )
        )
    )
    assert result["results"][0]["key"] == "tester2013keyless"  # from the Last part, not "Jr."


# --- 2. every field ------------------------------------------------------------------------

FIELDS = r"""@book{full,
  author = {Tester, Ada},
  editor = {Editor, Carol and Other, Otto},
  title = {A {Full} Entry},
  year = {{\noopsort{1973c}}1981},
  month = jan,
  number = {3},
  series = {Lecture Notes},
  address = {Berlin},
  edition = {2nd},
  publisher = {Example Press},
  isbn = {978-3-16-148410-0},
  issn = {1234-5678},
  keywords = {Chain of Thought; probing},
  file = {:papers/full.pdf:PDF},
  date-added = {2024-01-01 10:00:00 +0100},
  Custom-Field = {kept {as} written},
}
"""


def test_every_field_comes_back_in_order_as_written(cli, tmp_path: Path) -> None:
    ok(cli("import", bib(tmp_path, FIELDS)))
    assert entry_of(ok(cli("export", "--key", "full")), "full") == FIELDS.replace(
        "@book{full,\n", "@book{full,\n"
    )
    record = shown(cli, "full")
    assert record["year"] == 1981
    assert [f["name"] for f in record["fields"]][:4] == ["author", "editor", "title", "year"]
    month = next(f for f in record["fields"] if f["name"] == "month")
    assert month == {"name": "month", "value": "jan", "bare": True, "text": "January"}


def test_an_edit_shows_in_the_fields_as_written(cli, tmp_path: Path) -> None:
    """`lrmkb edit` changes the column and the field the entry wrote, in its place."""
    ok(cli("import", bib(tmp_path, FIELDS)))
    ok(cli("edit", "full", "title=A Better Title", "year=1990", "author=Tester, Ada and Lee, Bo"))
    entry = entry_of(ok(cli("export", "--key", "full")), "full")
    assert entry.splitlines()[1:5] == [
        "  author = {Tester, Ada and Lee, Bo},",
        "  editor = {Editor, Carol and Other, Otto},",
        "  title = {A {Better} {Title}},",
        "  year = {1990},",
    ]
    assert shown(cli, "full")["author_names"][1] == {"family": "Lee", "given": "Bo"}


def test_keywords_and_tags_follow_each_other(cli, db_file: Path, tmp_path: Path) -> None:
    ok(cli("import", bib(tmp_path, FIELDS)))
    assert tags_of(db_file, "full") == ["chain-of-thought", "probing"]
    ok(cli("tag", "full", "to-read"))
    ok(cli("tag", "full", "probing", "--remove"))
    assert "  keywords = {Chain of Thought; to-read},\n" in ok(cli("export", "--key", "full"))


BRACED_KEYWORDS = (
    "@article{kw, author = {Tester, Ada}, title = {Keywords}, journal = {J}, year = 2024,"
    ' keywords = {{Foo, Bar}, baz; K\\"{a}hler manifolds}}\n'
)


def test_a_braced_keyword_is_one_tag_and_comes_back_as_written(
    cli, db_file: Path, tmp_path: Path
) -> None:
    """`{Foo, Bar}` is one keyword (the comma is inside braces); `K\"{a}hler` is the tag
    `kähler-…`; the export writes the field as the user wrote it until the tags change."""
    ok(cli("import", bib(tmp_path, BRACED_KEYWORDS)))
    assert tags_of(db_file, "kw") == ["baz", "foo-bar", "kähler-manifolds"]
    written = '  keywords = {{Foo, Bar}, baz; K\\"{a}hler manifolds},\n'
    assert written in ok(cli("export", "--key", "kw"))
    assert written in ok(cli("export", "--key", "kw", "-f", "biblatex"))
    ok(cli("tag", "kw", "to-read"))
    ok(cli("tag", "kw", "baz", "--remove"))
    assert '  keywords = {{Foo, Bar}, K\\"{a}hler manifolds; to-read},\n' in ok(
        cli("export", "--key", "kw")
    )
    assert csl(cli, "kw")["kw"]["keyword"] == "foo-bar, kähler-manifolds, to-read"


def test_editors_stay_editors_and_csl_has_every_variable(cli, tmp_path: Path) -> None:
    ok(cli("import", bib(tmp_path, FIELDS)))
    item = csl(cli, "full")["full"]
    assert item["type"] == "book"  # pandoc italicises a book's title
    assert item["editor"] == [
        {"family": "Editor", "given": "Carol"},
        {"family": "Other", "given": "Otto"},
    ]
    assert item["issued"] == {"date-parts": [[1981, 1]]}
    assert (item["collection-title"], item["publisher-place"], item["edition"]) == (
        "Lecture Notes",
        "Berlin",
        "2nd",
    )
    assert (item["ISBN"], item["ISSN"], item["number"]) == ("978-3-16-148410-0", "1234-5678", "3")
    assert item["keyword"] == "chain-of-thought, probing"


# --- 3. names ------------------------------------------------------------------------------

NAMES = (
    "@article{names, title = {Names}, journal = {J}, year = 2013, author = {Tester, Jr., Ada B."
    " and {Example Committee on Model Evaluation} and van der Berg, Jan}}\n"
)


def test_names_keep_their_parts(cli, tmp_path: Path) -> None:
    ok(cli("import", bib(tmp_path, NAMES)))
    assert shown(cli, "names")["authors"] == [
        "Ada B. Tester Jr.",
        "Example Committee on Model Evaluation",
        "Jan van der Berg",
    ]
    assert csl(cli, "names")["names"]["author"] == [
        {"family": "Tester", "given": "Ada B.", "suffix": "Jr."},
        {"literal": "Example Committee on Model Evaluation"},
        {"family": "Berg", "given": "Jan", "non-dropping-particle": "van der"},
    ]


def test_natbib_labels_the_family_not_the_suffix(cli, tmp_path: Path) -> None:
    need("bibtex")
    ok(cli("import", bib(tmp_path, NAMES)))
    (tmp_path / "refs.bib").write_text(ok(cli("export", "--key", "names")), encoding="utf-8")
    (tmp_path / "doc.aux").write_text(
        "\\relax\n\\citation{names}\n\\bibstyle{plainnat}\n\\bibdata{refs}\n", encoding="utf-8"
    )
    subprocess.run(["bibtex", "doc"], cwd=tmp_path, capture_output=True, check=False, timeout=60)
    label = re.search(r"\\bibitem\[\{?(.*?)\(2013\)", (tmp_path / "doc.bbl").read_text())
    assert label and label[1].startswith("Tester et~al.")
    assert "on Model Evaluation" not in label[1]


# --- 4. strings and crossref ---------------------------------------------------------------

STRINGS = """@string{jai = "Journal of Artificial "}
@article{c1, author = {Ada Tester}, title = {T one}, journal = jai # "Intelligence Research", year = 2024}
@article{c2, author = {Ada Tester}, title = {T two}, journal = "Proceedings " # {of Testing}, year = 2023}
@incollection{ch, author = {Ada Tester}, crossref = {bk}, title = {Counting reasoning steps}}
@book{bk, editor = {Carol Editor}, title = {Collected Studies}, publisher = {Example Press}, year = {2004}}
"""


def test_strings_and_concatenations_are_evaluated(cli, tmp_path: Path) -> None:
    out = report(cli("import", bib(tmp_path, STRINGS)))
    assert out.endswith("4 added, 0 enriched, 0 skipped, 0 failed\n")
    assert shown(cli, "c1")["venue"] == "Journal of Artificial Intelligence Research"
    assert shown(cli, "c2")["venue"] == "Proceedings of Testing"


def test_a_crossref_child_inherits_and_keeps_its_crossref(cli, tmp_path: Path) -> None:
    ok(cli("import", bib(tmp_path, STRINGS)))
    ch = shown(cli, "ch")
    assert (ch["venue"], ch["year"], ch["publisher"]) == (
        "Collected Studies",
        2004,
        "Example Press",
    )
    text = ok(cli("export", "--key", "ch"))  # the book comes along, after its chapter
    assert text.index("@incollection{ch,") < text.index("@book{bk,")
    assert "  crossref = {bk},\n" in entry_of(text, "ch")
    assert "  editor = {Carol Editor},\n" in entry_of(text, "bk")
    assert "author" not in entry_of(text, "bk")
    item = csl(cli, "ch")["ch"]
    assert (item["type"], item["container-title"]) == ("chapter", "Collected Studies")
    assert item["editor"] == [{"family": "Editor", "given": "Carol"}]


@pytest.mark.parametrize("backend", ["bibtex", "biber"])
def test_bibtex_and_biber_read_the_export_as_the_original(
    cli, tmp_path: Path, backend: str
) -> None:
    """The export of the issue's file formats as the file itself: the chapter takes its
    book's publisher and year in both (neither tool makes a @book's title the booktitle
    of an @incollection; lrmkb's own reading does, as the chapter's venue)."""
    need(backend, *(["pdflatex"] if backend == "biber" else []))
    original = Path(bib(tmp_path, STRINGS, "original.bib"))
    ok(cli("import", str(original)))
    exported = tmp_path / "export.bib"
    ok(
        cli(
            "export",
            "--key",
            "c1",
            "--key",
            "c2",
            "--key",
            "ch",
            "--key",
            "bk",
            "-o",
            str(exported),
        )
    )
    want = bbl(original, backend, tmp_path / "a")
    assert "{ch}" in want and "Example Press" in want
    assert bbl(exported, backend, tmp_path / "b") == want


# --- 5. duplicates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Faithfulness in small models, Part I", "Faithfulness in small models, Part II"),
        ("Faithfulness at 70B scale", "Faithfulness at 7B scale"),
        ("Collected traces, Volume 1", "Collected traces, Volume 2"),
    ],
)
def test_a_part_size_or_volume_is_another_paper(
    cli, db_file: Path, tmp_path: Path, first: str, second: str
) -> None:
    entry = "@article{{{key}, author = {{Tester, Ada and {co}}}, title = {{{title}}}, journal = {{J}}, year = {{{year}}}}}\n"
    ok(
        cli(
            "import",
            bib(
                tmp_path,
                entry.format(key="p1", co="Example, Bob", title=first, year=2024),
                "one.bib",
            ),
        )
    )
    out = report(
        cli(
            "import",
            bib(
                tmp_path,
                entry.format(key="p2", co="Other, Carl", title=second, year=2025),
                "two.bib",
            ),
        )
    )
    assert out.splitlines() == [
        f"added\tp2\ttwo.bib:1\t{second}\t\t"
        "kept apart from p1: titles differ in a number, size, part or volume",
        "imported two.bib (utf-8): 1 added, 0 enriched, 0 skipped, 0 failed",
    ]
    assert paper_count(db_file) == 130


PERIODICAL = (
    "".join(
        f"@article{{col{i}, title = {{Addresses of officers}}, journal = {{Bull. Soc.}},"
        f" year = 1990, volume = {{{i}}}, number = {{{i % 4 + 1}}}, pages = {{{i * 10}}}}}\n"
        for i in range(1, 9)
    )
    + "@article{ed1, title = {From the editor}, journal = {Bull. Soc.}, year = 1990}\n"
    + ("@article{ed2, title = {From the editor}, journal = {Bull. Soc.}, year = 1990}\n")
)


def test_recurring_columns_are_kept_and_doctor_lists_what_may_be_one(
    cli, db_file: Path, tmp_path: Path
) -> None:
    out = report(cli("import", bib(tmp_path, PERIODICAL)))
    assert out.endswith("10 added, 0 enriched, 0 skipped, 0 failed\n")
    again = report(cli("import", bib(tmp_path, PERIODICAL)))  # the same entries: found by key
    assert again.endswith("0 added, 0 enriched, 10 skipped, 0 failed\n")
    assert "\tmine.bib:1\t" in again.splitlines()[0]
    assert "\talready in the database (col1, same key)" in again.splitlines()[0]
    doctor = cli("doctor").stdout
    assert (
        "note\tlikely-duplicate\ted1\ted1 and ed2 look like one paper (titles 100% alike, same"
        " first author and year)"
    ) in doctor
    assert "col1 and col2" not in doctor  # other volume, number and pages: other papers


def test_entries_of_one_file_merge_on_a_doi_and_say_so(cli, tmp_path: Path) -> None:
    text = (
        "@article{a, title = {Sparse probes}, author = {Smith, Jo}, year = 2024, doi = {10.1234/X}}\n"
        "@article{b, title = {Sparse probes (extended)}, author = {Smith, Jo}, year = 2024,"
        " doi = {10.1234/x}, pages = {1--9}}\n"
    )
    out = ok(cli("import", bib(tmp_path, text)))
    assert out.splitlines()[1] == (
        "enriched\ta\tmine.bib:2\tSparse probes\t\tmatched by doi; filled pages; its key b is"
        " now an alias of a"
    )


# --- 6. arXiv ids --------------------------------------------------------------------------


def test_one_arxiv_paper_whatever_the_spelling(cli, db_file: Path, tmp_path: Path) -> None:
    ok(
        cli(
            "import",
            bib(tmp_path, "@misc{gt, title = {Knots}, eprint = {math.GT/0309136}}\n", "a.bib"),
        )
    )
    out = ok(
        cli(
            "import",
            bib(
                tmp_path,
                "@misc{plain, title = {Knots}, eprint = {math/0309136}, archivePrefix = {arXiv}}\n",
                "b.bib",
            ),
        )
    )
    assert "skipped\tgt\tb.bib:1\tKnots\t\talready in the database (gt, same arxiv id)" in out
    assert shown(cli, "math.GT/0309136")["key"] == "gt"
    ok(
        cli(
            "import",
            bib(tmp_path, "@misc{doi, title = {D}, doi = {10.48550/arXiv.2502.03373}}\n", "c.bib"),
        )
    )
    assert shown(cli, "10.48550/arXiv.2502.03373")["arxiv_id"] == "2502.03373"
    assert shown(cli, "https://doi.org/10.48550/arXiv.2502.03373")["key"] == "doi"


def test_zotero_and_scholar_arxiv_venues_are_ids_not_journals(cli, tmp_path: Path) -> None:
    text = (
        "@article{zotero, title = {Z}, author = {Zed, Z}, year = 2025,"
        " journal = {arXiv:2501.19393 [cs]}}\n"
        "@article{scholar, title = {What makes a good reasoning chain? Uncovering structural"
        " patterns in long chain-of-thought reasoning}, author = {Jiang, Gangwei}, year = 2025,"
        " journal = {arXiv preprint arXiv:2505.22148}}\n"
    )
    out = ok(cli("import", bib(tmp_path, text)))
    assert "\tmine.bib:2\t" in out.splitlines()[1]
    assert "\talready in the database (jiang2025makes, same arxiv id)" in out.splitlines()[1]
    assert (shown(cli, "zotero")["arxiv_id"], shown(cli, "zotero")["venue"]) == ("2501.19393", None)
    exported = entry_of(ok(cli("export", "--key", "zotero")), "zotero")
    assert exported.startswith("@misc{zotero,")
    assert "journal" not in exported
    assert "  eprint = {2501.19393},\n  archivePrefix = {arXiv},\n" in exported


def test_arxiv_titles_are_decoded_as_imported_titles_are(cli, arxiv_api) -> None:
    ok(cli("add", "2507.00002"))
    found = json.loads(ok(cli("search", "Kähler", "--type", "paper", "--json")))
    assert "tester2025reasoning" in json.dumps(found)
    record = shown(cli, "tester2025reasoning")
    assert record["title"] == "Reasoning Traces on Kähler Manifolds in $O(n^2)$ Steps"
    assert record["abstract"].endswith("Erdős–Rényi graphs of reasoning steps, α-tests.")
    exported = ok(cli("export", "--key", "tester2025reasoning"))
    assert '  title = {Reasoning Traces on K\\"{a}hler Manifolds in $O(n^2)$ Steps},\n' in exported
    assert "  author = {Tester, Jr., Ada B. and van der Berg, Jan},\n" in exported
    item = csl(cli, "tester2025reasoning")["tester2025reasoning"]
    assert item["title"] == "Reasoning Traces on Kähler Manifolds in O(n²) Steps"
    assert item["author"] == [
        {"family": "Tester", "given": "Ada B.", "suffix": "Jr."},
        {"family": "Berg", "given": "Jan", "non-dropping-particle": "van der"},
    ]


# --- 7. encodings --------------------------------------------------------------------------

UTF8 = "@article{a, author = {Jörg Müller}, title = {Études}, year = 2020}\n"


def test_one_stray_byte_is_decoded_alone_and_said(cli, db_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "mixed.bib"
    path.write_bytes(
        UTF8.encode() + b"@article{b, author = {Ren\xe9 Tester}, title = {T}, year = 2021}\n"
    )
    out = report(cli("import", str(path)))
    assert out.splitlines() == [
        "added\ta\tmixed.bib:1\tÉtudes\t\t",
        "added\tb\tmixed.bib:2\tT\t\tline 2: bytes that are not UTF-8 read as Windows-1252 ('é')",
        "imported mixed.bib (utf-8): 2 added, 0 enriched, 0 skipped, 0 failed",
    ]
    assert paper(db_file, "a")["authors"] == ["Jörg Müller"]
    assert paper(db_file, "b")["authors"] == ["René Tester"]


def test_a_latin1_file_and_the_encoding_option(cli, db_file: Path, tmp_path: Path) -> None:
    assert "(windows-1252)" in report(cli("import", bib(tmp_path, UTF8, "l1.bib", "latin-1")))
    assert paper(db_file, "a")["authors"] == ["Jörg Müller"]
    out = cli("import", bib(tmp_path, UTF8.replace("{a,", "{b,"), "u.bib"), "--encoding", "ascii")
    assert out.exit_code == 1
    assert "u.bib:1: byte 0xc3 is not valid ascii" in out.stderr


# --- 8. TeX --------------------------------------------------------------------------------

MATH = (
    r"@article{math, author = {Zhang, Zhi}, journal = {Nano Lett.}, year = 2015, title = {Reasoning along the $\langle{}00\overline{1}\rangle$ axis}}"
    + "\n"
)


def test_math_stays_math_in_bibtex_and_reads_as_text_elsewhere(cli, tmp_path: Path) -> None:
    ok(cli("import", bib(tmp_path, MATH)))
    assert r"  title = {Reasoning along the $\langle{}00\overline{1}\rangle$ axis}," in ok(
        cli("export", "--key", "math")
    )
    assert csl(cli, "math")["math"]["title"] == "Reasoning along the ⟨001̅⟩ axis"
    markdown = ok(cli("export", "--key", "math", "-f", "md"))
    assert "*Reasoning along the ⟨001̅⟩ axis.*" in markdown


# --- 9. CSL-JSON types ----------------------------------------------------------------------

TYPES = """@book{bookurl, author = {Tester, Ada}, title = {A Book Online}, publisher = {P}, year = 2020, url = {https://example.org/b}}
@inproceedings{conf, author = {Tester, Ada}, title = {Conf}, booktitle = {Proc. X}, year = 2020}
@techreport{rep, author = {Tester, Ada}, title = {Rep}, institution = {Inst}, number = {TR-1}, year = 2020}
@phdthesis{th, author = {Tester, Ada}, title = {Thesis}, school = {Uni}, year = 2020}
@misc{pre, author = {Tester, Ada}, title = {Preprint}, year = 2020, eprint = {2001.00001}, archivePrefix = {arXiv}}
@unpublished{ms, author = {Tester, Ada}, title = {Draft}, note = {in preparation}, year = 2021}
@article{art, author = {Tester, Ada}, title = {Art}, journal = {J. Tests}, year = 2019, month = mar, doi = {10.1234/x}}
"""


def test_csl_types_follow_the_schema(cli, tmp_path: Path) -> None:
    """CSL 1.0.2 types (a @book with a URL stays a book: pandoc italicises its title),
    `issued` date-parts, `container-title`, DOI, URL."""
    ok(cli("import", bib(tmp_path, TYPES)))
    items = csl(cli, "bookurl", "conf", "rep", "th", "pre", "ms", "art")
    assert {k: i["type"] for k, i in items.items()} == {
        "bookurl": "book",
        "conf": "paper-conference",
        "rep": "report",
        "th": "thesis",
        "pre": "article",
        "ms": "manuscript",
        "art": "article-journal",
    }
    assert items["bookurl"]["URL"] == "https://example.org/b"
    assert items["conf"]["container-title"] == "Proc. X"
    assert (items["rep"]["publisher"], items["th"]["publisher"]) == ("Inst", "Uni")
    assert items["pre"]["URL"] == "https://arxiv.org/abs/2001.00001"
    art = items["art"]
    assert (art["container-title"], art["DOI"], art["issued"]) == (
        "J. Tests",
        "10.1234/x",
        {"date-parts": [[2019, 3]]},
    )


# --- 10. standard input --------------------------------------------------------------------


def test_import_dash_reads_standard_input(cli, db_file: Path) -> None:
    out = report(cli("import", "-", input=UTF8))
    assert (
        out.splitlines()[-1] == "imported stdin (utf-8): 1 added, 0 enriched, 0 skipped, 0 failed"
    )
    assert paper(db_file, "a")["title"] == "Études"
