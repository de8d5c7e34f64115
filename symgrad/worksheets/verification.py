r"""Verification against the torch twin: symgrad's numbers next to PyTorch's, quantity by quantity.

A worksheet's training run is run twice, by :func:`symgrad.numeric.loops.train` and by
:func:`symgrad.twin.torch_twin.torch_train`, and compared iteration by iteration (loss, gradients,
parameters) in float64 and float32. Its questions with a numeric answer are checked against autograd
(derivatives, gradients, directional derivatives) and ``torch.optim.SGD`` (gradient steps).

A difference is measured relative to the size of the quantity: for the loss, and for each parameter's
column of gradients or values, the largest ``|ours - torch's|`` over the run divided by the largest
``|torch's|`` over the run. (An entry-by-entry ratio means nothing where a value crosses or converges
to zero, as gradients do: there both programs round differently sums that nearly cancel.)
"""

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import sympy

from ..core.calculus import as_graph
from ..explain.tasks import read_question
from .answer_key import worksheet_key
from ..numeric.loops import compile_objective, plan, train
from ..core.numbers import exact
from ..testing.assertions import finite_difference_gradient, to_float, torch_gradient
from ..twin.torch_twin import torch_sgd_steps, torch_train

__all__ = ["TOLERANCES", "Row", "compare_histories", "verify_training", "verify_questions", "verify_worksheet",
           "numeric_answer"]

TOLERANCES = {"float64": 1e-12, "float32": 1e-5}


@dataclass(frozen=True)
class Row:
    """One compared quantity: the largest absolute and relative differences and whether the relative
    one is within the tolerance."""

    worksheet: str
    quantity: str
    max_abs: float
    max_rel: float
    tolerance: float

    @property
    def passed(self):
        return bool(self.max_rel <= self.tolerance)

    def as_dict(self):
        return {"worksheet": self.worksheet, "quantity": self.quantity, "max_abs": self.max_abs,
                "max_rel": self.max_rel, "tolerance": self.tolerance, "pass": self.passed}


def _differences(ours, theirs):
    """``(max_abs, max_rel)``: relative per column to the column's largest torch value (see above);
    a column that is all zeros in torch's run is measured absolutely. NaN never passes."""
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if ours.shape != theirs.shape:
        return math.inf, math.inf
    if ours.size == 0:
        return 0.0, 0.0
    diff = np.abs(ours - theirs)
    diff[np.isnan(diff)] = math.inf
    columns = diff.reshape(len(diff), -1)
    scale = np.abs(theirs).reshape(len(diff), -1).max(axis=0)
    largest = columns.max(axis=0)
    relative = np.where(largest == 0, 0.0, largest / np.where(scale == 0, 1.0, scale))
    return float(diff.max()), float(relative.max())


def compare_histories(worksheet, ours, theirs, tolerance, label=""):
    """Rows for the loss, the gradients and the parameters of two histories of the same run."""
    return [Row(worksheet, f"{label}{name}", *_differences(getattr(ours, field), getattr(theirs, field)), tolerance)
            for name, field in (("loss", "losses"), ("gradients", "gradients"), ("parameters", "parameters"))]


def verify_training(sheet, modes=("float64", "float32"), iterations=None):
    """Rows comparing the worksheet's training run with the torch twin's, in each mode; ``iterations``
    caps the run (whole epochs, then torch stops at the same iteration)."""
    training = sheet.training
    if iterations is not None:
        per_epoch = plan(training, sheet.model).order.batches_per_epoch
        training = dataclasses.replace(training, epochs=min(training.epochs, -(-iterations // per_epoch)))
    objective = compile_objective(plan(training, sheet.model))
    rows = []
    for mode in modes:
        ours = train(training, sheet.model, mode=mode, objective=objective, progress=False)
        theirs = torch_train(plan(training, sheet.model, mode=mode), iterations=ours.iterations)
        rows += compare_histories(sheet.name, ours, theirs, TOLERANCES[mode], f"{mode} ")
    return rows


def verify_questions(sheet):
    """Rows for the questions of the worksheet's key, against torch in float64, each at its point (a
    symbolic answer at the worksheet's point, when that gives all its variables; the pytest plugin
    checks the others at random points)."""
    rows = []
    for entry in worksheet_key(sheet)["questions"]:
        question = read_question(entry)
        point = question.point if question.point is not None else sheet.point
        if not question.function.free_symbols <= set(point):
            continue
        ours = [to_float(sympy.sympify(a).xreplace(point)) for a in question.answer]
        theirs = numeric_answer(question, point, "torch")
        rows.append(Row(sheet.name, f"question {question.id} ({question.kind})",
                        *_differences([ours], [list(theirs)]), TOLERANCES["float64"]))
    return rows


def numeric_answer(question, point, method):
    """What a key question's answer (:class:`~symgrad.explain.tasks.KeyQuestion`) is numerically at ``point``:
    by ``"finite_difference"`` (central differences; an update steps along that gradient) or by
    ``"torch"`` (autograd in float64; an update by ``torch.optim.SGD``). A list of floats."""
    if question.kind == "gradient_step":
        if method == "torch":
            return list(torch_sgd_steps(as_graph(question.function), question.wrt, point, question.learning_rate,
                                        question.steps))
        rate, values = to_float(question.learning_rate), dict(point)
        for _ in range(question.steps):
            gradient = finite_difference_gradient(question.function, question.wrt, values)
            values.update({w: exact(float(values[w]) - rate * g) for w, g in zip(question.wrt, gradient)})
        return [float(values[w]) for w in question.wrt]
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
        rows += sheet.training.verify(sheet, modes, iterations)
    return rows
