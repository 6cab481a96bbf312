"""Properties of the parsers and key makers, over generated input (hypothesis):
every documented arXiv spelling is accepted and normalisation is idempotent; citation
keys are unique, stable and plain; BibTeX export → import keeps every stored field."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lrmkb.cli import app
from lrmkb.ids import (
    ACCEPTED_ARXIV_FORMS,
    KEY_RE,
    ArxivId,
    base_key,
    parse_arxiv_id,
    unique_key,
)

CANONICAL = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*/\d{7})$")

# --- arXiv ids -----------------------------------------------------------------------------

months = st.integers(1, 12)
new_ids = st.builds(
    lambda yy, mm, n, five: f"{yy:02d}{mm:02d}." + (f"{n:05d}" if five else f"{n % 10000:04d}"),
    st.integers(7, 99),
    months,
    st.integers(1, 99_999),
    st.booleans(),
)
archives = st.sampled_from(
    ["hep-th", "hep-ph", "astro-ph", "cond-mat", "quant-ph", "gr-qc", "math.GT", "cs.AI"]
)
old_ids = st.builds(
    lambda archive, yy, mm, n: f"{archive}/{yy:02d}{mm:02d}{n:03d}",
    archives,
    st.integers(0, 99),
    months,
    st.integers(1, 999),
)
canonical_ids = st.one_of(new_ids, old_ids)  # as written: `math.GT/…` has a subject class


def canonical(arxiv_id: str) -> str:
    """The id without the subject class, which is no part of an old-style arXiv id."""
    return re.sub(r"\.[A-Za-z]{2}/", "/", arxiv_id).lower()


versions = st.one_of(st.none(), st.integers(1, 999))

# Each documented spelling as a template; {id} may come in any letter case in prefixes.
FORMS = [
    "{id}{v}",
    "arxiv:{id}{v}",
    "arXiv:{id}{v}",
    "ARXIV: {id}{v}",
    "https://arxiv.org/abs/{id}{v}",
    "https://arxiv.org/pdf/{id}{v}",
    "https://arxiv.org/pdf/{id}{v}.pdf",
    "http://export.arxiv.org/abs/{id}{v}",
    "https://www.arxiv.org/abs/{id}{v}/",
    "arxiv.org/abs/{id}{v}",
    "  {id}{v}\n",
    "10.48550/arXiv.{id}{v}",
    "https://doi.org/10.48550/arXiv.{id}{v}",
]


def spell(form: str, arxiv_id: str, version: int | None) -> str:
    return form.format(id=arxiv_id, v=f"v{version}" if version else "")


def test_every_documented_example_is_accepted() -> None:
    examples = [e.strip() for e in ACCEPTED_ARXIV_FORMS.split(",")]
    assert len(examples) >= 8
    parsed = {e: parse_arxiv_id(e) for e in examples}
    assert None not in parsed.values(), parsed
    assert parsed["arXiv:2505.22148v2"] == ArxivId("2505.22148", 2)
    assert parsed["math.GT/0309136"] == ArxivId("math/0309136")  # no subject class
    assert parsed["10.48550/arXiv.2505.22148"] == ArxivId("2505.22148")
    assert {p.id for e, p in parsed.items() if "2505" in e} == {"2505.22148"}


@given(canonical_ids, versions, st.sampled_from(FORMS))
def test_every_form_gives_the_canonical_id_and_version(
    arxiv_id: str, version: int | None, form: str
) -> None:
    assert parse_arxiv_id(spell(form, arxiv_id, version)) == ArxivId(canonical(arxiv_id), version)


@given(canonical_ids, versions, st.sampled_from(FORMS))
def test_letter_case_of_an_old_archive_does_not_matter(
    arxiv_id: str, version: int | None, form: str
) -> None:
    shouted = spell(form, arxiv_id.upper(), version)
    assert parse_arxiv_id(shouted) == ArxivId(canonical(arxiv_id), version)


@given(
    st.one_of(
        st.builds(spell, st.sampled_from(FORMS), canonical_ids, versions),
        st.text(max_size=60),
        st.from_regex(r"\A[0-9a-zA-Z.:/v -]{1,40}\Z"),
    )
)
@example("2505.22148v0")
@example("٢٥٠٥.٢٢١٤٨")
@example("hep-th/9913001")
def test_normalisation_is_idempotent_and_yields_plain_ascii(text: str) -> None:
    """Whatever is accepted comes out canonical, and canonical text parses to itself."""
    parsed = parse_arxiv_id(text)
    if parsed is None:
        return
    assert CANONICAL.match(parsed.id), parsed
    assert parsed.version is None or parsed.version >= 1
    assert parse_arxiv_id(str(parsed)) == parsed
    assert parse_arxiv_id(parsed.id) == ArxivId(parsed.id)


@given(
    canonical_ids,
    st.sampled_from(
        ["; DROP TABLE paper", "'", '"', "/../../etc/passwd", " OR 1=1", "%00", "\x00"]
    ),
)
def test_ids_with_injected_text_are_refused(arxiv_id: str, injected: str) -> None:
    assert parse_arxiv_id(arxiv_id + injected) is None
    assert parse_arxiv_id(injected + arxiv_id) is None


@given(st.text(min_size=101, max_size=300))
def test_overlong_text_is_refused(text: str) -> None:
    assert parse_arxiv_id(text) is None
    assert parse_arxiv_id("2505.22148" + "0" * 190) is None


# --- citation keys -------------------------------------------------------------------------

names = st.text(max_size=30)
titles = st.text(max_size=80)
years = st.one_of(st.none(), st.integers(1000, 2100))
papers = st.tuples(st.lists(names, max_size=4), years, titles)


@given(papers)
@example((["Marjanović, Sara"], 2025, "DeepSeek-R1 Thoughtology"))
@example((["李 小龙"], None, "中文标题"))
@example(([""], None, ""))
def test_keys_are_plain_and_stable(paper: tuple[list[str], int | None, str]) -> None:
    key = base_key(*paper)
    assert KEY_RE.match(key), key
    assert base_key(*paper) == key


def test_keys_follow_the_house_style() -> None:
    assert base_key(["Sara Vera Marjanović"], 2025, "DeepSeek-R1 Thoughtology") == (
        "marjanovic2025deepseekr1"
    )
    assert base_key(["Chen, Xingyu"], 2024, "Do NOT Think That Much for 2+3=?") == ("chen2024think")


@settings(max_examples=60)
@given(st.lists(papers, min_size=1, max_size=40), st.data())
def test_adding_papers_gives_unique_keys_and_never_renames_one(
    library: list[tuple[list[str], int | None, str]], data: st.DataObject
) -> None:
    """Keys are assigned one paper at a time; each is new, in house style, and an earlier
    key is never changed by a later paper — even one with the same author, year and title."""
    clones = data.draw(st.lists(st.sampled_from(library), max_size=10))
    taken: list[str] = []
    for paper in library + clones:
        base = base_key(*paper)
        key = unique_key(base, taken.__contains__)
        assert key not in taken
        assert KEY_RE.match(key)
        assert key.startswith(base) and re.fullmatch(r"[a-z]*", key[len(base) :])
        before = list(taken)
        taken.append(key)
        assert taken[:-1] == before


def test_clashes_get_letters_in_order() -> None:
    taken: set[str] = {"chen2024think"}
    keys = []
    for _ in range(28):
        key = unique_key("chen2024think", taken.__contains__)
        taken.add(key)
        keys.append(key)
    assert keys[:3] == ["chen2024thinka", "chen2024thinkb", "chen2024thinkc"]
    assert keys[25:] == ["chen2024thinkz", "chen2024thinkaa", "chen2024thinkab"]


# --- BibTeX export → import ----------------------------------------------------------------

LATEX_SPECIALS = list("{}\\$&%#_^~`'\"-–—“”«»<>|@")
unicode_chars = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"))


def stored_text(min_size: int = 0) -> st.SearchStrategy[str]:
    """Field text as lrmkb stores it: any Unicode, LaTeX's special characters often,
    whitespace already folded to single spaces."""
    return (
        st.text(st.one_of(unicode_chars, st.sampled_from(LATEX_SPECIALS)), max_size=60)
        .map(lambda s: " ".join(s.split()))
        .filter(lambda s: len(s) >= min_size)
    )


name_words = st.text(
    st.one_of(st.characters(categories=("L", "M")), st.sampled_from(list("-'.’"))),
    min_size=1,
    max_size=12,
).filter(lambda w: w.lower() not in {"and", "others"} and any(c.isalpha() for c in w))
# a stored display name ("First Last") whose first word is lower case reads back as a von
# part ("a A V" → "V a A"): particles are tested by test_names.py on structured names
names = (
    st.lists(name_words, min_size=1, max_size=4)
    .map(" ".join)
    .filter(lambda n: n.split()[0][:1].isupper() and n.split()[-1][:1].isupper())
)
stored_papers = st.fixed_dictionaries(
    {
        "key": st.just("roundtrip2024paper"),
        "title": stored_text(min_size=1),
        "title_latex": st.none(),
        "authors": st.lists(names, max_size=5),
        "authors_more": st.booleans(),
        "year": st.one_of(st.none(), st.integers(1900, 2100)),
        "entry_type": st.sampled_from(["article", "inproceedings", "misc", "book"]),
        "venue": st.one_of(st.none(), stored_text(min_size=1)),
        "volume": st.one_of(st.none(), stored_text(min_size=1)),
        "pages": st.one_of(st.none(), st.from_regex(r"\A[1-9][0-9]{0,3}(–[1-9][0-9]{0,3})?\Z")),
        "publisher": st.one_of(st.none(), stored_text(min_size=1)),
        "note": st.one_of(st.none(), stored_text(min_size=1)),
        "doi": st.one_of(st.none(), st.from_regex(r"\A10\.[0-9]{4,6}/[a-z0-9._;()/-]{1,20}\Z")),
        "arxiv_id": st.one_of(st.none(), new_ids),
        "url": st.one_of(
            st.none(), st.from_regex(r"\Ahttps://[a-z]{1,10}\.org/[\w%#~?=&.-]{0,20}\Z")
        ),
        "fields": st.just([]),  # not imported from a .bib file: written from its columns
        "aliases": st.just([]),
        "tags": st.just([]),
    }
)
EXPORTED_FIELDS = [
    "title",
    "authors",
    "authors_more",
    "year",
    "venue",
    "volume",
    "pages",
    "publisher",
    "note",
    "doi",
    "arxiv_id",
    "url",
]


@settings(max_examples=300)
@given(stored_papers)
def test_bibtex_export_then_import_keeps_every_stored_field(paper: dict) -> None:
    from lrmkb.exporters.bibtex import entries as bib_entries
    from lrmkb.importers.bibread import read_entries as parse_bib

    text = bib_entries([paper])
    entries, problems = parse_bib(text)
    assert problems == [] and len(entries) == 1, text
    back = entries[0].fields
    expected = {f: paper[f] for f in EXPORTED_FIELDS}
    if paper["arxiv_id"] and not paper["url"]:  # the export adds the arXiv page as url
        expected["url"] = f"https://arxiv.org/abs/{paper['arxiv_id']}"
    assert {f: back[f] for f in EXPORTED_FIELDS} == expected, text


UNICODE_BIB = r"""@article{one,
  author = {Marjanovi{\'c}, Sara Vera and Zhang, Wei and {\"O}zt{\"u}rk, Ay{\c{s}}e and M{\"u}ller-L{\'e}vy, Jean-Fran{\c{c}}ois},
  title = {{DeepSeek-R1} Thoughtology: 50\% of {Reasoning} \& the {\AA}ngstr{\"o}m Scale},
  journal = {Trans. Mach. Learn. Res.},
  year = {2025},
  pages = {1--17},
  volume = {3},
  doi = {10.48550/arxiv.2504.07128},
  eprint = {2504.07128},
  archivePrefix = {arXiv},
}

@inproceedings{two,
  author = {李, 小龙 and Nguyễn, Văn An and Øster, Ærøskøbing and others},
  title = {Ünïcödé 推理 模型 — “quoted” and co\_op \#1},
  booktitle = {Proceedings of the Ωmega Workshop},
  publisher = {Société Générale d’Édition},
  note = {Ελληνικά; עברית; العربية},
  year = {2024},
  url = {https://example.org/paper/two},
}
"""


def test_bibtex_round_trip_through_the_cli(tmp_path: Path) -> None:
    """Import → export → import into a fresh database: the same papers, field by field."""
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    source, exported = tmp_path / "source.bib", tmp_path / "exported.bib"
    source.write_text(UNICODE_BIB, encoding="utf-8")

    def lrmkb(db: Path, *args: str) -> str:
        result = CliRunner().invoke(app, ["--db", str(db), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.stdout + result.stderr
        return result.stdout

    for db in (first, second):
        lrmkb(db, "db", "init")
    lrmkb(first, "import", str(source))
    lrmkb(first, "export", "--format", "bib", "--output", str(exported))
    lrmkb(second, "import", str(exported))

    def papers(db: Path) -> list[dict]:
        with sqlite3.connect(db) as conn:
            keys = [r[0] for r in conn.execute("SELECT key FROM paper ORDER BY key")]
        return [json.loads(lrmkb(db, "show", key, "--json")) for key in keys]

    before, after = papers(first), papers(second)
    assert len(before) == 2
    assert [{f: p[f] for f in EXPORTED_FIELDS} for p in after] == [
        {f: p[f] for f in EXPORTED_FIELDS} for p in before
    ]
    assert ["Sara Vera Marjanović", "Wei Zhang", "Ayşe Öztürk", "Jean-François Müller-Lévy"] in [
        p["authors"] for p in before
    ]
