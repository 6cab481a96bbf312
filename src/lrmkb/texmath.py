"""Inline TeX math as readable text, for formats that cannot typeset it (CSL-JSON,
Markdown): `$\\langle{}00\\overline{1}\\rangle$` → `⟨001̅⟩`, `Cu$_2$O` → `Cu₂O`,
`$O(n^2)$` → `O(n²)`. Stored titles keep their math as TeX (`$…$`), so that BibTeX
exports typeset it; only the formats that print text convert it, with this.

pylatexenc reads the math (`math_mode="text"`); it is told two things it does not know:
`\\overline`/`\\bar` put a combining mark on each character (it drops them, which turns
`(000\\bar{1})` into `(0001)`), and sub/superscripts of digits, signs and a few letters
are the Unicode sub/superscript characters (it prints `_2`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

# pandoc's rule for inline math: no space just inside the dollars, no digit right after
_MATH_RE = re.compile(
    r"(?<!\\)\$(?=\S)(?P<body>[^$]+?)(?<=\S)(?<!\\)\$(?!\d)|\\\((?P<paren>.+?)\\\)"
)
_SCRIPT_RE = re.compile(r"([_^])(?:\{([^{}]*)\}|([A-Za-z0-9+\-=()]))")
_SUB = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans(
    "0123456789+-=()abcdefghijklmnoprstuvwxyzT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵀ"
)
_SUB_OK = frozenset("0123456789+-=()aehijklmnoprstuvx")
_SUP_OK = frozenset("0123456789+-=()abcdefghijklmnoprstuvwxyzT")


def math_to_text(text: str) -> str:
    """`text` with every inline math span (`$…$`, `\\(…\\)`) as readable Unicode; the
    rest unchanged. Text without math comes back as it is."""
    if "$" not in text and "\\(" not in text:
        return text
    return _MATH_RE.sub(lambda m: _readable(m["body"] or m["paren"]), text)


@lru_cache(maxsize=1024)
def _readable(body: str) -> str:
    body = _SCRIPT_RE.sub(_script, body)
    return " ".join(_decoder()(f"${body}$").split())


def _script(m: re.Match[str]) -> str:
    """`_2`, `^{10}` → `₂`, `¹⁰` where every character has a Unicode form; else as written."""
    sign, chars = m[1], m[2] if m[2] is not None else m[3]
    allowed, table = (_SUB_OK, _SUB) if sign == "_" else (_SUP_OK, _SUP)
    if chars and all(c in allowed for c in chars):
        return chars.translate(table)
    return m.group()


@lru_cache(maxsize=1)
def _decoder() -> Callable[[str], str]:
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    def marked(mark: str) -> Callable[[Any, Any], str]:
        def repl(node: Any, l2tobj: Any) -> str:
            argument = l2tobj.nodelist_to_text([node.nodeargd.argnlist[-1]])
            return "".join(c + mark for c in argument)

        return repl

    context = get_default_latex_context_db()
    context.add_context_category(
        "lrmkb-math",
        macros=[
            MacroTextSpec("overline", simplify_repl=marked("\u0305")),
            MacroTextSpec("bar", simplify_repl=marked("\u0304")),
        ],
        prepend=True,
    )
    convert: Callable[[str], str] = LatexNodes2Text(
        latex_context=context, math_mode="text"
    ).latex_to_text
    return convert
