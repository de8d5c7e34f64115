"""Matrix-mode ``fit`` on numeric targets (mse, bce_with_logits) and in torch's own data order.

The reference is the training script a torch user writes: ``DataLoader(TensorDataset(X, Y),
batch_size=B, shuffle=True, generator=torch.Generator().manual_seed(seed))``, ``torch.optim.SGD``,
torch's loss; symgrad's ``fit(..., shuffle="torch", seed=seed)`` must give its parameters after
every step, in float64, to 1e-10.
"""

import dataclasses
import sys

import numpy as np
import pytest

from symgrad.core.errors import DataError, ShapeError, TrainingError
from symgrad.matrix import Program
from symgrad.matrix.data import DataSet
from symgrad.matrix.loop import fit
from symgrad.matrix.torch_import import from_torch
from symgrad.numeric.optimizers import make_optimizer
from symgrad.numeric.training import DataOrder

torch = pytest.importorskip("torch")
nn = torch.nn
DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset


def _loader_batches(n, batch_size, seed, epochs, drop_last=False):
    loader = DataLoader(TensorDataset(torch.arange(n)), batch_size=batch_size, shuffle=True, drop_last=drop_last,
                        generator=torch.Generator().manual_seed(seed))
    return [[batch.tolist() for (batch,) in loader] for _ in range(epochs)]


@pytest.mark.parametrize("n, batch_size, seed, drop_last", [(10, 4, 3, False), (10, 4, 3, True), (64, 64, 0, False),
                                                            (1, 1, 11, False), (1000, 33, 2024, False)])
def test_shuffle_torch_is_dataloaders_order(n, batch_size, seed, drop_last):
    ours = [[b.tolist() for b in epoch]
            for epoch in DataOrder(n, batch_size, "torch", seed, drop_last).epochs(4)]
    assert ours == _loader_batches(n, batch_size, seed, 4, drop_last)


def test_dataloaders_order_is_not_one_randperm_per_epoch():
    """Why DataOrder draws more than the permutation: each epoch's iterator also draws a base seed
    from the generator, and the sampler a second (empty) permutation when it is exhausted."""
    generator = torch.Generator().manual_seed(3)
    naive = [torch.randperm(10, generator=generator).tolist() for _ in range(3)]
    assert naive != [sum(epoch, []) for epoch in _loader_batches(10, 4, 3, 3)]


def test_shuffle_torch_needs_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(TrainingError, match="shuffle='torch' draws torch's order and needs torch"):
        next(DataOrder(10, 4, "torch").epochs(1))


def test_the_numpy_order_stays_the_default():
    data = DataSet(np.zeros((10, 2)), np.zeros((10, 1)))
    assert fit.__kwdefaults__["shuffle"] is True and DataOrder(10, 4, True, 7).shuffle is True
    ours = [b.tolist() for b in next(DataOrder(len(data), 4, True, 7).epochs(1))]
    order = np.random.default_rng(7).permutation(10).tolist()
    assert ours == [order[:4], order[4:8], order[8:]]


@pytest.mark.parametrize("shuffle", ["numpy", "Torch", 2])
def test_an_unknown_shuffle_is_refused(shuffle):
    with pytest.raises(TrainingError, match=r"shuffle is False, True \(NumPy's order\) or 'torch' \(torch's\), got"):
        DataOrder(10, 4, shuffle)


# -- the runs: symgrad's fit against a plain torch script ------------------------------------------

STEPS_OPTIONS = {"lr": 0.05, "momentum": 0.9}


def _torch_script(net, criterion, x, y, batch_size, seed, epochs):
    """A torch user's own loop; the parameters after each step."""
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=batch_size,
                        shuffle=True, generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.SGD(net.parameters(), **STEPS_OPTIONS)
    after, losses = [], []
    for _ in range(epochs):
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = criterion(net(inputs), targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            after.append([p.detach().numpy().copy() for p in net.parameters()])
    return losses, after


def _symgrad_fit(net, loss, x, y, batch_size, seed, epochs):
    program = Program(from_torch(net), loss)
    after = []
    history = fit(program, DataSet(x, y), make_optimizer("SGD", STEPS_OPTIONS), epochs=epochs, batch_size=batch_size,
                  shuffle="torch", seed=seed, progress=False,
                  on_step=lambda step, _: after.append([p.copy() for p in program.parameters]))
    return list(history.step_losses), after


def _same_run(net, loss, criterion, x, y, batch_size=8, seed=5, epochs=3):
    ours = _symgrad_fit(net, loss, x, y, batch_size, seed, epochs)   # from_torch copies: net is untouched
    theirs = _torch_script(net, criterion, x, y, batch_size, seed, epochs)
    assert len(ours[1]) == len(theirs[1]) == 21  # 50 samples in batches of 8: 7 steps per epoch
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=0)
    for step, (mine, reference) in enumerate(zip(ours[1], theirs[1]), 1):
        for p, q in zip(mine, reference):
            assert p.shape == q.shape
            assert np.abs(p - q).max() <= 1e-10 * max(1.0, np.abs(q).max()), f"step {step}"
    return ours


def test_a_regression_mlp_with_mse_trains_as_torchs_script():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (50, 3))
    y = np.stack([np.sin(x[:, 0]) + x[:, 1] * x[:, 2], np.cos(x[:, 1])], axis=1)
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 2)).double()
    losses, _ = _same_run(net, "mse", nn.MSELoss(), x, y)
    assert losses[-1] < losses[0]  # it learns, so the comparison is of a moving run


