"""Training in matrix mode against torch: the same initial parameters and data order, step by step.

The optimizer is an argument: ``symgrad.optimizers`` (issue 4's, torch 2.13's formulas on NumPy
arrays) when it is there, and torch.optim itself driving the NumPy arrays in place, which holds
the matrix gradients and the loop to the reference while the optimizer is identical by construction.
"""

import math

import numpy as np
import pytest

from symgrad import SymgradError
from symgrad.matrix import Activation, Linear, Model, Network, Program
from symgrad.matrix.data import DataSet
from symgrad.matrix.torch_import import from_torch
from symgrad.matrix.training import History, MatrixTraining, TrainingResult, accuracy, batch_order, fit, report

torch = pytest.importorskip("torch")
nn = torch.nn


class TorchOptimizer:
    """``torch.optim``'s optimizer stepping NumPy arrays in place (they share memory with tensors)."""

    def __init__(self, name, options):
        self.cls, self.options, self.optimizer = getattr(torch.optim, name), options, None

    def step(self, params, grads):
        if self.optimizer is None:
            self.tensors = [torch.from_numpy(p) for p in params]
            self.optimizer = self.cls(self.tensors, **self.options)
        for tensor, grad in zip(self.tensors, grads):
            tensor.grad = torch.from_numpy(grad)
        self.optimizer.step()


def _symgrad_optimizers(name, options):
    optimizers = pytest.importorskip("symgrad.optimizers", reason="symgrad.optimizers (issue 4) is not merged yet")
    return optimizers.make_optimizer(name, options)


OPTIMIZERS = [pytest.param(TorchOptimizer, id="torch.optim-on-numpy"),
              pytest.param(_symgrad_optimizers, id="symgrad.optimizers")]
SETTINGS = {"SGD": {"lr": 0.003}, "Adam": {"lr": 0.001}}
EVERY_OPTIMIZER = [("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-4}),
                   ("RMSprop", {"lr": 0.001, "centered": True, "momentum": 0.5}),
                   ("Adagrad", {"lr": 0.01, "lr_decay": 0.01}),
                   ("Adam", {"lr": 0.001, "amsgrad": True, "weight_decay": 1e-3}),
                   ("AdamW", {"lr": 0.001})]


def _s2_torch(dtype):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
                        nn.LogSoftmax(dim=1))
    return net.to(dtype)


def _data(n, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return DataSet(rng.uniform(-1, 1, (n, 784)).astype(dtype), rng.integers(0, 10, n))


def _torch_run(net, name, data, epochs, batch_size, seed, on_step, options=None):
    """The reference loop, as S2 writes it, over the batch order the seed gives."""
    optimizer = getattr(torch.optim, name)(net.parameters(), **(options or SETTINGS[name]))
    criterion, rng, losses = nn.NLLLoss(), np.random.default_rng(seed), []
    for _ in range(epochs):
        order = rng.permutation(len(data))
        for i in range(0, len(data), batch_size):
            index = order[i:i + batch_size]
            optimizer.zero_grad()
            loss = criterion(net(torch.from_numpy(data.inputs[index])), torch.from_numpy(data.classes[index]))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            on_step([p.detach().numpy().copy() for p in net.parameters()])
    return losses


@pytest.mark.parametrize("make", OPTIMIZERS)
@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_100_float64_steps_give_torchs_parameters(make, name):
    net = _s2_torch(torch.float64)
    program = Program(from_torch(net), "nll")
    data = _data(640, np.float64)
    ours = []
    fit(program, data, make(name, SETTINGS[name]), epochs=10, batch_size=64, seed=3, progress=False,
        on_step=lambda step, loss: ours.append([p.copy() for p in program.parameters]))
    theirs = []
    _torch_run(net, name, data, 10, 64, 3, theirs.append)
    assert len(ours) == len(theirs) == 100
    for step, (mine, reference) in enumerate(zip(ours, theirs), 1):
        for p, q in zip(mine, reference):
            assert np.abs(p - q).max() <= 1e-10 * max(1.0, np.abs(q).max()), f"step {step}"
    assert any(not np.array_equal(a, b) for a, b in zip(ours[-1], from_torch(_s2_torch(torch.float64))
                                                         .parameters.values()))  # it did train


@pytest.mark.parametrize("make", OPTIMIZERS)
@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_5_float32_epochs_give_torchs_losses(make, name):
    net = _s2_torch(torch.float32)
    program = Program(from_torch(net), "nll")
    data = _data(320, np.float32, seed=1)
    history = fit(program, data, make(name, SETTINGS[name]), epochs=5, batch_size=64, seed=4, progress=False)
    losses = _torch_run(net, name, data, 5, 64, 4, lambda params: None)
    torch_epochs = [np.mean(losses[i:i + 5]) for i in range(0, 25, 5)]
    assert len(history.epoch_losses) == 5 and len(history.step_losses) == 25
    np.testing.assert_allclose(history.epoch_losses, torch_epochs, rtol=1e-4)
    np.testing.assert_allclose(history.step_losses, losses, rtol=1e-4)


@pytest.mark.parametrize("make", OPTIMIZERS)
@pytest.mark.parametrize("name, options", EVERY_OPTIMIZER, ids=[name for name, _ in EVERY_OPTIMIZER])
def test_every_optimizer_trains_as_torchs(make, name, options):
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(784, 32), nn.Tanh(), nn.Linear(32, 10), nn.LogSoftmax(dim=1)).double()
    program = Program(from_torch(net), "nll")
    data = _data(200, np.float64, seed=2)
    ours = []
    fit(program, data, make(name, options), epochs=3, batch_size=50, seed=5, progress=False,
        on_step=lambda step, loss: ours.append([p.copy() for p in program.parameters]))
    theirs = []
    _torch_run(net, name, data, 3, 50, 5, theirs.append, options)
    assert len(ours) == len(theirs) == 12
    for step, (mine, reference) in enumerate(zip(ours, theirs), 1):
        for p, q in zip(mine, reference):
            assert np.abs(p - q).max() <= 1e-10 * max(1.0, np.abs(q).max()), f"step {step}"


