r"""Layers in scalar mode, in PyTorch's layouts and with torch's definitions: each returns SymPy
expressions (nested lists of them, indexed as torch's tensors without the batch axis unless said).

Given ``graph=``, a layer defines its intermediates there as named nodes (``\hat x_{ij}``,
$\sigma_j$, the attention weights, each step's hidden state) and returns the node symbols, so a
derivation writes its local partials in those names; without it, plain expressions. Weights left
out are created as symbols (``w_{11}, ...``). Normalisation is two registered operations,
:class:`Deviation` and :class:`Standardized`, whose rules give batch norm's input gradient in
its textbook form: $\partial \hat x_i/\partial x_k = ([i = k] - 1/N)/\sigma$,
$\partial\sigma/\partial x_k = \hat x_k / N$.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy

from .activations import Softmax, relu, sigmoid
from .errors import ShapeError, SymgradError
from .numbers import exact
from .operations import Operation, register
from .variables import as_scalar

__all__ = ["Linear", "linear", "Deviation", "Standardized", "batch_norm", "layer_norm", "dropout", "attention",
           "conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "embedding",
           "rnn_cell", "rnn", "lstm_cell", "lstm"]


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


# -- normalisation: two registered operations ------------------------------------------------------


def _mean(xs):
    return sympy.Add(*xs) / len(xs)


class Deviation(sympy.Function):
    r"""$\sigma = \sqrt{\frac1N \sum_k (x_k - \mu)^2 + \epsilon}$ of ``(eps, x_1, ..., x_N)``: the
    biased variance, as batch norm's and layer norm's in torch, plus ``eps``."""

    @classmethod
    def eval(cls, eps, *xs):
        if not xs:
            raise ShapeError("Deviation needs at least one value")
        if eps.is_number and all(x.is_number for x in xs):
            return sympy.sqrt(_mean([(x - _mean(xs)) ** 2 for x in xs]) + eps)

    def _latex(self, printer, exp=None):
        eps, xs = self.args[0], self.args[1:]
        inner = r"\sqrt{\operatorname{var}\left(%s\right) + %s}" % (", ".join(printer._print(x) for x in xs),
                                                                   printer._print(eps))
        return inner if exp is None else r"\left(%s\right)^{%s}" % (inner, exp)

    def _eval_rewrite_as_sqrt(self, eps, *xs, **kwargs):
        return sympy.sqrt(_mean([(x - _mean(xs)) ** 2 for x in xs]) + eps)


def _deviation_partial(s, k):
    eps, xs = s.args[0], s.args[1:]
    if k == 0:
        return 1 / (2 * s)
    return Standardized(k - 1, s, *xs) / len(xs)


def _numpy_deviation(eps, *xs):
    mean = sum(xs) / len(xs)
    return np.sqrt(sum((x - mean) ** 2 for x in xs) / len(xs) + eps)


def _torch_stack(torch, values):
    like = next((v for v in values if isinstance(v, torch.Tensor)), None)
    dtype = like.dtype if like is not None else torch.float64
    tensors = [v if isinstance(v, torch.Tensor) else torch.as_tensor(v, dtype=dtype) for v in values]
    return torch.stack(torch.broadcast_tensors(*tensors), dim=-1)


register(Operation(
    Deviation,
    derivative=_deviation_partial,
    rule=r"\partial \sigma / \partial x_k = \hat x_k / N",
    rule_name="standard deviation rule",
    numpy=_numpy_deviation,
    torch=lambda torch, eps, *xs: torch.sqrt(_torch_stack(torch, xs).var(dim=-1, unbiased=False) + eps),
))


class Standardized(sympy.Function):
    r"""$\hat x_i = (x_i - \mu) / \sigma$ of ``(i, sigma, x_1, ..., x_N)`` with $\mu$ the mean of the
    $x$ (component ``i`` from 0): batch norm's normalised value, given its $\sigma$."""

    @classmethod
    def eval(cls, i, s, *xs):
        if not xs:
            raise ShapeError("Standardized needs at least one value")
        if not (i.is_Integer and 0 <= int(i) < len(xs)):
            raise ShapeError(f"Standardized: component {i} is out of range for {len(xs)} values")
        if s.is_number and all(x.is_number for x in xs):
            return (xs[int(i)] - _mean(xs)) / s

    def _latex(self, printer, exp=None):
        i, s, xs = int(self.args[0]), self.args[1], self.args[2:]
        inner = r"\bigl(%s - \operatorname{mean}\left(%s\right)\bigr) / %s" % (
            printer._print(xs[i]), ", ".join(printer._print(x) for x in xs), printer.parenthesize(s, 50))
        return inner if exp is None else r"\left(%s\right)^{%s}" % (inner, exp)

    def _eval_rewrite_as_sqrt(self, i, s, *xs, **kwargs):
        return (xs[int(i)] - _mean(xs)) / s


