r"""When two answers are the same.

Symbolic answers, in order: structural equality; then values at random points (several, chosen
where every reference answer is defined and real, so a domain's singularities are avoided),
equal to a relative tolerance of 1e-9 with 30 significant digits computed; where the difference
is a polynomial small enough to expand, the expansion decides exactly; then, only when the
points cannot decide (the answer is undefined at some of them), a bounded ``simplify`` of the
difference; a difference too large for it leaves the question undecided (None). The points are
drawn afresh from the system's randomness unless a seed is given, so an answer cannot be tailored
to them. Numeric answers are compared with the question's :class:`Tolerance` (0.1% relative by
default). ``\frac{e^{-z}}{(1+e^{-z})^2}`` is therefore the same as ``\sigma(z)(1 - \sigma(z))``. A
value beyond the range of floats is compared in high precision; one too large to compute at all
(``\exp`` nested 19 deep) is :class:`TooComplex`.
"""

import math
import random
from dataclasses import dataclass

import mpmath
import sympy

from ..core.errors import SymgradError
from ..core.numbers import exact
from .problems import TooComplex

__all__ = ["Tolerance", "Probes", "MatrixProbes", "number_value", "equivalent", "expanded", "agree", "RTOL"]

RTOL = 1e-9
PRECISION = 30
FLOOR = 1e-20  # |a - b| below this is rounding in 30-digit arithmetic, whatever the scale
SIMPLIFY_LIMIT = 200  # operations in a difference that simplify may still be given
EXPAND_LIMIT = 400  # terms a polynomial difference may have once expanded, to be expanded
TOO_LARGE = "its value is too large to compute"
ROUNDING_BAND = 10  # an answer this many tolerances off, but not one, was rounded too early
MAX_FIGURES = 17  # the significant figures of a float
MATRIX_DRAWS = 3  # random matrices of each matrix symbol a matrix answer is compared at
MAX_PROBE_SIZE = 6  # the largest size a symbolic dimension is given


@dataclass(frozen=True)
class Tolerance:
    """A numeric answer ``a`` matches the exact value ``b`` when ``|a - b| <= max(relative |b|, absolute)``;
    it is rounded too early when it misses that, but not ``ROUNDING_BAND`` times that, and has fewer
    significant figures than ``b`` needs to be matched (``-1.7`` for ``-1.6923``, not ``-8.01`` for ``-8``)."""

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

    @classmethod
    def parse(cls, text):
        """A relative Tolerance as typed on a command line: ``1%`` or ``0.01``."""
        number = text.strip().removesuffix("%")
        try:
            relative = exact(number.strip())
        except SymgradError:
            relative = None
        if relative is None or not relative.is_Rational:
            raise SymgradError(f"a tolerance is a number or a percentage (0.01 or 1%), not {text[:20]!r}")
        return cls(relative / 100 if number != text.strip() else relative)

    def __post_init__(self):
        if self.relative < 0 or self.absolute < 0:
            raise SymgradError("a tolerance must not be negative")

    def accepts(self, value, reference, band=1):
        """Whether the complex ``value`` matches ``reference`` (both None-free), within ``band`` times the
        tolerance."""
        return abs(value - reference) <= band * max(float(self.relative) * abs(reference), float(self.absolute))

    def rounded_too_early(self, value, reference):
        """Whether ``value`` is ``reference`` rounded too early (both real): see the class."""
        return (not self.accepts(value, reference) and self.accepts(value, reference, ROUNDING_BAND)
                and significant_figures(value) < self.figures(reference))

    def figures(self, reference):
        """The significant figures ``reference`` (real) must be given to for its rounding to be accepted."""
        for figures in range(1, MAX_FIGURES):
            if self.accepts(float(f"{reference:.{figures}g}"), reference):
                return figures
        return MAX_FIGURES


def significant_figures(x):
    """The significant figures of the real ``x`` in its shortest decimal form (``-1.70`` has 2, ``0.0012`` 2)."""
    return max(len(f"{abs(x):.15g}".split("e")[0].replace(".", "").lstrip("0")), 1)


