"""Worksheets: a model, the numbers it is evaluated at, and the questions asked about it.

A worksheet file in ``worksheets/`` is a small Python module that builds a model with the symgrad
API and sets ``WORKSHEET = Worksheet(...)``. Each question is immutable data naming its task; its
exact answer is computed by the engine (:meth:`Question.answer`).
"""

import importlib.util
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, runtime_checkable

import sympy

from ..numeric import loops
from ..core.backprop import backward
from ..core.calculus import directional_derivative
from ..numeric.checkpoints import save_parameters
from ..explain.derivation import derive
from ..numeric.epochs import report
from ..core.errors import ShapeError, SymgradError, TrainingError
from ..core.graph import Graph
from ..numeric.loops import MODES, plan
from ..core.numbers import exact
from ..numeric.optimizers import make_optimizer
from ..explain.plots import plot_history
from ..numeric.schedules import SCHEDULES
from ..core.variables import as_point, as_scalar, resolve, resolve_all

__all__ = ["Worksheet", "Derivative", "DerivativeAt", "Gradient", "DirectionalDerivative",
           "GradientStep", "TrainingRun", "Training", "Prediction", "Range", "load_worksheet"]


@dataclass(frozen=True)
class Question:
    """One task about a worksheet's model. ``of`` is the node differentiated (default: the
    model's output, the loss); ``kind`` names the task as answer keys and the checker do."""

    kind = None

    def answer(self, sheet):  # pragma: no cover - each kind defines it
        """The exact answer: a SymPy expression, number, or tuple of them."""
        raise NotImplementedError(type(self).__name__)

    def derivation(self, sheet):  # pragma: no cover - each kind defines it
        """The answer derived step by step (:func:`symgrad.derive`); its ``result`` is the answer."""
        raise NotImplementedError(type(self).__name__)


@dataclass(frozen=True)
class Derivative(Question):
    """Find d(of)/d(wrt) as an expression."""

    wrt: object
    of: object = None
    kind = "derivative"

    def answer(self, sheet):
        return sheet.walk([self.wrt], self.of).gradient[0]

    def derivation(self, sheet):
        return derive(sheet.graph_of(self.of), self.wrt)


@dataclass(frozen=True)
class DerivativeAt(Question):
    """Find d(of)/d(wrt) at the worksheet's point: a number."""

    wrt: object
    of: object = None
    kind = "derivative_at"

    def answer(self, sheet):
        return sheet.walk([self.wrt], self.of).at(sheet.point).gradient[0]

    def derivation(self, sheet):
        return derive(sheet.graph_of(self.of), self.wrt, at=sheet.point)


@dataclass(frozen=True)
class Gradient(Question):
    """Find every partial of ``of`` with respect to ``wrt``, at the point (or symbolically)."""

    wrt: tuple
    of: object = None
    at_point: bool = True
    kind = "gradient"

    def answer(self, sheet):
        walk = sheet.walk(self.wrt, self.of)
        return walk.at(sheet.point).gradient if self.at_point else walk.gradient

    def derivation(self, sheet):
        return derive(sheet.graph_of(self.of), list(self.wrt), at=sheet.point if self.at_point else None)


@dataclass(frozen=True)
class DirectionalDerivative(Question):
    r"""Find $D_v f = \nabla f \cdot v/\lVert v\rVert$ along ``direction``, at the point (or symbolically)."""

    wrt: tuple
    direction: tuple
    of: object = None
    at_point: bool = True
    kind = "directional_derivative"

    def answer(self, sheet):
        graph = sheet.graph_of(self.of)
        return directional_derivative(graph, self.wrt, self.direction,
                                      at=sheet.point if self.at_point else None)

    def derivation(self, sheet):
        at = sheet.point if self.at_point else None
        return derive(sheet.graph_of(self.of), list(self.wrt), at=at).along(self.direction)


@dataclass(frozen=True)
class GradientStep(Question):
    r"""Take ``steps`` steps of $\theta \leftarrow \theta - \eta\, \partial L/\partial\theta$ from the point:
    the new values of ``wrt``, in order."""

    wrt: tuple
    learning_rate: object
    steps: int = 1
    of: object = None
    kind = "gradient_step"

    def answer(self, sheet):
        eta = exact(self.learning_rate)
        walk = sheet.walk(self.wrt, self.of)
        point = dict(sheet.point)
        for _ in range(self.steps):
            grads = walk.at(point).gradient
            point.update({w: point[w] - eta * g for w, g in zip(walk.wrt, grads)})
        return tuple(point[w] for w in walk.wrt)

    def derivation(self, sheet):
        return derive(sheet.graph_of(self.of), list(self.wrt), at=sheet.point).descend(self.learning_rate, self.steps)


