"""The matrix derivation compiled to NumPy, against torch autograd (float64 to 1e-10, float32 to
float32's precision) and against central finite differences."""

import numpy as np
import pytest

from symgrad import ShapeError, SymgradError
from symgrad.matrix import Program
from symgrad.matrix.torch_import import from_torch

torch = pytest.importorskip("torch")
nn = torch.nn

S2 = (784, 128, 64, 10)


def _sequential(sizes, hidden, output, bias=True):
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b, bias=bias or i < len(sizes) - 2))
        if i < len(sizes) - 2:
            layers.append(hidden())
    return nn.Sequential(*layers, *([output()] if output else []))


TORCH_LOSSES = {"nll": nn.NLLLoss, "cross_entropy": nn.CrossEntropyLoss, "mse": nn.MSELoss,
                "bce_with_logits": nn.BCEWithLogitsLoss}


def _batch(rng, n, sizes, loss, dtype):
    x = rng.standard_normal((n, sizes[0])).astype(dtype)
    if loss in ("nll", "cross_entropy"):
        return x, rng.integers(0, sizes[-1], n)
    return x, rng.uniform(0, 1, (n, sizes[-1])).astype(dtype)


def _torch_loss_and_grads(net, loss, reduction, x, y):
    net.zero_grad()
    value = TORCH_LOSSES[loss](reduction=reduction)(net(torch.from_numpy(x)), torch.from_numpy(y))
    value.backward()
    return value.item(), [p.grad.numpy() for p in net.parameters()]


# (sizes, hidden activation, output module, bias on the last layer, loss, reduction, batch)
CASES = [
    (S2, nn.ReLU, lambda: nn.LogSoftmax(dim=1), True, "nll", "mean", 64),
    (S2, nn.ReLU, lambda: nn.LogSoftmax(dim=1), True, "nll", "sum", 17),
    ((20, 16, 12, 5), nn.Sigmoid, None, True, "cross_entropy", "mean", 32),
    ((20, 16, 5), nn.Tanh, None, False, "cross_entropy", "sum", 9),
    ((20, 16, 5), nn.Softplus, lambda: nn.Softmax(dim=1), True, "mse", "mean", 32),
    ((20, 16, 3), nn.ReLU, None, True, "mse", "sum", 8),
    ((20, 16, 3), nn.Tanh, None, True, "bce_with_logits", "mean", 32),
    ((20, 16, 3), nn.Sigmoid, lambda: nn.Sigmoid(), True, "bce_with_logits", "sum", 8),
    ((20, 16, 4), nn.ReLU, lambda: nn.LogSoftmax(dim=-1), True, "mse", "mean", 16),
]
IDS = [f"{'-'.join(map(str, c[0]))}-{c[1].__name__}-{c[4]}-{c[5]}" for c in CASES]


@pytest.mark.parametrize("sizes, hidden, output, bias, loss, reduction, n", CASES, ids=IDS)
def test_gradients_equal_torch_autograd_in_float64(sizes, hidden, output, bias, loss, reduction, n):
    torch.manual_seed(0)
    net = _sequential(sizes, hidden, output, bias).double()
    program = Program(from_torch(net), loss, reduction)
    x, y = _batch(np.random.default_rng(1), n, sizes, loss, np.float64)
    ours = program(x, y)
    theirs, grads = _torch_loss_and_grads(net, loss, reduction, x, y)
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert len(program.gradients) == len(grads)
    for g, expected in zip(program.gradients, grads):
        assert g.dtype == np.float64 and g.shape == expected.shape
        np.testing.assert_allclose(g, expected, rtol=1e-10, atol=1e-13 * np.abs(expected).max())


