"""Sequential networks in matrix mode: layers as data, the graph they make, and parameter values.

A :class:`Network` is a chain of :class:`Linear` layers, :class:`Activation` s, :class:`Dropout` s and
normalisations (:class:`BatchNorm1d`, :class:`LayerNorm`, :class:`BatchNorm2d` of images), like an
``nn.Sequential``; it names its nodes as a textbook does (``X``, ``W1``, ``b1``, ``Z1 = X W1^T + b1``,
``H1 = batch_norm(Z1)`` with ``gamma1``, ``beta1``, ``A1 = relu(H1)``, ..., the loss ``L``). A :class:`Model`
is a network with parameter values and, for each batch norm, its running statistics.
"""

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from ..core.errors import GraphError, ShapeError, SymgradError
from . import graph
from .derivation import derive

__all__ = ["Linear", "Activation", "Dropout", "BatchNorm1d", "LayerNorm", "Conv2d", "MaxPool2d", "AvgPool2d",
           "Flatten", "Network", "Model", "BatchNorm2d", "Embedding", "SelfAttention"]

DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class Linear:
    """``nn.Linear(in_features, out_features, bias)``: ``A W^T + b``."""

    in_features: int
    out_features: int
    bias: bool = True


@dataclass(frozen=True, init=False)
class Activation:
    """An activation applied to each row: one of :func:`~.graph.activations`, with its operation's
    settings as torch's keyword arguments (``Activation("leaky_relu", negative_slope=0.2)``), kept
    as the ``(name, exact number)`` pairs that are not their defaults."""

    kind: str
    settings: tuple = ()

    def __init__(self, kind, **settings):
        if kind not in graph.activations():
            raise GraphError(f"unknown activation {kind!r}: choose from {', '.join(graph.activations())}")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "settings", graph.activation_settings(kind, settings))


def _positive(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise GraphError(f"{what} must be a positive number, got {value!r}")


@dataclass(frozen=True)
class BatchNorm1d:
    """``nn.BatchNorm1d(num_features, eps, momentum)`` in training mode, with gamma and beta: each
    feature standardized by the batch's statistics; the running mean and variance (unbiased) are
    updated as torch's, ``running = (1 - momentum) * running + momentum * batch``."""

    num_features: int
    eps: float = 1e-5
    momentum: float = 0.1

    def __post_init__(self):
        kind = type(self).__name__
        _positive(self.eps, f"{kind}'s eps")
        _positive(self.momentum, f"{kind}'s momentum")
        if self.momentum > 1:
            raise GraphError(f"{kind}'s momentum must be at most 1, got {self.momentum!r}")


@dataclass(frozen=True)
class BatchNorm2d(BatchNorm1d):
    """``nn.BatchNorm2d(num_features, eps, momentum)`` in training mode on images, with gamma and beta:
    each channel standardized by the statistics of its entries over the batch and the pixels (``N H W``
    of them); the running statistics updated as :class:`BatchNorm1d`'s."""


@dataclass(frozen=True)
class LayerNorm:
    """``nn.LayerNorm(normalized_shape, eps)`` over a row's features, with gamma and beta."""

    normalized_shape: int
    eps: float = 1e-5

    def __post_init__(self):
        _positive(self.eps, "LayerNorm's eps")


NORMS = {BatchNorm1d: "batch_norm", LayerNorm: "layer_norm", BatchNorm2d: "batch_norm2d"}


def _features(layer):
    return layer.num_features if isinstance(layer, BatchNorm1d) else layer.normalized_shape


@dataclass(frozen=True)
class Dropout:
    """``nn.Dropout(p)``: in training mode ``A * M / (1 - p)`` with a mask ``M`` drawn for each batch
    (named ``M1``, ... in the graph), in evaluation mode the identity."""

    p: float = 0.5

    def __post_init__(self):
        graph.mask("M", 1, self.p)  # the same check of p as the graph's


def _pair(size, what):
    """A square kernel's side: torch's ``k`` or ``(k, k)``."""
    if isinstance(size, tuple) and len(size) == 2 and size[0] == size[1]:
        size = size[0]
    if isinstance(size, bool) or not isinstance(size, int):
        raise ShapeError(f"matrix mode takes a square {what} (one integer), got {size!r}")
    return size


@dataclass(frozen=True)
class Conv2d:
    """``nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias)`` with a square kernel
    and the same stride and padding on both axes."""

    in_channels: int
    out_channels: int
    kernel_size: int
    stride: int = 1
    padding: int = 0
    bias: bool = True

    def __post_init__(self):
        for key in ("kernel_size", "stride", "padding"):
            object.__setattr__(self, key, _pair(getattr(self, key), f"Conv2d {key}"))


@dataclass(frozen=True)
class _Pool:
    """A pooling's window: ``kernel_size`` square, ``stride`` apart (the kernel's size by default), no padding."""

    kernel_size: int
    stride: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "kernel_size", _pair(self.kernel_size, "pooling kernel_size"))
        object.__setattr__(self, "stride", self.kernel_size if self.stride is None else _pair(self.stride, "stride"))


