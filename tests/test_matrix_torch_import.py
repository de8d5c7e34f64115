import numpy as np
import pytest

from symgrad import NoDerivativeRuleError, SymgradError
from symgrad.matrix import Activation, Linear
from symgrad.matrix.torch_import import from_torch, to_torch

torch = pytest.importorskip("torch")
nn = torch.nn


def test_s2s_network_comes_across_with_its_parameters_copied():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
                        nn.LogSoftmax(dim=1))
    model = from_torch(net)
    assert model.network.layers == (Linear(784, 128), Activation("relu"), Linear(128, 64), Activation("relu"),
                                    Linear(64, 10), Activation("log_softmax"))
    assert list(model.parameters) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert model.dtype == np.float32
    for value, parameter in zip(model.parameters.values(), net.parameters()):
        assert (value == parameter.detach().numpy()).all()
    model.parameters["W1"][0, 0] += 1.0
    assert model.parameters["W1"][0, 0] != net[0].weight[0, 0].item()  # a copy, not a view


@pytest.mark.parametrize("module, layers", [
    (nn.Sequential(nn.Linear(3, 2, bias=False), nn.Sigmoid()), (Linear(3, 2, False), Activation("sigmoid"))),
    (nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Softmax(dim=-1)),
     (Linear(3, 4), Activation("tanh"), Linear(4, 2), Activation("softmax"))),
    (nn.Sequential(nn.Linear(3, 4), nn.Softplus(), nn.Linear(4, 1)),
     (Linear(3, 4), Activation("softplus"), Linear(4, 1))),
])
def test_every_supported_module(module, layers):
    assert from_torch(module).network.layers == layers


def test_dtype_can_be_chosen():
    model = from_torch(nn.Sequential(nn.Linear(3, 2)), dtype="float64")
    assert model.dtype == np.float64 and all(v.dtype == np.float64 for v in model.parameters.values())


@pytest.mark.parametrize("module, error, message", [
    (nn.Sequential(nn.Linear(4, 3), nn.Dropout1d()), NoDerivativeRuleError,
     r"layer 1 \(Dropout1d\).*may hold Linear, Dropout, Flatten"),
    (nn.Sequential(nn.Linear(4, 3), nn.Identity()), NoDerivativeRuleError, r"layer 1 \(Identity\).*may hold Linear"),
    (nn.Sequential(nn.Flatten(0), nn.Linear(4, 3)), NoDerivativeRuleError, r"layer 0 \(Flatten\) with start_dim=0"),
    (nn.Sequential(nn.Flatten(start_dim=2), nn.Linear(4, 3)), NoDerivativeRuleError,
     r"layer 0 \(Flatten\) with start_dim=2"),
    (nn.Sequential(nn.Conv2d(2, 2, 3, groups=2), nn.Flatten(), nn.Linear(2, 3)), NoDerivativeRuleError,
     r"layer 0 \(Conv2d\) with groups=2"),
    (nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2, 3)), SymgradError,
     r"needs input_shape=\(channels, height, width\)"),
    (nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=0)), NoDerivativeRuleError, "over the classes.*dim=0"),
    (nn.Sequential(nn.Linear(4, 3), nn.Softplus(beta=2)), NoDerivativeRuleError, "beta=1, got beta=2"),
    (nn.Linear(4, 3), SymgradError, "takes an nn.Sequential, got Linear"),
    (nn.Sequential(nn.ReLU()), SymgradError, "at least one Linear"),
    (nn.Sequential(nn.Linear(4, 3), nn.Linear(2, 1)), SymgradError, "3 outputs is followed by one with 2 inputs"),
])
def test_unsupported_modules_are_named(module, error, message):
    with pytest.raises(error, match=message):
        from_torch(module)


def test_a_half_precision_network_is_refused():
    with pytest.raises(SymgradError, match="float32 or float64, not 'float16'"):
        from_torch(nn.Sequential(nn.Linear(2, 2)).half())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("module", [
    nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3, bias=False), nn.Sigmoid(), nn.Linear(3, 3),
                  nn.LogSoftmax(dim=1)),
    nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3), nn.Softplus(), nn.Linear(3, 2), nn.Softmax(dim=1)),
], ids=["relu-sigmoid-log_softmax", "tanh-softplus-softmax"])
def test_to_torch_is_the_way_back(module, dtype):
    torch.manual_seed(0)
    model = from_torch(module, dtype=dtype)
    twin = to_torch(model)
    assert [type(m) for m in twin] == [type(m) for m in module]
    assert all(getattr(m, "dim", 1) == 1 for m in twin)
    assert list(from_torch(twin).parameters) == list(model.parameters)
    for ours, theirs in zip(model.parameters.values(), twin.parameters()):
        assert theirs.dtype == getattr(torch, dtype) and np.array_equal(ours, theirs.detach().numpy())
    theirs = next(twin.parameters())
    with torch.no_grad():
        theirs += 1
    assert not np.array_equal(model.parameters["W1"], theirs.detach().numpy())  # a copy, not a view
