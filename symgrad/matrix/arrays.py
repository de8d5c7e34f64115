"""The NumPy algebra the matrix rules run on: float32 or float64 arrays, written into ``out`` buffers
where one is given (BLAS matmuls with ``out=``, in-place ufuncs), so a training step allocates little.

Rows are samples. Every function keeps its inputs' dtype; softmax and log-softmax subtract each
row's maximum first, and a registered operation applied entry by entry (:func:`apply`) runs its own
stable NumPy form, so none overflows.
"""

import functools

import numpy as np
import sympy

from ..numeric.codegen import compile_expressions

__all__ = ["number", "reciprocal", "rows", "size", "affine", "matmul", "matmul_tn", "sum_rows", "apply",
           "derivative", "softmax", "softmax_of_log", "log_softmax", "mul", "add", "sub", "scale",
           "one_minus", "row_sum", "onehot", "sub_onehot", "pick", "total", "kept", "standardized", "mean_over",
           "divide"]


def number(value):
    return value


def reciprocal(count):
    return 1.0 / count


def rows(a):
    return a.shape[0]


def size(a):
    return a.size


def affine(a, w, b, out=None):
    """``a w^T + b``, with b (a vector) added to every row."""
    out = np.matmul(a, w.T, out=out)
    if b is not None:
        np.add(out, b, out=out)
    return out


def matmul(a, b, out=None):
    return np.matmul(a, b, out=out)


def matmul_tn(a, b, out=None):
    """``a^T b``."""
    return np.matmul(a.T, b, out=out)


def sum_rows(a, out=None):
    """The sum of the rows: a vector with one entry per column, as the product ``1^T a`` (BLAS's
    matrix-vector product is faster than ``add.reduce`` down the columns, measured)."""
    return np.matmul(_ones(len(a), a.dtype), a, out=out)


def apply(op, z, out=None):
    """The registered operation ``op`` of each entry of ``z``: its in-place NumPy form, else its
    kernel (or SymPy's NumPy code of it), written into ``out`` when one is given."""
    if op.array is not None:
        return op.array(z, out)
    return _into(_compiled(op, False)(z), z, out)


def derivative(op, z, out=None):
    """The derivative of ``op`` at each entry of ``z``, compiled once from its exact derivative."""
    return _into(_compiled(op, True)(z), z, out)


def _into(value, z, out):
    value = np.broadcast_to(np.asarray(value, dtype=z.dtype), z.shape)
    if out is None:
        return value.copy()
    np.copyto(out, value)
    return out


@functools.lru_cache(maxsize=64)
def _compiled(op, derived):
    """``op`` (or its derivative, with ``derived``) of one array, as NumPy code."""
    t = sympy.Dummy("t")
    expr = op.function(t)
    function = compile_expressions([t], [op.partial(expr, 0) if derived else expr], "numpy")
    return lambda z: function(z)[0]


def _shifted(z, out):
    """Each row minus its maximum."""
    return np.subtract(z, np.maximum.reduce(z, axis=1, keepdims=True), out=out)


def softmax_of_log(z, log_probabilities, out=None):
    """softmax(z), given ``log_probabilities`` = log_softmax(z) already computed: their exp."""
    return np.exp(log_probabilities, out=out)


def softmax(z, out=None):
    out = np.exp(_shifted(z, out), out=out)
    return np.divide(out, np.add.reduce(out, axis=1, keepdims=True), out=out)


def log_softmax(z, out=None):
    out = _shifted(z, out)
    return np.subtract(out, np.log(np.add.reduce(np.exp(out), axis=1, keepdims=True)), out=out)


def mul(a, b, out=None):
    """Element by element; a column (N x 1) multiplies every column."""
    return np.multiply(a, b, out=out)


def add(a, b, out=None):
    return np.add(a, b, out=out)


def sub(a, b, out=None):
    return np.subtract(a, b, out=out)


def scale(a, factor, out=None):
    """``factor * a``, for a number or an array ``a``."""
    return np.multiply(a, factor, out=out)


def one_minus(a):
    return 1.0 - a


def kept(mask, p):
    """A dropout's mask over ``1 - p``, in the mask's dtype (torch's ``noise.div_(1 - p)``)."""
    return np.divide(mask, mask.dtype.type(1 - p))


def row_sum(a):
    """Each row's sum, as a column (N x 1)."""
    return np.add.reduce(a, axis=1, keepdims=True)


def onehot(classes, like, out=None):
    """Rows of zeros shaped like ``like``, with a 1 in each row's class column."""
    out = np.zeros_like(like) if out is None else out
    out.fill(0.0)
    out[_rows(len(classes)), classes] = 1.0
    return out


def sub_onehot(a, classes, out=None):
    """``a`` minus 1 in each row's class column."""
    if out is None:
        out = a.copy()
    elif out is not a:
        np.copyto(out, a)
    out[_rows(len(classes)), classes] -= 1.0
    return out


def pick(a, classes):
    """The sum over rows of each row's entry in its class column."""
    return np.add.reduce(a[_rows(len(classes)), classes])


def total(a):
    return np.add.reduce(a, axis=None)


def standardized(a, eps, axis):
    """``(xhat, sigma)``: ``a`` less its mean over ``axis`` (0: down each column, 1: along each row),
    divided by ``sigma = sqrt(biased variance + eps)``, which keeps that axis (1 x k or N x 1)."""
    centred = a - np.mean(a, axis=axis, keepdims=True)
    sigma = np.sqrt(np.mean(centred * centred, axis=axis, keepdims=True) + eps)
    return np.divide(centred, sigma, out=centred), sigma


def mean_over(a, axis):
    """The mean down each column (``axis`` 0, a 1 x k row) or along each row (1, an N x 1 column)."""
    return np.mean(a, axis=axis, keepdims=True)


def divide(a, b, out=None):
    """Element by element; a row (1 x k) or a column (N x 1) divides every row or column."""
    return np.divide(a, b, out=out)


@functools.lru_cache(maxsize=64)
def _ones(n, dtype):
    """1, ..., 1 (n of them, read-only), made once per batch size."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


@functools.lru_cache(maxsize=64)
def _rows(n):
    """0, 1, ..., n - 1 (read-only), made once per batch size."""
    rows = np.arange(n)
    rows.flags.writeable = False
    return rows