def _standardized_partial(a, k):
    i, s, xs = int(a.args[0]), a.args[1], a.args[2:]
    if k == 0:
        return -a / s
    return ((1 if k - 1 == i else 0) - sympy.Rational(1, len(xs))) / s


def _torch_standardized(torch, i, s, *xs):
    x = _torch_stack(torch, xs)
    return (x[..., i] - x.mean(dim=-1)) / s


register(Operation(
    Standardized,
    derivative=_standardized_partial,
    rule=(r"\partial \hat x_i / \partial x_k = ([i = k] - 1/N) / \sigma,\ "
          r"\partial \hat x_i / \partial \sigma = -\hat x_i / \sigma"),
    rule_name="standardisation rule",
    numpy=lambda i, s, *xs: (xs[i] - sum(xs) / len(xs)) / s,
    torch=_torch_standardized,
    indexed=True,
))


# -- building blocks --------------------------------------------------------------------------------


def _node(graph, name, expr, latex=None):
    """``expr`` defined as the node ``name`` of ``graph`` (its symbol), or ``expr`` itself without a graph."""
    return expr if graph is None else graph.define(name, expr, latex=latex)


def _sub(*indices):
    """A subscript: ``12`` for small indices, ``1,12`` once one passes 9."""
    return "".join(map(str, indices)) if all(i < 10 for i in indices) else ",".join(map(str, indices))


def _symbols(name, shape):
    """Nested lists of symbols ``name_{ij...}`` (from 1) of ``shape``."""
    if not shape:
        return sympy.Symbol(name)
    if len(shape) == 1:
        return [sympy.Symbol(f"{name}_{i + 1}" if shape[0] < 10 else f"{name}_{{{i + 1}}}") for i in range(shape[0])]

    def build(prefix, rest):
        if not rest:
            sub = _sub(*prefix)
            return sympy.Symbol(f"{name}_{sub}" if len(sub) == len(prefix) else f"{name}_{{{sub}}}")
        return [build(prefix + (i + 1,), rest[1:]) for i in range(rest[0])]

    return build((), tuple(shape))


def _array(values, depth, layer, what):
    """``values`` as nested lists of exact scalars, ``depth`` deep and rectangular."""
    if _depth(values) != depth:
        raise ShapeError(f"{layer}: {what} must be nested {depth} deep, got depth {_depth(values)}: {values!r}")
    return _nested(values, depth, layer, what)


def _nested(values, depth, layer, what):
    if isinstance(values, sympy.MatrixBase):
        values = values.tolist() if depth == 2 else list(values)
    if depth == 0:
        try:
            return as_scalar(values, f"{layer} {what} entry")
        except TypeError:
            raise ShapeError(f"{layer}: {what} must be nested {depth} deep, got {values!r}") from None
    if isinstance(values, (sympy.Basic, int, float, str)) or not hasattr(values, "__iter__"):
        raise ShapeError(f"{layer}: {what} must be nested {depth} deep (a list of lists), got {values!r}")
    rows = [_nested(v, depth - 1, layer, what) for v in values]
    if not rows:
        raise ShapeError(f"{layer}: {what} is empty")
    if depth > 1 and len({_shape(r) for r in rows}) != 1:
        raise ShapeError(f"{layer}: {what} must be rectangular, got rows of shapes {[_shape(r) for r in rows]}")
    return rows


def _shape(a):
    return (len(a),) + _shape(a[0]) if isinstance(a, list) else ()


def _depth(values):
    if isinstance(values, sympy.MatrixBase):
        return 1 if 1 in values.shape else 2
    d = 0
    while isinstance(values, (list, tuple)) and values:
        values, d = values[0], d + 1
    return d


