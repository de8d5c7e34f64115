"""The NumPy algebra the matrix rules run on: float32 or float64 arrays, written into ``out`` buffers
where one is given (BLAS matmuls with ``out=``, in-place ufuncs), so a training step allocates little.

Rows are samples. Every function keeps its inputs' dtype; softmax and log-softmax subtract each
row's maximum first, and a registered operation applied entry by entry (:func:`apply`) runs its own
stable NumPy form, so none overflows.
"""

import functools
import itertools

import numpy as np
import sympy

from ..numeric.codegen import compile_expressions

__all__ = ["number", "reciprocal", "rows", "size", "affine", "matmul", "matmul_tn", "sum_rows", "apply",
           "derivative", "softmax", "softmax_of_log", "log_softmax", "mul", "add", "sub", "scale",
           "one_minus", "row_sum", "onehot", "sub_onehot", "pick", "total", "kept", "standardized", "mean_over",
           "divide",
           "conv2d", "conv2d_input", "conv2d_weight", "sum_images", "max_pool2d", "max_pool2d_input", "avg_pool2d",
           "avg_pool2d_input", "reshape", "shape", "entrywise", "channels",
           "gather", "scatter_rows", "inverse_root"]


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


def apply(op, z, out=None, settings=()):
    """The registered operation ``op`` of each entry of ``z``: its in-place NumPy form, else its
    kernel (or SymPy's NumPy code of it), written into ``out`` when one is given; ``settings``,
    ``(name, value)`` pairs, are those of its settings that are not their defaults."""
    if op.array is not None and not settings:
        return op.array(z, out)
    return _into(_compiled(op, False, settings)(z), z, out)


def derivative(op, z, out=None, settings=()):
    """The derivative of ``op`` (with ``settings``) at each entry of ``z``, compiled once from its
    exact derivative."""
    return _into(_compiled(op, True, settings)(z), z, out)


def _into(value, z, out):
    value = np.broadcast_to(np.asarray(value, dtype=z.dtype), z.shape)
    if out is None:
        return value.copy()
    np.copyto(out, value)
    return out


@functools.lru_cache(maxsize=64)
def _compiled(op, derived, settings=()):
    """``op`` with ``settings`` (or its derivative, with ``derived``) of one array, as NumPy code."""
    t = sympy.Dummy("t")
    expr = op.function(t, **dict(settings))
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


# -- images: (N, C, H, W) batches ------------------------------------------------------------------


def _windows(x, kernel, stride):
    """The ``kh x kw`` windows of each image at the given stride, a view: ``(N, C, Ho, Wo, kh, kw)``."""
    return np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(2, 3))[:, :, ::stride, ::stride]


def _padded(x, top, bottom=None):
    """``x`` with ``top`` zero rows and columns before each image and ``bottom`` after."""
    bottom = top if bottom is None else bottom
    return x if top == bottom == 0 else np.pad(x, ((0, 0), (0, 0), (top, bottom), (top, bottom)))


def _into_images(value, out):
    if out is None:
        return np.ascontiguousarray(value)
    np.copyto(out, value)
    return out


def _columns(x, kernel, stride):
    """im2col: the ``kh x kw`` windows of each image (a :func:`_windows` view) copied once into
    ``(N, C kh kw, Ho Wo)``, so that a kernel's product with them is one matrix product per image."""
    windows = _windows(x, kernel, stride)
    n, c, ho, wo, kh, kw = windows.shape
    return np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3)).reshape(n, c * kh * kw, ho * wo)


def _samples_last(a):
    """An ``(N, C, H, W)`` batch as the ``C x (H W N)`` matrix of its channels, the samples last (CHWN)."""
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).reshape(a.shape[1], -1)


def _columns_samples_last(x, kernel, stride):
    """im2col over the whole batch: ``(C kh kw) x (Ho Wo N)``, the samples last, one copy per kernel
    entry of blocks of ``Wo N`` contiguous entries (``N`` when strided)."""
    (n, c, h, wd), (kh, kw) = x.shape, kernel
    image = np.ascontiguousarray(x.transpose(1, 2, 3, 0))
    ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1
    columns = np.empty((c, kh, kw, ho, wo, n), x.dtype)
    for (i, j), entry in zip(itertools.product(range(kh), range(kw)),
                             _window_entries(image.shape, kernel, stride, axes=(1, 2))):
        columns[:, i, j] = image[entry]
    return columns.reshape(c * kh * kw, ho * wo * n)


def _per_image(c, kernel, ho, wo):
    """Whether a convolution's products go image by image (each image's ``Ho Wo`` columns at least as
    many as the ``C kh kw`` rows) or as one product over the whole batch, the samples last, which
    is faster when each image would give only a thin product."""
    return ho * wo >= c * kernel[0] * kernel[1]


