"""The text of a .bib file from its bytes: UTF-8 first, never mojibake.

- UTF-8 (with or without BOM) is read as UTF-8.
- A file that is UTF-8 except for a few bytes (a name pasted from a Latin-1 file) stays
  UTF-8: only those bytes are decoded alone, as Windows-1252, and each line where that
  happened is reported — rather than re-reading the whole file as Windows-1252, which
  turns every correct `Jörg` into `JÃ¶rg`.
- A file with no UTF-8 sequence at all (every non-ASCII byte is invalid UTF-8) is an
  8-bit file: Windows-1252 (Latin-1 for the five bytes Windows-1252 leaves undefined).
- `encoding` overrides all of this; bytes that are not valid in it are an error.
- UTF-16 and binary files are refused."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from ..errors import BadInput, UsageError

_SURROGATES_RE = re.compile("[\udc80-\udcff]+")
_BINARY_HINT = "export it again as UTF-8 and retry"


@dataclass(slots=True)
class Decoded:
    """A file's text, the encoding it was read with, and the lines (1-based) where bytes
    that were not UTF-8 were decoded alone as Windows-1252, with what they became."""

    text: str
    encoding: str
    repaired: list[tuple[int, str]] = field(default_factory=list)


def decode_bib(data: bytes, name: str, encoding: str | None = None) -> Decoded:
    """Decode a .bib file's bytes (see the module docstring). `name` is for messages.

    Raises `BadInput` for UTF-16 or binary data, or bytes invalid in `encoding`, and
    `UsageError` for an encoding Python does not know."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:65536]:
        raise BadInput(f"{name} is not a text BibTeX file (UTF-16 or binary)", _BINARY_HINT)
    if encoding is not None:
        return _forced(data, name, encoding)
    try:
        return Decoded(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8-sig", errors="surrogateescape")
    if not any(ord(c) > 0x7F and not 0xDC80 <= ord(c) <= 0xDCFF for c in text):
        return Decoded(_cp1252(data), "windows-1252")  # not one UTF-8 sequence: 8-bit
    repaired: list[tuple[int, str]] = []

    def repair(m: re.Match[str]) -> str:
        raw = m.group().encode("utf-8", errors="surrogateescape")
        decoded = _cp1252(raw)
        repaired.append((text.count("\n", 0, m.start()) + 1, decoded))
        return decoded

    return Decoded(_SURROGATES_RE.sub(repair, text), "utf-8", repaired)


def _cp1252(data: bytes) -> str:
    """Windows-1252, with Latin-1 for the bytes it leaves undefined (0x81, 0x8D, …)."""
    return data.decode("cp1252", errors="latin1fallback")


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("latin1fallback", _latin1_fallback)


def _forced(data: bytes, name: str, encoding: str) -> Decoded:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise UsageError(
            f"unknown encoding {encoding!r}", "use a name such as utf-8, latin-1, cp1252"
        ) from None
    try:
        text = data.decode(codec.name)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BadInput(
            f"{name}:{line}: byte {data[exc.start]:#04x} is not valid {encoding}",
            "check the file's encoding, or leave out --encoding",
        ) from None
    return Decoded(text.removeprefix("\ufeff"), codec.name)
