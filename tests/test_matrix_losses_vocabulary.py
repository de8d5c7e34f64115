"""Matrix mode's element-wise losses of the vocabulary (l1, smooth_l1, huber, kl_div, poisson_nll, bce):
each entry's term is scalar mode's own (symgrad.core.losses), so the rule is held exactly against
scalar mode's loss, and the NumPy program against torch's ``nn.XLoss`` in float64 to 1e-10 and
against central differences."""

import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad.core import losses
from symgrad.core.errors import DataError, GraphError, SymgradError
from symgrad.matrix import Program, arrays, derive, evaluate, exact
from symgrad.matrix import graph as mg
from symgrad.matrix.data import DataSet
from symgrad.matrix.latex import MatrixRenderer
from symgrad.matrix.loop import fit
from symgrad.matrix.network import Activation, Linear, Model, Network
from symgrad.matrix.rules import RULES, loss_scale, rule_of
from symgrad.numeric.optimizers import make_optimizer

# (loss, reduction, settings, the output layer's activation (None: the logits), what the targets are)
CASES = [
    ("l1", "mean", {}, None, "numbers"),
    ("l1", "sum", {}, "tanh", "numbers"),
    ("smooth_l1", "mean", {"beta": 0.5}, None, "numbers"),
    ("smooth_l1", "sum", {}, None, "numbers"),
    ("huber", "mean", {"delta": 2.0}, None, "numbers"),
    ("huber", "sum", {"delta": 0.25}, None, "numbers"),
    ("kl_div", "batchmean", {}, "log_softmax", "distributions"),
    ("kl_div", "mean", {}, "log_softmax", "distributions"),
    ("kl_div", "sum", {"log_target": True}, "log_softmax", "log-distributions"),
    ("poisson_nll", "mean", {}, None, "counts"),
    ("poisson_nll", "sum", {"log_input": False}, "softplus", "counts"),
    ("bce", "mean", {}, "sigmoid", "probabilities"),
    ("bce", "sum", {}, "sigmoid", "probabilities"),
    ("hinge_embedding", "mean", {}, None, "signs"),
    ("hinge_embedding", "sum", {"margin": 0.5}, "tanh", "signs"),
]
IDS = [f"{kind}-{reduction}-{'-'.join(f'{k}={v}' for k, v in settings.items())}"
       for kind, reduction, settings, *_ in CASES]


def _network(output, hidden=True):
    layers = [Linear(3, 4), Activation("tanh"), Linear(4, 2)] if hidden else [Linear(3, 2)]
    return Network(layers + ([Activation(output)] if output else []))


# -- the rule: scalar mode's term, printed with its settings and shapes ------------------------------

def test_every_loss_of_numeric_targets_has_a_rule():
    assert {"l1", "smooth_l1", "huber", "kl_div", "poisson_nll", "bce", "hinge_embedding"} <= set(mg.LOSSES) \
        <= set(RULES)
    assert set(mg.ENTRY_LOSSES) <= set(mg.LOSSES)


def _rows(derivation):
    return [r for b in MatrixRenderer().render(derivation) for r in b.rows]


def test_the_printed_rule_is_scalar_modes_term_with_its_setting_and_the_shapes():
    rows = _rows(derive(_network(None, hidden=False).loss("huber", "mean", delta=2.0)))
    forward = next(r for r in rows if r.lhs.startswith(r"\mathcal{L}"))
    assert r"4 \operatorname{huber}\left(\frac{Z_{1}}{2} - \frac{Y}{2}\right)" in forward.rhs.text
    backward = next(r for r in rows if r.lhs == r"\underset{N \times 2}{\delta_{Z_{1}}}")
    assert backward.rhs.text == (r"\frac{1}{N \cdot 2} \underset{N \times 2}{\left(2 \operatorname{hardtanh}"
                                  r"\left(\frac{Z_{1}}{2} - \frac{Y}{2}\right)\right)}")
    assert backward.note == r"\text{Huber loss}"


