"""Matrix-valued graph nodes with shapes: data, parameters, layers, activations and losses.

A node is an immutable value holding its operation, its inputs and its shape, so a model is the
graph of nodes reachable from its loss (as in micrograd). Rows are samples: a batch of inputs is
``N x in`` and ``linear`` computes ``A W^T + b`` as ``torch.nn.Linear`` does, with ``W`` of shape
``out x in``. ``N``, the batch size, stays a name until numbers are given.

The activations are the registered operations with a matrix-mode rule
(:func:`~symgrad.core.operations.matrix_activations`); each has a builder of its name here
(``relu(z, name="A")``), as :func:`activation` of that kind.
"""

import functools
from dataclasses import dataclass, field

import sympy

from ..core import losses
from ..core.errors import GraphError, SettingError, ShapeError
from ..core.operations import RowWise, matrix_activations

__all__ = ["BATCH", "Node", "data", "classes", "targets", "parameter", "linear", "activation", "activations",
           "batch_norm", "layer_norm", "NORMS",
           "mse", "nll", "cross_entropy", "bce_with_logits", "LOSSES", "REDUCTIONS", "mask", "dropout",
           "images", "conv2d", "max_pool2d", "avg_pool2d", "flatten", "IMAGE_OPS",
           "ENTRY_LOSSES", "SIGNED_TARGETS", "entry_loss", "entry_term", "activation_settings", "l1", "smooth_l1",
           "huber", "kl_div", "poisson_nll", "bce", "hinge_embedding", "batch_norm2d", "BATCH_NORMS",
           "tokens", "embedding", "scores", "mix", "SEQUENCE_OPS"]

BATCH = "N"  # the name of the batch dimension in shapes

LOSSES = ("mse", "nll", "cross_entropy", "bce_with_logits", "l1", "smooth_l1", "huber", "kl_div", "poisson_nll", "bce",
          "hinge_embedding")
REDUCTIONS = ("mean", "sum")
NORMS = ("batch_norm", "layer_norm")  # standardize each column over the batch, or each row over its features
IMAGE_OPS = ("conv2d", "max_pool2d", "avg_pool2d", "flatten", "batch_norm2d")  # the ops on (N, C, H, W) batches
BATCH_NORMS = ("batch_norm", "batch_norm2d")  # the normalisations with running statistics (torch's buffers)
SEQUENCE_OPS = ("embedding", "scores", "mix")  # token rows and self-attention over the N rows as one sequence


@dataclass(frozen=True, eq=False)
class Node:
    """One matrix-valued value of a model: ``op`` applied to ``inputs``, of shape ``shape``.

    Leaves have the ops ``data`` (``N x k`` inputs), ``classes`` (``N`` class indices, from 0),
    ``targets`` (``N x k`` numbers), ``mask`` (a dropout's ``N x k`` zeros and ones) and ``parameter``.
    ``options`` are the operation's settings as ``(key, value)`` pairs (a loss's ``reduction``, the
    number of ``classes``, a mask's and its dropout's ``p``). Nodes compare by identity: two layers with equal shapes are different nodes.
    """

    op: str
    name: str
    inputs: tuple = ()
    shape: tuple = ()
    options: tuple = field(default=(), repr=False)

    def option(self, key):
        for name, value in self.options:
            if name == key:
                return value
        raise KeyError(key)

    @property
    def is_leaf(self):
        return not self.inputs

    def __repr__(self):
        dims = " x ".join(map(str, self.shape)) or "scalar"
        return f"Node({self.name}: {self.op}, {dims})"


def _name(name, what):
    if not isinstance(name, str) or not name.strip():
        raise GraphError(f"a {what}'s name must be a non-empty string, got {name!r}")
    return name.strip()


def _size(n, what):
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ShapeError(f"{what} must be a positive integer, got {n!r}")
    return n


def _node(value, what):
    if not isinstance(value, Node):
        raise GraphError(f"the {what} must be a matrix node, got {type(value).__name__}: {value!r}")
    return value


def _batch(value, what, kind="rows"):
    """A node whose first axis is the batch: ``N x k`` rows, or ``N x C x H x W`` images."""
    value = _node(value, what)
    if len(value.shape) != {"rows": 2, "images": 4}[kind] or value.shape[0] != BATCH:
        dims = " x ".join(map(str, value.shape)) or "a scalar"
        layout = "a batch of rows (N x k)" if kind == "rows" else "a batch of images (N x C x H x W)"
        raise ShapeError(f"the {what} must be {layout}, got {value.name} of shape {dims}")
    return value


