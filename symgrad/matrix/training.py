"""Training a matrix-mode model: epochs of shuffled mini-batches, an optimizer, a progress bar.

The optimizer is any object with ``step(params, grads)`` that updates each array of ``params`` in
place from the gradient at the same position (the contract of :mod:`symgrad.optimizers`, whose
optimizers follow torch 2.13's formulas). The batch order is the one a seeded NumPy generator
gives: in epoch ``e``, ``rng.permutation(N)`` of ``rng = np.random.default_rng(seed)`` drawn once
per epoch (or ``0, 1, ..., N-1`` without shuffling), cut into ``ceil(N / batch_size)`` batches,
the last one possibly smaller (as torch's ``DataLoader`` with ``drop_last=False``).
"""

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from tqdm import tqdm

from ..errors import SymgradError
from .data import load_digits, load_mnist
from .network import Model, Network
from .program import Program

__all__ = ["History", "fit", "batch_order", "accuracy", "MatrixTraining", "TrainingResult", "report"]


@dataclass(frozen=True)
class History:
    """The loss of every step, and each epoch's mean training loss (the mean of its batches'
    losses, as S2's loop prints ``running_loss / len(trainloader)``)."""

    step_losses: tuple
    epoch_losses: tuple


def batch_order(n, batch_size, epochs, shuffle=True, seed=0):
    """The index arrays of every batch, epoch after epoch (see the module's docstring)."""
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(n) if shuffle else np.arange(n)
        yield [order[i:i + batch_size] for i in range(0, n, batch_size)]


def fit(program, data, optimizer, *, epochs=1, batch_size=64, shuffle=True, seed=0, progress=True,
        on_step=None):
    """Train ``program``'s model on ``data`` (a :class:`~.data.DataSet`) and return the
    :class:`History`. ``on_step(step, loss)`` is called after each update (``step`` from 1)."""
    if batch_size < 1 or epochs < 0:
        raise SymgradError(f"batch_size must be at least 1 and epochs at least 0, got {batch_size} and {epochs}")
    inputs, classes = np.asarray(data.inputs, dtype=program.dtype), data.classes
    steps_per_epoch = math.ceil(len(classes) / batch_size)
    step_losses, epoch_losses = [], []
    with tqdm(total=epochs * steps_per_epoch, disable=not progress, file=sys.stderr, unit="step",
              desc="training") as bar:
        for epoch, batches in enumerate(batch_order(len(classes), batch_size, epochs, shuffle, seed), 1):
            start = len(step_losses)
            for indices in batches:
                loss = program(inputs[indices], classes[indices])
                if not math.isfinite(loss):
                    raise SymgradError(f"training diverged at step {len(step_losses) + 1} (epoch {epoch}): "
                                       f"the loss is {loss}")
                optimizer.step(program.parameters, program.gradients)
                step_losses.append(loss)
                if on_step is not None:
                    on_step(len(step_losses), loss)
                bar.update()
            epoch_losses.append(float(np.mean(step_losses[start:])))
            bar.set_postfix(epoch=epoch, loss=f"{epoch_losses[-1]:.4f}")
    return History(tuple(step_losses), tuple(epoch_losses))


def accuracy(program, data, batch_size=1024):
    """The fraction of ``data``'s samples whose largest output is in their class's column (for a
    program whose loss takes class indices: ``nll`` or ``cross_entropy``)."""
    if program.derivation.loss.op not in ("nll", "cross_entropy"):
        raise SymgradError(f"accuracy counts classes: the loss {program.derivation.loss.op} takes numeric targets")
    inputs = np.asarray(data.inputs, dtype=program.dtype)
    right = 0
    for i in range(0, len(data), batch_size):
        _, output = program.outputs(inputs[i:i + batch_size], data.classes[i:i + batch_size])
        right += int((output.argmax(axis=1) == data.classes[i:i + batch_size]).sum())
    return right / len(data)


@dataclass(frozen=True)
class TrainingResult:
    """What a run gives: the history, and the final accuracy on the test split."""

    history: History
    accuracy: float


@dataclass(frozen=True)
class MatrixTraining:
    """A worksheet's matrix-mode training run, as S2 trains its MNIST network.

    ``data`` is ``"digits"`` (the demo data) or a folder of MNIST's IDX files; ``optimizer`` and
    ``options`` name an optimizer and its torch-named arguments; the initial parameters are drawn
    as torch draws them, from ``seed``, which also seeds the batch order.
    """

    network: Network
    loss: str = "nll"
    reduction: str = "mean"
    data: str = "digits"
    optimizer: str = "SGD"
    options: Mapping = field(default_factory=lambda: MappingProxyType({"lr": 0.003}))
    epochs: int = 5
    batch_size: int = 64
    shuffle: bool = True
    seed: int = 0
    dtype: str = "float32"

    def __post_init__(self):
        if not isinstance(self.network, Network):
            raise SymgradError(f"a matrix training run needs a matrix Network, got {type(self.network).__name__}")
        self.network.loss(self.loss, self.reduction)  # an unknown loss or reduction is an error now
        if self.batch_size < 1 or self.epochs < 0:
            raise SymgradError(f"batch_size must be at least 1 and epochs at least 0, got {self.batch_size} "
                               f"and {self.epochs}")
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    def datasets(self):
        """``(train, test)``."""
        if self.data == "digits":
            return load_digits("train"), load_digits("test")
        return load_mnist(self.data, "train"), load_mnist(self.data, "test")

    def run(self, make_optimizer, progress=True):
        """Train from the initial parameters; ``make_optimizer(name, options)`` builds the optimizer
        (``symgrad.optimizers.make_optimizer``)."""
        train, test = self.datasets()
        program = Program(Model.initialised(self.network, self.seed, self.dtype), self.loss, self.reduction)
        history = fit(program, train, make_optimizer(self.optimizer, dict(self.options)), epochs=self.epochs,
                      batch_size=self.batch_size, shuffle=self.shuffle, seed=self.seed, progress=progress)
        return TrainingResult(history, accuracy(program, test))


def report(spec, result):
    """What ``symgrad train`` prints for a matrix run, as S2 prints it: the mean training loss of
    each epoch, then the final accuracy on the test split."""
    options = ", ".join(f"{k}={v!r}" for k, v in spec.options.items())
    lines = [f"{spec.optimizer}({options}), batch size {spec.batch_size}, {spec.epochs} epochs, {spec.dtype}, "
             f"data: {spec.data}",
             "epoch  mean training loss"]
    lines += [f"{epoch:>5}  {loss:.6f}" for epoch, loss in enumerate(result.history.epoch_losses, 1)]
    lines.append(f"accuracy on the test split: {result.accuracy:.2%}")
    return "\n".join(lines)
