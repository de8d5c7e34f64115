"""Verification: histories compared, worksheets verified (the metric itself: test_comparison.py)."""

from pathlib import Path

import pytest

from symgrad.numeric.loops import History, train_worksheet
from symgrad.twin.comparison import compare_histories
from symgrad.worksheets.verification import verify_questions, verify_worksheet
from symgrad.worksheets.worksheet import load_worksheet

pytest.importorskip("torch")

WORKSHEETS = Path(__file__).parent.parent / "worksheets"


def test_a_different_history_fails():
    sheet = load_worksheet(WORKSHEETS / "s4_linear_regression.py")
    ours = train_worksheet(sheet)
    nudged = History(ours.names, ours.parameters * (1 + 1e-9), ours.gradients, ours.losses,
                     ours.iterations_per_epoch, ours.learning_rates, ours.mode)
    rows = {r.quantity: r for r in compare_histories("s4", nudged, ours, 1e-12)}
    assert rows["loss"].passed and rows["gradients"].passed and not rows["parameters"].passed
    assert rows["parameters"].max_rel == pytest.approx(1e-9, rel=1e-3)


def test_s3_is_verified_question_by_question_and_iteration_by_iteration():
    rows = verify_worksheet(load_worksheet(WORKSHEETS / "s3_backprop_by_hand.py"))
    quantities = [r.quantity for r in rows]
    assert quantities == ["question q1 (derivative_at)", "question q2 (derivative)", "question q3 (derivative_at)",
                          "question q4 (derivative_at)", "question q5 (gradient)", "question q6 (gradient_step)",
                          "float64 loss", "float64 gradients", "float64 parameters",
                          "float32 loss", "float32 gradients", "float32 parameters"]
    assert all(r.passed for r in rows)
    assert [r.tolerance for r in rows] == [1e-12] * 9 + [1e-5] * 3


def test_questions_about_intermediate_nodes_are_checked_with_the_nodes_cut_loose():
    """dL/dz_k at the point is compared with autograd of L as a function of z (the key writes it so);
    a symbolic question in a node needs the node's value, which the worksheet's point does not give."""
    sheet = load_worksheet(WORKSHEETS / "softmax_cross_entropy.py")
    rows = verify_questions(sheet)
    assert [r.quantity for r in rows] == ["question q2 (derivative_at)", "question q3 (gradient)",
                                          "question q4 (gradient)"]
    assert all(r.passed for r in rows)
    assert verify_worksheet(sheet) == verify_questions(sheet)  # no training run


def test_a_capped_run_compares_the_same_iterations():
    rows = verify_worksheet(load_worksheet(WORKSHEETS / "s4_linear_regression.py"), modes=("float64",), iterations=10)
    assert [r.quantity for r in rows][-3:] == ["float64 loss", "float64 gradients", "float64 parameters"]
    assert all(r.passed for r in rows)
