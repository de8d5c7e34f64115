"""The matrix-mode training loop: epochs of shuffled mini-batches, an optimizer, a progress bar.

The optimizer is any object with ``step(params, grads)`` that updates each array of ``params`` in
place from the gradient at the same position (the contract of :mod:`symgrad.numeric.optimizers`, whose
optimizers follow torch 2.13's formulas). The batch order is scalar mode's
(:class:`symgrad.numeric.training.DataOrder`): in each epoch a fresh ``rng.permutation(N)`` of
``rng = np.random.default_rng(seed)`` (``shuffle=True``), torch's own permutation, the one
``DataLoader(dataset, batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))``
draws (``shuffle="torch"``), or ``0, 1, ..., N-1`` (``shuffle=False``), cut into
``ceil(N / batch_size)`` batches, the last one possibly smaller (torch's ``DataLoader`` with
``drop_last=False``).
"""

import math
import sys
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from ..core.errors import DivergenceError, TrainingError
from ..numeric.training import DataOrder

__all__ = ["Epoch", "History", "fit", "accuracy", "CLASS_LOSSES"]

CLASS_LOSSES = ("nll", "cross_entropy")  # the losses whose targets are class labels


@dataclass(frozen=True)
class Epoch:
    """One epoch: its number (from 1) and the mean of its batches' losses."""

    epoch: int
    mean_loss: float


@dataclass(frozen=True)
class History:
    """The loss of every step, each epoch's mean training loss (the mean of its batches' losses, as
    S2's loop prints ``running_loss / len(trainloader)``), the steps an epoch has, and why the run
    stopped early, or None."""

    step_losses: tuple
    epoch_losses: tuple
    iterations_per_epoch: int
    stopped: str | None = None

    @property
    def epochs(self):
        """One :class:`Epoch` per epoch run."""
        return tuple(Epoch(e, loss) for e, loss in enumerate(self.epoch_losses, 1))


def fit(program, data, optimizer, *, epochs=1, batch_size=64, shuffle=True, seed=0, progress=True,
        on_step=None, stop_loss=None, stop_grad_norm=None):
    """Train ``program``'s model on ``data`` (a :class:`~.data.DataSet` whose targets fit the
    program's loss: class indices, or rows of numbers; checked before the first step) and return
    the :class:`History`. ``on_step(step, loss)`` is called after each update (``step`` from 1). As in
    scalar mode, the run stops before an update whose batch loss is at most ``stop_loss`` or whose
    gradient norm is at most ``stop_grad_norm``; a NaN or infinite loss raises a
    :class:`~symgrad.core.errors.DivergenceError` carrying the run so far as ``error.history``."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1 or epochs < 0:
        raise TrainingError(f"batch_size must be at least 1 and epochs at least 0, got {batch_size} and {epochs}")
    order = DataOrder(len(data), batch_size, shuffle, seed)
    inputs, targets = program.checked(data.inputs, data.targets)
    step_losses, epoch_losses, stopped = [], [], None
    with tqdm(total=epochs * order.batches_per_epoch, disable=not progress, file=sys.stderr, unit="step",
              desc="training") as bar:
        for epoch, batches in enumerate(order.epochs(epochs), 1):
            start = len(step_losses)
            for batch, indices in enumerate(batches, 1):
                loss = program(inputs[indices], targets[indices])
                if not math.isfinite(loss):
                    error = DivergenceError(f"training diverged at iteration {len(step_losses) + 1} (epoch {epoch}, "
                                            f"batch {batch}): the loss is {loss}")
                    error.history = History(tuple(step_losses), tuple(epoch_losses), order.batches_per_epoch, str(error))
                    raise error
                stopped = _stop_reason(program, loss, stop_loss, stop_grad_norm, len(step_losses))
                if stopped:
                    break
                optimizer.step(program.parameters, program.gradients)
                step_losses.append(loss)
                if on_step is not None:
                    on_step(len(step_losses), loss)
                bar.update()
            if len(step_losses) > start:
                epoch_losses.append(float(np.mean(step_losses[start:])))
                bar.set_postfix(epoch=epoch, loss=f"{epoch_losses[-1]:.4f}")
            if stopped:
                break
    return History(tuple(step_losses), tuple(epoch_losses), order.batches_per_epoch, stopped)


def _stop_reason(program, loss, stop_loss, stop_grad_norm, done):
    if stop_loss is not None and loss <= stop_loss:
        return f"the loss {loss:.6g} reached stop_loss={stop_loss:g} after {done} iterations"
    if stop_grad_norm is not None:
        norm = math.sqrt(sum(float(np.vdot(g, g)) for g in program.gradients))
        if norm <= stop_grad_norm:
            return f"the gradient norm {norm:.6g} reached stop_grad_norm={stop_grad_norm:g} after {done} iterations"
    return None


def accuracy(program, data, batch_size=1024):
    """The fraction of ``data``'s samples whose largest output is in their class's column (for a
    program whose loss takes class indices: ``nll`` or ``cross_entropy``), out of training (its
    dropouts the identity, as in torch's ``net.eval()``)."""
    if program.derivation.loss.op not in CLASS_LOSSES:
        raise TrainingError(f"accuracy counts classes: the loss {program.derivation.loss.op} takes numeric targets")
    inputs, program = np.asarray(data.inputs, dtype=program.dtype), program.evaluation()
    right = 0
    for i in range(0, len(data), batch_size):
        _, output = program.outputs(inputs[i:i + batch_size], data.classes[i:i + batch_size])
        right += int((output.argmax(axis=1) == data.classes[i:i + batch_size]).sum())
    return right / len(data)