def _parameter(value, name, shape, layer, what):
    """A layer's parameter: ``True`` creates symbols ``name_{...}`` of ``shape``; ``None``/``False`` none."""
    if value is True:
        return _symbols(name, shape)
    if value is None or value is False:
        return None
    got = _array(value, len(shape), layer, what)
    if _shape(got) != tuple(shape):
        raise ShapeError(f"{layer}: {what} has shape {_shape(got)}, expected {tuple(shape)}")
    return got


def _pair(v, layer, what):
    pair = (v, v) if isinstance(v, int) else tuple(v)
    if len(pair) != 2 or not all(isinstance(p, int) and not isinstance(p, bool) for p in pair):
        raise ShapeError(f"{layer}: {what} must be a whole number or a pair of them, got {v!r}")
    return pair


def _whole(v, layer, what, least):
    if not isinstance(v, int) or isinstance(v, bool) or v < least:
        raise ShapeError(f"{layer}: {what} must be a whole number of at least {least}, got {v!r}")
    return v


# -- normalisation layers ---------------------------------------------------------------------------


def _normalise(rows, gamma, beta, eps, graph, name, layer, over_batch):
    """y = gamma xhat + beta, each group of values (a feature over the batch, or a sample's features)
    standardized by its own mean and deviation."""
    x = _array(rows, 2, layer, "the input")
    n, d = len(x), len(x[0])
    eps = exact(eps)
    if not (eps.is_number and eps >= 0):
        raise SymgradError(f"{layer}: eps must be a number of at least 0, got {eps}")
    gamma = _parameter(gamma, "gamma", (d,), layer, "gamma")
    beta = _parameter(beta, "beta", (d,), layer, "beta")
    y = [[None] * d for _ in range(n)]
    groups = range(d) if over_batch else range(n)
    for g in groups:
        members = [(i, g) for i in range(n)] if over_batch else [(g, j) for j in range(d)]
        values = [x[i][j] for i, j in members]
        sigma = _node(graph, f"sigma_{g + 1}", Deviation(eps, *values), rf"\sigma_{{{g + 1}}}")
        for k, (i, j) in enumerate(members):
            xhat = _node(graph, f"xhat_{_sub(i + 1, j + 1)}", Standardized(k, sigma, *values),
                         rf"\hat{{x}}_{{{_sub(i + 1, j + 1)}}}")
            out = xhat * (gamma[j] if gamma is not None else 1) + (beta[j] if beta is not None else 0)
            y[i][j] = _node(graph, f"{name}_{_sub(i + 1, j + 1)}", out)
    return y


def batch_norm(x, gamma=True, beta=True, eps=1e-5, *, graph=None, name="y"):
    r"""Batch normalisation in training mode, as ``F.batch_norm(x, None, None, gamma, beta, training=True)``:
    each feature $j$ of the batch ``x`` (N rows of D features) is standardized by the batch's mean and
    biased variance, $\hat x_{ij} = (x_{ij} - \mu_j)/\sigma_j$ with $\sigma_j = \sqrt{\operatorname{var}_j + \epsilon}$,
    then $y_{ij} = \gamma_j \hat x_{ij} + \beta_j$. ``gamma``/``beta``: True creates $\gamma_j$,
    $\beta_j$; False leaves them out (1 and 0); or D numbers or symbols. The nodes (with ``graph=``)
    are ``sigma_j``, ``xhat_ij`` and ``name_ij``."""
    return _normalise(x, gamma, beta, eps, graph, name, "batch_norm", over_batch=True)


def layer_norm(x, gamma=True, beta=True, eps=1e-5, *, graph=None, name="y"):
    r"""Layer normalisation over the features, as ``F.layer_norm(x, (D,), gamma, beta, eps)``: each
    row of ``x`` (N samples of D features) standardized by its own mean and biased variance; then
    $y_{ij} = \gamma_j \hat x_{ij} + \beta_j$. Nodes as :func:`batch_norm`'s, ``sigma_i`` per sample."""
    return _normalise(x, gamma, beta, eps, graph, name, "layer_norm", over_batch=False)


