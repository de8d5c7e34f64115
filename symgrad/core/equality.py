"""Deciding whether two expressions are equal: a symbolic zero test, then random-point probes.

The rule: ``a`` equals ``b`` when ``a - b`` is structurally zero, or expands (or cancels) to zero
within a size bound; failing that, when it vanishes, to 30 significant digits, at several random
rational points. A probe that gives no finite number (a singularity) is skipped. The probes are
drawn from a fixed seed, so the verdict is reproducible.
"""

import random

import sympy

from .numbers import approximate

__all__ = ["equal", "counterexample", "larger_than"]

SYMBOLIC_LIMIT = 1000  # operations in a - b beyond which expanding it is not tried
PROBES = 4
DIGITS = 30
TOLERANCE = sympy.Rational(1, 10 ** 20)


def equal(a, b):
    """Whether the expressions ``a`` and ``b`` are equal as functions of their symbols."""
    return counterexample(a, b) is None


def counterexample(a, b):
    """A point (a mapping of the symbols to rationals, empty for two numbers) where ``a`` and ``b``
    differ, or None when they are equal by the rule above. Too few finite probes (singularities
    everywhere) count as a difference, at the first point tried."""
    a, b = sympy.sympify(a), sympy.sympify(b)
    if a == b:
        return None
    if a.free_symbols or b.free_symbols:  # two numbers: one evaluation decides
        difference = a - b
        if difference.is_zero or _expands_to_zero(difference):
            return None
    return _probe(a, b)


def larger_than(expr, operations):
    """Whether ``expr`` has more than ``operations`` operations (``sympy.count_ops``), decided without
    walking all of a large tree: one of more than ``8 * operations`` nodes counts as larger (an
    operation has a few operands), since ``count_ops`` walks a tree as a tree, which costs time
    exponential in the depth of the subexpressions a graph's expansion shares."""
    for n, _ in enumerate(sympy.preorder_traversal(expr)):
        if n >= 8 * operations:
            return True
    return sympy.count_ops(expr) > operations


def _expands_to_zero(difference):
    if larger_than(difference, SYMBOLIC_LIMIT):
        return False
    expanded = sympy.expand(difference)
    if expanded == 0:
        return True
    return not expanded.has(sympy.Function) and sympy.cancel(sympy.together(expanded)) == 0


def _probe(a, b):
    """None when at least two probes (one, for two numbers) give finite numbers and at each
    ``|a - b|`` is negligible; otherwise the point where they differ.

    ``a`` and ``b`` are evaluated apart: evaluating ``a - b`` itself, SymPy would chase the
    cancellation to ever higher precision."""
    symbols = sorted(a.free_symbols | b.free_symbols, key=sympy.default_sort_key)
    rng = random.Random(20250101)
    finite, probes, first = 0, PROBES if symbols else 1, None
    for attempt in range(3 * probes):
        point = {s: _random_value(s, rng, first=attempt == 0) for s in symbols}
        first = point if first is None else first
        memo = {}  # what a and b share (an expansion's subexpressions) is evaluated once
        x, y = _number(a, point, memo), _number(b, point, memo)
        if x is None or y is None:
            continue
        if abs(x - y) > TOLERANCE * (1 + abs(x) + abs(y)):
            return point
        finite += 1
        if finite == probes:
            break
    return None if finite >= min(2, probes) else first


def _random_value(symbol, rng, first):
    """A rational in (1/10, 9/10) for the first probe (inside every usual domain: logs, probabilities),
    then of either sign in 1/10 <= |v| <= 3, kept positive for a symbol assumed nonnegative."""
    if first:
        return sympy.Rational(rng.randint(100, 900), 1000)
    magnitude = sympy.Rational(rng.randint(100, 3000), 1000)
    if symbol.is_nonnegative or rng.random() < 0.5:
        return magnitude
    return -magnitude


def _number(expr, point=None, memo=None):
    """``expr`` at ``point`` as a (possibly complex) number to ``DIGITS`` digits, or None when it is
    not finite."""
    try:
        value = approximate(expr, DIGITS, at=point, memo=memo)
    except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
        return None
    if not value.is_number or value.has(sympy.nan, sympy.zoo) or value.is_finite is not True:
        return None
    return value
