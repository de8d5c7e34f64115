"""A worksheet's training run summarised: the epochs a table shows, and predictions before and after."""

import dataclasses
from pathlib import Path

import pytest
import sympy as sp

from symgrad.numeric.loops import EpochRow
from symgrad.numeric.training_summary import shown_epochs, summarise
from symgrad.worksheets.worksheet import Prediction, load_worksheet

WORKSHEETS = Path(__file__).parent.parent / "worksheets"


def sheet(name):
    return load_worksheet(WORKSHEETS / f"{name}.py")


def rows(count):
    return tuple(EpochRow(e, (e,), 0.0, 0.0, 0.1, e) for e in range(1, count + 1))


@pytest.mark.parametrize("count, every, first, shown", [
    (5, 1, 1, [1, 2, 3, 4, 5]),
    (100, 10, 3, [1, 2, 3, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]),
    (23, 5, 1, [1, 5, 10, 15, 20, 23]),                      # the last epoch always
    (100, 5, 1, [1] + list(range(5, 101, 5))),               # what symgrad train shows by default
])
def test_the_table_shows_the_first_epochs_every_kth_and_the_last(count, every, first, shown):
    assert [r.epoch for r in shown_epochs(rows(count), every, first)] == shown


@pytest.mark.parametrize("name, iterations, every, first, epochs", [
    ("s0_sgd_by_hand", 300, 10, 3, [1, 2, 3, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]),
    ("s0_linear_in_pytorch", 1000, 100, 3, [1, 2, 3] + list(range(100, 1001, 100))),
    ("s1_batch_gradient_descent", 100, 10, 3, [1, 2, 3] + list(range(10, 101, 10))),
    ("s3_backprop_by_hand", 5, 1, 1, [1, 2, 3, 4, 5]),
    ("s4_linear_regression", 1000, 100, 3, [1, 2, 3] + list(range(100, 1001, 100))),
])
def test_each_worksheets_run_is_summarised_in_about_ten_rows(name, iterations, every, first, epochs):
    summary = summarise(sheet(name))
    assert summary.history.iterations == iterations
    assert (summary.every, summary.first) == (every, first)
    assert [r.epoch for r in summary.rows] == epochs
    assert summary.skips == (len(epochs) < len(summary.history.epochs))


def test_s3_runs_exactly_and_its_first_step_is_the_seeds():
    summary = summarise(sheet("s3_backprop_by_hand"))
    first = summary.rows[0]
    assert summary.history.mode == "exact"
    assert dict(zip(summary.plan.names, first.parameters))["w5"] == sp.Rational(479, 500)
    assert dict(zip(summary.plan.names, first.parameters))["w1"] == sp.Rational(979, 1000)
    assert first.loss == sp.Rational(441, 100)


def test_s1_predicts_4_before_and_8_after_training():
    (prediction,) = summarise(sheet("s1_batch_gradient_descent")).predictions
    assert prediction.before == 4 and isinstance(prediction.before, sp.Integer)
    assert prediction.after == 8.0 and isinstance(prediction.after, float)
    assert prediction.node is None and str(prediction.expression) == "w*x"


def test_a_prediction_of_a_node_uses_the_final_parameters():
    s0 = sheet("s0_linear_in_pytorch")
    summary = summarise(s0)
    (prediction,) = summary.predictions
    final = summary.history.final
    assert prediction.node.name == "yhat" and prediction.before == sp.Rational(9, 4)  # 0.5 * 5 - 0.25
    assert prediction.after == final["w"] * 5.0 + final["b"]


def test_an_exact_run_predicts_exactly():
    s1 = sheet("s1_batch_gradient_descent")
    s1 = dataclasses.replace(s1, training=dataclasses.replace(s1.training, epochs=2, mode="exact"),
                             predictions=[Prediction(sp.Symbol("w") * sp.Symbol("x"), at={"x": 4})])
    (prediction,) = summarise(s1).predictions
    w = 1 - sp.Rational(1, 10) * sp.Rational(-28, 3)  # one step of the mean cost's gradient from w = 1
    w = w - sp.Rational(1, 10) * sp.Rational(28, 3) * (w - 2)
    assert prediction.after == 4 * w
