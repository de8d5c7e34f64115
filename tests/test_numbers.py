from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from symgrad import ShapeError, SymgradError, exact
from symgrad.core.numbers import exactify

x = sp.Symbol("x")


@pytest.mark.parametrize("value, expected", [
    (0.958, sp.Rational(479, 500)),
    (0.979, sp.Rational(979, 1000)),
    (0.1, sp.Rational(1, 10)),
    (-2.5e-3, sp.Rational(-1, 400)),
    (3, sp.Integer(3)),
    (np.float64(0.5), sp.Rational(1, 2)),
    (np.int32(-7), sp.Integer(-7)),
    (Fraction(2, 3), sp.Rational(2, 3)),
    (Decimal("1.25"), sp.Rational(5, 4)),
    ("0.958", sp.Rational(479, 500)),
    ("2.5e-3", sp.Rational(1, 400)),
    ("-1/3", sp.Rational(-1, 3)),
    (np.array(0.25), sp.Rational(1, 4)),
    (sp.Float(0.3) * x, sp.Rational(3, 10) * x),
])
def test_exact_reads_decimals_as_the_rationals_they_denote(value, expected):
    assert exact(value) == expected


@pytest.mark.parametrize("value, message", [
    (float("nan"), "not a finite number"),
    (float("inf"), "not a finite number"),
    ("1e", "cannot read"),
    ("__import__('os')", "cannot read"),
    (True, "boolean"),
    (object(), "cannot read"),
])
def test_exact_rejects_what_is_not_a_number(value, message):
    with pytest.raises(SymgradError, match=message):
        exact(value)


@pytest.mark.parametrize("value", [[1, 2], np.zeros(3), sp.Matrix([1, 2])])
def test_exact_rejects_non_scalars(value):
    with pytest.raises(ShapeError, match="scalar"):
        exact(value)


def test_exactify_replaces_every_float_inside_an_expression():
    expr = 0.5 * x ** 2 + sp.sin(1.25 * x)
    assert exactify(expr) == x ** 2 / 2 + sp.sin(sp.Rational(5, 4) * x)
    assert not exactify(expr).atoms(sp.Float)


@pytest.mark.parametrize("value, digits, expected", [
    (sp.Rational(1, 3), 30, "0.333333333333333333333333333333"),
    (sp.exp(1) - sp.Rational(271828182845904523536, 10 ** 20), 10, "2.8747135266249775724709e-21"),
    (sp.sqrt(2) * sp.sqrt(2) - 2, 10, "0"),
])
def test_approximate_to_the_digits_asked(value, digits, expected):
    from symgrad.core.numbers import approximate
    assert abs(approximate(value, digits) - sp.Float(expected, 40)) <= sp.Float(10) ** (-digits) * (
        1 + abs(sp.Float(expected, 40)))


def test_approximate_evaluates_a_shared_subexpression_once():
    """A chain where each value uses the previous one twice is a tree of 2^60 leaves but 60 distinct
    subexpressions: evaluated bottom-up it is instant."""
    from symgrad.core.numbers import approximate
    v = sp.Rational(1, 2)
    for _ in range(60):  # built unevaluated: SymPy's own construction would evaluate the tree
        e = sp.exp(sp.Mul(-1, v, evaluate=False), evaluate=False)
        v = sp.Add(sp.Mul(e, sp.Add(1, sp.Mul(-1, e, evaluate=False), evaluate=False), evaluate=False),
                   sp.Mul(sp.Rational(1, 2), v, evaluate=False), evaluate=False)
    assert 0 < approximate(v, 30) < 1
