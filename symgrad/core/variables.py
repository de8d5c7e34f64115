"""Naming variables: a variable is a SymPy symbol or its name, resolved against what an expression holds."""

import re

import sympy

from .errors import ShapeError, SymgradError, UnknownVariableError
from .numbers import exact, exactify

__all__ = ["resolve", "resolve_all", "as_point", "as_scalar", "sorted_symbols"]


def sorted_symbols(symbols):
    """Symbols in a stable, readable order (by name, digits compared as numbers: w2 before w10)."""
    return sorted(symbols, key=_natural_key)


def _natural_key(symbol):
    parts = re.split(r"(\d+)", symbol.name)
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts], sympy.default_sort_key(symbol)


def resolve(var, known, what="expression", *, strict=True):
    """The symbol that ``var`` (a Symbol or a name) stands for among ``known``.

    A name must be the name of a symbol in ``known``. A Symbol must be in ``known`` when
    ``strict``; otherwise any Symbol is accepted (differentiating by a variable the expression
    does not contain is allowed: the partial is 0).
    """
    return _Lookup(known, what).resolve(var, strict)


def resolve_all(variables, known, what="expression", *, strict=True):
    """Resolve a variable or a sequence of them; a single variable gives a one-element tuple."""
    if isinstance(variables, (str, sympy.Symbol)):
        variables = [variables]
    try:
        variables = list(variables)
    except TypeError:
        raise SymgradError(f"expected a variable or a list of variables, got {variables!r}") from None
    lookup = _Lookup(known, what)
    out = tuple(lookup.resolve(v, strict) for v in variables)
    if len(set(out)) != len(out):
        raise SymgradError(f"a variable is listed twice: {[s.name for s in out]}")
    return out


class _Lookup:
    """Symbols by identity and by name, for resolving many variables in O(1) each."""

    def __init__(self, known, what):
        self.known, self.what = tuple(known), what
        self.symbols = set(self.known)
        self.names = {}
        for s in self.known:
            self.names.setdefault(s.name, s)

    def resolve(self, var, strict):
        if isinstance(var, str):
            if var in self.names:
                return self.names[var]
            raise UnknownVariableError(_unknown_message(var, self.known, self.what))
        if isinstance(var, sympy.Symbol):
            if not strict or var in self.symbols:
                return var
            raise UnknownVariableError(_unknown_message(var.name, self.known, self.what))
        raise SymgradError(f"a variable must be a SymPy Symbol or its name, got {var!r}")


def as_point(point, known, what="expression"):
    """A mapping from symbols of ``known`` to exact values; keys may be symbols or names."""
    if point is None:
        return {}
    if not hasattr(point, "items"):
        raise SymgradError(f"a point must be a mapping from variables to numbers, got {type(point).__name__}")
    lookup = _Lookup(known, what)
    return {lookup.resolve(k, True): exact(v) for k, v in point.items()}


def as_scalar(expr, what="expression"):
    """``expr`` as a scalar SymPy expression; a matrix, list or non-expression is a clear error."""
    if isinstance(expr, (sympy.MatrixBase, sympy.MatrixExpr)):
        raise ShapeError(f"the {what} must be a scalar, got a {expr.shape[0]}x{expr.shape[1]} matrix")
    if isinstance(expr, (list, tuple)):
        raise ShapeError(f"the {what} must be a scalar, got a sequence of length {len(expr)}")
    if hasattr(expr, "shape") and not isinstance(expr, sympy.Basic) and tuple(expr.shape) != ():
        raise ShapeError(f"the {what} must be a scalar, got an array of shape {tuple(expr.shape)}")
    if isinstance(expr, str):
        raise SymgradError(f"the {what} must be a SymPy expression, not the string {expr!r} "
                           "(symgrad never evaluates strings as code)")
    if not isinstance(expr, sympy.Basic):
        return exact(expr)
    if not isinstance(expr, sympy.Expr):
        raise SymgradError(f"the {what} must be an expression, got {type(expr).__name__}: {expr}")
    return exactify(expr)


def _unknown_message(name, known, what):
    names = ", ".join(s.name for s in sorted_symbols(set(known))) or "no variables"
    return f"unknown variable {name!r}: the {what} has {names}"
