r"""When two answers are the same.

Symbolic answers, in order: structural equality; then values at random points (several, chosen
where every reference answer is defined and real, so a domain's singularities are avoided),
equal to a relative tolerance of 1e-9 with 30 significant digits computed; then, only when the
points cannot decide (the answer is undefined at some of them), a bounded ``simplify`` of the
difference. Numeric answers are compared with the question's :class:`Tolerance` (0.1% relative by
default). ``\frac{e^{-z}}{(1+e^{-z})^2}`` is therefore the same as ``\sigma(z)(1 - \sigma(z))``.
"""

import math
import random
from dataclasses import dataclass

import sympy

from ..core.errors import SymgradError
from ..core.numbers import exact

__all__ = ["Tolerance", "Probes", "number_value", "equivalent", "agree", "RTOL"]

RTOL = 1e-9
PRECISION = 30
FLOOR = 1e-20  # |a - b| below this is rounding in 30-digit arithmetic, whatever the scale
SIMPLIFY_LIMIT = 200  # operations in a difference that simplify may still be given


@dataclass(frozen=True)
class Tolerance:
    """A numeric answer ``a`` matches the exact value ``b`` when ``|a - b| <= max(relative |b|, absolute)``."""

    relative: object = sympy.Rational(1, 1000)
    absolute: object = sympy.S.Zero

    @classmethod
    def of(cls, tolerance):
        """A Tolerance from None (the default), a number (relative) or ``{"relative": r, "absolute": a}``."""
        if tolerance is None:
            return cls()
        if isinstance(tolerance, cls):
            return tolerance
        if isinstance(tolerance, dict):
            unknown = set(tolerance) - {"relative", "absolute"}
            if unknown:
                raise SymgradError(f"a tolerance has 'relative' and 'absolute', not {sorted(unknown)}")
            return cls(exact(tolerance.get("relative", 0)), exact(tolerance.get("absolute", 0)))
        return cls(exact(tolerance))

    def __post_init__(self):
        if self.relative < 0 or self.absolute < 0:
            raise SymgradError("a tolerance must not be negative")

    def accepts(self, value, reference):
        """Whether the complex ``value`` matches ``reference`` (both None-free)."""
        return abs(value - reference) <= max(float(self.relative) * abs(reference), float(self.absolute))


def number_value(expr):
    """The value of a numeric expression as a complex number, or None if it is undefined or infinite."""
    if not isinstance(expr, sympy.Basic):
        expr = exact(expr)
    try:
        value = complex(expr.evalf(PRECISION))
    except (ArithmeticError, TypeError, ValueError, AttributeError):  # undefined, or beyond any float
        return None
    return value if math.isfinite(value.real) and math.isfinite(value.imag) else None


@dataclass(frozen=True)
class Probes:
    """Points where symbolic answers are compared; ``points[k][j]`` is the value of ``variables[j]``."""

    variables: tuple
    points: tuple

    @classmethod
    def choose(cls, variables, references, count=6, seed=0, attempts=60):
        """``count`` points where every one of ``references`` is defined, finite and real.

        Values are drawn from [-2, 2] (never 0 or ±1, where different answers often agree); where the
        references are undefined (a logarithm of a negative number), from (0, 1)."""
        rng = random.Random(seed)
        variables = tuple(variables)
        points = []
        for attempt in range(attempts):
            if len(points) == count:
                break
            positive = attempt >= attempts // 3
            point = tuple(_draw(rng, positive) for _ in variables)
            probes = cls(variables, (point,))
            if all(_is_real(probes.values(r)[0]) for r in references):
                points.append(point)
        if not points:
            raise SymgradError("the answer is undefined at every point tried: cannot compare answers to it")
        return cls(variables, tuple(points))

    def values(self, expr):
        """The value of ``expr`` at each point (None where it is undefined)."""
        expr = exact(expr) if not isinstance(expr, sympy.Basic) else expr
        out = []
        for point in self.points:
            substitution = {v: sympy.Float(x, PRECISION) for v, x in zip(self.variables, point)}
            out.append(number_value(expr.xreplace(substitution)))
        return tuple(out)


def _draw(rng, positive):
    if positive:
        return sympy.Rational(rng.randint(50, 950), 1000)
    magnitude = rng.choice([rng.randint(110, 900), rng.randint(1100, 1990)])
    return sympy.Rational(magnitude * rng.choice((-1, 1)), 1000)


def _is_real(value):
    return value is not None and abs(value.imag) <= RTOL * max(abs(value.real), 1.0)


def agree(values, reference_values, rtol=RTOL):
    """True if every pair of values matches to ``rtol``, False if one pair does not, None if a value
    is undefined where the reference is not (the points cannot decide)."""
    undecided = False
    for a, b in zip(values, reference_values):
        if b is None:
            continue
        if a is None:
            undecided = True
        elif abs(a - b) > rtol * max(abs(a), abs(b)) + FLOOR:
            return False
    return None if undecided else True


def equivalent(expr, reference, probes, reference_values=None, values=None):
    """Whether ``expr`` equals ``reference`` (both symbolic): structure, then probes, then a bounded
    simplify. ``reference_values`` and ``values``, their values at the probes, are computed if not given."""
    if expr == reference:
        return True
    if reference_values is None:
        reference_values = probes.values(reference)
    verdict = agree(probes.values(expr) if values is None else values, reference_values)
    if verdict is not None:
        return verdict
    return _bounded_simplify_is_zero(expr - reference)


def _bounded_simplify_is_zero(difference):
    """``simplify(difference) == 0``, attempted only on small differences (the worker's time limit
    bounds it too)."""
    if sympy.count_ops(difference) > SIMPLIFY_LIMIT:
        return False
    return sympy.simplify(difference) == 0