def dropout(x, mask, p, *, graph=None, name="y"):
    r"""Dropout with a given mask, as torch in training mode when its random mask is ``mask``:
    $y = x\,m / (1 - p)$ with $m \in \{0, 1\}$ of the shape of ``x``; deterministic."""
    depth = _depth(x)
    xs, ms = _array(x, depth, "dropout", "the input"), _array(mask, depth, "dropout", "the mask")
    if _shape(xs) != _shape(ms):
        raise ShapeError(f"dropout: the mask has shape {_shape(ms)} but the input {_shape(xs)}")
    p = exact(p)
    if not (p.is_number and 0 <= p < 1):
        raise SymgradError(f"dropout: p must be a number in [0, 1), got {p}")

    def apply(a, m, index):
        if isinstance(a, list):
            return [apply(u, v, index + (k + 1,)) for k, (u, v) in enumerate(zip(a, m))]
        if m not in (0, 1):
            raise SymgradError(f"dropout: the mask holds {m} at {index}; it must be 0 or 1")
        return _node(graph, f"{name}_{_sub(*index)}", a * m / (1 - p))

    return apply(xs, ms, ())


# -- attention ----------------------------------------------------------------------------------------


def attention(q, k, v, *, causal=False, graph=None, name="o"):
    r"""One head of scaled dot-product attention, as ``F.scaled_dot_product_attention(q, k, v,
    is_causal=causal)``: $s_{ij} = q_i \cdot k_j / \sqrt{d_k}$, $a_{ij} = \operatorname{softmax}_j(s_i)$
    (over $j \le i$ when ``causal``: the masked weights are 0), $o_i = \sum_j a_{ij} v_j$.
    ``q`` is n x d_k, ``k`` m x d_k, ``v`` m x d_v. Nodes: ``s_ij``, ``a_ij`` ($\alpha_{ij}$), ``name_il``."""
    Q, K, V = (_array(a, 2, "attention", w) for a, w in ((q, "q"), (k, "k"), (v, "v")))
    if len(Q[0]) != len(K[0]):
        raise ShapeError(f"attention: q has {len(Q[0])} columns but k has {len(K[0])}")
    if len(K) != len(V):
        raise ShapeError(f"attention: k has {len(K)} rows but v has {len(V)}")
    if causal and len(Q) > len(K):
        raise ShapeError(f"attention: a causal mask needs at most as many queries ({len(Q)}) as keys ({len(K)})")
    scale = 1 / sympy.sqrt(len(Q[0]))
    out = []
    for i, qi in enumerate(Q):
        keys = range(i + 1) if causal else range(len(K))
        scores = [_node(graph, f"s_{_sub(i + 1, j + 1)}", sympy.Add(*[a * b for a, b in zip(qi, K[j])]) * scale)
                  for j in keys]
        weights = [_node(graph, f"a_{_sub(i + 1, j + 1)}", Softmax(n, *scores), rf"\alpha_{{{_sub(i + 1, j + 1)}}}")
                   for n, j in enumerate(keys)]
        out.append([_node(graph, f"{name}_{_sub(i + 1, l + 1)}",
                          sympy.Add(*[a * V[j][l] for a, j in zip(weights, keys)])) for l in range(len(V[0]))])
    return out


# -- convolution and pooling --------------------------------------------------------------------------


def _channels(x, spatial, layer):
    """``x`` as channels of ``spatial``-dimensional arrays, and whether it had no channel axis."""
    depth = _depth(x)
    if depth == spatial:
        return [_array(x, spatial, layer, "the input")], True
    if depth == spatial + 1:
        return _array(x, spatial + 1, layer, "the input"), False
    raise ShapeError(f"{layer}: the input must be nested {spatial} deep (one channel) or {spatial + 1} "
                     f"(channels), got depth {depth}")


def _padded(channel, padding):
    """A 2-D channel with ``padding = (ph, pw)`` zeros around it."""
    ph, pw = padding
    width = len(channel[0]) + 2 * pw
    zeros = [sympy.S.Zero] * width
    return [zeros] * ph + [[sympy.S.Zero] * pw + row + [sympy.S.Zero] * pw for row in channel] + [zeros] * ph


def _out_size(size, kernel, stride, padding, layer):
    n = (size + 2 * padding - kernel) // stride + 1
    if n < 1:
        raise ShapeError(f"{layer}: a kernel of {kernel} does not fit an input of {size} padded by {padding}")
    return n