def test_s2_in_float32_agrees_with_torch_to_float32_precision():
    torch.manual_seed(0)
    net = _sequential(S2, nn.ReLU, lambda: nn.LogSoftmax(dim=1))
    program = Program(from_torch(net), "nll")
    x, y = _batch(np.random.default_rng(2), 64, S2, "nll", np.float32)
    ours = program(x, y)
    theirs, grads = _torch_loss_and_grads(net, "nll", "mean", x, y)
    assert ours == pytest.approx(theirs, rel=1e-6)
    for g, expected in zip(program.gradients, grads):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, expected, rtol=1e-4, atol=1e-6 * np.abs(expected).max())


def test_outputs_are_the_forward_pass_without_touching_the_gradients():
    torch.manual_seed(0)
    net = _sequential((6, 5, 3), nn.Tanh, lambda: nn.LogSoftmax(dim=1)).double()
    program = Program(from_torch(net), "nll")
    x, y = _batch(np.random.default_rng(3), 7, (6, 5, 3), "nll", np.float64)
    for g in program.gradients:
        g.fill(7.0)
    loss, output = program.outputs(x, y)
    np.testing.assert_allclose(output, net(torch.from_numpy(x)).detach().numpy(), rtol=1e-13)
    assert loss == pytest.approx(_torch_loss_and_grads(net, "nll", "mean", x, y)[0], rel=1e-13)
    assert all((g == 7.0).all() for g in program.gradients)


def test_batches_of_different_sizes_get_their_own_buffers():
    torch.manual_seed(0)
    net = _sequential((6, 5, 3), nn.ReLU, None).double()
    program = Program(from_torch(net), "cross_entropy")
    rng = np.random.default_rng(4)
    big, small = _batch(rng, 8, (6, 5, 3), "cross_entropy", np.float64), _batch(rng, 3, (6, 5, 3), "cross_entropy",
                                                                                   np.float64)
    first = program(*big), [g.copy() for g in program.gradients]
    program(*small)
    again = program(*big), [g.copy() for g in program.gradients]
    assert first[0] == again[0] and all((a == b).all() for a, b in zip(first[1], again[1]))


def _central_differences(program, x, y, h=1e-6):
    estimates = []
    for p in program.parameters:
        estimate = np.empty_like(p)
        for index in np.ndindex(p.shape):
            kept = p[index]
            p[index] = kept + h
            plus = program.outputs(x, y)[0]
            p[index] = kept - h
            minus = program.outputs(x, y)[0]
            p[index] = kept
            estimate[index] = (plus - minus) / (2 * h)
        estimates.append(estimate)
    return estimates


@pytest.mark.parametrize("hidden, output, loss", [(nn.Sigmoid, lambda: nn.LogSoftmax(dim=1), "nll"),
                                                  (nn.Softplus, None, "bce_with_logits"),
                                                  (nn.Tanh, lambda: nn.Softmax(dim=1), "mse")])
def test_gradients_equal_central_differences(hidden, output, loss):
    torch.manual_seed(5)
    program = Program(from_torch(_sequential((4, 5, 3), hidden, output).double()), loss)
    x, y = _batch(np.random.default_rng(6), 6, (4, 5, 3), loss, np.float64)
    program(x, y)
    for g, estimate in zip(program.gradients, _central_differences(program, x, y)):
        np.testing.assert_allclose(g, estimate, rtol=1e-6, atol=1e-9)


@pytest.fixture
def s2_program():
    torch.manual_seed(0)
    return Program(from_torch(_sequential((6, 5, 3), nn.ReLU, lambda: nn.LogSoftmax(dim=1))), "nll")


@pytest.mark.parametrize("x, y, message", [
    (np.zeros((4, 7)), [0, 1, 2, 0], "X must be N x 6, got 4 x 7"),
    (np.zeros((4, 6)), [0, 1, 3, 0], "class indices go from 0 to 2, got 0 to 3"),
    (np.zeros((4, 6)), [0.0, 1.0, 2.0, 0.0], "must be a vector of integer class indices, got float64"),
    (np.zeros((4, 6)), [0, 1, 2], "X has 4 rows but y has 3"),
    (np.zeros((0, 6)), np.zeros(0, int), "at least one sample"),
    (np.zeros(6), [0], "X must be N x 6, got 6"),
    (np.zeros((2, 6)), [[0], [1]], "y must be a vector of integer class indices, got int64 of shape"),
])
def test_bad_batches(s2_program, x, y, message):
    with pytest.raises(ShapeError, match=message):
        s2_program(x, y)


