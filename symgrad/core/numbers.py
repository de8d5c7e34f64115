"""Exact numbers: what a user writes as a decimal is kept as the rational it denotes.

The rule: a float is read by its shortest decimal representation (``repr``), so ``0.958``
becomes ``479/500`` and ``0.1`` becomes ``1/10``, never the binary fraction nearest to it.
"""

from decimal import Decimal, InvalidOperation
from fractions import Fraction
import numbers as _abc

import sympy

from .errors import ShapeError, SymgradError

__all__ = ["exact", "exactify", "approximate"]


def exact(value):
    """Return ``value`` as an exact SymPy number or expression (decimals become rationals)."""
    if isinstance(value, sympy.Basic):
        if isinstance(value, (sympy.MatrixBase, sympy.MatrixExpr)):
            raise ShapeError(f"expected a scalar, got a {value.shape[0]}x{value.shape[1]} matrix")
        return exactify(value)
    if isinstance(value, bool):
        raise SymgradError(f"expected a number, got the boolean {value!r}")
    if isinstance(value, _abc.Integral):
        return sympy.Integer(int(value))
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, Decimal):
        return _from_decimal_text(str(value), value)
    if isinstance(value, _abc.Real):
        return _from_decimal_text(repr(float(value)), value)
    if isinstance(value, str):
        return _from_decimal_text(value.strip(), value)
    if hasattr(value, "shape") and getattr(value, "shape", ()) != ():
        raise ShapeError(f"expected a scalar, got an array of shape {tuple(value.shape)}")
    if isinstance(value, (list, tuple)):
        raise ShapeError(f"expected a scalar, got a sequence of length {len(value)}")
    if hasattr(value, "item"):  # 0-d arrays and tensors
        return exact(value.item())
    raise SymgradError(f"cannot read {value!r} (of type {type(value).__name__}) as a number")


def _from_decimal_text(text, original):
    """Parse ``12``, ``-0.958``, ``2.5e-3`` or ``1/3`` exactly, without ``eval`` or ``sympify``."""
    try:
        if "/" in text:
            return sympy.Rational(Fraction(text))
        d = Decimal(text)
    except (InvalidOperation, ValueError, ZeroDivisionError):
        raise SymgradError(f"cannot read {original!r} as a number") from None
    if not d.is_finite():
        raise SymgradError(f"{original!r} is not a finite number; symgrad keeps numbers exact")
    f = Fraction(d)
    return sympy.Rational(f.numerator, f.denominator)


def exactify(expr):
    """Replace every floating-point number inside a SymPy expression by the rational it denotes."""
    floats = expr.atoms(sympy.Float)
    if not floats:
        return expr
    return expr.xreplace({f: _float_to_rational(f) for f in floats})


def _float_to_rational(f):
    if not f.is_finite:
        raise SymgradError(f"{f} is not a finite number; symgrad keeps numbers exact")
    # A 53-bit Float came from a Python float: read it by its shortest repr, as the user typed it.
    text = repr(float(f)) if f._prec == 53 else str(f)
    return _from_decimal_text(text, f)


def approximate(value, digits=30, at=None, memo=None):
    """An exact number as a SymPy Float good to about ``digits`` significant digits (an expression,
    with the numbers ``at`` maps its symbols to; ``memo``, a dict, keeps the values of subexpressions
    for another call at the same point and digits).

    Exact values from a graph share subexpressions (a node's value appears in every adjoint
    below it); each distinct subexpression is evaluated once, bottom-up, with 10 guard digits, so
    the cost grows with the number of distinct subexpressions, not with the size of the tree.
    Integers stay integers (they may be indices, as in a softmax component).
    """
    precision = digits + 10
    done = {} if memo is None else memo
    done.update({s: sympy.sympify(v).evalf(precision) for s, v in (at or {}).items() if s not in done})
    stack = [(sympy.sympify(value), False)]
    while stack:
        node, ready = stack.pop()
        if node in done:
            continue
        if node.is_Integer or not node.args:
            done[node] = node if node.is_Integer else _evaluated(node, precision)
        elif ready:
            done[node] = _evaluated(node.func(*[done[a] for a in node.args]), precision)
        else:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in done)
    return done[sympy.sympify(value)]


def _evaluated(node, precision):
    """A number's value to ``precision`` digits; a truth value (a Piecewise's condition) as it is."""
    return node.evalf(precision) if isinstance(node, sympy.Expr) else node
