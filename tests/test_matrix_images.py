"""Matrix mode's image layers (Conv2d, MaxPool2d, AvgPool2d, Flatten over N x C x H x W batches):
the NumPy kernels and whole networks against torch in float64, central finite differences,
from_torch / to_torch, SGD steps equal to torch's, the printed rules, and exact mode's values."""

import numpy as np
import pytest
import sympy as sp

torch = pytest.importorskip("torch")
F = torch.nn.functional
nn = torch.nn

from symgrad import from_torch  # noqa: E402
from symgrad.core.errors import NoDerivativeRuleError, ShapeError  # noqa: E402
from symgrad.matrix import (AvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, Model, Network, Program,  # noqa: E402
                            Activation, arrays, derive, evaluate, exact)
from symgrad.matrix import graph as mg  # noqa: E402
from symgrad.explain.layout import document  # noqa: E402
from symgrad.matrix.latex import MatrixRenderer  # noqa: E402
from symgrad.matrix.torch_import import to_torch  # noqa: E402


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10 * max(1.0, np.abs(b).max()))


def grads(output, *tensors, seed=0):
    """torch's output and the gradients of ``sum(output * D)`` for a random D, and D."""
    d = np.random.default_rng(seed).normal(size=tuple(output.shape))
    output.backward(torch.tensor(d))
    return d, [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("padding", [0, 1])
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_and_its_adjoints_are_torchs(stride, padding, bias):
    rng = np.random.default_rng(stride + 2 * padding)
    x, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    tx, tw, tb = (torch.tensor(v, requires_grad=True) for v in (x, w, b))
    y = F.conv2d(tx, tw, tb if bias else None, stride=stride, padding=padding)
    close(arrays.conv2d(x, w, b if bias else None, stride, padding), y.detach().numpy())
    d, (dx, dw) = grads(y, tx, tw)
    close(arrays.conv2d_input(d, w, x.shape, stride, padding), dx)
    close(arrays.conv2d_weight(d, x, w.shape[2:], stride, padding), dw)
    if bias:
        close(arrays.sum_images(d), tb.grad.numpy())


@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize("kernel, stride", [(2, 2), (3, 2), (2, 1), (3, 1)])
def test_pooling_and_its_adjoint_are_torchs(pool, kernel, stride):
    x = np.random.default_rng(kernel * stride).normal(size=(2, 3, 7, 6))
    x[0, 0, :3, :3] = 1.5  # ties: torch gives the gradient to the window's first maximum
    x[1, 2] = np.round(x[1, 2])
    tx = torch.tensor(x, requires_grad=True)
    y = getattr(F, pool)(tx, kernel, stride)
    close(getattr(arrays, pool)(x, kernel, stride), y.detach().numpy())
    d, (dx,) = grads(y, tx)
    adjoint = getattr(arrays, f"{pool}_input")
    close(adjoint(d, x if pool == "max_pool2d" else x.shape, kernel, stride), dx)


def test_a_tie_sends_the_whole_gradient_to_the_first_maximum():
    x = np.ones((1, 1, 2, 2))
    assert arrays.max_pool2d_input(np.array([[[[3.0]]]]), x, 2, 2).tolist() == [[[[3.0, 0.0], [0.0, 0.0]]]]


def lenet_like(height=8):
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(2 * (height // 2) ** 2, 3)).double()


def test_from_torch_reads_a_convolutional_sequential():
    model = from_torch(lenet_like(), input_shape=(1, 8, 8))
    assert model.network == Network([Conv2d(1, 2, 3, 1, 1), Activation("relu"), MaxPool2d(2, 2), Flatten(),
                                     Linear(32, 3)], (1, 8, 8))
    assert {k: v.shape for k, v in model.parameters.items()} == {"W1": (2, 1, 3, 3), "b1": (2,), "W2": (3, 32),
                                                                  "b2": (3,)}
    assert str(to_torch(model)) == str(lenet_like())


@pytest.mark.parametrize("module, message", [
    (nn.Sequential(nn.Conv2d(1, 2, (3, 2)), nn.Flatten(), nn.Linear(2, 1)), r"Conv2d\) with kernel_size=\(3, 2\)"),
    (nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2), nn.Flatten(), nn.Linear(2, 1)), r"with dilation=\(2, 2\)"),
    (nn.Sequential(nn.MaxPool2d(2, padding=1), nn.Flatten(), nn.Linear(2, 1)), r"MaxPool2d\) with padding=1"),
    (nn.Sequential(nn.AvgPool2d(2, ceil_mode=True), nn.Flatten(), nn.Linear(2, 1)), "with ceil_mode=True"),
])
def test_other_image_settings_are_refused_by_name(module, message):
    with pytest.raises(NoDerivativeRuleError, match=message):
        from_torch(module, input_shape=(1, 4, 4))


@pytest.mark.parametrize("layers, shape", [
    ([Conv2d(3, 4, 3, stride=2, padding=1), Activation("tanh"), AvgPool2d(2, 1), Conv2d(4, 2, 2),
      Activation("sigmoid"), Flatten(), Linear(2 * 2 * 2, 3)], (3, 7, 7)),
    ([MaxPool2d(3, 2), Conv2d(2, 3, 1, bias=False), Flatten(), Linear(3 * 3 * 3, 3)], (2, 7, 8)),
])
def test_a_networks_loss_and_gradient_are_torchs(layers, shape):
    model = Model.initialised(Network(layers, shape), seed=1, dtype="float64")
    net = to_torch(model)
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(4, *shape)), np.array([0, 2, 1, 2])
    program = Program(model, "cross_entropy")
    loss = program(x, y)
    expected = F.cross_entropy(net(torch.tensor(x)), torch.tensor(y))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    for mine, theirs in zip(program.gradients, net.parameters()):
        close(mine, theirs.grad.numpy())


