"""Worksheets: a model, the numbers it is evaluated at, and the questions asked about it.

A worksheet file in ``worksheets/`` is a small Python module that builds a model with the symgrad
API and sets ``WORKSHEET = Worksheet(...)``. Each question is one of the tasks of
:mod:`symgrad.explain.tasks` (re-exported here): immutable data whose exact answer is computed by the
engine (``question.answer(sheet)``).
"""

import importlib.util
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import sympy

from ..core.backprop import backward
from ..core.errors import SymgradError, TrainingError, UnknownVariableError
from ..core.graph import Graph
from ..core.numbers import exact
from ..explain.tasks import (Derivative, DerivativeAt, DirectionalDerivative, Gradient, GradientStep, Hessian,
                             NewtonStep, Task)
from ..answers.question import Question
from ..numeric.training import Training, TrainingRun, plan
from ..core.variables import as_point, as_scalar, resolve, resolve_all

__all__ = ["Worksheet", "Derivative", "DerivativeAt", "Gradient", "DirectionalDerivative",
           "GradientStep", "Hessian", "NewtonStep", "MatrixGradient", "MatrixAnswer", "TrainingRun", "Training", "Prediction", "Range", "load_worksheet",
           "worksheet_files"]


@dataclass(frozen=True)
class MatrixGradient(Task):
    r"""The gradient of a scalar ``function`` of MatrixSymbols (:func:`symgrad.answers.matrix_symbols`)
    with respect to the matrix ``wrt``, in ML notation (``2X^\top(Xw - y)``): asked of the function, not
    of the worksheet's model, and answered by SymPy's matrix calculus, without steps."""

    function: object
    wrt: object
    kind = "matrix_gradient"
    at_point = False
    of = None

    def answer(self, sheet):
        return Question.matrix_gradient(self.function, self.wrt).reference

    def derivation(self, sheet):
        return MatrixAnswer(sheet.model, self.function, (self.wrt,), self.answer(sheet))


@dataclass(frozen=True)
class MatrixAnswer:
    """A matrix gradient's answer where a derivation goes: the ``output`` differentiated (the function),
    the ``result``, and no steps or point."""

    graph: Graph
    output: object
    wrt: tuple
    result: object
    answers = point = forward = ()

    def every_step(self):
        return []


@dataclass(frozen=True)
class Prediction:
    """What the model predicts, before and after training: ``of`` (an expression of the training
    run's parameters and data symbols, or a node of the worksheet's model) at the data values ``at``."""

    of: object
    at: Mapping

    def node(self, sheet):
        """The node of the model that ``of`` is (a node's name is looked up among them), or None."""
        if isinstance(self.of, str):
            return resolve(self.of, sheet.model.nodes, f"worksheet {sheet.name}'s nodes")
        return self.of if sheet.model.is_node(self.of) else None

    def expression(self, sheet):
        """``of`` written in the training run's parameters and data symbols (no text is ever evaluated)."""
        node = self.node(sheet)
        return sheet.model.expand(node) if node is not None else as_scalar(self.of, "prediction")


@dataclass(frozen=True)
class Range:
    """The numbers ``low, low + step, ..., high`` (exact), one of which a variant draws."""

    low: object
    high: object
    step: object

    def __post_init__(self):
        for name in ("low", "high", "step"):
            object.__setattr__(self, name, exact(getattr(self, name)))
        if self.step <= 0 or self.high < self.low:
            raise SymgradError(f"a range needs low <= high and a positive step, got {self.low}, {self.high}, "
                               f"{self.step}")

    def draw(self, rng):
        """One of the range's numbers, drawn uniformly by ``rng`` (a ``random.Random``)."""
        return self.low + self.step * rng.randint(0, int((self.high - self.low) / self.step))


LEARNING_RATE = "learning_rate"  # the key of ``variants`` that varies every GradientStep's rate


SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
"""A worksheet's name: it names its files and reaches latexmk and TeX, so no path, option or TeX."""


