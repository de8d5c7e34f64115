"""A worksheet's training run, summarised as its PDF shows it: the plan that was run, its history,
the epochs a table shows (the first ones, every k-th and the last), and the predictions before and
after training. Data only: :mod:`symgrad.worksheets.training_section` prints it.
"""

from dataclasses import dataclass

from .codegen import compile_expressions
from .loops import History, train
from .training import Plan, plan
from ..core.numbers import exact
from ..core.variables import as_point

__all__ = ["TrainingSummary", "PredictionValue", "summarise", "shown_epochs", "ROWS", "FIRST"]

ROWS = 10  # about this many epochs in a worksheet's table, besides the first ones and the last
FIRST = 3  # the first epochs shown when a table skips some


@dataclass(frozen=True)
class PredictionValue:
    """A prediction's expression (the model's ``node``, or None) at the data values ``at``, with the
    initial and the final parameters."""

    node: object
    expression: object
    at: dict
    before: object
    after: object


@dataclass(frozen=True)
class TrainingSummary:
    """A run and what a worksheet prints of it: ``rows`` are the epochs shown (every epoch when
    ``every`` is 1; else epochs 1 to ``first``, every ``every``-th and the last)."""

    plan: Plan
    history: History
    rows: tuple
    every: int
    first: int
    predictions: tuple

    @property
    def skips(self):
        return len(self.rows) < len(self.history.epochs)


def summarise(sheet, rows=ROWS):
    """Run ``sheet``'s training in its number mode and summarise it (about ``rows`` epochs shown)."""
    run = plan(sheet.training, sheet.model)
    history = train(run, progress=False)
    epochs = history.epochs
    every = _round_up(len(epochs) / rows)
    first = 1 if every == 1 else FIRST
    shown = shown_epochs(epochs, every, first)
    predictions = tuple(_predict(sheet, p, run, history) for p in sheet.predictions)
    return TrainingSummary(run, history, shown, every, first, predictions)


def shown_epochs(rows, every, first=1):
    """The epoch rows a table shows: epochs 1 to ``first``, every ``every``-th, and the last."""
    return tuple(r for r in rows if r.epoch <= first or r.epoch % every == 0 or r is rows[-1])


def _round_up(ratio):
    """The smallest of 1, 2, 5, 10, 20, 50, 100, ... that is at least ``ratio``."""
    step = 1
    while step < ratio:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return step


def _predict(sheet, prediction, run, history):
    """The prediction with the initial parameters (exactly) and the final ones (in the run's mode:
    float arithmetic as NumPy does it for a float run)."""
    expression = prediction.expression(sheet)
    at = as_point(prediction.at, run.data, "training run's data")
    before = expression.xreplace({**dict(zip(run.parameters, run.initial)), **at})
    final = history.parameters[-1].tolist()
    if history.mode == "exact":
        after = expression.xreplace({**dict(zip(run.parameters, final)), **at})
    else:
        args = run.parameters + tuple(at)
        function = compile_expressions(args, [expression], "numpy")
        dtype = history.parameters.dtype.type
        after = float(dtype(function(*map(dtype, final), *(dtype(float(v)) for v in at.values()))[0]))
    return PredictionValue(prediction.node(sheet), expression, at, exact(before), after)

