"""Naming variables: symbols or names, resolved against what an expression holds."""

import pytest
import sympy as sp

from symgrad import ShapeError, SymgradError, UnknownVariableError
from symgrad.core.variables import as_point, as_scalar, resolve, resolve_all, sorted_symbols

w1, w2, w10, x = sp.symbols("w1 w2 w10 x")


def test_symbols_sort_with_their_numbers_as_numbers():
    assert sorted_symbols([w10, x, w2, w1]) == [w1, w2, w10, x]


@pytest.mark.parametrize("var, strict, expected", [("w2", True, w2), (w2, True, w2), (sp.Symbol("q"), False, sp.Symbol("q"))])
def test_resolve(var, strict, expected):
    assert resolve(var, [w1, w2], strict=strict) == expected


@pytest.mark.parametrize("call, error, message", [
    (lambda: resolve("q", [w1, w2]), UnknownVariableError, "unknown variable 'q': the expression has w1, w2"),
    (lambda: resolve(sp.Symbol("q"), [w1]), UnknownVariableError, "unknown variable 'q'"),
    (lambda: resolve(3, [w1]), SymgradError, "a SymPy Symbol or its name"),
    (lambda: resolve_all([w1, "w1"], [w1]), SymgradError, "listed twice"),
    (lambda: resolve_all(5, [w1]), SymgradError, "a list of variables"),
    (lambda: as_point({"q": 1}, [w1], "model"), UnknownVariableError, "the model has w1"),
    (lambda: as_point([1, 2], [w1]), SymgradError, "must be a mapping"),
    (lambda: as_scalar(sp.Matrix([1, 2]), "loss"), ShapeError, "the loss must be a scalar, got a 2x1 matrix"),
    (lambda: as_scalar("x + 1"), SymgradError, "never evaluates strings"),
])
def test_errors_name_the_problem(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_point_keeps_decimals_exact():
    assert as_point({"w1": 0.958, x: "1/3"}, [w1, x]) == {w1: sp.Rational(479, 500), x: sp.Rational(1, 3)}


def test_resolving_many_variables_is_linear():
    """The lookup is hashed: resolving every one of 20,000 symbols is quick (it was quadratic)."""
    many = sp.symbols("v0:20000")
    assert resolve_all([s.name for s in many], many) == tuple(many)