def conv2d(x, w, b, stride, padding, out=None):
    """``nn.Conv2d``: the correlation of the zero-padded images with each kernel, plus its bias:
    ``W (out x C kh kw)`` times the im2col columns, image by image or over the whole batch
    (:func:`_per_image`)."""
    x = _padded(x, padding)
    (o, c, kh, kw), (n, _, h, wd) = w.shape, x.shape
    ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1
    if _per_image(c, (kh, kw), ho, wo):
        out = np.empty((n, o, ho, wo), x.dtype) if out is None else out
        np.matmul(w.reshape(o, c * kh * kw), _columns(x, (kh, kw), stride), out=out.reshape(n, o, ho * wo))
    else:
        value = np.matmul(w.reshape(o, c * kh * kw), _columns_samples_last(x, (kh, kw), stride))
        out = _into_images(value.reshape(o, ho, wo, n).transpose(3, 0, 1, 2), out)
    if b is not None:
        np.add(out, b[:, None, None], out=out)
    return out


def conv2d_input(delta, w, image, stride, padding, out=None):
    """The input's adjoint, the transposed convolution (``delta`` spread ``stride`` apart and
    correlated with the kernel turned by 180 degrees, its channels swapped), computed as col2im: each
    output pixel's ``W^T delta`` column (``C kh kw`` entries) added back over the window it came from,
    then the padding cut off. The same sums, without the zeros of the spread ``delta``.

    Each kernel entry's ``W^T delta`` rows come from one matrix product over the whole batch, laid out
    channels, rows, columns, samples (CHWN), and are added at once, while they are in the cache, over
    blocks of ``Wo N`` contiguous entries (``N`` when strided) instead of rows of ``Wo``."""
    (n, o, ho, wo), (_, c, kh, kw) = delta.shape, w.shape
    kernel_major, samples_last = np.ascontiguousarray(w.transpose(2, 3, 1, 0)), _samples_last(delta)
    padded = (c, image[2] + 2 * padding, image[3] + 2 * padding, n)
    value, share = np.zeros(padded, delta.dtype), np.empty((c, ho * wo * n), delta.dtype)
    for (i, j), entry in zip(itertools.product(range(kh), range(kw)),
                             _window_entries(padded, (kh, kw), stride, axes=(1, 2))):
        value[entry] += np.matmul(kernel_major[i, j], samples_last, out=share).reshape(c, ho, wo, n)
    return _into_images(value[:, padding:padded[1] - padding, padding:padded[2] - padding].transpose(3, 0, 1, 2),
                        out)


def conv2d_weight(delta, x, kernel, stride, padding, out=None):
    """The kernel's gradient, the correlation of the padded images with ``delta``:
    ``sum_{n, i, j} delta[n, o, i, j] * window(i, j)[n, c]``, one matrix product per image, summed, or
    one over the whole batch (:func:`_per_image`)."""
    (n, o, ho, wo), x = delta.shape, _padded(x, padding)
    if _per_image(x.shape[1], kernel, ho, wo):
        columns = _columns(x, tuple(kernel), stride)
        value = np.matmul(delta.reshape(n, o, ho * wo), columns.transpose(0, 2, 1)).sum(axis=0)
    else:
        value = np.matmul(_columns_samples_last(x, tuple(kernel), stride), _samples_last(delta).T).T
    return _into_images(value.reshape(o, -1, *kernel), out)


def sum_images(delta, out=None):
    """A bias's gradient: ``delta`` summed over the samples and the pixels, one entry per channel."""
    return np.add.reduce(delta, axis=(0, 2, 3), out=out)


def _col2im(values, image, kernel, stride):
    """col2im: ``values[t]`` (the ``t``-th entry of every window, row by row) added back where that
    entry of each window was, into zeros of ``image``'s shape (a loop over the kernel's entries, none
    over pixels)."""
    out = np.zeros(image, values[0].dtype)
    for entry, value in zip(_window_entries(image, kernel, stride), values):
        out[entry] += value
    return out


def _flat_windows(x, kernel, stride):
    windows = _windows(x, (kernel, kernel), stride)
    return windows.reshape(*windows.shape[:4], kernel * kernel)


def _window_entries(image, kernel, stride, axes=(2, 3)):
    """For each entry ``(i, j)`` of a window (``kernel``: ``k`` or ``(kh, kw)``), row by row, the index of
    the entries of an ``image``-shaped array (rows and columns on ``axes``) holding that entry of every
    window at ``stride``."""
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    (rows, columns), ho, wo = axes, (image[axes[0]] - kh) // stride + 1, (image[axes[1]] - kw) // stride + 1
    entries = []
    for i, j in itertools.product(range(kh), range(kw)):
        entry = [slice(None)] * len(image)
        entry[rows], entry[columns] = (slice(i, i + stride * (ho - 1) + 1, stride),
                                       slice(j, j + stride * (wo - 1) + 1, stride))
        entries.append(tuple(entry))
    return entries