# -- leaves ----------------------------------------------------------------------------------


def data(name, features):
    """A batch of inputs, ``N x features`` (one sample per row)."""
    return Node("data", _name(name, "data node"), shape=(BATCH, _size(features, "the number of features")))


def classes(name, count):
    """A batch of class indices from 0 to ``count - 1`` (NLLLoss's and CrossEntropyLoss's targets)."""
    return Node("classes", _name(name, "classes node"), shape=(BATCH,),
                options=(("classes", _size(count, "the number of classes")),))


def targets(name, features):
    """A batch of numeric targets, ``N x features`` (MSELoss's and BCEWithLogitsLoss's)."""
    return Node("targets", _name(name, "targets node"), shape=(BATCH, _size(features, "the number of targets")))


def images(name, channels, height, width):
    """A batch of images, ``N x channels x height x width`` (torch's NCHW)."""
    return Node("data", _name(name, "data node"), shape=(BATCH, _size(channels, "the number of channels"),
                                                         _size(height, "an image's height"),
                                                         _size(width, "an image's width")))


def parameter(name, *shape):
    """A trainable matrix (``out x in``), vector (``out``) or convolution kernel (``out x in x kh x kw``)."""
    if len(shape) not in (1, 2, 4):
        raise ShapeError(f"a parameter is a vector or a matrix (or a kernel, out x in x kh x kw), got the shape {shape!r}")
    return Node("parameter", _name(name, "parameter"), shape=tuple(_size(n, "a parameter's size") for n in shape))


def mask(name, features, p):
    """A dropout's mask, ``N x features`` zeros and ones (1 keeps an entry), drawn anew for every batch;
    ``p`` is the probability of a zero."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
        raise GraphError(f"mask {name}: p must be a number in [0, 1), got {p!r}")
    return Node("mask", _name(name, "mask"), shape=(BATCH, _size(features, "the number of features")),
                options=(("p", p),))


# -- layers and activations -------------------------------------------------------------------


def _bias(bias, weight, layer, what):
    """A weighted layer's bias operand, ``(bias,)``, of one entry per output (a row of ``weight``), or
    ``()`` for none."""
    if bias is None:
        return ()
    bias = _node(bias, what)
    if bias.shape != weight.shape[:1]:
        raise ShapeError(f"{layer}: the bias {bias.name} must have {weight.shape[0]} entries, "
                         f"got the shape {' x '.join(map(str, bias.shape))}")
    return (bias,)


def linear(inputs, weight, bias=None, *, name):
    """``inputs W^T + b``: ``N x in`` inputs, ``out x in`` weight, ``out`` bias (or none)."""
    inputs, weight = _batch(inputs, "linear layer's input"), _node(weight, "linear layer's weight")
    if len(weight.shape) != 2 or weight.shape[1] != inputs.shape[1]:
        raise ShapeError(f"linear {name}: the weight {weight.name} must be out x {inputs.shape[1]} "
                         f"for the input {inputs.name}, got {' x '.join(map(str, weight.shape))}")
    operands = (inputs, weight) + _bias(bias, weight, f"linear {name}", "linear layer's bias")
    return Node("linear", _name(name, "linear layer"), operands, (BATCH, weight.shape[0]))


def dropout(z, mask, *, name):
    """``nn.Dropout(p)`` in training mode whose random mask is ``mask`` (a :func:`mask` node of ``z``'s
    shape): ``Z * M / (1 - p)``. In evaluation mode a dropout is the identity: no node at all."""
    z, mask = _batch(z, "dropout's input"), _node(mask, "dropout's mask")
    if mask.op != "mask" or mask.shape != z.shape:
        raise ShapeError(f"dropout {name}: the mask must be a mask node of {z.name}'s shape "
                         f"{' x '.join(map(str, z.shape))}, got {mask.name} ({mask.op}, "
                         f"{' x '.join(map(str, mask.shape))})")
    return Node("dropout", _name(name, "dropout"), (z, mask), z.shape, mask.options)


def _norm(op, inputs, gamma, beta, eps, name, options=(), kind="rows"):
    inputs = _batch(inputs, f"{op}'s input", kind)
    features = inputs.shape[1]
    operands = [inputs]
    for what, p in (("gamma", gamma), ("beta", beta)):
        p = _node(p, f"{op}'s {what}")
        if p.shape != (features,):
            raise ShapeError(f"{op} {name}: {what} {p.name} must have {features} entries, "
                             f"got the shape {' x '.join(map(str, p.shape))}"
                             + (f" ({inputs.name} has {features} channels)" if len(inputs.shape) == 4 else ""))
        operands.append(p)
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
        raise GraphError(f"{op} {name}: eps must be a positive number, got {eps!r}")
    return Node(op, _name(name, op), tuple(operands), inputs.shape, (("eps", eps), *options))


def batch_norm(inputs, gamma, beta, eps=1e-5, *, name, momentum=0.1):
    r"""``nn.BatchNorm1d`` in training mode: each column standardized by the batch's mean and biased
    variance, $\hat X = (X - \mathbf 1 \mu^\top) / \sigma^\top$ with $\sigma = \sqrt{\operatorname{var} +
    \epsilon}$, then $\hat X \operatorname{diag}(\gamma) + \mathbf 1 \beta^\top$ (``gamma``, ``beta``: ``k``).
    ``momentum`` is how much of a batch's statistics its running ones take (not part of the derivative)."""
    return _norm("batch_norm", inputs, gamma, beta, eps, name, _momentum("batch_norm", momentum, name))


