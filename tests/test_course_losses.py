"""The losses of a course, each against torch's module (or torchvision's formula) in float64: value
and gradient in every reduction, at ordinary points and at torch's kinks and clamps; the exact
gradient against central differences and torch autograd; bad input is a one-line error."""

import json

import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad import SettingError, ShapeError, SymgradError
from symgrad.core import losses
from symgrad.core.serialize import from_tree, to_tree
from symgrad.explain.latex import latex
from symgrad.testing.assertions import assert_gradient_matches

torch = pytest.importorskip("torch")
F = torch.nn.functional

p1, p2, p3, q1, q2, q3, v1, v2, v3 = P = sp.symbols("p1 p2 p3 q1 q2 q3 v1 v2 v3")
PS, QS, VS = P[:3], P[3:6], P[6:]


def _t(values):
    return torch.tensor(values, dtype=torch.float64)


def _stack(xs, *shape):
    return torch.stack(xs).reshape(*shape) if shape else torch.stack(xs)


def _tv_focal(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss, as its source writes it."""
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


Y3 = [0.5, -1.0, 2.0]
# id: (symgrad loss of a reduction, torch's of a reduction and the variables' tensors, variables, values)
CASES = {
    "mse": (lambda r: sg.mse(PS, Y3, reduction=r), lambda r, x: F.mse_loss(_stack(x), _t(Y3), reduction=r),
            PS, [1.5, -0.2, 0.3]),
    "bce": (lambda r: sg.bce(PS, [1, 0, 0.25], reduction=r),
            lambda r, x: F.binary_cross_entropy(_stack(x), _t([1, 0, 0.25]), reduction=r), PS, [0.3, 0.9, 0.6]),
    "bce_with_logits": (lambda r: sg.bce_with_logits(PS, [1, 0, 0.25], reduction=r),
                        lambda r, x: F.binary_cross_entropy_with_logits(_stack(x), _t([1, 0, 0.25]), reduction=r),
                        PS, [2.0, -3.0, 0.5]),
    "nll": (lambda r: sg.nll([[p1, p2], [p3, q1]], [1, 0], reduction=r),
            lambda r, x: F.nll_loss(_stack(x, 2, 2), torch.tensor([1, 0]), reduction=r), [p1, p2, p3, q1],
            [-0.5, -1.5, -2.0, -0.1]),
    "cross_entropy": (lambda r: sg.cross_entropy([[p1, p2, p3], [q1, q2, q3]], [2, 0], reduction=r),
                      lambda r, x: F.cross_entropy(_stack(x, 2, 3), torch.tensor([2, 0]), reduction=r), PS + QS,
                      [0.5, -1.0, 3.0, 1.0, 0.0, -2.0]),
    "l1": (lambda r: sg.l1(PS, Y3, reduction=r), lambda r, x: F.l1_loss(_stack(x), _t(Y3), reduction=r),
           PS, [1.5, -1.3, 0.3]),
    "smooth_l1": (lambda r: sg.smooth_l1(PS, Y3, reduction=r),
                  lambda r, x: F.smooth_l1_loss(_stack(x), _t(Y3), reduction=r), PS, [1.0, -2.5, 4.0]),
    "smooth_l1_beta": (lambda r: sg.smooth_l1(PS, Y3, reduction=r, beta=0.5),
                       lambda r, x: F.smooth_l1_loss(_stack(x), _t(Y3), reduction=r, beta=0.5), PS, [0.7, -2.5, 2.2]),
    "smooth_l1_beta_0": (lambda r: sg.smooth_l1(PS, Y3, reduction=r, beta=0),
                         lambda r, x: F.smooth_l1_loss(_stack(x), _t(Y3), reduction=r, beta=0.0), PS, [0.7, -2.5, 2.2]),
    "huber": (lambda r: sg.huber(PS, Y3, reduction=r), lambda r, x: F.huber_loss(_stack(x), _t(Y3), reduction=r),
              PS, [1.0, -2.5, 4.0]),
    "huber_delta": (lambda r: sg.huber(PS, Y3, reduction=r, delta=1.5),
                    lambda r, x: F.huber_loss(_stack(x), _t(Y3), reduction=r, delta=1.5), PS, [1.0, -2.75, 4.0]),
    "hinge": (lambda r: sg.hinge(PS, [1, -1, -1], reduction=r, margin=1.5),
              lambda r, x: F.hinge_embedding_loss(_stack(x), _t([1, -1, -1]), reduction=r, margin=1.5), PS,
              [0.3, 0.2, 1.7]),
    "margin_ranking": (lambda r: sg.margin_ranking(PS, QS, [1, -1, 1], reduction=r, margin=0.1),
                       lambda r, x: F.margin_ranking_loss(_stack(x[:3]), _stack(x[3:]), _t([1, -1, 1]),
                                                          reduction=r, margin=0.1),
                       PS + QS, [0.3, 0.2, 1.7, 0.5, -0.4, 1.0]),
    "kl_div": (lambda r: sg.kl_div(PS, [0.2, 0.5, 0.3], reduction=r),
               lambda r, x: F.kl_div(_stack(x), _t([0.2, 0.5, 0.3]), reduction=r), PS, [-1.2, -0.9, -1.4]),
    "kl_div_batch": (lambda r: sg.kl_div([PS, QS], [[0.2, 0.5, 0.3], [0.0, 0.9, 0.1]], reduction=r),
                     lambda r, x: F.kl_div(_stack(x, 2, 3), _t([[0.2, 0.5, 0.3], [0.0, 0.9, 0.1]]), reduction=r),
                     PS + QS, [-1.2, -0.9, -1.4, -2.0, -0.1, -2.5]),
    "kl_div_log_target": (lambda r: sg.kl_div(PS, [-1.6, -0.7, -1.2], reduction=r, log_target=True),
                          lambda r, x: F.kl_div(_stack(x), _t([-1.6, -0.7, -1.2]), reduction=r, log_target=True),
                          PS, [-1.2, -0.9, -1.4]),
    "focal": (lambda r: sg.focal(PS, [1, 0, 1], reduction=r),
              lambda r, x: _tv_focal(_stack(x), _t([1, 0, 1]), reduction=r), PS, [0.3, 1.2, -2.0]),
    "focal_no_alpha": (lambda r: sg.focal(PS, [1, 0, 0.5], alpha=-1, gamma=3, reduction=r),
                       lambda r, x: _tv_focal(_stack(x), _t([1, 0, 0.5]), alpha=-1, gamma=3, reduction=r), PS,
                       [0.3, 1.2, -2.0]),
    "poisson_nll": (lambda r: sg.poisson_nll(PS, [0, 1, 3], reduction=r),
                    lambda r, x: F.poisson_nll_loss(_stack(x), _t([0, 1, 3]), reduction=r), PS, [0.3, -1.2, 1.1]),
    "poisson_nll_rate_full": (lambda r: sg.poisson_nll(PS, [0, 1, 3], log_input=False, full=True, reduction=r),
                              lambda r, x: F.poisson_nll_loss(_stack(x), _t([0, 1, 3]), log_input=False, full=True,
                                                              reduction=r), PS, [0.3, 1.2, 2.5]),
    "gaussian_nll": (lambda r: sg.gaussian_nll(PS, Y3, VS, reduction=r),
                     lambda r, x: F.gaussian_nll_loss(_stack(x[:3]), _t(Y3), _stack(x[3:]), reduction=r),
                     PS + VS, [1.5, -0.2, 0.3, 0.5, 2.0, 0.25]),
    "gaussian_nll_full": (lambda r: sg.gaussian_nll(PS, Y3, v1, full=True, reduction=r),
                          lambda r, x: F.gaussian_nll_loss(_stack(x[:3]), _t(Y3), x[3].expand(3), full=True,
                                                           reduction=r), PS + (v1,), [1.5, -0.2, 0.3, 0.7]),
    "cosine_embedding": (lambda r: sg.cosine_embedding([PS, QS], [[1, 2, 0.5], [0.3, -1, 2]], [1, -1], reduction=r,
                                                       margin=0.2),
                         lambda r, x: F.cosine_embedding_loss(_stack(x, 2, 3), _t([[1, 2, 0.5], [0.3, -1, 2]]),
                                                              _t([1, -1]), reduction=r, margin=0.2),
                         PS + QS, [0.5, -1.0, 3.0, 1.0, -1.5, 1.0]),
}
REDUCED = [(name, r) for name in CASES for r in ("mean", "sum", "none")]
FLOAT = {"kl_div": 1e-10}  # a tolerance wider than 1e-12 where torch sums in another order


def _flat(loss):
    if isinstance(loss, tuple):
        return [e for item in loss for e in _flat(item)]
    return [loss]


def _torch_rows(reference, reduction, values):
    tensors = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    outputs = reference(reduction, tensors).reshape(-1)
    rows = []
    for out in outputs:
        grads = torch.autograd.grad(out, tensors, retain_graph=True, allow_unused=True)
        rows.append((out.item(), [0.0 if g is None else g.item() for g in grads]))
    return rows


def _exact_rows(loss, variables, values):
    """Each output's value and its exact SymPy derivatives (sympy.diff), at the exact point."""
    point = {v: sg.exact(x) for v, x in zip(variables, values)}
    return [(float(e.xreplace(point).evalf(30)), [float(sp.diff(e, v).xreplace(point).evalf(30)) for v in variables])
            for e in _flat(loss)]


@pytest.mark.parametrize("name, reduction", REDUCED + [("kl_div", "batchmean"), ("kl_div_batch", "batchmean")])
def test_each_loss_and_reduction_is_torchs_in_float64(name, reduction):
    build, reference, variables, values = CASES[name]
    ours = _exact_rows(build(reduction), variables, values)
    theirs = _torch_rows(reference, reduction, values)
    assert len(ours) == len(theirs) == (1 if reduction != "none" else len(theirs))
    for (value, grad), (torch_value, torch_grad) in zip(ours, theirs):
        assert value == pytest.approx(torch_value, rel=1e-12, abs=1e-12)
        assert grad == pytest.approx(torch_grad, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("name, reduction", [(n, r) for n in CASES for r in ("mean", "sum")])
def test_each_loss_three_ways(name, reduction):
    """The walk's exact gradient = central finite differences = autograd of symgrad's torch twin."""
    build, _, variables, values = CASES[name]
    assert_gradient_matches(build(reduction), list(variables), dict(zip(variables, values)), rtol=1e-10, atol=1e-10)


def test_none_gives_each_samples_loss_and_mean_their_visible_mean():
    assert sg.l1([p1, p2], [1, 2], reduction="none") == (sp.Abs(p1 - 1), sp.Abs(p2 - 2))
    assert sg.l1(p1, 1, reduction="none") == (sp.Abs(p1 - 1),)
    mean = sg.huber([p1, p2], [0, 0])
    assert mean.args == (sp.Rational(1, 2), losses.unit_huber(p1) + losses.unit_huber(p2))
    assert sg.huber(p1, 0, reduction="sum") == sg.huber(p1, 0) == losses.unit_huber(p1)
    assert sg.kl_div([[p1, p2], [p3, q1]], [[1, 0], [0, 1]], reduction="none") == ((-p1, 0), (0, -q1))
    assert sg.kl_div([[p1, p2], [p3, q1]], [[1, 0], [0, 1]], reduction="batchmean").args == (
        sp.Rational(1, 2), -p1 - q1)
    assert sg.sse([p1, p2], [1, 2]) == sg.mse([p1, p2], [1, 2], reduction="sum") == (p1 - 1) ** 2 + (p2 - 2) ** 2
    assert sg.focal(p1, 1) == (sp.Rational(1, 4) * (1 - sg.sigmoid(p1)) ** 2 * (sg.softplus(p1) - p1),)


# -- exact values and derivatives at exact points -----------------------------------------------------

r = sp.Symbol("r")


@pytest.mark.parametrize("loss, value, slope", [
    (sg.huber(r, 0), {sp.Rational(1, 2): sp.Rational(1, 8), 1: sp.Rational(1, 2), -3: sp.Rational(5, 2)},
     {sp.Rational(1, 2): sp.Rational(1, 2), 1: 1, -3: -1}),
    (sg.huber(r, 0, delta=sp.Rational(3, 2)), {1: sp.Rational(1, 2), sp.Rational(3, 2): sp.Rational(9, 8), -2:
                                               sp.Rational(15, 8)},
     {1: 1, sp.Rational(3, 2): sp.Rational(3, 2), -2: sp.Rational(-3, 2)}),
    (sg.smooth_l1(r, 0, beta=sp.Rational(1, 2)), {sp.Rational(1, 4): sp.Rational(1, 16), sp.Rational(1, 2):
                                                  sp.Rational(1, 4), -2: sp.Rational(7, 4)},
     {sp.Rational(1, 4): sp.Rational(1, 2), sp.Rational(1, 2): 1, -2: -1}),
    (sg.l1(r, 0), {0: 0, -2: 2, sp.Rational(1, 3): sp.Rational(1, 3)}, {0: 0, -2: -1, sp.Rational(1, 3): 1}),
    (sg.hinge(r, -1), {1: 0, 2: 0, sp.Rational(1, 2): sp.Rational(1, 2)}, {1: -1, 2: 0, sp.Rational(1, 2): -1}),
    (sg.l1_penalty([r], 3), {-2: 6, 0: 0}, {-2: -3, 0: 0}),
    (sg.l2_penalty([r], sp.Rational(1, 10)), {3: sp.Rational(9, 20)}, {3: sp.Rational(3, 10)}),
])
def test_exact_values_and_derivatives_with_torchs_choice_at_kinks(loss, value, slope):
    for at, expected in value.items():
        assert loss.xreplace({r: at}) == expected
    for at, expected in slope.items():
        assert sp.diff(loss, r).xreplace({r: at}) == expected
        assert sg.gradient(loss, [r], at={r: at}) == [expected]


def test_the_second_derivative_of_huber_at_delta_is_torchs_zero():
    rt = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(F.huber_loss(rt, _t(0.0), delta=1.5), rt, create_graph=True)
    (h,) = torch.autograd.grad(g, rt)
    loss = sg.huber(r, 0, delta=sp.Rational(3, 2))
    assert sp.diff(loss, r, 2).xreplace({r: sp.Rational(3, 2)}) == 0 and h.item() == 0.0
    assert sp.diff(loss, r, 2).xreplace({r: 1}) == 1


def test_the_penalties_are_sgds_weight_decay():
    """SGD on loss + l2_penalty(w, λ) is torch's SGD(weight_decay=λ) on the loss."""
    w = sp.Symbol("w")
    loss = (3 * w - 1) ** 2
    g = sg.gradient(loss + sg.l2_penalty(w, 0.01), [w], at={w: sp.Rational(1, 2)})[0]
    wt = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([wt], lr=0.1, weight_decay=0.01)
    ((3 * wt - 1) ** 2).backward()
    optimizer.step()
    assert float(sp.Rational(1, 2) - sp.Rational(1, 10) * g) == pytest.approx(wt.item(), rel=1e-15)
    assert sg.l2_penalty([p1, p2], 0.1) == sp.Mul(sp.Rational(1, 20), p1 ** 2 + p2 ** 2, evaluate=False)


# -- torch's edges: kinks, thresholds, clamps -------------------------------------------------------

EDGES = {
    "huber at |r| = delta": ("huber_delta", [1.5 + 0.5, -1.0 - 1.5, 4.0]),
    "huber at |r| = 1": ("huber", [1.5, -2.0, 3.0]),
    "smooth_l1 at |r| = beta": ("smooth_l1_beta", [1.0, -1.5, 2.5]),
    "l1 at r = 0": ("l1", [0.5, -1.0, 2.0]),
    "hinge at the margin": ("hinge", [0.3, 1.5, 1.5]),
    "margin_ranking at 0": ("margin_ranking", [0.3, 0.2, 1.7, 0.2, 0.3, 1.8]),
    "kl_div with zero targets": ("kl_div_batch", [-1.2, -0.9, -1.4, -2.0, -0.1, -2.5]),
    "smooth_l1 of beta 0 at r = 0": ("smooth_l1_beta_0", [0.5, -1.0, 2.2]),
}


@pytest.mark.parametrize("edge, reduction", [(e, r) for e in EDGES for r in ("mean", "none")])
def test_at_torchs_kinks_symgrad_is_torch_exactly_compiled_and_twinned(edge, reduction):
    name, values = EDGES[edge]
    build, reference, variables, _ = CASES[name]
    loss = build(reduction)
    ours, theirs = _exact_rows(loss, variables, values), _torch_rows(reference, reduction, values)
    for (value, grad), (torch_value, torch_grad) in zip(ours, theirs):
        assert value == pytest.approx(torch_value, rel=1e-12, abs=1e-15)
        assert grad == pytest.approx(torch_grad, rel=1e-12, abs=1e-15)
    if reduction == "mean":
        at = dict(zip(variables, values))
        result = assert_gradient_matches(loss, list(variables), at, methods=("exact", "torch"), rtol=1e-12, atol=1e-15)
        walk = sg.backward(sg.Graph.from_expression(loss), list(variables))
        compiled, gradient = sg.compile_gradient(walk)({v.name: x for v, x in at.items()})
        assert [float(g) for g in gradient] == pytest.approx(result["torch"], rel=1e-12, abs=1e-15)
        assert float(compiled) == pytest.approx(theirs[0][0], rel=1e-12)


def test_gaussian_nll_with_a_tiny_variance_is_torchs_clamped_value_and_gradient():
    """Torch clamps the variance at eps under no_grad: the value is at eps, the gradient in the
    variance is the slope at eps (not 0, which central differences give)."""
    build, reference, variables, _ = CASES["gaussian_nll"]
    values = [1.5, -0.2, 0.3, 1e-9, 2.0, 0.0]
    loss = build("mean")
    for (value, grad), (torch_value, torch_grad) in zip(_exact_rows(loss, variables, values),
                                                        _torch_rows(reference, "mean", values)):
        assert value == pytest.approx(torch_value, rel=1e-12) and grad == pytest.approx(torch_grad, rel=1e-10)
    at = dict(zip(variables, values))
    result = assert_gradient_matches(loss, list(variables), at, methods=("exact", "torch"), rtol=1e-12)
    assert result["exact"][3] == pytest.approx((1 / 1e-6 - 1 / 1e-12) / 6, rel=1e-12)  # 0.5 (1/v - r^2/v^2) / 3
    walk = sg.backward(sg.Graph.from_expression(loss), list(variables))
    assert list(sg.compile_gradient(walk)({v.name: x for v, x in at.items()})[1]) == pytest.approx(result["torch"],
                                                                                                  rel=1e-12)
    assert sg.gaussian_nll(p1, 0, sp.Rational(1, 10 ** 9)) == (sp.log(sp.Rational(1, 10 ** 6)) + 10 ** 6 * p1 ** 2) / 2


# -- every consumer reads the registered kinks ---------------------------------------------------------

KINKED = [sg.l1(p1, q1), sg.huber(p1, q1, delta=2), sg.hinge(p1, -1), sg.cosine_embedding([p1, p2], [q1, q2], -1),
          sg.gaussian_nll(p1, q1, v1)]


@pytest.mark.parametrize("loss", KINKED, ids=["l1", "huber", "hinge", "cosine", "gaussian"])
def test_the_losses_and_their_gradients_read_back_from_json_trees(loss):
    gradient = sg.gradient(loss, [p1])[0]
    for expr in (loss, gradient):
        assert from_tree(json.loads(json.dumps(to_tree(expr)))) == expr


def test_the_derivation_prints_torchs_rules_by_name():
    tex = latex(sg.derive(sg.huber(p1, q1) + sg.l1(p2, q1) + sg.hinge(p3, -1), p1, at={p1: 2, p2: 0, p3: 1, q1: 0}))
    assert r"\operatorname{huber}'(u) = \operatorname{hardtanh}(u) = \operatorname{clip}(u, -1, 1)" in tex
    tex = latex(sg.derive(sg.l1(p2, q1) + sg.hinge(p3, -1), [p2, p3], at={p2: 0, p3: 1, q1: 0}))
    assert r"|x|' = \operatorname{sign}(x)" in tex
    assert r"\max(0, u)' = [u \geq 0] \quad \text{(torch's clamp\_min: 1 at 0)}" in tex
    assert sp.latex(sg.huber(p1, q1, delta=2)) == (r"4 \operatorname{huber}\left(\frac{p_{1}}{2} - "
                                                   r"\frac{q_{1}}{2}\right)")
    assert sp.latex(sg.l1(p1, q1)) == r"\left|{p_{1} - q_{1}}\right|"


def test_the_numpy_kernels_take_arrays_at_the_kinks():
    walk = sg.backward(sg.Graph.from_expression(sg.huber(p1, 0) + sg.l1(p2, 0) + sg.hinge(p3, -1)), [p1, p2, p3])
    values = {"p1": np.array([1.0, -0.5, 3.0]), "p2": np.array([0.0, -2.0, 1.0]), "p3": np.array([1.0, 0.0, 2.0])}
    output, (g1, g2, g3) = sg.compile_gradient(walk)(values)
    np.testing.assert_array_equal(output, [0.5 + 0 + 0, 0.125 + 2 + 1, 2.5 + 1 + 0])
    np.testing.assert_array_equal(g1, [1.0, -0.5, 1.0])
    np.testing.assert_array_equal(g2, [0.0, -1.0, 1.0])
    np.testing.assert_array_equal(g3, [-1.0, -1.0, 0.0])


# -- bad input ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("build, error, message", [
    (lambda: sg.l1([p1, p2], [1]), ShapeError, r"l1: 2 predictions but 1 targets"),
    (lambda: sg.huber([p1], [1, 2]), ShapeError, r"huber: 1 predictions but 2 targets"),
    (lambda: sg.margin_ranking([p1, p2], [q1], [1, 1]), ShapeError, "margin_ranking: 2 first inputs but 1 second"),
    (lambda: sg.gaussian_nll([p1, p2], [1, 2], [1, 2, 3]), ShapeError, "gaussian_nll: 2 predictions but 3 variances"),
    (lambda: sg.kl_div([p1, p2], [1]), ShapeError, "kl_div: 2 log-predictions but 1 targets"),
    (lambda: sg.cosine_embedding([p1, p2], [q1], 1), ShapeError, "2 entries in the first input but 1 in the second"),
    (lambda: sg.cosine_embedding([[p1], [p2]], [[q1], [q2]], [1]), ShapeError, "2 pairs but 1 targets"),
    (lambda: sg.mse([p1], [1], reduction="avg"), SymgradError,
     r"mse: unknown reduction 'avg': choose from 'mean', 'sum', 'none'$"),
    (lambda: sg.cross_entropy([p1, p2], 0, reduction="batchmean"), SymgradError, "cross_entropy: unknown reduction"),
    (lambda: sg.kl_div([p1], [1], reduction="average"), SymgradError, "'none', 'batchmean'"),
    (lambda: sg.hinge([p1], [0]), ShapeError, "hinge_embedding: a target must be 1 or -1, got 0"),
    (lambda: sg.cosine_embedding([p1], [q1], q2), ShapeError, "a target must be 1 or -1, got q2"),
    (lambda: sg.huber(p1, 0, delta=0), SymgradError, "huber: delta must be a positive number, got 0"),
    (lambda: sg.smooth_l1(p1, 0, beta=-1), SymgradError, "smooth_l1: beta must be a positive number, got -1"),
    (lambda: sg.gaussian_nll(p1, 0, -1), ShapeError, "gaussian_nll: the variance -1 is negative"),
    (lambda: sg.poisson_nll(p1, q1, full=True), SymgradError, "poisson_nll: full=True needs numeric targets"),
    (lambda: sg.l1([[p1]], [q1]), ShapeError, "scalar"),
])
def test_bad_input_is_a_one_line_error(build, error, message):
    with pytest.raises(error, match=message):
        build()


