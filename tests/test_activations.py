import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad import ShapeError
from symgrad.core.activations import LogSoftmax, Softmax, step
from symgrad.numeric.codegen import compile_expressions
from symgrad.testing.assertions import assert_gradient_matches

z, z1, z2, z3 = sp.symbols("z z1 z2 z3")


@pytest.mark.parametrize("expr, expected", [
    (sg.sigmoid(0), sp.Rational(1, 2)),
    (sg.sigmoid(sp.log(3)), sp.Rational(3, 4)),
    (sg.sigmoid(sp.oo), 1),
    (sg.relu(3), 3),
    (sg.relu(-2), 0),
    (sg.relu(0), 0),
    (step(0), 0),
    (step(sp.Rational(1, 2)), 1),
    (sg.softplus(0), sp.log(2)),
    (sg.softmax([z, z, z])[1], sp.Rational(1, 3)),
    (sg.log_softmax([z, z])[0], -sp.log(2)),
])
def test_exact_values_where_they_exist(expr, expected):
    assert expr == expected


@pytest.mark.parametrize("expr, var, expected", [
    (sg.sigmoid(z), z, sg.sigmoid(z) * (1 - sg.sigmoid(z))),
    (sg.relu(z), z, step(z)),
    (step(z), z, 0),
    (sg.softplus(z), z, sg.sigmoid(z)),
    (sg.tanh(z), z, 1 - sg.tanh(z) ** 2),
    (Softmax(0, z1, z2), z1, Softmax(0, z1, z2) * (1 - Softmax(0, z1, z2))),
    (Softmax(0, z1, z2), z2, -Softmax(0, z1, z2) * Softmax(1, z1, z2)),
    (LogSoftmax(1, z1, z2, z3), z2, 1 - Softmax(1, z1, z2, z3)),
    (LogSoftmax(1, z1, z2, z3), z3, -Softmax(2, z1, z2, z3)),
])
def test_derivative_rules(expr, var, expected):
    assert sp.simplify(sp.diff(expr, var) - expected) == 0


@pytest.mark.parametrize("expr, latex", [
    (sg.sigmoid(z), r"\sigma\left(z\right)"),
    (sg.sigmoid(z) ** 2, r"\sigma^{2}\left(z\right)"),
    (sg.relu(z1), r"\operatorname{relu}\left(z_{1}\right)"),
    (sg.softplus(z), r"\operatorname{softplus}\left(z\right)"),
    (step(z), r"\mathbb{1}\left[z > 0\right]"),
    (sg.softmax([z1, z2, z3])[0], r"\operatorname{softmax}_{1}\left(z_{1}, z_{2}, z_{3}\right)"),
    (sg.log_softmax([z1, z2])[1], r"\log\operatorname{softmax}_{2}\left(z_{1}, z_{2}\right)"),
])
def test_latex(expr, latex):
    assert sp.latex(expr) == latex


@pytest.mark.parametrize("expr, value", [
    (sg.sigmoid(1), 1 / (1 + np.exp(-1))),
    (sg.softplus(2), np.log1p(np.exp(2))),
    (sg.relu(sp.Rational(-1, 2)), 0.0),
    (sg.softmax([1, 2, 3])[2], np.exp(3) / (np.exp(1) + np.exp(2) + np.exp(3))),
    (sg.log_softmax([1000, 0])[1], -1000.0),
])
def test_float_evaluation(expr, value):
    assert float(expr.evalf(30)) == pytest.approx(value, rel=1e-15, abs=1e-300)


def test_numpy_kernels_are_stable_at_extreme_arguments():
    f = compile_expressions([z, z1], [sg.sigmoid(z), sg.softplus(z), sg.log_softmax([z, z1])[1]], "numpy")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s, sp_, ls = f(np.array([-1000.0, 0.0, 1000.0]), np.array([0.0, 0.0, 0.0]))
    np.testing.assert_allclose(s, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(sp_, [0.0, np.log(2), 1000.0])
    np.testing.assert_allclose(ls, [0.0, -np.log(2), -1000.0])


@pytest.mark.parametrize("bad", [lambda: Softmax(3, z1, z2), lambda: sg.softmax([]),
                                 lambda: LogSoftmax(-1, z1)])
def test_softmax_components_out_of_range(bad):
    with pytest.raises(ShapeError):
        bad()


# Exact gradient = central finite differences = torch autograd (float64), to 1e-10.
THREE_WAYS = [
    (sg.sigmoid(z), {z: 0.3}),
    (sg.sigmoid(z), {z: 40}),
    (sg.sigmoid(z), {z: -40}),
    (sg.tanh(z), {z: -1.2}),
    (sg.tanh(z), {z: 20}),
    (sg.relu(z), {z: 0.7}),
    (sg.relu(z), {z: -0.7}),
    (sg.softplus(z), {z: 2.5}),
    (sg.softplus(z), {z: 40}),
    (sg.softplus(z), {z: -40}),
    (sg.softmax([z1, z2, z3])[0], {z1: 0.5, z2: -1, z3: 2}),
    (sg.softmax([z1, z2, z3])[2], {z1: 1000, z2: 0, z3: -1000}),
    (sg.log_softmax([z1, z2, z3])[1], {z1: 0.5, z2: -1, z3: 2}),
    (sg.log_softmax([z1, z2, z3])[0], {z1: 1000, z2: 999, z3: -1000}),
]


@pytest.mark.parametrize("expr, at", THREE_WAYS, ids=lambda v: str(v)[:40])
def test_exact_equals_finite_differences_and_torch(expr, at):
    pytest.importorskip("torch")
    assert_gradient_matches(expr, sorted(at, key=str), at, rtol=1e-10, atol=1e-10)


def test_relu_at_its_kink_is_zero_as_in_torch():
    """Central differences are not a derivative at a kink (they give 1/2); torch's convention is 0."""
    pytest.importorskip("torch")
    result = assert_gradient_matches(sg.relu(z), [z], {z: 0}, methods=("exact", "torch"), atol=0, rtol=0)
    assert result["exact"] == result["torch"] == (0.0,)
