"""The exact algebra the matrix rules run on: SymPy matrices whose entries are expressions.

Entry by entry it writes what scalar mode writes (a registered operation's function and its exact
derivative, ``Softmax(j, *row)``, ``LogSoftmax(j, *row)``), so a matrix derivation evaluated here can
be compared exactly with the scalar graph walk. Vectors (biases, the sums of rows) are ``1 x k``
matrices; class indices are a sequence of ints. ``out`` buffers are ignored.
"""

import sympy

from ..core.activations import LogSoftmax, Softmax
from ..core.errors import NoDerivativeRuleError
from ..core.layers import Deviation, Standardized
from ..core.numbers import exact

__all__ = ["number", "reciprocal", "rows", "size", "affine", "matmul", "matmul_tn", "sum_rows", "apply",
           "derivative", "softmax", "softmax_of_log", "log_softmax", "mul", "add", "sub", "scale",
           "one_minus", "row_sum", "onehot", "sub_onehot", "pick", "total", "kept", "standardized", "mean_over",
           "divide",
           "conv2d", "conv2d_input", "conv2d_weight", "sum_images", "max_pool2d", "max_pool2d_input", "avg_pool2d",
           "avg_pool2d_input", "reshape", "shape",
           "gather", "scatter_rows", "inverse_root"]


def number(value):
    return sympy.Integer(value)


def reciprocal(count):
    return sympy.Rational(1, count)


def rows(a):
    return a.rows


def size(a):
    return a.rows * a.cols


def _ones(n, m):
    return sympy.ones(n, m)


def affine(a, w, b, out=None):
    z = a * w.T
    return z if b is None else z + _ones(a.rows, 1) * b


def matmul(a, b, out=None):
    return a * b


def matmul_tn(a, b, out=None):
    return a.T * b


def sum_rows(a, out=None):
    return _ones(1, a.rows) * a


def apply(op, z, out=None):
    """The registered operation ``op`` of each entry."""
    return z.applyfunc(op.function)


def derivative(op, z, out=None):
    """The exact derivative of ``op`` at each entry."""
    t = sympy.Dummy("t")
    derived = op.partial(op.function(t), 0)
    return z.applyfunc(lambda e: derived.xreplace({t: e}))


def _per_row(family):
    return lambda z, out=None: sympy.ImmutableMatrix(
        z.rows, z.cols, lambda i, j: family(j, *z.row(i)))


softmax, log_softmax = _per_row(Softmax), _per_row(LogSoftmax)


def softmax_of_log(z, log_probabilities, out=None):
    """softmax(z) (the log-probabilities, computed already, are not needed to write it exactly)."""
    return softmax(z)


def _broadcast(a, b):
    """``b`` widened to ``a``'s shape when it is a column (N x 1) or a row (1 x k)."""
    if b.shape != a.shape and b.cols == 1:
        return b * _ones(1, a.cols)
    if b.shape != a.shape and b.rows == 1:
        return _ones(a.rows, 1) * b
    return b


def mul(a, b, out=None):
    if a.shape != b.shape and (a.cols == 1 or a.rows == 1):
        a, b = b, a
    return a.multiply_elementwise(_broadcast(a, b))


def add(a, b, out=None):
    return a + _broadcast(a, b)


def sub(a, b, out=None):
    return a - _broadcast(a, b)


def divide(a, b, out=None):
    b = _broadcast(a, b)
    return sympy.ImmutableMatrix(a.rows, a.cols, lambda i, j: a[i, j] / b[i, j])


def standardized(a, eps, axis):
    """``(xhat, sigma)`` over each column (``axis`` 0) or row (1), written as scalar mode writes
    them: ``sigma = Deviation(eps, *group)`` (1 x k or N x 1), ``xhat = Standardized(k, sigma, *group)``."""
    eps = exact(eps)
    groups = [list(a.col(j)) for j in range(a.cols)] if axis == 0 else [list(a.row(i)) for i in range(a.rows)]
    sigmas = [Deviation(eps, *group) for group in groups]
    if axis == 0:
        xhat = sympy.ImmutableMatrix(a.rows, a.cols, lambda i, j: Standardized(i, sigmas[j], *groups[j]))
        return xhat, sympy.ImmutableMatrix(1, a.cols, sigmas)
    xhat = sympy.ImmutableMatrix(a.rows, a.cols, lambda i, j: Standardized(j, sigmas[i], *groups[i]))
    return xhat, sympy.ImmutableMatrix(a.rows, 1, sigmas)


def mean_over(a, axis):
    if axis == 0:
        return _ones(1, a.rows) * a / a.rows
    return a * _ones(a.cols, 1) / a.cols


def scale(a, factor, out=None):
    return a * factor


def one_minus(a):
    return a.applyfunc(lambda e: 1 - e)


def kept(mask, p):
    """A dropout's mask over ``1 - p`` (``p`` read exactly: 0.1 is 1/10)."""
    return mask / (1 - exact(p))


def row_sum(a):
    return a * _ones(a.cols, 1)


def onehot(classes, like, out=None):
    return sympy.ImmutableMatrix(like.rows, like.cols, lambda i, j: 1 if j == classes[i] else 0)


def sub_onehot(a, classes, out=None):
    return a - onehot(classes, a)


def pick(a, classes):
    return sympy.Add(*[a[n, k] for n, k in enumerate(classes)])


def total(a):
    return sympy.Add(*a)


def _images(*args, **kwargs):
    """The image layers (NCHW batches) are not 2-D matrices: exact mode refuses them."""
    raise NoDerivativeRuleError("exact mode computes with SymPy matrices (N x k): it has no conv2d, pooling or "
                                "flatten of image batches; run those in NumPy")


conv2d = conv2d_input = conv2d_weight = sum_images = _images
max_pool2d = max_pool2d_input = avg_pool2d = avg_pool2d_input = reshape = shape = _images


def gather(table, indices, out=None):
    """The rows of ``table`` at ``indices`` (a sequence of ints), as ``onehot(indices) table`` entry by entry."""
    return sympy.ImmutableMatrix([list(table.row(i)) for i in indices])


def scatter_rows(delta, indices, table, out=None):
    """``onehot(indices)^T delta``, of ``table``'s shape."""
    onehot_t = sympy.ImmutableMatrix(table.rows, len(indices), lambda i, n: 1 if indices[n] == i else 0)
    return onehot_t * delta


def inverse_root(d):
    return 1 / sympy.sqrt(d)
