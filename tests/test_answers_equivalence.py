import mpmath
import pytest
import sympy as sp

from symgrad import SymgradError, sigmoid
from symgrad.core.activations import step
from symgrad.answers.problems import TooComplex
from symgrad.answers.equivalence import (SIMPLIFY_LIMIT, MatrixProbes, Probes, Tolerance, agree, equivalent, number_value,
                                         significant_figures)

x, y, z, p = sp.symbols("x y z p")


@pytest.mark.parametrize("tolerance, value, reference, accepted", [
    (None, 4.2042, 4.2, True),     # 0.1% relative by default
    (None, 4.2043, 4.2, False),
    (None, 0.0, 0.0, True),
    (None, 1e-9, 0.0, False),     # no absolute slack unless asked for
    ({"absolute": "1e-6"}, 1e-7, 0.0, True),
    ({"relative": 0.01}, 4.24, 4.2, True),
    (0.01, 4.25, 4.2, False),
    ({"relative": 0, "absolute": 0}, 4.2, 4.2, True),
])
def test_tolerance(tolerance, value, reference, accepted):
    assert Tolerance.of(tolerance).accepts(complex(value), complex(reference)) is accepted


@pytest.mark.parametrize("tolerance, message", [
    ({"rel": 0.1}, "'relative' and 'absolute', not \\['rel'\\]"),
    (-0.1, "must not be negative"),
    ("ten percent", "cannot read"),
])
def test_bad_tolerance(tolerance, message):
    with pytest.raises(SymgradError, match=message):
        Tolerance.of(tolerance)


@pytest.mark.parametrize("text, relative", [("1%", sp.Rational(1, 100)), ("0.01", sp.Rational(1, 100)),
                                            (" 0.5 % ", sp.Rational(1, 200)), ("1e-3", sp.Rational(1, 1000))])
def test_a_tolerance_as_typed(text, relative):
    assert Tolerance.parse(text) == Tolerance(relative)


@pytest.mark.parametrize("text", ["", "%", "1%%", "x", "1/0", "-1%"])
def test_a_tolerance_as_typed_that_is_none(text):
    with pytest.raises(SymgradError, match="a tolerance is a number or a percentage|must not be negative"):
        Tolerance.parse(text)


@pytest.mark.parametrize("tolerance, value, reference, rounded, figures", [
    (None, -1.7, -1.6923, True, 4),       # 0.45% off, 2 figures of the 4 needed
    (None, -1.69, -1.6923, True, 4),
    (None, -1.692, -1.6923, False, 4),    # within the tolerance
    (None, -1.9, -1.6923, False, 4),      # 12% off: not a rounding
    (None, -8.01, -8, False, 1),          # more figures than needed: not a rounding
    (None, 4, 3.99, True, 3),
    (0.01, 1.7, 1.6923, False, 2),        # within 1%
    (0.01, 2, 1.6923, False, 2),          # 18% off
    (0.01, 2, 1.86, True, 3),             # 7.5% off, 1 figure of 3 (1.9 is 2.2% off)
    ({"absolute": 0.001}, 0.01, 0.0123, True, 2),
])
def test_rounded_too_early(tolerance, value, reference, rounded, figures):
    t = Tolerance.of(tolerance)
    assert (t.rounded_too_early(value, reference), t.figures(reference)) == (rounded, figures)


@pytest.mark.parametrize("x, figures", [(-1.7, 2), (-1.70, 2), (0.0012, 2), (1200, 4), (0, 1), (3.99, 3),
                                        (1 / 3, 15), (1.5e-20, 2)])
def test_significant_figures(x, figures):
    assert significant_figures(x) == figures


@pytest.mark.parametrize("expr, value", [
    (sp.Rational(21, 5), 4.2 + 0j),
    (sp.sqrt(2), complex(2 ** 0.5)),
    (sigmoid(0), 0.5 + 0j),
    (sp.zoo, None),
    (sp.nan, None),
    (sp.oo, None),
    (x, None),
])
def test_number_value(expr, value):
    got = number_value(expr)
    assert got == value if value is None else abs(got - value) < 1e-15


def test_a_value_beyond_floats_is_kept_in_high_precision():
    """10^5994 and e^1000 are finite numbers, not undefined: they compare as numbers do."""
    huge = number_value(sp.Integer(10) ** 5994)
    assert huge == mpmath.mpf(10) ** 5994 and mpmath.isfinite(huge)
    assert number_value(3 * sp.exp(1000)) != number_value(sp.exp(1000))
    assert abs(number_value(sp.exp(1000)) - mpmath.exp(1000)) < 1e-15 * mpmath.exp(1000)
    assert agree((number_value(sp.exp(1000)),), (number_value(sp.exp(sp.Integer(1000))),)) is True
    assert agree((huge,), (4.2,)) is False


def test_a_value_too_large_to_compute_is_too_complex():
    with pytest.raises(TooComplex, match="too large to compute"):
        number_value(sp.exp(sp.exp(sp.exp(sp.exp(10)))))


def test_probes_avoid_where_the_reference_is_undefined():
    references = [sp.log(p) + sp.log(1 - p), 1 / (x - y)]
    probes = Probes.choose([p, x, y], references, count=6, seed=3)
    assert len(probes.points) == 6
    for values in zip(*(probes.values(r) for r in references)):
        assert all(v is not None and v.imag == 0 for v in values)
    for point in probes.points:
        assert all(v not in (0, 1, -1) for v in point)


