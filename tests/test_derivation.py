"""derive(): the chain rule over a graph as checked steps, and its values at a point three ways."""

import pytest
import sympy as sp

import symgrad as sg
from symgrad import DerivationError, DirectionError, ShapeError, SymgradError, UnknownVariableError
from symgrad.explain import derivation as derivation_module
from symgrad.explain import rules
from symgrad.core.activations import Softmax
from symgrad.core.losses import log_unclamped
from symgrad.core.operations import operation, written_as
from symgrad.explain.steps import (ChainProduct, ChainRule, FunctionRule, LocalPartial, Partial, PartialAt,
                                   PathSum, Simplification, recombine)
from symgrad.testing.assertions import assert_gradient_matches

from deep_models import deep_sigmoid_chain, evalf_calls
from seed_models import s3

w, x, y, b = sp.symbols("w x y b")
w1, w2, w3, w4, w5, w6, x1, x2 = sp.symbols("w1:7 x1 x2")
R = sp.Rational
S3_POINT = s3().point


def sigmoid_neuron():
    g = sg.Graph()
    z = g.define("z", w * x + b)
    p = g.define("p", sg.sigmoid(z))
    g.define("L", sg.bce(p, y))
    return g, z


def test_s3_dl_dw1_is_a_product_along_one_path():
    g, _, (h1, h2, ystar, L), _ = s3()
    d = sg.derive(g, w1, at=S3_POINT)
    assert d.result == R(21, 10)
    assert d.forward == ((h1, 1), (h2, R(19, 20)), (ystar, R(29, 10)), (L, R(441, 100)))
    value = d.answers[0]
    assert isinstance(value, Simplification) and isinstance(value.body, PartialAt)
    partial = d.partials[0].body
    assert isinstance(partial, Partial) and isinstance(partial.chain.body, PathSum)
    (path,) = partial.chain.body.paths
    assert isinstance(path, ChainProduct) and path.path == (L, ystar, h1, w1)
    assert [f.result for f in path.factors] == [2 * ystar - 2 * y, w5, x1]
    assert all(isinstance(f, LocalPartial) for f in path.factors)
    assert [f.result.xreplace(dict(d.point + d.forward)) for f in path.factors] == [R(21, 5), 1, R(1, 2)]


def test_s3_one_sgd_step_gives_the_seed_numbers():
    g = s3().graph
    d = sg.derive(g, [w5, w1], at=S3_POINT)
    assert d.result == (R(21, 5), R(21, 10))
    assert d.descend(0.01).result == (R(479, 500), R(979, 1000))
    assert d.descend(0.01, steps=2).result[0] == R(479, 500) - R(1, 100) * sg.derive(
        g, w5, at={**S3_POINT, w5: R(479, 500), w1: R(979, 1000)}).result


def test_a_weight_that_reaches_the_loss_by_two_paths_sums_them():
    g = sg.Graph()
    h1 = g.define("h1", w * x)
    h2 = g.define("h2", sg.sigmoid(w * y))
    L = g.define("L", h1 * h2)
    chain = sg.derive(g, w).partials[0].body.chain.body
    assert [p.path for p in chain.paths] == [(L, h1, w), (L, h2, w)]
    assert sp.expand(chain.result - (h2 * x + h1 * y * h2 * (1 - h2))) == 0


def test_the_sigmoid_neurons_bce_gradient_is_presented_simplified():
    """Each log of bce is torch's, clamped at -100: its slope [log p >= -100]/p cancels against
    p (1 - p), its bracket stays; where neither log is clamped, the result is sigma(z) - y."""
    g, z = sigmoid_neuron()
    s = sg.sigmoid(z)
    result = sg.derive(g, z).result
    assert result == y * (s - 1) * log_unclamped(s) - (y - 1) * log_unclamped(1 - s) * s  # not the raw product
    assert sp.expand(written_as(result, "ordinary")) == s - y
    p = g.parents(g.output)[0]
    chain = sg.derive(g, w).partials[0].body.chain
    raw = chain.body.result  # the chain product as the rules give it
    simplified = x * y * (p - 1) * log_unclamped(p) - x * p * (y - 1) * log_unclamped(1 - p)
    assert raw != simplified and sp.cancel(written_as(raw, "algebraic") - simplified) == 0
    assert chain.result == simplified
    assert sp.expand(written_as(sg.derive(g, w).result, "ordinary")) == sp.expand(x * (sg.sigmoid(w * x + b) - y))


def test_a_partial_with_respect_to_a_node_holds_the_other_nodes_fixed():
    g = sg.Graph()
    z = [g.define(f"z{k}", w * x + k) for k in (1, 2, 3)]
    g.define("L", sg.cross_entropy(z, 0))
    assert sg.derive(g, z[0]).result == Softmax(0, *z) - 1


