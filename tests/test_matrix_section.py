"""A matrix run's section of a worksheet's PDF: it is run and held against PyTorch's before it is
printed; its closing sentence, its set-up and its figure."""

import dataclasses

import pytest
import sympy as sp

from symgrad.core.errors import DerivationError
from symgrad.matrix import Activation, Linear, Network
from symgrad.matrix import section as section_module
from symgrad.matrix.section import section
from symgrad.matrix.training import MatrixTraining
from symgrad.twin.comparison import Comparison
from symgrad.worksheets.worksheet import Derivative, Worksheet

pytest.importorskip("sklearn")  # the digits demo data

x = sp.Symbol("x")
SMALL = MatrixTraining(Network([Linear(784, 16), Activation("relu"), Linear(16, 10), Activation("log_softmax")]),
                       epochs=1, options={"lr": 0.05}, batch_size=256)


def sheet(run=SMALL):
    return Worksheet("small", "A small run", x ** 2, [Derivative(x)], training=run)


def test_the_run_is_checked_against_torch_and_the_sentence_says_by_how_much():
    pytest.importorskip("torch")
    checked = section(SMALL, sheet())
    assert [r.quantity for r in checked.check.rows] == ["matrix float64 loss", "matrix float64 gradients (last step)",
                                                        "matrix float64 parameters (each epoch)"]
    largest = max(r.max_rel for r in checked.check.rows)
    assert largest <= 1e-10
    assert f"differ by at most {largest:.1e} relative to their size (tolerance 1e-10)" in checked.check.sentence()
    assert "NLLLoss, torch.optim.SGD" in checked.check.sentence()
    assert checked.samples == (1500, 297) and len(checked.result.history.step_losses) == 6  # ceil(1500/256)


def test_a_run_that_disagrees_with_torch_is_an_error_not_a_pdf(monkeypatch):
    pytest.importorskip("torch")
    wrong = [Comparison("small", "matrix float64 loss", 0.5, 0.25, 1e-10)]
    monkeypatch.setattr(section_module, "verify_training", lambda run, worksheet, modes=(), iterations=None: wrong)
    with pytest.raises(DerivationError, match=r"worksheet small: the training run disagrees with PyTorch's in its "
                                              r"matrix float64 loss, by 0.25"):
        section(SMALL, sheet())


def test_without_torch_the_run_is_said_not_compared(monkeypatch):
    monkeypatch.setattr(section_module, "torch_available", lambda: False)
    assert section(SMALL, sheet()).check.sentence() == (
        "Its training run was not compared with PyTorch's (torch is not installed).")


def test_the_setup_names_the_data_and_counts_the_iterations(tmp_path):
    checked = section(dataclasses.replace(SMALL), sheet())
    setup = checked.tex(sheet(), answers=False)
    assert "784-16-10 (relu, log\\_softmax)" in setup and "$N = 1500$ training images" in setup
    assert "$B = 256$" in setup and r"\lceil N/B\rceil = 6" in setup and "6 in 1 epoch." in setup
    (figure,) = checked.figures(sheet(), tmp_path)
    assert (tmp_path / figure.file).stat().st_size > 1000 and "each of the 6 iterations" in figure.caption


def test_an_mnist_folder_is_printed_as_text(tmp_path, monkeypatch):
    folder = tmp_path / "mnist_$\\input{x}"
    run = dataclasses.replace(SMALL, data=str(folder))
    digits = SMALL.datasets()
    monkeypatch.setattr(MatrixTraining, "datasets", lambda self: digits)
    monkeypatch.setattr(section_module, "verify_training", lambda run, worksheet, modes=(), iterations=None: [])
    setup = section(run, sheet(run)).tex(sheet(run), answers=False)
    assert "MNIST, read from \\texttt{" in setup and "\\input{x}" not in setup