@dataclass(frozen=True)
class MaxPool2d(_Pool):
    """``nn.MaxPool2d(kernel_size, stride)``: each window's maximum."""


@dataclass(frozen=True)
class AvgPool2d(_Pool):
    """``nn.AvgPool2d(kernel_size, stride)``: each window's mean."""


@dataclass(frozen=True)
class Flatten:
    """``nn.Flatten()``: each ``C x H x W`` image as one row."""


IMAGE_LAYERS = (Conv2d, MaxPool2d, AvgPool2d, Flatten, BatchNorm2d)


@dataclass(frozen=True)
class Embedding:
    """``nn.Embedding(num_embeddings, embedding_dim)``, a network's first layer: its input is a vector of
    ``N`` token indices (from 0), its output the ``N x embedding_dim`` rows ``W[idx]`` of its weight."""

    num_embeddings: int
    embedding_dim: int

    def __post_init__(self):
        graph.parameter("W", self.num_embeddings, self.embedding_dim)  # the graph's check of the sizes


@dataclass(frozen=True)
class SelfAttention:
    """One head of self-attention, as ``nn.MultiheadAttention(embed_dim, 1)`` on an unbatched ``(L, E)``
    input: the ``N`` rows of a batch are ONE sequence of ``N`` tokens. ``Q = A W_q^T + b_q`` (so ``K``,
    ``V``), ``O = softmax(Q K^T / sqrt(d)) V``, output ``O W_o^T + b_o``; every weight ``d x d``."""

    embed_dim: int

    def __post_init__(self):
        graph.parameter("W", self.embed_dim)  # the graph's check of the size


SEQUENCE_LAYERS = (Embedding, SelfAttention)