def _momentum(op, momentum, name):
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 < momentum <= 1:
        raise GraphError(f"{op} {name}: momentum must be a number in (0, 1], got {momentum!r}")
    return (("momentum", momentum),)


def layer_norm(inputs, gamma, beta, eps=1e-5, *, name):
    """``nn.LayerNorm(k)``: each row standardized by its own mean and biased variance, then scaled by
    ``gamma`` and shifted by ``beta`` (``k`` entries each) as :func:`batch_norm`."""
    return _norm("layer_norm", inputs, gamma, beta, eps, name)


def _count(n, what, least):
    if isinstance(n, bool) or not isinstance(n, int) or n < least:
        raise ShapeError(f"{what} must be an integer of at least {least}, got {n!r}")
    return n


def _window_size(size, kernel, stride, padding, name, axis):
    """How many windows fit along an axis: ``(size + 2 padding - kernel) // stride + 1``."""
    if size + 2 * padding < kernel:
        raise ShapeError(f"{name}: the {kernel}-wide window does not fit in the {axis} {size} "
                         f"(padded by {padding})")
    return (size + 2 * padding - kernel) // stride + 1


def conv2d(inputs, weight, bias=None, *, stride=1, padding=0, name):
    """``nn.Conv2d``: each ``out x in x kh x kw`` kernel correlated with the zero-padded ``N x in x H x W``
    images at ``stride``, plus an ``out`` bias (or none)."""
    inputs, weight = _batch(inputs, "convolution's input", "images"), _node(weight, "convolution's weight")
    stride, padding = _count(stride, "a convolution's stride", 1), _count(padding, "a convolution's padding", 0)
    if len(weight.shape) != 4 or weight.shape[1] != inputs.shape[1]:
        raise ShapeError(f"conv2d {name}: the weight {weight.name} must be out x {inputs.shape[1]} x kh x kw "
                         f"for the input {inputs.name}, got {' x '.join(map(str, weight.shape))}")
    operands = (inputs, weight) + _bias(bias, weight, f"conv2d {name}", "convolution's bias")
    size = tuple(_window_size(n, k, stride, padding, f"conv2d {name}", axis)
                 for n, k, axis in zip(inputs.shape[2:], weight.shape[2:], ("height", "width")))
    return Node("conv2d", _name(name, "convolution"), operands, (BATCH, weight.shape[0], *size),
                (("stride", stride), ("padding", padding)))


def batch_norm2d(inputs, gamma, beta, eps=1e-5, *, name, momentum=0.1):
    r"""``nn.BatchNorm2d`` in training mode on ``N x C x H x W`` images: each channel standardized by
    the mean and biased variance of its $M = N H W$ entries, $\hat X = (X - \mu_c) / \sigma_c$, then
    $\gamma_c \hat X + \beta_c$ (``gamma``, ``beta``: ``C`` entries); ``momentum`` as :func:`batch_norm`'s."""
    return _norm("batch_norm2d", inputs, gamma, beta, eps, name, _momentum("batch_norm2d", momentum, name),
                 "images")


