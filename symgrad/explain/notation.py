r"""Machine-learning notation, in one table, and the printing of symbols, expressions and numbers.

A symbol prints as, in order: the LaTeX its graph node was given (``define(..., latex="y^*")``);
its name in :data:`NAMES` (``L`` is $\mathcal L$, ``lr`` is $\eta$); its name with a suffix of
:data:`SUFFIXES` (``ystar`` is $y^*$, ``y_hat`` is $\hat y$); else as SymPy prints it (``w1`` is
$w_1$, ``theta0`` is $\theta_0$, ``yhat`` is $\hat y$, ``eta`` is $\eta$) when that is a notation
(:func:`~symgrad.core.math_commands.forbidden`), else literally as text: a symbol named
``\input{/etc/passwd}`` prints as its name and reads nothing. Exact numbers print as
decimals when they have a short one (``479/500`` is 0.958), else as fractions.
"""

import re
from dataclasses import dataclass, field
from types import MappingProxyType

import sympy
from sympy.printing.latex import LatexPrinter

from ..core.operations import operation_of
from ..core.math_commands import forbidden
from .escaping import escape_text

__all__ = ["Notation", "NOTATION", "NAMES", "SUFFIXES", "number", "decimal", "positive_first"]

NAMES = MappingProxyType({
    "L": r"\mathcal{L}", "loss": r"\mathcal{L}", "J": r"J",
    "lr": r"\eta", "learning_rate": r"\eta",
    "y_pred": r"\hat{y}", "y_true": r"y",
})

SUFFIXES = MappingProxyType({  # a name ending so: the LaTeX of the rest, decorated
    "star": "{%s}^{*}", "_star": "{%s}^{*}", "_hat": r"\hat{%s}", "_bar": r"\bar{%s}",
})

DECIMALS = 12  # a rational with a terminating decimal of at most this many places prints as one
DIGITS = 6  # significant digits of an irrational number shown as a decimal


@dataclass(frozen=True)
class Notation:
    """How symbols print: the tables above, and the LaTeX names a graph's nodes were given."""

    names: MappingProxyType = field(default_factory=lambda: NAMES)
    suffixes: MappingProxyType = field(default_factory=lambda: SUFFIXES)
    given: dict = field(default_factory=dict)

    def symbol(self, s):
        """The LaTeX of the symbol ``s``."""
        if s in self.given:
            return self.given[s]
        name = s.name
        if name in self.names:
            return self.names[name]
        for suffix, template in self.suffixes.items():
            if name.endswith(suffix) and len(name) > len(suffix):
                return template % self.symbol(sympy.Symbol(name[:-len(suffix)]))
        return _notation_or_name(sympy.latex(s), name)

    def expression(self, expr, values=None, names=None):
        r"""The LaTeX of ``expr``; ``names`` (symbol -> LaTeX) overrides how symbols print. With
        ``values`` (symbol -> number) those symbols print as their numbers, unevaluated (negative
        ones in parentheses, irrational ones to :data:`DIGITS` digits), and products get a $\cdot$."""
        expr = sympy.sympify(expr)
        names = {**{s: self.symbol(s) for s in expr.free_symbols}, **(names or {})}
        options = {}
        if values:
            shown = {s: _Substituted(v if v.is_Rational else sympy.N(v, DIGITS), s)
                     for s, v in values.items() if s in expr.free_symbols}
            expr = expr.xreplace(shown)
            options["mul_symbol"] = "dot"
        return _Printer(dict(symbol_names=names, **options), decimals=bool(values)).doprint(expr)


NOTATION = Notation()


def number(value):
    """An exact number in LaTeX: an integer, a short decimal, a fraction, or its symbolic form."""
    value = sympy.sympify(value)
    if value.is_Rational:
        return _rational(value)
    return sympy.latex(value)


