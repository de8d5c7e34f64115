import json

import numpy as np
import pytest
import sympy as sp

import symgrad as sg
import symgrad.explain.latex
import symgrad.testing
from symgrad import ShapeError
from symgrad.core.serialize import from_tree, to_tree
from symgrad.testing.assertions import assert_gradient_matches

torch = pytest.importorskip("torch")
F = torch.nn.functional

p1, p2, p3, t1, t2, t3 = sp.symbols("p1 p2 p3 t1 t2 t3")
a, b, c, d, e, f = sp.symbols("a b c d e f")


def _torch_value_and_grad(fn, values):
    tensors = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    out = fn(*tensors)
    grads = torch.autograd.grad(out, tensors)
    return float(out.detach()), [float(g) for g in grads]


def _ours(expr, variables, values):
    point = dict(zip(variables, values))
    walk = sg.backward(sg.Graph.from_expression(expr), variables).at(point)
    return float(walk.output.evalf(30)), [float(g.evalf(30)) for g in walk.gradient]


# (symgrad loss, the same loss in torch, variables, values)
AGAINST_TORCH = [
    (sg.mse([p1, p2, p3], [t1, t2, t3]),
     lambda *v: F.mse_loss(torch.stack(v[:3]), torch.stack(v[3:])),
     [p1, p2, p3, t1, t2, t3], [0.5, -1.0, 2.0, 1.0, 0.0, 2.5]),
    (sg.sse([p1, p2], [t1, t2]),
     lambda *v: F.mse_loss(torch.stack(v[:2]), torch.stack(v[2:]), reduction="sum"),
     [p1, p2, t1, t2], [0.5, -1.0, 1.0, 3.0]),
    (sg.bce([p1, p2], [t1, t2]),
     lambda *v: F.binary_cross_entropy(torch.stack(v[:2]), torch.stack(v[2:])),
     [p1, p2, t1, t2], [0.3, 0.9, 1.0, 0.0]),
    (sg.bce_with_logits([p1, p2], [t1, t2]),
     lambda *v: F.binary_cross_entropy_with_logits(torch.stack(v[:2]), torch.stack(v[2:])),
     [p1, p2, t1, t2], [2.0, -30.0, 1.0, 0.25]),
    (sg.nll([a, b, c], 1),
     lambda *v: F.nll_loss(torch.stack(v)[None, :], torch.tensor([1])),
     [a, b, c], [-0.5, -1.5, -2.0]),
    (sg.cross_entropy([a, b, c], 2),
     lambda *v: F.cross_entropy(torch.stack(v)[None, :], torch.tensor([2])),
     [a, b, c], [0.5, -1.0, 3.0]),
    (sg.cross_entropy([[a, b, c], [d, e, f]], [0, 2]),
     lambda *v: F.cross_entropy(torch.stack(v).reshape(2, 3), torch.tensor([0, 2])),
     [a, b, c, d, e, f], [0.5, -1.0, 3.0, 100.0, -50.0, 99.0]),
]


@pytest.mark.parametrize("loss, reference, variables, values", AGAINST_TORCH,
                         ids=["mse", "sse", "bce", "bce_with_logits", "nll", "cross_entropy", "ce_batch"])