@runtime_checkable
class TrainingRun(Protocol):
    """What a worksheet's ``training=`` is: a run ``symgrad train``, ``verify`` and ``render`` know
    only through these methods. :class:`Training` (scalar mode, :mod:`symgrad.numeric.loops`) and
    :class:`symgrad.matrix.training.MatrixTraining` (matrix mode) implement it."""

    optimizer: str  # the optimizer's name in symgrad.numeric.optimizers (torch's class name)
    options: Mapping  # its torch-named arguments

    def train(self, sheet, *, mode=None, progress=None, stop_loss=None, stop_grad_norm=None):
        """Run it on ``sheet`` (``mode``: a number mode instead of the run's); returns its result."""

    def report(self, result, every=None):
        """The text ``symgrad train`` prints for ``result`` (``every``: show every N-th epoch)."""

    def plot(self, result, path, title=""):
        """Draw ``result`` into the image file ``path``."""

    def save(self, result, path):
        """Write ``result``'s final parameters to ``path``."""

    def verify(self, sheet, modes=("float64", "float32"), iterations=None):
        """:class:`symgrad.worksheets.verification.Row` s comparing the run with torch's, in each mode."""

    def section(self, sheet):
        """Run it for ``sheet``'s PDF and check it against torch's run: a section with ``check``
        (its ``sentence()`` joins the closing line), ``figures(sheet, folder)`` (drawn for the
        teacher's version) and ``tex(sheet, answers=..., figures=...)``."""


@dataclass(frozen=True)
class Training:
    """A training run: a per-sample loss averaged over batches of ``data``, from ``parameters``.

    ``loss`` is the per-sample loss (a Graph or expression of parameters and data symbols; default:
    the worksheet's model). ``data`` maps each data symbol to its column of N values; ``batch_size``
    None is full-batch gradient descent, 1 is per-sample SGD, anything else mini-batch
    (``ceil(N/B)`` batches per epoch, ``floor(N/B)`` with ``drop_last``). ``optimizer`` names the
    optimizer and ``options`` are its PyTorch-named arguments (``lr``, ``momentum``, ...);
    ``schedule`` is a :mod:`symgrad.numeric.schedules` schedule stepped after each epoch; ``mode`` is the
    number mode (``exact``, ``float64`` or ``float32``). :func:`symgrad.numeric.loops.train` runs it.
    """

    parameters: Mapping
    data: Mapping
    optimizer: str = "SGD"
    options: Mapping = field(default_factory=lambda: {"lr": 0.01})
    epochs: int = 1
    batch_size: int | None = None
    shuffle: bool = False
    seed: int = 0
    loss: object = None
    drop_last: bool = False
    schedule: object = None
    mode: str = "float64"

    def __post_init__(self):
        lengths = {len(column) for column in self.data.values()}
        if len(lengths) > 1:
            raise ShapeError(f"the data columns have different lengths: {sorted(lengths)}")
        if self.batch_size is not None and self.batch_size < 1:
            raise SymgradError(f"batch_size must be at least 1, got {self.batch_size}")
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, int) or self.epochs < 1:
            raise TrainingError(f"epochs must be a positive integer, got {self.epochs!r}")
        if self.mode not in MODES:
            raise TrainingError(f"unknown number mode {self.mode!r}: choose from {', '.join(MODES)}")
        if self.schedule is not None and not hasattr(self.schedule, "next_lr"):
            raise TrainingError(f"schedule must be one of symgrad.numeric.schedules ({', '.join(SCHEDULES)}), "
                                f"got {self.schedule!r}")
        make_optimizer(self.optimizer, self.options)  # an unknown optimizer or option fails here

    # -- the TrainingRun protocol -------------------------------------------------------------------

    def train(self, sheet, **options):
        """:func:`symgrad.numeric.loops.train` (the worksheet's model is the loss unless the run names one)."""
        return loops.train(self, sheet.model, **options)

    def report(self, result, every=None):
        return report(self, result, every)

    def plot(self, result, path, title=""):
        return plot_history(result, path, title)

    def save(self, result, path):
        save_parameters(path, result)

    def verify(self, sheet, modes=("float64", "float32"), iterations=None):
        from .verification import verify_training  # verification imports this module: imported when used

        return verify_training(sheet, modes, iterations)

    def section(self, sheet):
        from .training_section import section  # it checks runs with the torch twin: imported when used

        return section(sheet)


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
            if not isinstance(q, Question):
                raise SymgradError(f"worksheet {self.name}: {q!r} is not a question")
        object.__setattr__(self, "variants", self._ranges(self.variants))
        object.__setattr__(self, "predictions", tuple(self.predictions))
        object.__setattr__(self, "surface", tuple(self.surface))
        if self.predictions or self.surface:
            self._check_training_plots()

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