def decimal(value, digits=DIGITS):
    """A number to ``digits`` significant digits (``0.731059``), for an irrational exact value."""
    value = sympy.N(value, digits + 5)
    real, imaginary = value.as_real_imag()
    if imaginary != 0 or not real.is_Number:
        return sympy.latex(sympy.N(value, digits))
    return _trim(f"{float(real):.{digits}g}") if "e" not in f"{float(real):.{digits}g}" \
        else sympy.latex(sympy.Float(real, digits))


def positive_first(terms):
    """A sum's terms with the subtracted ones last: $y^* - y$, not $-y + y^*$."""
    return [t for t in terms if not t.could_extract_minus_sign()] + [t for t in terms if t.could_extract_minus_sign()]


def _rational(q):
    text = _decimal(q)
    if text is not None:
        return text
    sign = "-" if q < 0 else ""
    return r"%s\frac{%d}{%d}" % (sign, abs(q.p), q.q)


def _decimal(q):
    """``q`` as a terminating decimal of at most :data:`DECIMALS` places, or None."""
    d, places = q.q, 0
    while d % 10 == 0:
        d, places = d // 10, places + 1
    while d % 2 == 0 or d % 5 == 0:
        d = d // 2 if d % 2 == 0 else d // 5
        places += 1
    if d != 1 or places > DECIMALS:
        return None
    if places == 0:
        return str(q.p)
    text = f"{abs(q.p) * 10 ** places // q.q:0{places + 1}d}"
    text = _trim(f"{text[:-places]}.{text[-places:]}")
    return ("-" if q < 0 else "") + text


def _trim(text):
    return re.sub(r"(\.\d*?)0+$", r"\1", text).rstrip(".")


def _notation_or_name(printed, name):
    """SymPy's LaTeX of a symbol if it is a notation, else the symbol's name as text."""
    return printed if forbidden(printed) is None else r"\text{%s}" % escape_text(name)


class _Substituted(sympy.UnevaluatedExpr):
    """A number put in place of a symbol, unevaluated and kept apart from equal numbers put in
    place of other symbols (``0.5 \\cdot 0.5`` stays a product). It prints as the number, in
    parentheses where a negative number needs them: also after a sign, ``1.1 - \\left(-0.85\\right)``. It
    commutes (a number does), so that a negative power of it prints as a fraction."""

    is_commutative = True

    def __new__(cls, value, symbol):
        return sympy.Expr.__new__(cls, value, symbol)

    @property
    def negative(self):
        return self.args[0].is_negative


class _Printer(LatexPrinter):
    """SymPy's LaTeX printer, with ``e`` for Euler's number, subtracted terms last in a sum, symbols
    that are not notations as their names, and (with ``decimals``, for numbers substituted) short
    decimals for rationals: ``0.958``."""

    def __init__(self, settings, decimals=False):
        super().__init__(settings)
        self.decimals = decimals

    def _print(self, expr, **kwargs):
        op = operation_of(expr)
        if op is not None and op.notation is not None:  # step as the Iverson bracket relu's rule names
            return op.notation(self, expr)
        return super()._print(expr, **kwargs)

    def _print_Symbol(self, expr, style="plain"):  # a bound symbol (a sum's index) is not in symbol_names
        return _notation_or_name(super()._print_Symbol(expr, style), expr.name)

    def _print_Rational(self, expr):
        return _rational(expr) if self.decimals else super()._print_Rational(expr)

    def _as_ordered_terms(self, expr, order=None):
        return positive_first(super()._as_ordered_terms(expr, order=order))

    def _print_Add(self, expr, order=None):
        """SymPy's sum, with a negative number substituted after a sign in parentheses."""
        tex = ""
        for i, term in enumerate(self._as_ordered_terms(expr, order=order)):
            if i and term.could_extract_minus_sign():
                tex, term = tex + " - ", -term
            elif i:
                tex += " + "
            term_tex = self._print(term)
            negative = i and isinstance(term, _Substituted) and term.negative
            tex += r"\left(%s\right)" % term_tex if negative or self._needs_add_brackets(term) else term_tex
        return tex

    def _print_Exp1(self, expr, exp=None):
        return "e" if exp is None else "e^{%s}" % exp