def test_the_gradient_is_the_central_finite_differences():
    model = Model.initialised(Network([Conv2d(2, 2, 3, stride=2, padding=1), Activation("softplus"),
                                       AvgPool2d(2), Flatten(), Linear(2 * 2 * 2, 2)], (2, 7, 8)),
                              seed=3, dtype="float64")
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(3, 2, 7, 8)), np.array([0, 1, 1])
    program = Program(model, "cross_entropy")
    program(x, y)
    h = 1e-6
    for value, gradient in zip(program.parameters, program.gradients):
        gradient = gradient.copy()
        for index in [(0,) * value.ndim, tuple(n - 1 for n in value.shape)]:
            value[index] += h
            up = program(x, y)
            value[index] -= 2 * h
            down = program(x, y)
            value[index] += h
            assert (up - down) / (2 * h) == pytest.approx(gradient[index], rel=1e-6, abs=1e-9)


def test_sgd_steps_equal_torchs():
    net = lenet_like()
    model = from_torch(net, input_shape=(1, 8, 8))
    program = Program(model, "cross_entropy")
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
    velocity = [np.zeros_like(p) for p in program.parameters]
    rng = np.random.default_rng(5)
    for _ in range(5):
        x, y = rng.normal(size=(6, 1, 8, 8)), rng.integers(0, 3, 6)
        loss = program(x, y)
        for p, v, g in zip(program.parameters, velocity, program.gradients):
            v *= 0.9
            v += g
            p -= 0.5 * v
        optimizer.zero_grad()
        expected = F.cross_entropy(net(torch.tensor(x)), torch.tensor(y))
        expected.backward()
        optimizer.step()
        assert loss == pytest.approx(expected.item(), rel=1e-10)
        for mine, theirs in zip(program.parameters, net.parameters()):
            close(mine, theirs.detach().numpy())


def test_the_printed_rules_are_the_transposed_convolution_and_a_correlation():
    network = Network([Conv2d(1, 2, 3), Activation("relu"), Conv2d(2, 3, 2, stride=2), Flatten(), Linear(12, 2)],
                      (1, 6, 6))
    blocks = MatrixRenderer().render(derive(network.loss("cross_entropy")))
    rows = {row.lhs: row.rhs.text for block in blocks for row in block.rows}
    assert "Z1: stride 1, padding 0; Z2: stride 2, padding 0" in document(blocks)
    u = r"\underset{%s}{%s}".__mod__
    assert rows[u((r"N \times 2 \times 4 \times 4", r"\delta_{A_{1}}"))] == (
        u((r"N \times 3 \times 2 \times 2", r"\delta_{Z_{2}}")) + r" \star_{\mathrm{full}} "
        + u((r"2 \times 3 \times 2 \times 2", r"\operatorname{rot180}(W_{2})^\top")))
    assert rows[u((r"3 \times 2 \times 2 \times 2", r"\frac{\partial \mathcal{L}}{\partial W_{2}}"))] == (
        u((r"N \times 2 \times 4 \times 4", "A_{1}")) + r" \star " + u((r"N \times 3 \times 2 \times 2", r"\delta_{Z_{2}}")))


