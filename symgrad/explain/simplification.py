"""Presenting a derivative simply: the shortest of a few cheap, exact rewritings, within a size bound.

The rule: function applications (``sigma(z)``, ``exp(x)``) are set aside as opaque symbols (one
with an algebraic form, :attr:`~symgrad.core.operations.Operation.algebraic`, written in it first:
the clamped log's slope as ``[log x >= -100] / x``), the rest is treated as a rational function (``cancel``, ``factor``, pulling out common factors), and
the form with the fewest operations (or as few, with fewer minus signs) wins; an expression larger than :data:`LIMIT` operations is
left as it is. So ``(-y/p + (1-y)/(1-p)) p (1-p)`` becomes ``p - y``. Each rewriting is an identity
of rational functions, and derivations check the result equal to what they simplified anyway.
"""

import sympy

from ..core.equality import larger_than
from ..core.operations import written_as

__all__ = ["simplest", "LIMIT"]

LIMIT = 60  # operations beyond which no rewriting is tried


def simplest(expr):
    """The shortest exact rewriting of ``expr`` (``expr`` itself when none is shorter)."""
    expr = sympy.sympify(expr)
    if expr.is_Atom or not expr.free_symbols or larger_than(expr, LIMIT):
        return expr
    written = written_as(expr, "algebraic")
    rational, back = _opaque(written)
    cancelled = sympy.cancel(rational)
    candidates = [rational, sympy.factor_terms(rational), cancelled, sympy.factor_terms(cancelled)]
    if len(rational.free_symbols) <= 8:
        candidates.append(sympy.factor(cancelled))
    if written is not expr:  # grouped by what was written algebraically: the terms of each bracket
        candidates.append(_grouped(cancelled, [d for d, f in back.items() if not expr.has(f)]))
    best = min(candidates, key=_cost)
    return best.xreplace(back) if _cost(best)[:2] < _cost(rational)[:2] else expr


def _opaque(expr):
    """``expr`` with each function application a Dummy, and the map back."""
    opaque = {f: sympy.Dummy() for f in expr.atoms(sympy.Function)}
    return expr.xreplace(opaque), {d: f for f, d in opaque.items()}


def _grouped(expr, symbols):
    """``expr`` as a sum over ``symbols`` of each times its factored coefficient."""
    groups = sympy.collect(sympy.expand(expr), symbols, evaluate=False)
    return sympy.Add(*[sympy.factor(c) * s for s, c in groups.items()])


def _cost(expr):
    """Fewest operations first; then fewest minus signs; then the shortest text. A rewriting must
    win on one of the first two to replace what was written."""
    text = str(expr)
    return sympy.count_ops(expr), text.count("-"), len(text)