def test_a_program_compiles_a_model():
    with pytest.raises(SymgradError, match="compiles a matrix Model, got Sequential"):
        Program(nn.Sequential(nn.Linear(2, 2)))


@pytest.mark.parametrize("y, message", [(np.zeros((4, 2)), r"Y must be N x 3, got 4 x 2"),
                                        (np.zeros(4), r"Y must be N x 3, got 4"),
                                        (np.zeros((3, 3)), "X has 4 rows but Y has 3")])
def test_bad_numeric_targets(y, message):
    torch.manual_seed(0)
    program = Program(from_torch(_sequential((6, 5, 3), nn.ReLU, None)), "mse")
    with pytest.raises(ShapeError, match=message):
        program(np.zeros((4, 6)), y)


ACTIVATION_MODULES = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "softplus": nn.Softplus}
OUTPUTS = {None: None, "softmax": lambda: nn.Softmax(dim=1), "log_softmax": lambda: nn.LogSoftmax(dim=1),
           "sigmoid": nn.Sigmoid}


def test_random_networks_equal_torch_autograd():
    """Any depth, widths, batch size, activations and loss: the gradients are torch's in float64."""
    from hypothesis import given, settings, strategies as st

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4), n=st.integers(1, 5),
           hidden=st.sampled_from(sorted(ACTIVATION_MODULES)), output=st.sampled_from(list(OUTPUTS)),
           loss=st.sampled_from(sorted(TORCH_LOSSES)), reduction=st.sampled_from(["mean", "sum"]),
           bias=st.booleans(), seed=st.integers(0, 2 ** 16))
    def check(sizes, n, hidden, output, loss, reduction, bias, seed):
        torch.manual_seed(seed)
        net = _sequential(sizes, ACTIVATION_MODULES[hidden], OUTPUTS[output], bias).double()
        program = Program(from_torch(net), loss, reduction)
        x, y = _batch(np.random.default_rng(seed), n, sizes, loss, np.float64)
        ours = program(x, y)
        theirs, grads = _torch_loss_and_grads(net, loss, reduction, x, y)
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)
        for g, expected in zip(program.gradients, grads):
            np.testing.assert_allclose(g, expected, rtol=1e-10, atol=1e-14)

    check()


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("output, loss", [(None, "cross_entropy"), (lambda: nn.LogSoftmax(dim=1), "nll"),
                                          (lambda: nn.Softmax(dim=1), "mse"), (None, "bce_with_logits"),
                                          (nn.Sigmoid, "mse"), (nn.Softplus, "mse"), (nn.Tanh, "mse")])
def test_logits_of_a_thousand_stay_finite_and_equal_torchs(dtype, output, loss):
    net = nn.Sequential(nn.Linear(2, 3), *([output()] if output else [])).to(dtype)
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1000.0, 0.0], [-1000.0, 0.0], [0.0, 999.0]]))
        net[0].bias.zero_()
    program = Program(from_torch(net), loss)
    x = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 1.0]], dtype=program.dtype)
    y = np.array([1, 0, 2]) if loss in ("nll", "cross_entropy") else np.full((3, 3), 0.5, dtype=program.dtype)
    ours = program(x, y)
    theirs, grads = _torch_loss_and_grads(net, loss, "mean", x, y)
    assert np.isfinite(ours) and ours == pytest.approx(theirs, rel=1e-6 if dtype == torch.float32 else 1e-12)
    for g, expected in zip(program.gradients, grads):
        assert np.isfinite(g).all()
        np.testing.assert_allclose(g, expected, rtol=1e-5 if dtype == torch.float32 else 1e-10, atol=1e-12)
