"""symgrad.testing: the three-way gradient check, derivative equality and gradcheck for plain code
(the oracles themselves: test_oracles.py)."""

import sys

import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad import SymgradError
from symgrad.testing.assertions import (assert_derivative_equal, assert_gradient_matches,
                                        check_user_gradient, exact_gradient, finite_difference_gradient,
                                        to_float, torch_gradient)
from symgrad.twin import oracles

w, b, x, y = sp.symbols("w b x y")
NEURON = sg.bce(sg.sigmoid(w * x + b), y)
POINT = {w: 0.3, b: -0.1, x: 2.0, y: 1}


def test_three_ways_agree_and_are_returned():
    pytest.importorskip("torch")
    report = assert_gradient_matches(NEURON, [w, b], POINT, rtol=1e-10)
    assert set(report) == {"exact", "finite_difference", "torch"} and report.skipped == {}
    exact = report["exact"]
    assert exact[0] == pytest.approx(2 * (1 / (1 + np.exp(-0.5)) - 1), rel=1e-15)


def test_without_torch_the_torch_method_is_skipped_with_its_reason(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now fails, as without the extra
    report = assert_gradient_matches(NEURON, [w, b], POINT, rtol=1e-10)
    assert set(report) == {"exact", "finite_difference"}
    assert "torch is not installed" in report.skipped["torch"] and "symgrad[torch]" in report.skipped["torch"]


def test_a_disagreement_fails_with_a_table_naming_the_variable():
    class half_square(sp.Function):
        """x**2/2 with a wrong rule: says the derivative is x**2."""

        def fdiff(self, argindex=1):
            return self.args[0] ** 2

        def _numpycode(self, printer):
            return f"({printer._print(self.args[0])})**2/2"

        def _torchcode(self, printer):
            return f"({printer._print(self.args[0])})**2/2"

    with pytest.raises(AssertionError, match=r"(?s)variable.*exact.*finite_difference.*w .*4\.0 .*2\.0.*<-"):
        assert_gradient_matches(half_square(w), [w], {w: 2}, methods=("exact", "finite_difference"))


def test_unknown_methods_and_incomplete_points_are_named():
    with pytest.raises(SymgradError, match="unknown method 'symbolic'"):
        assert_gradient_matches(NEURON, [w], POINT, methods=("exact", "symbolic"))
    with pytest.raises(SymgradError, match="no value for y"):
        assert_gradient_matches(NEURON, [w], {w: 1, b: 0, x: 1})


def test_the_helpers_are_the_engines_oracles():
    assert (exact_gradient, finite_difference_gradient, torch_gradient, to_float) == (
        oracles.exact_gradient, oracles.finite_difference_gradient, oracles.torch_gradient, oracles.to_float)


@pytest.mark.parametrize("actual, expected", [
    (x * sg.sigmoid(w * x) * (1 - sg.sigmoid(w * x)), x * sp.exp(-w * x) / (1 + sp.exp(-w * x)) ** 2),
    (2 * (w * x - y) * x, 2 * w * x ** 2 - 2 * x * y),
    (sp.Float(0.5) * w, w / 2),
    ([2 * w, x], (2 * w, x)),
])
def test_assert_derivative_equal_accepts_equal_functions(actual, expected):
    assert_derivative_equal(actual, expected, [w, x] if isinstance(actual, list) else w)


def test_assert_derivative_equal_shows_a_point_where_they_differ():
    with pytest.raises(AssertionError, match=r"(?s)d/dw: x\*sigmoid\(w\*x\).*is not.*\(0\.\d+ against 0\.\d+ at w = "):
        assert_derivative_equal(x * sg.sigmoid(w * x), x * sg.sigmoid(w * x) * (1 - sg.sigmoid(w * x)), "w")


@pytest.mark.parametrize("actual, message", [
    ("2*w", "not the string '2\\*w'"),
    ([2 * w, x], "2 derivatives, 1 expected and 1 variables"),
])
def test_assert_derivative_equal_refuses_text_and_mismatched_lengths(actual, message):
    with pytest.raises(SymgradError, match=message):
        assert_derivative_equal(actual, 2 * w, "w")


def _f(w, b):
    return np.log1p(np.exp(2 * w + b))


def _right(w, b):
    s = 1 / (1 + np.exp(-(2 * w + b)))
    return 2 * s, s


def test_check_user_gradient_against_finite_differences_and_against_sympy():
    numeric = check_user_gradient(_f, _right, [0.3, -0.1])
    assert numeric["method"] == "finite_difference"
    exact = check_user_gradient(sp.log(1 + sp.exp(2 * w + b)), _right, {w: 0.3, b: -0.1})
    assert exact["method"] == "exact" and exact["reference"] == pytest.approx(numeric["reference"], rel=1e-10)


@pytest.mark.parametrize("f, at", [(_f, [0.3, -0.1]), (sp.log(1 + sp.exp(2 * w + b)), {w: 0.3, b: -0.1})])
def test_check_user_gradient_catches_a_wrong_partial(f, at):
    with pytest.raises(AssertionError, match=r"(?s)user.*<-"):
        check_user_gradient(f, lambda w, b: (_right(w, b)[0], 0.5), at)


def test_check_user_gradient_bad_calls():
    with pytest.raises(SymgradError, match="returned 1 partials for 2 variables"):
        check_user_gradient(_f, lambda w, b: [1.0], [0.3, -0.1])
    with pytest.raises(SymgradError, match="as a mapping"):
        check_user_gradient(w ** 2, lambda w: [2 * w], [1.0])
