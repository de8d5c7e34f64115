import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad import NoDerivativeRuleError, UnknownVariableError
from symgrad.core.backprop import backward

from deep_models import deep_sigmoid_chain, evalf_calls
from seed_models import s3

x, y, w, v, b, c = sp.symbols("x y w v b c")


def test_s3_every_adjoint_is_exact():
    g, weights, _, point = s3()
    values = backward(g, weights).at(point)
    h1, h2, yhat, loss = g.nodes
    assert values.nodes == {h1: 1, h2: sp.Rational(19, 20), yhat: sp.Rational(29, 10), loss: sp.Rational(441, 100)}
    assert values.adjoints[yhat] == sp.Rational(21, 5)  # dL/dy* = -2(y - y*) = 4.2
    assert values.adjoints[h1] == sp.Rational(21, 5)
    assert values.gradient == tuple(map(sp.Rational, ["21/10", "21/5", "21/5", "42/5", "21/5", "399/100"]))


def test_local_partials_are_written_in_node_symbols():
    g, weights, _, _ = s3()
    walk = backward(g, weights)
    h1, h2, yhat, loss = g.nodes
    w5 = weights[4]
    ystar = sp.Symbol("y")
    assert walk.local[(loss, yhat)] == 2 * yhat - 2 * ystar
    assert walk.local[(yhat, w5)] == h1
    assert walk.consumers(h1) == [(yhat, w5)]


def test_a_sigmoids_local_partial_is_folded_into_its_node():
    g = sg.Graph()
    z = g.define("z", w * x + b)
    a = g.define("a", sg.sigmoid(z))
    g.define("L", (a - y) ** 2)
    assert backward(g, [w]).local[(a, z)] == a * (1 - a)


def test_a_weight_that_reaches_the_loss_by_two_paths_sums_them():
    g = sg.Graph()
    h1 = g.define("h1", w * x)
    h2 = g.define("h2", sg.sigmoid(w * y))
    g.define("L", h1 * h2)
    walk = backward(g, [w])
    assert len(walk.consumers(w)) == 2
    assert sp.simplify(walk.gradient[0] - sp.diff(g.expand(), w)) == 0


GRAPHS = [
    (sg.sigmoid(w * x + b), [w, b]),
    (sg.mse([sg.relu(w * x + b) * v + c], [y]), [w, b, v, c]),
    (sg.cross_entropy([w * x, v * x + b, c], 1), [w, v, b, c]),
    (sg.bce(sg.sigmoid(sg.tanh(w * x) * v + b), y), [w, v, b]),
    (sp.log(1 + sp.exp(w * x)) * sp.sin(v) / (1 + b ** 2), [w, v, b]),
    (sg.softplus(w * sg.softplus(w * x)), [w]),
]


@pytest.mark.parametrize("expr, wrt", GRAPHS, ids=lambda e: str(e)[:30])
def test_the_walk_equals_sympy_diff_of_the_expanded_expression(expr, wrt):
    walk = backward(sg.Graph.from_expression(expr), wrt)
    for got, var in zip(walk.gradient, wrt):
        want = sp.diff(expr, var)
        assert sp.simplify((got - want).rewrite(sp.exp)) == 0


def test_the_walk_can_stop_at_an_intermediate():
    g, weights, _, point = s3()
    yhat = g.nodes[2]
    assert backward(g, [yhat, weights[0]]).at(point).gradient == (sp.Rational(21, 5), sp.Rational(21, 10))


def test_a_point_that_leaves_variables_out_keeps_them_symbolic():
    g, weights, _, point = s3()
    y = sp.Symbol("y")
    del point[y]
    grad = backward(g, weights[4:5]).at(point).gradient[0]
    assert grad == 2 * (sp.Rational(29, 10) - y)  # -2(y - y*) h1 with h1 = 1


def test_a_symbol_the_output_does_not_use_has_partial_zero_but_a_wrong_name_is_an_error():
    g = sg.Graph.from_expression(w * x)
    assert backward(g, [w, v]).gradient == (x, 0)
    with pytest.raises(UnknownVariableError, match="unknown variable 'q'"):
        backward(g, ["q"])


@pytest.mark.parametrize("expr, name", [
    (sp.floor(w * x), "floor"),
    (sp.Function("f")(w) + w, "f"),
    (sp.ceiling(w) ** 2, "ceiling"),
])
def test_an_operation_with_no_rule_is_an_error_naming_it(expr, name):
    with pytest.raises(NoDerivativeRuleError, match=f"no derivative rule for {name}"):
        backward(sg.Graph.from_expression(expr), [w])


def _mlp(h):
    xs, target = sp.symbols("x1:5"), sp.Symbol("y")
    hidden = sg.linear(xs, out_features=h)
    out = sg.linear([sg.sigmoid(z) for z in hidden], out_features=1, weight_name="v", bias_name="c")
    return sg.mse(out[0], target), list(hidden.parameters) + list(out.parameters)


def test_the_walks_program_grows_linearly_where_expanded_derivatives_grow_quadratically():
    walk_ops, expanded_ops = [], []
    for h in (2, 4, 8, 16):
        loss, params = _mlp(h)
        program, _ = backward(sg.Graph.from_expression(loss), params).program()
        walk_ops.append(sp.count_ops([e for _, e in program]))
        expanded_ops.append(sp.count_ops([sp.diff(loss, p) for p in params]))
    walk_steps = np.diff(walk_ops)
    assert list(walk_steps / np.diff([2, 4, 8, 16])) == [walk_steps[0] / 2] * 3  # exactly linear in h
    assert np.all(np.diff(expanded_ops, 2) > 0)  # convex: at least quadratic


def test_values_of_a_deep_network_at_a_point_cost_linear_work(monkeypatch):
    """Exact values nest (each layer's value holds the one below): nothing may re-evaluate the
    nesting numerically, which costs time exponential in the depth."""
    point = {x: sp.Rational(1, 2), w: sp.Rational(3, 2)}
    counts = [evalf_calls(monkeypatch, lambda d=d: sg.backward(deep_sigmoid_chain(d, x, w), [w]).at(point))
              for d in (6, 12)]
    assert counts[1] <= 2.5 * max(counts[0], 1)
    walk = sg.backward(deep_sigmoid_chain(40, x, w), [w]).at(point)
    assert walk.gradient[0].free_symbols == set()