@dataclass(frozen=True)
class Worksheet:
    """A model (a Graph whose output is the loss), the point it is evaluated at, and questions.

    ``point`` maps leaves of the model to numbers (decimals are kept exact); ``notes`` is text the
    teacher wants printed before the questions. ``variants`` maps leaves of the point (and
    ``"learning_rate"``) to the :class:`Range` (or ``(low, high, step)``) a per-student variant
    draws them from. With a ``training`` run, the PDF prints the ``predictions`` (:class:`Prediction`)
    before and after training, and ``surface`` names two of the run's parameters to draw the loss over
    (the other parameters at their initial values, averaged over the data) with the run's trajectory.
    ``diagram`` draws the model's graph (:mod:`symgrad.explain.diagram`): in the teacher's version with
    each box's value at the point and its adjoint, in the student's with the definitions only.
    """

    name: str
    title: str
    model: Graph
    questions: tuple
    point: Mapping = field(default_factory=dict)
    notes: str = ""
    training: TrainingRun | None = None
    variants: Mapping = field(default_factory=dict)
    predictions: tuple = ()
    surface: tuple = ()
    diagram: bool = False

    def __post_init__(self):
        if not isinstance(self.name, str) or not SAFE_NAME.fullmatch(self.name):
            raise SymgradError(f"worksheet name {self.name!r} is not allowed: a name is at most 100 ASCII letters, "
                               "digits, '_', '-' and '.', not beginning with '-' or '.' (it names files and "
                               "reaches latexmk)")
        if self.training is not None and not isinstance(self.training, TrainingRun):
            raise TrainingError(f"worksheet {self.name}: training must be a Training or a MatrixTraining, "
                                f"got {type(self.training).__name__}")
        if not isinstance(self.model, Graph):
            object.__setattr__(self, "model", Graph.from_expression(self.model))
        object.__setattr__(self, "questions", tuple(self.questions))
        object.__setattr__(self, "point", as_point(self.point, self.model.leaves(), f"worksheet {self.name}"))
        for q in self.questions:
            if not isinstance(q, Task):
                raise SymgradError(f"worksheet {self.name}: {q!r} is not a question")
        self._check_points()
        object.__setattr__(self, "variants", self._ranges(self.variants))
        object.__setattr__(self, "predictions", tuple(self.predictions))
        object.__setattr__(self, "surface", tuple(self.surface))
        if self.predictions or self.surface:
            self._check_training_plots()

    def _check_points(self):
        """A question asked at the point needs a value for every leaf its function depends on."""
        for number, q in enumerate(self.questions, 1):
            if q.numeric:
                graph = self.graph_of(q.of)
                missing = [s.name for s in graph.leaves(graph.output) if s not in self.point]
                if missing:
                    raise UnknownVariableError(f"worksheet {self.name}, question q{number} ({q.kind}): the point "
                                               f"gives no value for {', '.join(missing)}")

    def _check_training_plots(self):
        """Predictions and a surface need a training run; they are written in its symbols."""
        if not isinstance(self.training, Training):
            raise SymgradError(f"worksheet {self.name}: predictions and a surface need a scalar training run")
        run = plan(self.training, self.model)
        for p in self.predictions:
            if not isinstance(p, Prediction):
                raise SymgradError(f"worksheet {self.name}: {p!r} is not a Prediction")
            expression = p.expression(self)
            given = as_point(p.at, run.data, f"training run of worksheet {self.name}")
            missing = expression.free_symbols - set(run.parameters) - set(given)
            if missing:
                raise SymgradError(f"worksheet {self.name}: the prediction {expression} needs a value for "
                                   f"{', '.join(sorted(s.name for s in missing))}")
        if self.surface and len(resolve_all(self.surface, run.parameters, "training run's parameters")) != 2:
            raise SymgradError(f"worksheet {self.name}: a surface is drawn over two parameters, "
                               f"got {len(self.surface)}")

    def _ranges(self, variants):
        ranges = {}
        for key, spec in variants.items():
            if key != LEARNING_RATE:
                key = resolve(key, tuple(self.point), f"worksheet {self.name}'s point")
            ranges[key] = spec if isinstance(spec, Range) else Range(*spec)
        return ranges

    def variant(self, number, seed):
        """Variant ``number`` (from 1) for ``seed``: the same worksheet with the numbers ``variants``
        declares drawn anew, named ``NAME-NN``. The same number and seed give the same variant."""
        rng = random.Random(f"{seed}/{self.name}/{number}")
        drawn = {key: self.variants[key].draw(rng) for key in sorted(self.variants, key=str)}
        questions = tuple(replace(q, learning_rate=drawn[LEARNING_RATE])
                          if LEARNING_RATE in drawn and isinstance(q, GradientStep) else q for q in self.questions)
        point = {**self.point, **{k: v for k, v in drawn.items() if k != LEARNING_RATE}}
        return replace(self, name=f"{self.name}-{number:02d}", questions=questions, point=point, variants={})

    def graph_of(self, of=None):
        """The model with ``of`` (a node or its name; default: the loss) as its output."""
        if of is None:
            return self.model
        return self.model.with_output(resolve(of, self.model.nodes, f"worksheet {self.name}'s nodes"))

    def walk(self, wrt, of=None):
        graph = self.graph_of(of)
        return backward(graph, resolve_all(wrt, graph.leaves() + graph.nodes, f"worksheet {self.name}"))


def worksheet_files(paths):
    """The worksheet files ``paths`` name: each a file, or a folder whose ``*.py`` files are taken in
    order; a missing path or a folder without worksheets is a SymgradError."""
    files = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("*.py"))
            if not found:
                raise SymgradError(f"no worksheets (*.py) in {p}")
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            raise SymgradError(f"no worksheet file or folder at {p}")
    return files


def load_worksheet(path):
    """The ``WORKSHEET`` a worksheet file defines (the file is run as the teacher's own Python)."""
    path = Path(path)
    if not path.is_file():
        raise SymgradError(f"no worksheet file at {path}")
    spec = importlib.util.spec_from_file_location(f"symgrad_worksheet_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SymgradError as error:  # the file's own mistake: name the file
        error.args = (f"{path}: {error}", *error.args[1:])
        raise
    sheet = getattr(module, "WORKSHEET", None)
    if not isinstance(sheet, Worksheet):
        raise SymgradError(f"{path} does not define WORKSHEET = Worksheet(...)")
    return sheet


def answer_values(value):
    """The float value(s) of an exact answer, or None where it is still symbolic."""
    if isinstance(value, tuple):
        return [answer_values(v) for v in value]
    value = sympy.sympify(value)
    return float(value.evalf(30)) if value.is_number else None
