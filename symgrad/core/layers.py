"""Layers: the linear map, in PyTorch's layout. Anything else is plain SymPy."""

from collections.abc import Sequence
from dataclasses import dataclass

import sympy

from .errors import ShapeError, SymgradError
from .variables import as_scalar

__all__ = ["Linear", "linear"]


@dataclass(frozen=True)
class Linear(Sequence):
    r"""$y_i = \sum_j W_{ij} x_j + b_i$: ``weight`` has one row per output (``nn.Linear.weight``).

    A ``Linear`` is the sequence of its outputs, so ``h1, h2 = linear(...)`` unpacks them.
    """

    outputs: tuple
    weight: sympy.ImmutableMatrix
    bias: sympy.ImmutableMatrix | None

    @property
    def parameters(self):
        """The symbols among the weights (row by row), then among the biases."""
        entries = list(self.weight) + (list(self.bias) if self.bias is not None else [])
        return tuple(e for e in entries if isinstance(e, sympy.Symbol))

    def __getitem__(self, i):
        return self.outputs[i]

    def __len__(self):
        return len(self.outputs)


def linear(inputs, weight=None, bias=True, *, out_features=None, weight_name="w", bias_name="b"):
    """The affine map ``W x + b`` of ``inputs``.

    ``weight`` is an out x in nested list or Matrix of symbols or numbers; when omitted, symbgrad
    creates ``w_{11}, w_{12}, ...`` (row = output, column = input) for ``out_features`` outputs.
    ``bias`` is True (create ``b_1, b_2, ...``), False (no bias), or a sequence of symbols or numbers.
    """
    xs = _vector(inputs, "inputs")
    if weight is None:
        if out_features is None:
            raise SymgradError("linear needs either weight= or out_features=")
        weight = [[_indexed(weight_name, i, j, out_features, len(xs)) for j in range(len(xs))]
                  for i in range(out_features)]
    W = _matrix(weight)
    if W.shape[1] != len(xs):
        raise ShapeError(f"linear: the weight has {W.shape[1]} columns but there are {len(xs)} inputs")
    if out_features is not None and W.shape[0] != out_features:
        raise ShapeError(f"linear: the weight has {W.shape[0]} rows but out_features={out_features}")
    n_out = W.shape[0]
    if bias is True:
        bias = [sympy.Symbol(f"{bias_name}_{i + 1}" if n_out < 10 else f"{bias_name}_{{{i + 1}}}")
                for i in range(n_out)]
    if bias is False or bias is None:
        b = None
    else:
        b = sympy.ImmutableMatrix(_vector(bias, "bias"))
        if len(b) != n_out:
            raise ShapeError(f"linear: {len(b)} biases for {n_out} outputs")
    outputs = tuple(sympy.Add(*[W[i, j] * xs[j] for j in range(len(xs))]) + (b[i] if b is not None else 0)
                    for i in range(n_out))
    return Linear(outputs, W, b)


def _indexed(name, i, j, rows, cols):
    if rows < 10 and cols < 10:
        return sympy.Symbol(f"{name}_{i + 1}{j + 1}")
    return sympy.Symbol(f"{name}_{{{i + 1},{j + 1}}}")


def _vector(values, what):
    if isinstance(values, sympy.MatrixBase):
        values = list(values)
    elif isinstance(values, (sympy.Basic, int, float)):
        values = [values]
    try:
        return [as_scalar(v, f"linear {what} entry") for v in values]
    except TypeError:
        raise ShapeError(f"linear: {what} must be a sequence of scalars, got {values!r}") from None


def _matrix(weight):
    if isinstance(weight, sympy.MatrixBase):
        rows = weight.tolist()
    else:
        rows = [list(r) if not isinstance(r, sympy.Basic) else [r] for r in weight]
    if not rows or len({len(r) for r in rows}) != 1:
        raise ShapeError("linear: the weight must be a non-empty rectangular out x in array")
    return sympy.ImmutableMatrix([[as_scalar(v, "weight entry") for v in r] for r in rows])
