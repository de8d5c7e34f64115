"""A worksheet's matrix-mode training run: S2's spec, refused settings, and what symgrad train and
render do with it (train, report, plot, save: :mod:`symgrad.worksheets.runs`; its derivation)."""

import math
from pathlib import Path

import numpy as np
import pytest

from symgrad.core.errors import SymgradError, TrainingError
from symgrad.matrix import Activation, Linear, MatrixDerivation, Network
from symgrad.matrix.training import MatrixTraining
from symgrad.worksheets import runs
from symgrad.worksheets.worksheet import Derivative, TrainingRun, Worksheet, load_worksheet

pytest.importorskip("sklearn")  # the digits demo data

S2 = Path(__file__).parent.parent / "worksheets" / "s2_two_layer_network.py"
SMALL = Network([Linear(784, 16), Activation("relu"), Linear(16, 10), Activation("log_softmax")])


@pytest.fixture(scope="module")
def s2():
    return load_worksheet(S2)


def test_s2s_worksheet_trains_its_mnist_network_as_s2_does(s2):
    run = s2.training
    assert isinstance(run, MatrixTraining) and isinstance(run, TrainingRun)
    widths = [(layer.in_features, layer.out_features) for layer in run.network.layers if isinstance(layer, Linear)]
    kinds = [layer.kind for layer in run.network.layers if isinstance(layer, Activation)]
    assert widths == [(784, 128), (128, 64), (64, 10)] and kinds == ["relu", "relu", "log_softmax"]
    assert (run.loss, run.optimizer, dict(run.options), run.batch_size, run.epochs, run.data) == (
        "nll", "SGD", {"lr": 0.003}, 64, 5, "digits")


def test_s2s_run_as_symgrad_train_runs_it(s2, tmp_path):
    """5 epochs of SGD(lr=0.003) on the 1500 training digits: the mean loss goes down every epoch."""
    run = s2.training
    result = runs.train(run, s2, progress=False)
    losses = result.history.epoch_losses
    assert len(result.history.step_losses) == 5 * math.ceil(1500 / 64) and result.history.iterations_per_epoch == 24
    assert len(losses) == 5 and all(b < a for a, b in zip(losses, losses[1:])) and losses[0] < math.log(10)
    assert 0.2 < result.accuracy <= 1.0 and result.dtype == "float32"
    lines = runs.report(run, result).splitlines()
    assert lines[1:3] == ["epoch  mean training loss", f"    1  {losses[0]:.6f}"]
    assert lines[-1] == f"accuracy on the test split: {result.accuracy:.2%}"
    (tmp_path / "elsewhere").write_text("not symgrad's")
    (tmp_path / "s2.npz").symlink_to(tmp_path / "elsewhere")  # replaced, never written through
    runs.save(run, result, tmp_path / "s2.npz")
    assert (tmp_path / "elsewhere").read_text() == "not symgrad's" and not (tmp_path / "s2.npz").is_symlink()
    saved = np.load(tmp_path / "s2.npz")
    assert sorted(saved.files) == ["W1", "W2", "W3", "b1", "b2", "b3"] and saved["W1"].shape == (128, 784)
    assert np.array_equal(saved["W3"], result.parameters["W3"])
    assert not np.array_equal(saved["W3"], run.model().parameters["W3"])  # trained, not initial
    plot = runs.plot(run, result, tmp_path / "s2.png", "S2")
    assert plot.read_bytes()[:4] == b"\x89PNG" and plot.stat().st_size > 10_000


def test_a_run_in_float64_and_the_same_seed_gives_the_same_run():
    spec = MatrixTraining(SMALL, epochs=1, options={"lr": 0.05})
    first, again = spec.run(progress=False, dtype="float64"), spec.run(progress=False, dtype="float64")
    assert first.dtype == "float64" and first.history == again.history
    assert MatrixTraining(SMALL, epochs=1, options={"lr": 0.05}, seed=1).run(progress=False).history != first.history


def test_the_derivation_a_worksheet_prints_is_the_networks(s2):
    derivation = s2.training.derivation()
    assert isinstance(derivation, MatrixDerivation)
    assert [p.name for p in derivation.wrt] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert derivation.backward[0].rule == "cross_entropy"  # nll of log_softmax, fused


def test_exact_mode_is_for_scalar_runs(s2):
    with pytest.raises(TrainingError, match="matrix training computes in float32 or float64, not 'exact'"):
        runs.train(s2.training, s2, mode="exact")


@pytest.mark.parametrize("kwargs, message", [
    (dict(loss="hinge"), "unknown loss 'hinge'"),
    (dict(loss="mse"), "learns class labels: its loss is nll or cross_entropy, not mse"),
    (dict(reduction="max"), "reduction must be one of mean, sum"),
    (dict(batch_size=0), "batch_size must be at least 1"),
    (dict(network="784-128-10"), "needs a matrix Network, got str"),
    (dict(dtype="float16"), "computes in float32 or float64, not 'float16'"),
    (dict(optimizer="Adamax"), "Adamax"),
    (dict(options={"momentum": -1}), "Invalid momentum value"),
])
def test_a_bad_training_spec_is_refused_when_written(kwargs, message):
    spec = {"network": Network([Linear(4, 3), Activation("log_softmax")]), **kwargs}
    with pytest.raises(SymgradError, match=message):
        MatrixTraining(**spec)


def test_a_worksheets_training_must_be_a_run():
    import sympy as sp

    x = sp.Symbol("x")
    with pytest.raises(TrainingError, match="training must be a Training or a MatrixTraining, got Network"):
        Worksheet("w", "W", x ** 2, [Derivative(x)], training=SMALL)