def number_value(expr):
    """The value of a numeric expression as a complex number (an ``mpmath.mpc`` beyond the range of
    floats), or None if it is undefined or infinite; :class:`TooComplex` if it is too large to compute."""
    if not isinstance(expr, sympy.Basic):
        expr = exact(expr)
    try:
        value = expr.evalf(PRECISION)
        number = complex(value)
    except OverflowError:  # mpmath's exponent outgrew what it can hold
        raise TooComplex(TOO_LARGE) from None
    except (ArithmeticError, TypeError, ValueError, AttributeError):  # undefined
        return None
    if math.isfinite(number.real) and math.isfinite(number.imag):
        return number
    parts = [sympy.Float(part, PRECISION) for part in value.as_real_imag()]
    if not all(part.is_finite for part in parts):
        return None
    return mpmath.mpc(*(mpmath.mpf(part._mpf_) for part in parts))


@dataclass(frozen=True)
class Probes:
    """Points where symbolic answers are compared; ``points[k][j]`` is the value of ``variables[j]``."""

    variables: tuple
    points: tuple

    @classmethod
    def choose(cls, variables, references, count=6, seed=None, attempts=60):
        """``count`` points where every one of ``references`` is defined, finite and real.

        Values are drawn from [-2, 2] (never 0 or ±1, where different answers often agree); where the
        references are undefined (a logarithm of a negative number), from (0, 1). ``seed`` (any
        value :class:`random.Random` takes) makes them reproducible; None draws them from the
        system's randomness. A reference whose value is the same at every point (relu's derivative 0
        at each, which would not tell ``x [wx + b > 0]`` from ``[wx + b > 0]``) is probed further
        until a point gives it another value (within ``attempts``)."""
        rng = random.Random(seed)
        variables = tuple(variables)
        points, seen = [], []  # seen[k]: the references' values at points[k]
        varying = [bool((r if isinstance(r, sympy.Basic) else exact(r)).free_symbols & set(variables)) for r in references]
        for attempt in range(attempts):
            if len(points) >= count and not _flat(seen, varying):
                break
            positive = attempt >= attempts // 3
            point = tuple(_draw(rng, positive) for _ in variables)
            values = tuple(cls(variables, (point,)).values(r)[0] for r in references)
            if all(_is_real(v) for v in values) and (len(points) < count or _flat(seen, varying) - _flat(
                    seen + [values], varying)):
                points.append(point)
                seen.append(values)
        if not points:
            raise SymgradError("the answer is undefined at every point tried: cannot compare answers to it")
        return cls(variables, tuple(points))

    def values(self, expr):
        """The value of ``expr`` at each point (None where it is undefined)."""
        expr = exact(expr) if not isinstance(expr, sympy.Basic) else expr
        out = []
        for point in self.points:
            substitution = {v: sympy.Float(x, PRECISION) for v, x in zip(self.variables, point)}
            try:
                at_point = expr.xreplace(substitution)  # functions of numbers are evaluated as it goes
            except OverflowError:
                raise TooComplex(TOO_LARGE) from None
            out.append(number_value(at_point))
        return tuple(out)


