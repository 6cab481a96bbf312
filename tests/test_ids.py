"""arXiv ids in every spelling a .bib file uses, in every field it uses them — one
canonical id whatever the spelling."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrmkb.ids import ArxivId, arxiv_in_fields, arxiv_reference, parse_arxiv_id
from test_properties import canonical, canonical_ids, spell, versions


@pytest.mark.parametrize(
    ("fields", "expected", "where"),
    [
        ({"eprint": "2501.19393", "archiveprefix": "arXiv"}, "2501.19393", "eprint"),
        ({"eprint": "2501.19393"}, "2501.19393", "eprint"),  # no archivePrefix at all
        ({"eprint": "2501.19393", "eprinttype": "arxiv"}, "2501.19393", "eprint"),  # BibLaTeX
        ({"eprint": "math.GT/0309136", "archiveprefix": "arXiv"}, "math/0309136", "eprint"),
        ({"eprint": "math/0309136"}, "math/0309136", "eprint"),
        ({"doi": "10.48550/arXiv.2502.03373"}, "2502.03373", "doi"),
        ({"doi": "https://doi.org/10.48550/ARXIV.2502.03373"}, "2502.03373", "doi"),
        ({"journal": "arXiv:2501.19393 [cs]"}, "2501.19393", "journal"),  # Zotero
        ({"note": "arXiv:2501.19393 [cs.CL]"}, "2501.19393", "note"),
        ({"number": "arXiv:2501.19393"}, "2501.19393", "number"),
        ({"journal": "arXiv preprint arXiv:2505.22148"}, "2505.22148", "journal"),  # Scholar
        ({"journal": "ArXiv", "volume": "abs/2501.19393"}, "2501.19393", "volume"),  # S2
        ({"journal": "CoRR", "volume": "abs/1706.03762"}, "1706.03762", "volume"),  # DBLP
        ({"journal": "arXiv e-prints", "eid": "arXiv:2501.19393"}, "2501.19393", "eid"),  # ADS
        ({"url": "https://arxiv.org/abs/2501.19393v2"}, "2501.19393", "url"),
        ({"url": "http://arxiv.org/pdf/2501.19393"}, "2501.19393", "url"),
    ],
)
def test_every_spelling_in_every_field(fields: dict[str, str], expected: str, where: str) -> None:
    found = arxiv_in_fields(fields)
    assert found is not None
    assert (found[0].id, found[1]) == (expected, where)


@pytest.mark.parametrize(
    "fields",
    [
        {"eprint": "2501.19393", "archiveprefix": "HAL"},  # another archive's number
        {"eprint": "PMC12345", "eprinttype": "pubmed"},
        {"note": "Extended version of arXiv:2501.19393"},  # another work, not this one
        {"journal": "Journal of Artificial Intelligence Research"},
        {"doi": "10.1145/3442188.3445922"},
        {"url": "https://example.org/abs/2501.19393"},
        {"number": "2501.19393"},  # a bare number could be anything
    ],
)
def test_what_is_not_this_papers_arxiv_id(fields: dict[str, str]) -> None:
    assert arxiv_in_fields(fields) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arXiv", True),
        ("CoRR", True),
        ("arXiv preprint", True),
        ("ArXiv e-prints", True),
        ("arXiv preprint arXiv:2505.22148", ArxivId("2505.22148")),
        ("arXiv:2501.19393v2 [cs]", ArxivId("2501.19393", 2)),
        ("arXiv:math.GT/0309136", ArxivId("math/0309136")),
        ("Nature", False),
        ("arXiv Workshop on Things", False),
        ("", False),
    ],
)
def test_a_venue_that_only_says_arxiv(text: str, expected: ArxivId | bool) -> None:
    assert arxiv_reference(text) == expected


IN_FIELD = [
    ("eprint", "{id}{v}"),
    ("eprint", "arXiv:{id}{v}"),
    ("doi", "10.48550/arXiv.{id}{v}"),
    ("journal", "arXiv:{id}{v} [cs]"),
    ("journal", "arXiv preprint arXiv:{id}{v}"),
    ("note", "arXiv:{id}{v} [math.GT]"),
    ("number", "arXiv:{id}{v}"),
    ("url", "https://arxiv.org/abs/{id}{v}"),
    ("url", "https://arxiv.org/pdf/{id}{v}.pdf"),
]


@given(canonical_ids, versions, st.sampled_from(IN_FIELD))
def test_one_canonical_id_from_any_field(
    arxiv_id: str, version: int | None, where: tuple[str, str]
) -> None:
    name, form = where
    found = arxiv_in_fields({name: spell(form, arxiv_id, version)})
    assert found == (ArxivId(canonical(arxiv_id), version), name)
    assert parse_arxiv_id(str(found[0])) == found[0]
