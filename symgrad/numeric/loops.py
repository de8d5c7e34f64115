r"""Numeric training loops: a :class:`~.training.Plan`'s epochs of batches, an optimizer's steps.

Each batch (in the plan's data order, :class:`~.training.DataOrder`) is one iteration: the batch's
loss and gradient are the means of the per-sample ones, and the optimizer takes one step. A schedule
changes the rate after each epoch. The number modes are :data:`~.training.MODES`.

The public contract (the worksheet renderer and the torch twin build on it): :func:`train` runs a
:class:`~.training.Training` and returns a :class:`History`: per iteration the loss, the
parameters (from the initial ones) and the gradients, and per-epoch rows (epoch, parameters, loss)
like the ones the seed tutorials print. A NaN or infinite loss, gradient or parameter stops the run
with a :class:`~symgrad.core.errors.DivergenceError` that names the iteration and the parameter, and carries
the run up to there as ``error.history`` (to plot a divergence).
"""

import dataclasses
import itertools
import math
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import sympy

from ..core.backprop import Backprop, backward
from ..core.errors import DivergenceError, TrainingError
from ..core.numbers import exact
from .compilation import compile_gradient
from .optimizers import make_optimizer
from .training import Plan, checked_mode, plan

__all__ = ["Objective", "History", "EpochRow", "compile_objective", "train", "train_worksheet"]

FEW = 8  # float64 batches of at most this many samples are computed sample by sample, in Python floats
PROGRESS_FROM = 10_000  # iterations from which a run shows a progress bar by default (on a terminal)
MEASURABLE = 0.01  # seconds an exact iteration must take for the next one's growth to be judged from it


@dataclass(frozen=True)
class Objective:
    """The per-sample loss compiled once: the walk from the loss to the parameters, and ``function``,
    a NumPy function of the parameters then the data returning ``[loss, *gradient]`` per sample."""

    parameters: tuple
    data: tuple
    walk: Backprop
    function: Callable = field(repr=False)


def compile_objective(run_plan):
    """Derive (one reverse walk) and compile the plan's per-sample loss and gradient."""
    walk = backward(run_plan.loss, run_plan.parameters)
    compiled = compile_gradient(walk, run_plan.parameters + run_plan.data)
    return Objective(run_plan.parameters, run_plan.data, walk, compiled.function)


@dataclass(frozen=True)
class EpochRow:
    """One epoch, as the seeds print it: the parameters after it, the loss of its last batch (S0)
    and the mean of its batch losses (S2), the learning rate it used, and the iterations so far."""

    epoch: int
    parameters: tuple
    loss: object
    mean_loss: object
    lr: object
    iterations: int


@dataclass(frozen=True)
class History:
    """A run, iteration by iteration (read-only arrays; object arrays of exact numbers in exact mode).

    ``parameters[t]`` are the values after iteration t (``parameters[0]`` the initial ones), one column
    per name; ``losses[t - 1]`` and ``gradients[t - 1]`` are the batch's mean loss and gradient at
    ``parameters[t - 1]``, which iteration t stepped from. ``learning_rates[e - 1]`` is the rate of
    epoch e. ``stopped`` says why a run ended early, or is None.
    """

    names: tuple
    parameters: np.ndarray = field(repr=False)
    gradients: np.ndarray = field(repr=False)
    losses: np.ndarray = field(repr=False)
    iterations_per_epoch: int
    learning_rates: tuple = field(repr=False)
    mode: str
    stopped: str | None = None

    def __post_init__(self):
        for array in (self.parameters, self.gradients, self.losses):
            array.flags.writeable = False

    @property
    def iterations(self):
        return len(self.losses)

    @property
    def final(self):
        """The parameters after the last iteration, by name."""
        return dict(zip(self.names, self.parameters[-1].tolist()))

    def trajectory(self, name):
        """One parameter's values, from the initial one to the last."""
        if name not in self.names:
            raise TrainingError(f"no parameter {name!r}: the run trained {', '.join(self.names)}")
        return self.parameters[:, self.names.index(name)]

    @cached_property
    def epochs(self):
        """One :class:`EpochRow` per epoch run (the last one partial if the run stopped inside it)."""
        rows, per = [], self.iterations_per_epoch
        for e, start in enumerate(range(0, self.iterations, per), 1):
            end = min(start + per, self.iterations)
            losses = self.losses[start:end]
            mean = sum(losses.tolist()) / len(losses) if self.mode == "exact" else losses.mean()
            rows.append(EpochRow(e, tuple(self.parameters[end].tolist()), losses[-1], mean,
                                 self.learning_rates[e - 1], end))
        return tuple(rows)