def test_a_default_setting_prints_as_scalar_mode_writes_it():
    node = mg.smooth_l1(mg.data("Z", 2), mg.targets("Y", 2))
    assert rule_of("smooth_l1", node).latex_backward["P"] == \
        r"$scale \left(\operatorname{hardtanh}\left($P - $Y\right)\right)"
    assert rule_of("l1", mg.l1(mg.data("Z", 2), mg.targets("Y", 2))).latex_forward == \
        r"$out = $scale \sum_{n,j} \left(\left|{$P - $Y}\right|\right)_{nj}"


@pytest.mark.parametrize("reduction, expected", [("mean", sp.Rational(1, 12)), ("sum", 1),
                                                 ("batchmean", sp.Rational(1, 4))])
def test_kl_divs_batchmean_divides_by_the_rows(reduction, expected):
    node = mg.kl_div(mg.data("Z", 3), mg.targets("Y", 3), reduction)
    assert loss_scale(exact, node, sp.zeros(4, 3)) == expected
    assert loss_scale(arrays, node, np.zeros((4, 3))) == float(expected)


# -- exactly scalar mode's loss and gradient ---------------------------------------------------------

BATCH = 2


def _symbols(name, rows, cols):
    return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True))


def _scalar_loss(kind, reduction, settings, output, x, weight, bias, y):
    """The same one-layer network and loss in scalar mode, row by row."""
    rows = [list(sg.linear(list(x.row(i)), sp.Matrix(weight), list(bias))) for i in range(x.rows)]
    if output in ("log_softmax", "softmax"):
        rows = [list(getattr(sg, output)(row)) for row in rows]
    elif output:
        rows = [[getattr(sg, output)(z) for z in row] for row in rows]
    targets = [list(y.row(i)) for i in range(y.rows)]
    if kind == "kl_div":
        return losses.kl_div(rows, targets, reduction, **settings)
    flat = lambda m: [e for row in m for e in row]  # noqa: E731
    return getattr(losses, kind)(flat(rows), flat(targets), reduction=reduction, **settings)


@pytest.mark.parametrize("kind, reduction, settings, output, targets", CASES, ids=IDS)
def test_the_rule_is_scalar_modes_loss_exactly(kind, reduction, settings, output, targets):
    derivation = derive(_network(output, hidden=False).loss(kind, reduction, **settings))
    x, weight, bias = sp.ImmutableMatrix([[1, -2, sp.Rational(1, 2)], [0, 3, -1]]), _symbols("W", 2, 3), \
        _symbols("b", 1, 2)
    y = sp.ImmutableMatrix([[sp.Rational(1, 3), sp.Rational(2, 3)], [1, 0]]) if targets != "numbers" else \
        _symbols("Y", BATCH, 2)
    if targets == "counts":
        y = sp.ImmutableMatrix([[2, 0], [1, 5]])
    if targets == "signs":
        y = sp.ImmutableMatrix([[1, -1], [-1, 1]])
    if targets == "log-distributions":
        y = y.applyfunc(lambda v: sp.log(v) if v else sp.Integer(-3))
    leaves = {n: {"data": x, "targets": y}.get(n.op) for n in derivation.leaves}
    leaves.update({derivation.node("W1"): weight, derivation.node("b1"): bias})
    matrix = evaluate(derivation, exact, leaves)
    scalar = _scalar_loss(kind, reduction, settings, output, x, weight, bias, y)
    assert sp.simplify(matrix.loss - scalar) == 0
    symbols = list(weight) + list(bias)
    walk = sg.backward(sg.Graph.from_expression(scalar), symbols)
    ours = list(matrix.gradient(derivation.node("W1"))) + list(matrix.gradient(derivation.node("b1")))
    for symbol, mine, expected in zip(symbols, ours, walk.gradient):
        assert sp.simplify(mine - expected) == 0, f"dL/d{symbol}"


