"""simplest(): the shortest of a few exact rewritings, within a size bound."""

import pytest
import sympy as sp

import symgrad as sg
from symgrad.explain.simplification import LIMIT, simplest

x, y, p, w, b = sp.symbols("x y p w b")
s = sg.sigmoid(w * x + b)


@pytest.mark.parametrize("expr, expected", [
    ((-y / p + (1 - y) / (1 - p)) * p * (1 - p), p - y),
    ((-y / s + (1 - y) / (1 - s)) * s * (1 - s) * x, x * (s - y)),
    (2 * w * x - 2 * y * x, 2 * x * (w - y)),
    (x * (w + 1), x * (w + 1)),                 # already shortest: kept as written, not expanded
    (sp.Integer(3), 3),
    (x / x ** 2, 1 / x),
])
def test_simplest(expr, expected):
    assert simplest(expr) == expected


def test_a_large_expression_is_left_alone():
    big = sp.Add(*[(x + k) ** 2 for k in range(LIMIT)])
    assert simplest(big) is big