def _exactly(value):
    """An array as exact mode takes it: images and kernels as SymPy arrays, a vector as a 1 x k row."""
    entries = [sp.Rational(float(e)) for e in value.ravel()]
    if value.ndim == 4:
        return sp.ImmutableDenseNDimArray(entries, value.shape)
    return sp.ImmutableMatrix(*(value.shape if value.ndim == 2 else (1, len(value))), entries)


def test_exact_mode_computes_image_layers_as_numpy_does():
    """Exact mode (SymPy arrays) runs an image network too: at a rational point its loss and gradients
    are NumPy's in float64 (tests/test_matrix_images_exact.py holds them against scalar mode)."""
    network = Network([Conv2d(1, 2, 2, padding=1), Activation("relu"), MaxPool2d(2), Flatten(), Linear(8, 2)],
                      (1, 3, 3))
    derivation = derive(network.loss("cross_entropy"))
    rng = np.random.default_rng(6)
    numbers = {n: np.array([0, 1]) if n.op == "classes" else
               rng.integers(-4, 5, size=tuple(2 if d == "N" else d for d in n.shape)) / 4 for n in derivation.leaves}
    symbolic = {n: _exactly(v) if n.op != "classes" else list(v) for n, v in numbers.items()}
    mine, theirs = evaluate(derivation, exact, symbolic), evaluate(derivation, arrays, numbers)
    assert float(mine.loss) == pytest.approx(float(theirs.loss), rel=1e-12)
    for w in derivation.wrt:
        close(np.array(sp.flatten(mine.gradient(w).tolist()), dtype=float), theirs.gradient(w).ravel())


@pytest.mark.parametrize("build, error, message", [
    (lambda: Network([Conv2d(1, 2, 5), Flatten(), Linear(2, 1)], (1, 4, 4)), ShapeError,
     "the 5-wide window does not fit in the height 4"),
    (lambda: Network([Conv2d(1, 2, 3), Flatten(), Linear(3, 1)], (1, 4, 4)), ShapeError, "must be out x 8"),
    (lambda: Network([Conv2d(2, 2, 3), Flatten(), Linear(8, 1)], (1, 4, 4)), ShapeError, r"must be out x 1 x kh x kw"),
    (lambda: Network([Conv2d(1, 1, 1), Flatten(), Linear(4, 2), MaxPool2d(2)], (1, 2, 2)), ShapeError,
     "max_pool2d's input must be a batch of images"),
    (lambda: Network([Conv2d(1, 2, 3), Linear(8, 1)], (1, 4, 4)), ShapeError, "must be a batch of rows"),
    (lambda: Network([Conv2d(1, 2, 3), Flatten(), Linear(8, 1)]), ShapeError, "needs input_shape"),
    (lambda: mg.softmax(mg.images("X", 1, 2, 2), name="S"), ShapeError, "must be a batch of rows"),
    (lambda: mg.conv2d(mg.images("X", 1, 4, 4), mg.parameter("W", 1, 1, 2, 2), stride=0, name="Z"), ShapeError,
     "stride must be an integer of at least 1, got 0"),
    (lambda: Conv2d(1, 2, (3, 2)), ShapeError, r"square Conv2d kernel_size \(one integer\), got \(3, 2\)"),
    (lambda: mg.flatten(mg.data("X", 3), name="F"), ShapeError, "flatten's input must be a batch of images"),
])
def test_bad_image_networks(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_a_batch_of_the_wrong_shape_is_refused():
    program = Program(Model.initialised(Network([Conv2d(1, 1, 2), Flatten(), Linear(9, 2)], (1, 4, 4))),
                      "cross_entropy")
    with pytest.raises(ShapeError, match=r"X must be N x 1 x 4 x 4, got 2 x 16"):
        program(np.zeros((2, 16)), np.array([0, 1]))
