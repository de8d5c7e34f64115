"""equal(): a symbolic zero test, then random probes at 30 digits."""

import pytest
import sympy as sp

import symgrad as sg
from symgrad.core.activations import Softmax
from symgrad.core.equality import equal

x, y, p, z = sp.symbols("x y p z")
s = sg.sigmoid


@pytest.mark.parametrize("a, b, same", [
    (x + 1, 1 + x, True),
    ((x + 1) ** 2, x ** 2 + 2 * x + 1, True),                       # expands to zero
    ((-y / p + (1 - y) / (1 - p)) * p * (1 - p), p - y, True),     # cancels to zero
    (sp.exp(x) * sp.exp(y), sp.exp(x + y), True),
    (sp.log(x * y), sp.log(x) + sp.log(y), True),                   # only the probes see it: x, y > 0 there
    (s(x) * (1 - s(x)), sp.exp(-x) / (1 + sp.exp(-x)) ** 2, True),  # probes
    (Softmax(0, x, y) + Softmax(1, x, y), 1, True),
    (s(x), s(x) + sp.Rational(1, 10 ** 12), False),                 # too far apart for 30 digits
    (s(x), s(x) + sp.Rational(1, 10 ** 25), True),                  # within the tolerance
    (x ** 2, x ** 3, False),
    (sp.log(-x), sp.log(x) + sp.I * sp.pi, False),                  # equal only for x > 0
    (sp.sqrt(x ** 2), x, False),
    (sp.E / (1 + 2 * sp.E), 1 - (1 + sp.E) / (1 + 2 * sp.E), True),             # two numbers
    (sp.sqrt(2), sp.Rational(1414213562373095, 10 ** 15), False),
])
def test_equal(a, b, same):
    assert equal(a, b) is same


def test_probes_that_never_give_a_number_decide_nothing():
    pole = sp.Max(x, 5) - 5  # zero wherever the probes look
    assert equal(1 / pole, 2 / pole) is False