def _pool(op, inputs, kernel, stride, name):
    inputs = _batch(inputs, f"{op}'s input", "images")
    kernel = _count(kernel, f"{op}'s kernel size", 1)
    stride = kernel if stride is None else _count(stride, f"{op}'s stride", 1)
    size = tuple(_window_size(n, kernel, stride, 0, f"{op} {name}", axis)
                 for n, axis in zip(inputs.shape[2:], ("height", "width")))
    return Node(op, _name(name, op), (inputs,), (*inputs.shape[:2], *size), (("kernel", kernel), ("stride", stride)))


def max_pool2d(inputs, kernel, stride=None, *, name):
    """``nn.MaxPool2d(kernel, stride)`` (stride the kernel's size by default): each window's maximum."""
    return _pool("max_pool2d", inputs, kernel, stride, name)


def avg_pool2d(inputs, kernel, stride=None, *, name):
    """``nn.AvgPool2d(kernel, stride)`` (stride the kernel's size by default): each window's mean."""
    return _pool("avg_pool2d", inputs, kernel, stride, name)


def flatten(inputs, *, name):
    """``nn.Flatten()``: each ``C x H x W`` image as one row of ``C H W`` entries (channel by channel)."""
    inputs = _batch(inputs, "flatten's input", "images")
    _, c, h, w = inputs.shape
    return Node("flatten", _name(name, "flatten"), (inputs,), (BATCH, c * h * w))


def activations():
    """The kinds of activation matrix mode has a rule for, in the order they were registered."""
    return tuple(matrix_activations())


def activation(kind, z, *, name, **settings):
    """The activation ``kind`` of each row of an ``N x k`` node (element-wise or per row, as torch's
    ``dim=1``); an element-wise one also of each entry of a batch of images. ``settings`` are its
    operation's (torch's keyword arguments, ``negative_slope=0.2``): the node keeps those that are
    not their defaults, as exact numbers (:func:`activation_settings`)."""
    if kind not in matrix_activations():
        raise GraphError(f"unknown activation {kind!r}: choose from {', '.join(activations())}")
    elementwise = not isinstance(matrix_activations()[kind].matrix, RowWise)
    images = elementwise and len(getattr(z, "shape", ())) == 4
    z = _batch(z, f"{kind}'s input", "images" if images else "rows")
    return Node(kind, _name(name, kind), (z,), z.shape, activation_settings(kind, settings))


def activation_settings(kind, settings):
    """The settings of the activation ``kind`` that differ from their defaults, as ``(name, exact
    number)`` pairs in its operation's order, checked by scalar mode's function (a :class:`SettingError`
    for a name it does not have or a value out of its range)."""
    op = matrix_activations()[kind]
    if not settings:
        return ()
    if not op.parameters:
        raise SettingError(f"{kind} has no settings, got {', '.join(f'{k}={v!r}' for k, v in settings.items())}")
    application = op.function(sympy.Dummy("z", real=True), **settings)
    defaults = dict(op.function.settings)
    return tuple((key, value) for key, value in zip(op.parameters, application.args[1:]) if value != defaults[key])


def __getattr__(kind):
    """The builder of a registered activation by its name: ``relu(z, name="A")``."""
    if kind in matrix_activations():
        def build(z, *, name, **settings):
            return activation(kind, z, name=name, **settings)

        build.__name__ = kind
        build.__doc__ = activation.__doc__.replace("``kind``", f"``{kind}``")
        return build
    raise AttributeError(f"module {__name__!r} has no attribute {kind!r}")


# -- losses -----------------------------------------------------------------------------------


def _loss(op, prediction, target, reduction, name):
    if reduction not in REDUCTIONS:
        raise GraphError(f"{op}: reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")
    prediction, target = _batch(prediction, f"{op}'s prediction"), _node(target, f"{op}'s target")
    wanted = "classes" if op in ("nll", "cross_entropy") else "targets"
    if target.op != wanted:
        raise GraphError(f"{op}: the target must be a {wanted} node, got {target.name} ({target.op})")
    if wanted == "classes" and target.option("classes") != prediction.shape[1]:
        raise ShapeError(f"{op}: {target.name} has {target.option('classes')} classes but "
                         f"{prediction.name} has {prediction.shape[1]} columns")
    if wanted == "targets" and target.shape != prediction.shape:
        raise ShapeError(f"{op}: {target.name} has {target.shape[1]} columns but {prediction.name} "
                         f"has {prediction.shape[1]}")
    return Node(op, _name(name, "loss"), (prediction, target), (), (("reduction", reduction),))