def test_probes_are_reproducible():
    assert Probes.choose([x, y], [x * y], seed=5) == Probes.choose([x, y], [x * y], seed=5)


def test_matrix_probes_give_each_dimension_its_own_size_and_are_reproducible():
    n, d = sp.symbols("n d", integer=True, positive=True)
    X, v, c = sp.MatrixSymbol("X", n, d), sp.MatrixSymbol("v", d, 1), sp.MatrixSymbol("c", 3, 1)
    probes = MatrixProbes.choose([X, v, c], seed=4)
    assert probes == MatrixProbes.choose([X, v, c], seed=4)
    assert set(probes.sizes) == {n, d} and probes.sizes[n] != probes.sizes[d] and min(probes.sizes.values()) >= 2
    assert len(probes.draws) == 3 and probes.draws[0][c].shape == (3, 1)
    assert probes.draws[0][X].shape == (probes.sizes[n], probes.sizes[d])
    assert agree(probes.values(2 * X.T * (X * v)), probes.values(2 * X.T * X * v)) is True
    assert agree(probes.values(X.T * X * v), probes.values(2 * X.T * X * v)) is False
    assert len(probes.values(sp.Trace(X.T * X))) == 3  # a number per draw


def test_probes_give_a_step_reference_more_than_one_value():
    """relu's derivative by w is 0 wherever wx + b <= 0: six such points (about one seed in a hundred)
    would not tell x [wx + b > 0] from [wx + b > 0]."""
    w, b = sp.symbols("w b")
    reference = x * step(w * x + b)
    undecided = []
    for seed in range(300):
        probes = Probes.choose([w, x, b], [reference], seed=seed)
        if len(set(probes.values(reference))) == 1 or agree(probes.values(step(w * x + b)),
                                                            probes.values(reference)) is not False:
            undecided.append(seed)
    assert not undecided


def test_probes_of_a_constant_reference_stop_at_the_count():
    assert len(Probes.choose([x], [sp.Integer(3)], count=6, seed=1).points) == 6


def test_probes_refuse_a_reference_undefined_everywhere():
    with pytest.raises(SymgradError, match="undefined at every point"):
        Probes.choose([x], [sp.log(-x ** 2 - 1)])


@pytest.mark.parametrize("values, reference, expected", [
    ((1.0, 2.0), (1.0, 2.0), True),
    ((1.0 + 1e-10, 2.0), (1.0, 2.0), True),   # relative 1e-9
    ((1.0 + 1e-8, 2.0), (1.0, 2.0), False),
    ((None, 2.0), (1.0, 2.0), None),          # undecided: the answer is undefined where the reference is not
    ((None, 3.0), (1.0, 2.0), False),
    ((1e-25, 2.0), (0.0, 2.0), True),         # rounding in 30-digit arithmetic
])
def test_agree(values, reference, expected):
    assert agree([complex(v) if v is not None else None for v in values], [complex(v) for v in reference]) is expected


@pytest.mark.parametrize("expr, reference, same", [
    (2 * x * (x * y - 1), 2 * x ** 2 * y - 2 * x, True),
    (sp.exp(-z) / (1 + sp.exp(-z)) ** 2, sigmoid(z) * (1 - sigmoid(z)), True),   # messy but right
    (1 - sp.tanh(x) ** 2, 1 / sp.cosh(x) ** 2, True),
    (sp.log(x * y), sp.log(x) + sp.log(y), True),          # the points avoid x y <= 0 where they differ
    ((x + 1) ** 2, x ** 2 + 1, False),
    (sigmoid(z) * (1 - sigmoid(z)), sigmoid(z), False),
    (x + sp.Rational(1, 10 ** 6), x, False),
    (x + sp.Rational(1, 10 ** 12), x, False),              # within the relative 1e-9, but a polynomial: expanded
    (sp.exp(x + sp.Rational(1, 10 ** 12)), sp.exp(x), True),  # within the relative 1e-9: the points cannot tell
    ((x + y) ** 9 - (x + y) ** 9 + 1 - 1, 0 * x, True),
    (sp.sqrt(x ** 2), x, True),                             # points chosen where the reference is defined: |x| = x?
])
def test_equivalent(expr, reference, same):
    probes = Probes.choose([x, y, z], [reference], seed=1)
    if expr == sp.sqrt(x ** 2):  # sqrt(x^2) = |x| differs from x at negative points, which are drawn
        same = all(point[0] > 0 for point in probes.points)
    assert equivalent(expr, reference, probes) is same


def test_bounded_simplify_decides_when_the_points_cannot():
    # (x^2 - x)/x is 0/0 at x = 0, where the reference x - 1 is -1: the points are undecided
    probes = Probes((x,), ((sp.S.Zero,), (sp.Rational(1, 2),)))
    assert equivalent((x ** 2 - x) / x, x - 1, probes) is True
    assert equivalent((x ** 2 - x) / x + x - sp.Rational(1, 2), x - 1, probes) is False


def test_undecided_when_neither_the_points_nor_a_bounded_simplify_decide():
    # undefined at x = 0, where the reference is not; the difference is too long to be simplified
    probes = Probes((x,), ((sp.S.Zero,), (sp.Rational(1, 2),)))
    zero = (sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1) * sum(sp.exp(k * x) for k in range(1, 80))
    assert sp.count_ops((x ** 2 - x) / x + zero - (x - 1)) > SIMPLIFY_LIMIT
    assert equivalent((x ** 2 - x) / x + zero, x - 1, probes) is None
    assert equivalent((x ** 2 - x) / x + zero + 1, x - 1, probes) is False  # the points decide
