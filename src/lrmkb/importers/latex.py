"""LaTeX → Unicode, as reference managers (and lrmkb's own export) write it in BibTeX
fields: accents, special letters, escaped specials, dashes, quotes, formatting commands.

The decoder is our own, one regex pass, because pylatexenc's general decoder costs more
than parsing the file itself; pylatexenc is asked only about rare macros and math (cached).
Text without a backslash or `$` (most of a real file) never reaches the regexes."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
_NAMED = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "ng": "ŋ",
    "NG": "Ŋ",
    "dj": "đ",
    "DJ": "Đ",
    "textendash": "–",
    "textemdash": "—",
    "textbackslash": "\\",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textbraceleft": "{",
    "textbraceright": "}",
    "ldots": "…",
    "dots": "…",
    "textquoteleft": "‘",
    "textquoteright": "’",
    "textquotedblleft": "“",
    "textquotedblright": "”",
    "guillemotleft": "«",
    "guillemotright": "»",
    "copyright": "©",
    "textregistered": "®",
    "texttrademark": "™",
    "pounds": "£",
    "euro": "€",
    "S": "§",
    "P": "¶",
    "times": "×",
    "pm": "±",
    "leq": "≤",
    "geq": "≥",
    "le": "≤",
    "ge": "≥",
    "neq": "≠",
    "approx": "≈",
    "infty": "∞",
    "rightarrow": "→",
    "to": "→",
    "leftarrow": "←",
    "cdot": "·",
    "LaTeX": "LaTeX",
    "TeX": "TeX",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
}
# Commands that only format their argument: the command goes, the argument stays.
_FORMATTING = frozenset(
    [
        "emph",
        "textit",
        "textbf",
        "textsc",
        "texttt",
        "textrm",
        "textsf",
        "textsl",
        "textup",
        "textnormal",
        "textmd",
        "mathrm",
        "mathbf",
        "mathit",
        "mathsf",
        "mathtt",
        "mathcal",
        "mathbb",
        "mbox",
        "hbox",
        "text",
        "it",
        "bf",
        "sc",
        "tt",
        "rm",
        "sf",
        "em",
        "sl",
        "upshape",
        "itshape",
        "bfseries",
        "scshape",
        "normalfont",
        "url",
        "nocase",
        "NoCaseChange",
    ]
)
_ESCAPED = {"&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " "}
_ESCAPED |= {",": " ", ";": " ", "-": "\xad"}  # `\\-`: a discretionary (soft) hyphen
_DASHES_QUOTES = {"---": "—", "--": "–", "``": "“", "''": "”", "~": " "}

# Accents first, repeatedly, innermost out: `{\~{\^{e}}}` → `{\~{ê}}` → `{ễ}`.
_ACCENT_RE = re.compile(
    r"""\\(?:
        (?P<acc>[`'^"~=.])\s*(?:\{\s*(?P<a1>\\[A-Za-z]+|[^\W\d_])?\s*\}|(?P<a2>\\[A-Za-z]+|[A-Za-z]))
      | (?P<lacc>[uvHckrdb])(?:\s*\{\s*(?P<l1>\\[A-Za-z]+|[^\W\d_])?\s*\}|\s+(?P<l2>[A-Za-z]))
    )""",
    re.X,
)
# Then everything else in one pass, so that nothing a token turns into is read again.
# Every alternative starts with a literal character: `re` then skips straight to the next
# candidate instead of trying six alternatives at each character of a long abstract.
_TOKEN_RE = re.compile(
    r"""\$(?<!\\\$)(?P<body>[^$]+?)(?<!\\)\$
      | \\(?: ensuremath\{(?P<ensure>(?:[^{}]|\{[^{}]*\})*)\}
            | (?P<esc>[&%$\#_{}\ ,;-])
            | (?P<cmd>[A-Za-z]+)(?P<sep>\{\}|[ \t\n]*)(?P<arg>(?=\{))? )
      | ---? | `` | '' | ~ | \{ | \}""",
    re.X,
)
_ASCII_WORD_RE = re.compile(r"[A-Za-z0-9\\]")
_SPECIAL_RE = re.compile(r"[\\{}~$`']")


def _compose(accent: str, base: str | None) -> str | None:
    """Put a combining accent on its letter (`\\'{\\i}` → `í`, `\\={\\CYRI}` → `Ӣ`); a lone
    accent stays visible; None when the base is a macro that is no letter."""
    if base is None:
        return unicodedata.normalize("NFC", " " + accent).strip() or accent
    if base.startswith("\\"):
        letter = base[1:] if base[1:] in ("i", "j") else _macro_text(base[1:])
        if not letter or len(letter) != 1:
            return None
        base = letter
    return unicodedata.normalize("NFC", base + accent)


def _accent(m: re.Match[str]) -> str:
    if m["acc"]:
        composed = _compose(_ACCENTS[m["acc"]], m["a1"] or m["a2"])
    else:
        composed = _compose(_ACCENTS[m["lacc"]], m["l1"] or m["l2"])
    return m.group() if composed is None else composed


@lru_cache(maxsize=1024)
def _pylatexenc(latex: str) -> str:
    """pylatexenc's reading of a rare piece of LaTeX: its table is complete where ours is
    short, and lrmkb's own export spells rare characters with it."""
    from pylatexenc.latex2text import LatexNodes2Text

    return unicodedata.normalize("NFC", LatexNodes2Text(math_mode="text").latex_to_text(latex))


def _macro_text(name: str) -> str | None:
    """What a macro means (`\\ss` → ß, `\\texteuro` → €), or None when nothing known."""
    if name in _NAMED:
        return _NAMED[name]
    text = _pylatexenc(f"\\{name}{{}}")
    return text if text.strip() and "\\" not in text else None


def _math(body: str) -> str:
    """Inline math stays math (`$f(x)$`, as the survey's titles have it), except math that
    only spells a symbol: `$\\alpha$` → α, `$\\acute\\alpha$` → ά, `$<$` → <."""
    symbol = _pylatexenc(f"${body}$")
    return symbol if symbol.strip() and not _ASCII_WORD_RE.search(symbol) else f"${body}$"


def _token(m: re.Match[str], keep_braces: bool) -> str:
    token = m.group()
    first = token[0]
    if first in "{}":
        return token if keep_braces else ""
    if first == "$":
        return _math(m["body"])
    if first != "\\":
        return _DASHES_QUOTES[token]
    if m["esc"]:
        return token if keep_braces and m["esc"] in "{}" else _ESCAPED[m["esc"]]
    if m["ensure"] is not None:
        return _math(m["ensure"])
    name = m["cmd"]
    if name in _FORMATTING:
        return ""
    text = _macro_text(name)
    if text is not None:
        return text
    # unknown command: kept as written, apart from its argument, so nothing is lost
    return token + (" " if m["arg"] is not None else "")


def _token_plain(m: re.Match[str]) -> str:
    return _token(m, keep_braces=False)


def _token_grouped(m: re.Match[str]) -> str:
    return _token(m, keep_braces=True)


def decode_latex(text: str, *, keep_braces: bool = False) -> str:
    """LaTeX as reference managers (and lrmkb's own export) write it → plain Unicode text.

    `keep_braces` leaves grouping braces in place (author lists need them to split
    `{Barnes and Noble}` correctly); otherwise case-protecting braces are removed."""
    if not _SPECIAL_RE.search(text) and "--" not in text:
        return text
    if "\\" not in text and "$" not in text:
        return _decode_plain(text, keep_braces)
    for _ in range(4):  # again only while accents were resolved and commands remain
        if "\\" not in text:
            break
        text, resolved = _ACCENT_RE.subn(_accent, text)
        if not resolved:
            break
    return _TOKEN_RE.sub(_token_grouped if keep_braces else _token_plain, text)


def _decode_plain(text: str, keep_braces: bool) -> str:
    """What `_TOKEN_RE` does to text without commands or math: dashes, quotes and ties
    become characters, braces go. Each token is a run of one character that no other
    token uses, so replacing them one kind at a time (`---` before `--`) is the same."""
    for ligature, char in _DASHES_QUOTES.items():
        if ligature in text:
            text = text.replace(ligature, char)
    return text if keep_braces else text.replace("{", "").replace("}", "")
