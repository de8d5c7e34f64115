"""The notation table, and exact numbers in print."""

import pytest
import sympy as sp

import symgrad as sg
from symgrad.explain.notation import NOTATION, Notation, decimal, number

R = sp.Rational


@pytest.mark.parametrize("name, latex", [
    ("L", r"\mathcal{L}"), ("loss", r"\mathcal{L}"), ("lr", r"\eta"), ("eta", r"\eta"),
    ("theta", r"\theta"), ("theta0", r"\theta_{0}"), ("yhat", r"\hat{y}"), ("y_hat", r"\hat{y}"),
    ("ystar", r"{y}^{*}"), ("w1", "w_{1}"), ("w_11", "w_{11}"), ("sigma", r"\sigma"), ("x", "x"),
])
def test_symbol_names(name, latex):
    assert NOTATION.symbol(sp.Symbol(name)) == latex


def test_a_nodes_given_latex_comes_first():
    g = sg.Graph()
    ystar = g.define("ystar", sp.Symbol("w") * 2, latex="y^*")
    assert Notation(given={ystar: g.latex_name(ystar)}).symbol(ystar) == "y^*"


@pytest.mark.parametrize("value, latex", [
    (R(479, 500), "0.958"), (R(21, 10), "2.1"), (R(-21, 10), "-2.1"), (3, "3"), (R(-28, 3), r"-\frac{28}{3}"),
    (R(1, 3), r"\frac{1}{3}"), (R(1, 2 ** 20), r"\frac{1}{1048576}"), (sp.E / (1 + 2 * sp.E), r"\frac{e}{1 + 2 e}"),
])
def test_numbers(value, latex):
    assert number(value) == latex


@pytest.mark.parametrize("value, text", [
    (sg.sigmoid(1), "0.731059"), (-sp.sqrt(2), "-1.41421"), (sp.log(2), "0.693147"), (sp.exp(-30), r"9.35762 \cdot 10^{-14}"),
])
def test_decimals(value, text):
    assert decimal(value) == text


@pytest.mark.parametrize("expr, values, latex", [
    (sp.Symbol("w") * sp.Symbol("x"), None, "w x"),
    (sp.Symbol("ystar") - sp.Symbol("y"), None, r"{y}^{*} - y"),                 # subtracted terms last
    (sp.Symbol("w") * sp.Symbol("x"), {"w": R(-1, 2), "x": 2}, r"\left(-0.5\right) \cdot 2"),
    (sg.sigmoid(sp.Symbol("z")), {"z": R(-1, 2)}, r"\sigma\left(-0.5\right)"),  # no doubled parentheses
    (sp.Symbol("h") * 3, {"h": sg.sigmoid(1)}, r"3 \cdot 0.731059"),
    (sp.Symbol("x") / 8, None, r"\frac{x}{8}"),                                  # fractions in formulas
])
def test_expressions(expr, values, latex):
    values = {sp.Symbol(k): sp.sympify(v) for k, v in values.items()} if values else None
    assert NOTATION.expression(expr, values) == latex


def test_a_negative_number_substituted_after_a_sign_is_in_parentheses():
    a, c = sp.symbols("a c")
    values = {a: sp.Rational(11, 10), c: sp.Rational(-17, 20)}
    assert NOTATION.expression(a - c, values) == r"1.1 - \left(-0.85\right)"
    assert NOTATION.expression(a - 2 * c, values) == r"1.1 - 2 \cdot \left(-0.85\right)"
    assert NOTATION.expression(c + a, values) == "-0.85 + 1.1"  # leading: no parentheses needed


def test_a_number_substituted_under_a_negative_power_is_a_denominator():
    a, c = sp.symbols("a c")
    assert NOTATION.expression(-1 / (3 * c), {c: sp.Float(0.645656)}) == r"- \frac{1}{3 \cdot 0.645656}"
    assert NOTATION.expression(a / c ** 2, {a: sp.Rational(11, 10), c: sp.Rational(-17, 20)}) == \
        r"\frac{1.1}{\left(-0.85\right)^{2}}"
