"""Missteps: the derivation of a partial with one step done wrong, recombined into a wrong partial."""

from pathlib import Path

import pytest
import sympy as sp

import symgrad as sg
from symgrad import sigmoid
from symgrad.explain import derivation
from symgrad.answers.missteps import KINDS, missteps
from symgrad.core.operations import written_as
from symgrad.worksheets.worksheet import load_worksheet

w, x, y, b, z = sp.symbols("w x y b z")
w1, w2, w3, w4, w5, w6, x1, x2 = sp.symbols("w1:7 x1 x2")


def found(expr, var, graph=None, **options):
    return [(kind, sp.expand(wrong), detail) for kind, wrong, detail in missteps(expr, var, graph, **options)]


def kinds_and_values(expr, var, graph=None):
    return [(kind, wrong) for kind, wrong, _ in found(expr, var, graph)]


WORKSHEETS = Path(__file__).parent.parent / "worksheets"


def s3():
    graph = load_worksheet(WORKSHEETS / "s3_backprop_by_hand.py").model
    return graph, sp.symbols("h1 h2 ystar")


def sigmoid_neuron():
    graph = load_worksheet(WORKSHEETS / "sigmoid_neuron.py").model  # z = wx + b, p = sigma(z), L = bce(p, y)
    return graph, *sp.symbols("z p")


@pytest.mark.parametrize("expr, var, kind, wrong", [
    ((w * x - y) ** 2, w, "missing_chain_factor", 2 * (w * x - y)),
    ((w * x - y) ** 2, w, "power_rule_error", 2 * (w * x - y) ** 2 * x),     # the exponent kept
    ((w * x - y) ** 2, w, "power_rule_error", 2 * (w * x - y) ** 3 * x),     # the exponent raised
    ((y - w * x) ** 2, w, "missing_chain_factor", 2 * (y - w * x)),          # the inner -x dropped
    (3 * w ** 2, w, "missing_constant_factor", 2 * w),
    (x * w ** 2, w, "missing_constant_factor", 2 * w),                       # x is a constant multiple here
    (w * sp.exp(w), w, "product_rule_error", sp.exp(w)),                     # u'v'
    (w * sp.exp(w), w, "product_rule_error", w * sp.exp(w)),                 # the term u'v dropped
    (w * sp.sin(w) * sp.exp(w), w, "product_rule_error", sp.cos(w) * sp.exp(w)),
    (w / (1 + w), w, "quotient_rule_error", (1 + 2 * w) / (1 + w) ** 2),     # + instead of - in the numerator
    (w / (1 + w), w, "quotient_rule_error", 1 / (1 + w)),                    # v, not v^2, below
    (sigmoid(w * x + b), w, "missing_chain_factor", sigmoid(w * x + b) * (1 - sigmoid(w * x + b))),
    (sp.exp(-w * x), w, "missing_chain_factor", sp.exp(-w * x)),
    (sp.log(1 + w ** 2), w, "missing_chain_factor", 1 / (1 + w ** 2)),
    (sp.sqrt(w * x), w, "power_rule_error", sp.sqrt(w * x) * x / 2),
    ((w ** 2 + 1) ** 3, w, "power_rule_error", 6 * w ** 2 * (w ** 2 + 1) ** 2),   # inside the chain: w^2 kept
    # one step done wrong wherever it occurs: sigma(wx+b)' without x in both terms of the cross-entropy
    # (whose clamped logs are read as logs, as the checker reads them)
    (sg.bce(sigmoid(w * x + b), y), w, "missing_chain_factor", sigmoid(w * x + b) - y),
])
def test_a_misstep_of_each_rule(expr, var, kind, wrong):
    assert (kind, sp.expand(wrong)) in [(k, sp.expand(sp.simplify(written_as(v, "ordinary"))))
                                        for k, v in kinds_and_values(expr, var)]