def train(training, model=None, *, mode=None, objective=None, stop_loss=None, stop_grad_norm=None,
          progress=None, exact_seconds=None):
    """Run ``training`` and return its :class:`History`.

    ``training`` is a :class:`~.training.Training` (``model`` is the loss when it names none)
    or a :class:`Plan` already made from one (to repeat a run without resolving it again). ``mode``
    overrides the number mode; ``objective`` is a :func:`compile_objective` of the same plan, to
    compile once for many runs. The run stops before an iteration whose batch loss is at most
    ``stop_loss`` or whose gradient norm is at most ``stop_grad_norm``. ``progress`` shows a bar on
    stderr (None: on a terminal, for runs of at least 10,000 iterations). An exact run whose next
    iteration would take it past ``exact_seconds`` (None: the Training's) stops with a TrainingError naming
    the iteration (exact values may grow at every step: a sigmoid of a sigmoid of ...).
    """
    if isinstance(training, Plan):
        run_plan = training if mode is None else dataclasses.replace(training, mode=checked_mode(mode))
    else:
        run_plan = plan(training, model, mode=mode)
    if objective is None:
        objective = compile_objective(run_plan)
    elif (objective.parameters, objective.data) != (run_plan.parameters, run_plan.data):
        raise TrainingError("the compiled objective is for other parameters or data than this training run")
    budget = exact_seconds if exact_seconds is not None else run_plan.exact_seconds
    return _Loop(run_plan, objective, stop_loss, stop_grad_norm, budget).run(progress)


def train_worksheet(sheet, **options):
    """Run a worksheet's training spec (its model is the loss unless the spec names one)."""
    if sheet.training is None:
        raise TrainingError(f"worksheet {sheet.name} has no training run")
    return train(sheet.training, sheet.model, **options)


