"""The seed examples' models (../shared/SEEDS.md): exact numbers, and every gradient three ways."""

import pytest
import sympy as sp

import symgrad as sg
from symgrad.testing.assertions import assert_gradient_matches

from seed_models import s3

pytest.importorskip("torch")

w, x, y = sp.symbols("w x y")
w1, w2, w3, w4, w5, w6, x1, x2 = sp.symbols("w1:7 x1 x2")
DATA_X, DATA_Y = [1, 2, 3], [2, 4, 6]


def test_s0_per_sample_gradient_is_2x_xw_minus_y():
    loss = (x * w - y) ** 2
    assert sp.expand(sg.partial(loss, w)) == sp.expand(2 * x * (x * w - y))
    assert [sg.partial(loss, w, at={x: xi, y: yi, w: 1.0}) for xi, yi in zip(DATA_X, DATA_Y)] == [-2, -8, -18]


def test_s1_mean_cost_gradient():
    cost = sg.mse([xi * w for xi in DATA_X], DATA_Y)
    expected = sp.Rational(1, 3) * sum(2 * xi * (xi * w - yi) for xi, yi in zip(DATA_X, DATA_Y))
    assert sp.expand(sg.partial(cost, w)) == sp.expand(expected)
    assert sg.partial(cost, w, at={w: 1.0}) == sp.Rational(-28, 3)


def test_s3_reproduces_the_tutorials_numbers_exactly():
    g, _, _, point = s3()
    values = sg.backward(g, [w1, w2, w3, w4, w5, w6]).at(point)
    assert values.output == sp.Rational(441, 100)
    grads = dict(zip([w1, w2, w3, w4, w5, w6], values.gradient))
    assert grads[w5] == sp.Rational(21, 5) and grads[w1] == sp.Rational(21, 10)
    # all six, in torch's layout: dW_h = [[2.1, 4.2], [4.2, 8.4]], dW_o = [4.2, 3.99]
    assert [[grads[w1], grads[w3]], [grads[w2], grads[w4]]] == [[sp.Rational(21, 10), sp.Rational(21, 5)],
                                                                 [sp.Rational(21, 5), sp.Rational(42, 5)]]
    assert [grads[w5], grads[w6]] == [sp.Rational(21, 5), sp.Rational(399, 100)]
    eta = sp.Rational(1, 100)
    assert sg.exact(point[w5]) - eta * grads[w5] == sp.Rational(479, 500)
    assert sg.exact(point[w1]) - eta * grads[w1] == sp.Rational(979, 1000)


def test_s4_linear_regression_gradient_is_xt_residual_over_m():
    t0, t1 = sp.symbols("theta0 theta1")
    X, Y = [[1, 2], [1, 3], [1, 4], [1, 5]], [3, 4, 5, 6]
    cost = sum((r[0] * t0 + r[1] * t1 - yi) ** 2 for r, yi in zip(X, Y)) / (2 * len(Y))
    residual = [r[0] * t0 + r[1] * t1 - yi for r, yi in zip(X, Y)]
    expected = [sum(r[j] * e for r, e in zip(X, residual)) / len(Y) for j in (0, 1)]
    assert [sp.expand(g) for g in sg.gradient(cost, [t0, t1])] == [sp.expand(e) for e in expected]


def test_s4_sigmoid_derivative_at_zero_is_a_quarter():
    z = sp.Symbol("z")
    assert sg.partial(sg.sigmoid(z), z, at={z: 0}) == sp.Rational(1, 4)


def _s2_small():
    """S2's network shape at a small size: Linear(3,4) -> ReLU -> Linear(4,2) -> ReLU ->
    Linear(2,3) -> LogSoftmax, NLL."""
    xs = sp.symbols("x1:4")
    l1 = sg.linear(xs, out_features=4, weight_name="u", bias_name="c")
    l2 = sg.linear([sg.relu(h) for h in l1], out_features=2, weight_name="v", bias_name="d")
    l3 = sg.linear([sg.relu(h) for h in l2], out_features=3, weight_name="w", bias_name="e")
    loss = sg.nll(sg.log_softmax(list(l3)), 2)
    params = l1.parameters + l2.parameters + l3.parameters
    values = {p: sp.Rational((7 * i) % 11 - 5, 10) for i, p in enumerate(params)}
    values.update({xs[0]: 0.5, xs[1]: -1.0, xs[2]: 2.0})
    return loss, params, values


SEED_MODELS = {
    "S0 per-sample": ((x * w - y) ** 2, [w], {x: 2, y: 4, w: 1.0}),
    "S1 mean cost": (sg.mse([xi * w for xi in DATA_X], DATA_Y), [w], {w: 1.0}),
    "S0 nn.Linear(1,1)": (sg.mse([w * xi + x for xi in DATA_X], DATA_Y), [w, x], {w: 0.3, x: -0.2}),
    "S3 two-layer": ((y - (w5 * (w1 * x1 + w3 * x2) + w6 * (w2 * x1 + w4 * x2))) ** 2,
                     [w1, w2, w3, w4, w5, w6],
                     {w1: 1.0, w2: 0.5, w3: 0.5, w4: 0.7, w5: 1.0, w6: 2.0, x1: 0.5, x2: 1.0, y: 0.8}),
    "S4 regression": (sum((w + xi * x - yi) ** 2 for xi, yi in zip([2, 3, 4, 5], [3, 4, 5, 6])) / 8,
                      [w, x], {w: 0.1, x: 0.2}),
    "S4 sigmoid neuron": (sg.bce(sg.sigmoid(w * x1 + x2), y), [w, x2], {w: 0.4, x1: 1.5, x2: -0.3, y: 1}),
    "S2 small MLP": _s2_small(),
    "softmax 3 classes": (sg.cross_entropy([w * x1, w2 * x1 + x2, w3], 0), [w, w2, x2, w3],
                          {w: 0.2, x1: 1.5, w2: -0.4, x2: 0.1, w3: 0.3}),
}


@pytest.mark.parametrize("name", list(SEED_MODELS))
def test_seed_models_three_ways(name):
    loss, params, point = SEED_MODELS[name]
    assert_gradient_matches(loss, params, point, rtol=1e-10, atol=1e-10)
