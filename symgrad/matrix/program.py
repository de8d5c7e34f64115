"""A matrix derivation compiled to NumPy: the loss and its gradient for a batch, in one dtype, into
buffers allocated once per batch size (so a training step allocates almost nothing)."""

import numpy as np

from ..core.errors import DataError, ShapeError, SymgradError
from . import arrays, graph
from .evaluation import compile_walk, run
from .graph import BATCH, SIGNED_TARGETS
from .network import Model

__all__ = ["Program", "TorchMasks"]


class TorchMasks:
    """Dropout masks drawn as torch's CPU ``nn.Dropout`` draws them in training mode: ``torch.empty(N, k,
    dtype).bernoulli_(1 - p)`` from a ``torch.Generator`` seeded with ``seed``, one mask per dropout
    per batch in the forward order; so a torch run after ``torch.manual_seed(seed)`` (whose only
    random draws are its dropouts') gets the same masks. Without torch, NumPy's generator draws them
    (the same probabilities, not torch's masks). Torch is imported at the first mask drawn."""

    def __init__(self, seed=0):
        self.seed, self._rng = seed, None

    def _generator(self):
        try:
            import torch
        except ImportError:
            self._torch, self._rng = None, np.random.default_rng(self.seed)
        else:
            self._torch, self._rng = torch, torch.Generator().manual_seed(self.seed)

    def __call__(self, node, rows, dtype):
        """A 0/1 mask for the mask node ``node`` over ``rows`` samples, in ``dtype``."""
        if self._rng is None:
            self._generator()
        keep, shape = 1 - node.option("p"), (rows, node.shape[1])
        if self._torch is None:
            return (self._rng.random(shape) < keep).astype(dtype)
        torch = self._torch
        noise = torch.empty(shape, dtype=getattr(torch, np.dtype(dtype).name))
        return noise.bernoulli_(keep, generator=self._rng).numpy()


