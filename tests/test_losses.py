import pytest
import sympy as sp

import symgrad as sg
from symgrad import ShapeError
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
