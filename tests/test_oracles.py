"""The oracles the engine checks itself with: a gradient exactly, by finite differences and by
autograd, and the comparison of the three (:mod:`symgrad.twin.oracles`)."""

import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad import SymgradError
from symgrad.twin.comparison import Tolerance
from symgrad.twin.oracles import (GradientMismatch, disagreement, exact_gradient, finite_difference_gradient,
                                  matching_gradients, to_float, torch_gradient)

w, b, x, y = sp.symbols("w b x y")


def test_an_incomplete_point_is_named():
    with pytest.raises(SymgradError, match="no value for y"):
        exact_gradient(sg.bce(sg.sigmoid(w * x + b), y), [w], {w: 1, b: 0, x: 1})


def test_a_disagreement_beyond_the_tolerance_is_a_gradient_mismatch():
    point = {w: 1.5, x: 2.0}
    report = matching_gradients(w ** 2 * x, [w, x], point, ("exact", "finite_difference"), Tolerance(1e-8, 1e-10))
    assert report["exact"] == (6.0, 2.25) and report.skipped == {}
    with pytest.raises(GradientMismatch, match=r"\|a - exact\| > 0 \+ 0\|exact\|") as caught:
        matching_gradients(w ** 2 * x, [w, x], point, ("exact", "finite_difference"), Tolerance(0.0))
    assert isinstance(caught.value, AssertionError)  # pytest shows it as a failed assertion


def test_a_table_marks_only_the_compared_methods_rows_at_fault():
    results = {"exact": (1.0, 2.0), "user": (1.0, 2.5)}
    table = disagreement(["w", "b"], results, "exact", Tolerance(1e-6, 1e-9), ("user",))
    lines = [line.rstrip() for line in table.splitlines()]
    assert lines[0] == "gradients disagree (|a - exact| > 1e-09 + 1e-06|exact|):"
    assert not lines[2].endswith("<-") and lines[3].endswith("0.5 <-")
    assert disagreement(["w"], {"exact": (1.0,), "user": (1.0,)}, "exact", Tolerance(1e-6)) is None


def test_a_variable_the_expression_lacks_has_partial_zero_every_way():
    pytest.importorskip("torch")
    point = {w: 1.5, x: 2.0}
    for method in (exact_gradient, finite_difference_gradient, torch_gradient):
        assert method(w * x, [w, b], point) == (pytest.approx(2.0, rel=1e-12), 0.0)


def test_an_intermediate_node_is_differentiated_by_cutting_it_loose():
    pytest.importorskip("torch")
    g = sg.Graph()
    h = g.define("h", w * x)
    g.define("L", sg.sigmoid(h) + h * b)
    point = {w: 0.5, x: 2, b: 3}  # h = 1: dL/dh = sigma(1)(1 - sigma(1)) + b
    s = 1 / (1 + np.exp(-1.0))
    expected = s * (1 - s) + 3
    for method in (exact_gradient, finite_difference_gradient, torch_gradient):
        assert method(g, [h], point)[0] == pytest.approx(expected, rel=1e-10)


def test_to_float_uses_a_users_numpy_printer_when_sympy_cannot_evaluate():
    class cube(sp.Function):
        def _numpycode(self, printer):
            return f"({printer._print(self.args[0])})**3"

    assert to_float(cube(sp.Integer(2)) + 1) == 9.0
    with pytest.raises(SymgradError, match="not a number"):
        to_float(w + 1)