class _Loop:
    """One run: the parameters and gradient buffers, the prepared batches, the optimizer, the history."""

    def __init__(self, run_plan, objective, stop_loss, stop_grad_norm, exact_seconds):
        self.plan, self.objective, self.mode = run_plan, objective, run_plan.mode
        self.stop_loss, self.stop_grad_norm = stop_loss, stop_grad_norm
        self.exact_seconds, self.exact_starts = exact_seconds, []
        self.theta = run_plan.initial_array(self.mode)
        self.grad = np.zeros_like(self.theta)
        self.optimizer = make_optimizer(run_plan.optimizer, run_plan.options)
        self.columns = run_plan.data_arrays(self.mode)
        count, width = run_plan.iterations, len(self.theta)
        dtype = self.theta.dtype
        self.params_h = np.empty((count + 1, width), dtype)
        self.params_h[0] = self.theta
        self.grads_h = np.empty((count, width), dtype)
        self.losses_h = np.empty(count, dtype)
        self.rates, self.evaluate, self._rows = [], None, None
        size = run_plan.order.size
        self.by_sample = self.mode != "exact" and (size == 1 or self.mode == "float64" and size <= FEW)

    def _run(self, progress):
        run_plan, theta, grad = self.plan, self.theta, self.grad
        params, grads, step = [theta], [grad], self.optimizer.step
        params_h, grads_h, losses_h = self.params_h, self.grads_h, self.losses_h
        base_lr = lr = self.optimizer.lr = exact(self.optimizer.lr) if self.mode == "exact" else self.optimizer.lr
        rates, stopped, t = self.rates, None, 0
        stopping = self.stop_loss is not None or self.stop_grad_norm is not None
        bar = _progress_bar(run_plan.iterations, progress)
        per_epoch, schedule, isfinite = run_plan.order.batches_per_epoch, run_plan.schedule, math.isfinite
        epochs = self._epochs()
        evaluate = self.evaluate
        for e, batches in enumerate(epochs, 1):
            rates.append(lr)
            for args in batches:
                try:
                    loss, total = evaluate(args)
                except (OverflowError, ZeroDivisionError):  # Python floats raise where NumPy gives inf
                    rows = args if run_plan.order.size > 1 else (args,)
                    loss, total = self._evaluate_in_numpy(rows), math.nan
                if not isfinite(total):
                    self._check_finite(t, loss)
                if stopping:
                    stopped = self._stop_reason(loss, t)
                    if stopped:
                        break
                step(params, grads)
                losses_h[t] = loss
                grads_h[t] = grad
                t += 1
                params_h[t] = theta
            if bar is not None:
                bar.update(per_epoch)
            if stopped:
                break
            if schedule is not None:
                lr = self.optimizer.lr = schedule.next_lr(lr, base_lr, e)
        if bar is not None:
            bar.close()
        self._check_parameters(t)
        return self._history(t, stopped)

    def run(self, progress):
        with np.errstate(all="ignore"):  # a NaN or an infinity is reported as a DivergenceError
            return self._run(progress)

    def _history(self, t, stopped):
        return History(self.plan.names, self.params_h[:t + 1].copy(), self.grads_h[:t].copy(),
                       self.losses_h[:t].copy(), self.plan.order.batches_per_epoch, tuple(self.rates), self.mode,
                       stopped)

    # -- batches: each one prepared as the arguments of ``evaluate`` ------------------------------

    def _epochs(self):
        """Per epoch, its batches as prepared arguments (prepared once when the order never changes)."""
        order, count = self.plan.order, self.plan.epochs
        epochs = order.epochs(count)
        first = self._prepare(next(epochs))
        if not order.shuffle:
            return itertools.repeat(first, count)
        return itertools.chain([first], map(self._prepare, epochs))

    def _prepare(self, batches):
        """Exact: one point per sample. One sample per batch: its row of values (Python floats in
        float64, which compute fastest; NumPy's scalars in float32). A few samples in float64: their
        rows. More: the columns' slices and the weights 1/B that average over the batch."""
        if self.mode == "exact":
            prepared = [[dict(zip(self.plan.data, (c[i] for c in self.columns))) for i in indices]
                        for indices in batches]
        elif self.by_sample:
            if self._rows is None:
                columns = [c.tolist() if c.dtype == np.float64 else list(c) for c in self.columns]
                self._rows = list(zip(*columns)) if columns else [()]
            rows = self._rows
            if self.plan.order.size == 1:
                prepared = [rows[indices[0]] for indices in batches]
            else:
                prepared = [tuple(rows[i] for i in indices) for indices in batches]
        else:
            prepared = self._prepare_batches(batches)
        if self.evaluate is None:
            self.evaluate = self._evaluator(prepared[0])
        return prepared

    def _prepare_batches(self, batches):
        weights = {}
        prepared = []
        for indices in batches:
            n = len(indices)
            if n not in weights:
                weights[n] = np.full(n, 1 / n, dtype=self.theta.dtype)
            start = int(indices[0])
            if np.array_equal(indices, np.arange(start, start + n)):
                prepared.append((tuple(c[start:start + n] for c in self.columns), weights[n]))
            else:
                prepared.append((tuple(c[indices] for c in self.columns), weights[n]))
        return prepared

    def _evaluator(self, sample_args):
        """The fastest ``evaluate(args) -> (loss, check)`` for this mode and batch shape: it writes the
        batch's mean gradient into ``self.grad`` and returns the mean loss and a number that is
        finite when the loss and every gradient are."""
        if self.mode == "exact":
            return self._evaluate_exact
        f, theta, grad = self.objective.function, self.theta, self.grad
        values = theta.tolist if theta.dtype == np.float64 else theta.__iter__
        if self.plan.order.size == 1:
            def per_sample(args):
                out = f(*values(), *args)
                grad[:] = out[1:]
                return out[0], sum(out)
            return per_sample
        if self.by_sample:
            def few_samples(rows):
                parameters = values()
                means = [sum(column) / len(rows) for column in zip(*[f(*parameters, *row) for row in rows])]
                grad[:] = means[1:]
                return means[0], sum(means)
            return few_samples
        data, weights = sample_args
        out = f(*values(), *data)
        if all(np.shape(o) == weights.shape for o in out):
            def batch_mean(args):
                data, weights = args
                means = np.array(f(*values(), *data)).dot(weights)
                grad[:] = means[1:]
                return means[0], sum(means.tolist())
            return batch_mean

        def mixed_mean(args):  # some outputs do not depend on the data: they are their own mean
            data, weights = args
            means = np.array([o.dot(weights) if np.ndim(o) else o for o in f(*values(), *data)], dtype=grad.dtype)
            grad[:] = means[1:]
            return means[0], sum(means.tolist())
        return mixed_mean

    def _evaluate_exact(self, samples):
        self._within_budget()
        point = dict(zip(self.plan.parameters, self.theta.tolist()))
        total_loss, total_grad = sympy.S.Zero, [sympy.S.Zero] * len(self.theta)
        for sample in samples:
            values = self.objective.walk.at({**point, **sample})
            total_loss += values.output
            total_grad = [a + b for a, b in zip(total_grad, values.gradient)]
        share = sympy.Rational(1, len(samples))
        self.grad[:] = [g * share for g in total_grad]
        finite = all(v.is_finite is not False for v in [total_loss, *total_grad])
        return total_loss * share, 0.0 if finite else math.nan

    def _within_budget(self):
        """Stop an exact run before an iteration that would take it past ``exact_seconds``, judging by the
        last iteration's time and how much longer it took than the one before (exact values that nest
        at every step make each iteration several times slower than the last), when the one before took
        long enough to be measured."""
        starts = self.exact_starts
        starts.append(time.perf_counter())
        if len(starts) < 2:
            return
        t, last = len(starts) - 1, starts[-1] - starts[-2]
        before = starts[-2] - starts[-3] if len(starts) > 2 else 0.0
        growth = last / before if before >= MEASURABLE else 1.0  # a shorter iteration says nothing of growth
        if starts[-1] - starts[0] + last * max(growth, 1.0) > self.exact_seconds:
            error = TrainingError(
                f"exact-mode training stopped before {self._where(t)} of {self.plan.iterations}: the next iteration "
                f"would take the run past its budget of {self.exact_seconds:g} s (the last took {last:.2g} s; exact "
                "values can grow at every step); train in float64, or allow more with exact_seconds= (symgrad train --exact-seconds)")
            error.history = self._history(t, f"stopped before {self._where(t)}: over the exact-mode budget")
            raise error

    # -- stopping ---------------------------------------------------------------------------------

    def _stop_reason(self, loss, t):
        if self.stop_loss is not None and float(loss) <= self.stop_loss:
            return f"the loss {float(loss):.6g} reached stop_loss={self.stop_loss:g} after {t} iterations"
        if self.stop_grad_norm is not None:
            norm = math.sqrt(float(sum(g * g for g in self.grad.tolist())))
            if norm <= self.stop_grad_norm:
                return f"the gradient norm {norm:.6g} reached stop_grad_norm={self.stop_grad_norm:g} " \
                       f"after {t} iterations"
        return None

    def _where(self, t):
        per = self.plan.order.batches_per_epoch
        return f"iteration {t + 1} (epoch {t // per + 1}, batch {t % per + 1})"

    def _check_finite(self, t, loss):
        """Raise when the loss or a gradient is NaN or infinite (a finite sum may overflow: then go on)."""
        bad = [(n, g) for n, g in zip(self.plan.names, self.grad.tolist()) if not _finite(g)]
        if bad:
            self._diverged(t, f"the gradient with respect to {', '.join(n for n, _ in bad)} is "
                              f"{', '.join(str(g) for _, g in bad)} at {self._parameter_values()}")
        if not _finite(loss):
            self._diverged(t, f"the loss is {loss} at {self._parameter_values()}")

    def _evaluate_in_numpy(self, rows):
        """A batch's loss and gradient again, sample by sample in NumPy scalars (which overflow to
        inf where Python's floats raise)."""
        parameters = [np.float64(v) for v in self.theta.tolist()]
        outs = [self.objective.function(*parameters, *(np.float64(v) for v in row)) for row in rows]
        means = [sum(column) / len(rows) for column in zip(*outs)]
        self.grad[:] = means[1:]
        return means[0]

    def _check_parameters(self, t):
        bad = [n for n, v in zip(self.plan.names, self.theta.tolist()) if not _finite(v)]
        if bad:
            self._diverged(t - 1, f"the step made {', '.join(bad)} non-finite ({self._parameter_values()})")

    def _parameter_values(self):
        return ", ".join(f"{n} = {v}" for n, v in zip(self.plan.names, self.theta.tolist()))

    def _diverged(self, t, what):
        error = DivergenceError(f"training diverged at {self._where(t)}: {what}")
        error.history = self._history(t, f"diverged at {self._where(t)}")
        raise error


def _finite(value):
    if isinstance(value, sympy.Basic):
        return value.is_finite is not False
    return math.isfinite(value)


def _progress_bar(total, progress):
    show = progress if progress is not None else total >= PROGRESS_FROM and sys.stderr.isatty()
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="training", unit="it", file=sys.stderr)
