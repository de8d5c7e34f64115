r"""The math-mode LaTeX symgrad lets into a TeX file: the commands its notation table and SymPy's
printer write (:data:`MATH_COMMANDS`), and the check that a notation uses nothing else.

TeX is a programming language: ``\input``, ``\immediate\pdfobj file``, ``\csname``, ``\def`` or
``^^`` character codes read files or change what the rest of a document means, and
``openin_any=p`` does not cover pdfTeX's own file primitives. A notation (``define(latex=...)``) is
a name, not a program: it may hold only these commands, the control symbols of
:data:`CONTROL_SYMBOLS` (spacing and escaped special characters), printable ASCII other than
``% # & $ ~`` and a lone backslash, and balanced braces.
"""

import re

__all__ = ["MATH_COMMANDS", "CONTROL_SYMBOLS", "tokens", "is_allowed_command", "forbidden"]

MATH_COMMANDS = frozenset("""
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa lambda mu nu
    xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda
    Xi Pi Sigma Upsilon Phi Psi Omega ell hbar hslash aleph beth daleth gimel eth mho wp
    hat bar tilde vec dot ddot dddot ddddot check breve acute grave mathring widehat widetilde overline
    underline prime boldsymbol mathcal mathbf mathrm mathbb mathit mathsf mathtt mathfrak operatorname
    text frac dfrac tfrac sqrt sum prod limits log ln exp sin cos tan cot sec csc sinh cosh tanh coth
    arcsin arccos arctan arg max min sup inf lim det Re Im nabla partial infty
    cdot cdots ldots dots times odot otimes circ ast star dagger pm mp top intercal
    left right big Big bigl bigr Bigl Bigr lVert rVert lvert rvert langle rangle lfloor rfloor lceil rceil
    leq geq le ge neq ne approx sim equiv propto to rightarrow leftarrow mapsto in notin mid forall exists
    quad qquad
""".split())
"""Each harmless in math and in text mode: it only typesets (an unknown font command at most stops TeX)."""

CONTROL_SYMBOLS = frozenset(",;:! {}|%#&$_")
"""The characters a backslash may precede: spacing, ``\\|`` and the escaped special characters."""

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\^\^|.", re.DOTALL)
_SPECIAL = set("%#&$~\\")  # a comment, a macro parameter, an alignment tab, math shift, active, escape


def tokens(source):
    r"""``source`` split as TeX reads it: control words (``\frac``), control symbols (``\,``), ``^^``,
    and single characters."""
    return _TOKEN.findall(source)


def is_allowed_command(token):
    """Whether the control sequence ``token`` (with its backslash) is one a notation may hold."""
    name = token[1:]
    return name in MATH_COMMANDS or (len(name) == 1 and name in CONTROL_SYMBOLS)


def forbidden(source):
    """What in ``source`` a notation may not hold, described (``the command \\input``), or None."""
    depth = 0
    for token in tokens(source):
        if token.startswith("\\") and len(token) > 1:
            if not is_allowed_command(token):
                return f"the command {token}"
        elif token == "^^":
            return "TeX's ^^ character code"
        elif token in _SPECIAL or not (token.isascii() and token.isprintable()):
            return f"the character {token!r}" + ("" if token.isascii() else f" (U+{ord(token):04X})")
        elif token in "{}":
            depth += 1 if token == "{" else -1
            if depth < 0:
                return "an unmatched '}'"
    return "an unmatched '{'" if depth else None
