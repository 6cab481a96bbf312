"""Decoding a .bib file: UTF-8 first; stray bytes decoded alone and reported; 8-bit files
read as Windows-1252; `--encoding` wins; never mojibake."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrmkb.errors import BadInput, UsageError
from lrmkb.importers.encoding import decode_bib

UTF8_FILE = "@article{a, author = {Jörg Müller}, title = {Études}}\n".encode()


def test_one_stray_byte_does_not_garble_the_rest_of_the_file() -> None:
    data = UTF8_FILE + b"@article{b, author = {Ren\xe9 Tester}, title = {T}}\n" + UTF8_FILE
    decoded = decode_bib(data, "x.bib")
    assert decoded.encoding == "utf-8"
    assert decoded.text.count("Jörg Müller") == 2 and "JÃ" not in decoded.text
    assert "René Tester" in decoded.text
    assert decoded.repaired == [(2, "é")]


def test_a_wholly_latin1_file_is_read_as_windows_1252() -> None:
    data = "@article{a, author = {Jörg Müller}, title = {“Quoted” Études}}\n".encode("cp1252")
    decoded = decode_bib(data, "x.bib")
    assert decoded.encoding == "windows-1252"
    assert "Jörg Müller" in decoded.text and "“Quoted” Études" in decoded.text
    assert decoded.repaired == []


def test_bytes_windows_1252_leaves_undefined_are_latin1() -> None:
    assert decode_bib(b"@misc{a, title = {\x81\xe9}}", "x.bib").text == "@misc{a, title = {\x81é}}"


def test_a_bom_is_dropped() -> None:
    assert decode_bib(b"\xef\xbb\xbf@misc{a}", "x.bib").text == "@misc{a}"


def test_encoding_override_wins_and_says_where_it_fails() -> None:
    assert decode_bib(UTF8_FILE, "x.bib", "latin-1").text.startswith("@article{a, author = {JÃ¶rg")
    with pytest.raises(BadInput) as raised:
        decode_bib(b"line one\n\xe9\n", "x.bib", "utf-8")
    assert str(raised.value).startswith("x.bib:2: byte 0xe9 is not valid utf-8")
    with pytest.raises(UsageError):
        decode_bib(b"", "x.bib", "no-such-codec")


@pytest.mark.parametrize("data", ["@misc{a}".encode("utf-16"), b"@misc{\x00}"])
def test_utf16_and_binary_are_refused(data: bytes) -> None:
    with pytest.raises(BadInput, match="not a text BibTeX file"):
        decode_bib(data, "x.bib")


UTF8_CHARS = st.characters(codec="utf-8", exclude_characters="\x00\ufeff")


@given(st.text(alphabet=UTF8_CHARS))
def test_utf8_text_comes_back_unchanged(text: str) -> None:
    decoded = decode_bib(text.encode(), "x.bib")
    assert (decoded.text, decoded.encoding, decoded.repaired) == (text, "utf-8", [])


@given(
    st.lists(st.text(alphabet=UTF8_CHARS, min_size=1, max_size=8)),
    st.lists(st.integers(0x80, 0xFF)),
)
def test_stray_bytes_in_utf8_are_each_read_alone(pieces: list[str], strays: list[int]) -> None:
    """Bytes that are not UTF-8, put between the characters of a UTF-8 text: every
    character of the text survives, and each stray byte is read as Windows-1252. (A
    stray byte is never followed by a UTF-8 continuation byte here, so it cannot start a
    valid sequence by accident.)"""
    data, expected = b"\xc3\xa9", "é"  # one real UTF-8 sequence: this is a UTF-8 file
    for n, piece in enumerate(pieces):
        data += piece.encode()
        expected += piece
        if n < len(strays):
            data += bytes([strays[n]])
            expected += (
                bytes([strays[n]])
                .decode("cp1252", errors="replace")
                .replace("\ufffd", chr(strays[n]))
            )
    decoded = decode_bib(data, "x.bib")
    assert decoded.text == expected
    assert len(decoded.repaired) <= len(strays)
