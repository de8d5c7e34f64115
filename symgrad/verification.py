r"""Verification against the torch twin: symgrad's numbers next to PyTorch's, quantity by quantity.

A worksheet's training run is run twice, by :func:`symgrad.loops.train` and by
:func:`symgrad.torch_twin.torch_train`, and compared iteration by iteration (loss, gradients,
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

from .loops import compile_objective, plan, train
from .torch_twin import autograd_gradient, torch_sgd_steps, torch_train
from .worksheet import DirectionalDerivative, GradientStep, answer_values

__all__ = ["TOLERANCES", "Row", "compare_histories", "verify_training", "verify_questions", "verify_worksheet"]

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
    """Rows for the questions that have a number at the worksheet's point (a symbolic answer is
    evaluated there), against torch in float64. Derivatives with respect to an intermediate node are
    left out: autograd differentiates with respect to leaves."""
    rows = []
    for number, question in enumerate(sheet.questions, 1):
        torch_value = _torch_answer(sheet, question)
        if torch_value is None:
            continue
        ours = answer_values(_at_point(question.answer(sheet), sheet.point))
        ours = ours if isinstance(ours, list) else [ours]
        if any(v is None for v in ours):
            continue
        rows.append(Row(sheet.name, f"question {number} ({question.kind})",
                        *_differences([ours], [list(torch_value)]), TOLERANCES["float64"]))
    return rows


def verify_worksheet(sheet, modes=("float64", "float32"), iterations=None):
    """Every comparison a worksheet offers: its questions, and its training run when it has one."""
    rows = verify_questions(sheet)
    if sheet.training is not None:
        rows += sheet.training.verify(sheet, modes, iterations)
    return rows


def _torch_answer(sheet, question):
    """Torch's value of a question at the point, as a tuple of floats, or None when it has none."""
    graph = sheet.graph_of(question.of)
    wrt = question.wrt if isinstance(question.wrt, (list, tuple)) else [question.wrt]
    wrt = sheet.walk(wrt, question.of).wrt
    leaves = graph.leaves(graph.output)
    if any(w in graph.nodes for w in wrt) or any(leaf not in sheet.point for leaf in leaves):
        return None
    if isinstance(question, GradientStep):
        return torch_sgd_steps(graph, wrt, sheet.point, question.learning_rate, question.steps)
    gradient = autograd_gradient(graph, wrt, sheet.point)[1]
    if isinstance(question, DirectionalDerivative):
        direction = np.array([float(v) for v in question.direction])
        return (float(np.dot(gradient, direction) / np.linalg.norm(direction)),)
    return gradient


def _at_point(value, point):
    """An answer with the point's numbers put in (a number stays as it is)."""
    if isinstance(value, tuple):
        return tuple(_at_point(v, point) for v in value)
    return sympy.sympify(value).xreplace(point)
