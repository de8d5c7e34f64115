"""The matrix-mode training loop against torch: the same initial parameters and data order, step by step.

The optimizer is an argument: ``symgrad.numeric.optimizers`` (torch 2.13's formulas on NumPy arrays), and
torch.optim itself driving the NumPy arrays in place, which holds the matrix gradients and the loop
to the reference while the optimizer is identical by construction.
"""

import numpy as np
import pytest

from symgrad.core.errors import DivergenceError, TrainingError
from symgrad.numeric.training import DataOrder
from symgrad.matrix import Activation, Linear, Model, Network, Program
from symgrad.matrix.data import DataSet
from symgrad.matrix.loop import accuracy, fit
from symgrad.matrix.torch_import import from_torch
from symgrad.numeric.optimizers import make_optimizer

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


OPTIMIZERS = [pytest.param(TorchOptimizer, id="torch.optim-on-numpy"),
              pytest.param(make_optimizer, id="symgrad.numeric.optimizers")]
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


class Recorder:
    """A program that records which samples (the inputs' first column) each batch holds."""

    dtype = np.dtype("float64")

    def __init__(self, losses=None):
        self.batches, self.losses = [], iter(losses or [])
        self.parameters, self.gradients = [np.zeros(1)], [np.zeros(1)]

    def checked(self, inputs, targets):
        return inputs, targets

    def __call__(self, inputs, classes):
        self.batches.append(inputs[:, 0].astype(int).tolist())
        return next(self.losses, 1.0)


@pytest.mark.parametrize("shuffle", [True, False])
def test_the_batches_are_scalar_modes_data_order(shuffle):
    data = DataSet(np.arange(10.0).reshape(10, 1), np.zeros(10, dtype=np.int64))
    recorder = Recorder()
    history = fit(recorder, data, make_optimizer("SGD", {"lr": 0.1}), epochs=2, batch_size=4, shuffle=shuffle,
                  seed=7, progress=False)
    expected = [batch.tolist() for epoch in DataOrder(10, 4, shuffle, 7).epochs(2) for batch in epoch]
    assert recorder.batches == expected and [len(b) for b in expected] == [4, 4, 2] * 2
    assert (recorder.batches[0] == list(range(4))) is not shuffle
    assert history.iterations_per_epoch == 3 and history.stopped is None


def test_a_run_stops_before_the_step_whose_loss_reaches_stop_loss():
    data = DataSet(np.arange(10.0).reshape(10, 1), np.zeros(10, dtype=np.int64))
    history = fit(Recorder([3.0, 2.0, 1.0, 0.5]), data, make_optimizer("SGD", {"lr": 0.1}), epochs=2, batch_size=4,
                  progress=False, stop_loss=1.0)
    assert history.step_losses == (3.0, 2.0) and history.epoch_losses == (2.5,)
    assert history.stopped == "the loss 1 reached stop_loss=1 after 2 iterations"


def test_a_run_stops_when_the_gradient_norm_is_small():
    model = _identity_model()
    data = DataSet(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1]))
    history = fit(Program(model), data, make_optimizer("SGD", {"lr": 1.0}), epochs=50, batch_size=2, shuffle=False,
                  progress=False, stop_grad_norm=0.05)
    assert 0 < len(history.step_losses) < 50 and history.stopped.startswith("the gradient norm 0.04")


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_size=0), "batch_size must be at least 1 and epochs at least 0, got 0 and 1"),
    (dict(epochs=-1), "got 64 and -1"),
])
def test_bad_loop_settings_are_refused(kwargs, message):
    with pytest.raises(TrainingError, match=message):
        fit(Recorder(), DataSet(np.eye(2), np.array([0, 1])), make_optimizer("SGD", {}), progress=False, **kwargs)


def _identity_model():
    return Model(Network([Linear(2, 2), Activation("log_softmax")]),
                 {"W1": np.eye(2), "b1": np.zeros(2)})


def test_accuracy_counts_the_rows_whose_largest_output_is_their_class():
    data = DataSet(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]), np.array([0, 1, 1]))
    assert accuracy(Program(_identity_model()), data, batch_size=2) == pytest.approx(2 / 3)


def test_accuracy_needs_a_classification_loss():
    data = DataSet(np.eye(2), np.array([0, 1]))
    with pytest.raises(TrainingError, match="accuracy counts classes: the loss mse takes numeric targets"):
        accuracy(Program(_identity_model(), "mse"), data)


def test_a_diverging_run_stops_with_the_iteration_and_keeps_the_run_so_far():
    data = DataSet(np.array([[1.0, 0.0], [np.nan, 1.0]]), np.array([0, 1]))
    with pytest.raises(DivergenceError, match=r"diverged at iteration 2 \(epoch 1, batch 2\): the loss is nan") as error:
        fit(Program(_identity_model()), data, TorchOptimizer("SGD", {"lr": 0.1}), batch_size=1, shuffle=False,
            progress=False)
    assert len(error.value.history.step_losses) == 1 and error.value.history.epoch_losses == ()


def test_the_progress_bar_is_on_stderr_and_can_be_turned_off(capsys):
    data = DataSet(np.eye(2), np.array([0, 1]))
    for progress in (True, False):
        fit(Program(_identity_model()), data, TorchOptimizer("SGD", {"lr": 0.1}), epochs=2, batch_size=1,
            progress=progress)
        captured = capsys.readouterr()
        assert ("4/4" in captured.err) is progress and captured.out == ""