@dataclass(frozen=True)
class Network:
    """A chain of layers; the first linear layer fixes the number of input features, or, for a
    network of images (starting with :class:`Conv2d` or a pooling), ``input_shape`` = ``(C, H, W)``; a
    first :class:`Embedding` takes token indices (the data node ``x``)."""

    layers: tuple
    input_shape: tuple | None = None

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(self.layers))
        widths = [layer for layer in self.layers if isinstance(layer, Linear)]
        if not widths:
            raise GraphError("a network needs at least one Linear layer")
        for layer in self.layers:
            if not isinstance(layer, (Linear, Activation, Dropout, *NORMS, *IMAGE_LAYERS, *SEQUENCE_LAYERS)):
                raise GraphError(f"a network's layers are Linear, Activation, Dropout, BatchNorm1d, LayerNorm, Conv2d, "
                                 f"MaxPool2d, AvgPool2d, Flatten, Embedding and SelfAttention, got {layer!r}")
        if any(isinstance(layer, Embedding) for layer in self.layers[1:]):
            raise GraphError("an Embedding is a network's first layer (its input is token indices)")
        if any(isinstance(layer, IMAGE_LAYERS) for layer in self.layers):
            if self.input_shape is None or len(tuple(self.input_shape)) != 3:
                raise ShapeError(f"a network of images needs input_shape=(channels, height, width), "
                                 f"got {self.input_shape!r}")
            object.__setattr__(self, "input_shape", tuple(self.input_shape))
            self.graph()  # the graph's builders check every layer's shapes
            return
        width = widths[0].in_features
        for layer in self.layers:
            if isinstance(layer, Linear):
                if layer.in_features != width:
                    raise ShapeError(f"a layer with {width} outputs is followed by one with "
                                     f"{layer.in_features} inputs")
                width = layer.out_features
            elif isinstance(layer, tuple(NORMS)) and _features(layer) != width:
                raise ShapeError(f"{type(layer).__name__}({_features(layer)}) follows a layer with {width} outputs")
            elif isinstance(layer, Embedding):
                width = layer.embedding_dim
            elif isinstance(layer, SelfAttention) and layer.embed_dim != width:
                raise ShapeError(f"SelfAttention({layer.embed_dim}) follows a layer with {width} outputs")

    @property
    def in_features(self):
        return next(layer for layer in self.layers if isinstance(layer, Linear)).in_features

    @property
    def out_features(self):
        return [layer for layer in self.layers if isinstance(layer, Linear)][-1].out_features

    def graph(self, training=True):
        """``(inputs, output, parameters)``: the data node ``X``, the last layer's node, and the
        parameter nodes in torch's order (``W1, b1, W2, b2, ...``). Out of ``training``, a dropout is
        left out (torch's evaluation mode: the identity)."""
        if isinstance(self.layers[0], Embedding):
            node = graph.tokens("x", self.layers[0].num_embeddings)
        elif self.input_shape is None:
            node = graph.data("X", self.in_features)
        else:
            node = graph.images("X", *self.input_shape)
        parameters, depth, after, dropouts = [], 0, {}, 0  # after: the layers of each letter since the last weight
        for layer in self.layers:
            if isinstance(layer, Dropout):
                if training:  # the k-th dropout: D_k = A * M_k / (1 - p)
                    dropouts += 1
                    mask = graph.mask(f"M{dropouts}", node.shape[1], layer.p)
                    node = graph.dropout(node, mask, name=f"D{dropouts}")
                continue
            if isinstance(layer, SEQUENCE_LAYERS):
                depth, after = depth + 1, {}
                node = _sequence_layer(layer, node, depth, parameters)
                continue
            if isinstance(layer, (Linear, Conv2d)):
                depth, after = depth + 1, {}
                if isinstance(layer, Linear):
                    weight = graph.parameter(f"W{depth}", layer.out_features, layer.in_features)
                else:
                    weight = graph.parameter(f"W{depth}", layer.out_channels, layer.in_channels,
                                             layer.kernel_size, layer.kernel_size)
                width = weight.shape[0]
                bias = graph.parameter(f"b{depth}", width) if layer.bias else None
                parameters += [weight] + ([bias] if bias is not None else [])
                if isinstance(layer, Linear):
                    node = graph.linear(node, weight, bias, name=f"Z{depth}")
                else:
                    node = graph.conv2d(node, weight, bias, stride=layer.stride, padding=layer.padding,
                                        name=f"Z{depth}")
                continue
            letter = {Activation: "A", MaxPool2d: "P", AvgPool2d: "P", Flatten: "F",
                      BatchNorm1d: "H", LayerNorm: "H", BatchNorm2d: "H"}[type(layer)]
            after[letter] = after.get(letter, 0) + 1
            name = f"{letter}{depth}" + (f"_{after[letter]}" if after[letter] > 1 else "")
            if isinstance(layer, Activation):
                node = graph.activation(layer.kind, node, name=name, **dict(layer.settings))
            elif isinstance(layer, Flatten):
                node = graph.flatten(node, name=name)
            elif isinstance(layer, tuple(NORMS)):
                suffix = name[1:]
                gamma, beta = (graph.parameter(f"{p}{suffix}", _features(layer)) for p in ("gamma", "beta"))
                parameters += [gamma, beta]
                options = {"momentum": layer.momentum} if isinstance(layer, BatchNorm1d) else {}
                node = getattr(graph, NORMS[type(layer)])(node, gamma, beta, layer.eps, name=name, **options)
            else:
                pool = graph.max_pool2d if isinstance(layer, MaxPool2d) else graph.avg_pool2d
                node = pool(node, layer.kernel_size, layer.stride, name=name)
        return _input(node), node, tuple(parameters)

    def loss(self, kind="nll", reduction="mean", training=True, **settings):
        """The loss node ``L`` of the network's output against targets: class indices ``y`` for
        ``nll`` and ``cross_entropy``, numbers ``Y`` for the others (``mse``, ``bce_with_logits`` and
        scalar mode's element-wise losses, :data:`~.graph.ENTRY_LOSSES`, with their ``settings``)."""
        if kind not in graph.LOSSES:
            raise GraphError(f"unknown loss {kind!r}: choose from {', '.join(graph.LOSSES)}")
        _, output, _ = self.graph(training)
        if kind in ("nll", "cross_entropy"):
            target = graph.classes("y", self.out_features)
        else:
            target = graph.targets("Y", self.out_features)
        return getattr(graph, kind)(output, target, reduction, **settings)

    def initial_parameters(self, seed=0, dtype="float32"):
        """Parameter values drawn as torch's ``nn.Linear`` and ``nn.Conv2d`` draw them, uniform in
        ``(-1/sqrt(fan_in), 1/sqrt(fan_in))`` (``fan_in`` = the inputs of one output: ``in``, or
        ``in_channels k^2``; an attention's projections so too), from NumPy's generator seeded with ``seed``,
        by name; an embedding's weight standard normal, as torch's ``nn.Embedding``."""
        rng, values = np.random.default_rng(seed), {}
        for node in self.graph()[2]:
            if node.name == "W1" and isinstance(self.layers[0], Embedding):
                values[node.name] = rng.standard_normal(node.shape)
                continue
            if node.name.startswith(("gamma", "beta")):  # a normalisation's gamma starts at 1, its beta at 0
                values[node.name] = np.full(node.shape, 1.0 if node.name.startswith("gamma") else 0.0)
                continue
            if node.name.startswith("W"):
                bound = 1.0 / np.sqrt(np.prod(node.shape[1:]))
            values[node.name] = rng.uniform(-bound, bound, node.shape)
        return {name: value.astype(_dtype(dtype)) for name, value in values.items()}

    def batch_norms(self):
        """The batch-norm nodes of :meth:`graph`, in order (the layers with running statistics)."""
        node, found = self.graph()[1], []
        while not node.is_leaf:
            if node.op in graph.BATCH_NORMS:
                found.append(node)
            node = node.inputs[0]
        return tuple(reversed(found))


