"""What acts on a worksheet's training run dispatches on the run's type (:mod:`symgrad.worksheets.runs`,
``verify_training``, ``section``); the worksheet itself only holds the run."""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import sympy as sp

from symgrad.core.errors import TrainingError
from symgrad.numeric.loops import train_worksheet
from symgrad.numeric.training import TrainingRun
from symgrad.worksheets import runs
from symgrad.worksheets.training_section import section
from symgrad.worksheets.verification import verify_training
from symgrad.worksheets.worksheet import Derivative, Worksheet, load_worksheet

WORKSHEETS = Path(__file__).parent.parent / "worksheets"
x = sp.Symbol("x")


@dataclass(frozen=True)
class Elsewhere(TrainingRun):
    """A kind of run no consumer knows."""

    optimizer: str = "SGD"
    options: tuple = ()


def test_a_scalar_run_is_trained_reported_and_saved_as_symgrad_train_does(tmp_path):
    sheet = load_worksheet(WORKSHEETS / "s0_sgd_by_hand.py")
    history = runs.train(sheet.training, sheet, progress=False)
    assert history.final == train_worksheet(sheet).final
    assert runs.report(sheet.training, history).splitlines()[0].startswith("   SGD(lr=")
    runs.save(sheet.training, history, tmp_path / "s0.json")
    assert set(json.loads((tmp_path / "s0.json").read_text())["parameters"]) == set(history.final)


@pytest.mark.parametrize("act, verb", [
    (lambda run, sheet: runs.train(run, sheet), "train"),
    (lambda run, sheet: runs.report(run, None), "report"),
    (lambda run, sheet: runs.plot(run, None, "p.png"), "plot"),
    (lambda run, sheet: runs.save(run, None, "p.json"), "save"),
    (lambda run, sheet: verify_training(run, sheet), "verify"),
    (lambda run, sheet: section(run, sheet), "print"),
])
def test_a_kind_of_run_no_consumer_knows_is_named(act, verb):
    sheet = Worksheet("w", "t", x ** 2, [Derivative(x)], training=Elsewhere())
    with pytest.raises(TrainingError, match=f"cannot {verb} a Elsewhere training run"):
        act(sheet.training, sheet)
