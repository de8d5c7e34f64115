"""The one call to sympy.diff: real variables, fast paths equal to SymPy's, no rule is an error."""

import pytest
import sympy as sp

import symgrad as sg
from symgrad import NoDerivativeRuleError
from symgrad.core.activations import Softmax
from symgrad.core.differentiation import derivative, partials

w, x, y, z = sp.symbols("w x y z")


@pytest.mark.parametrize("expr, var", [
    (w * x, w),                       # c * var
    (3 * w, w),
    (w, w),
    (sg.sigmoid(z), z),               # f(var) by its own rule
    (Softmax(1, z, y, x), y),
    (sg.relu(z), z),
    (w * x * w, w),                   # var twice: SymPy's general rule
    (sg.sigmoid(w * x), w),           # a chain inside: SymPy's general rule
    (sp.exp(w) * sp.log(w), w),
])
def test_every_path_equals_sympy_diff(expr, var):
    assert sp.simplify(derivative(expr, var) - sp.diff(expr, var)) == 0


def test_variables_are_real():
    assert derivative(sp.Abs(x), x) == sp.sign(x)
    assert derivative(sp.Abs(x * y), x) == y * sp.sign(x * y)


def test_a_sum_is_differentiated_term_by_term():
    terms = sp.symbols("a1:50")
    expr = sp.Add(*[t * x ** i for i, t in enumerate(terms)])
    assert partials(expr, [terms[3], terms[10], w]) == (x ** 3, x ** 10, 0)


@pytest.mark.parametrize("expr, name", [
    (sp.floor(x), "floor"),
    (sp.Function("f")(x) * 2, "f"),
    (sp.ceiling(x * w), "ceiling"),
])
def test_an_operation_without_a_rule_is_named(expr, name):
    with pytest.raises(NoDerivativeRuleError, match=f"no derivative rule for {name}: cannot differentiate"):
        derivative(expr, x)
