"""What ``symgrad train`` does with a worksheet's training run: run it, print its report, draw it,
save its parameters. Each is dispatched on the run's type: a scalar
:class:`~symgrad.numeric.training.Training` (:mod:`symgrad.numeric.loops`) or a matrix-mode
:class:`~symgrad.matrix.training.MatrixTraining` (:mod:`symgrad.matrix`).
"""

import functools
import sys

from ..core.errors import TrainingError
from ..explain.plots import plot_history
from ..matrix import reports as matrix_reports
from ..matrix import training as matrix_training
from ..matrix.training import MatrixTraining
from ..numeric import checkpoints, epochs, loops
from ..numeric.training import Training

__all__ = ["train", "report", "plot", "save"]


def _unknown(run, what):
    return TrainingError(f"symgrad cannot {what} a {type(run).__name__} training run")


@functools.singledispatch
def train(run, sheet, *, mode=None, progress=None, stop_loss=None, stop_grad_norm=None):
    """Run ``run``, ``sheet``'s training run (``mode``: a number mode instead of the run's; ``progress``
    None shows a bar on a terminal); returns its result, a history or a matrix run's result."""
    raise _unknown(run, "train")


@train.register
def _train_scalar(run: Training, sheet, *, mode=None, progress=None, stop_loss=None, stop_grad_norm=None):
    """The worksheet's model is the loss unless the run names one."""
    return loops.train(run, sheet.model, mode=mode, progress=progress, stop_loss=stop_loss,
                       stop_grad_norm=stop_grad_norm)


@train.register
def _train_matrix(run: MatrixTraining, sheet, *, mode=None, progress=None, stop_loss=None, stop_grad_norm=None):
    """``mode`` is ``float32`` or ``float64`` instead of the run's dtype."""
    return run.run(dtype=mode, progress=sys.stderr.isatty() if progress is None else progress, stop_loss=stop_loss,
                   stop_grad_norm=stop_grad_norm)


@functools.singledispatch
def report(run, result, every=None):
    """The text ``symgrad train`` prints for ``result`` (``every``: show every N-th epoch)."""
    raise _unknown(run, "report")


@report.register
def _report_scalar(run: Training, result, every=None):
    return epochs.report(run, result, every)


@report.register
def _report_matrix(run: MatrixTraining, result, every=None):
    return matrix_reports.report(run, result, every)


@functools.singledispatch
def plot(run, result, path, title=""):
    """Draw ``result`` into the image file ``path``; returns the path."""
    raise _unknown(run, "plot")


@plot.register
def _plot_scalar(run: Training, result, path, title=""):
    return plot_history(result, path, title)


@plot.register
def _plot_matrix(run: MatrixTraining, result, path, title=""):
    return matrix_reports.plot(result, path, title)


@functools.singledispatch
def save(run, result, path):
    """Write ``result``'s final parameters to ``path`` (JSON for a scalar run, ``.npz`` for a matrix run)."""
    raise _unknown(run, "save")


@save.register
def _save_scalar(run: Training, result, path):
    checkpoints.save_parameters(path, result)


@save.register
def _save_matrix(run: MatrixTraining, result, path):
    matrix_training.save(result, path)
