"""A matrix-mode run next to torch's: the same network, parameters and batches, compared per array."""

import pytest

from symgrad.matrix import Activation, Linear, Network
from symgrad.matrix import torch_twin
from symgrad.matrix.torch_twin import symgrad_trace, torch_trace, verify_training
from symgrad.matrix.training import MatrixTraining
from symgrad.twin.comparison import difference
from symgrad.worksheets.worksheet import load_worksheet

pytest.importorskip("torch")
pytest.importorskip("sklearn")

SMALL = Network([Linear(784, 16), Activation("tanh"), Linear(16, 10)])


def test_s2s_first_epoch_matches_torch_in_both_modes():
    from pathlib import Path

    sheet = load_worksheet(Path(__file__).parent.parent / "worksheets" / "s2_two_layer_network.py")
    rows = verify_training(sheet.training, sheet.name, iterations=10)  # whole epochs: one of 24 steps
    assert [r.quantity for r in rows] == [f"matrix {mode} {q}" for mode in ("float64", "float32")
                                          for q in ("loss", "gradients (last step)", "parameters (each epoch)")]
    assert all(r.passed for r in rows), rows
    assert all(r.max_rel < 1e-13 for r in rows[:3]) and all(r.max_rel < 1e-5 for r in rows[3:])
    assert all(r.max_abs > 0 for r in rows[3:])  # float32: two programs, not one computed twice


@pytest.mark.parametrize("optimizer, options", [("SGD", {"lr": 1e-4, "momentum": 0.9, "nesterov": True}),
                                                ("Adam", {"lr": 0.003, "weight_decay": 1e-3})])
def test_traces_of_other_optimizers_and_cross_entropy_agree(optimizer, options):
    spec = MatrixTraining(SMALL, loss="cross_entropy", reduction="sum", optimizer=optimizer, options=options,
                          batch_size=500, seed=3)
    ours, theirs = symgrad_trace(spec, "float64", 2), torch_trace(spec, "float64", 2)
    assert len(ours.losses) == len(theirs.losses) == 6 and len(ours.parameters) == len(theirs.parameters) == 2
    assert ours.losses[-1] < ours.losses[0]
    for quantity in ("gradients", "parameters"):
        mine = getattr(ours, quantity) if quantity == "gradients" else sum(ours.parameters, [])
        reference = getattr(theirs, quantity) if quantity == "gradients" else sum(theirs.parameters, [])
        assert difference(mine, reference)[1] < 1e-10, quantity


def test_a_difference_fails_the_row(monkeypatch):
    spec = MatrixTraining(SMALL, loss="cross_entropy", options={"lr": 0.05}, batch_size=750)
    exact = torch_twin.torch_trace
    monkeypatch.setattr(torch_twin, "torch_trace", lambda s, dtype, epochs: exact(
        MatrixTraining(SMALL, loss="cross_entropy", options={"lr": 0.0501}, batch_size=750), dtype, epochs))
    rows = verify_training(spec, "w", modes=("float64",))
    assert [r.passed for r in rows] == [False, False, False]  # the first loss agrees, the later ones cannot
