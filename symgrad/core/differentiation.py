"""The one place symgrad calls ``sympy.diff``: variables are taken as real, and an operation that
SymPy cannot differentiate is an error naming it, never an unevaluated ``Derivative`` passed on.
"""

import sympy
from sympy.core.function import ArgumentIndexError

from .errors import NoDerivativeRuleError

__all__ = ["derivative", "partials", "as_real"]


# Functions whose derivative SymPy writes differently for complex arguments (|x|' = sign(x) for real x).
_COMPLEX_SENSITIVE = (sympy.Abs, sympy.sign, sympy.re, sympy.im, sympy.arg, sympy.conjugate)


def as_real(expr):
    """``expr`` with each assumption-free symbol replaced by a real one, and the maps there and back."""
    if not expr.has(*_COMPLEX_SENSITIVE):
        return expr, {}, {}
    plain = [s for s in expr.free_symbols if type(s) is sympy.Symbol and s.is_real is None]
    forward = {s: sympy.Symbol(s.name, real=True) for s in plain}
    back = {r: s for s, r in forward.items()}
    return expr.xreplace(forward), forward, back


def derivative(expr, var):
    """The exact partial derivative of ``expr`` with respect to the symbol ``var``, for real variables."""
    return partials(expr, [var])[0]


def partials(expr, variables):
    """The exact partial derivatives of ``expr`` with respect to each of ``variables``.

    A sum is differentiated term by term, and only the terms that contain the variable are visited,
    so the partials of a sum of n terms with respect to n variables cost O(n), not O(n^2).
    """
    real_expr, forward, back = as_real(expr)
    terms = real_expr.args if isinstance(real_expr, sympy.Add) else (real_expr,)
    containing = {}
    for t in terms:
        for s in t.free_symbols:
            containing.setdefault(s, []).append(t)
    out = []
    for var in variables:
        r = forward.get(var, var)
        d = sympy.Add(*[_term_derivative(t, r) for t in containing.get(r, ())])
        d = d.xreplace(back) if back else d
        _check_evaluated(d, expr, var)
        out.append(d)
    return tuple(out)


def _term_derivative(term, var):
    """d term / d var. The cases a graph is made of are done directly: ``var``, ``c * var``, and
    ``f(..., var, ...)`` by the function's own rule (``fdiff``), exactly as ``sympy.diff`` would,
    without its general machinery, which costs far more than the answer on small nodes."""
    if term == var:
        return sympy.S.One
    if term.is_Mul and var in term.args and sum(var in f.free_symbols for f in term.args) == 1:
        return sympy.Mul(*[f for f in term.args if f != var])
    if _differentiates_by_fdiff(term) and all(a == var or var not in a.free_symbols for a in term.args):
        try:
            return sympy.Add(*[term.fdiff(i + 1) for i, a in enumerate(term.args) if a == var])
        except ArgumentIndexError:  # no rule for that argument: SymPy's unevaluated Derivative, refused below
            pass
    return sympy.diff(term, var)


def _differentiates_by_fdiff(term):
    return (isinstance(term, sympy.Function) and not isinstance(term, sympy.core.function.AppliedUndef)
            and type(term)._eval_derivative is sympy.Function._eval_derivative)


def _check_evaluated(d, expr, var):
    unevaluated = d.atoms(sympy.Derivative, sympy.Subs)
    if unevaluated:
        names = sorted({_operation_name(u) for u in unevaluated})
        raise NoDerivativeRuleError(
            f"no derivative rule for {', '.join(names)}: cannot differentiate {expr} with respect to {var}")


def _operation_name(u):
    inner = u.expr
    while isinstance(inner, (sympy.Derivative, sympy.Subs)):
        inner = inner.expr
    if isinstance(inner, sympy.Function):
        return type(inner).__name__
    return str(inner)