def _convolve(x, weight, bias, stride, padding, graph, name, layer, spatial):
    """Cross-correlation (as torch's convolutions) of 2-D channels; 1-D is the height-1 case."""
    xs, single = _channels(x, spatial, layer)
    if spatial == 1:
        xs = [[row] for row in xs]
    c_in = len(xs)
    if weight is None:
        raise SymgradError(f"{layer} needs weight= (its kernel)")
    w_depth = _depth(weight)
    if w_depth == spatial:
        weight = [[weight]]
    elif w_depth != spatial + 2:
        raise ShapeError(f"{layer}: the weight must be nested {spatial} deep (one kernel) or {spatial + 2} "
                         f"(out x in channels x kernel), got depth {w_depth}")
    W = _array(weight, spatial + 2, layer, "the weight")
    if spatial == 1:
        W = [[[row] for row in o] for o in W]
    if len(W[0]) != c_in:
        raise ShapeError(f"{layer}: the weight has {len(W[0])} input channels but the input has {c_in}")
    c_out, kh, kw = len(W), len(W[0][0]), len(W[0][0][0])
    if bias is True:
        bias = _symbols("b", (c_out,))
    b = None if bias is None or bias is False else _array(bias, 1, layer, "the bias")
    if b is not None and len(b) != c_out:
        raise ShapeError(f"{layer}: {len(b)} biases for {c_out} output channels")
    (sh, sw), (ph, pw) = (stride, padding) if spatial == 2 else ((1, stride), (0, padding))
    padded = [_padded(c, (ph, pw)) for c in xs]
    h_out = _out_size(len(xs[0]), kh, sh, ph, layer)
    w_out = _out_size(len(xs[0][0]), kw, sw, pw, layer)
    out = []
    for o in range(c_out):
        rows = []
        for r in range(h_out):
            row = []
            for t in range(w_out):
                terms = [W[o][c][u][v] * padded[c][r * sh + u][t * sw + v]
                         for c in range(c_in) for u in range(kh) for v in range(kw)]
                index = (r + 1, t + 1) if spatial == 2 else (t + 1,)
                index = index if single and c_out == 1 else (o + 1,) + index
                row.append(_node(graph, f"{name}_{_sub(*index)}", sympy.Add(*terms) + (b[o] if b is not None else 0)))
            rows.append(row)
        out.append(rows if spatial == 2 else rows[0])
    return out[0] if single and c_out == 1 else out


def conv1d(x, weight, bias=True, *, stride=1, padding=0, graph=None, name="z"):
    r"""1-D convolution as ``F.conv1d`` (a cross-correlation): $z_{o,t} = b_o + \sum_{c,k} w_{o,c,k}\,
    x_{c,\,t s + k - p}$, zeros outside the input. ``x`` is C_in x L, or one channel (L values: the
    output is then one channel too when ``weight`` is one kernel); ``weight`` C_out x C_in x K or K values."""
    return _convolve(x, weight, bias, _whole(stride, "conv1d", "stride", 1), _whole(padding, "conv1d", "padding", 0),
                     graph, name, "conv1d", 1)


def conv2d(x, weight, bias=True, *, stride=1, padding=0, graph=None, name="z"):
    r"""2-D convolution as ``F.conv2d`` (a cross-correlation); ``x`` is C_in x H x W or H x W (one
    channel), ``weight`` C_out x C_in x KH x KW or KH x KW; ``stride`` and ``padding`` a number or a pair."""
    stride, padding = _pair(stride, "conv2d", "stride"), _pair(padding, "conv2d", "padding")
    if min(stride) < 1 or min(padding) < 0:
        raise ShapeError(f"conv2d: stride must be at least 1 and padding at least 0, got {stride}, {padding}")
    return _convolve(x, weight, bias, stride, padding, graph, name, "conv2d", 2)


def _maximum(values):
    """The largest of ``values`` as ``m + relu(v - m)`` folded from the left: its partial goes to the
    first of tied values, as torch's max pooling gives the gradient to the first maximum in the window."""
    m = values[0]
    for v in values[1:]:
        m = m + relu(v - m)
    return m


def _pool(x, kernel, stride, graph, name, layer, spatial, reduce):
    xs, single = _channels(x, spatial, layer)
    if spatial == 1:
        xs = [[row] for row in xs]
        kernel, stride = (1, _whole(kernel, layer, "kernel_size", 1)), (1, _whole(stride or kernel, layer, "stride", 1))
    else:
        kernel = _pair(kernel, layer, "kernel_size")
        stride = _pair(stride or kernel, layer, "stride")
    (kh, kw), (sh, sw) = kernel, stride
    out = []
    for c, channel in enumerate(xs):
        rows = []
        for r in range(_out_size(len(channel), kh, sh, 0, layer)):
            row = []
            for t in range(_out_size(len(channel[0]), kw, sw, 0, layer)):
                window = [channel[r * sh + u][t * sw + v] for u in range(kh) for v in range(kw)]
                index = (r + 1, t + 1) if spatial == 2 else (t + 1,)
                index = index if single else (c + 1,) + index
                row.append(_node(graph, f"{name}_{_sub(*index)}", reduce(window)))
            rows.append(row)
        out.append(rows if spatial == 2 else rows[0])
    return out[0] if single else out