@pytest.mark.parametrize("expr, var, kind, detail", [
    ((w * x - y) ** 2, w, "missing_chain_factor", x),
    ((w ** 2 + 1) ** 3, w, "power_rule_error", (w ** 2 + 1) ** 3),    # the power, not the chain's placeholder
    (5 * w ** 3, w, "missing_constant_factor", 5),
    (w * sp.exp(w), w, "product_rule_error", None),
])
def test_the_first_misstep_of_a_kind_names_what_went_wrong(expr, var, kind, detail):
    assert next(d for k, _, d in found(expr, var) if k == kind) == detail


def test_a_local_partial_left_out_of_a_graphs_chain_product():
    """Forgetting dp/dz = p(1 - p) in dL/dw = dL/dp dp/dz dz/dw: the expanded expression's own rules
    can only drop the inner derivative of sigma(wx + b) whole, x with it."""
    g, zn, p = sigmoid_neuron()
    s = sigmoid(w * x + b)
    wrong = x * (-y / s + (1 - y) / (1 - s))
    assert ("missing_chain_factor", s * (1 - s)) in [(k, d.xreplace({p: s, zn: w * x + b}))
                                                     for k, _, d in found(None, w, g)]
    graph_wrongs = [sp.simplify(written_as(v.xreplace({p: s}), "ordinary") - wrong)
                    for k, v in kinds_and_values(None, w, g) if k == "missing_chain_factor"]
    assert 0 in graph_wrongs
    expression_wrongs = [sp.simplify(written_as(v, "ordinary") - wrong) for k, v in kinds_and_values(g.expand(), w)
                         if k == "missing_chain_factor"]
    assert 0 not in expression_wrongs


def test_s3_a_local_partial_forgotten_on_the_way_to_w1():
    g, (h1, h2, ystar) = s3()
    wrongs = {sp.expand(v.xreplace({ystar: w5 * h1 + w6 * h2}).xreplace({h1: w1 * x1 + w3 * x2, h2: w2 * x1 + w4 * x2}))
              for k, v in kinds_and_values(None, w1, g) if k == "missing_chain_factor"}
    error = y - w5 * (w1 * x1 + w3 * x2) - w6 * (w2 * x1 + w4 * x2)
    assert sp.expand(-2 * error * x1) in wrongs          # dy*/dh1 = w5 forgotten
    assert sp.expand(-2 * error * w5) in wrongs          # dh1/dw1 = x1 forgotten


def test_with_respect_to_a_node_the_missteps_are_written_in_it():
    g, (h1, h2, ystar) = s3()
    values = kinds_and_values(None, ystar, g)
    assert ("missing_chain_factor", sp.expand(2 * (y - ystar))) in values   # d(y - y*)/dy* = -1 dropped
    assert all(v.free_symbols <= {y, ystar} for _, v in values)


@pytest.mark.parametrize("expr, var", [
    ((w * x - y) ** 2, w), (w * sp.exp(w), w), (w / (1 + w), w), (sigmoid(w * x + b) ** 2, w),
    (sp.log(sigmoid(w * x)) * y, w), (sg.bce(sigmoid(w * x + b), y), b),
])
def test_every_misstep_is_a_wrong_derivative_of_a_known_kind(expr, var):
    right = sp.diff(expr, var)
    steps = found(expr, var)
    assert steps
    for kind, wrong, _ in steps:
        assert kind in KINDS
        assert sp.simplify(wrong - right) != 0, kind


def test_no_misstep_where_no_rule_applies():
    assert found(w, w) == [] and found(x + w, w) == []
    assert [k for k, _, _ in found(w * x, w)] == ["missing_constant_factor"]


def test_at_most_per_kind_missteps_outermost_first():
    expr = sp.Add(*[(w * k + 1) ** 2 for k in range(2, 13)])
    chain = [d for k, _, d in found(expr, w, per_kind=3) if k == "missing_chain_factor"]
    assert chain == [2, 3, 4]


def test_too_many_paths_give_no_missteps_rather_than_an_error(monkeypatch):
    g = sg.Graph()
    a = g.define("a", w * x)
    c = g.define("c", sp.exp(a))
    g.define("L", a * c)          # two paths from L down to w
    assert found(None, w, g)
    monkeypatch.setattr(derivation, "MAX_PATHS", 1)
    assert found(None, w, g) == []