def mse(prediction, target, reduction="mean", *, name="L"):
    """``nn.MSELoss``: the squared errors' mean over every entry, or their sum."""
    return _loss("mse", prediction, target, reduction, name)


def nll(log_probabilities, target, reduction="mean", *, name="L"):
    """``nn.NLLLoss``: minus each row's log-probability of its class, averaged over rows or summed."""
    return _loss("nll", log_probabilities, target, reduction, name)


def cross_entropy(logits, target, reduction="mean", *, name="L"):
    """``nn.CrossEntropyLoss``: ``nll(log_softmax(logits))``, averaged over rows or summed."""
    return _loss("cross_entropy", logits, target, reduction, name)


def bce_with_logits(logits, target, reduction="mean", *, name="L"):
    """``nn.BCEWithLogitsLoss``: ``softplus(z) - y z`` per entry, averaged over every entry or summed."""
    return _loss("bce_with_logits", logits, target, reduction, name)


# -- scalar mode's element-wise losses (symgrad.core.losses), of each entry of N x k rows -------------

# Each loss's settings as (name, torch's default) pairs; the loss of an entry is scalar mode's own.
ENTRY_LOSSES = {"l1": (), "smooth_l1": (("beta", 1.0),), "huber": (("delta", 1.0),),
                "kl_div": (("log_target", False),), "poisson_nll": (("log_input", True), ("eps", 1e-8)), "bce": (),
                "hinge_embedding": (("margin", 1.0),)}
SIGNED_TARGETS = ("hinge_embedding",)  # losses whose targets are 1 or -1: scalar mode's term branches on them


def entry_loss(kind, prediction, target, reduction="mean", *, name="L", **settings):
    """Scalar mode's loss ``kind`` (:mod:`symgrad.core.losses`, ``nn.L1Loss``, ...) of each entry of
    ``N x k`` predictions against ``N x k`` targets, reduced as torch: ``mean`` over every entry or
    ``sum`` (``kl_div`` also ``batchmean``, the sum over the rows). ``settings`` are torch's keyword
    arguments (:data:`ENTRY_LOSSES`); the node keeps every one of them. Torch's ``reduction="none"``
    is not a matrix derivation's loss (a derivation starts from a scalar)."""
    if kind not in ENTRY_LOSSES:
        raise GraphError(f"unknown element-wise loss {kind!r}: choose from {', '.join(ENTRY_LOSSES)}")
    allowed = REDUCTIONS + (("batchmean",) if kind == "kl_div" else ())
    if reduction not in allowed:
        raise GraphError(f"{kind}: reduction must be one of {', '.join(allowed)} in matrix mode (its loss is a "
                         f"scalar; 'none' is scalar mode's), got {reduction!r}")
    defaults = dict(ENTRY_LOSSES[kind])
    unknown = sorted(set(settings) - set(defaults))
    if unknown:
        raise GraphError(f"{kind}: {', '.join(unknown)} is not a setting of it "
                         f"(its settings: {', '.join(defaults) or 'none'})")
    node = _loss(kind, prediction, target, "mean", name)  # the checks of the prediction and the targets
    chosen = tuple((key, settings.get(key, value)) for key, value in defaults.items())
    term, p = entry_term(kind, chosen), sympy.Symbol("p", real=True)
    for y in term.signs or (sympy.Symbol("y", real=True),):  # scalar mode checks the settings
        term(p, y)
    return Node(kind, node.name, node.inputs, node.shape, (("reduction", reduction), *chosen))


@functools.lru_cache(maxsize=128)
def entry_term(kind, settings):
    """``term(p, y)``: scalar mode's loss ``kind`` of one prediction and one target (its ``"sum"`` of
    one entry) with ``settings``, ``(name, value)`` pairs; one function per loss and settings. Its
    ``signs`` are ``(1, -1)`` for a loss of :data:`SIGNED_TARGETS` (its target a number, one of
    them), else None."""
    function, settings = getattr(losses, kind), dict(settings)

    def term(p, y):
        if kind == "kl_div":  # scalar mode's kl_div takes rows of entries
            return function([p], [y], reduction="sum", **settings)
        return function(p, y, reduction="sum", **settings)

    term.signs = (1, -1) if kind in SIGNED_TARGETS else None
    return term


def l1(prediction, target, reduction="mean", *, name="L"):
    """``nn.L1Loss``: ``|P - Y|`` per entry (its slope ``sign``, 0 at 0 as torch's)."""
    return entry_loss("l1", prediction, target, reduction, name=name)