def max_pool1d(x, kernel_size, stride=None, *, graph=None, name="m"):
    r"""Max pooling as ``F.max_pool1d`` (no padding; ``stride`` defaults to ``kernel_size``), written with
    relu: $\max(a, b) = a + \operatorname{relu}(b - a)$, so at a tie the gradient goes to the first
    maximum of the window, as torch's."""
    return _pool(x, kernel_size, stride, graph, name, "max_pool1d", 1, _maximum)


def max_pool2d(x, kernel_size, stride=None, *, graph=None, name="m"):
    """Max pooling as ``F.max_pool2d`` (no padding); the window is read row by row, and a tie's gradient
    goes to the first maximum, as torch's."""
    return _pool(x, kernel_size, stride, graph, name, "max_pool2d", 2, _maximum)


def avg_pool1d(x, kernel_size, stride=None, *, graph=None, name="m"):
    """Average pooling as ``F.avg_pool1d`` (no padding)."""
    return _pool(x, kernel_size, stride, graph, name, "avg_pool1d", 1, _mean)


def avg_pool2d(x, kernel_size, stride=None, *, graph=None, name="m"):
    """Average pooling as ``F.avg_pool2d`` (no padding)."""
    return _pool(x, kernel_size, stride, graph, name, "avg_pool2d", 2, _mean)


def embedding(indices, weight=True, *, num_embeddings=None, embedding_dim=None):
    """The rows of ``weight`` at ``indices`` (from 0), as ``F.embedding``: ``weight`` is
    num_embeddings x embedding_dim (True: symbols ``e_{ij}`` of those sizes)."""
    if weight is True:
        if num_embeddings is None or embedding_dim is None:
            raise SymgradError("embedding needs weight= or num_embeddings= and embedding_dim=")
        weight = _symbols("e", (num_embeddings, embedding_dim))
    table = _array(weight, 2, "embedding", "the weight")
    rows = []
    for i in indices:
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(table):
            raise ShapeError(f"embedding: index {i!r} is out of range for {len(table)} embeddings")
        rows.append(list(table[i]))
    return rows


# -- recurrent cells ----------------------------------------------------------------------------------


def _affine(weight, xs):
    return [sympy.Add(*[w * x for w, x in zip(row, xs)]) for row in weight]


def _recurrent_weights(layer, inputs, hidden, gates, weight_ih, weight_hh, bias):
    rows = gates * hidden
    u = _parameter(True if weight_ih is None else weight_ih, "u", (rows, inputs), layer, "weight_ih")
    w = _parameter(True if weight_hh is None else weight_hh, "w", (rows, hidden), layer, "weight_hh")
    b = _parameter(bias, "b", (rows,), layer, "bias")
    return u, w, b if b is not None else [0] * rows


def rnn_cell(x, h, weight_ih=None, weight_hh=None, bias=True, *, graph=None, name="h", step=1):
    r"""One step of ``nn.RNNCell`` (tanh): $h' = \tanh(U x + W h + b)$; ``bias`` is torch's
    ``bias_ih + bias_hh``; weights left out are symbols, as :func:`rnn`'s. Nodes ``name{step}_j`` ($h_{t,j}$)."""
    x, h = _array(x, 1, "rnn_cell", "x"), _array(h, 1, "rnn_cell", "h")
    u, w, b = _recurrent_weights("rnn_cell", len(x), len(h), 1, weight_ih, weight_hh, bias)
    pre = [a + c + d for a, c, d in zip(_affine(u, x), _affine(w, h), b)]
    return [_node(graph, f"{name}{step}_{j + 1}", sympy.tanh(z), rf"{name}_{{{step},{j + 1}}}")
            for j, z in enumerate(pre)]


