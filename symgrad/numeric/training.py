r"""A scalar training run as data: what is trained (:class:`Training`), checked when it is made, and
resolved against its model into a :class:`Plan` that the loops (:mod:`.loops`) and the torch twin run.

The data order: each epoch visits the N samples in order, or in a fresh permutation when shuffling
(``shuffle=True``: from ``numpy.random.default_rng(seed)``; ``shuffle="torch"``: torch's own,
the order of ``DataLoader(..., shuffle=True, generator=torch.Generator().manual_seed(seed))``), cut
into batches of B samples (``batch_size`` None is N: batch gradient descent; 1 is SGD):
``ceil(N/B)`` batches per epoch, ``floor(N/B)`` with ``drop_last``. Each batch is one iteration.

Three number modes: ``exact`` (SymPy rationals and exact expressions, for a few steps on
worksheets), ``float64`` and ``float32`` (the compiled NumPy gradient, in that precision).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import ShapeError, SymgradError, TrainingError
from ..core.graph import Graph
from ..core.numbers import exact
from ..core.variables import resolve_all
from .optimizers import make_optimizer
from .schedules import SCHEDULES

__all__ = ["MODES", "TrainingRun", "Training", "DataOrder", "Plan", "plan", "checked_mode", "SHUFFLES", "TORCH_ORDER",
           "checked_shuffle"]

EXACT_SECONDS = 60.0  # what an exact-mode run may take by default

MODES = ("exact", "float64", "float32")
SHUFFLES = (False, True, "torch")  # in order, NumPy's permutations, torch's (DataLoader's)
TORCH_ORDER = ", in the order of PyTorch's DataLoader"  # how a page says shuffle="torch"


class TrainingRun:
    """What a worksheet's ``training=`` is: a scalar :class:`Training` or a matrix-mode
    :class:`symgrad.matrix.training.MatrixTraining`. A run is data; what acts on it (``symgrad
    train``, ``verify``, ``render``) dispatches on its type. Every run names ``optimizer`` (torch's
    class name, in :mod:`symgrad.numeric.optimizers`) and ``options`` (its torch-named arguments)."""

    __slots__ = ()


@dataclass(frozen=True)
class Training(TrainingRun):
    """A training run: a per-sample loss averaged over batches of ``data``, from ``parameters``.

    ``loss`` is the per-sample loss (a Graph or expression of parameters and data symbols; default:
    the worksheet's model). ``data`` maps each data symbol to its column of N values; ``batch_size``
    None is full-batch gradient descent, 1 is per-sample SGD, anything else mini-batch
    (``ceil(N/B)`` batches per epoch, ``floor(N/B)`` with ``drop_last``). ``optimizer`` names the
    optimizer and ``options`` are its PyTorch-named arguments (``lr``, ``momentum``, ...);
    ``shuffle`` is False, True (NumPy's permutations) or ``"torch"`` (``DataLoader``'s, see
    :class:`DataOrder`); ``schedule`` is a :mod:`symgrad.numeric.schedules` schedule stepped after
    each epoch; ``mode`` is the number mode (``exact``, ``float64`` or ``float32``); an exact run
    stops with a TrainingError before an iteration that would take it past ``exact_seconds`` (exact
    values may grow at every step).
    :func:`symgrad.numeric.loops.train` runs it.
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
    exact_seconds: float = EXACT_SECONDS

    def __post_init__(self):
        lengths = {len(column) for column in self.data.values()}
        if len(lengths) > 1:
            raise ShapeError(f"the data columns have different lengths: {sorted(lengths)}")
        if self.batch_size is not None and self.batch_size < 1:
            raise SymgradError(f"batch_size must be at least 1, got {self.batch_size}")
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, int) or self.epochs < 1:
            raise TrainingError(f"epochs must be a positive integer, got {self.epochs!r}")
        checked_mode(self.mode)
        checked_shuffle(self.shuffle)
        if self.schedule is not None and not hasattr(self.schedule, "next_lr"):
            raise TrainingError(f"schedule must be one of symgrad.numeric.schedules ({', '.join(SCHEDULES)}), "
                                f"got {self.schedule!r}")
        if isinstance(self.exact_seconds, bool) or not isinstance(self.exact_seconds, (int, float)) \
                or not self.exact_seconds > 0:
            raise TrainingError(f"exact_seconds must be a positive number of seconds, got {self.exact_seconds!r}")
        make_optimizer(self.optimizer, self.options)  # an unknown optimizer or option fails here


@dataclass(frozen=True)
class DataOrder:
    """Which samples each iteration sees: ``n`` samples in batches of ``batch_size`` (None: all),
    in order (``shuffle=False``) or shuffled each epoch by NumPy (``True``) or by torch (``"torch"``)."""

    n: int
    batch_size: int | None = None
    shuffle: bool = False
    seed: int = 0
    drop_last: bool = False

    def __post_init__(self):
        checked_shuffle(self.shuffle)
        if self.batches_per_epoch == 0:
            raise TrainingError(f"batch_size {self.batch_size} with drop_last leaves no full batch of "
                                f"the {self.n} samples")

    @property
    def size(self):
        """The batch size B (N for full-batch descent)."""
        return self.n if self.batch_size is None else self.batch_size

    @property
    def batches_per_epoch(self):
        return self.n // self.size if self.drop_last else -(-self.n // self.size)

    def epochs(self, count):
        """For each of ``count`` epochs, the list of its batches (arrays of sample indices); without
        shuffling, the same list every epoch."""
        starts = range(0, self.batches_per_epoch * self.size, self.size)
        if not self.shuffle:
            fixed = [np.arange(self.n)[s:s + self.size] for s in starts]
            for _ in range(count):
                yield fixed
            return
        permutations = _torch_permutations(self.n, self.seed) if self.shuffle == "torch" else \
            _numpy_permutations(self.n, self.seed)
        for _, order in zip(range(count), permutations):
            yield [order[s:s + self.size] for s in starts]


