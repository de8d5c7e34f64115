"""Matrix-mode batch norm (training mode) and layer norm: gradients against torch autograd (float64,
1e-10) and central differences, from_torch/to_torch with parameters and buffers, their printed
rules, bad input, and an MLP with BatchNorm1d trained by symgrad and by torch step for step.
(Their rules are held exactly against scalar mode in test_matrix_exact.py.)"""

import numpy as np
import pytest

from symgrad import GraphError, NoDerivativeRuleError, ShapeError
from symgrad.matrix import Activation, Linear, Network, Program, derive
from symgrad.matrix import graph as mg
from symgrad.matrix.data import DataSet
from symgrad.matrix.latex import MatrixRenderer
from symgrad.matrix.loop import fit
from symgrad.matrix.network import BatchNorm1d, LayerNorm, Model
from symgrad.matrix.reports import network_shape
from symgrad.matrix.torch_import import from_torch, to_torch
from symgrad.numeric.optimizers import make_optimizer
from symgrad.numeric.training import DataOrder

torch = pytest.importorskip("torch")
nn = torch.nn


def _net(norm, affine_values=True):
    torch.manual_seed(3)
    net = nn.Sequential(nn.Linear(5, 6), norm(6), nn.Tanh(), nn.Linear(6, 6), nn.LayerNorm(6), nn.ReLU(),
                        nn.Linear(6, 3)).double()
    if affine_values:  # gamma and beta away from 1 and 0, so their gradients are tested
        with torch.no_grad():
            for module in net:
                if isinstance(module, (nn.BatchNorm1d, nn.LayerNorm)):
                    module.weight.uniform_(0.5, 1.5)
                    module.bias.uniform_(-0.5, 0.5)
    return net


@pytest.mark.parametrize("norm", [nn.BatchNorm1d, nn.LayerNorm])
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_gradients_and_running_statistics_equal_torch_in_float64(norm, loss):
    net = _net(norm)
    model = from_torch(net)
    program = Program(model, loss, "mean")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((7, 5)) * 3 + 1
    y = rng.integers(0, 3, 7) if loss == "cross_entropy" else rng.standard_normal((7, 3))
    ours = program(x, y)
    criterion = nn.CrossEntropyLoss() if loss == "cross_entropy" else nn.MSELoss()
    theirs = criterion(net(torch.from_numpy(x)), torch.from_numpy(y))
    theirs.backward()
    assert ours == pytest.approx(theirs.item(), rel=1e-12)
    for mine, p in zip(program.gradients, net.parameters(), strict=True):
        np.testing.assert_allclose(mine, p.grad.numpy(), rtol=1e-10, atol=1e-13)
    buffers = dict(net.named_buffers())
    assert len(model.buffers) == len(buffers) == (3 if norm is nn.BatchNorm1d else 0)
    for key, value in buffers.items():
        np.testing.assert_allclose(model.buffers[f"H1.{key.split('.')[1]}"], value.numpy(), rtol=1e-12)


@pytest.mark.parametrize("norm", [BatchNorm1d(4), LayerNorm(4)])
def test_gradients_equal_central_differences(norm):
    model = Model.initialised(Network([Linear(3, 4), norm, Activation("sigmoid"), Linear(4, 2)]), seed=2,
                              dtype="float64")
    rng = np.random.default_rng(0)
    for name in ("gamma1", "beta1"):
        model.parameters[name][...] = rng.uniform(0.5, 1.5, 4)
    program = Program(model, "cross_entropy")
    x, y = rng.standard_normal((5, 3)), np.array([0, 1, 1, 0, 1])
    program(x, y)
    for array, gradient in zip(program.parameters, program.gradients):
        for index in np.ndindex(array.shape):
            saved, h = array[index], 1e-6
            array[index] = saved + h
            up = program.outputs(x, y)[0]
            array[index] = saved - h
            down = program.outputs(x, y)[0]
            array[index] = saved
            assert gradient[index] == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-9)