def smooth_l1(prediction, target, reduction="mean", *, name="L", beta=1.0):
    """``nn.SmoothL1Loss(beta=...)``: ``r^2 / (2 beta)`` where ``|r| < beta``, else ``|r| - beta / 2``."""
    return entry_loss("smooth_l1", prediction, target, reduction, name=name, beta=beta)


def huber(prediction, target, reduction="mean", *, name="L", delta=1.0):
    """``nn.HuberLoss(delta=...)``: ``r^2 / 2`` where ``|r| < delta``, else ``delta (|r| - delta / 2)``."""
    return entry_loss("huber", prediction, target, reduction, name=name, delta=delta)


def kl_div(log_prediction, target, reduction="mean", *, name="L", log_target=False):
    """``nn.KLDivLoss``: ``Y (log Y - P)`` per entry, ``P`` log-probabilities (0 where ``Y`` is 0)."""
    return entry_loss("kl_div", log_prediction, target, reduction, name=name, log_target=log_target)


def poisson_nll(prediction, target, reduction="mean", *, name="L", log_input=True, eps=1e-8):
    """``nn.PoissonNLLLoss`` (``full=False``): ``e^P - Y P`` per entry (``P - Y log(P + eps)`` without
    ``log_input``)."""
    return entry_loss("poisson_nll", prediction, target, reduction, name=name, log_input=log_input, eps=eps)


def bce(probability, target, reduction="mean", *, name="L"):
    """``nn.BCELoss``: ``-(Y log P + (1 - Y) log(1 - P))`` per entry, each log clamped at -100 as torch's."""
    return entry_loss("bce", probability, target, reduction, name=name)


def hinge_embedding(prediction, target, reduction="mean", *, name="L", margin=1.0):
    """``nn.HingeEmbeddingLoss(margin=...)``: ``P`` where ``Y`` is 1, ``max(0, margin - P)`` where it is -1
    (its gradient -1 at the margin, torch's ``clamp_min``)."""
    return entry_loss("hinge_embedding", prediction, target, reduction, name=name, margin=margin)


# -- sequences: token indices, embeddings, self-attention ------------------------------------------


def tokens(name, count):
    """A batch of token indices from 0 to ``count - 1``: a vector of ``N`` integers (an embedding's input)."""
    return Node("tokens", _name(name, "tokens node"), shape=(BATCH,),
                options=(("embeddings", _size(count, "the number of embeddings")),))


def embedding(indices, weight, *, name):
    """``nn.Embedding``: the rows ``W[idx]`` of the ``num_embeddings x d`` weight, one per token (``N x d``)."""
    indices, weight = _node(indices, "embedding's input"), _node(weight, "embedding's weight")
    if indices.op != "tokens":
        raise GraphError(f"embedding {name}: the input must be a tokens node, got {indices.name} ({indices.op})")
    if len(weight.shape) != 2 or weight.shape[0] != indices.option("embeddings"):
        raise ShapeError(f"embedding {name}: the weight {weight.name} must be {indices.option('embeddings')} x d "
                         f"for the tokens {indices.name}, got {' x '.join(map(str, weight.shape))}")
    return Node("embedding", _name(name, "embedding"), (indices, weight), (BATCH, weight.shape[1]))


def scores(queries, keys, *, name):
    """Self-attention's scores over the ``N`` rows taken as one sequence: ``Q K^T / sqrt(d)``, ``N x N``."""
    queries, keys = _batch(queries, "scores' queries"), _batch(keys, "scores' keys")
    if queries.shape != keys.shape:
        raise ShapeError(f"scores {name}: the queries {queries.name} and the keys {keys.name} must have one shape, "
                         f"got {' x '.join(map(str, queries.shape))} and {' x '.join(map(str, keys.shape))}")
    return Node("scores", _name(name, "scores"), (queries, keys), (BATCH, BATCH))


def mix(weights, values, *, name):
    """Self-attention's output: each row the mix ``P V`` of the value rows by its row of ``N x N`` weights."""
    weights, values = _batch(weights, "mix's weights"), _batch(values, "mix's values")
    if weights.shape != (BATCH, BATCH):
        raise ShapeError(f"mix {name}: the weights {weights.name} must be N x N, got "
                         f"{' x '.join(map(str, weights.shape))}")
    return Node("mix", _name(name, "mix"), (weights, values), values.shape)
