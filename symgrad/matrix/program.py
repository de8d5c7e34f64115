"""A matrix derivation compiled to NumPy: the loss and its gradient for a batch, in one dtype, into
buffers allocated once per batch size (so a training step allocates almost nothing)."""

import numpy as np

from ..core.errors import ShapeError, SymgradError
from . import arrays
from .evaluation import compile_walk, run
from .network import Model

__all__ = ["Program"]


class Program:
    """The model's loss and gradient as a NumPy function of a batch ``(inputs, targets)``.

    ``parameters`` and ``gradients`` are lists of arrays in the model's order (torch's:
    ``W1, b1, W2, ...``); calling the program returns the batch's loss as a float and writes the
    gradient into ``gradients``, in place, each of its parameter's shape (as ``p.grad`` in torch).
    The parameter arrays are the model's own: an optimizer that updates them updates the model.
    A training call (not :meth:`outputs`) also updates each batch norm's running statistics in the
    model's buffers, as torch's forward pass in training mode does.
    """

    def __init__(self, model, loss="nll", reduction="mean"):
        if not isinstance(model, Model):
            raise SymgradError(f"a Program compiles a matrix Model, got {type(model).__name__}")
        self.model, self.dtype = model, model.dtype
        self.derivation = model.derivation(loss, reduction)
        self._walk = compile_walk(self.derivation)
        self.output, (self._inputs, self._targets) = self.derivation.loss.inputs[0], _data_nodes(self.derivation)
        self._parameters = self.derivation.wrt
        self.parameters = [model.parameters[p.name] for p in self._parameters]
        self.gradients = [np.empty_like(p) for p in self.parameters]
        self._leaves = [None if n in (self._inputs, self._targets) else model.parameters[n.name]
                        for n in self._walk.leaves]
        self._data_slots = self._walk.slot[self._inputs], self._walk.slot[self._targets]
        self._buffers = {}
        self._norms = [(self._walk.slot[n.inputs[0]], n) for n in self.derivation.forward if n.op == "batch_norm"]

    def __call__(self, inputs, targets):
        """The loss of the batch; the gradient is written into :attr:`gradients`."""
        values = self._run(inputs, targets, backward=True)
        for slot, node in self._norms:
            self._track(node, values[slot])
        return float(values[self._walk.loss])

    def _track(self, node, x):
        """torch's update of a batch norm's running statistics from its batch ``x``: ``running =
        (1 - momentum) running + momentum batch``, with the batch's unbiased variance."""
        buffers, m = self.model.buffers, node.option("momentum")
        mean, var = buffers[f"{node.name}.running_mean"], buffers[f"{node.name}.running_var"]
        mean *= 1 - m
        mean += m * np.mean(x, axis=0)
        var *= 1 - m
        var += m * np.var(x, axis=0, ddof=1)
        buffers[f"{node.name}.num_batches_tracked"][...] += 1

    def outputs(self, inputs, targets):
        """``(loss, output)`` of a batch without the backward pass: the loss and a copy of the
        network's output (log-probabilities, probabilities or scores, one row per sample). A batch norm
        standardizes by this batch's statistics (training mode: matrix mode has no eval mode yet) and
        leaves its running statistics as they are."""
        values = self._run(inputs, targets, backward=False)
        return float(values[self._walk.loss]), values[self._walk.slot[self.output]].copy()

    def _run(self, inputs, targets, backward):
        inputs, targets = self._batch(inputs, targets)
        leaves = self._leaves
        leaves[self._data_slots[0]], leaves[self._data_slots[1]] = inputs, targets
        return run(self._walk, arrays, leaves, self._workspace(len(inputs)), backward)

    def _batch(self, inputs, targets):
        inputs, targets = np.asarray(inputs), np.asarray(targets)
        if inputs.dtype != self.dtype:
            inputs = inputs.astype(self.dtype)
        features = self._inputs.shape[1]
        if inputs.ndim != 2 or inputs.shape[1] != features:
            raise ShapeError(f"{self._inputs.name} must be N x {features}, got {' x '.join(map(str, inputs.shape))}")
        if len(inputs) < (2 if self._norms else 1):
            raise ShapeError("a batch needs at least one sample" if not self._norms else
                             f"batch norm needs at least 2 samples in a batch (as torch in training mode), "
                             f"got {len(inputs)}")
        if self._targets.op == "classes":
            if targets.ndim != 1 or targets.dtype.kind not in "iu":
                raise ShapeError(f"{self._targets.name} must be a vector of integer class indices, got "
                                 f"{targets.dtype} of shape {targets.shape}")
            count = self._targets.option("classes")
            if targets.min() < 0 or targets.max() >= count:
                raise ShapeError(f"{self._targets.name}: class indices go from 0 to {count - 1}, "
                                 f"got {targets.min()} to {targets.max()}")
        else:
            targets = targets.astype(self.dtype, copy=False)
            if targets.shape[1:] != self._targets.shape[1:] or targets.ndim != 2:
                raise ShapeError(f"{self._targets.name} must be N x {self._targets.shape[1]}, got "
                                 f"{' x '.join(map(str, targets.shape))}")
        if len(targets) != len(inputs):
            raise ShapeError(f"{self._inputs.name} has {len(inputs)} rows but {self._targets.name} has {len(targets)}")
        return inputs, targets

    def _workspace(self, batch):
        """The buffers for a batch of ``batch`` rows, by slot: one per forward value and adjoint,
        with the parameters' adjoints being :attr:`gradients`."""
        if batch not in self._buffers:
            walk, gradients = self._walk, dict(zip(self._parameters, self.gradients))
            rows = [None] * walk.size
            for node, slot in walk.slot.items():
                if not node.is_leaf and node is not self.derivation.loss:
                    rows[slot] = np.empty((batch, node.shape[1]), self.dtype)
            for node, slot in walk.adjoint.items():
                rows[slot] = gradients[node] if node in gradients else np.empty((batch, node.shape[1]), self.dtype)
            self._buffers[batch] = rows
        return self._buffers[batch]


def _data_nodes(derivation):
    leaves = derivation.leaves
    return (next(n for n in leaves if n.op == "data"),
            next(n for n in leaves if n.op in ("classes", "targets")))
