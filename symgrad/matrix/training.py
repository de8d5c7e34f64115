"""A worksheet's matrix-mode training run (S2 training its MNIST network) and what a run gives.

:class:`MatrixTraining` is a :class:`~symgrad.numeric.training.TrainingRun`, as a scalar
:class:`~symgrad.numeric.training.Training` is: ``symgrad train``, ``symgrad verify`` and ``symgrad
render`` dispatch on its type to this module's :meth:`MatrixTraining.run` and :func:`save`,
:mod:`.reports`, :mod:`.torch_twin` and :mod:`.section`.
"""

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ..core.errors import TrainingError
from ..core.files import atomic_path
from ..numeric.optimizers import make_optimizer
from ..numeric.training import TrainingRun, checked_shuffle
from .data import load_digits, load_mnist
from .derivation import derive
from .loop import CLASS_LOSSES, History, accuracy, fit
from .network import DTYPES, Model, Network
from .program import Program, TorchMasks

__all__ = ["MatrixTraining", "TrainingResult", "save"]


@dataclass(frozen=True)
class TrainingResult:
    """What a run gives: the history, the final accuracy on the test split, the dtype it computed
    in, and the trained parameters by name."""

    history: History
    accuracy: float
    dtype: str = "float32"
    parameters: Mapping = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class MatrixTraining(TrainingRun):
    """A worksheet's matrix-mode training run, as S2 trains its MNIST network.

    ``loss`` is ``nll`` or ``cross_entropy`` (the data are class labels); ``data`` is ``"digits"``
    (the demo data) or a folder of MNIST's IDX files; ``optimizer`` and ``options`` name an
    optimizer of :mod:`symgrad.numeric.optimizers` and its torch-named arguments; the initial parameters
    are drawn as torch draws them, from ``seed``, which also seeds the batch order (``shuffle``: True
    is NumPy's, ``"torch"`` is ``DataLoader``'s, False is in order); ``dtype`` is ``float32`` or ``float64``.
    """

    network: Network
    loss: str = "nll"
    reduction: str = "mean"
    data: str = "digits"
    optimizer: str = "SGD"
    options: Mapping = field(default_factory=lambda: MappingProxyType({"lr": 0.003}))
    epochs: int = 5
    batch_size: int = 64
    shuffle: bool | str = True
    seed: int = 0
    dtype: str = "float32"

    def __post_init__(self):
        if not isinstance(self.network, Network):
            raise TrainingError(f"a matrix training run needs a matrix Network, got {type(self.network).__name__}")
        self.network.loss(self.loss, self.reduction)  # an unknown loss or reduction is an error now
        if self.loss not in CLASS_LOSSES:
            raise TrainingError(f"a matrix training run learns class labels: its loss is {' or '.join(CLASS_LOSSES)}, "
                                f"not {self.loss}")
        if self.batch_size < 1 or self.epochs < 0:
            raise TrainingError(f"batch_size must be at least 1 and epochs at least 0, got {self.batch_size} "
                                f"and {self.epochs}")
        checked_shuffle(self.shuffle)
        _checked_dtype(self.dtype)
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        make_optimizer(self.optimizer, self.options)  # an unknown optimizer or option fails here

    def datasets(self):
        """``(train, test)``, loaded once per process for each ``data`` (a render or a verify trains
        on them several times), each sample of the network's ``input_shape`` (images) if it has one;
        the arrays are shared and read, never written."""
        return tuple(data.shaped(self.network.input_shape) for data in _datasets(self.data))

    def model(self, dtype=None):
        """The network with its initial parameters (``dtype``: the run's unless given)."""
        return Model.initialised(self.network, self.seed, _checked_dtype(dtype or self.dtype))

    def run(self, make=make_optimizer, *, dtype=None, progress=True, epochs=None, on_step=None, stop_loss=None,
            stop_grad_norm=None):
        """Train from the initial parameters (``epochs`` overrides the run's) with the optimizer
        ``make(name, options)`` builds, and measure the accuracy on the test split."""
        train, test = self.datasets()
        program = self.program(dtype)
        history = fit(program, train, make(self.optimizer, dict(self.options)),
                      epochs=self.epochs if epochs is None else epochs, batch_size=self.batch_size,
                      shuffle=self.shuffle, seed=self.seed, progress=progress, on_step=on_step,
                      stop_loss=stop_loss, stop_grad_norm=stop_grad_norm)
        return TrainingResult(history, accuracy(program, test), program.dtype.name, program.model.parameters)

    def program(self, dtype=None):
        """The NumPy program of the initial model's loss (dropout masks drawn as torch draws them
        after ``torch.manual_seed(seed)``)."""
        return Program(self.model(dtype), self.loss, self.reduction, masks=TorchMasks(self.seed))

    def derivation(self):
        """The matrix derivation of the network's loss, which a worksheet prints as a page."""
        return derive(self.network.loss(self.loss, self.reduction))


def save(result, path):
    """A run's trained parameters (a :class:`TrainingResult`), by name, as a NumPy ``.npz`` file at ``path``."""
    with atomic_path(path) as temporary, open(temporary, "wb") as file:  # written whole or not at all
        np.savez(file, **result.parameters)


@functools.lru_cache(maxsize=2)
def _datasets(data):
    if data == "digits":
        return load_digits("train"), load_digits("test")
    return load_mnist(data, "train"), load_mnist(data, "test")


def _checked_dtype(dtype):
    if dtype not in DTYPES:
        raise TrainingError(f"matrix training computes in {' or '.join(DTYPES)}, not {dtype!r} (exact numbers "
                            f"are for scalar mode; the matrix rules are checked exactly in the tests)")
    return dtype
