"""Matrix mode's dropout next to torch's: the masks torch's CPU nn.Dropout draws (TorchMasks), given
masks, evaluation mode as the identity, nn.Dropout / nn.Flatten through from_torch and to_torch, the
printed rule, and a training run whose float64 parameters equal torch's after each step."""

import numpy as np
import pytest

from symgrad import SymgradError
from symgrad.core.errors import GraphError, ShapeError
from symgrad.matrix import Activation, Dropout, Linear, Model, Network, Program, TorchMasks, derive
from symgrad.matrix import graph as mg
from symgrad.matrix.latex import MatrixRenderer
from symgrad.matrix.torch_import import from_torch, to_torch
from symgrad.numeric.optimizers import make_optimizer

torch = pytest.importorskip("torch")
nn = torch.nn


def _net(dtype=torch.float64):
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(5, 8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 6), nn.Tanh(),
                         nn.Dropout(0.5), nn.Linear(6, 3)).to(dtype)


def _data(dtype="float64", rows=7):
    rng = np.random.default_rng(1)
    return rng.normal(size=(rows, 5)).astype(dtype), rng.integers(0, 3, rows)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_masks_are_the_masks_of_torchs_cpu_dropout(dtype):
    x = torch.from_numpy(_data(dtype)[0])
    torch.manual_seed(11)
    theirs = nn.Dropout(0.3)(x).numpy()
    mask = TorchMasks(11)(mg.mask("M", 5, 0.3), 7, dtype)
    assert mask.dtype == dtype and set(np.unique(mask)) == {0, 1}
    assert np.array_equal(theirs, x.numpy() * (mask / np.dtype(dtype).type(0.7)))  # bit for bit


def test_from_torch_reads_dropout_and_flatten_and_to_torch_writes_dropout_back():
    net = _net()
    model = from_torch(net)
    assert model.network.layers == (Linear(5, 8), Activation("relu"), Dropout(0.3), Linear(8, 6), Activation("tanh"),
                                    Dropout(0.5), Linear(6, 3))
    twin = to_torch(model)
    assert [type(m) for m in twin] == [type(m) for m in net][1:]  # Flatten is the identity on N x k rows
    assert [m.p for m in twin if isinstance(m, nn.Dropout)] == [0.3, 0.5]


