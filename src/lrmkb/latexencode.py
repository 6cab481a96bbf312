"""Unicode → LaTeX for BibTeX and BibLaTeX fields, and case protection of titles.

The stored text is Unicode; a LaTeX engine (pdflatex in particular) needs the specials
escaped and accented or non-Latin letters spelled as macros — only macros that mean exactly
that character (checked against pylatexenc's decoder); any other character stays UTF-8 for
a Unicode-aware engine (xelatex, lualatex, biber, pandoc). Inline math
in a title, in the pandoc sense (`$f(x)$`: no space just inside the dollars, no digit right
after the closing one, plain TeX inside), is passed through as math, as the survey's
BibTeX has it; everywhere else a dollar is a dollar.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

# The ASCII characters that LaTeX or BibTeX treat specially.
ASCII_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": "$<$",  # OT1 fonts print a bare < as ¡
    ">": "$>$",
    "|": "$|$",  # OT1 fonts print a bare | as —
}

# BibTeX counts `\{` and `\}` as braces too: a literal brace without its partner, so
# escaped, would unbalance the field (`title = {\#\{}` never ends). `balance_braces`
# writes those as words.
LONE_BRACES = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
_ESCAPED_BRACE_RE = re.compile(r"\\\\|\\[{}]")

# Pairs TeX fuses into another glyph (`--` → –, ``` `` ``` → “, `?`` → ¿): kept apart by `{}`.
LIGATURES = {("-", "-"), ("`", "`"), ("'", "'"), ("?", "`"), ("!", "`"), (",", ",")}

_MATH_BODY = r"(?:[A-Za-z0-9 ()\[\]+\-*/=,.;:'!<>|]|\\[A-Za-z]+|[_^](?:[A-Za-z0-9]|\\[A-Za-z]+))+"
MATH_RE = re.compile(rf"\$(?=\S)({_MATH_BODY})(?<=\S)\$(?!\d)")
_WORD_RE = re.compile(rf"(?:{MATH_RE.pattern}|\S)+")
_AROUND_WORD_RE = re.compile(r"([^\w$]*)(.*?)([^\w$]*)", re.S)  # punctuation, word, punctuation
_ACRONYM_PLURAL_RE = re.compile(r"^([A-Z][A-Z0-9]+)(s|'s|’s)$")


def to_latex(text: str, *, math: bool = False) -> str:
    """Escape `text` for a BibTeX field: specials, ligatures, non-ASCII letters. With
    `math` (titles), inline math spans are kept as math instead of escaped."""
    if not math:
        return _escape_text(text)
    out: list[str] = []
    pos = 0
    for m in MATH_RE.finditer(text):
        out.append(_escape_text(text[pos : m.start()]))
        out.append(m.group())
        pos = m.end()
    out.append(_escape_text(text[pos:]))
    return "".join(out)


def balance_braces(latex: str) -> str:
    """`latex` (a field as `to_latex` and `title_to_latex` write it, whose own braces pair
    up) with each escaped brace that has no escaped partner written as a word
    (`LONE_BRACES`). Escaped pairs and lrmkb's braces then each balance, so BibTeX's count
    of both together never drops below zero and ends at zero."""
    if "\\{" not in latex and "\\}" not in latex:
        return latex
    opened: list[int] = []
    lone: list[int] = []
    for m in _ESCAPED_BRACE_RE.finditer(latex):
        if m.group() == "\\{":
            opened.append(m.start())
        elif m.group() == "\\}":
            if opened:
                opened.pop()
            else:
                lone.append(m.start())
    out: list[str] = []
    pos = 0
    for at in sorted(lone + opened):
        out += [latex[pos:at], LONE_BRACES[latex[at + 1]]]
        pos = at + 2
    return "".join(out) + latex[pos:]


# TeX and LaTeX commands that read or write files, run programs, or change how TeX
# reads what follows (so that any of the others could be spelt another way). In a .bib
# field they would run when the bibliography is compiled: `\input{/etc/passwd}` typesets
# the file, `\immediate\write18{…}` runs a shell command where shell escape is on.
DANGEROUS_COMMANDS = frozenset(
    """
    input include includeonly inputiffileexists iffileexists loadclass documentclass
    usepackage requirepackage requirepackagewithoptions import subimport subfile
    includegraphics includepdf verbatiminput lstinputlisting inputminted
    externaldocument bibliography addbibresource openin openout read readline write
    immediate closein closeout newread newwrite shellescape special pdfliteral pdfobj
    pdfannot pdfximage pdffiledump pdfmdfivesum pdffilemoddate pdffilesize filedump
    filemdfivesum filemoddate filesize directlua latelua luaexec luadirect luacode def
    edef gdef xdef let futurelet chardef mathchardef countdef dimendef skipdef toksdef
    muskipdef newcommand renewcommand providecommand declarerobustcommand newenvironment
    renewenvironment newdocumentcommand renewdocumentcommand providedocumentcommand
    declaredocumentcommand newcommandcopy usename expandargs csname endcsname catcode
    lccode uccode sfcode mathcode delcode scantokens scantextokens everyeof everyjob
    everypar everymath everydisplay everyhbox everyvbox everycr output endlinechar
    newlinechar escapechar afterassignment aftergroup makeatletter explsyntaxon
    primitive pdfprimitive typein endinput dump batchmode nonstopmode scrollmode
    errorstopmode
    """.split()  # noqa: SIM905  (a word list, as it reads)
)
# Environments that write files or run code: `\begin{filecontents}{x}` writes x.
_DANGEROUS_ENVIRONMENT_RE = re.compile(
    r"\\(begin|end)(\s*\{\s*(?:filecontents|luacode|verbatimwrite|verbatimout|writefile)\*?\s*\})",
    re.I,
)
_COMMAND_RE = re.compile(r"\\([A-Za-z@]+)|\\.", re.S)
_CONTROL_CHARS_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def defuse(latex: str) -> str:
    """`latex` (a field as written, or as lrmkb writes it) such that compiling it runs
    nothing: the backslash of each `DANGEROUS_COMMANDS` name, matched ignoring case
    (BibTeX styles change the case of titles: `\\INPUT` becomes `\\input`), and of
    `\\begin`/`\\end` of an environment that writes files, is written `\\textbackslash{}`;
    TeX's `^^` notation (`\\inp^^75t` reads as `\\input`) is written
    `\\textasciicircum{}` twice; a control character (TeX reads them as invalid, a
    terminal as a command) is written as its escape, `\\textbackslash{}x1b`."""
    if "^^" in latex:
        latex = latex.replace("^^", r"\textasciicircum{}\textasciicircum{}")
    if "\\" in latex:
        latex = _DANGEROUS_ENVIRONMENT_RE.sub(r"\\textbackslash{}\1\2", latex)
        latex = _COMMAND_RE.sub(_defused_command, latex)
    return _CONTROL_CHARS_RE.sub(lambda m: rf"\textbackslash{{}}x{ord(m.group()):02x}", latex)


def _defused_command(m: re.Match[str]) -> str:
    name = m.group(1)
    if name is not None and name.lower() in DANGEROUS_COMMANDS:
        return r"\textbackslash{}" + name
    return m.group()


def _escape_text(text: str) -> str:
    out: list[str] = []
    previous = ""
    for char in text:
        if (previous, char) in LIGATURES:
            out.append("{}")
        out.append(ASCII_ESCAPES.get(char) or (char if char.isascii() else _non_ascii(char)))
        previous = char
    return "".join(out)


# Combining marks → TeX's accent commands, for letters pylatexenc has no single macro for
# (Vietnamese `ễ` = e + circumflex + tilde → `{\\~{\\^{e}}}`).
TEX_ACCENTS = {
    "\u0300": "`",
    "\u0301": "'",
    "\u0302": "^",
    "\u0303": "~",
    "\u0304": "=",
    "\u0306": "u",
    "\u0307": ".",
    "\u0308": '"',
    "\u030a": "r",
    "\u030b": "H",
    "\u030c": "v",
    "\u0323": "d",
    "\u0327": "c",
    "\u0328": "k",
    "\u0331": "b",
}


_MATH_ACCENT_RE = re.compile(r"\\(?:acute|grave|ddot|dot|tilde|bar|breve|check|hat|vec|mathring)\b")
"""Accents LaTeX knows only in math mode (pylatexenc offers them for accented Greek)."""


@lru_cache(maxsize=4096)
def _non_ascii(char: str) -> str:
    """The LaTeX for one non-ASCII character, or the character itself when no plain-LaTeX
    form means exactly it (checked with pylatexenc's decoder: its table has slips, e.g. `Ű`
    as `\\'{U}`; math alphabets like `ℰ` need packages; CJK has no macro at all), for a
    Unicode-aware engine to take."""
    from pylatexenc.latexencode import unicode_to_latex

    decode = _decoder()
    for latex in (
        _accented(char),
        unicode_to_latex(
            char,
            non_ascii_only=True,
            replacement_latex_protection="braces-all",
            unknown_char_policy="keep",
            unknown_char_warning=False,
        ),
    ):
        latex = re.sub(r"\\ensuremath\{([^{}]*)\}", r"$\1$", latex or char)
        if "\\ensuremath" in latex:  # a math alphabet (`\\mathscr{E}`) needs a package
            continue
        if _MATH_ACCENT_RE.search(latex):  # `{\\acute{\\ddot{\\iota}}}` for ΐ: math only
            continue
        if latex != char and decode(latex) == char:
            return latex
    return char


@lru_cache(maxsize=1)
def _decoder() -> Callable[[str], str]:
    """pylatexenc's decoder, told that `\\textasciicircum` is ASCII `^` (its table says
    `ˆ`, U+02C6, which would make `^` and `ˆ` export alike)."""
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    context = get_default_latex_context_db()
    context.add_context_category(
        "lrmkb-ascii", macros=[MacroTextSpec("textasciicircum", "^")], prepend=True
    )
    decode: Callable[[str], str] = LatexNodes2Text(
        latex_context=context, math_mode="text"
    ).latex_to_text
    return decode


def _accented(char: str) -> str | None:
    """An ASCII letter under TeX accent commands, innermost mark first, if `char` is one."""
    base, *marks = list(unicodedata.normalize("NFD", char))
    if not (base.isascii() and base.isalpha() and marks) or any(
        m not in TEX_ACCENTS for m in marks
    ):
        return None
    above = any(TEX_ACCENTS[m] not in "dckb" for m in marks)  # the dot of i/j gives way
    latex = {"i": "\\i", "j": "\\j"}.get(base, base) if above else base
    for mark in marks:
        command = TEX_ACCENTS[mark]
        latex = f"\\{command}{{{latex}}}"
    return f"{{{latex}}}"


def title_to_latex(title: str, title_latex: str | None = None) -> str:
    """A title for BibTeX with its capitals protected from the style's case changes.

    `title_latex` (the title as imported, with its braces) wins: its braces are kept. Without
    it, every word with a capital letter is braced (`{DeepSeek-R1}`, `{RL}`, `{LLM}s`),
    except a first word capitalised only at its start, which styles leave alone anyway."""
    if title_latex:
        if _strip_braces(title_latex) == title:
            return _protected_runs(title_latex)
        if _balanced(title_latex):
            return title_latex  # LaTeX as the user's .bib had it
    words = []
    pos = 0
    for index, m in enumerate(_WORD_RE.finditer(title)):
        words.append(title[pos : m.start()])
        words.append(_title_word(m.group(), first=index == 0))
        pos = m.end()
    words.append(title[pos:])
    return "".join(words)


def _title_word(word: str, first: bool) -> str:
    letters = MATH_RE.sub("", word)
    capitals = [c.isupper() for c in letters]
    if not any(capitals) or (first and capitals[0] and not any(capitals[1:])):
        return "".join(
            f"{{{part}}}" if MATH_RE.fullmatch(part) else to_latex(part)
            for part in _math_split(word)
        )
    around = _AROUND_WORD_RE.fullmatch(word)
    assert around is not None  # every part may be empty: any word matches
    lead, core, trail = around.groups()
    plural = _ACRONYM_PLURAL_RE.match(core)
    if plural:
        return f"{to_latex(lead)}{{{plural[1]}}}{to_latex(plural[2])}{to_latex(trail)}"
    return f"{to_latex(lead)}{{{to_latex(core, math=True)}}}{to_latex(trail)}"


def _math_split(word: str) -> list[str]:
    parts, pos = [], 0
    for m in MATH_RE.finditer(word):
        parts += [word[pos : m.start()], m.group()]
        pos = m.end()
    return [p for p in [*parts, word[pos:]] if p]


def _protected_runs(marked: str) -> str:
    """Encode a Unicode title whose braces mark protected runs, keeping those braces."""
    runs: list[tuple[bool, str]] = []
    depth = 0
    for char in marked:
        if char in "{}":
            depth = max(depth + (1 if char == "{" else -1), 0)
            continue
        if runs and runs[-1][0] == (depth > 0):
            runs[-1] = (runs[-1][0], runs[-1][1] + char)
        else:
            runs.append((depth > 0, char))
    return "".join(
        f"{{{to_latex(text, math=True)}}}" if kept else to_latex(text, math=True)
        for kept, text in runs
    )


def _strip_braces(text: str) -> str:
    return re.sub(r"(?<!\\)[{}]", "", text)


def _balanced(text: str) -> bool:
    depth = 0
    for m in re.finditer(r"(?<!\\)[{}]", text):
        depth += 1 if m.group() == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def name_to_latex(name: str) -> str:
    """One person's name; braced whole when BibTeX would otherwise split or misread it
    (a comma, the word `and`, or the literal name `others`)."""
    latex = to_latex(name)
    if "," in name or re.search(r"\band\b", name, re.I) or name.strip().lower() == "others":
        return f"{{{latex}}}"
    return latex


def pages_to_latex(pages: str) -> str:
    """`23303–23320` → `23303--23320`, the range BibTeX styles expect."""
    return to_latex(re.sub(r"\s*[–—-]+\s*", "--", pages)).replace("-{}-", "--")
