r"""Verification against the torch twin: symgrad's numbers next to PyTorch's, quantity by quantity.

A worksheet's scalar training run is run twice, by :func:`symgrad.numeric.loops.train` and by
:func:`symgrad.twin.torch_twin.torch_train`, and compared iteration by iteration (loss, gradients,
parameters) in float64 and float32; a matrix-mode run by :mod:`symgrad.matrix.torch_twin`. Its questions with a numeric answer are checked against autograd
(derivatives, gradients, directional derivatives), ``torch.autograd.functional.hessian`` (Hessians,
and with autograd's gradient, Newton's steps) and ``torch.optim.SGD`` (gradient steps).

A difference is measured relative to the size of the quantity (:mod:`symgrad.twin.comparison`): for
the loss, and for each parameter's column of gradients or values, the largest ``|ours - torch's|``
over the run divided by the largest ``|torch's|`` over the run.
"""

import dataclasses
import functools

import sympy

from ..core.calculus import as_graph
from ..core.errors import TrainingError
from ..explain.tasks import read_question
from .answer_key import worksheet_key
from .worksheet import MatrixGradient
from ..matrix import torch_twin as matrix_twin
from ..matrix.training import MatrixTraining
from ..numeric.loops import compile_objective, train
from ..numeric.training import Training, plan
from ..core.numbers import exact
from ..twin.comparison import TOLERANCES, Comparison, columns, compare_histories, difference
from ..twin.oracles import (finite_difference_gradient, finite_difference_hessian, newton_step, to_float,
                            torch_gradient, torch_hessian)
from ..twin.torch_twin import torch_sgd_steps, torch_train

__all__ = ["verify_training", "verify_questions", "verify_worksheet", "numeric_answer"]


@functools.singledispatch
def verify_training(run, sheet, modes=("float64", "float32"), iterations=None):
    """:class:`~symgrad.twin.comparison.Comparison` s of ``sheet``'s training run ``run`` with the
    torch twin's, in each mode; ``iterations`` caps the run (whole epochs, then torch stops at the
    same iteration)."""
    raise TrainingError(f"worksheet {sheet.name}: symgrad cannot verify a {type(run).__name__} training run")


@verify_training.register
def _verify_scalar(training: Training, sheet, modes=("float64", "float32"), iterations=None):
    if iterations is not None:
        per_epoch = plan(training, sheet.model).order.batches_per_epoch
        training = dataclasses.replace(training, epochs=min(training.epochs, -(-iterations // per_epoch)))
    objective = compile_objective(plan(training, sheet.model))
    rows = []
    for mode in modes:
        ours = train(training, sheet.model, mode=mode, objective=objective, progress=False)
        theirs = torch_train(plan(training, sheet.model, mode=mode), iterations=ours.iterations)
        rows += compare_histories(sheet.name, ours, theirs, TOLERANCES[f"scalar run {mode}"].rtol, f"{mode} ")
    return rows


@verify_training.register
def _verify_matrix(run: MatrixTraining, sheet, modes=("float64", "float32"), iterations=None):
    return matrix_twin.verify_training(run, sheet.name, modes, iterations)


def verify_questions(sheet):
    """:class:`~symgrad.twin.comparison.Comparison` s for the questions of the worksheet's key,
    against torch in float64, each at its point (a symbolic answer at the worksheet's point, when
    that gives all its variables; the pytest plugin checks the others at random points)."""
    rows = []
    for entry in worksheet_key(sheet)["questions"]:
        if entry["kind"] == MatrixGradient.kind:  # exact, by SymPy's matrix calculus: nothing to compare
            continue
        question = read_question(entry)
        point = question.point if question.point is not None else sheet.point
        if not question.function.free_symbols <= set(point):
            continue
        ours = [to_float(sympy.sympify(a).xreplace(point)) for a in question.answer]
        theirs = numeric_answer(question, point, "torch")
        rows.append(Comparison(sheet.name, f"question {question.id} ({question.kind})",
                               *difference(columns([ours]), columns([list(theirs)])),
                               TOLERANCES["questions float64"].rtol))
    return rows


def numeric_answer(question, point, method):
    """What a key question's answer (:class:`~symgrad.explain.tasks.KeyQuestion`) is numerically at ``point``:
    by ``"finite_difference"`` (central differences; an update steps along that gradient, a Hessian
    differentiates the gradient) or by ``"torch"`` (autograd in float64; an update by ``torch.optim.SGD``,
    a Hessian by ``torch.autograd.functional.hessian``); Newton's step solves with that Hessian and gradient.
    A list of floats (a Hessian's row by row)."""
    if question.kind == "gradient_step":
        if method == "torch":
            return list(torch_sgd_steps(as_graph(question.function), question.wrt, point, question.learning_rate,
                                        question.steps))
        rate, values = to_float(question.learning_rate), dict(point)
        for _ in range(question.steps):
            gradient = finite_difference_gradient(question.function, question.wrt, values)
            values.update({w: exact(float(values[w]) - rate * g) for w, g in zip(question.wrt, gradient)})
        return [float(values[w]) for w in question.wrt]
    if question.kind == "newton_step":
        return list(newton_step(question.function, question.wrt, point, method))
    if question.kind == "hessian":
        hessian = finite_difference_hessian if method == "finite_difference" else torch_hessian
        return [h for row in hessian(question.function, question.wrt, point) for h in row]
    oracle = finite_difference_gradient if method == "finite_difference" else torch_gradient
    gradient = oracle(question.function, question.wrt, point)
    if question.kind == "directional_derivative":
        norm = sympy.sqrt(sum(c ** 2 for c in question.direction))
        return [sum(g * to_float(c / norm) for g, c in zip(gradient, question.direction))]
    return list(gradient)


def verify_worksheet(sheet, modes=("float64", "float32"), iterations=None):
    """Every comparison a worksheet offers: its questions, and its training run when it has one."""
    rows = verify_questions(sheet)
    if sheet.training is not None:
        rows += verify_training(sheet.training, sheet, modes, iterations)
    return rows