def test_a_run_with_torchs_masks_has_torchs_loss_and_gradients():
    net, (x, y) = _net(), _data()
    program = Program(from_torch(net), "cross_entropy", masks=TorchMasks(5))
    torch.manual_seed(5)
    loss = nn.CrossEntropyLoss()(net(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    assert program(x, y) == pytest.approx(loss.item(), rel=1e-14)
    for ours, theirs in zip(program.gradients, net.parameters()):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_fifty_sgd_steps_with_momentum_follow_torch_to_1e_10():
    net, (x, y) = _net(), _data(rows=16)
    model = from_torch(net)
    program = Program(model, "cross_entropy", masks=TorchMasks(3))
    options = {"lr": 0.1, "momentum": 0.9}
    ours, theirs = make_optimizer("SGD", options), torch.optim.SGD(net.parameters(), **options)
    torch.manual_seed(3)
    for step in range(50):
        batch = slice(8 * (step % 2), 8 * (step % 2) + 8)
        program(x[batch], y[batch])
        ours.step(program.parameters, program.gradients)
        theirs.zero_grad()
        nn.CrossEntropyLoss()(net(torch.from_numpy(x[batch])), torch.from_numpy(y[batch])).backward()
        theirs.step()
        for mine, reference in zip(program.parameters, net.parameters()):
            reference = reference.detach().numpy()
            assert np.abs(mine - reference).max() <= 1e-10 * np.abs(reference).max(), f"step {step + 1}"


def test_out_of_training_a_dropout_is_the_identity_as_in_torchs_eval_mode():
    net, (x, y) = _net(), _data()
    loss, output = Program(from_torch(net), "cross_entropy", training=False).outputs(x, y)
    net.eval()
    np.testing.assert_allclose(output, net(torch.from_numpy(x)).detach().numpy(), rtol=1e-13)
    assert not any(n.op == "mask" for n in from_torch(net).derivation("cross_entropy", training=False).leaves)


def test_a_given_mask_is_used_for_every_batch():
    model = Model.initialised(Network([Linear(2, 3), Dropout(0.5), Linear(3, 1)]), dtype="float64")
    mask = np.array([[1, 0, 1], [0, 0, 1]])
    program = Program(model, "mse", masks={"M1": mask})
    x, y = np.array([[1.0, 2.0], [3.0, -1.0]]), np.zeros((2, 1))
    _, output = program.outputs(x, y)
    w1, b1, w2, b2 = model.parameters.values()
    np.testing.assert_allclose(output, ((x @ w1.T + b1) * mask * 2) @ w2.T + b2, rtol=1e-14)


@pytest.mark.parametrize("masks, error, message", [
    ({}, SymgradError, r"no mask is given for M1 \(masks has none\)"),
    ({"M1": np.ones((2, 2))}, ShapeError, "the mask M1 must be 2 x 3, got 2 x 2"),
    ({"M1": np.full((2, 3), 0.5)}, SymgradError, "the mask M1 must hold zeros and ones only"),
])
def test_bad_masks_are_named(masks, error, message):
    model = Model.initialised(Network([Linear(2, 3), Dropout(0.5), Linear(3, 1)]), dtype="float64")
    with pytest.raises(error, match=message):
        Program(model, "mse", masks=masks)(np.ones((2, 2)), np.zeros((2, 1)))


@pytest.mark.parametrize("build, error, message", [
    (lambda: Dropout(1.0), GraphError, r"p must be a number in \[0, 1\), got 1.0"),
    (lambda: mg.dropout(mg.data("X", 3), mg.data("M", 3), name="D"), ShapeError,
     "dropout D: the mask must be a mask node of X's shape N x 3, got M \\(data, N x 3\\)"),
])
def test_bad_dropouts_are_named(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_the_printed_rule_has_the_mask_and_the_factor_1_over_1_minus_p():
    loss = Network([Linear(3, 4), Activation("relu"), Dropout(0.25), Linear(4, 2)]).loss("cross_entropy")
    rows = {r.lhs: (r.rhs.text, r.note) for b in MatrixRenderer().render(derive(loss)) for r in b.rows}
    u = lambda shape, latex: r"\underset{%s}{%s}" % (shape, latex)  # noqa: E731
    assert rows[u(r"N \times 4", "D_{1}")] == (
        r"\frac{4}{3} " + u(r"N \times 4", "A_{1}") + r" \odot " + u(r"N \times 4", "M_{1}"), "")
    assert rows[u(r"N \times 4", r"\delta_{A_{1}}")] == (
        r"\frac{4}{3} " + u(r"N \times 4", r"\delta_{D_{1}}") + r" \odot " + u(r"N \times 4", "M_{1}"),
        r"\text{dropout}")


def test_float32_losses_follow_torch_to_1e_4():
    net, (x, y) = _net(torch.float32), _data("float32", rows=16)
    program = Program(from_torch(net), "cross_entropy", masks=TorchMasks(9))
    ours, theirs = make_optimizer("SGD", {"lr": 0.1}), torch.optim.SGD(net.parameters(), lr=0.1)
    torch.manual_seed(9)
    for step in range(20):
        batch = slice(8 * (step % 2), 8 * (step % 2) + 8)
        loss = program(x[batch], y[batch])
        ours.step(program.parameters, program.gradients)
        theirs.zero_grad()
        reference = nn.CrossEntropyLoss()(net(torch.from_numpy(x[batch])), torch.from_numpy(y[batch]))
        reference.backward()
        theirs.step()
        assert loss == pytest.approx(reference.item(), rel=1e-4), f"step {step + 1}"


def test_a_training_run_with_dropout_follows_torchs_and_measures_accuracy_out_of_training():
    pytest.importorskip("sklearn")
    from symgrad.matrix.loop import accuracy
    from symgrad.matrix.torch_twin import symgrad_trace, torch_trace
    from symgrad.matrix.training import MatrixTraining
    from symgrad.twin.comparison import difference

    network = Network([Linear(784, 16), Activation("relu"), Dropout(0.2), Linear(16, 10)])
    spec = MatrixTraining(network, loss="cross_entropy", options={"lr": 0.1, "momentum": 0.9}, batch_size=500,
                          seed=2)
    ours, theirs = symgrad_trace(spec, "float64", 2), torch_trace(spec, "float64", 2)
    assert len(ours.losses) == 6 and difference([ours.losses], [theirs.losses])[1] < 1e-12
    assert difference(sum(ours.parameters, []), sum(theirs.parameters, []))[1] < 1e-10
    program, test = spec.program("float64"), spec.datasets()[1]
    assert not any(n.op == "mask" for n in program.evaluation().derivation.leaves)
    plain = Program(Model.initialised(Network([Linear(2, 2)])), "cross_entropy")
    assert plain.evaluation() is plain
    net = to_torch(program.model).eval()
    inputs = torch.from_numpy(np.asarray(test.inputs, dtype="float64"))
    expected = (net(inputs).argmax(1).numpy() == test.classes).mean()
    assert accuracy(program, test) == expected


def test_without_torch_numpy_draws_the_masks_from_the_seed(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "torch", None)  # import torch fails
    node = mg.mask("M", 6, 0.25)
    mask = TorchMasks(4)(node, 500, "float32")
    expected = (np.random.default_rng(4).random((500, 6)) < 0.75).astype("float32")
    assert mask.dtype == np.float32 and np.array_equal(mask, expected)


def test_a_networks_description_names_its_dropouts():
    from symgrad.matrix.reports import network_shape

    network = Network([Linear(4, 3), Activation("relu"), Dropout(0.2), Linear(3, 2), Activation("log_softmax")])
    assert network_shape(network) == "4-3-2 (relu, dropout 0.2, log_softmax)"
