import pytest
import sympy as sp

import symgrad as sg
from symgrad import bce, mse, sigmoid
from symgrad.answers import mistakes
from symgrad.answers.mistakes import MISTAKES, Slipping, candidates, derivative_slip, mean_size
from symgrad.core.operations import written_as
from symgrad.explain.tasks import Derivative, DerivativeAt, DirectionalDerivative, Gradient, GradientStep

w, x, y, b, eta = sp.symbols("w x y b eta")
AT = {w: 1, x: 2, y: 4}
ISSUE_KINDS = ("sign_error missing_chain_factor missing_constant_factor power_rule_error product_rule_error "
               "quotient_rule_error integrated_instead wrong_variable log_base_confusion returned_function_value "
               "missing_mean_factor gd_wrong_sign gd_used_loss_not_gradient gd_missing_learning_rate transposed "
               "not_simplified_but_correct unparseable unknown_symbol too_complex other rounded_too_early undecided "
               "check_failed not_in_key wrong_shape").split()  # issue 15: not checked by no answer's fault; matrix answers


def test_the_kinds_are_named_exactly_as_the_issue_names_them():
    assert sorted(MISTAKES) == sorted(ISSUE_KINDS)


def wrong_answers(function, wrt, task, point=None):
    partials = tuple(sp.diff(function, v) for v in wrt)
    slippings = tuple(Slipping(function, v, p, {}) for v, p in zip(wrt, partials))
    return [(c.kind, c.component, c.value, c.derivative_of)
            for c in candidates(function, wrt, partials, task, slippings, point)]


@pytest.mark.parametrize("function, wrt, task, kind, component, value", [
    ((w * x - y) ** 2, [w], (Derivative(w), None), "sign_error", 0, -2 * x * (w * x - y)),
    ((w * x - y) ** 2, [w], (Derivative(w), None), "wrong_variable", 0, 2 * w * (w * x - y)),
    ((w * x - y) ** 2, [w], (Derivative(w), None), "returned_function_value", 0, (w * x - y) ** 2),
    ((w * x - y) ** 2, [w], (Derivative(w), None), "missing_chain_factor", 0, 2 * (w * x - y)),
    (sp.log(w * x), [w], (Derivative(w), None), "log_base_confusion", 0, 1 / (w * sp.log(10))),
    (sp.log(w * x) / sp.log(10), [w], (Derivative(w), None), "log_base_confusion", 0, 1 / w),
    (mse([w, 2 * w], [1, 2]), [w], (Derivative(w), None), "missing_mean_factor", 0, sp.expand(2 * sp.diff(mse([w, 2 * w], [1, 2]), w))),
    ((w * x - y) ** 2, [w], (DerivativeAt(w), AT), "sign_error", 0, 8),
    ((w * x - y) ** 2, [w], (DerivativeAt(w), AT), "missing_chain_factor", 0, -4),
    ((w * x - y) ** 2, [w], (GradientStep([w], sp.Rational(1, 100)), AT), "gd_wrong_sign", 0,
     sp.Rational(23, 25)),
    ((w * x - y) ** 2, [w], (GradientStep([w], sp.Rational(1, 100)), AT), "gd_used_loss_not_gradient", 0,
     sp.Rational(24, 25)),
    ((w * x - y) ** 2, [w], (GradientStep([w], sp.Rational(1, 100)), AT), "gd_missing_learning_rate", 0, 9),
    ((w * x - y) ** 2, [w], (GradientStep([w], eta, at_point=False), None), "gd_wrong_sign", 0,
     w + 2 * eta * x * (w * x - y)),
    ((w * x - y) ** 2, [w], (GradientStep([w], sp.Rational(1, 100)), AT), "missing_chain_factor", 0,
     sp.Rational(26, 25)),
    (w ** 2 * b, [w, b], (Gradient([w, b], at_point=False), None), "sign_error", 1, -w ** 2),
    (x ** 2 + y ** 2, [x, y], (DirectionalDerivative([x, y], (3, 4)), {x: 1, y: 2}), "missing_constant_factor", 0, 22),
    (x ** 2 + y ** 2, [x, y], (DirectionalDerivative([x, y], (3, 4)), {x: 1, y: 2}), "sign_error", 0,
     sp.Rational(-22, 5)),
])
def test_candidates(function, wrt, task, kind, component, value):
    found = wrong_answers(function, wrt, *task)
    assert any(k == kind and c == component and sp.simplify(v - value) == 0 and d is None
               for k, c, v, d in found), [f for f in found if f[0] == kind]