def max_pool2d(x, kernel, stride, out=None):
    """``nn.MaxPool2d``: each window's maximum, as the running maximum of its entries."""
    entries = _window_entries(x.shape, kernel, stride)
    out = _into_images(x[entries[0]], out)
    for entry in entries[1:]:
        np.maximum(out, x[entry], out=out)
    return out


def max_pool2d_input(delta, x, kernel, stride, out=None, maximum=None):
    """The input's adjoint: each window's ``delta`` to the first maximum of the window (row by row),
    as torch's CPU kernel picks it: an entry takes it where it equals the window's ``maximum`` (the
    forward value, recomputed when not given) and no entry before it did."""
    entries = _window_entries(x.shape, kernel, stride)
    maximum = max_pool2d(x, kernel, stride) if maximum is None else maximum
    value, taken = np.zeros(x.shape, delta.dtype), np.zeros(delta.shape, bool)
    chosen = np.empty(delta.shape, bool)
    for entry in entries:
        np.equal(x[entry], maximum, out=chosen)
        np.greater(chosen, taken, out=chosen)  # chosen and not taken
        np.logical_or(taken, chosen, out=taken)
        if stride >= kernel:  # windows apart: each pixel in one window at most
            np.multiply(delta, chosen, out=value[entry])
        else:
            value[entry] += delta * chosen
    return _into_images(value, out)


def avg_pool2d(x, kernel, stride, out=None):
    """``nn.AvgPool2d``: each window's mean."""
    out = np.add.reduce(_flat_windows(x, kernel, stride), axis=-1, out=out)
    return np.multiply(out, 1.0 / (kernel * kernel), out=out)


def avg_pool2d_input(delta, image, kernel, stride, out=None):
    """The input's adjoint: each window's ``delta / k^2`` to each pixel of the window."""
    share = delta / (kernel * kernel)
    return _into_images(_col2im([share] * (kernel * kernel), image, kernel, stride), out)


def reshape(a, shape, out=None):
    """``a`` with the shape ``shape`` (its first entry the batch's size, taken from ``a``)."""
    value = a.reshape(len(a), *shape[1:])
    return _into_images(value, out)


def shape(a):
    return a.shape


def entrywise(term, a, b, derived=False, out=None):
    """``term(a_ij, b_ij)`` of each entry (scalar mode's loss of one entry, compiled once to NumPy
    code from its SymPy form), or with ``derived`` its derivative in ``a_ij``; in ``a``'s dtype."""
    return _into(_compiled_term(term, derived)(a, b), a, out)


@functools.lru_cache(maxsize=128)
def _compiled_term(term, derived):
    """``term`` (or its derivative in its first argument) as NumPy code of two arrays. A target's
    ``y log y`` is computed as torch's ``xlogy(y, y)``: 0 where ``y`` is 0 (where scalar mode, given a
    number, writes 0)."""
    if term.signs is not None:  # a target of 1 or -1: the term of each, chosen by the target
        first, second = (_compiled_branch(term, derived, sign) for sign in term.signs)
        return lambda a, b: np.where(b == term.signs[0], first(a), second(a))
    p, y, ylogy = sympy.Dummy("p", real=True), sympy.Dummy("y", real=True), sympy.Dummy("ylogy")
    expr = term(p, y)
    expr = (sympy.diff(expr, p) if derived else expr).subs(y * sympy.log(y), ylogy)
    if ylogy not in expr.free_symbols:
        function = compile_expressions([p, y], [expr], "numpy")
        return lambda a, b: function(a, b)[0]
    function = compile_expressions([p, y, ylogy], [expr], "numpy")
    return lambda a, b: function(a, b, _xlogx(b))[0]


def _compiled_branch(term, derived, sign):
    """``term(p, sign)`` (or its derivative in ``p``) as NumPy code of one array."""
    p = sympy.Dummy("p", real=True)
    expr = term(p, sign)
    function = compile_expressions([p], [sympy.diff(expr, p) if derived else expr], "numpy")
    return lambda a: function(a)[0]


def _xlogx(y):
    """``y log y``, 0 where ``y`` is 0 (torch's ``xlogy(y, y)``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, y * np.log(np.where(y == 0, 1.0, y))).astype(y.dtype, copy=False)


def channels(v):
    """A vector of one entry per channel as ``C x 1 x 1``, which scales or shifts each channel of a batch of images."""
    return v.reshape(-1, 1, 1)


# -- sequences: embeddings, attention ---------------------------------------------------------------


def gather(table, indices, out=None):
    """An embedding: the rows ``table[indices]``, one per index."""
    return np.take(table, indices, axis=0, out=out)


def scatter_rows(delta, indices, table, out=None):
    """An embedding's gradient ``onehot(indices)^T delta``, of ``table``'s shape: each row of ``delta``
    added into the row of its index (``np.add.at``, unbuffered: repeated indices add up)."""
    out = np.zeros_like(table) if out is None else out
    out.fill(0)
    np.add.at(out, indices, delta)
    return out


def inverse_root(d):
    """``1 / sqrt(d)``."""
    return 1.0 / np.sqrt(d)