def _sequence_layer(layer, node, depth, parameters):
    """The nodes of an embedding (``Z = onehot(x) W``) or of a self-attention at ``depth``: ``Q, K, V`` (each
    a linear layer of ``Wq, bq``, ...), the scores ``S``, the weights ``P = softmax(S)``, ``O = P V`` and
    ``Z = O Wo^T + bo``; its parameters are added to ``parameters`` in the order the forward pass uses them
    (W, or Wq, bq, Wk, bk, Wv, bv, Wo, bo: torch's ``in_proj_weight`` is Wq, Wk, Wv stacked, its
    ``in_proj_bias`` bq, bk, bv, its ``out_proj`` Wo, bo)."""
    if isinstance(layer, Embedding):
        weight = graph.parameter(f"W{depth}", layer.num_embeddings, layer.embedding_dim)
        parameters.append(weight)
        return graph.embedding(node, weight, name=f"Z{depth}")
    d = layer.embed_dim
    weights = {p: graph.parameter(f"W{p}{depth}", d, d) for p in "qkvo"}
    biases = {p: graph.parameter(f"b{p}{depth}", d) for p in "qkvo"}
    parameters += [node for p in "qkvo" for node in (weights[p], biases[p])]
    q, k, v = (graph.linear(node, weights[p], biases[p], name=f"{p.upper()}{depth}") for p in "qkv")
    weights_ = graph.activation("softmax", graph.scores(q, k, name=f"S{depth}"), name=f"P{depth}")
    mixed = graph.mix(weights_, v, name=f"O{depth}")
    return graph.linear(mixed, weights["o"], biases["o"], name=f"Z{depth}")