class Program:
    """The model's loss and gradient as a NumPy function of a batch ``(inputs, targets)``.

    ``parameters`` and ``gradients`` are lists of arrays in the model's order (torch's:
    ``W1, b1, W2, ...``); calling the program returns the batch's loss as a float and writes the
    gradient into ``gradients``, in place, each of its parameter's shape (as ``p.grad`` in torch).
    The parameter arrays are the model's own: an optimizer that updates them updates the model.

    In ``training`` (torch's ``net.train()``), each batch's dropout masks come from ``masks``: a
    callable ``masks(mask node, rows, dtype)`` returning zeros and ones (default :class:`TorchMasks`
    seeded with 0), or a dict of given masks by name (``{"M1": array}``), used for every batch.
    Out of ``training`` (``net.eval()``), the dropouts are the identity.

    A training call (not :meth:`outputs`) also updates each batch norm's running statistics in the
    model's buffers, as torch's forward pass in training mode does. ``settings`` are the loss's
    (``Program(model, "huber", delta=2.0)``, :data:`~.graph.ENTRY_LOSSES`).
    """

    def __init__(self, model, loss="nll", reduction="mean", masks=None, training=True, **settings):
        if not isinstance(model, Model):
            raise SymgradError(f"a Program compiles a matrix Model, got {type(model).__name__}")
        self.model, self.dtype = model, model.dtype
        self.derivation = model.derivation(loss, reduction, training, **settings)
        self._walk = compile_walk(self.derivation)
        self._masks = [(i, n) for i, n in enumerate(self._walk.leaves) if n.op == "mask"]
        self.masks = TorchMasks() if masks is None else masks
        self.output, (self._inputs, self._targets) = self.derivation.loss.inputs[0], _data_nodes(self.derivation)
        self._parameters = self.derivation.wrt
        self.parameters = [model.parameters[p.name] for p in self._parameters]
        self.gradients = [np.empty_like(p) for p in self.parameters]
        self._leaves = [None if n in (self._inputs, self._targets) or n.op == "mask" else model.parameters[n.name]
                        for n in self._walk.leaves]
        self._data_slots = self._walk.slot[self._inputs], self._walk.slot[self._targets]
        self._buffers = {}
        self._norms = [(self._walk.slot[n.inputs[0]], n) for n in self.derivation.forward if n.op in graph.BATCH_NORMS]
        # torch needs more than one value per channel: 2 samples, unless each has several pixels per channel
        self._least = 2 if any(np.prod(n.shape[2:], dtype=int) == 1 for _, n in self._norms) else 1

    def __call__(self, inputs, targets):
        """The loss of the batch; the gradient is written into :attr:`gradients`."""
        values = self._run(inputs, targets, backward=True)
        for slot, node in self._norms:
            self._track(node, values[slot])
        return float(values[self._walk.loss])

    def _track(self, node, x):
        """torch's update of a batch norm's running statistics from its batch ``x``: ``running =
        (1 - momentum) running + momentum batch``, with the batch's unbiased variance (per feature over
        the rows, or per channel over the samples and pixels)."""
        buffers, m, axes = self.model.buffers, node.option("momentum"), (0, *range(2, x.ndim))
        mean, var = buffers[f"{node.name}.running_mean"], buffers[f"{node.name}.running_var"]
        mean *= 1 - m
        mean += m * np.mean(x, axis=axes)
        var *= 1 - m
        var += m * np.var(x, axis=axes, ddof=1)
        buffers[f"{node.name}.num_batches_tracked"][...] += 1

    def outputs(self, inputs, targets):
        """``(loss, output)`` of a batch without the backward pass: the loss and a copy of the
        network's output (log-probabilities, probabilities or scores, one row per sample). A batch norm
        standardizes by this batch's statistics (training mode: matrix mode has no eval mode yet) and
        leaves its running statistics as they are."""
        values = self._run(inputs, targets, backward=False)
        return float(values[self._walk.loss]), values[self._walk.slot[self.output]].copy()

    def _run(self, inputs, targets, backward):
        inputs, targets = self.checked(inputs, targets)
        leaves = self._leaves
        leaves[self._data_slots[0]], leaves[self._data_slots[1]] = inputs, targets
        for slot, node in self._masks:
            leaves[slot] = self._mask(node, len(inputs))
        return run(self._walk, arrays, leaves, self._workspace(len(inputs)), backward)

    def evaluation(self):
        """The program of the same model (the same parameter arrays) out of training, as torch's
        ``net.eval()``: this program itself when it has no dropout."""
        if not self._masks:
            return self
        loss = self.derivation.loss
        return Program(self.model, loss.op, loss.option("reduction"), training=False, **dict(loss.options[1:]))

    def _mask(self, node, rows):
        """The mask of ``node`` for a batch of ``rows``, checked to be ``rows x k`` zeros and ones."""
        if isinstance(self.masks, dict):
            if node.name not in self.masks:
                raise SymgradError(f"no mask is given for {node.name} (masks has {', '.join(self.masks) or 'none'})")
            value = self.masks[node.name]
        else:
            value = self.masks(node, rows, self.dtype)
        value = np.asarray(value, dtype=self.dtype)
        if value.shape != (rows, node.shape[1]):
            raise ShapeError(f"the mask {node.name} must be {rows} x {node.shape[1]}, got "
                             f"{' x '.join(map(str, value.shape))}")
        if not np.isin(value, (0, 1)).all():
            raise SymgradError(f"the mask {node.name} must hold zeros and ones only")
        return value

    def checked(self, inputs, targets):
        """``(inputs, targets)`` as the program computes them (inputs in its dtype; numeric targets
        too), or an error naming what does not fit its data nodes and its loss (class indices for
        ``nll`` and ``cross_entropy``, ``N x k`` numbers for the others, probabilities from 0 to 1 for
        ``bce_with_logits`` and ``bce``, 1 or -1 for ``hinge_embedding``). Every batch is checked; a
        whole data set can be checked at once."""
        inputs, targets = np.asarray(inputs), np.asarray(targets)
        if self._inputs.op == "tokens":
            _check_tokens(self._inputs, inputs)
        elif inputs.dtype != self.dtype:
            inputs = inputs.astype(self.dtype)
        loss = self.derivation.loss.op
        if inputs.shape[1:] != self._inputs.shape[1:]:
            raise ShapeError(f"{self._inputs.name} must be {' x '.join(map(str, self._inputs.shape))}, got "
                             f"{' x '.join(map(str, inputs.shape))}")
        if len(inputs) < self._least:
            raise ShapeError("a batch needs at least one sample" if self._least == 1 else
                             f"batch norm needs at least 2 samples in a batch (as torch in training mode: more than "
                             f"one value per channel), got {len(inputs)}")
        classes = self._targets.op == "classes"
        if classes and (targets.ndim != 1 or targets.dtype.kind not in "iu"):
            raise ShapeError(f"{self._targets.name} must be a vector of integer class indices, got "
                             f"{targets.dtype} of shape {targets.shape} (the loss {loss} takes classes)")
        if not classes:
            width = self._targets.shape[1]
            if targets.ndim != 2 or targets.shape[1] != width or targets.dtype.kind not in "fiub":
                raise ShapeError(f"{self._targets.name} must be N x {width}, got {' x '.join(map(str, targets.shape))} "
                                 f"{targets.dtype} (the loss {loss} takes rows of numbers)")
            targets = targets.astype(self.dtype, copy=False)
        if len(targets) != len(inputs):
            raise ShapeError(f"{self._inputs.name} has {len(inputs)} rows but {self._targets.name} has {len(targets)}")
        if classes:
            count = self._targets.option("classes")
            if targets.min() < 0 or targets.max() >= count:
                raise ShapeError(f"{self._targets.name}: class indices go from 0 to {count - 1}, "
                                 f"got {targets.min()} to {targets.max()}")
        elif loss in SIGNED_TARGETS and not np.isin(targets, (1, -1)).all():
            raise DataError(f"{self._targets.name} must hold 1 or -1 (the loss {loss}), got "
                            f"{', '.join(map('{:g}'.format, np.unique(targets)[:5]))}")
        elif loss in ("bce_with_logits", "bce") and not (targets.min() >= 0 and targets.max() <= 1):
            raise DataError(f"{self._targets.name} must hold probabilities from 0 to 1 (the loss {loss}), "
                            f"got {targets.min():g} to {targets.max():g}")
        return inputs, targets

    def _workspace(self, batch):
        """The buffers for a batch of ``batch`` rows, by slot: one per forward value and adjoint,
        with the parameters' adjoints being :attr:`gradients`."""
        if batch not in self._buffers:
            walk, gradients = self._walk, dict(zip(self._parameters, self.gradients))
            rows = [None] * walk.size
            for node, slot in walk.slot.items():
                if not node.is_leaf and node is not self.derivation.loss:
                    rows[slot] = self._buffer(node, batch)
            for node, slot in walk.adjoint.items():
                rows[slot] = gradients[node] if node in gradients else self._buffer(node, batch)
            self._buffers[batch] = rows
        return self._buffers[batch]


    def _buffer(self, node, batch):
        """An array for ``node``'s value or adjoint over ``batch`` rows (each ``N`` of its shape is ``batch``:
        attention's scores are ``N x N``)."""
        return np.empty(tuple(batch if n == BATCH else n for n in node.shape), self.dtype)


def _check_tokens(node, inputs):
    """A batch of token indices: a vector of integers from 0 to the embedding's size less 1."""
    count = node.option("embeddings")
    if inputs.ndim != 1 or inputs.dtype.kind not in "iu":
        raise ShapeError(f"{node.name} must be a vector of integer token indices, got {inputs.dtype} of shape "
                         f"{inputs.shape}")
    if len(inputs) and (inputs.min() < 0 or inputs.max() >= count):
        raise ShapeError(f"{node.name}: token indices go from 0 to {count - 1}, got {inputs.min()} to {inputs.max()}")


def _data_nodes(derivation):
    leaves = derivation.leaves
    return (next(n for n in leaves if n.op in ("data", "tokens")),
            next(n for n in leaves if n.op in ("classes", "targets")))