@pytest.mark.parametrize("n, batch, shuffle, expected", [
    (10, 4, False, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]),
    (6, 6, False, [[0, 1, 2, 3, 4, 5]]),
    (3, 1, False, [[0], [1], [2]]),
])
def test_batches_are_cut_as_torchs_data_loader(n, batch, shuffle, expected):
    epochs = list(batch_order(n, batch, 2, shuffle))
    assert [[b.tolist() for b in epoch] for epoch in epochs] == [expected, expected]


def test_a_shuffled_order_is_a_new_permutation_each_epoch_from_the_seed():
    rng = np.random.default_rng(7)
    first, second = rng.permutation(10), rng.permutation(10)
    epochs = list(batch_order(10, 4, 2, True, seed=7))
    assert np.concatenate(epochs[0]).tolist() == first.tolist()
    assert np.concatenate(epochs[1]).tolist() == second.tolist()
    assert [len(b) for b in epochs[1]] == [4, 4, 2]


def _identity_model():
    return Model(Network([Linear(2, 2), Activation("log_softmax")]),
                 {"W1": np.eye(2), "b1": np.zeros(2)})


def test_accuracy_counts_the_rows_whose_largest_output_is_their_class():
    data = DataSet(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]), np.array([0, 1, 1]))
    assert accuracy(Program(_identity_model()), data, batch_size=2) == pytest.approx(2 / 3)


def test_accuracy_needs_a_classification_loss():
    data = DataSet(np.eye(2), np.array([0, 1]))
    with pytest.raises(SymgradError, match="accuracy counts classes: the loss mse takes numeric targets"):
        accuracy(Program(_identity_model(), "mse"), data)


def test_a_diverging_run_stops_with_the_step():
    data = DataSet(np.array([[1.0, 0.0], [np.nan, 1.0]]), np.array([0, 1]))
    with pytest.raises(SymgradError, match=r"diverged at step 2 \(epoch 1\): the loss is nan"):
        fit(Program(_identity_model()), data, TorchOptimizer("SGD", {"lr": 0.1}), batch_size=1, shuffle=False,
            progress=False)


def test_the_progress_bar_is_on_stderr_and_can_be_turned_off(capsys):
    data = DataSet(np.eye(2), np.array([0, 1]))
    for progress in (True, False):
        fit(Program(_identity_model()), data, TorchOptimizer("SGD", {"lr": 0.1}), epochs=2, batch_size=1,
            progress=progress)
        captured = capsys.readouterr()
        assert ("4/4" in captured.err) is progress and captured.out == ""


def test_the_s2_training_spec_trains_on_the_digits():
    pytest.importorskip("sklearn")
    network = Network([Linear(784, 32), Activation("relu"), Linear(32, 10), Activation("log_softmax")])
    spec = MatrixTraining(network, epochs=2, batch_size=64, options={"lr": 0.05})
    result = spec.run(TorchOptimizer, progress=False)
    assert len(result.history.step_losses) == 2 * math.ceil(1500 / 64)
    first, second = result.history.epoch_losses
    assert second < first < math.log(10) + 0.1
    assert 0.5 < result.accuracy <= 1.0


def test_the_report_shows_each_epochs_mean_loss_and_the_accuracy():
    spec = MatrixTraining(Network([Linear(784, 10), Activation("log_softmax")]), epochs=2)
    result = TrainingResult(History((2.5, 2.0, 1.5, 1.25), (2.25, 1.375)), 0.8421)
    assert report(spec, result) == (
        "SGD(lr=0.003), batch size 64, 2 epochs, float32, data: digits\n"
        "epoch  mean training loss\n"
        "    1  2.250000\n"
        "    2  1.375000\n"
        "accuracy on the test split: 84.21%")


@pytest.mark.parametrize("kwargs, message", [
    (dict(loss="hinge"), "unknown loss 'hinge'"),
    (dict(reduction="max"), "reduction must be one of mean, sum"),
    (dict(batch_size=0), "batch_size must be at least 1"),
    (dict(network="784-128-10"), "needs a matrix Network, got str"),
])
def test_a_bad_training_spec_is_refused_when_written(kwargs, message):
    spec = {"network": Network([Linear(4, 3), Activation("log_softmax")]), **kwargs}
    with pytest.raises(SymgradError, match=message):
        MatrixTraining(**spec)


def test_s2s_worksheet_trains_its_mnist_network_as_s2_does():
    """SGD(lr=0.003), batch 64, 5 epochs on the digits: the loss goes down every epoch."""
    pytest.importorskip("sklearn")
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent.parent / "worksheets" / "s2_two_layer_network.py"
    spec = importlib.util.spec_from_file_location("s2_worksheet", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    run = module.MNIST_TRAINING
    assert (run.optimizer, dict(run.options), run.batch_size, run.epochs, run.loss) == ("SGD", {"lr": 0.003}, 64, 5, "nll")
    result = run.run(TorchOptimizer, progress=False)
    losses = result.history.epoch_losses
    assert len(losses) == 5 and all(b < a for a, b in zip(losses, losses[1:])) and losses[0] < math.log(10)
    assert 0.1 < result.accuracy <= 1.0