@pytest.mark.parametrize("direction, expected", [((3, 4), R(22, 5)), ((1, 0), 2), ((-1, -2), -sp.sqrt(5) * 2)])
def test_the_directional_derivative_of_x2_plus_y2(direction, expected):
    d = sg.derive(x ** 2 + y ** 2, [x, y], at={x: 1, y: 2}).along(direction)
    assert sp.simplify(d.result - expected) == 0


def test_a_variable_the_loss_does_not_contain_has_no_paths_and_partial_zero():
    d = sg.derive(x ** 2, [x, y])
    assert d.result == (2 * x, 0)
    assert d.partials[1].body.chain.body.paths == ()


MODELS = {
    "S3": (lambda: s3()[0], [w1, w2, w3, w4, w5, w6], S3_POINT),
    "sigmoid neuron": (lambda: sigmoid_neuron()[0], [w, b], {w: 0.5, b: -1, x: 2, y: 1}),
    "softmax": (lambda: sg.cross_entropy([w * x, w2 * x + b, w3], 2), [w, w2, b, w3],
                {w: 0.3, x: 1.5, w2: -0.2, b: 0.1, w3: 0.7}),
    "tanh-relu": (lambda: (sp.tanh(w * x) + sg.relu(w2 * x + b) - y) ** 2, [w, w2, b],
                  {w: 0.4, x: 1.5, w2: 0.3, b: -0.1, y: 0.2}),
    "softplus quotient": (lambda: sg.softplus(w * x) / (1 + b ** 2) + sp.exp(-w * b), [w, b],
                          {w: 0.4, x: 1.5, b: 0.3}),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_derived_values_agree_with_finite_differences_and_torch(name):
    pytest.importorskip("torch")
    build, wrt, point = MODELS[name]
    loss = build()
    values = [float(v) for v in sg.derive(loss, wrt, at=point).result]
    report = assert_gradient_matches(loss, wrt, point, rtol=1e-10, atol=1e-10)
    for method in ("exact", "finite_difference", "torch"):
        assert values == pytest.approx(report[method], rel=1e-9, abs=1e-10), method


def test_a_mistake_in_one_local_partial_recombines_into_the_answer():
    g, _, (h1, h2, ystar, L), _ = s3()
    d = sg.derive(g, w1, at=S3_POINT)

    def no_inner_factor(step, results):
        if isinstance(step, ChainRule):  # d/dy* (y - y*)^2 = 2(y - y*): the -1 forgotten
            return step.outer[0].result.xreplace(dict(zip(step.placeholders, step.arguments)))

    assert recombine(d.answers[0]) == R(21, 10)
    assert recombine(d.answers[0], no_inner_factor) == R(-21, 10)


def test_a_wrong_rule_is_caught_by_the_derivations_own_check(monkeypatch):
    sigmoid_rule = lambda expr, var: FunctionRule(expr, var, operation("sigmoid"))  # noqa: E731  (no chain rule)
    monkeypatch.setitem(rules.RULES, sg.sigmoid, sigmoid_rule)
    with pytest.raises(DerivationError, match="the sigmoid rule failed its check"):
        g = sg.Graph()
        g.define("L", sg.sigmoid(w * x))  # one node: the sigmoid's argument is not a node of its own
        sg.derive(g, w)


def test_too_many_paths_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(derivation_module, "MAX_PATHS", 1)
    g = sg.Graph()
    g.define("L", g.define("h1", w * x) * g.define("h2", w * y))
    with pytest.raises(DerivationError, match="w reaches L by 2 paths, too many"):
        sg.derive(g, w)


@pytest.mark.parametrize("make, error, message", [
    (lambda: sg.derive(x ** 2, [x]).descend(0.1), SymgradError, "an update step needs a point"),
    (lambda: sg.derive(x ** 2, [x], at={x: 1}).descend(0.1, steps=0), SymgradError, "at least 1"),
    (lambda: sg.derive(x * y, [x], at={y: 1}).descend(0.1), SymgradError, "no value for x"),
    (lambda: sg.derive(x ** 2, [x], at={x: 1}).descend(0.1).descend(0.1), SymgradError, "derive the gradient"),
    (lambda: sg.derive(x ** 2 + y, [x, y]).along((0, 0)), DirectionError, "zero vector"),
    (lambda: sg.derive(x ** 2 + y, [x, y]).along((1, 2, 3)), ShapeError, "3 components but there are 2"),
    (lambda: sg.derive(x ** 2, "q"), UnknownVariableError, "unknown variable 'q'"),
])
def test_bad_requests(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_deriving_a_deep_network_at_a_point_costs_linear_work(monkeypatch):
    """The derivation's own checks evaluate nested exact values; each distinct value once."""
    point = {x: R(1, 2), w: R(3, 2)}
    counts = [evalf_calls(monkeypatch, lambda d=d: sg.derive(deep_sigmoid_chain(d, x, w), [w], at=point))
              for d in (4, 8)]
    assert counts[1] <= 2.5 * counts[0]
