"""The exact algebra the matrix rules run on: SymPy matrices whose entries are expressions.

Entry by entry it writes what scalar mode writes (a registered operation's function and its exact
derivative, ``Softmax(j, *row)``, ``LogSoftmax(j, *row)``), so a matrix derivation evaluated here can
be compared exactly with the scalar graph walk. Vectors (biases, the sums of rows) are ``1 x k``
matrices; class indices are a sequence of ints; batches of images (N x C x H x W) and kernels are
``sympy.Array``s. ``out`` buffers are ignored.
"""

import itertools

import sympy

from ..core import layers
from ..core.activations import LogSoftmax, Softmax, step
from ..core.errors import NoDerivativeRuleError
from ..core.layers import Deviation, Standardized
from ..core.numbers import exact

__all__ = ["number", "reciprocal", "rows", "size", "affine", "matmul", "matmul_tn", "sum_rows", "apply",
           "derivative", "softmax", "softmax_of_log", "log_softmax", "mul", "add", "sub", "scale",
           "one_minus", "row_sum", "onehot", "sub_onehot", "pick", "total", "kept", "standardized", "mean_over",
           "divide",
           "conv2d", "conv2d_input", "conv2d_weight", "sum_images", "max_pool2d", "max_pool2d_input", "avg_pool2d",
           "avg_pool2d_input", "reshape", "shape", "entrywise", "channels",
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


def apply(op, z, out=None, settings=()):
    """The registered operation ``op`` (with ``settings``, ``(name, value)`` pairs) of each entry."""
    return z.applyfunc(lambda e: op.function(e, **dict(settings)))


def derivative(op, z, out=None, settings=()):
    """The exact derivative of ``op`` (with ``settings``) at each entry."""
    t = sympy.Dummy("t")
    derived = op.partial(op.function(t, **dict(settings)), 0)
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
    if isinstance(a, sympy.NDimArray):
        return _images([x * y for x, y in zip(_entries(a), _entries(b))], a.shape)
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
    if not isinstance(axis, int):  # BatchNorm2d's statistics, over the samples and pixels of each channel
        _no_batch_norm2d()
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


# -- images: (N, C, H, W) batches as SymPy arrays ---------------------------------------------------
# A batch of images and a kernel (out x in x kh x kw) are ``sympy.Array``s; flatten turns a batch into an
# N x k matrix (row-major, as torch's) and back. The forward values are scalar mode's (core.layers'
# conv2d and pooling, image by image); the adjoints are the rules' own formulas (the transposed
# convolution, the correlation with delta, unpooling), never derivatives, so the tests that hold them
# against scalar mode's derivatives can fail.


def _images(entries, shape):
    return sympy.ImmutableDenseNDimArray(entries, shape)


def _entries(a):
    """The entries of a matrix or an array, row-major."""
    return sympy.flatten(a.tolist())


def _each_image(layer, x, *args, **kwargs):
    """Scalar mode's ``layer`` (a function of core.layers on C x H x W nested lists) of each image of ``x``."""
    return _images([layer(image, *args, **kwargs) for image in x.tolist()], None)


def _correlate(x, w, b=None, stride=1, padding=0):
    """Scalar mode's ``conv2d`` (a cross-correlation) of each image of ``x`` with the kernels ``w``."""
    return _each_image(layers.conv2d, x, w.tolist(), False if b is None else list(b), stride=stride,
                       padding=padding)


def _swapped(a):
    """A 4-d array with its first two axes swapped (a kernel's out and in channels, a batch's N and C)."""
    return sympy.permutedims(a, (1, 0, 2, 3))


def _spread(delta, stride, shape, offset):
    """``delta``'s pixels ``stride`` apart (zeros between), from ``offset`` on, in zeros of ``shape``."""
    out = sympy.MutableDenseNDimArray.zeros(*shape)
    for n, c, i, j in itertools.product(*map(range, delta.shape)):
        out[n, c, offset + stride * i, offset + stride * j] = delta[n, c, i, j]
    return _images(out.tolist(), None)


def _cropped(a, top, height, width):
    return _images([[[row[top:top + width] for row in channel[top:top + height]] for channel in image]
                    for image in a.tolist()], None)


def conv2d(x, w, b, stride, padding, out=None):
    """``nn.Conv2d``: scalar mode's conv2d of each image (``b`` a 1 x out matrix, or None)."""
    return _correlate(x, w, b, stride, padding)


def conv2d_input(delta, w, image, stride, padding, out=None):
    """The transposed convolution: ``delta`` spread ``stride`` apart and padded by ``k - 1``,
    correlated with the kernel turned by 180 degrees, its channels swapped; the padding cut off."""
    (n, o, _, _), k = delta.shape, w.shape[2]
    h, wd = image[2] + 2 * padding, image[3] + 2 * padding
    spread = _spread(delta, stride, (n, o, h + k - 1, wd + k - 1), k - 1)
    flipped = _swapped(_images([[[row[::-1] for row in kernel[::-1]] for kernel in c] for c in w.tolist()], None))
    return _cropped(_correlate(spread, flipped), padding, image[2], image[3])


def conv2d_weight(delta, x, kernel, stride, padding, out=None):
    """The kernel's gradient, the correlation of the padded images with ``delta`` spread ``stride``
    apart, the samples as channels: ``sum_{n, i, j} delta[n, o, i, j] * x[n, c, s i + u - p, s j + v - p]``."""
    n, o, ho, wo = delta.shape
    spread = _spread(delta, stride, (n, o, stride * (ho - 1) + 1, stride * (wo - 1) + 1), 0)
    return _cropped(_swapped(_correlate(_swapped(x), _swapped(spread), padding=padding)), 0, *kernel)


def sum_images(delta, out=None):
    """A bias's gradient: ``delta`` summed over the samples and the pixels, a 1 x out matrix."""
    return sympy.ImmutableMatrix(1, delta.shape[1], lambda _, c: sympy.Add(*_entries(delta[:, c, :, :])))


def max_pool2d(x, kernel, stride, out=None):
    """``nn.MaxPool2d``: scalar mode's max pooling of each image (``m + relu(v - m)`` along the window)."""
    return _each_image(layers.max_pool2d, x, kernel, stride)


def avg_pool2d(x, kernel, stride, out=None):
    """``nn.AvgPool2d``: scalar mode's average pooling of each image."""
    return _each_image(layers.avg_pool2d, x, kernel, stride)


def _unpooled(delta, image, kernel, stride, shares):
    """Each window's ``delta`` back over its pixels (row by row), pixel ``k`` getting ``delta`` times
    ``shares(n, c, pixels)[k]``, added up where windows overlap."""
    out = sympy.MutableDenseNDimArray.zeros(*image)
    for n, c, r, t in itertools.product(*map(range, delta.shape)):
        pixels = [(r * stride + u, t * stride + v) for u in range(kernel) for v in range(kernel)]
        for (u, v), share in zip(pixels, shares(n, c, pixels)):
            out[n, c, u, v] += delta[n, c, r, t] * share
    return _images(out.tolist(), None)


def max_pool2d_input(delta, x, kernel, stride, out=None, maximum=None):
    r"""The input's adjoint: each window's ``delta`` to its first maximum (row by row), as torch's
    (the forward ``maximum`` is not needed: the brackets compare the window's entries).
    Pixel ``k`` of a window ``x_1, x_2, ...`` gets $\delta \prod_{j < k} [x_k > x_j] \prod_{j > k}
    [x_k \geq x_j]$, the brackets relu's step (0 at 0): numbers pick the first maximum exactly,
    symbols keep the brackets."""
    def first(n, c, pixels):
        v = [x[n, c, i, j] for i, j in pixels]
        return [sympy.Mul(*[step(v[k] - v[j]) for j in range(k)],
                          *[1 - step(v[j] - v[k]) for j in range(k + 1, len(v))]) for k in range(len(v))]
    return _unpooled(delta, x.shape, kernel, stride, first)


def avg_pool2d_input(delta, image, kernel, stride, out=None):
    """The input's adjoint: each window's ``delta / k^2`` to each pixel of the window."""
    return _unpooled(delta, image, kernel, stride, lambda *_: [sympy.Rational(1, kernel * kernel)] * kernel ** 2)


def reshape(a, shape, out=None):
    """``a`` with the shape ``shape`` (its first entry the batch's size, taken from ``a``), row-major as
    torch's: N x k rows as a matrix, N x C x H x W as an array."""
    n, entries = a.shape[0], _entries(a)
    if len(shape) == 2:
        return sympy.ImmutableMatrix(n, len(entries) // n, entries)
    return _images(entries, (n, *shape[1:]))


def shape(a):
    return a.shape


def entrywise(term, a, b, derived=False, out=None):
    """``term(a_ij, b_ij)`` of each entry (scalar mode's loss of one entry), or with ``derived`` its
    exact derivative in ``a_ij``."""
    if not derived:
        return sympy.ImmutableMatrix(a.rows, a.cols, lambda i, j: term(a[i, j], b[i, j]))
    t = sympy.Dummy("t", real=True)
    return sympy.ImmutableMatrix(a.rows, a.cols,
                                 lambda i, j: sympy.diff(term(t, b[i, j]), t).xreplace({t: a[i, j]}))


def _no_batch_norm2d():
    raise NoDerivativeRuleError("exact mode (SymPy) has no BatchNorm2d: its statistics run over the samples and "
                                "pixels of each channel; derive it numerically, or as BatchNorm1d of the "
                                "(N H W) x C rows")


def channels(v):
    """BatchNorm2d's per-channel gamma and beta: refused (see :func:`_no_batch_norm2d`)."""
    _no_batch_norm2d()


def gather(table, indices, out=None):
    """The rows of ``table`` at ``indices`` (a sequence of ints), as ``onehot(indices) table`` entry by entry."""
    return sympy.ImmutableMatrix([list(table.row(i)) for i in indices])


def scatter_rows(delta, indices, table, out=None):
    """``onehot(indices)^T delta``, of ``table``'s shape."""
    onehot_t = sympy.ImmutableMatrix(table.rows, len(indices), lambda i, n: 1 if indices[n] == i else 0)
    return onehot_t * delta


def inverse_root(d):
    return 1 / sympy.sqrt(d)
