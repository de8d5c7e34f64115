"""Presenting a derivative simply: the shortest of a few cheap, exact rewritings, within a size bound.

The rule: function applications (``sigma(z)``, ``exp(x)``) are set aside as opaque symbols, the
rest is treated as a rational function (``cancel``, ``factor``, pulling out common factors), and
the form with the fewest operations (or as few, with fewer minus signs) wins; an expression larger than :data:`LIMIT` operations is
left as it is. So ``(-y/p + (1-y)/(1-p)) p (1-p)`` becomes ``p - y``. Each rewriting is an identity
of rational functions, and derivations check the result equal to what they simplified anyway.
"""

import sympy

__all__ = ["simplest", "LIMIT"]

LIMIT = 60  # operations beyond which no rewriting is tried


def simplest(expr):
    """The shortest exact rewriting of ``expr`` (``expr`` itself when none is shorter)."""
    expr = sympy.sympify(expr)
    if expr.is_Atom or not expr.free_symbols or sympy.count_ops(expr) > LIMIT:
        return expr
    opaque = {f: sympy.Dummy() for f in expr.atoms(sympy.Function)}
    back = {d: f for f, d in opaque.items()}
    rational = expr.xreplace(opaque)
    cancelled = sympy.cancel(rational)
    candidates = [rational, sympy.factor_terms(rational), cancelled, sympy.factor_terms(cancelled)]
    if len(rational.free_symbols) <= 8:
        candidates.append(sympy.factor(cancelled))
    best = min(candidates, key=_cost)
    return best.xreplace(back) if _cost(best)[:2] < _cost(rational)[:2] else expr


def _cost(expr):
    """Fewest operations first; then fewest minus signs; then the shortest text. A rewriting must
    win on one of the first two to replace what was written."""
    text = str(expr)
    return sympy.count_ops(expr), text.count("-"), len(text)
