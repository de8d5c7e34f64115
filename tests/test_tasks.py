from pathlib import Path

import pytest
import sympy as sp

from answer_keys import key_of_file
from symgrad import DirectionError, Question, ShapeError, SymgradError
from symgrad.explain.tasks import (TASKS, Derivative, DerivativeAt, DirectionalDerivative, Gradient, GradientStep,
                                   Hessian, NewtonStep)
from symgrad.worksheets import worksheet
from symgrad.answers.question import MatrixQuestion
from symgrad.worksheets.worksheet import MatrixGradient, load_worksheet

WORKSHEETS = sorted((Path(__file__).parent.parent / "worksheets").glob("*.py"))

w, b, x, eta = sp.symbols("w b x eta")
F = (w * x + b) ** 2
PARTIALS = (2 * x * (w * x + b), 2 * (w * x + b))
POINT = {w: 1, b: 0, x: 3}


@pytest.mark.parametrize("task, point, answer, numeric", [
    (Derivative(w), None, (PARTIALS[0],), False),
    (DerivativeAt(w), POINT, (18,), True),
    (Gradient([w, b], at_point=False), None, PARTIALS, False),
    (Gradient([w, b]), POINT, (18, 6), True),
    (DirectionalDerivative([w, b], (3, 4), at_point=False), None, ((3 * PARTIALS[0] + 4 * PARTIALS[1]) / 5,), False),
    (DirectionalDerivative([w, b], (3, 4)), POINT, (sp.Rational(78, 5),), True),
    (GradientStep([w, b], eta, at_point=False), None, (w - eta * PARTIALS[0], b - eta * PARTIALS[1]), False),
    (GradientStep([w, b], sp.Rational(1, 10)), POINT, (1 - sp.Rational(18, 10), -sp.Rational(6, 10)), True),
    (GradientStep([w, b], sp.Rational(1, 10), steps=2), POINT,
     (sp.Rational(-4, 5) - sp.Rational(1, 10) * 6 * (sp.Rational(-12, 5) - sp.Rational(3, 5)),
      sp.Rational(-3, 5) - sp.Rational(1, 10) * 2 * (sp.Rational(-12, 5) - sp.Rational(3, 5))), True),
    (Hessian([w, b], at_point=False), None, (2 * x ** 2, 2 * x, 2 * x, 2), False),
    (Hessian([w, b]), POINT, (18, 6, 6, 2), True),
])
def test_answers_from_partials(task, point, answer, numeric):
    assert task.numeric is numeric
    got = task.answer_from(F, (w, b), PARTIALS, point)
    assert len(got) == len(answer) and all(sp.simplify(g - a) == 0 for g, a in zip(got, answer))


@pytest.mark.parametrize("task, kinds", [
    (Derivative(w), []),
    (Gradient([w, b], at_point=False, shape=(1, 2)), []),
    (Gradient([w, b, w, b], at_point=False, shape=(2, 2)), ["transposed"]),
    (DirectionalDerivative([w, b], (3, 4), at_point=False), ["sign_error", "missing_constant_factor"]),
    (GradientStep([w, b], eta, at_point=False), ["gd_wrong_sign", "gd_used_loss_not_gradient",
                                                 "gd_missing_learning_rate"]),
])
def test_each_task_names_its_own_slips(task, kinds):
    partials = PARTIALS + PARTIALS if task.shape == (2, 2) else PARTIALS
    assert [k for k, _, _ in task.slips(F, (w, b, w, b)[:len(partials)], partials)] == kinds


def test_the_slips_of_a_step():
    step = GradientStep([w, b], sp.Rational(1, 10))
    slips = {k: a for k, a, _ in step.slips(F, (w, b), PARTIALS, POINT)}
    assert slips["gd_wrong_sign"] == (1 + sp.Rational(18, 10), sp.Rational(6, 10))
    assert slips["gd_used_loss_not_gradient"] == (1 - sp.Rational(9, 10), -sp.Rational(9, 10))
    assert slips["gd_missing_learning_rate"] == (-17, -6)


@pytest.mark.parametrize("build, error, message", [
    (lambda: DirectionalDerivative([w, b], (0, 0)), DirectionError, "zero vector"),
    (lambda: DirectionalDerivative([w, b], (1, 2, 3)), ShapeError, "3 components but there are 2 variables"),
    (lambda: DirectionalDerivative([w, b], "up"), ShapeError, "a sequence of numbers, got 'up'"),
    (lambda: GradientStep([w], None), SymgradError, "needs a learning_rate"),
    (lambda: GradientStep([w], 0.1, steps=0), SymgradError, "at least 1, got 0"),
])
def test_a_task_checks_its_own_fields(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_a_task_keeps_its_fields_as_written_and_gives_them_exactly():
    step, along = GradientStep([w], 0.1), DirectionalDerivative([w, b], (0.5, 1))
    assert step.learning_rate == 0.1 and step.rate == sp.Rational(1, 10)
    assert along.direction == (0.5, 1) and along.vector == (sp.Rational(1, 2), 1)


def test_each_kind_is_named_once():
    assert TASKS == {"derivative": Derivative, "derivative_at": DerivativeAt, "gradient": Gradient,
                     "directional_derivative": DirectionalDerivative, "gradient_step": GradientStep,
                     "hessian": Hessian, "newton_step": NewtonStep}


@pytest.mark.parametrize("path", WORKSHEETS, ids=lambda p: p.stem)
def test_worksheets_keys_and_the_checker_share_the_kinds(path):
    """A worksheet's questions, written to its key and read back by the checker, are the same tasks."""
    sheet = load_worksheet(path)
    key = key_of_file(path)
    questions = [Question.from_key(entry, nodes=key["nodes"]) for entry in key["questions"]]
    matrix = [isinstance(q, MatrixGradient) for q in sheet.questions]
    assert [isinstance(q, MatrixQuestion) for q in questions] == matrix  # answered by matrix calculus
    assert all(q.wrt == s.wrt for q, s, m in zip(questions, sheet.questions, matrix) if m)
    read = [q.task for q, m in zip(questions, matrix) if not m]
    asked = [q for q, m in zip(sheet.questions, matrix) if not m]
    assert [type(t) for t in read] == [type(q) for q in asked]
    assert [t.numeric for t in read] == [q.numeric for q in asked]
    assert [getattr(t, "rate", None) for t in read] == [getattr(q, "rate", None) for q in asked]


def test_the_worksheet_classes_are_the_tasks():
    assert (worksheet.Derivative, worksheet.DerivativeAt, worksheet.Gradient, worksheet.DirectionalDerivative,
            worksheet.GradientStep, worksheet.Hessian, worksheet.NewtonStep) == (
        Derivative, DerivativeAt, Gradient, DirectionalDerivative, GradientStep, Hessian, NewtonStep)