def test_integrated_instead_compares_the_derivative_of_the_answer_with_the_function():
    found = wrong_answers((w * x - y) ** 2, [w], Derivative(w))
    assert ("integrated_instead", 0, (w * x - y) ** 2, w) in found
    assert not any(k == "integrated_instead" for k, *_ in wrong_answers((w * x - y) ** 2, [w], DerivativeAt(w), AT))


def test_transposed_is_a_candidate_for_a_square_matrix_of_parameters():
    a, c, d, e = sp.symbols("a c d e")
    wrt = [a, c, d, e]
    found = wrong_answers(a * x + c * x ** 2 + d * x ** 3 + e * x ** 4, wrt,
                          Gradient(wrt, at_point=False, shape=(2, 2)))
    transposed = [(i, v) for k, i, v, _ in found if k == "transposed"]
    assert transposed == [(1, x ** 3), (2, x ** 2)]


def test_candidates_come_in_order_of_priority():
    found = [k for k, *_ in wrong_answers((w * x - y) ** 2, [w], GradientStep([w], eta, at_point=False))]
    assert found == sorted(found, key=MISTAKES.index)
    assert found[0] == "gd_wrong_sign"


@pytest.mark.parametrize("function, n", [
    (mse([w, 2 * w, 3 * w], [2, 4, 6]), 3),
    (w ** 2 / 3 + w / 2, None),                              # two terms, but no common 1/2
    (sp.Add(*[(w * k - y) ** 2 / 3 for k in (1, 2, 3)]), 3),
    (sp.Rational(1, 8) * sp.Add(*[(w * k - y) ** 2 for k in (1, 2, 3, 4)], evaluate=False), 4),   # 1/(2m)
    ((w - y) ** 2, None),
    (bce(sigmoid(w * x), y), None),
])
def test_mean_size(function, n):
    assert mean_size(function) == n


def test_a_generator_of_wrong_partials_plugs_in(monkeypatch):
    """A new kind of derivative slip is a generator registered with derivative_slip."""
    monkeypatch.setattr(mistakes, "_DERIVATIVE_SLIPS", [])

    @derivative_slip
    def halve(slipping):
        yield "missing_constant_factor", slipping.partial / 2, sp.Integer(2)

    assert wrong_answers(w ** 2, [w], Derivative(w)) == [("missing_constant_factor", 0, w, None),
                                                         ("integrated_instead", 0, w ** 2, w)]


def test_slips_of_a_node_are_written_back_in_the_leaves():
    z = sp.Symbol("z")
    function = (sigmoid(z) - y) ** 2
    slipping = Slipping(function, z, sp.diff(function, z), {z: w * x + b})
    partial = sp.diff(function, z).xreplace({z: w * x + b})
    found = candidates(function.xreplace({z: w * x + b}), (z,), (partial,), Derivative(z), (slipping,))
    assert all(z not in c.value.free_symbols for c in found if c.derivative_of is None)


def test_the_rule_mistakes_of_a_graph_come_from_its_derivation():
    """dL/dw through p = sigma(z), z = wx + b: the local partial dp/dz = p(1 - p) forgotten."""
    g = sg.Graph()
    zn = g.define("z", w * x + b)
    p = g.define("p", sigmoid(zn))
    g.define("L", bce(p, y))
    function, s = g.expand(), sigmoid(w * x + b)
    partial = sp.diff(function, w)
    slipping = Slipping(function, w, partial, {}, g)
    found = candidates(function, (w,), (partial,), Derivative(w), (slipping,))
    wrong = x * (-y / s + (1 - y) / (1 - s))  # bce's clamped logs read as logs, as the checker reads them
    assert any(c.kind == "missing_chain_factor" and sp.simplify(written_as(c.value, "ordinary") - wrong) == 0
               for c in found)
    without_graph = candidates(function, (w,), (partial,), Derivative(w), (Slipping(function, w, partial, {}),))
    assert not any(sp.simplify(written_as(c.value, "ordinary") - wrong) == 0
                   for c in without_graph if c.derivative_of is None)


def test_a_matrix_answer_s_typical_mistakes():
    X, v, r = sp.MatrixSymbol("X", 4, 3), sp.MatrixSymbol("v", 3, 1), sp.MatrixSymbol("r", 4, 1)
    reference = 2 * X.T * (X * v - r)
    assert [(c.kind, c.value, c.detail) for c in mistakes.matrix_candidates(reference)] == [
        ("transposed", reference.T, None), ("sign_error", -reference, None),
        ("missing_constant_factor", X.T * (X * v - r), 2)]