w, x, y = sp.symbols("w x y")


@pytest.mark.parametrize("loss, right, wrong", [
    (sg.huber(w * x, y), [r"x \operatorname{clip}(wx - y, -1, 1)", r"x \operatorname{huber}'(wx - y)"],
     r"\operatorname{clip}(wx - y, -1, 1)"),
    (sg.huber(w * x, y, delta=2), [r"2 x \operatorname{clip}(\frac{wx - y}{2}, -1, 1)",
                                   r"x \operatorname{clip}(wx - y, -2, 2)"], r"2 x \operatorname{clip}(wx - y, -1, 1)"),
    (sg.l1(w * x, y), [r"x([wx - y > 0] - [y - wx > 0])", r"\frac{x (wx - y)}{|wx - y|}",
                       r"x \operatorname{sign}(wx - y)"],
     r"x([y - wx > 0] - [wx - y > 0])"),
    (sg.hinge(w * x, -1, margin=2), [r"-x [2 - wx \geq 0]"], r"x [2 - wx \geq 0]"),
])
def test_students_may_type_what_symgrad_prints_for_the_losses(loss, right, wrong):
    """(The checker probes at random points: each wrong answer differs from the right one almost everywhere.)"""
    question = sg.Question.derivative(loss, w)
    for answer in right:
        assert question.check(answer).correct, answer
    assert not question.check(wrong).correct