def _numpy_permutations(n, seed):
    rng = np.random.default_rng(seed)
    while True:
        yield rng.permutation(n)


def _torch_permutations(n, seed):
    """Each epoch's order as ``DataLoader(shuffle=True, generator=g)`` draws it from
    ``g = torch.Generator().manual_seed(seed)``: creating the epoch's iterator draws one int64 from
    ``g`` (the workers' base seed), the ``RandomSampler`` then draws ``torch.randperm(n, generator=g)``
    and, once exhausted, a second, empty slice of one (``randperm(n)[:n % n]``)."""
    try:
        import torch
    except ImportError:
        raise TrainingError("shuffle='torch' draws torch's order and needs torch (pip install torch); "
                            "shuffle=True is NumPy's order") from None
    generator = torch.Generator().manual_seed(seed)
    while True:
        torch.empty((), dtype=torch.int64).random_(generator=generator)
        order = torch.randperm(n, generator=generator).numpy()
        torch.randperm(n, generator=generator)
        yield order


@dataclass(frozen=True)
class Plan:
    """A :class:`Training` resolved against its model: everything a run needs,
    shared by the loops and the torch twin. ``initial`` holds exact values, ``columns`` the data
    as given (one sequence per data symbol)."""

    loss: Graph
    parameters: tuple
    initial: tuple
    data: tuple
    columns: tuple
    optimizer: str
    options: Mapping
    order: DataOrder
    epochs: int
    schedule: object = None
    mode: str = "float64"
    exact_seconds: float = EXACT_SECONDS

    @property
    def names(self):
        return tuple(p.name for p in self.parameters)

    @property
    def iterations(self):
        return self.epochs * self.order.batches_per_epoch

    def data_arrays(self, mode):
        """The data columns as arrays of ``mode``'s numbers (object arrays of exact values for exact)."""
        if mode == "exact":
            return [_object_array([exact(v) for v in column]) for column in self.columns]
        try:
            return [np.asarray(column, dtype=np.float64).astype(mode) for column in self.columns]
        except (TypeError, ValueError) as error:
            raise TrainingError(f"the data cannot be read as numbers: {error}") from None

    def initial_array(self, mode):
        if mode == "exact":
            return _object_array(self.initial)
        return np.array([float(v) for v in self.initial], dtype=np.float64).astype(mode)


def plan(training, model=None, *, mode=None):
    """Resolve ``training`` (its loss, or ``model`` when it has none) into a :class:`Plan`."""
    mode = checked_mode(training.mode if mode is None else mode)
    loss = training.loss if training.loss is not None else model
    if loss is None:
        raise TrainingError("the training run has no loss: give Training(loss=...) or a model")
    graph = loss if isinstance(loss, Graph) else Graph.from_expression(loss)
    leaves = graph.leaves(graph.output)
    parameters = resolve_all(list(training.parameters), leaves, "loss")
    if not parameters:
        raise TrainingError("the training run has no parameters to train")
    data = resolve_all(list(training.data), leaves, "loss")
    both = set(parameters) & set(data)
    if both:
        raise TrainingError(f"{', '.join(sorted(s.name for s in both))} is both a parameter and a data column")
    missing = [s.name for s in leaves if s not in parameters and s not in data]
    if missing:
        raise TrainingError(f"the loss uses {', '.join(missing)}, which is neither a parameter nor a data column")
    columns = tuple(tuple(c) for c in training.data.values())
    order = DataOrder(len(columns[0]) if columns else 1, training.batch_size, training.shuffle, training.seed,
                      training.drop_last)
    return Plan(graph, parameters, tuple(exact(v) for v in training.parameters.values()), data, columns,
                training.optimizer, dict(training.options), order, training.epochs, training.schedule, mode,
                training.exact_seconds)



def checked_mode(mode):
    """``mode`` when it is one of :data:`MODES`; otherwise a :class:`TrainingError` naming them."""
    if mode not in MODES:
        raise TrainingError(f"unknown number mode {mode!r}: choose from {', '.join(MODES)}")
    return mode


def checked_shuffle(shuffle):
    """``shuffle`` when it is one of :data:`SHUFFLES`; otherwise a :class:`TrainingError` naming them."""
    if isinstance(shuffle, (bool, np.bool_)) or (isinstance(shuffle, str) and shuffle == "torch"):
        return shuffle
    raise TrainingError(f"shuffle is False, True (NumPy's order) or 'torch' (torch's), got {shuffle!r}")


def _object_array(values):
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out