def _input(node):
    while not node.is_leaf:
        node = node.inputs[0]
    return node


def _float_name(dtype):
    """Integers (numbers given as a list) count as float64."""
    return "float64" if dtype.kind in "iub" else dtype.name


def _dtype(dtype):
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in DTYPES:
        raise SymgradError(f"matrix mode computes in {' or '.join(DTYPES)}, not {dtype!r}")
    return np.dtype(name)


@dataclass(frozen=True)
class Model:
    """A network and the values of its parameters, by name: NumPy arrays of one dtype, which
    training updates in place. The first layer's weight ``W1`` is stored column by column: its
    input is the data, which has no adjoint, so ``W1`` is read only as ``W1^T`` by the forward
    product ``X W1^T``, which OpenBLAS computes faster from a ``W1^T`` stored row by row (S2's: 137 us
    instead of 153, measured); a later layer's ``delta W`` is faster with ``W`` row by row (10 us
    instead of 16). The values are the same either way."""

    network: Network
    parameters: MappingProxyType
    buffers: MappingProxyType = None

    def __post_init__(self):
        nodes = self.network.graph()[2]
        given = dict(self.parameters)
        missing = [n.name for n in nodes if n.name not in given]
        extra = sorted(set(given) - {n.name for n in nodes})
        if missing or extra:
            raise SymgradError(f"the parameters do not match the network: missing {missing}, unknown {extra}")
        dtypes = sorted({_float_name(np.asarray(v).dtype) for v in given.values()})
        if len(dtypes) > 1:
            raise SymgradError(f"the parameters mix the dtypes {', '.join(dtypes)}: give them one")
        dtype = _dtype(dtypes[0])
        arrays = {}
        for n in nodes:
            value = np.array(given[n.name], dtype=dtype, order="F" if n is nodes[0] and len(n.shape) == 2 else "C")
            if value.shape != n.shape:
                raise ShapeError(f"{n.name} must be {' x '.join(map(str, n.shape))}, got "
                                 f"{' x '.join(map(str, value.shape))}")
            arrays[n.name] = value
        object.__setattr__(self, "parameters", MappingProxyType(arrays))
        object.__setattr__(self, "buffers", MappingProxyType(self._buffers(dict(self.buffers or {}), dtype)))

    def _buffers(self, given, dtype):
        """Each batch norm's ``H.running_mean`` (zeros unless given), ``H.running_var`` (ones) and
        ``H.num_batches_tracked`` (0, a 0-d int64 array), as torch's buffers; training updates them in place."""
        arrays, names = {}, set()
        for node in self.network.batch_norms():
            features = node.shape[1]
            for key, start, kind in (("running_mean", 0.0, dtype), ("running_var", 1.0, dtype),
                                     ("num_batches_tracked", 0, np.int64)):
                name = f"{node.name}.{key}"
                names.add(name)
                shape = () if key == "num_batches_tracked" else (features,)
                value = np.array(given.get(name, np.full(shape, start)), dtype=kind)
                if value.shape != shape:
                    raise ShapeError(f"{name} must have the shape {shape}, got {value.shape}")
                arrays[name] = value
        extra = sorted(set(given) - names)
        if extra:
            raise SymgradError(f"the buffers do not match the network: unknown {extra}")
        return arrays

    @classmethod
    def initialised(cls, network, seed=0, dtype="float32"):
        """The network with :meth:`Network.initial_parameters`."""
        return cls(network, network.initial_parameters(seed, dtype))

    @property
    def dtype(self):
        return next(iter(self.parameters.values())).dtype

    def derivation(self, loss="nll", reduction="mean", training=True, **settings):
        """The matrix derivation of the network's loss (with its ``settings``) with respect to every
        parameter (with its dropouts' masks as leaves in ``training``, without its dropouts out of it)."""
        return derive(self.network.loss(loss, reduction, training, **settings))
