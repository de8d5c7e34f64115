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

    def __call__(self, inputs, targets):
        """The loss of the batch; the gradient is written into :attr:`gradients`."""
        return float(self._run(inputs, targets, backward=True)[self._walk.loss])

    def outputs(self, inputs, targets):
        """``(loss, output)`` of a batch without the backward pass: the loss and a copy of the
        network's output (log-probabilities, probabilities or scores, one row per sample)."""
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
        if inputs.shape[1:] != self._inputs.shape[1:]:
            raise ShapeError(f"{self._inputs.name} must be {' x '.join(map(str, self._inputs.shape))}, got "
                             f"{' x '.join(map(str, inputs.shape))}")
        if len(inputs) == 0:
            raise ShapeError("a batch needs at least one sample")
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
                    rows[slot] = np.empty((batch, *node.shape[1:]), self.dtype)
            for node, slot in walk.adjoint.items():
                rows[slot] = gradients[node] if node in gradients else np.empty((batch, *node.shape[1:]), self.dtype)
            self._buffers[batch] = rows
        return self._buffers[batch]


def _data_nodes(derivation):
    leaves = derivation.leaves
    return (next(n for n in leaves if n.op == "data"),
            next(n for n in leaves if n.op in ("classes", "targets")))