def test_losses_are_torchs_losses(loss, reference, variables, values):
    ours_value, ours_grad = _ours(loss, variables, values)
    torch_value, torch_grad = _torch_value_and_grad(reference, values)
    assert ours_value == pytest.approx(torch_value, rel=1e-12)
    assert ours_grad == pytest.approx(torch_grad, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("loss, variables, values", [(l, v, x) for l, _, v, x in AGAINST_TORCH],
                         ids=["mse", "sse", "bce", "bce_with_logits", "nll", "cross_entropy", "ce_batch"])
def test_losses_three_ways(loss, variables, values):
    assert_gradient_matches(loss, variables, dict(zip(variables, values)), rtol=1e-10, atol=1e-10)


def test_the_mean_stays_visible_as_one_factor():
    loss = sg.mse([p1, p2], [t1, t2])
    assert loss.args == (sp.Rational(1, 2), (p1 - t1) ** 2 + (p2 - t2) ** 2)
    assert sp.latex(loss) == r"\frac{\left(p_{1} - t_{1}\right)^{2} + \left(p_{2} - t_{2}\right)^{2}}{2}"


@pytest.mark.parametrize("build, message", [
    (lambda: sg.mse([p1, p2], [t1]), "2 predictions but 1 targets"),
    (lambda: sg.nll([a, b], 2), "class index from 0 to 1"),
    (lambda: sg.nll([a, b], 0.5), "class index"),
    (lambda: sg.cross_entropy([[a, b], [c, d]], [0]), "2 samples but 1 targets"),
    (lambda: sg.mse([[p1, p2]], [t1]), "scalar"),
])
def test_bad_loss_arguments(build, message):
    with pytest.raises(ShapeError, match=message):
        build()


# -- bce's logs, clamped at -100 as nn.BCELoss clamps them ------------------------------------------

z, w, x, y = sp.symbols("z w x y")


def _bce_by_torch(z_value, y_value):
    """nn.BCELoss of sigmoid(z) and its gradient in z, by torch in float64."""
    zt = torch.tensor(float(z_value), dtype=torch.float64, requires_grad=True)
    loss = torch.nn.BCELoss()(torch.sigmoid(zt), torch.tensor(float(y_value), dtype=torch.float64))
    loss.backward()
    return loss.item(), zt.grad.item()


@pytest.mark.parametrize("z_value", [1000, -1000, 40, -800])  # sigma(z) is exactly 1 or 0 in float64
@pytest.mark.parametrize("y_value", [0, 1, sp.Rational(3, 10)])
def test_bce_of_a_saturated_sigmoid_is_torchs_loss_and_gradient_in_float64(z_value, y_value):
    """sigma(1000) is 1 in float64, so torch's BCELoss is 100 times the target's weight on the lost
    log, and its gradient 0: symgrad's compiled loss and gradient and its torch twin give the same,
    not NaN."""
    loss, grad = _bce_by_torch(z_value, y_value)
    walk = sg.backward(sg.Graph.from_expression(sg.bce(sg.sigmoid(z), y)), [z])
    compiled, (gradient,) = sg.compile_gradient(walk)({"z": float(z_value), "y": float(y_value)})
    assert float(compiled) == pytest.approx(loss, rel=1e-15, abs=1e-300)
    assert float(gradient) == pytest.approx(grad, rel=1e-15, abs=1e-300)
    twin = sg.testing.torch_gradient(sg.bce(sg.sigmoid(z), y), [z], {z: z_value, y: y_value})
    assert twin == pytest.approx((grad,), rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("y_value", [0, 1, sp.Rational(3, 10)])
def test_bce_at_plus_minus_1000_exactly_is_torchs_clamped_loss(y_value):
    """Exactly, log(1 - sigma(1000)) is about -1000: clamped to -100, with slope 0 (the other log,
    about -e^{-1000}, is not clamped)."""
    for z_value, lost, kept in ((1000, 1 - y_value, y_value * sp.log(sg.sigmoid(1000))),
                                (-1000, y_value, (1 - y_value) * sp.log(1 - sg.sigmoid(-1000)))):
        loss, grad = _bce_by_torch(z_value, y_value)
        at = sg.backward(sg.Graph.from_expression(sg.bce(sg.sigmoid(z), y)), [z]).at({z: z_value, y: y_value})
        assert at.output == 100 * lost - kept and float(at.output) == pytest.approx(loss, rel=1e-15)
        assert assert_gradient_matches(sg.bce(sg.sigmoid(z), y), [z], at={z: z_value, y: y_value},
                                       rtol=1e-12, atol=1e-300)["exact"] == pytest.approx((grad,), abs=1e-300)


@pytest.mark.parametrize("p_value, y_value, loss", [(0, 1, 100), (1, 0, 100), (0, 0, 0), (1, 1, 0),
                                                    (0, sp.Rational(3, 10), 30)])
def test_bce_of_a_probability_of_exactly_0_or_1_is_torchs_loss_with_finite_gradients(p_value, y_value, loss):
    p = sp.Symbol("p")
    assert float(F.binary_cross_entropy(torch.tensor(float(p_value), dtype=torch.float64),
                                        torch.tensor(float(y_value), dtype=torch.float64))) == loss
    walk = sg.backward(sg.Graph.from_expression(sg.bce(p, y)), [p])
    exact = walk.at({p: p_value, y: y_value})
    assert exact.output == loss
    # the derivative of the clamped loss: only the log that is not clamped has a slope (of -y/p + (1-y)/(1-p))
    slope = 1 - y_value if p_value == 0 else -y_value
    assert exact.gradient == (slope,)
    compiled, (gradient,) = sg.compile_gradient(walk)({"p": float(p_value), "y": float(y_value)})
    assert (float(compiled), float(gradient)) == (loss, float(slope))


def test_the_clamped_log_is_the_exact_log_of_a_number_above_the_clamp_and_minus_100_below():
    clamped_log, slope, unclamped = (sg.core.losses.clamped_log, sg.core.losses.clamped_log_slope,
                                     sg.core.losses.log_unclamped)
    assert clamped_log(sp.Rational(1, 2)) == -sp.log(2) and slope(sp.Rational(1, 2)) == 2
    assert clamped_log(sg.sigmoid(3)) == sp.log(sg.sigmoid(3)) and slope(sg.sigmoid(3)) == 1 / sg.sigmoid(3)
    assert clamped_log(sp.exp(-100)) == -100 and slope(sp.exp(-100)) == sp.exp(100)  # at the clamp: 1/x
    assert unclamped(sp.exp(-100)) == 1
    for below in (sp.exp(-101), sp.S.Zero, 1 - sg.sigmoid(1000), sg.sigmoid(-1000)):
        assert (clamped_log(below), slope(below), unclamped(below)) == (-100, 0, 0)
    p = sp.Symbol("p")
    assert type(clamped_log(p)) is clamped_log and sp.diff(clamped_log(p), p) == slope(p)
    assert sp.diff(slope(p), p) == -slope(p) ** 2 and sp.diff(unclamped(p), p) == 0


def test_the_clamps_gradient_passes_at_minus_100_as_torchs_clamp_does():
    """In float64 log(3.7200759760208356e-44) is exactly -100: torch's clamp(min=-100) passes the
    gradient 1/p there; below it, none."""
    p = sp.Symbol("p")
    walk = sg.backward(sg.Graph.from_expression(sg.core.losses.clamped_log(p)), [p])
    for value in (3.7200759760208356e-44, 1e-44, 0.0, 0.25):
        pt = torch.tensor(value, dtype=torch.float64, requires_grad=True)
        torch.log(pt).clamp(min=-100).backward()
        expected = 0.0 if value == 0 else pt.grad.item()  # torch's own log is NaN at 0: 0 * (1/0)
        output, (gradient,) = sg.compile_gradient(walk)({"p": value})
        assert (float(output), float(gradient)) == (max(np.log(value) if value else -np.inf, -100), expected)
        assert sg.testing.torch_gradient(sg.core.losses.clamped_log(p), [p], {p: value}) == (expected,)


def test_where_p_1_p_is_below_1e_12_torchs_backward_is_not_the_derivative_of_its_loss():
    """BCELoss's backward divides by max(p(1 - p), 1e-12): at z = -40 (p = 4e-18, no log clamped) its
    gradient is 4e-6 times sigma(z) - y; symgrad's is the derivative, as autograd of the clamped logs."""
    loss, grad = _bce_by_torch(-40, 1)
    assert loss == 40.0 and grad == pytest.approx(-4.2483542722671745e-06, rel=1e-12)
    assert assert_gradient_matches(sg.bce(sg.sigmoid(z), y), [z], at={z: -40, y: 1})["torch"] == (-1.0,)


def test_bce_three_ways_where_the_clamp_is_inactive_and_torchs_bceloss():
    loss = sg.bce(sg.sigmoid(w * x + z), y)
    at = {w: 0.3, z: -0.1, x: 2.0, y: 1}
    assert_gradient_matches(loss, [w, z], at=at, rtol=1e-9)
    wt, zt = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.3, -0.1))
    value = torch.nn.BCELoss()(torch.sigmoid(wt * 2.0 + zt), torch.tensor(1.0, dtype=torch.float64))
    value.backward()
    ours, gradient = _ours(loss, [w, z, x, y], [sp.Rational(3, 10), sp.Rational(-1, 10), 2, 1])
    assert [ours, *gradient[:2]] == pytest.approx([value.item(), wt.grad.item(), zt.grad.item()], rel=1e-14)