@dataclass(frozen=True)
class MatrixProbes:
    """Where matrix answers are compared: ``sizes`` gives each symbolic dimension a size (from 2 to
    :data:`MAX_PROBE_SIZE`, a different one each while there are enough), and each of ``draws`` puts an
    integer matrix of those sizes (entries from -3 to 3) in place of each matrix symbol. Two answers
    agree when every entry agrees in every draw (:func:`agree`)."""

    sizes: dict
    draws: tuple

    @classmethod
    def choose(cls, matrices, count=MATRIX_DRAWS, seed=None):
        """Sizes and ``count`` draws for ``matrices`` (MatrixSymbols); ``seed`` as for :class:`Probes`."""
        rng = random.Random(seed)
        dims = sorted({s for m in matrices for s in m.shape if isinstance(s, sympy.Symbol)}, key=str)
        pool = list(range(2, MAX_PROBE_SIZE + 1))
        rng.shuffle(pool)
        sizes = {s: pool[k] if k < len(pool) else rng.randint(2, MAX_PROBE_SIZE) for k, s in enumerate(dims)}
        draws = []
        for _ in range(count):
            draw = {}
            for m in matrices:
                rows, columns = (int(e.xreplace(sizes)) for e in m.shape)
                draw[m] = sympy.ImmutableMatrix(rows, columns, [rng.randint(-3, 3) for _ in range(rows * columns)])
            draws.append(draw)
        return cls(sizes, tuple(draws))

    def values(self, expr):
        """The entries of ``expr`` in each draw, row by row (one for a number; None where undefined)."""
        out = []
        for draw in self.draws:
            try:
                value = expr.xreplace({**draw, **self.sizes}).doit()
                entries = list(value.as_explicit()) if isinstance(value, (sympy.MatrixExpr, sympy.MatrixBase)) \
                    else [value]
            except OverflowError:
                raise TooComplex(TOO_LARGE) from None
            out.extend(number_value(e) for e in entries)
        return tuple(out)


def _flat(seen, varying):
    """The references (by index) that depend on the variables yet take one value at every point seen."""
    return {k for k, column in enumerate(zip(*seen)) if varying[k] and len({complex(v) for v in column}) == 1}


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
    """Whether ``expr`` equals ``reference`` (both symbolic): structure, then probes (confirmed by
    expanding a small polynomial difference), then a bounded simplify; None when the probes cannot
    decide and the difference is too large to simplify. ``reference_values`` and ``values``, their
    values at the probes, are computed if not given."""
    if expr == reference:
        return True
    if reference_values is None:
        reference_values = probes.values(reference)
    verdict = agree(probes.values(expr) if values is None else values, reference_values)
    if verdict is False:
        return False
    exactly = _expanded_is_zero(expr - reference)
    if exactly is not None:
        return exactly
    return verdict if verdict is not None else _bounded_simplify_is_zero(expr - reference)


def _expanded_is_zero(difference):
    """Whether ``difference`` expands to 0, when it is a polynomial with rational coefficients whose
    expansion has at most ``EXPAND_LIMIT`` terms; None when it is not (or might be larger)."""
    expansion = expanded(difference)
    return None if expansion is None else expansion == 0


def expanded(expr):
    """``expr`` expanded, when it is a polynomial with rational coefficients whose expansion has at most
    ``EXPAND_LIMIT`` terms; else None."""
    return sympy.expand(expr) if _expanded_terms(expr, {}) <= EXPAND_LIMIT else None


def _expanded_terms(expr, seen):
    """An upper bound of the terms of ``expr`` expanded, or ``EXPAND_LIMIT + 1`` when that may be more
    or ``expr`` is not a polynomial with rational coefficients."""
    over = EXPAND_LIMIT + 1
    if expr not in seen:
        if expr.is_Symbol or expr.is_Rational:
            terms = 1
        elif expr.is_Add:
            terms = sum(_expanded_terms(a, seen) for a in expr.args)
        elif expr.is_Mul:
            terms = 1
            for a in expr.args:
                terms = min(terms * _expanded_terms(a, seen), over)
        elif expr.is_Pow and expr.exp.is_Integer and expr.exp >= 0:
            base = _expanded_terms(expr.base, seen)
            terms = 1 if base == 1 else base ** min(int(expr.exp), 9)  # 2 ** 9 > EXPAND_LIMIT
        else:
            terms = over
        seen[expr] = min(terms, over)
    return seen[expr]


def _bounded_simplify_is_zero(difference):
    """``simplify(difference) == 0``, attempted only on small differences (None on a larger one; the
    worker's time limit bounds it too)."""
    if sympy.count_ops(difference) > SIMPLIFY_LIMIT:
        return None
    return sympy.simplify(difference) == 0
