r"""Text that a worksheet or a student supplies, made safe to put in a TeX file.

The text may hold inline math between ``$`` signs. Outside math every character TeX treats
specially is escaped, so the text prints as written. Inside math only the commands of
:data:`~symgrad.core.math_commands.MATH_COMMANDS` (``\frac``, ``\sigma``, ``\hat``, ...) and harmless
control symbols (``\,``) are kept; any other control sequence (``\input``, ``\write18``, ``\def``, ``\catcode``,
``\csname``) prints literally, as do TeX's ``^^`` character codes; unbalanced braces print as
braces. Control characters and Unicode line and paragraph separators (``\x00``, ``\x0c``,
U+2028), which TeX refuses or no font has, print as spaces; a newline or tab stays.
"""

import re

from ..core.math_commands import is_allowed_command, tokens

__all__ = ["escape", "escape_text", "escape_math", "segments"]

_TEXT = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
         "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}"}
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_MATH = {"#": r"\#", "%": r"\%", "&": r"\&", "~": r"\sim ", "\\": r"\backslash "}


def escape_text(text):
    """Plain text (no math) that prints literally."""
    return "".join(_TEXT.get(c, c) for c in _CONTROL.sub(" ", str(text)))


def escape(text):
    """Text with inline ``$...$`` math: text escaped, math filtered. An unmatched ``$`` is text."""
    return "".join("$%s$" % escape_math(p) if is_math else escape_text(p) for is_math, p in segments(text))


def segments(text):
    """``text`` split at its ``$`` signs into ``(is_math, part)`` pairs, text first, neither escaped;
    control characters as spaces; an unmatched last ``$`` is text."""
    parts = _CONTROL.sub(" ", str(text)).split("$")
    if len(parts) % 2 == 0:  # an odd number of dollars: the last one is a dollar sign
        parts[-2:] = [parts[-2] + "$" + parts[-1]]
    return [(i % 2 == 1, p) for i, p in enumerate(parts)]


def escape_math(source):
    """Math (without its dollars) filtered: only allowed commands kept, the rest printed literally."""
    out = [_math_token(t) for t in tokens(source)]
    if not _balanced(source):
        out = [r"\{" if t == "{" else r"\}" if t == "}" else t for t in out]
    return "".join(out)


def _math_token(token):
    if token.startswith("\\") and len(token) > 1:
        return token if is_allowed_command(token) else r"\text{\textbackslash{}%s}" % escape_text(token[1:])
    if token == "^^":
        return "^{}^"
    if not token.isascii():
        return r"\text{%s}" % token
    return _MATH.get(token, token)


def _balanced(source):
    depth = 0
    for token in tokens(source):
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth < 0:
            return False
    return depth == 0