def rnn(xs, h0=None, weight_ih=None, weight_hh=None, bias=True, *, hidden_size=None, graph=None, name="h"):
    r"""A tanh RNN unrolled over the T steps of ``xs`` (T x input_size): $h_t = \tanh(U x_t + W h_{t-1} + b)$
    from ``h0`` (zeros by default), the weights shared by every step (so a gradient sums over time:
    backpropagation through time). Weights left out are symbols ``u_{ij}``, ``w_{ij}``, ``b_j``.
    Returns the T hidden states."""
    X = _array(xs, 2, "rnn", "the inputs")
    hidden = _hidden_size("rnn", h0, weight_hh, hidden_size)
    u, w, b = _recurrent_weights("rnn", len(X[0]), hidden, 1, weight_ih, weight_hh, bias)
    h = [sympy.S.Zero] * hidden if h0 is None else _array(h0, 1, "rnn", "h0")
    states = []
    for t, x in enumerate(X):
        h = rnn_cell(x, h, u, w, b, graph=graph, name=name, step=t + 1)
        states.append(h)
    return states


def _hidden_size(layer, h0, weight_hh, hidden_size):
    for given in (hidden_size, None if h0 is None else len(h0), None if weight_hh is None else len(weight_hh[0])):
        if given is not None:
            return _whole(given, layer, "the hidden size", 1)
    raise SymgradError(f"{layer} needs hidden_size=, h0= or weight_hh=")


def lstm_cell(x, h, c, weight_ih=None, weight_hh=None, bias=True, *, graph=None, step=1):
    r"""One step of ``nn.LSTMCell``, torch's gate order (i, f, g, o) in the rows of the weights:
    $i, f, o = \sigma(\cdot)$, $g = \tanh(\cdot)$ of $U x + W h + b$, $c' = f c + i g$, $h' = o \tanh(c')$;
    ``bias`` is torch's ``bias_ih + bias_hh``; weights left out are symbols, as :func:`lstm`'s. Nodes
    ``i{step}_j`` ... ``c{step}_j``, ``h{step}_j`` ($h_{t,j}$). Returns ``(h', c')``."""
    x, h, c = (_array(a, 1, "lstm_cell", what) for a, what in ((x, "x"), (h, "h"), (c, "c")))
    if len(c) != len(h):
        raise ShapeError(f"lstm_cell: h has {len(h)} units but c has {len(c)}")
    hidden = len(h)
    u, w, b = _recurrent_weights("lstm_cell", len(x), hidden, 4, weight_ih, weight_hh, bias)
    pre = [a + b_ + d for a, b_, d in zip(_affine(u, x), _affine(w, h), b)]
    gates = {}
    for k, (gate, f) in enumerate(zip("ifgo", (sigmoid, sigmoid, sympy.tanh, sigmoid))):
        gates[gate] = [_node(graph, f"{gate}{step}_{j + 1}", f(pre[k * hidden + j]), rf"{gate}_{{{step},{j + 1}}}")
                       for j in range(hidden)]
    c = [_node(graph, f"c{step}_{j + 1}", gates["f"][j] * c[j] + gates["i"][j] * gates["g"][j],
               rf"c_{{{step},{j + 1}}}") for j in range(hidden)]
    h = [_node(graph, f"h{step}_{j + 1}", gates["o"][j] * sympy.tanh(c[j]), rf"h_{{{step},{j + 1}}}")
         for j in range(hidden)]
    return h, c


def lstm(xs, h0=None, c0=None, weight_ih=None, weight_hh=None, bias=True, *, hidden_size=None, graph=None):
    """An LSTM (:func:`lstm_cell`) unrolled over the T steps of ``xs`` from ``h0``, ``c0`` (zeros by
    default), the weights shared by every step; weights left out are symbols ``u_{ij}`` (4H x input),
    ``w_{ij}`` (4H x H), ``b_j``. Returns the T hidden states and the T cell states."""
    X = _array(xs, 2, "lstm", "the inputs")
    hidden = _hidden_size("lstm", h0, weight_hh, hidden_size)
    u, w, b = _recurrent_weights("lstm", len(X[0]), hidden, 4, weight_ih, weight_hh, bias)
    h = [sympy.S.Zero] * hidden if h0 is None else _array(h0, 1, "lstm", "h0")
    c = [sympy.S.Zero] * hidden if c0 is None else _array(c0, 1, "lstm", "c0")
    hs, cs = [], []
    for t, x in enumerate(X):
        h, c = lstm_cell(x, h, c, u, w, b, graph=graph, step=t + 1)
        hs.append(h)
        cs.append(c)
    return hs, cs