def test_bce_prints_torchs_clamp_and_its_rule_says_so():
    p = sp.Symbol("p")
    g = sg.Graph()
    q = g.define("p", sg.sigmoid(w * x + z))
    g.define("L", sg.bce(q, y))
    tex = sg.explain.latex.latex(sg.derive(g, w))
    assert r"\max\left(\log{\left(p \right)}, -100\right)" in tex
    assert r"\max(\log x, -100)' = [\log x \geq -100] / x \quad \text{(torch's clamp)}" in tex
    assert sp.latex(sg.core.losses.clamped_log_slope(p)) == r"\frac{\left[\log{\left(p \right)} \geq -100\right]}{p}"


def test_a_bce_question_accepts_logs_and_its_key_reads_back():
    """A student writes \\log for bce's clamped log: the checker compares where the clamp is inactive."""
    loss = sg.bce(sg.sigmoid(w * x + z), y)
    by_target = sg.Question.derivative(loss, y)
    assert by_target.check(r"\log(1 - \sigma(wx + z)) - \log \sigma(wx + z)").correct
    assert not by_target.check(r"\log \sigma(wx + z) - \log(1 - \sigma(wx + z))").correct
    assert sg.Question.derivative(loss, w).check(r"(\sigma(wx + z) - y) x").correct
    text = json.dumps(to_tree(loss))
    assert '{"op": "clamped_log", "args": [{"op": "sigmoid"' in text and from_tree(json.loads(text)) == loss
    gradient = sg.backward(sg.Graph.from_expression(loss), [w]).gradient[0]
    assert from_tree(json.loads(json.dumps(to_tree(gradient)))) == gradient


def test_the_printed_bce_derivative_reads_back_through_the_answer_checker():
    """What symgrad prints, brackets [\\log p \\geq -100] and all, a student may type."""
    loss = sg.bce(sg.sigmoid(w * x + z), y)
    printed = sg.explain.latex.LatexRenderer(sg.Graph.from_expression(loss)).value_piece(sg.partial(loss, w)).text
    assert r"\geq -100\right]" in printed
    question = sg.Question.derivative(loss, w)
    assert question.check(printed).correct
    assert question.check(r"x \left(\sigma(wx + z) \left[\log(1 - \sigma(wx + z)) \geq -100\right] - y\right)").correct
    assert question.check(r"\log \sigma(wx + z) \geq -100").mistake == "unparseable"