def test_clip_with_numeric_bounds_is_hardtanh_and_bad_bounds_are_an_error():
    """Huber's slope is hardtanh, which a student may type as clip(u, a, b)."""
    assert sp.diff(losses.unit_huber(w), w) == sg.hardtanh(w)
    assert [sg.hardtanh(v, 0, 4) for v in (-1, 3, 5)] == [0, 3, 4]
    with pytest.raises(SettingError, match="hardtanh's min_val must be below its max_val, got 1 and -1"):
        sg.hardtanh(w, 1, -1)


u = sp.Symbol("u")
EPS = sp.Rational(1, 10 ** 6)
OPERATIONS = {  # each registered kink or clamp, at ordinary points and at its kink
    "clamp_min": (losses.clamp_min(u), [-1.5, 0.0, 0.25]),
    "unit_huber": (losses.unit_huber(u), [-1.5, -1.0, 0.0, 0.5, 1.0, 3.0]),
    "variance_clamp": (losses.variance_clamp(u, EPS), [1e-9, 1e-6, 0.5]),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_each_registered_kink_is_exact_numpy_and_torch_alike_with_torchs_slope_at_the_kink(name):
    """Value: exact = NumPy kernel = torch kernel; slope: exact = torch autograd of its kernel (at the
    kink too); away from the kink, central differences agree."""
    expr, points = OPERATIONS[name]
    op = sg.core.operations.operation(name)
    for point in points:
        exact_value = expr.xreplace({u: sg.exact(point)})
        slope = sp.diff(expr, u).xreplace({u: sg.exact(point)})
        ut = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        value = op.torch(torch, ut, *([float(EPS)] if name == "variance_clamp" else []))
        (grad,) = torch.autograd.grad(value, ut)
        kernel = op.numpy(np.float64(point), *([float(EPS)] if name == "variance_clamp" else []))
        assert float(exact_value) == float(kernel) == pytest.approx(value.item(), rel=1e-15, abs=0)
        assert float(slope) == pytest.approx(grad.item(), rel=1e-15, abs=0), (name, point)
        if abs(abs(point) - 1) > 0.1 and point not in (0.0, 1e-9, 1e-6):
            assert_gradient_matches(expr, [u], {u: point}, rtol=1e-10, atol=1e-12)


def test_the_huber_kernel_does_not_overflow_far_out():
    with np.errstate(over="raise", invalid="raise"):
        out = sg.core.operations.operation("unit_huber").numpy(np.array([1e300, -1e300, -0.5, 1.0]))
    np.testing.assert_array_equal(out, [1e300, 1e300, 0.125, 0.5])
