"""Matrix-mode BatchNorm2d (training mode, N x C x H x W batches): a small conv net's loss, gradients and
running statistics against torch in float64 (1e-10), the rule against batch norm's over the N H W rows
of each channel (whose rule is held exactly against scalar mode in test_matrix_exact.py), central
differences, SGD steps with running statistics equal to torch's, from_torch / to_torch, the printed
rule, and bad input."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional
nn = torch.nn

from symgrad import from_torch  # noqa: E402
from symgrad.core.errors import GraphError, NoDerivativeRuleError, ShapeError  # noqa: E402
from symgrad.explain.layout import document  # noqa: E402
from symgrad.worksheets import pdf  # noqa: E402
from symgrad.worksheets.document import PREAMBLE  # noqa: E402
from symgrad.matrix import (Activation, Conv2d, Flatten, Linear, Model, Network, Program, arrays, derive,  # noqa: E402
                            evaluate, exact)
from symgrad.matrix import graph as mg  # noqa: E402
from symgrad.matrix.latex import MatrixRenderer  # noqa: E402
from symgrad.matrix.network import BatchNorm2d  # noqa: E402
from symgrad.matrix.rules import RULES  # noqa: E402
from symgrad.matrix.torch_import import to_torch  # noqa: E402


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10 * max(1.0, np.abs(b).max()))


def conv_net(momentum=0.1, eps=1e-5, two=False):
    """Conv2d -> BatchNorm2d -> ReLU (-> Conv2d -> BatchNorm2d -> Tanh) -> Flatten -> Linear on 2 x 6 x 5
    images, with gamma and beta away from 1 and 0 and running statistics away from 0 and 1."""
    torch.manual_seed(7)
    layers = [nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3, eps, momentum), nn.ReLU()]
    layers += [nn.Conv2d(3, 2, 2, stride=2, bias=False), nn.BatchNorm2d(2, eps, momentum), nn.Tanh()] if two else []
    layers += [nn.Flatten(), nn.Linear(2 * 3 * 2 if two else 3 * 6 * 5, 4)]
    net = nn.Sequential(*layers).double()
    with torch.no_grad():
        for module in net:
            if isinstance(module, nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
                module.running_mean.uniform_(-1, 1)
                module.running_var.uniform_(1, 2)
    return net


def batch(n=5, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2, 6, 5)) * 2 + 0.5, rng.integers(0, 4, n)


@pytest.mark.parametrize("momentum, eps, two", [(0.1, 1e-5, False), (0.3, 1e-3, True)])
def test_loss_gradients_and_running_statistics_equal_torch_in_float64(momentum, eps, two):
    net = conv_net(momentum, eps, two)
    model = from_torch(net, input_shape=(2, 6, 5))
    program = Program(model, "cross_entropy")
    x, y = batch()
    loss = program(x, y)
    expected = F.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    for mine, theirs in zip(program.gradients, net.parameters(), strict=True):
        close(mine, theirs.grad.numpy())
    names = ["H1", "H2"] if two else ["H1"]
    norms = [m for m in net if isinstance(m, nn.BatchNorm2d)]
    assert sorted(model.buffers) == sorted(f"{n}.{k}" for n in names for k in
                                           ("running_mean", "running_var", "num_batches_tracked"))
    for name, module in zip(names, norms, strict=True):
        for key, value in module.named_buffers():
            close(model.buffers[f"{name}.{key}"], value.numpy())
        assert int(model.buffers[f"{name}.num_batches_tracked"]) == 1


def test_the_rule_is_batch_norms_over_the_rows_of_each_channels_entries():
    """BatchNorm2d of N x C x H x W is BatchNorm1d of the (N H W) x C matrix of each channel's entries:
    the forward value and every adjoint agree (batch norm's rule is exact against scalar mode)."""
    rng = np.random.default_rng(3)
    x, delta = rng.normal(size=(3, 2, 4, 3)) * 3, rng.normal(size=(3, 2, 4, 3))
    gamma, beta = rng.uniform(0.5, 1.5, 2), rng.normal(size=2)
    images = mg.batch_norm2d(mg.images("X", 2, 4, 3), mg.parameter("g", 2), mg.parameter("b", 2), 1e-3, name="H")
    rows = mg.batch_norm(mg.data("X", 2), mg.parameter("g", 2), mg.parameter("b", 2), 1e-3, name="H")
    as_rows = lambda a: a.transpose(0, 2, 3, 1).reshape(-1, 2)  # noqa: E731
    two, one = RULES["batch_norm2d"], RULES["batch_norm"]
    close(as_rows(two.forward(arrays, images, [x, gamma, beta], None)),
          one.forward(arrays, rows, [as_rows(x), gamma, beta], None))
    for role in ("X", "gamma", "beta"):
        mine = two.backward[role](arrays, images, delta, None, [x, gamma, beta], None)
        theirs = one.backward[role](arrays, rows, as_rows(delta), None, [as_rows(x), gamma, beta], None)
        close(as_rows(mine) if role == "X" else mine, theirs)


def test_the_gradient_is_the_central_finite_differences():
    model = from_torch(conv_net(two=True), input_shape=(2, 6, 5))
    program = Program(model, "cross_entropy")
    x, y = batch(4, seed=2)
    program(x, y)
    h = 1e-6
    for value, gradient in zip(program.parameters, program.gradients, strict=True):
        gradient = gradient.copy()
        for index in [(0,) * value.ndim, tuple(n - 1 for n in value.shape)]:
            saved = value[index]
            value[index] = saved + h
            up = program.outputs(x, y)[0]
            value[index] = saved - h
            down = program.outputs(x, y)[0]
            value[index] = saved
            assert (up - down) / (2 * h) == pytest.approx(gradient[index], rel=1e-6, abs=1e-9)


def test_sgd_steps_and_running_statistics_equal_torchs():
    net = conv_net(momentum=0.2, two=True)
    model = from_torch(net, input_shape=(2, 6, 5))
    program = Program(model, "cross_entropy")
    optimizer = torch.optim.SGD(net.parameters(), lr=0.2, momentum=0.9)
    velocity = [np.zeros_like(p) for p in program.parameters]
    for step in range(6):
        x, y = batch(5, seed=10 + step)
        loss = program(x, y)
        for p, v, g in zip(program.parameters, velocity, program.gradients):
            v *= 0.9
            v += g
            p -= 0.2 * v
        optimizer.zero_grad()
        expected = F.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
        expected.backward()
        optimizer.step()
        assert loss == pytest.approx(expected.item(), rel=1e-10)
        for mine, theirs in zip(program.parameters, net.parameters(), strict=True):
            close(mine, theirs.detach().numpy())
        for name, module in zip(("H1", "H2"), (net[1], net[4])):
            for key, value in module.named_buffers():
                close(model.buffers[f"{name}.{key}"], value.numpy())
    assert int(model.buffers["H2.num_batches_tracked"]) == 6


def test_from_torch_and_to_torch_copy_parameters_and_buffers():
    net = conv_net(momentum=0.25, eps=1e-4, two=True)
    with torch.no_grad():
        net[4].num_batches_tracked.fill_(9)
    model = from_torch(net, input_shape=(2, 6, 5))
    assert model.network.layers[1] == BatchNorm2d(3, 1e-4, 0.25)
    assert list(model.parameters) == ["W1", "b1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "b3"]
    assert int(model.buffers["H2.num_batches_tracked"]) == 9
    back = to_torch(model)
    assert [type(m) for m in back] == [type(m) for m in net] and back[1].momentum == 0.25 and back[4].eps == 1e-4
    for (name, a), b in zip(net.state_dict().items(), back.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


@pytest.mark.parametrize("module, message", [
    (nn.BatchNorm2d(3, affine=False), r"layer 1 \(BatchNorm2d\): matrix mode's BatchNorm2d has affine=True, "
                                      r"track_running_stats=True and a momentum, got affine=False"),
    (nn.BatchNorm2d(3, track_running_stats=False), r"layer 1 \(BatchNorm2d\): .*track_running_stats=False"),
    (nn.BatchNorm2d(3, momentum=None), r"layer 1 \(BatchNorm2d\): .*momentum=None"),
])
def test_from_torch_refuses_what_it_does_not_compute(module, message):
    with pytest.raises(NoDerivativeRuleError, match=message):
        from_torch(nn.Sequential(nn.Conv2d(1, 3, 3), module, nn.Flatten(), nn.Linear(12, 2)), input_shape=(1, 4, 4))


@pytest.mark.parametrize("build, error, message", [
    (lambda: Network([Conv2d(1, 3, 3), BatchNorm2d(4), Flatten(), Linear(12, 2)], (1, 4, 4)), ShapeError,
     r"batch_norm2d H1: gamma gamma1 must have 3 entries, got the shape 4 \(Z1 has 3 channels\)"),
    (lambda: Network([Linear(3, 4), BatchNorm2d(4)]), ShapeError, "a network of images needs input_shape"),
    (lambda: Network([Conv2d(1, 3, 3), Flatten(), Linear(12, 4), BatchNorm2d(4)], (1, 4, 4)), ShapeError,
     r"batch_norm2d's input must be a batch of images \(N x C x H x W\), got Z2 of shape N x 4"),
    (lambda: BatchNorm2d(3, momentum=1.5), GraphError, "BatchNorm2d's momentum must be at most 1, got 1.5"),
    (lambda: BatchNorm2d(3, eps=0), GraphError, "BatchNorm2d's eps must be a positive number, got 0"),
    (lambda: mg.batch_norm2d(mg.images("X", 2, 3, 3), mg.parameter("g", 2), mg.parameter("b", 2), momentum=0,
                             name="H"), GraphError, r"batch_norm2d H: momentum must be a number in \(0, 1\], got 0"),
])
def test_bad_layers(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_one_value_per_channel_is_refused_as_torch_refuses_it():
    """A batch of one 1 x 1 image has one value per channel: torch refuses it in training mode, and so
    does symgrad; one image of 2 x 2 pixels has four, and both compute it."""
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(2, 2)).double()
    x = np.random.default_rng(0).normal(size=(1, 1, 3, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        net(torch.from_numpy(x))
    program = Program(from_torch(net, input_shape=(1, 3, 3)), "cross_entropy")
    with pytest.raises(ShapeError, match="batch norm needs at least 2 samples in a batch .*more than one value per "
                                         "channel.*got 1"):
        program(x, np.array([1]))
    wider = nn.Sequential(nn.Conv2d(1, 2, 2), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 2)).double()
    loss = Program(from_torch(wider, input_shape=(1, 3, 3)), "cross_entropy")(x, np.array([1]))
    assert loss == pytest.approx(F.cross_entropy(wider(torch.from_numpy(x)), torch.tensor([1])).item(), rel=1e-12)


def u(shape, latex):
    return r"\underset{%s}{%s}" % (shape, latex)


def test_the_printed_rule_is_cs231ns_compact_form_over_the_entries_of_a_channel():
    network = Network([Conv2d(1, 3, 3), BatchNorm2d(3), Activation("relu"), Flatten(), Linear(12, 2)], (1, 4, 4))
    blocks = MatrixRenderer().render(derive(network.loss("cross_entropy"), ["X", "W1", "gamma1", "beta1"]))
    rows = {row.lhs: (row.rhs.text, row.note) for block in blocks for row in block.rows}
    images = r"N \times 3 \times 2 \times 2"
    assert rows[u(images, "H_{1}")][0] == (u(images, r"\frac{Z_{1} - \mu}{\sigma}") + r" \odot "
                                           + u("3", r"\gamma_{1}") + " + " + u("3", r"\beta_{1}"))
    assert rows[u(images, r"\delta_{Z_{1}}")] == (
        r"\frac{1}{M} " + u(images, r"\frac{\gamma_{1}}{\sigma}") + r" \odot "
        + u(images, r"\left(M \delta_{H_{1}} - \textstyle\sum_{n,i,j} \delta_{H_{1}} - \hat{Z_{1}} \odot "
                    r"\textstyle\sum_{n,i,j} \left(\delta_{H_{1}} \odot \hat{Z_{1}}\right)\right)"),
        r"\text{batch norm 2d (training mode), input}")
    assert rows[u("3", r"\frac{\partial \mathcal{L}}{\partial \gamma_{1}}")] == (
        u("3", r"\textstyle\sum_{n,i,j}\left(\delta_{H_{1}} \odot \hat{Z_{1}}\right)"),
        r"\text{batch norm 2d (training mode), scale}")
    text = document(blocks)  # the caption's text and formulas alternate: each formula in $...$, the text outside
    assert r"Each sample is an image, as in PyTorch: a batch $X$ is $N \times 1 \times 4 \times 4$" in text
    assert r" under it. Here $A \star W$ is the cross-correlation" in text and "stride; Z1: stride 1, padding 0), $" in text
    assert r"over the window. In a batch norm of images, $\mu, \sigma, \gamma, \beta$ have one entry" in text
    assert r"applied to the $M = N H W$ entries of its channel, and $\sum_{n,i,j}$ sums over them." in text


def test_the_derivation_of_a_conv_net_with_batch_norm2d_builds_into_a_pdf(tmp_path):
    if not pdf.tex_available():
        pytest.skip("TeX is not installed")
    network = Network([Conv2d(1, 2, 3, stride=2, padding=1), BatchNorm2d(2), Activation("relu"), Flatten(),
                       Linear(8, 2)], (1, 4, 4))
    tex = tmp_path / "bn2d.tex"
    tex.write_text(PREAMBLE + "\\begin{document}\n" + document(MatrixRenderer().render(derive(
        network.loss("cross_entropy")))) + "\n\\end{document}\n")
    assert pdf.build_pdf(tex).is_file()


def test_exact_mode_refuses_batch_norm2d():
    network = Network([BatchNorm2d(1), Flatten(), Linear(4, 2)], (1, 2, 2))
    derivation = derive(network.loss("cross_entropy"))
    with pytest.raises(NoDerivativeRuleError, match=r"exact mode \(SymPy\) has no BatchNorm2d"):
        evaluate(derivation, exact, {n: None for n in derivation.leaves})