def test_from_torch_copies_parameters_and_buffers_and_to_torch_gives_them_back():
    net = _net(nn.BatchNorm1d)
    with torch.no_grad():
        net[1].running_mean.uniform_(-1, 1)
        net[1].running_var.uniform_(1, 2)
        net[1].num_batches_tracked.fill_(7)
    net[1].momentum = 0.25
    model = from_torch(net)
    assert list(model.parameters) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    assert model.network.layers[1] == BatchNorm1d(6, 1e-5, 0.25) and model.network.layers[4] == LayerNorm(6)
    assert int(model.buffers["H1.num_batches_tracked"]) == 7
    back = to_torch(model)
    assert [type(m) for m in back] == [type(m) for m in net] and back[1].momentum == 0.25
    for (name, a), b in zip(net.state_dict().items(), back.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


@pytest.mark.parametrize("module, message", [
    (nn.BatchNorm1d(4, affine=False), "layer 1 \\(BatchNorm1d\\): matrix mode's BatchNorm1d has affine=True"),
    (nn.BatchNorm1d(4, track_running_stats=False), "track_running_stats=False"),
    (nn.BatchNorm1d(4, momentum=None), "momentum=None"),
    (nn.LayerNorm((2, 2)), "layer 1 \\(LayerNorm\\): matrix mode's LayerNorm is over one dimension"),
    (nn.LayerNorm(4, elementwise_affine=False), "elementwise_affine=False"),
    (nn.BatchNorm2d(4, affine=False), "layer 1 \\(BatchNorm2d\\): matrix mode's BatchNorm2d has affine=True"),
])
def test_from_torch_refuses_what_it_does_not_compute(module, message):
    with pytest.raises(NoDerivativeRuleError, match=message):
        from_torch(nn.Sequential(nn.Linear(3, 4), module))


@pytest.mark.parametrize("build, error, message", [
    (lambda: Network([Linear(3, 4), BatchNorm1d(5)]), ShapeError, r"BatchNorm1d\(5\) follows a layer with 4 outputs"),
    (lambda: BatchNorm1d(4, momentum=0), GraphError, "momentum must be a positive number, got 0"),
    (lambda: LayerNorm(4, eps=-1.0), GraphError, "LayerNorm's eps must be a positive number, got -1.0"),
    (lambda: mg.layer_norm(mg.data("X", 3), mg.parameter("g", 2), mg.parameter("b", 3), name="H"), ShapeError,
     "layer_norm H: gamma g must have 3 entries, got the shape 2"),
    (lambda: Model(Network([Linear(2, 3), BatchNorm1d(3)]), {"W1": np.zeros((3, 2)), "b1": np.zeros(3),
                   "gamma1": np.ones(3), "beta1": np.zeros(3)}, {"H1.running_mean": np.zeros(2)}), ShapeError,
     r"H1.running_mean must have the shape \(3,\), got \(2,\)"),
])
def test_bad_layers(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_batch_norm_needs_two_samples_in_a_batch():
    program = Program(Model.initialised(Network([Linear(2, 3), BatchNorm1d(3), Linear(3, 2)])), "cross_entropy")
    with pytest.raises(ShapeError, match="batch norm needs at least 2 samples in a batch .*got 1"):
        program(np.zeros((1, 2)), np.array([0]))


def u(shape, latex):
    return r"\underset{%s}{%s}" % (shape, latex)


def test_the_batch_norm_rows_print_the_compact_backward_rule_with_shapes():
    network = Network([Linear(4, 3), BatchNorm1d(3), Activation("relu"), Linear(3, 2)])
    blocks = MatrixRenderer().render(derive(network.loss("cross_entropy"), ["X", "W1", "gamma1", "beta1"]))
    rows = {row.lhs: (row.rhs.text, row.note) for block in blocks for row in block.rows}
    assert rows[u(r"N \times 3", "H_{1}")][0] == (
        u(r"N \times 3", r"\frac{Z_{1} - \mathbf{1} \mu^\top}{\mathbf{1} \sigma^\top}") + r" \odot "
        + u(r"N \times 1", r"\mathbf{1}") + r" \; " + u(r"1 \times 3", r"\gamma_{1}^\top") + " + "
        + u(r"N \times 1", r"\mathbf{1}") + r" \; " + u(r"1 \times 3", r"\beta_{1}^\top"))
    assert rows[u(r"N \times 3", r"\delta_{Z_{1}}")] == (
        r"\frac{1}{N} " + u(r"N \times 3", r"\frac{\mathbf{1} \gamma_{1}^\top}{\mathbf{1} \sigma^\top}") + r" \odot "
        + u(r"N \times 3", r"\left(N \delta_{H_{1}} - \mathbf{1} \mathbf{1}^\top \delta_{H_{1}} - \hat{Z_{1}} \odot "
            r"\mathbf{1} \mathbf{1}^\top \left(\delta_{H_{1}} \odot \hat{Z_{1}}\right)\right)"),
        r"\text{batch norm (training mode), input}")
    assert rows[u("3", r"\frac{\partial \mathcal{L}}{\partial \gamma_{1}}")] == (
        u("3", r"\operatorname{diag}\left(\hat{Z_{1}}^\top \delta_{H_{1}}\right)"),
        r"\text{batch norm (training mode), scale}")


def test_the_layer_norm_rows_and_the_networks_name():
    network = Network([Linear(4, 3, bias=False), BatchNorm1d(3), Activation("relu"), Linear(3, 3), LayerNorm(3),
                       Linear(3, 2)])
    assert network_shape(network) == "4-3-3-2 (BatchNorm1d, relu, LayerNorm)"
    blocks = MatrixRenderer().render(derive(network.loss("cross_entropy")))
    rows = {row.lhs: (row.rhs.text, row.note) for block in blocks for row in block.rows}
    text, note = rows[u(r"N \times 3", r"\delta_{Z_{2}}")]
    assert note == r"\text{layer norm, input}" and r"\right),} \quad G = " in text  # no factor ends in a backslash
    assert text.endswith(u(r"N \times 3", r"\delta_{H_{2}}") + r" \odot " + u(r"N \times 1", r"\mathbf{1}") + r" \; "
                         + u(r"1 \times 3", r"\gamma_{2}^\top"))


def test_an_mlp_with_batch_norm_trains_as_torch_step_by_step():
    """Linear-BatchNorm1d-ReLU-Linear, cross-entropy, SGD with momentum, float64, shuffled batches:
    after each of 20 steps the parameters and the running statistics equal torch's to 1e-10."""
    rng = np.random.default_rng(5)
    data = DataSet(rng.standard_normal((50, 6)) * 2 + 0.5, rng.integers(0, 4, 50))
    network = Network([Linear(6, 8), BatchNorm1d(8, momentum=0.1), Activation("relu"), Linear(8, 4)])
    model = Model.initialised(network, seed=1, dtype="float64")
    net = to_torch(model)
    program = Program(model, "cross_entropy")
    options = {"lr": 0.1, "momentum": 0.9}
    ours = []
    fit(program, data, make_optimizer("SGD", options), epochs=4, batch_size=10, seed=3, progress=False,
        on_step=lambda step, loss: ours.append(([p.copy() for p in program.parameters],
                                                {k: v.copy() for k, v in model.buffers.items()}, loss)))
    optimizer = torch.optim.SGD(net.parameters(), **options)
    inputs, classes = torch.from_numpy(data.inputs), torch.from_numpy(data.classes)
    steps = 0
    for batches in DataOrder(len(data), 10, True, 3).epochs(4):
        for indices in batches:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(net(inputs[indices]), classes[indices])
            loss.backward()
            optimizer.step()
            parameters, buffers, our_loss = ours[steps]
            assert our_loss == pytest.approx(loss.item(), rel=1e-10)
            for mine, theirs in zip(parameters, net.parameters(), strict=True):
                np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
            for key, theirs in net[1].named_buffers():
                np.testing.assert_allclose(buffers[f"H1.{key}"], theirs.numpy(), rtol=1e-10, atol=1e-12)
            steps += 1
    assert steps == len(ours) == 20 and int(model.buffers["H1.num_batches_tracked"]) == 20