def test_a_zero_target_of_kl_div_contributes_nothing_exactly_and_in_numpy():
    p, y = np.log(np.array([[0.25, 0.75]])), np.array([[0.0, 1.0]])
    node = mg.kl_div(mg.data("Z", 2), mg.targets("Y", 2), "sum")
    assert RULES["kl_div"].forward(arrays, node, (p, y), None) == pytest.approx(-np.log(0.75), rel=1e-15)
    exact_value = RULES["kl_div"].forward(exact, node, (sp.ImmutableMatrix([[sp.log(sp.Rational(1, 4)),
                                                                                sp.log(sp.Rational(3, 4))]]),
                                                            sp.ImmutableMatrix([[0, 1]])), None)
    assert sp.simplify(exact_value + sp.log(sp.Rational(3, 4))) == 0


# -- torch's nn losses, in float64, and central differences -------------------------------------------

torch = pytest.importorskip("torch")


def _data(targets, rng, n=7):
    x = rng.standard_normal((n, 3))
    if targets == "numbers":
        return x, rng.standard_normal((n, 2))
    if targets == "probabilities":
        return x, rng.uniform(0, 1, (n, 2))
    if targets == "counts":
        return x, rng.poisson(2.0, (n, 2)).astype(np.float64)
    if targets == "signs":
        return x, rng.choice([-1.0, 1.0], (n, 2))
    q = rng.uniform(0.1, 1, (n, 2))
    q[0, 0] = 0.0  # a zero probability: torch's xlogy gives 0 there
    q /= q.sum(axis=1, keepdims=True)
    return x, (np.log(q + 1e-3) if targets == "log-distributions" else q)


def _torch_loss_and_gradients(model, loss, x, y):
    from symgrad.matrix.torch_import import to_torch
    from symgrad.matrix.torch_twin import torch_criterion

    net = to_torch(model)
    value = torch_criterion(loss)(net(torch.from_numpy(x)), torch.from_numpy(y))
    value.backward()
    return value.item(), [p.grad.numpy() for p in net.parameters()]


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss:UserWarning")  # torch's, of kl_div
@pytest.mark.parametrize("kind, reduction, settings, output, targets", CASES, ids=IDS)
def test_loss_and_gradients_equal_torchs_in_float64(kind, reduction, settings, output, targets):
    rng = np.random.default_rng(len(kind) + len(reduction))
    model = Model.initialised(_network(output), seed=3, dtype="float64")
    program = Program(model, kind, reduction, **settings)
    x, y = _data(targets, rng)
    ours = program(x, y)
    theirs, gradients = _torch_loss_and_gradients(model, program.derivation.loss, x, y)
    assert ours == pytest.approx(theirs, rel=1e-10, abs=1e-12)
    for mine, reference in zip(program.gradients, gradients):
        np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind, reduction, settings, output, targets", CASES[::2], ids=IDS[::2])
def test_gradients_equal_central_differences(kind, reduction, settings, output, targets):
    model = Model.initialised(_network(output), seed=4, dtype="float64")
    program = Program(model, kind, reduction, **settings)
    x, y = _data(targets, np.random.default_rng(9))
    program(x, y)
    gradient, h = program.gradients[0].copy(), 1e-6
    weight = program.parameters[0]
    for index in [(0, 0), (2, 1), (3, 2)]:
        keep = weight[index]
        weight[index] = keep + h
        up = program.outputs(x, y)[0]
        weight[index] = keep - h
        down = program.outputs(x, y)[0]
        weight[index] = keep
        assert gradient[index] == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-9)