@pytest.mark.parametrize("targets", ["labels", "probabilities"])
def test_a_logistic_model_with_bce_with_logits_trains_as_torchs_script(targets):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((50, 4))
    logits = x @ np.array([1.5, -2.0, 0.5, 1.0]) - 0.3
    p = 1 / (1 + np.exp(-logits))
    y = ((p > 0.5) if targets == "labels" else p).astype(np.float64).reshape(-1, 1)
    torch.manual_seed(2)
    net = nn.Sequential(nn.Linear(4, 1)).double()
    _same_run(net, "bce_with_logits", nn.BCEWithLogitsLoss(), x, y)


# -- targets that do not fit -------------------------------------------------------------------------

@pytest.mark.parametrize("targets, error, message", [
    (np.zeros(4), DataError, r"1-D targets are class indices and must be integers, got float64 .*reshape\(-1, 1\)"),
    (np.zeros((4, 1), int), DataError, r"2-D targets are numbers .* must be floats, got int64"),
    (np.zeros((4, 1, 1)), DataError, r"targets are a vector of class indices or an N x k array of numbers, "
                                     r"got shape \(4, 1, 1\)"),
    (np.zeros((3, 1)), DataError, r"one class \(or one row of numbers\) per sample of its inputs.*got inputs of "
                                  r"shape \(4, 2\) and targets of shape \(3, 1\)"),
])
def test_a_data_set_refuses_targets_of_the_wrong_kind(targets, error, message):
    with pytest.raises(error, match=message):
        DataSet(np.zeros((4, 2)), targets)


def test_numeric_targets_are_not_classes():
    with pytest.raises(DataError, match=r"this data set's targets are numbers \(4 x 2\), not class indices"):
        DataSet(np.zeros((4, 2)), np.zeros((4, 2))).classes


@pytest.mark.parametrize("loss, targets, error, message", [
    ("mse", np.array([0, 1, 1, 0]), ShapeError, r"Y must be N x 1, got 4 int64 \(the loss mse takes rows of numbers\)"),
    ("mse", np.zeros((4, 2)), ShapeError, r"Y must be N x 1, got 4 x 2 float64"),
    ("bce_with_logits", np.array([[0.0], [1.0], [2.0], [1.0]]), DataError,
     r"Y must hold probabilities from 0 to 1 \(the loss bce_with_logits\), got 0 to 2"),
    ("bce_with_logits", np.array([[0.5], [-0.1], [1.0], [1.0]]), DataError, "got -0.1 to 1"),
])
def test_fit_refuses_targets_that_do_not_fit_the_loss_before_the_first_step(loss, targets, error, message):
    torch.manual_seed(0)
    program, steps = Program(from_torch(nn.Sequential(nn.Linear(2, 1)).double()), loss), []
    before = [p.copy() for p in program.parameters]
    with pytest.raises(error, match=message):
        fit(program, DataSet(np.zeros((4, 2)), targets), make_optimizer("SGD", {"lr": 0.1}), batch_size=1,
            shuffle=False, progress=False, on_step=lambda step, loss: steps.append(step))
    assert steps == [] and all((p == q).all() for p, q in zip(program.parameters, before))


def test_fit_refuses_numbers_for_a_class_loss():
    torch.manual_seed(0)
    program = Program(from_torch(nn.Sequential(nn.Linear(2, 3), nn.LogSoftmax(dim=1)).double()), "nll")
    with pytest.raises(ShapeError, match=r"y must be a vector of integer class indices, got float64 of shape "
                                         r"\(4, 3\) \(the loss nll takes classes\)"):
        fit(program, DataSet(np.zeros((4, 2)), np.zeros((4, 3))), make_optimizer("SGD", {}), progress=False)


# -- worksheet runs in torch's order -----------------------------------------------------------------

def test_a_worksheet_run_in_torchs_order_is_checked_against_torch_and_says_so():
    pytest.importorskip("sklearn")  # the digits demo data
    from symgrad.matrix import Activation, Linear, Network
    from symgrad.matrix.section import section
    from symgrad.matrix.torch_twin import symgrad_trace
    from symgrad.matrix.training import MatrixTraining
    from symgrad.worksheets.worksheet import Derivative, Worksheet
    import sympy as sp

    run = MatrixTraining(Network([Linear(784, 16), Activation("relu"), Linear(16, 10), Activation("log_softmax")]),
                         epochs=2, options={"lr": 0.05}, batch_size=256, shuffle="torch", seed=4)
    assert symgrad_trace(run, "float64", 2).losses.tolist() != symgrad_trace(
        dataclasses.replace(run, shuffle=True), "float64", 2).losses.tolist()  # the order is not NumPy's
    sheet = Worksheet("small", "A small run", sp.Symbol("x") ** 2, [Derivative(sp.Symbol("x"))], training=run)
    checked = section(run, sheet)  # an error, not a page, if torch's run in DataLoader's order differs
    assert "shuffled each epoch (seed 4, in the order of PyTorch's DataLoader)" in checked.tex(sheet, answers=False)


def test_a_worksheet_run_refuses_an_unknown_shuffle():
    from symgrad.matrix import Activation, Linear, Network
    from symgrad.matrix.training import MatrixTraining

    with pytest.raises(TrainingError, match="shuffle is False, True .* got 'numpy'"):
        MatrixTraining(Network([Linear(4, 2), Activation("log_softmax")]), shuffle="numpy")