def test_fit_trains_with_a_huber_loss_as_torchs_loop():
    """``fit`` takes a program of any of the losses; here huber(delta=0.5), SGD, 3 epochs, against torch's loop."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (24, 3))
    y = np.stack([np.sin(x[:, 0]) + x[:, 1], np.cos(x[:, 2])], axis=1)
    model = Model.initialised(_network(None), seed=1, dtype="float64")
    from symgrad.matrix.torch_import import to_torch

    net = to_torch(model)
    program = Program(model, "huber", "mean", delta=0.5)
    history = fit(program, DataSet(x, y), make_optimizer("SGD", {"lr": 0.1}), epochs=3, batch_size=8,
                  shuffle=False, progress=False)
    optimizer, criterion, losses_ = torch.optim.SGD(net.parameters(), lr=0.1), torch.nn.HuberLoss(delta=0.5), []
    for _ in range(3):
        for start in range(0, 24, 8):
            optimizer.zero_grad()
            loss = criterion(net(torch.from_numpy(x[start:start + 8])), torch.from_numpy(y[start:start + 8]))
            loss.backward()
            optimizer.step()
            losses_.append(loss.item())
    np.testing.assert_allclose(history.step_losses, losses_, rtol=1e-10)
    assert history.epoch_losses[-1] < history.epoch_losses[0]  # it learns: the run compared moves
    for mine, reference in zip(program.parameters, net.parameters()):
        np.testing.assert_allclose(mine, reference.detach().numpy(), rtol=1e-10, atol=1e-12)


# -- bad input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("build, error, message", [
    (lambda z, y: mg.l1(z, y, "none"), GraphError,
     r"l1: reduction must be one of mean, sum in matrix mode \(its loss is a scalar; 'none' is scalar mode's\), "
     r"got 'none'"),
    (lambda z, y: mg.l1(z, y, "batchmean"), GraphError, "l1: reduction must be one of mean, sum in"),
    (lambda z, y: mg.entry_loss("huber", z, y, delta=1.0, beta=2.0), GraphError,
     r"huber: beta is not a setting of it \(its settings: delta\)"),
    (lambda z, y: mg.huber(z, y, delta=-1.0), SymgradError, "huber: delta must be a positive number, got -1"),
    (lambda z, y: mg.entry_loss("hinge", z, y), GraphError, "unknown element-wise loss 'hinge'"),
    (lambda z, y: mg.bce(z, mg.classes("y", 2)), GraphError, r"bce: the target must be a targets node, got y"),
])
def test_bad_losses(build, error, message):
    with pytest.raises(error, match=message):
        build(mg.data("Z", 2), mg.targets("Y", 2))


def test_an_unknown_loss_of_a_network_names_the_new_ones():
    with pytest.raises(GraphError, match="unknown loss 'hinge': choose from .*l1, smooth_l1, huber, kl_div, "
                                         "poisson_nll, bce, hinge_embedding"):
        _network(None).loss("hinge")


def test_bce_targets_must_be_probabilities():
    program = Program(Model.initialised(_network("sigmoid"), dtype="float64"), "bce")
    with pytest.raises(DataError, match=r"Y must hold probabilities from 0 to 1 \(the loss bce\), got 0 to 2"):
        program(np.zeros((2, 3)), np.array([[0.0, 1.0], [2.0, 0.5]]))


def test_hinge_embeddings_targets_must_be_1_or_minus_1():
    program = Program(Model.initialised(_network(None), dtype="float64"), "hinge_embedding")
    with pytest.raises(DataError, match=r"Y must hold 1 or -1 \(the loss hinge_embedding\), got -1, 0, 1"):
        program(np.zeros((2, 3)), np.array([[0.0, 1.0], [-1.0, 1.0]]))


def test_hinge_embeddings_rule_prints_a_branch_for_each_target():
    node = mg.hinge_embedding(mg.data("Z", 2), mg.targets("Y", 2), margin=0.5)
    assert rule_of("hinge_embedding", node).latex_backward["P"] == (
        r"$scale \left(\left[$Y = 1\right] \left(1\right) + \left[$Y = -1\right] \left(- \left[\frac{1}{2} "
        r"\geq $P\right]\right)\right)")


def test_evaluation_mode_keeps_the_losss_settings():
    from symgrad.matrix.network import Dropout

    model = Model.initialised(Network([Linear(3, 4), Dropout(0.5), Linear(4, 2)]), dtype="float64")
    program = Program(model, "huber", "sum", delta=0.5).evaluation()
    assert program.derivation.loss.options == (("reduction", "sum"), ("delta", 0.5))
